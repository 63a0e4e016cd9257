//! The persistent map behind contexts: a 16-way trie keyed by variable id.
//!
//! Cloning is one reference-count increment; `insert` and `remove` copy the nodes on the
//! path to the key (at most 16 levels, four for 10,000 variables) and share the rest, so a
//! snapshot never changes when the map it came from does. Ids are small sequential
//! integers, so the low bits spread them evenly without hashing.

use std::any::Any;
use std::sync::Arc;

/// A variable's value, type-erased; `ContextVar<T>` downcasts it back.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

const BITS: u32 = 4;
const WIDTH: usize = 1 << BITS;
const MASK: u64 = WIDTH as u64 - 1;

/// One pointer wide: a task carries one, and tasks that see no variable carry `None`.
#[derive(Clone, Default)]
pub(crate) struct Map {
    root: Option<Arc<Root>>,
}

#[derive(Clone)]
struct Root {
    len: usize,
    node: Node,
}

#[derive(Clone)]
struct Node {
    slots: [Slot; WIDTH],
}

#[derive(Clone, Default)]
enum Slot {
    #[default]
    Empty,
    Leaf(u64, Value),
    Branch(Arc<Node>),
}

impl Map {
    pub(crate) const EMPTY: Map = Map { root: None };

    /// Whether this is the map no variable was ever set in (not merely one whose
    /// variables were all reset): the one that needs no swapping.
    #[inline]
    pub(crate) fn is_pristine(&self) -> bool {
        self.root.is_none()
    }

    pub(crate) fn len(&self) -> usize {
        self.root.as_ref().map_or(0, |root| root.len)
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Value> {
        let mut node = &self.root.as_deref()?.node;
        let mut shift = 0;
        loop {
            match &node.slots[index(id, shift)] {
                Slot::Empty => return None,
                Slot::Leaf(key, value) => return (*key == id).then_some(value),
                Slot::Branch(next) => {
                    node = next;
                    shift += BITS;
                }
            }
        }
    }

    /// Sets `id` to `value`; returns the value it replaced.
    pub(crate) fn insert(&mut self, id: u64, value: Value) -> Option<Value> {
        let root = self.root.get_or_insert_with(|| {
            Arc::new(Root {
                len: 0,
                node: Node::empty(),
            })
        });
        let root = Arc::make_mut(root);
        let previous = insert(&mut root.node, id, value, 0);
        if previous.is_none() {
            root.len += 1;
        }
        previous
    }

    /// Unsets `id`; returns the value it had.
    pub(crate) fn remove(&mut self, id: u64) -> Option<Value> {
        self.get(id)?;
        let root = Arc::make_mut(self.root.as_mut()?);
        let removed = remove(&mut root.node, id, 0);
        if removed.is_some() {
            root.len -= 1;
            if root.len == 0 {
                self.root = None;
            }
        }
        removed
    }
}

fn index(id: u64, shift: u32) -> usize {
    ((id >> shift) & MASK) as usize
}

impl Node {
    fn empty() -> Node {
        Node {
            slots: Default::default(),
        }
    }
}

fn insert(node: &mut Node, id: u64, value: Value, shift: u32) -> Option<Value> {
    let slot = &mut node.slots[index(id, shift)];
    match slot {
        Slot::Empty => {
            *slot = Slot::Leaf(id, value);
            None
        }
        Slot::Leaf(key, existing) if *key == id => Some(std::mem::replace(existing, value)),
        Slot::Leaf(..) => {
            // Two ids share this slot: push the resident one a level down, then retry there.
            let Slot::Leaf(key, existing) = std::mem::take(slot) else {
                unreachable!("matched a leaf just above")
            };
            let mut child = Node::empty();
            child.slots[index(key, shift + BITS)] = Slot::Leaf(key, existing);
            let previous = insert(&mut child, id, value, shift + BITS);
            *slot = Slot::Branch(Arc::new(child));
            previous
        }
        Slot::Branch(child) => insert(Arc::make_mut(child), id, value, shift + BITS),
    }
}

fn remove(node: &mut Node, id: u64, shift: u32) -> Option<Value> {
    let slot = &mut node.slots[index(id, shift)];
    match slot {
        Slot::Leaf(key, _) if *key == id => match std::mem::take(slot) {
            Slot::Leaf(_, value) => Some(value),
            _ => None,
        },
        Slot::Branch(child) => remove(Arc::make_mut(child), id, shift + BITS),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(n: u64) -> Value {
        Arc::new(n)
    }

    fn read(map: &Map, id: u64) -> Option<u64> {
        map.get(id).and_then(|v| v.downcast_ref::<u64>().copied())
    }

    #[test]
    fn snapshots_do_not_see_later_writes() {
        let mut map = Map::EMPTY;
        for id in 1..=10_000 {
            map.insert(id, value(id));
        }
        let snapshot = map.clone();
        map.insert(5, value(500));
        map.remove(6);
        assert_eq!(read(&snapshot, 5), Some(5));
        assert_eq!(read(&snapshot, 6), Some(6));
        assert_eq!(read(&map, 5), Some(500));
        assert_eq!(read(&map, 6), None);
        assert_eq!(snapshot.len(), 10_000);
        assert_eq!(map.len(), 9_999);
    }

    #[test]
    fn colliding_low_bits_and_large_ids() {
        let mut map = Map::EMPTY;
        let ids = [1, 17, 33, 1 << 40, (1 << 40) + 1, u64::MAX];
        for id in ids {
            assert!(map.insert(id, value(id)).is_none());
        }
        for id in ids {
            assert_eq!(read(&map, id), Some(id));
        }
        assert_eq!(read(&map, 2), None);
        for id in ids {
            assert!(map.remove(id).is_some());
        }
        assert_eq!(map.len(), 0);
        assert!(map.remove(1).is_none());
    }
}

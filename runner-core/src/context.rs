//! Context variables: Python's `contextvars`, following tasks.
//!
//! Each thread has a *current context*: a persistent map from variable to value. Spawning a
//! task, offloading with `unblock` or calling [`Context::current`] takes a snapshot of it,
//! which costs one reference-count increment whatever the number of variables, because the
//! map is persistent: `set` copies only the path to the changed entry (a 16-way trie, so
//! four nodes for 10,000 variables), never the whole map.
//!
//! A task owns its snapshot and swaps it in as the thread's current context for each poll.
//! Where no variable was ever set, neither in the task's snapshot nor on the thread, there
//! is nothing to swap: a poll reads one flag, and a spawn copies nothing.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::guard::{OnDrop, lock};
use crate::poll_state::{context_is_pristine, set_context_is_pristine};
use crate::trie::{Map, Value};

thread_local! {
    /// The context the code running on this thread sees.
    static THREAD_CONTEXT: Cell<Map> = const { Cell::new(Map::EMPTY) };
}

/// Source of variable identities: 0 means "not yet assigned".
static NEXT_VAR_ID: AtomicU64 = AtomicU64::new(1);

/// Takes a snapshot of this thread's context (O(1)).
pub(crate) fn snapshot() -> Map {
    if context_is_pristine() {
        return Map::EMPTY;
    }
    THREAD_CONTEXT.with(|context| {
        let map = context.take();
        let copy = map.clone();
        context.set(map);
        copy
    })
}

/// Makes `map` this thread's context and returns the one it replaced.
///
/// Callers swap back when they are done; the pair is how tasks and contexts are entered
/// without an allocation.
#[inline]
pub(crate) fn swap_thread_context(map: Map) -> Map {
    set_context_is_pristine(map.is_pristine());
    THREAD_CONTEXT.with(|context| context.replace(map))
}

/// Runs `f` with `map` as the thread's context and returns the map as `f` left it.
#[inline]
pub(crate) fn run_in<R>(map: &mut Map, f: impl FnOnce() -> R) -> R {
    // As for a task's poll: when neither has a variable set (the common case), the thread's
    // context already is `map`, and nothing is swapped in; a variable `f` sets is taken
    // back out into `map` afterwards. A `#[runner::test]` thereby never touches the
    // thread-local, whose first use on a new thread registers a destructor.
    if map.is_pristine() && context_is_pristine() {
        let _take_back = OnDrop::new(|| {
            if !context_is_pristine() {
                *map = swap_thread_context(Map::EMPTY);
            }
        });
        return f();
    }
    let previous = swap_thread_context(std::mem::take(map));
    let _restore = OnDrop::new(|| *map = swap_thread_context(previous));
    f()
}

/// Runs `f` on the thread's context, taken out of its cell meanwhile: `f` must not run
/// user code (a `Clone` or `Drop` of a value could read a variable and would see nothing).
fn with_thread_context<R>(f: impl FnOnce(&mut Map) -> R) -> R {
    THREAD_CONTEXT.with(|context| {
        let mut map = context.take();
        let result = f(&mut map);
        set_context_is_pristine(map.is_pristine());
        context.set(map);
        result
    })
}

/// A context variable: a value that each task and each [`Context`] sees on its own.
///
/// Declare one as a `static`; every task starts with the values of the context it was
/// spawned from, and what it sets stays invisible to its parent and its siblings.
/// Values must be `Clone + Send + Sync + 'static` because tasks move between threads.
///
/// # Examples
///
/// ```
/// use runner::ContextVar;
///
/// static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");
///
/// runner::run(async {
///     REQUEST_ID.set(7);
///     let child = runner::spawn(async {
///         let seen = REQUEST_ID.get();
///         REQUEST_ID.set(8); // the child's own copy
///         seen
///     });
///     assert_eq!(child.await, Some(7));
///     assert_eq!(REQUEST_ID.get(), Some(7));
/// });
/// ```
pub struct ContextVar<T> {
    name: &'static str,
    id: AtomicU64,
    _value: PhantomData<fn() -> T>,
}

impl<T> ContextVar<T> {
    /// Creates a variable; `name` is shown in `Debug` output and in misuse panics.
    ///
    /// # Examples
    ///
    /// ```
    /// static USER: runner::ContextVar<String> = runner::ContextVar::new("user");
    /// assert_eq!(USER.name(), "user");
    /// ```
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            id: AtomicU64::new(0),
            _value: PhantomData,
        }
    }

    /// The name given to [`ContextVar::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// static TRACE: runner::ContextVar<u32> = runner::ContextVar::new("trace");
    /// assert_eq!(TRACE.name(), "trace");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A process-unique identity, assigned on first use so that `new` can stay `const`.
    fn id(&self) -> u64 {
        let id = self.id.load(Ordering::Relaxed);
        if id != 0 {
            return id;
        }
        let fresh = NEXT_VAR_ID.fetch_add(1, Ordering::Relaxed);
        match self
            .id
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(assigned) => assigned,
        }
    }
}

impl<T: Clone + Send + Sync + 'static> ContextVar<T> {
    /// The variable's value in the current context, or `None` when it was never set there.
    ///
    /// # Examples
    ///
    /// ```
    /// static LEVEL: runner::ContextVar<u8> = runner::ContextVar::new("level");
    /// assert_eq!(LEVEL.get(), None);
    /// LEVEL.set(3);
    /// assert_eq!(LEVEL.get(), Some(3));
    /// ```
    pub fn get(&self) -> Option<T> {
        let id = self.id();
        // The value's own `Clone` runs once the context is back in place.
        let value = with_thread_context(|map| map.get(id).cloned())?;
        downcast::<T>(&value)
    }

    /// Sets the variable in the current context and returns a [`Token`] that
    /// [`reset`](ContextVar::reset) uses to restore the value it replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// static MODE: runner::ContextVar<&'static str> = runner::ContextVar::new("mode");
    /// let token = MODE.set("fast");
    /// assert_eq!(MODE.get(), Some("fast"));
    /// MODE.reset(token);
    /// assert_eq!(MODE.get(), None);
    /// ```
    pub fn set(&self, value: T) -> Token<T> {
        let id = self.id();
        let value: Value = Arc::new(value);
        let previous = with_thread_context(|map| map.insert(id, value));
        Token {
            var_id: id,
            var_name: self.name,
            previous,
            _value: PhantomData,
        }
    }

    /// Restores the value the variable had before the `set` that returned `token`.
    ///
    /// A token can be used once: `reset` takes it by value.
    ///
    /// ```compile_fail
    /// static N: runner::ContextVar<u8> = runner::ContextVar::new("n");
    /// let token = N.set(1);
    /// N.reset(token);
    /// N.reset(token); // error: use of moved value
    /// ```
    ///
    /// # Panics
    ///
    /// When `token` was returned by another variable's `set`; the message names both.
    ///
    /// # Examples
    ///
    /// ```
    /// static DEPTH: runner::ContextVar<u32> = runner::ContextVar::new("depth");
    /// DEPTH.set(1);
    /// let token = DEPTH.set(2);
    /// DEPTH.reset(token);
    /// assert_eq!(DEPTH.get(), Some(1));
    /// ```
    #[track_caller]
    pub fn reset(&self, token: Token<T>) {
        let id = self.id();
        assert!(
            token.var_id == id,
            "ContextVar::reset: the token was created by `{}`.set(), not by `{}`.set(); \
             reset each variable with its own token",
            token.var_name,
            self.name
        );
        // The value replaced is dropped once the context is back in place: its `Drop` may
        // read a variable.
        let replaced = with_thread_context(|map| match token.previous {
            Some(value) => map.insert(id, value),
            None => map.remove(id),
        });
        drop(replaced);
    }
}

fn downcast<T: Clone + 'static>(value: &Value) -> Option<T> {
    let value: &dyn Any = &**value;
    value.downcast_ref::<T>().cloned()
}

impl<T> fmt::Debug for ContextVar<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextVar")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What [`ContextVar::set`] returns: pass it to [`ContextVar::reset`] to undo that `set`.
///
/// Dropping a token changes nothing, as in Python.
///
/// # Examples
///
/// ```
/// static TRY: runner::ContextVar<u8> = runner::ContextVar::new("try");
/// let token = TRY.set(1);
/// assert_eq!(token.var_name(), "try");
/// TRY.reset(token);
/// ```
pub struct Token<T> {
    var_id: u64,
    var_name: &'static str,
    previous: Option<Value>,
    _value: PhantomData<T>,
}

impl<T> Token<T> {
    /// The name of the variable whose `set` returned this token.
    ///
    /// # Examples
    ///
    /// ```
    /// static A: runner::ContextVar<i32> = runner::ContextVar::new("a");
    /// assert_eq!(A.set(1).var_name(), "a");
    /// ```
    pub fn var_name(&self) -> &'static str {
        self.var_name
    }
}

impl<T> fmt::Debug for Token<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("var", &self.var_name)
            .field("had_previous_value", &self.previous.is_some())
            .finish()
    }
}

/// A set of context variable values that code can run inside.
///
/// `Context` is a handle: clones share the same values, so what one clone's
/// [`run`](Context::run) sets, every clone sees. [`Context::current`] makes a new, independent
/// context from the current one, as Python's `copy_context()` does.
///
/// # Examples
///
/// ```
/// use runner::{Context, ContextVar};
///
/// static USER: ContextVar<&'static str> = ContextVar::new("user");
///
/// let ctx = Context::current();
/// ctx.run(|| USER.set("ada"));
/// assert_eq!(ctx.get(&USER), Some("ada"));
/// assert_eq!(USER.get(), None); // the caller's own context is untouched
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<ContextInner>,
}

struct ContextInner {
    map: Mutex<Map>,
    entered: AtomicBool,
}

impl Context {
    /// A copy of the current context, O(1) whatever the number of variables set.
    ///
    /// # Examples
    ///
    /// ```
    /// static N: runner::ContextVar<u32> = runner::ContextVar::new("n");
    /// N.set(1);
    /// let snapshot = runner::Context::current();
    /// N.set(2);
    /// assert_eq!(snapshot.get(&N), Some(1));
    /// ```
    pub fn current() -> Context {
        Context::from_map(snapshot())
    }

    /// An empty context: no variable set.
    ///
    /// # Examples
    ///
    /// ```
    /// static N: runner::ContextVar<u32> = runner::ContextVar::new("n");
    /// N.set(1);
    /// assert_eq!(runner::Context::empty().get(&N), None);
    /// ```
    pub fn empty() -> Context {
        Context::from_map(Map::EMPTY)
    }

    pub(crate) fn from_map(map: Map) -> Context {
        Context {
            inner: Arc::new(ContextInner {
                map: Mutex::new(map),
                entered: AtomicBool::new(false),
            }),
        }
    }

    /// The value of `var` in this context.
    ///
    /// While the context runs code (its [`run`](Context::run), or a task or `run` using
    /// it), this sees the values it had when that code entered it; what the code sets shows
    /// once it leaves.
    ///
    /// # Examples
    ///
    /// ```
    /// static N: runner::ContextVar<u32> = runner::ContextVar::new("n");
    /// let ctx = runner::Context::empty();
    /// ctx.run(|| N.set(5));
    /// assert_eq!(ctx.get(&N), Some(5));
    /// ```
    pub fn get<T: Clone + Send + Sync + 'static>(&self, var: &ContextVar<T>) -> Option<T> {
        let id = var.id();
        // Cloned out of the lock: the value's own `Clone` may use this context.
        let value = self.lock().get(id).cloned()?;
        downcast::<T>(&value)
    }

    /// Runs `f` inside this context and returns its result: inside `f`, variables read and
    /// write this context's values.
    ///
    /// # Panics
    ///
    /// When this context is already entered, on this thread or another, as Python raises
    /// `RuntimeError` for `Context.run` on an entered context.
    ///
    /// # Examples
    ///
    /// ```
    /// static N: runner::ContextVar<u32> = runner::ContextVar::new("n");
    /// let ctx = runner::Context::empty();
    /// let doubled = ctx.run(|| { N.set(21); N.get().unwrap() * 2 });
    /// assert_eq!(doubled, 42);
    /// ```
    #[track_caller]
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        let was_entered = self.inner.entered.swap(true, Ordering::Acquire);
        assert!(
            !was_entered,
            "cannot enter this runner::Context: it is already entered (a Context runs one \
             piece of code at a time; use Context::current() to make a copy)"
        );
        // A copy (one reference count) goes in, so that `get` and `Debug` from elsewhere
        // keep seeing the values as of entry; what `f` leaves is put back when it returns or
        // unwinds (the guards drop in reverse order: thread context first, then this one).
        let map = Cell::new(self.lock().clone());
        let _leave = OnDrop::new(|| {
            *self.lock() = map.take();
            self.inner.entered.store(false, Ordering::Release);
        });
        let previous = swap_thread_context(map.take());
        let _restore = OnDrop::new(|| map.set(swap_thread_context(previous)));
        f()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Map> {
        lock(&self.inner.map)
    }

    /// Number of variables set in this context.
    ///
    /// # Examples
    ///
    /// ```
    /// static A: runner::ContextVar<u8> = runner::ContextVar::new("a");
    /// let ctx = runner::Context::empty();
    /// assert_eq!(ctx.len(), 0);
    /// ctx.run(|| A.set(1));
    /// assert_eq!(ctx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no variable is set in this context.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(runner::Context::empty().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // try_lock: Debug must never block. The lock is only ever held for an instant, and
        // an entered context keeps its values as of entry, so this shows them.
        let mut d = f.debug_struct("Context");
        match self.inner.map.try_lock() {
            Ok(map) => d.field("vars", &map.len()),
            Err(_) => d.field("vars", &"<busy>"),
        };
        d.field("entered", &self.inner.entered.load(Ordering::Relaxed))
            .finish()
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::empty()
    }
}

//! The signal close gives in step 1, which `shutdown_requested()` futures wait for.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::task::{Context as TaskCx, Poll, Waker};

use slab::Slab;

use crate::guard::lock;

pub(crate) struct ShutdownSignal {
    given: AtomicBool,
    /// Whether a future ever waited, set under the lock before it reads `given`; `give`
    /// stores `given`, then reads this, all `SeqCst`: either it sees the future's waker, or
    /// the future sees the signal. Most runners never have one (every `#[runner::test]`
    /// closes a runner), and their close takes no lock here.
    ever_waited: AtomicBool,
    /// The waiting futures' wakers; a future keeps the key of its slot.
    waiting: Mutex<Slab<Waker>>,
}

impl ShutdownSignal {
    pub(crate) fn new() -> Self {
        ShutdownSignal {
            given: AtomicBool::new(false),
            ever_waited: AtomicBool::new(false),
            waiting: Mutex::new(Slab::new()),
        }
    }

    pub(crate) fn is_given(&self) -> bool {
        self.given.load(SeqCst)
    }

    /// Completes every waiting future, and every future polled from now on.
    pub(crate) fn give(&self) {
        self.given.store(true, SeqCst);
        if !self.ever_waited.load(SeqCst) {
            return;
        }
        let mut waiting = lock(&self.waiting);
        if waiting.is_empty() {
            return;
        }
        let wakers: Vec<Waker> = waiting.drain().collect();
        drop(waiting);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Polls for a future whose waker's place is `slot`.
    pub(crate) fn poll(&self, slot: &mut Option<usize>, cx: &mut TaskCx<'_>) -> Poll<()> {
        let mut waiting = lock(&self.waiting);
        if !self.ever_waited.load(SeqCst) {
            self.ever_waited.store(true, SeqCst);
        }
        if self.is_given() {
            return Poll::Ready(());
        }
        match slot.and_then(|key| waiting.get_mut(key)) {
            Some(waker) => waker.clone_from(cx.waker()),
            None => *slot = Some(waiting.insert(cx.waker().clone())),
        }
        Poll::Pending
    }

    /// A waiting future is dropped: its slot goes.
    pub(crate) fn forget(&self, slot: usize) {
        lock(&self.waiting).try_remove(slot);
    }
}

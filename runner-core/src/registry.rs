//! The task registry: what close must reach (tasks and blocking jobs), how far close has
//! got (the phase), and the waits close does on them.
//!
//! A task enters it the first time close may need to reach it: when it first waits on a
//! shared executor (with its waker, so that close can wake it to cancel it), when it asks for
//! the shutdown signal, or at spawn in debug mode (so that close can name it). A task never
//! polled needs no entry: it sits in a run queue, and close runs the queues until every
//! task is gone. Every blocking job has an entry: close waits for them.

use std::future::Future;
use std::panic::Location;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::error;
use crate::guard::lock;

/// A registry entry's key: 32 bits are plenty, and keep the polled-task marker small.
pub(crate) type Key = u32;

/// Where a runner is in its shutdown; only ever moves forward.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[repr(u8)]
pub(crate) enum Phase {
    Running = 0,
    /// `shutdown_requested()` has completed: cleanup time.
    ShuttingDown = 1,
    /// Every task is being cancelled at its next poll.
    Cancelling = 2,
    Closed = 3,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Task,
    Job,
}

pub(crate) struct Registry {
    /// Written with `SeqCst`, as is `live_tasks`: a spawn counts itself, then reads the
    /// phase; close sets the phase, then reads the count; so one of them sees the other.
    phase: AtomicU8,
    /// Tasks spawned and not yet dropped; counted only on a shared executor.
    live_tasks: AtomicUsize,
    entries: Mutex<Entries>,
    /// Signalled when a blocking job ends during close.
    jobs_done: Condvar,
}

struct Entries {
    slab: Slab<Entry>,
    live_jobs: usize,
    awaiting_shutdown: usize,
    /// Close, waiting for `live_tasks` or `awaiting_shutdown` to reach zero.
    watcher: Option<Waker>,
}

struct Entry {
    location: &'static Location<'static>,
    kind: Kind,
    waker: Option<Waker>,
    awaits_shutdown: bool,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            phase: AtomicU8::new(Phase::Running as u8),
            live_tasks: AtomicUsize::new(0),
            entries: Mutex::new(Entries {
                slab: Slab::new(),
                live_jobs: 0,
                awaiting_shutdown: 0,
                watcher: None,
            }),
            jobs_done: Condvar::new(),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(SeqCst) {
            0 => Phase::Running,
            1 => Phase::ShuttingDown,
            2 => Phase::Cancelling,
            _ => Phase::Closed,
        }
    }

    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, SeqCst);
    }

    #[inline]
    pub(crate) fn is_cancelling(&self) -> bool {
        self.phase.load(SeqCst) >= Phase::Cancelling as u8
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        lock(&self.entries)
    }

    /// Counts a new task; panics when the runner is closed.
    #[track_caller]
    pub(crate) fn task_spawned(&self) {
        self.live_tasks.fetch_add(1, SeqCst);
        if self.phase() == Phase::Closed {
            self.task_dropped();
            error::closed_on_spawn();
        }
    }

    /// A counted task's future and wrapper are gone.
    pub(crate) fn task_dropped(&self) {
        let before = self.live_tasks.fetch_sub(1, SeqCst);
        if before == 1 && self.phase() != Phase::Running {
            wake_watcher(self.entries());
        }
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.live_tasks.load(SeqCst)
    }

    /// Adds a task or job; returns its key. A task that gives its waker after close began
    /// to cancel (its first poll ran on another thread meanwhile) is woken at once instead,
    /// so that it sees the cancellation.
    #[track_caller]
    pub(crate) fn register(
        &self,
        location: &'static Location<'static>,
        kind: Kind,
        waker: Option<Waker>,
    ) -> Key {
        let mut entries = self.entries();
        if kind == Kind::Job {
            // Checked under the lock: close reads the job count under it too.
            if self.phase() == Phase::Closed {
                drop(entries);
                error::closed_on_unblock();
            }
            entries.live_jobs += 1;
        }
        let (waker, wake_now) = self.keep_unless_cancelling(waker);
        let key = entries.slab.insert(Entry {
            location,
            kind,
            waker,
            awaits_shutdown: false,
        });
        drop(entries);
        if let Some(waker) = wake_now {
            waker.wake();
        }
        Key::try_from(key).expect("more than four billion live tasks and blocking jobs")
    }

    /// Splits a waker given under the lock into (to store, to wake now): once `cancel_all`
    /// has taken the wakers (it sets the phase under the same lock), a stored one would
    /// never be woken.
    fn keep_unless_cancelling(&self, waker: Option<Waker>) -> (Option<Waker>, Option<Waker>) {
        if self.is_cancelling() {
            (None, waker)
        } else {
            (waker, None)
        }
    }

    pub(crate) fn store_waker(&self, key: Key, waker: &Waker) {
        let mut entries = self.entries();
        let (keep, wake_now) = self.keep_unless_cancelling(Some(waker.clone()));
        if let Some(entry) = entries.slab.get_mut(key as usize) {
            entry.waker = keep;
        }
        drop(entries);
        if let Some(waker) = wake_now {
            waker.wake();
        }
    }

    pub(crate) fn unregister(&self, key: Key) {
        let mut entries = self.entries();
        let Some(entry) = entries.slab.try_remove(key as usize) else {
            return;
        };
        if entry.kind == Kind::Job {
            entries.live_jobs -= 1;
        }
        if entry.awaits_shutdown {
            entries.awaiting_shutdown -= 1;
        }
        if self.phase() != Phase::Running {
            wake_watcher(entries);
            if entry.kind == Kind::Job {
                self.jobs_done.notify_all();
            }
        }
    }

    /// The task with entry `key` asked for the shutdown signal: close gives it the grace.
    pub(crate) fn mark_awaits_shutdown(&self, key: Key) {
        let mut entries = self.entries();
        let entries = &mut *entries;
        if let Some(entry) = entries.slab.get_mut(key as usize)
            && !entry.awaits_shutdown
        {
            entry.awaits_shutdown = true;
            entries.awaiting_shutdown += 1;
        }
    }

    pub(crate) fn awaiting_shutdown(&self) -> usize {
        self.entries().awaiting_shutdown
    }

    /// Completes once no task that asked for the shutdown signal is alive.
    pub(crate) fn cleanup_done(&self) -> impl Future<Output = ()> + '_ {
        self.settled(|entries| entries.awaiting_shutdown == 0)
    }

    /// Completes once every counted task has been dropped.
    pub(crate) fn tasks_gone(&self) -> impl Future<Output = ()> + '_ {
        self.settled(|_| self.live_tasks() == 0)
    }

    fn settled(&self, done: impl Fn(&Entries) -> bool) -> impl Future<Output = ()> {
        std::future::poll_fn(move |cx| {
            let mut entries = self.entries();
            if done(&entries) {
                Poll::Ready(())
            } else {
                entries.watcher = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    /// From now on every task is cancelled at its next poll: wakes those that gave a waker
    /// and returns the spawn locations of the tasks still registered.
    pub(crate) fn cancel_all(&self) -> Vec<&'static Location<'static>> {
        let mut entries = self.entries();
        self.set_phase(Phase::Cancelling);
        let mut locations = Vec::new();
        let mut wakers = Vec::new();
        for (_, entry) in entries.slab.iter_mut() {
            if entry.kind == Kind::Task {
                locations.push(entry.location);
                wakers.extend(entry.waker.take());
            }
        }
        drop(entries);
        for waker in wakers {
            waker.wake();
        }
        locations
    }

    /// Waits for blocking jobs, at most `timeout`; returns the locations of those still
    /// running then.
    pub(crate) fn wait_for_jobs(&self, timeout: Duration) -> Vec<&'static Location<'static>> {
        let mut entries = self.entries();
        let deadline = Instant::now() + timeout;
        while entries.live_jobs > 0 {
            let now = Instant::now();
            if now >= deadline {
                return entries
                    .slab
                    .iter()
                    .filter(|(_, entry)| entry.kind == Kind::Job)
                    .map(|(_, entry)| entry.location)
                    .collect();
            }
            entries = self
                .jobs_done
                .wait_timeout(entries, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Vec::new()
    }
}

fn wake_watcher(mut entries: MutexGuard<'_, Entries>) {
    let watcher = entries.watcher.take();
    drop(entries);
    if let Some(watcher) = watcher {
        watcher.wake();
    }
}

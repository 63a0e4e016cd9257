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
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::error;
use crate::guard::lock;
use crate::task_list::{Label, TaskInfo, TaskKind, TaskState, WaitsOn};
use crate::task_record::{Activity, Awaited, HoldsRecord, TaskRecord};

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
    /// Whether an entry was ever made, set under the lock before the first one is. Until
    /// then close and the task list have nothing to look at and skip the lock: most runners
    /// of `#[runner::test]` never make one (a test's whole cost is a few such steps).
    used: AtomicBool,
    entries: Mutex<Entries>,
    /// Signalled when a blocking job ends during close.
    jobs_done: Condvar,
}

struct Entries {
    slab: Slab<Entry>,
    /// The id the next entry gets: ids, unlike keys, are never reused.
    next_id: u64,
    live_jobs: usize,
    awaiting_shutdown: usize,
    /// Close, waiting for `live_tasks` or `awaiting_shutdown` to reach zero.
    watcher: Option<Waker>,
}

struct Entry {
    id: u64,
    /// The id of the task that spawned it (debug mode), 0 for none: ids start at 1, and an
    /// entry a word smaller is less to move per task.
    parent: u64,
    location: &'static Location<'static>,
    name: Option<Arc<str>>,
    group: Option<&'static Location<'static>>,
    kind: Kind,
    since: Instant,
    waker: Option<Waker>,
    awaits_shutdown: bool,
    /// Debug mode: what holds the task's record (see `task_record`).
    record: Option<Arc<dyn HoldsRecord>>,
}

/// What a new registry entry is made of.
pub(crate) struct Registration {
    pub(crate) location: &'static Location<'static>,
    pub(crate) kind: Kind,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) group: Option<&'static Location<'static>>,
    pub(crate) waker: Option<Waker>,
    /// Debug mode: what holds the task's record; the task was spawned at its `spawned_at`.
    pub(crate) record: Option<Arc<dyn HoldsRecord>>,
    /// Debug mode: the task polled where this one was spawned, if any.
    pub(crate) parent: Option<Key>,
}

impl Registration {
    pub(crate) fn new(location: &'static Location<'static>, kind: Kind) -> Registration {
        Registration {
            location,
            kind,
            name: None,
            group: None,
            waker: None,
            record: None,
            parent: None,
        }
    }
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry {
            phase: AtomicU8::new(Phase::Running as u8),
            live_tasks: AtomicUsize::new(0),
            used: AtomicBool::new(false),
            entries: Mutex::new(Entries {
                slab: Slab::new(),
                next_id: 1,
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

    /// Whether an entry was ever made.
    pub(crate) fn is_used(&self) -> bool {
        self.used.load(SeqCst)
    }

    /// The entries, unless none was ever made (`SeqCst`: see `cancel_all`).
    fn entries_if_used(&self) -> Option<MutexGuard<'_, Entries>> {
        self.used.load(SeqCst).then(|| self.entries())
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

    /// Adds a task or job; returns its key. A task
    /// that gives its waker after close began to cancel (its first poll ran on another
    /// thread meanwhile) is woken at once instead, so that it sees the cancellation.
    #[track_caller]
    pub(crate) fn register(&self, new: Registration) -> Key {
        let Registration {
            location,
            kind,
            name,
            group,
            waker,
            record,
            parent,
        } = new;
        let since = match record.as_ref().and_then(|holder| holder.record()) {
            Some(record) => record.spawned_at,
            None => Instant::now(),
        };
        let mut entries = self.entries();
        // Before the phase is read below: see `cancel_all`.
        if !self.used.load(SeqCst) {
            self.used.store(true, SeqCst);
        }
        if kind == Kind::Job {
            // Checked under the lock: close reads the job count under it too.
            if self.phase() == Phase::Closed {
                drop(entries);
                error::closed_on_unblock();
            }
            entries.live_jobs += 1;
        }
        let (waker, wake_now) = self.keep_unless_cancelling(waker);
        let id = entries.next_id;
        entries.next_id += 1;
        let parent = parent
            .and_then(|key| entries.slab.get(key as usize))
            .map_or(0, |entry| entry.id);
        let key = entries.slab.insert(Entry {
            id,
            parent,
            location,
            name,
            group,
            kind,
            since,
            waker,
            awaits_shutdown: false,
            record,
        });
        drop(entries);
        if let Some(waker) = wake_now {
            waker.wake();
        }
        // `Key::MAX` means "no entry" to a task's link.
        Key::try_from(key)
            .ok()
            .filter(|&key| key != Key::MAX)
            .expect("more than four billion live tasks and blocking jobs")
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
        self.entries_if_used()
            .map_or(0, |entries| entries.awaiting_shutdown)
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
    /// and returns the tasks still registered, for the report.
    pub(crate) fn cancel_all(&self) -> Vec<Label> {
        // The phase is set before `used` is read, and `register` sets `used` before it reads
        // the phase, all `SeqCst`: either the entry is seen here, or its task sees the phase
        // and is woken at once.
        self.set_phase(Phase::Cancelling);
        let Some(mut entries) = self.entries_if_used() else {
            return Vec::new();
        };
        let mut cancelled = Vec::new();
        let mut wakers = Vec::new();
        for (_, entry) in entries.slab.iter_mut() {
            if entry.kind == Kind::Task {
                cancelled.push(Label::new(entry.name.clone(), entry.location));
                wakers.extend(entry.waker.take());
            }
        }
        drop(entries);
        for waker in wakers {
            waker.wake();
        }
        cancelled
    }

    /// Waits for blocking jobs, at most `timeout`; false when some are still running then.
    pub(crate) fn wait_for_jobs(&self, timeout: Duration) -> bool {
        let Some(mut entries) = self.entries_if_used() else {
            return true;
        };
        if entries.live_jobs == 0 {
            return true;
        }
        // A timeout too long to be a deadline (`Duration::MAX`) waits for ever.
        let deadline = Instant::now().checked_add(timeout);
        while entries.live_jobs > 0 {
            entries = match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.jobs_done
                        .wait_timeout(entries, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .jobs_done
                    .wait(entries)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
        true
    }
}

impl Registry {
    /// The tasks and jobs registered now, as the task list shows them; `shutdown_given` says
    /// whether tasks that asked for the signal are cleaning up. `filter` picks the entries.
    pub(crate) fn list(&self, shutdown_given: bool, filter: ListFilter) -> Vec<TaskInfo> {
        let Some(entries) = self.entries_if_used() else {
            return Vec::new();
        };
        let now = Instant::now();
        let id_of = |key: u32| entries.slab.get(key as usize).map(|entry| entry.id);
        entries
            .slab
            .iter()
            .map(|(_, entry)| entry)
            .filter(|entry| match filter {
                ListFilter::All => true,
                ListFilter::CleaningUp => entry.awaits_shutdown,
                ListFilter::Jobs => entry.kind == Kind::Job,
            })
            .map(|entry| {
                let record = entry.record.as_deref().and_then(HoldsRecord::record);
                let reading = record.map(|record| record.read(now));
                let state = match (&reading, entry.kind) {
                    (_, Kind::Job) => TaskState::Running {
                        thread: None,
                        for_: now.saturating_duration_since(entry.since),
                    },
                    (Some(reading), Kind::Task) => match reading.activity {
                        Activity::Scheduled => TaskState::Scheduled { for_: reading.for_ },
                        Activity::Idle => TaskState::Idle { for_: reading.for_ },
                        Activity::Running => TaskState::Running {
                            thread: reading.thread.clone(),
                            for_: reading.for_,
                        },
                    },
                    (None, Kind::Task) => TaskState::Unknown,
                };
                let waits_on = match reading.as_ref().and_then(|reading| reading.awaited) {
                    Some(Awaited::Task(key)) => id_of(key).map(WaitsOn::Task),
                    Some(Awaited::Job(key)) => id_of(key).map(WaitsOn::BlockingJob),
                    Some(Awaited::Shutdown) => Some(WaitsOn::Shutdown),
                    None if entry.awaits_shutdown && !shutdown_given => Some(WaitsOn::Shutdown),
                    None => None,
                };
                TaskInfo {
                    id: entry.id,
                    name: entry.name.clone(),
                    location: entry.location,
                    kind: match entry.kind {
                        Kind::Task => TaskKind::Task,
                        Kind::Job => TaskKind::BlockingJob,
                    },
                    parent: Some(entry.parent).filter(|&id| id != 0),
                    age: now.saturating_duration_since(entry.since),
                    state,
                    cleaning_up: entry.awaits_shutdown && shutdown_given,
                    polls: reading.as_ref().map(|reading| reading.polls),
                    busy: reading.as_ref().map(|reading| reading.busy),
                    waits_on,
                    group: entry.group,
                }
            })
            .collect()
    }

    /// The task with entry `key` waits on `awaited` (debug mode: noted in its record).
    pub(crate) fn note_awaited(&self, key: Key, awaited: Awaited) {
        if let Some(record) = self
            .entries()
            .slab
            .get(key as usize)
            .and_then(|e| e.record.as_deref()?.record())
        {
            record.awaits(awaited);
        }
    }

    /// The name of the entry with `key`, if it has one.
    pub(crate) fn name_of(&self, key: Key) -> Option<Arc<str>> {
        self.entries().slab.get(key as usize)?.name.clone()
    }

    /// Calls `f` with the record of every task that has one (debug mode), under the lock:
    /// `f` must be quick and must not touch the registry.
    pub(crate) fn for_each_record(
        &self,
        mut f: impl FnMut(&TaskRecord, Option<&Arc<str>>, &'static Location<'static>),
    ) {
        let Some(entries) = self.entries_if_used() else {
            return;
        };
        for (_, entry) in entries.slab.iter() {
            if let Some(record) = entry.record.as_deref().and_then(HoldsRecord::record) {
                f(record, entry.name.as_ref(), entry.location);
            }
        }
    }
}

/// Which entries [`Registry::list`] lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListFilter {
    All,
    CleaningUp,
    Jobs,
}

fn wake_watcher(mut entries: MutexGuard<'_, Entries>) {
    let watcher = entries.watcher.take();
    drop(entries);
    if let Some(watcher) = watcher {
        watcher.wake();
    }
}

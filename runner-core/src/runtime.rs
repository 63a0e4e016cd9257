//! The state a runner shares with its tasks, handles and worker threads, and the
//! thread-locals that tell code which runner it runs on.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskCx, Poll, Waker};
use std::time::{Duration, Instant};

use async_executor::{Executor, LocalExecutor};
use slab::Slab;

use crate::builder::UnhandledPanic;
use crate::debug;

pub(crate) type Payload = Box<dyn Any + Send>;

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

/// What a runner's tasks, handles and workers share.
pub(crate) struct Shared {
    pub(crate) executor: Arc<Executor<'static>>,
    pub(crate) debug: bool,
    pub(crate) threads: usize,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) unhandled_panic: UnhandledPanic,
    phase: AtomicU8,
    registry: Mutex<Registry>,
    /// Signalled when a blocking job ends during close.
    jobs_done: Condvar,
    shutdown_wakers: Mutex<Slab<Waker>>,
    fatal: Mutex<Fatal>,
}

#[derive(Default)]
struct Fatal {
    payload: Option<Payload>,
    waker: Option<Waker>,
}

/// Every live task and blocking job of a runner: what close cancels, waits for and names.
struct Registry {
    entries: Slab<Entry>,
    next_id: u64,
    live_tasks: usize,
    live_jobs: usize,
    awaiting_shutdown: usize,
    /// Close's wait for `live_tasks` or `awaiting_shutdown` to reach zero.
    watcher: Option<Waker>,
}

struct Entry {
    id: u64,
    location: &'static Location<'static>,
    kind: Kind,
    /// The task's own waker, stored the first time it returns `Pending`, so that close can
    /// wake it to cancel it. Tasks that never returned `Pending` are in a run queue anyway.
    waker: Option<Waker>,
    /// Nobody holds the task's handle any more: its panic must be reported, not returned.
    detached: bool,
    /// The task panicked and the payload went into its output, for the handle to take.
    delivered: bool,
    awaits_shutdown: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Task,
    Job,
}

/// Identifies an entry; the id guards against a reused slab key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct EntryKey {
    pub(crate) key: usize,
    pub(crate) id: u64,
}

/// What a handle found when it let go of its task.
pub(crate) enum Release {
    /// The task still runs and will report its own panic.
    Running,
    /// The task has finished (or is finishing): its output is the handle's to take.
    Finished,
}

/// A task's result as its handle sees it.
pub(crate) enum Outcome<T> {
    Done(T),
    Panicked(Payload),
    /// The panic was already reported because nobody held the handle.
    Reported,
    Cancelled,
}

impl Shared {
    pub(crate) fn new(
        executor: Arc<Executor<'static>>,
        debug: bool,
        threads: usize,
        slow_poll_threshold: Duration,
        unhandled_panic: UnhandledPanic,
    ) -> Shared {
        Shared {
            executor,
            debug,
            threads,
            slow_poll_threshold,
            unhandled_panic,
            phase: AtomicU8::new(Phase::Running as u8),
            registry: Mutex::new(Registry {
                entries: Slab::new(),
                next_id: 0,
                live_tasks: 0,
                live_jobs: 0,
                awaiting_shutdown: 0,
                watcher: None,
            }),
            jobs_done: Condvar::new(),
            shutdown_wakers: Mutex::new(Slab::new()),
            fatal: Mutex::new(Fatal::default()),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::Running,
            1 => Phase::ShuttingDown,
            2 => Phase::Cancelling,
            _ => Phase::Closed,
        }
    }

    pub(crate) fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Release);
    }

    pub(crate) fn is_cancelling(&self) -> bool {
        self.phase.load(Ordering::Acquire) >= Phase::Cancelling as u8
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// Registers a new task or job; panics when the runner is closed.
    #[track_caller]
    pub(crate) fn register(&self, location: &'static Location<'static>, kind: Kind) -> EntryKey {
        let mut registry = self.registry();
        // Checked under the lock so that close cannot miss an entry made concurrently.
        assert!(
            self.phase() != Phase::Closed,
            "cannot spawn onto this runner: the runner is closed"
        );
        let id = registry.next_id;
        registry.next_id += 1;
        match kind {
            Kind::Task => registry.live_tasks += 1,
            Kind::Job => registry.live_jobs += 1,
        }
        let key = registry.entries.insert(Entry {
            id,
            location,
            kind,
            waker: None,
            detached: false,
            delivered: false,
            awaits_shutdown: false,
        });
        EntryKey { key, id }
    }

    /// Forgets a finished or dropped task or job.
    pub(crate) fn unregister(&self, key: usize) {
        let mut registry = self.registry();
        let Some(entry) = registry.entries.try_remove(key) else {
            return;
        };
        match entry.kind {
            Kind::Task => registry.live_tasks -= 1,
            Kind::Job => registry.live_jobs -= 1,
        }
        if entry.awaits_shutdown {
            registry.awaiting_shutdown -= 1;
        }
        let watcher = registry.watcher.take();
        let closing = self.phase() != Phase::Running;
        drop(registry);
        if let Some(watcher) = watcher {
            watcher.wake();
        }
        if closing && entry.kind == Kind::Job {
            self.jobs_done.notify_all();
        }
    }

    pub(crate) fn store_waker(&self, key: usize, waker: &Waker) {
        if let Some(entry) = self.registry().entries.get_mut(key) {
            entry.waker = Some(waker.clone());
        }
    }

    /// A handle lets go of its task (dropped or detached).
    pub(crate) fn release(&self, entry_key: EntryKey) -> Release {
        let mut registry = self.registry();
        match registry.entries.get_mut(entry_key.key) {
            Some(entry) if entry.id == entry_key.id && !entry.delivered => {
                entry.detached = true;
                Release::Running
            }
            _ => Release::Finished,
        }
    }

    /// A task or job panicked: hand the payload to its handle, or report it when nobody
    /// holds the handle.
    pub(crate) fn task_panicked<T>(
        &self,
        key: usize,
        location: &'static Location<'static>,
        payload: Payload,
    ) -> Outcome<T> {
        let mut registry = self.registry();
        match registry.entries.get_mut(key) {
            Some(entry) if !entry.detached => {
                entry.delivered = true;
                Outcome::Panicked(payload)
            }
            _ => {
                drop(registry);
                self.unobserved_panic(location, payload);
                Outcome::Reported
            }
        }
    }

    /// Applies the `unhandled_panic` policy to a panic nobody will see.
    pub(crate) fn unobserved_panic(&self, location: &'static Location<'static>, payload: Payload) {
        match self.unhandled_panic {
            UnhandledPanic::Ignore => {}
            UnhandledPanic::ShutdownRunner if self.phase() == Phase::Running => {
                let mut fatal = lock(&self.fatal);
                if fatal.payload.is_none() {
                    fatal.payload = Some(payload);
                    if let Some(waker) = fatal.waker.take() {
                        waker.wake();
                    }
                    return;
                }
                drop(fatal);
                report_panic(location, &*payload);
            }
            _ => report_panic(location, &*payload),
        }
    }

    /// Completes with the payload of a task whose panic shuts the runner down.
    pub(crate) fn fatal_panic(&self) -> impl Future<Output = Payload> + '_ {
        std::future::poll_fn(move |cx| {
            let mut fatal = lock(&self.fatal);
            match fatal.payload.take() {
                Some(payload) => Poll::Ready(payload),
                None => {
                    fatal.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }

    /// Step 1 of close: completes every `shutdown_requested()`.
    pub(crate) fn signal_shutdown(&self) {
        let mut wakers = lock(&self.shutdown_wakers);
        self.set_phase(Phase::ShuttingDown);
        let wakers: Vec<Waker> = wakers.drain().collect();
        for waker in wakers {
            waker.wake();
        }
    }

    /// Polls the signal for a `shutdown_requested()` future; `slot` is its waker's place.
    pub(crate) fn poll_shutdown(&self, slot: &mut Option<usize>, cx: &mut TaskCx<'_>) -> Poll<()> {
        let mut wakers = lock(&self.shutdown_wakers);
        if self.phase() != Phase::Running {
            return Poll::Ready(());
        }
        match slot.and_then(|key| wakers.get_mut(key)) {
            Some(waker) => waker.clone_from(cx.waker()),
            None => *slot = Some(wakers.insert(cx.waker().clone())),
        }
        Poll::Pending
    }

    pub(crate) fn forget_shutdown_waker(&self, key: usize) {
        lock(&self.shutdown_wakers).try_remove(key);
    }

    /// The current task asked for the shutdown signal: close will give it the grace period.
    pub(crate) fn mark_awaits_shutdown(&self, key: usize) {
        let mut registry = self.registry();
        let registry = &mut *registry;
        if let Some(entry) = registry.entries.get_mut(key)
            && entry.kind == Kind::Task
            && !entry.awaits_shutdown
        {
            entry.awaits_shutdown = true;
            registry.awaiting_shutdown += 1;
        }
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.registry().live_tasks
    }

    pub(crate) fn awaiting_shutdown(&self) -> usize {
        self.registry().awaiting_shutdown
    }

    /// Completes once no task that asked for the shutdown signal is alive.
    pub(crate) fn cleanup_done(&self) -> impl Future<Output = ()> + '_ {
        self.settled(|registry| registry.awaiting_shutdown == 0)
    }

    /// Completes once every task has been dropped.
    pub(crate) fn tasks_gone(&self) -> impl Future<Output = ()> + '_ {
        self.settled(|registry| registry.live_tasks == 0)
    }

    fn settled(&self, done: fn(&Registry) -> bool) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            let mut registry = self.registry();
            if done(&registry) {
                Poll::Ready(())
            } else {
                registry.watcher = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    /// Step 3 of close: from now on every task is cancelled at its next poll; wakes them all
    /// and returns the spawn locations of those still alive.
    pub(crate) fn cancel_all(&self) -> Vec<&'static Location<'static>> {
        let mut registry = self.registry();
        self.set_phase(Phase::Cancelling);
        let mut locations = Vec::new();
        let mut wakers = Vec::new();
        for (_, entry) in registry.entries.iter_mut() {
            if entry.kind == Kind::Task {
                locations.push(entry.location);
                wakers.extend(entry.waker.take());
            }
        }
        drop(registry);
        for waker in wakers {
            waker.wake();
        }
        locations
    }

    /// Step 5 of close: waits for blocking jobs until `deadline`; returns the locations of
    /// those still running then.
    pub(crate) fn wait_for_jobs(&self, deadline: Instant) -> Vec<&'static Location<'static>> {
        let mut registry = self.registry();
        while registry.live_jobs > 0 {
            let now = Instant::now();
            if now >= deadline {
                return registry
                    .entries
                    .iter()
                    .filter(|(_, entry)| entry.kind == Kind::Job)
                    .map(|(_, entry)| entry.location)
                    .collect();
            }
            registry = self
                .jobs_done
                .wait_timeout(registry, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Vec::new()
    }
}

pub(crate) fn report_panic(location: &'static Location<'static>, payload: &(dyn Any + Send)) {
    debug::report(format_args!(
        "task spawned at {location} panicked and nobody awaited it: {}",
        debug::panic_message(payload)
    ));
}

/// Locks, recovering from poisoning: every critical section here leaves the data
/// consistent, and one panicking thread must not take the runner down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the current thread runs for a runner.
struct ThreadRuntime {
    shared: Arc<Shared>,
    /// The runner's own thread has the local executor; worker threads do not.
    local: Option<Rc<LocalExecutor<'static>>>,
}

thread_local! {
    static RUNTIME: RefCell<Option<ThreadRuntime>> = const { RefCell::new(None) };
    /// The registry key of the task being polled on this thread.
    static CURRENT_TASK: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Makes this thread run for `shared` until the guard drops; restores what was there.
pub(crate) fn enter(shared: Arc<Shared>, local: Option<Rc<LocalExecutor<'static>>>) -> Entered {
    let previous = RUNTIME.with(|runtime| {
        runtime
            .borrow_mut()
            .replace(ThreadRuntime { shared, local })
    });
    Entered { previous }
}

pub(crate) struct Entered {
    previous: Option<ThreadRuntime>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The runtime being left is dropped after the borrow ends: dropping it may drop
        // tasks, whose destructors may look at RUNTIME.
        let left = RUNTIME.with(|runtime| std::mem::replace(&mut *runtime.borrow_mut(), previous));
        drop(left);
    }
}

/// Whether a runner runs on this thread now.
pub(crate) fn is_running() -> bool {
    RUNTIME.with(|runtime| runtime.borrow().is_some())
}

/// The runner this thread runs for, if any.
pub(crate) fn current() -> Option<Arc<Shared>> {
    RUNTIME.with(|runtime| runtime.borrow().as_ref().map(|r| r.shared.clone()))
}

/// The runner's local executor, when this is the runner's own thread.
pub(crate) fn current_local() -> Option<(Arc<Shared>, Rc<LocalExecutor<'static>>)> {
    RUNTIME.with(|runtime| {
        let runtime = runtime.borrow();
        let runtime = runtime.as_ref()?;
        Some((runtime.shared.clone(), runtime.local.clone()?))
    })
}

/// Marks `key` as the task being polled until the guard drops.
pub(crate) fn enter_task(key: usize) -> TaskGuard {
    TaskGuard {
        previous: CURRENT_TASK.with(|current| current.replace(Some(key))),
    }
}

pub(crate) struct TaskGuard {
    previous: Option<usize>,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        CURRENT_TASK.with(|current| current.set(self.previous));
    }
}

pub(crate) fn current_task() -> Option<usize> {
    CURRENT_TASK.with(Cell::get)
}

//! The state a runner shares with its tasks, handles and worker threads, and the
//! thread-locals that tell code which runner it runs on.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
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
    /// Weak: the runner owns its executor, so that close can drop it (see `tracked`), and a
    /// `Handle` that outlives the runner finds it gone.
    executor: Weak<Executor<'static>>,
    /// Whether close must reach tasks one by one. A runner that made its own executor is its
    /// only owner: dropping it at close wakes every task and drops its future, on the
    /// runner's thread, so tasks need no bookkeeping of ours. An executor from a
    /// [`factory`](crate::Builder::factory) may be shared: then each task is counted, and a
    /// task that waits stores its waker in the registry, for close to wake and cancel it.
    pub(crate) tracked: bool,
    pub(crate) debug: bool,
    pub(crate) threads: usize,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) unhandled_panic: UnhandledPanic,
    phase: AtomicU8,
    /// Tasks spawned and not yet dropped, when `tracked`.
    live_tasks: AtomicUsize,
    /// Whether a task was ever spawned: touching an unused executor (even `try_tick`)
    /// allocates its state, which a short-lived runner should not pay for at close.
    spawned: AtomicBool,
    /// The runner thread waiting, with no task yet, for the first spawn.
    first_spawn: Mutex<Option<Waker>>,
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

/// The tasks close must reach, and the blocking jobs it waits for.
///
/// A task enters it the first time it returns `Pending` (with its waker, so that close can
/// wake it to cancel it), when it asks for the shutdown signal, or at spawn in debug mode
/// (so that close can name it). A task that was never polled needs no entry: it sits in a
/// run queue, and close runs the queues until every task is gone.
struct Registry {
    entries: Slab<Entry>,
    live_jobs: usize,
    awaiting_shutdown: usize,
    /// Close's wait for `live_tasks` or `awaiting_shutdown` to reach zero.
    watcher: Option<Waker>,
}

struct Entry {
    location: &'static Location<'static>,
    kind: Kind,
    waker: Option<Waker>,
    awaits_shutdown: bool,
}

/// A registry entry's key: 32 bits are plenty, and keep the current-task marker small.
pub(crate) type Key = u32;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Task,
    Job,
}

/// A task's result as its handle sees it.
pub(crate) enum Outcome<T> {
    Done(T),
    /// Boxed: panics are rare, and the output shares its bytes with every task's future.
    Panicked(Box<PanicSlot>),
    Cancelled,
}

/// A task's panic payload on its way to the task's handle.
///
/// The handle takes it when it awaits the task. If nobody does (the task was detached, or
/// its handle dropped), the executor drops the output, and this reports the panic then:
/// the output is dropped exactly once, so the panic is reported exactly once, with no state
/// shared between handle and task.
pub(crate) struct PanicSlot {
    payload: Option<Payload>,
    location: &'static Location<'static>,
    /// Whose `unhandled_panic` policy applies; `None` (a task polled off its runner's
    /// threads, which a runner's own executor never does) reports it.
    shared: Option<Arc<Shared>>,
}

impl PanicSlot {
    pub(crate) fn new(
        payload: Payload,
        location: &'static Location<'static>,
        shared: Option<Arc<Shared>>,
    ) -> Box<Self> {
        Box::new(PanicSlot {
            payload: Some(payload),
            location,
            shared,
        })
    }

    /// Takes the payload: the slot then reports nothing when dropped.
    pub(crate) fn take(&mut self) -> Payload {
        self.payload
            .take()
            .unwrap_or_else(|| Box::new("panic payload already taken"))
    }
}

impl Drop for PanicSlot {
    fn drop(&mut self) {
        if let Some(payload) = self.payload.take() {
            match &self.shared {
                Some(shared) => shared.unobserved_panic(self.location, payload),
                None => report_panic(self.location, &*payload),
            }
        }
    }
}

impl Shared {
    pub(crate) fn new(
        executor: &Arc<Executor<'static>>,
        tracked: bool,
        debug: bool,
        threads: usize,
        slow_poll_threshold: Duration,
        unhandled_panic: UnhandledPanic,
    ) -> Shared {
        Shared {
            executor: Arc::downgrade(executor),
            tracked,
            debug,
            threads,
            slow_poll_threshold,
            unhandled_panic,
            phase: AtomicU8::new(Phase::Running as u8),
            live_tasks: AtomicUsize::new(0),
            spawned: AtomicBool::new(false),
            first_spawn: Mutex::new(None),
            registry: Mutex::new(Registry {
                entries: Slab::new(),
                live_jobs: 0,
                awaiting_shutdown: 0,
                watcher: None,
            }),
            jobs_done: Condvar::new(),
            shutdown_wakers: Mutex::new(Slab::new()),
            fatal: Mutex::new(Fatal::default()),
        }
    }

    #[inline]
    pub(crate) fn note_spawn(&self) {
        if !self.spawned.load(Ordering::Acquire) {
            self.first_spawn();
        }
    }

    #[cold]
    fn first_spawn(&self) {
        let mut waiting = lock(&self.first_spawn);
        self.spawned.store(true, Ordering::Release);
        if let Some(waker) = waiting.take() {
            drop(waiting);
            waker.wake();
        }
    }

    pub(crate) fn ever_spawned(&self) -> bool {
        self.spawned.load(Ordering::Acquire)
    }

    /// Whether a task was ever spawned; if not, `waker` is woken at the first spawn.
    pub(crate) fn await_first_spawn(&self, waker: &Waker) -> bool {
        if self.ever_spawned() {
            return true;
        }
        let mut waiting = lock(&self.first_spawn);
        if self.ever_spawned() {
            return true;
        }
        match &mut *waiting {
            Some(stored) => stored.clone_from(waker),
            None => *waiting = Some(waker.clone()),
        }
        false
    }

    /// The executor, while the runner has not dropped it.
    pub(crate) fn executor(&self) -> Option<Arc<Executor<'static>>> {
        self.executor.upgrade()
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

    #[inline]
    pub(crate) fn is_cancelling(&self) -> bool {
        self.phase.load(Ordering::Acquire) >= Phase::Cancelling as u8
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// Counts a new task; panics when the runner is closed.
    #[track_caller]
    pub(crate) fn task_spawned(&self) {
        // Counted before the phase is read, and close sets the phase before it reads the
        // count (both SeqCst): a spawn racing with close is either refused here or seen there.
        self.live_tasks.fetch_add(1, Ordering::SeqCst);
        if self.phase.load(Ordering::SeqCst) == Phase::Closed as u8 {
            self.task_dropped();
            panic!("cannot spawn onto this runner: the runner is closed");
        }
    }

    /// A tracked task's future and wrapper are gone.
    pub(crate) fn task_dropped(&self) {
        let before = self.live_tasks.fetch_sub(1, Ordering::SeqCst);
        if before == 1 && self.phase() != Phase::Running {
            self.wake_watcher(self.registry());
        }
    }

    pub(crate) fn live_tasks(&self) -> usize {
        self.live_tasks.load(Ordering::SeqCst)
    }

    /// Adds a task or job to the registry; returns its key.
    #[track_caller]
    pub(crate) fn register(
        &self,
        location: &'static Location<'static>,
        kind: Kind,
        waker: Option<Waker>,
    ) -> Key {
        let mut registry = self.registry();
        if kind == Kind::Job {
            // Checked under the lock: close reads the job count under it too.
            assert!(
                self.phase() != Phase::Closed,
                "cannot start a blocking job on this runner: the runner is closed"
            );
            registry.live_jobs += 1;
        }
        let key = registry.entries.insert(Entry {
            location,
            kind,
            waker,
            awaits_shutdown: false,
        });
        Key::try_from(key).expect("more than four billion live tasks and blocking jobs")
    }

    /// Removes a registry entry.
    pub(crate) fn unregister(&self, key: Key) {
        let mut registry = self.registry();
        let Some(entry) = registry.entries.try_remove(key as usize) else {
            return;
        };
        if entry.kind == Kind::Job {
            registry.live_jobs -= 1;
        }
        if entry.awaits_shutdown {
            registry.awaiting_shutdown -= 1;
        }
        if self.phase() != Phase::Running {
            self.wake_watcher(registry);
            if entry.kind == Kind::Job {
                self.jobs_done.notify_all();
            }
        }
    }

    fn wake_watcher(&self, mut registry: MutexGuard<'_, Registry>) {
        let watcher = registry.watcher.take();
        drop(registry);
        if let Some(watcher) = watcher {
            watcher.wake();
        }
    }

    pub(crate) fn store_waker(&self, key: Key, waker: &Waker) {
        if let Some(entry) = self.registry().entries.get_mut(key as usize) {
            entry.waker = Some(waker.clone());
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
            if self.unhandled_panic != UnhandledPanic::ShutdownRunner {
                // Never completes under the other policies: no lock on the hot path.
                return Poll::Pending;
            }
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

    /// The task with registry entry `key` asked for the shutdown signal: close gives it
    /// the grace period.
    pub(crate) fn mark_awaits_shutdown(&self, key: Key) {
        let mut registry = self.registry();
        let registry = &mut *registry;
        if let Some(entry) = registry.entries.get_mut(key as usize)
            && !entry.awaits_shutdown
        {
            entry.awaits_shutdown = true;
            registry.awaiting_shutdown += 1;
        }
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
        self.settled(|_| self.live_tasks() == 0)
    }

    fn settled(&self, done: impl Fn(&Registry) -> bool) -> impl Future<Output = ()> {
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
    pub(crate) fn wait_for_jobs(&self, timeout: Duration) -> Vec<&'static Location<'static>> {
        let mut registry = self.registry();
        if registry.live_jobs == 0 {
            return Vec::new();
        }
        let deadline = Instant::now() + timeout;
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

/// The runner's executor for `!Send` tasks, on the runner's own thread.
///
/// It is driven only once the first `spawn_local` happens: a program that never uses it
/// pays nothing for it, not even the executor's state and run queue.
pub(crate) struct LocalSide {
    executor: LocalExecutor<'static>,
    used: Cell<bool>,
    /// The runner thread's loop, waiting for the first `spawn_local`.
    waiting: Cell<Option<Waker>>,
}

impl LocalSide {
    pub(crate) fn new() -> LocalSide {
        LocalSide {
            executor: LocalExecutor::new(),
            used: Cell::new(false),
            waiting: Cell::new(None),
        }
    }

    pub(crate) fn spawn<F: Future + 'static>(&self, future: F) -> async_task::Task<F::Output> {
        if !self.used.replace(true)
            && let Some(waker) = self.waiting.take()
        {
            waker.wake();
        }
        self.executor.spawn(future)
    }

    /// Whether a local task was ever spawned; if not, `waker` is woken at the first one.
    pub(crate) fn await_first_spawn(&self, waker: &Waker) -> bool {
        if self.used.get() {
            return true;
        }
        self.waiting.set(Some(waker.clone()));
        false
    }

    /// Runs one queued local task, if any; false when there was none.
    pub(crate) fn try_tick(&self) -> bool {
        self.used.get() && self.executor.try_tick()
    }

    /// Runs local tasks for ever, from the first `spawn_local` on.
    pub(crate) async fn drive(&self) {
        std::future::poll_fn(|cx| {
            if self.used.get() {
                Poll::Ready(())
            } else {
                self.waiting.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
        .await;
        self.executor.run(std::future::pending::<()>()).await
    }
}

/// Runs the runner's tasks on this thread (the local ones too, once there are any), with
/// timers and I/O, until `until` completes.
pub(crate) fn block_on<T>(
    shared: &Shared,
    executor: &Executor<'static>,
    local: &LocalSide,
    until: impl Future<Output = T>,
) -> T {
    async_io::block_on(async {
        let mut until = std::pin::pin!(until);
        // While no task exists, `until` is polled on its own: the executor's state and run
        // queue are not even allocated, and a program whose main future only awaits timers
        // and I/O never pays for them. The first spawn ends this phase. (An executor from a
        // factory may hold other users' tasks, which `until` may await: it runs at once.)
        if !shared.tracked {
            let first_task = std::future::poll_fn(|cx| {
                if shared.await_first_spawn(cx.waker()) || local.await_first_spawn(cx.waker()) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            });
            let alone = futures_lite::future::or(async { Some(until.as_mut().await) }, async {
                first_task.await;
                None
            });
            if let Some(done) = alone.await {
                return done;
            }
        } else if let Some(done) = futures_lite::future::poll_once(until.as_mut()).await {
            return done;
        }
        // `until` was just polled (and spawned): the tasks it woke or spawned run before its
        // next poll, as they would have had the executor been running from the start.
        let mut just_polled = true;
        let until = std::future::poll_fn(|cx| {
            if std::mem::take(&mut just_polled) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            until.as_mut().poll(cx)
        });
        executor
            .run(futures_lite::future::or(until, async {
                local.drive().await;
                unreachable!("LocalSide::drive never completes")
            }))
            .await
    })
}

/// What the current thread runs for a runner.
struct ThreadRuntime {
    shared: Arc<Shared>,
    /// `None` once close has begun to drop it: spawns are refused from then on.
    executor: Option<Arc<Executor<'static>>>,
    /// The runner's own thread has the local executor; worker threads do not.
    local: Option<Rc<LocalSide>>,
}

thread_local! {
    static RUNTIME: RefCell<Option<ThreadRuntime>> = const { RefCell::new(None) };
}

/// Makes this thread run for `shared` until the guard drops; restores what was there.
pub(crate) fn enter(
    shared: Arc<Shared>,
    executor: Option<Arc<Executor<'static>>>,
    local: Option<Rc<LocalSide>>,
) -> Entered {
    let previous = RUNTIME.with(|runtime| {
        runtime.borrow_mut().replace(ThreadRuntime {
            shared,
            executor,
            local,
        })
    });
    Entered { previous }
}

pub(crate) struct Entered {
    previous: Option<ThreadRuntime>,
}

impl Entered {
    /// Stops handing out the executors on this thread, so that close can drop them.
    pub(crate) fn forget_executors(&self) {
        let forgotten = RUNTIME.with(|runtime| {
            let mut runtime = runtime.borrow_mut();
            let runtime = runtime.as_mut()?;
            Some((runtime.executor.take(), runtime.local.take()))
        });
        drop(forgotten);
    }
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

/// Calls `f` with the runner this thread runs for, its executor (unless close is dropping
/// it) and, on the runner's own thread, its local executor; `None` outside a runner.
pub(crate) fn with_current<R>(
    f: impl FnOnce(&Arc<Shared>, Option<&Executor<'static>>, Option<&LocalSide>) -> R,
) -> Option<R> {
    RUNTIME.with(|runtime| {
        let runtime = runtime.borrow();
        let runtime = runtime.as_ref()?;
        Some(f(
            &runtime.shared,
            runtime.executor.as_deref(),
            runtime.local.as_deref(),
        ))
    })
}

/// The task being polled on this thread: its registry key, if it has one yet, and where
/// it was spawned.
#[derive(Clone, Copy)]
pub(crate) struct CurrentTask {
    pub(crate) key: Option<Key>,
    pub(crate) location: &'static Location<'static>,
}

/// Runs `f` on the registry key of the task being polled, creating the key if the task has
/// none yet; does nothing outside a task.
pub(crate) fn with_current_task_key(shared: &Shared, f: impl FnOnce(Key)) {
    let key = crate::context::with_current_task(|task| {
        let task = task.as_mut()?;
        Some(
            *task
                .key
                .get_or_insert_with(|| shared.register(task.location, Kind::Task, None)),
        )
    });
    if let Some(key) = key {
        f(key);
    }
}

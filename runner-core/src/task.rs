//! Tasks: spawning, the wrapper every spawned future runs in, and the `Task` handle.
//!
//! Every spawned future is wrapped in [`Tracked`], which for each poll enters the task's
//! own context, catches a panic, times the poll in debug mode, and at the end (completion,
//! cancellation, or the executor dropping it) drops the user's future inside that context
//! and leaves the runner's registry.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll, Waker};
use std::time::Instant;

use async_executor::Executor;
use async_task::FallibleTask;
use pin_project_lite::pin_project;

use crate::context;
use crate::debug::{self, Spawned};
use crate::runtime::{self, CurrentTask, Key, Kind, Outcome, PanicSlot, Shared};
use crate::trie::Map;

pin_project! {
    /// A spawned future as the executor sees it.
    pub(crate) struct Tracked<F> {
        #[pin]
        future: Option<F>,
        context: Map,
        location: &'static Location<'static>,
        // What a task needs of its runner outside a poll: on a factory's executor (close
        // counts and wakes it), in debug mode (slow polls, naming it at close), or once it
        // has a registry entry to leave. Left out otherwise, the common case, so that a
        // spawn neither allocates it nor touches the runner's reference count, and the
        // task is a word smaller: a poll that needs the runner finds it in the thread-local
        // of the runner thread polling it.
        watch: Option<Box<Watch>>,
    }

    impl<F> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            // Still holding the future here means the task was cancelled: its handle was
            // dropped, or its executor went away.
            drop_in_context(this.future.as_mut(), this.context, this.location);
            if let Some(watch) = this.watch.take() {
                if let Some(key) = watch.key {
                    watch.shared.unregister(key);
                }
                if watch.shared.tracked {
                    watch.shared.task_dropped();
                }
            }
        }
    }
}

/// A task's link to its runner, for the tasks that need one (see `Tracked::watch`).
struct Watch {
    shared: Arc<Shared>,
    /// The task's registry entry, made when close first needs to reach the task.
    key: Option<Key>,
    waker_stored: bool,
}

impl Watch {
    fn boxed(shared: Arc<Shared>, key: Option<Key>) -> Box<Watch> {
        Box::new(Watch {
            shared,
            key,
            waker_stored: false,
        })
    }
}

impl<F: Future> Tracked<F> {
    /// Wraps `future` for `shared`; panics when the runner is closed.
    #[track_caller]
    fn new(future: F, shared: &Arc<Shared>, location: &'static Location<'static>) -> Self {
        if shared.tracked {
            shared.task_spawned();
        }
        let watch = (shared.tracked || shared.debug).then(|| {
            // In debug mode every task is registered at once, so that close can name it.
            let key = shared
                .debug
                .then(|| shared.register(location, Kind::Task, None));
            Watch::boxed(shared.clone(), key)
        });
        Tracked {
            future: Some(future),
            context: context::snapshot(),
            location,
            watch,
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = Outcome<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if let Some(watch) = this.watch.as_deref()
            && watch.shared.is_cancelling()
        {
            drop_in_context(this.future.as_mut(), this.context, this.location);
            return Poll::Ready(Outcome::Cancelled);
        }
        if this.future.is_none() {
            return Poll::Ready(Outcome::Cancelled);
        }
        let started = this
            .watch
            .as_deref()
            .filter(|watch| watch.shared.debug)
            .map(|_| Instant::now());
        let known_key = this.watch.as_deref().and_then(|watch| watch.key);
        let current = CurrentTask {
            key: known_key,
            location: this.location,
        };
        let mut future = this.future.as_mut();
        let (polled, key) = context::poll_task(this.context, current, || {
            let polled = future.as_mut().as_pin_mut().map(|f| f.poll(cx));
            if let Some(Poll::Ready(_)) = polled {
                // Dropped at once, still inside the task's context: its destructors
                // see the task's variables (a panic there is the task's panic).
                future.set(None);
            }
            polled.unwrap_or(Poll::Pending)
        });
        if key != known_key {
            // `shutdown_requested()` registered the task during the poll, with the runner
            // of this thread: the task leaves the registry of that runner.
            note_registered(this.watch, key);
        }
        if let Some(started) = started {
            check_slow_poll(this.watch.as_deref(), started, this.location);
        }
        match polled {
            Ok(Poll::Pending) => {
                if let Some(watch) = this.watch.as_deref_mut()
                    && watch.shared.tracked
                    && !watch.waker_stored
                {
                    remember_waker(watch, this.location, cx.waker());
                }
                Poll::Pending
            }
            Ok(Poll::Ready(output)) => Poll::Ready(Outcome::Done(output)),
            Err(payload) => {
                drop_in_context(this.future.as_mut(), this.context, this.location);
                // A task of the runner's own executor is only ever polled on its threads.
                let shared = match this.watch.as_deref() {
                    Some(watch) => Some(watch.shared.clone()),
                    None => runtime::current(),
                };
                let slot = PanicSlot::new(payload, this.location, shared);
                Poll::Ready(Outcome::Panicked(slot))
            }
        }
    }
}

/// Keeps the registry key a poll gave the task, with the runner it belongs to.
#[cold]
fn note_registered(watch: &mut Option<Box<Watch>>, key: Option<Key>) {
    match watch {
        Some(watch) => watch.key = key,
        None => {
            *watch = runtime::current().map(|shared| Watch::boxed(shared, key));
        }
    }
}

/// Reports a poll that took longer than the debug-mode threshold.
#[cold]
fn check_slow_poll(watch: Option<&Watch>, started: Instant, location: &'static Location<'static>) {
    let took = started.elapsed();
    if let Some(watch) = watch
        && took > watch.shared.slow_poll_threshold
    {
        let threshold = watch.shared.slow_poll_threshold;
        debug::report_slow_poll(Spawned::Task(location), took, threshold);
    }
}

/// Stores a waiting task's waker in the registry of its factory-made executor's runner,
/// for close to wake and cancel it. A task's waker never changes: this happens once.
#[cold]
fn remember_waker(watch: &mut Watch, location: &'static Location<'static>, waker: &Waker) {
    match watch.key {
        Some(key) => watch.shared.store_waker(key, waker),
        None => {
            let key = watch
                .shared
                .register(location, Kind::Task, Some(waker.clone()));
            watch.key = Some(key);
        }
    }
    watch.waker_stored = true;
}

/// Drops a task's future inside the task's context, so that its destructors see the
/// task's context variables; a destructor that panics is reported, not propagated.
fn drop_in_context<F>(
    mut future: Pin<&mut Option<F>>,
    context: &mut Map,
    location: &'static Location<'static>,
) {
    if future.is_none() {
        return;
    }
    let dropped = context::run_in(context, || {
        catch_unwind(AssertUnwindSafe(|| future.set(None)))
    });
    if let Err(payload) = dropped {
        debug::report(format_args!(
            "the destructor of the task spawned at {location} panicked while the task was dropped: {}",
            debug::panic_message(&*payload)
        ));
    }
}

/// A handle to a spawned task or blocking job.
///
/// Awaiting it gives the task's output, or resumes the task's panic with its original
/// payload. Dropping it while the task runs cancels the task (a blocking job cannot be
/// cancelled: it is detached instead); [`detach`](Task::detach) lets the task run on with
/// nobody holding it. A panic of a task that nobody awaits is reported with the task's
/// spawn location.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let task = runner::spawn(async { 6 * 7 });
///     assert_eq!(task.await, 42);
/// });
/// ```
#[must_use = "dropping a Task cancels it; call .detach() to let it run on its own"]
pub struct Task<T> {
    inner: Option<FallibleTask<Outcome<T>>>,
    location: &'static Location<'static>,
    kind: Kind,
    /// Whether its runner is in debug mode: to report a handle dropped while its task runs.
    debug: bool,
}

impl<T> Task<T> {
    fn new(
        inner: FallibleTask<Outcome<T>>,
        shared: &Shared,
        location: &'static Location<'static>,
        kind: Kind,
    ) -> Self {
        Task {
            inner: Some(inner),
            location,
            kind,
            debug: shared.debug,
        }
    }

    /// Lets the task run on with nobody holding it. Its panic, if any, is reported with its
    /// spawn location (see [`UnhandledPanic`](crate::UnhandledPanic)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    ///
    /// runner::run(async {
    ///     runner::spawn(async { RAN.store(true, Ordering::SeqCst) }).detach();
    ///     futures_lite::future::yield_now().await;
    /// });
    /// assert!(RAN.load(Ordering::SeqCst));
    /// ```
    pub fn detach(mut self) {
        if let Some(inner) = self.inner.take() {
            // A panic in its output is reported when the executor drops that output.
            inner.detach();
        }
    }

    /// Whether the task has finished (completed, panicked or been cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let task = runner::spawn(async {});
    ///     futures_lite::future::yield_now().await;
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.as_ref().is_none_or(FallibleTask::is_finished)
    }

    /// Where the task was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let task = runner::spawn(async {});
    ///     assert_eq!(task.location().line(), line!() - 1);
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl<T> Future for Task<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<T> {
        let location = self.location;
        let Some(inner) = self.inner.as_mut() else {
            panic!("runner::Task spawned at {location} polled after it completed");
        };
        let outcome = match Pin::new(inner).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        self.inner = None;
        match outcome {
            Some(Outcome::Done(value)) => Poll::Ready(value),
            Some(Outcome::Panicked(mut slot)) => resume_unwind(slot.take()),
            Some(Outcome::Cancelled) | None => panic!(
                "the task spawned at {location} was cancelled because its runner closed before it finished"
            ),
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        if self.kind == Kind::Job {
            // A blocking job cannot be cancelled; close still waits for it.
            inner.detach();
            return;
        }
        // Close cancels tasks on purpose; the runner of this thread tells whether it is
        // closing (a handle dropped off any runner's thread is dropped by the program).
        if self.debug
            && !inner.is_finished()
            && runtime::with_current(|shared, _, _| shared.phase())
                .is_none_or(|phase| phase == runtime::Phase::Running)
        {
            debug::report(format_args!(
                "task spawned at {} was cancelled because its Task handle was dropped \
                 while it was still running; await it, or call .detach() to let it run",
                self.location
            ));
        }
        // Cancels a running task; a finished task's output is dropped, which reports an
        // unobserved panic.
        drop(inner);
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("location", &format_args!("{}", self.location))
            .field("blocking", &(self.kind == Kind::Job))
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Spawns `future` onto `executor` for `shared`, in a copy of the current context.
#[track_caller]
pub(crate) fn spawn_on<F>(
    shared: &Arc<Shared>,
    executor: &Executor<'static>,
    future: F,
    location: &'static Location<'static>,
) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    shared.note_spawn();
    let inner = executor
        .spawn(Tracked::new(future, shared, location))
        .fallible();
    Task::new(inner, shared, location, Kind::Task)
}

#[track_caller]
fn closed() -> ! {
    panic!("cannot spawn onto this runner: the runner is closed")
}

/// Spawns a task onto the runner this code runs on.
///
/// The task runs in a copy of the current context taken now: it sees the context variables
/// set so far, and what it sets stays its own. With [`threads`](crate::Builder::threads)
/// above 1 it may run on any of the runner's threads.
///
/// # Panics
///
/// When called outside a running runner (use [`Handle::spawn`] there), or on a closed one.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let tasks: Vec<_> = (0..10).map(|i| runner::spawn(async move { i * i })).collect();
///     let mut sum = 0;
///     for task in tasks {
///         sum += task.await;
///     }
///     assert_eq!(sum, 285);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    let spawned = runtime::with_current(|shared, executor, _| match executor {
        Some(executor) => spawn_on(shared, executor, future, location),
        None => closed(),
    });
    spawned.unwrap_or_else(|| {
        panic!(
            "runner::spawn called outside a running runner (at {location}): call it from a task \
             or from the future given to Runner::run, or use Handle::spawn"
        )
    })
}

/// Spawns a `!Send` task onto the runner's own thread.
///
/// # Panics
///
/// When called anywhere but on the thread of a running runner: outside a runner, or from a
/// task running on one of its worker threads.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// runner::run(async {
///     let shared = Rc::new(5); // Rc is !Send
///     let task = runner::spawn_local(async move { *shared + 1 });
///     assert_eq!(task.await, 6);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let location = Location::caller();
    let spawned = runtime::with_current(|shared, executor, local| match (executor, local) {
        (Some(_), Some(local)) => {
            let inner = local
                .spawn(Tracked::new(future, shared, location))
                .fallible();
            Some(Task::new(inner, shared, location, Kind::Task))
        }
        (None, _) => closed(),
        (Some(_), None) => None,
    });
    spawned.flatten().unwrap_or_else(|| {
        panic!(
            "runner::spawn_local called off the runner's own thread (at {location}): call it from \
             the future given to Runner::run or from another spawn_local task"
        )
    })
}

/// Runs the blocking function `f` on a thread pool and returns a handle to its result.
///
/// `f` runs inside a copy of the caller's context. The runner keeps track of the job: close
/// waits for it, at most [`shutdown_timeout`](crate::Builder::shutdown_timeout). A blocking
/// job cannot be cancelled: dropping its handle detaches it.
///
/// # Panics
///
/// When called outside a running runner.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let len = runner::unblock(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0)).await;
///     assert!(len > 0);
/// });
/// ```
#[track_caller]
pub fn unblock<T, F>(f: F) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let location = Location::caller();
    let Some(shared) = runtime::current() else {
        panic!(
            "runner::unblock called outside a running runner (at {location}): call it from a task \
             or from the future given to Runner::run"
        );
    };
    let key = shared.register(location, Kind::Job, None);
    /// Leaves the registry however the job ends, even if it never runs.
    struct Unregister {
        shared: Arc<Shared>,
        key: Key,
    }
    impl Drop for Unregister {
        fn drop(&mut self) {
            self.shared.unregister(self.key);
        }
    }
    let guard = Unregister {
        shared: shared.clone(),
        key,
    };
    let mut job_context = context::snapshot();
    // The job runs inside the caller's tokio runtime too, as `spawn_blocking` closures do.
    #[cfg(feature = "tokio")]
    let tokio = tokio::runtime::Handle::try_current().ok();
    let inner = blocking::unblock(move || {
        #[cfg(feature = "tokio")]
        let _tokio = tokio.as_ref().map(tokio::runtime::Handle::enter);
        let ran = context::run_in(&mut job_context, || catch_unwind(AssertUnwindSafe(f)));
        let outcome = match ran {
            Ok(value) => Outcome::Done(value),
            Err(payload) => Outcome::Panicked(PanicSlot::new(
                payload,
                location,
                Some(guard.shared.clone()),
            )),
        };
        drop(job_context);
        drop(guard);
        outcome
    })
    .fallible();
    Task::new(inner, &shared, location, Kind::Job)
}

/// A handle to a runner, to spawn onto it from any thread.
///
/// Returned by [`Runner::handle`](crate::Runner::handle) and [`Handle::current`]. Cloning
/// is cheap; every clone refers to the same runner.
///
/// # Examples
///
/// ```
/// let mut runner = runner::Runner::new();
/// let handle = runner.handle();
/// let task = std::thread::spawn(move || handle.spawn(async { 1 })).join().unwrap();
/// assert_eq!(runner.run(task), 1);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    /// The handle of the runner this code runs on.
    ///
    /// # Panics
    ///
    /// When called outside a running runner.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let handle = runner::Handle::current();
    ///     assert_eq!(handle.spawn(async { 2 }).await, 2);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match runtime::current() {
            Some(shared) => Handle { shared },
            None => panic!(
                "runner::Handle::current called outside a running runner: call it from a task or \
                 from the future given to Runner::run"
            ),
        }
    }

    /// Spawns a task onto the runner, from any thread, in a copy of the calling thread's
    /// current context.
    ///
    /// # Panics
    ///
    /// When the runner is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// let task = runner.handle().spawn(async { "spawned before run" });
    /// assert_eq!(runner.run(task), "spawned before run");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.shared.executor() {
            Some(executor) => spawn_on(&self.shared, &executor, future, Location::caller()),
            None => closed(),
        }
    }

    /// Whether the runner's debug mode is on.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().debug(false).build();
    /// assert!(!runner.handle().is_debug());
    /// ```
    pub fn is_debug(&self) -> bool {
        self.shared.debug
    }

    /// How many threads run the runner's `Send` tasks (its own plus workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().threads(3).build();
    /// assert_eq!(runner.handle().threads(), 3);
    /// ```
    pub fn threads(&self) -> usize {
        self.shared.threads
    }

    /// Whether the runner has been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// let handle = runner.handle();
    /// runner.close();
    /// assert!(handle.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.phase() == runtime::Phase::Closed
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("phase", &self.shared.phase())
            .field("debug", &self.shared.debug)
            .field("threads", &self.shared.threads)
            .finish_non_exhaustive()
    }
}

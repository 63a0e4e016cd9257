//! Spawning: onto the runner this code runs on (`spawn`, `spawn_local`), and blocking work
//! onto a thread pool (`unblock`).

use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::sync::Arc;

use async_executor::Executor;

use crate::context;
use crate::error;
use crate::guard::OnDrop;
use crate::poll_state;
use crate::registry::{Kind, Registration};
use crate::runner_state::RunnerState;
use crate::task::{Outcome, PanicSlot, Task};
use crate::task_list::{Label, Listing};
use crate::task_wrapper::TaskWrapper;
use crate::thread_runner;

/// Spawns `future` onto `executor` for `state`, in a copy of the current context.
#[track_caller]
#[inline]
pub(crate) fn spawn_on<F>(
    state: &Arc<RunnerState>,
    executor: &Executor<'static>,
    future: F,
    location: &'static Location<'static>,
    listing: Listing,
) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    state.first_spawn.note_spawn();
    // The key comes out beside the wrapper, which is built in place inside `spawn`: moving a
    // finished wrapper into it would copy the whole future once more per spawn.
    let mut key = None;
    let inner = executor
        .spawn(TaskWrapper::new(future, state, location, listing, &mut key))
        .fallible();
    Task::new(inner, state, location, Kind::Task, key)
}

/// `spawn`, with what the task list shows of the task.
#[track_caller]
pub(crate) fn spawn_listed<F>(future: F, listing: Listing) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let location = Location::caller();
    let spawned = thread_runner::with_runner(|state, executor, _| match executor {
        Some(executor) => spawn_on(state, executor, future, location, listing),
        None => error::closed_on_spawn(),
    });
    match spawned {
        Some(task) => task,
        None => error::outside_runner("runner::spawn"),
    }
}

/// `spawn_local`, with what the task list shows of the task.
#[track_caller]
pub(crate) fn spawn_local_listed<F>(future: F, listing: Listing) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let location = Location::caller();
    let spawned = thread_runner::with_runner(|state, executor, local| match (executor, local) {
        (Some(_), Some(local)) => {
            let mut key = None;
            let inner = local
                .spawn(TaskWrapper::new(future, state, location, listing, &mut key))
                .fallible();
            Some(Task::new(inner, state, location, Kind::Task, key))
        }
        (None, _) => error::closed_on_spawn(),
        (Some(_), None) => None,
    });
    match spawned.flatten() {
        Some(task) => task,
        None => panic!(
            "runner::spawn_local called off the runner's own thread (at {location}): call it from \
             the future given to Runner::run or from another spawn_local task"
        ),
    }
}

/// `unblock`, with a name.
#[track_caller]
pub(crate) fn unblock_named<T, F>(f: F, name: Option<Arc<str>>) -> Task<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let location = Location::caller();
    let Some(state) = thread_runner::runner_state() else {
        error::outside_runner("runner::unblock")
    };
    // Debug mode: the job is listed under the task that started it, as a task is.
    let parent = if state.debug {
        poll_state::polled_task_key()
    } else {
        None
    };
    let key = state.registry.register(Registration {
        name: name.clone(),
        parent,
        ..Registration::new(location, Kind::Job)
    });
    let job_state = state.clone();
    // Leaves the registry however the job ends, even if it never runs.
    let leave = OnDrop::new(move || job_state.registry.unregister(key));
    let panic_state = state.clone();
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
            Err(payload) => {
                let label = Label::new(name, location);
                Outcome::Panicked(PanicSlot::new(payload, label, Some(panic_state)))
            }
        };
        drop(job_context);
        drop(leave);
        outcome
    })
    .fallible();
    Task::new(inner, &state, location, Kind::Job, Some(key))
}

/// Spawns a task onto the runner this code runs on.
///
/// The task runs in a copy of the current context taken now: it sees the context variables
/// set so far, and what it sets stays its own. With [`threads`](crate::Builder::threads)
/// above 1 it may run on any of the runner's threads.
///
/// # Panics
///
/// When called outside a running runner (use [`Handle::spawn`](crate::Handle::spawn) there), or on a closed one.
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
    spawn_listed(future, Listing::default())
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
    spawn_local_listed(future, Listing::default())
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
    unblock_named(f, None)
}

//! `Handle`: a runner seen from anywhere, to spawn onto it from any thread.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use crate::error;
use crate::registry::Phase;
use crate::runner_state::RunnerState;
use crate::spawn::spawn_on;
use crate::task::Task;
use crate::task_list::{Listing, TaskList};
use crate::thread_runner;

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
    pub(crate) state: Arc<RunnerState>,
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
        match thread_runner::runner_state() {
            Some(state) => Handle { state },
            None => error::outside_runner("runner::Handle::current"),
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
        self.spawn_listed(future, Listing::default())
    }

    #[track_caller]
    pub(crate) fn spawn_listed<F>(&self, future: F, listing: Listing) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self.state.executor() {
            Some(executor) => spawn_on(&self.state, &executor, future, Location::caller(), listing),
            None => error::closed_on_spawn(),
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
        self.state.debug
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
        self.state.threads
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
        self.state.phase() == Phase::Closed
    }

    /// A snapshot of the runner's tasks and blocking jobs, from any thread; see
    /// [`TaskList`] for what it holds and how it prints. It never polls a task and never
    /// waits for one.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().debug(true).build();
    /// let handle = runner.handle();
    /// let task = handle.spawn(std::future::pending::<()>());
    /// let list = handle.tasks();
    /// assert_eq!(list.len(), 1);
    /// assert!(list.to_string().contains("scheduled"));
    /// drop(task);
    /// ```
    pub fn tasks(&self) -> TaskList {
        self.state.task_list()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("phase", &self.state.phase())
            .field("debug", &self.state.debug)
            .field("threads", &self.state.threads)
            .finish_non_exhaustive()
    }
}

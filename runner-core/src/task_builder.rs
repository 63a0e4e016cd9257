//! `TaskBuilder`: a task with a name, spawned in any of the usual ways.

use std::future::Future;
use std::sync::Arc;

use crate::handle::Handle;
use crate::spawn;
use crate::task::Task;
use crate::task_list::Listing;

/// Spawns a task or blocking job with a name, shown in the task list
/// ([`tasks`](crate::tasks)) and in every report about it, beside its spawn location.
///
/// The model is `tokio::task::Builder`, and asyncio's `create_task(name=…)`. Each spawning
/// method behaves as the function of the same name.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let task = runner::TaskBuilder::new().name("answer").spawn(async { 42 });
///     assert_eq!(task.await, 42);
/// });
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a TaskBuilder spawns nothing until one of its spawn methods is called"]
pub struct TaskBuilder {
    name: Option<Arc<str>>,
}

impl TaskBuilder {
    /// A builder for an unnamed task.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     assert_eq!(runner::TaskBuilder::new().spawn(async { 1 }).await, 1);
    /// });
    /// ```
    pub fn new() -> TaskBuilder {
        TaskBuilder::default()
    }

    /// Names the task.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().debug(true).build();
    /// runner.run(async {
    ///     let task = runner::TaskBuilder::new().name("worker-1").spawn(std::future::pending::<()>());
    ///     assert!(runner::tasks().iter().any(|t| t.name() == Some("worker-1")));
    ///     drop(task);
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> TaskBuilder {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// [`runner::spawn`](crate::spawn), named.
    ///
    /// # Panics
    ///
    /// As [`runner::spawn`](crate::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let task = runner::TaskBuilder::new().name("sum").spawn(async { 2 + 2 });
    ///     assert_eq!(task.await, 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn::spawn_listed(future, Listing::named(self.name))
    }

    /// [`runner::spawn_local`](crate::spawn_local), named.
    ///
    /// # Panics
    ///
    /// As [`runner::spawn_local`](crate::spawn_local).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let shared = std::rc::Rc::new(3);
    ///     let task = runner::TaskBuilder::new().name("local").spawn_local(async move { *shared });
    ///     assert_eq!(task.await, 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn::spawn_local_listed(future, Listing::named(self.name))
    }

    /// [`Handle::spawn`], named: onto that runner, from any thread.
    ///
    /// # Panics
    ///
    /// When the runner is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// let handle = runner.handle();
    /// let task = runner::TaskBuilder::new().name("from outside").spawn_on(&handle, async { 5 });
    /// assert_eq!(runner.run(task), 5);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, handle: &Handle, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_listed(future, Listing::named(self.name))
    }

    /// [`runner::unblock`](crate::unblock), named.
    ///
    /// # Panics
    ///
    /// As [`runner::unblock`](crate::unblock).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let job = runner::TaskBuilder::new().name("checksum").unblock(|| 7 * 6);
    ///     assert_eq!(job.await, 42);
    /// });
    /// ```
    #[track_caller]
    pub fn unblock<T, F>(self, f: F) -> Task<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn::unblock_named(f, self.name)
    }
}

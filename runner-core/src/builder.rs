//! `Builder`: the runner's settings, all plain types, nothing built until first use.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_executor::Executor;

use crate::Runner;
use crate::signal::{Signal, Signals};
use crate::test_run::TestRun;
use crate::unhandled_panic::UnhandledPanic;

/// Makes the executor a runner uses; see [`Builder::factory`].
pub(crate) type Factory = Box<dyn FnOnce() -> Arc<Executor<'static>> + Send>;

/// Settings for a [`Runner`], built with [`Runner::builder`].
///
/// Every setter takes a plain value; [`build`](Builder::build) allocates nothing heavy: the
/// executor, worker threads and context are made when the runner is first used.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let mut runner = runner::Runner::builder()
///     .threads(2)
///     .debug(true)
///     .shutdown_grace(Duration::from_secs(1))
///     .build();
/// assert_eq!(runner.run(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    pub(crate) debug: Option<bool>,
    pub(crate) threads: usize,
    pub(crate) factory: Option<Factory>,
    pub(crate) shutdown_grace: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) signals: Signals,
    #[cfg(feature = "tokio")]
    pub(crate) tokio: bool,
    /// `#[runner::test]`'s side of the runner (see `test_run`).
    pub(crate) test: Option<Arc<TestRun>>,
}

impl Builder {
    /// The defaults: one thread, debug from `RUNNER_DEBUG`, 5 s grace, 300 s timeout for
    /// blocking jobs, 100 ms slow-poll threshold, unhandled panics reported, Ctrl-C and SIGTERM handled.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Builder::new().build();
    /// runner.run(async {});
    /// ```
    pub fn new() -> Self {
        Builder {
            debug: None,
            threads: 1,
            factory: None,
            shutdown_grace: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(300),
            slow_poll_threshold: Duration::from_millis(100),
            unhandled_panic: UnhandledPanic::Report,
            signals: Signals::DEFAULT,
            #[cfg(feature = "tokio")]
            tokio: true,
            test: None,
        }
    }

    /// Turns debug mode on or off, whatever `RUNNER_DEBUG` says.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().debug(true).build();
    /// assert!(runner.run(async { runner::Handle::current().is_debug() }));
    /// ```
    pub fn debug(mut self, enabled: bool) -> Self {
        self.debug = Some(enabled);
        self
    }

    /// Runs `Send` tasks on `n` threads: the runner's own thread plus `n - 1` workers started
    /// at initialisation and joined at close. The default, 1, is asyncio's model.
    ///
    /// # Panics
    ///
    /// When `n` is 0: a runner needs its own thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().threads(4).build();
    /// assert_eq!(runner.run(async { runner::Handle::current().threads() }), 4);
    /// ```
    #[track_caller]
    pub fn threads(mut self, n: usize) -> Self {
        assert!(
            n >= 1,
            "Builder::threads(0): a runner needs at least its own thread; pass 1 or more"
        );
        self.threads = n;
        self
    }

    /// Uses the executor `factory` returns instead of a new one; it is called once, at
    /// initialisation. Share an executor between runners, or prepare it, this way.
    ///
    /// Tasks of other runners on a shared executor are theirs: close cancels only the tasks
    /// spawned through this runner.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let executor = Arc::new(async_executor::Executor::new());
    /// let shared = executor.clone();
    /// let mut runner = runner::Runner::builder().factory(move || shared).build();
    /// runner.run(async {});
    /// ```
    pub fn factory(
        mut self,
        factory: impl FnOnce() -> Arc<Executor<'static>> + Send + 'static,
    ) -> Self {
        self.factory = Some(Box::new(factory));
        self
    }

    /// How long close lets tasks that awaited [`shutdown_requested`](crate::shutdown_requested)
    /// finish their cleanup before it cancels them. Default 5 s.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let runner = runner::Runner::builder().shutdown_grace(Duration::from_millis(500)).build();
    /// # drop(runner);
    /// ```
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How long close waits for [`unblock`](crate::unblock) jobs still running. Default 300 s,
    /// as Python's thread-join timeout; jobs still running then are reported and left behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let runner = runner::Runner::builder().shutdown_timeout(Duration::from_secs(10)).build();
    /// # drop(runner);
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// In debug mode, a single poll longer than this is reported. Default 100 ms.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// let runner = runner::Runner::builder().debug(true).slow_poll_threshold(Duration::from_millis(20)).build();
    /// # drop(runner);
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Self {
        self.slow_poll_threshold = threshold;
        self
    }

    /// What to do with the panic of a task nobody awaits. Default: report it.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = runner::Runner::builder()
    ///     .unhandled_panic(runner::UnhandledPanic::ShutdownRunner)
    ///     .build();
    /// # drop(runner);
    /// ```
    pub fn unhandled_panic(mut self, policy: UnhandledPanic) -> Self {
        self.unhandled_panic = policy;
        self
    }

    /// Whether `run` handles Ctrl-C (SIGINT) when it runs on the main thread. Default on.
    ///
    /// The same as adding [`Signal::Interrupt`] to, or removing it from, the signals of
    /// [`handle_signals`](Builder::handle_signals), which says what handling means; the other
    /// signals are kept as they are.
    ///
    /// # Examples
    ///
    /// ```
    /// // A runner whose main future must not be cancelled by Ctrl-C: SIGINT keeps its
    /// // default action and ends the process at once (SIGTERM is still handled).
    /// let mut runner = runner::Runner::builder().handle_ctrl_c(false).build();
    /// assert_eq!(runner.run(async { 1 }), 1);
    /// ```
    pub fn handle_ctrl_c(mut self, enabled: bool) -> Self {
        self.signals = self.signals.with(Signal::Interrupt, enabled);
        self
    }

    /// Which signals `run` handles when it runs on the main thread: exactly those given.
    /// Default: [`Signal::Interrupt`] (Ctrl-C) and [`Signal::Terminate`] (SIGTERM, what
    /// `kill`, `docker stop`, Kubernetes and systemd send to stop a program).
    ///
    /// While [`Runner::run`], [`run_with_context`](Runner::run_with_context) or
    /// [`try_run`](Runner::try_run) runs on the process's main thread, the first handled
    /// signal cancels the main future: `run` then closes the runner (the whole shutdown
    /// sequence, with its grace for the tasks that awaited
    /// [`shutdown_requested`](crate::shutdown_requested)), flushes stdout and stderr, and ends
    /// the process by that signal's default action (a shell sees 130 for SIGINT, 143 for
    /// SIGTERM); `try_run` returns [`RunError::Interrupted`] or [`RunError::Terminated`]. A
    /// second handled signal during that shutdown ends the process at once, by its default
    /// action, after printing on stderr the runner's [task list](crate::TaskList): what the
    /// shutdown was still waiting on (within half a second, or not at all; a third signal
    /// ends the process in the signal handler). Between runs, every signal has its default
    /// action. In [debug mode](Builder::debug), SIGQUIT (`Ctrl-\`) prints the task list and
    /// the program goes on; see [`Runner::run`](Runner#ctrl-c).
    ///
    /// A signal is left as it is, nothing installed for it, when it is not in this set (as
    /// for `#[runner::test]`, which handles none), off the main thread, when the program
    /// ignores it or has its own handler (checked the first time), and on systems other than
    /// Linux. With the empty set a runner does not touch signals at all. In debug mode, a
    /// handled signal that the program ignores (a background job of a script) is reported
    /// once, since nothing will happen when it is sent.
    ///
    /// [`RunError::Interrupted`]: crate::RunError::Interrupted
    /// [`RunError::Terminated`]: crate::RunError::Terminated
    ///
    /// # Examples
    ///
    /// ```
    /// use runner::Signal;
    ///
    /// // Stop gracefully on SIGTERM only; Ctrl-C ends the process at once.
    /// let mut runner = runner::Runner::builder().handle_signals([Signal::Terminate]).build();
    /// assert_eq!(runner.run(async { 1 }), 1);
    ///
    /// // Handle no signal at all.
    /// let mut runner = runner::Runner::builder().handle_signals([]).build();
    /// assert_eq!(runner.run(async { 2 }), 2);
    /// ```
    pub fn handle_signals(mut self, signals: impl IntoIterator<Item = Signal>) -> Self {
        self.signals = signals.into_iter().collect();
        self
    }

    /// Whether the runner owns a tokio runtime, so that tokio-based libraries work in its
    /// tasks (`tokio` feature; default on when the feature is on).
    ///
    /// On, the runner builds a tokio runtime at initialisation (one worker thread, the I/O
    /// and timer drivers that the program's tokio features provide) and enters it on every
    /// thread that works for the runner, for as long as it does: the runner's thread during
    /// `run` and close, each worker thread for its whole life. So the main future and every
    /// task (`spawn_local` ones too) are polled and dropped inside it, as are
    /// [`unblock`](crate::unblock) jobs: `tokio::spawn`, `tokio::time`, `tokio::net`,
    /// `tokio::fs`, `spawn_blocking`, `block_in_place` and the libraries built on them
    /// (reqwest, hyper, sqlx…) work without a wrapper. Close shuts the runtime down in step
    /// 5 (see [`Runner`'s `# Shutdown`](Runner#shutdown)).
    ///
    /// - `tokio::spawn`ed tasks run on tokio's worker thread, not on the runner: they do not
    ///   see the spawner's context variables (tokio has no hook to carry them), and
    ///   `runner::spawn` is not available there (use a [`Handle`](crate::Handle)).
    /// - `block_in_place` in a runner task runs its closure on the spot: the runner's other
    ///   tasks on that thread wait meanwhile (with [`threads`](Builder::threads) above 1, the
    ///   other threads go on).
    /// - On an executor from a [`factory`](Builder::factory) shared by several runners, a
    ///   task is polled inside the tokio runtime of the runner whose thread polls it (none,
    ///   if that runner has this off).
    ///
    /// Cost: the runtime and its worker thread are made at initialisation, not per task;
    /// spawning and polling pay nothing for it (see BENCHMARKS.md). Turn it off for runners
    /// that need no tokio.
    ///
    /// # Examples
    ///
    /// ```
    /// // tokio's runtime is there in the main future and in tasks, with no wrapper.
    /// let mut runner = runner::Runner::builder().tokio(true).build();
    /// runner.run(async {
    ///     let task = tokio::spawn(async { 2 });
    ///     assert_eq!(task.await.unwrap(), 2);
    /// });
    ///
    /// // Off: no tokio runtime, as without the feature.
    /// let mut plain = runner::Runner::builder().tokio(false).build();
    /// plain.run(async { assert!(tokio::runtime::Handle::try_current().is_err()) });
    /// ```
    #[cfg(feature = "tokio")]
    pub fn tokio(mut self, enabled: bool) -> Self {
        self.tokio = enabled;
        self
    }

    /// Makes the runner. Nothing is started until its first use.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Builder::new().build();
    /// assert_eq!(runner.run(async { "done" }), "done");
    /// ```
    pub fn build(self) -> Runner {
        Runner::from_builder(self)
    }

    /// Makes the runner of a `#[runner::test]`: its reports, panics and close belong to
    /// `test`; it handles no signal (libtest's process is not the test's) and applies
    /// `policy` to unobserved panics. One step, not three: each builder step moves the
    /// builder, which a debug build copies, for each test.
    pub(crate) fn for_test(mut self, test: Arc<TestRun>, policy: UnhandledPanic) -> Self {
        self.test = Some(test);
        self.signals = crate::signal::Signals::NONE;
        self.unhandled_panic = policy;
        self
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Builder");
        d.field("debug", &self.debug)
            .field("threads", &self.threads)
            .field("factory", &self.factory.as_ref().map(|_| "<fn>"))
            .field("shutdown_grace", &self.shutdown_grace)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .field("unhandled_panic", &self.unhandled_panic)
            .field("signals", &self.signals);
        #[cfg(feature = "tokio")]
        d.field("tokio", &self.tokio);
        d.finish()
    }
}

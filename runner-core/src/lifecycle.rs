//! `Runner`: created → initialised → closed, and `runner::run`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::task::{Context as TaskCx, Poll};
use std::time::Instant;

use futures_lite::future;
use pin_project_lite::pin_project;

use crate::builder::Builder;
use crate::context::{self, Context};
use crate::debug;
use crate::drive;
use crate::error::{self, RunError};
use crate::handle::Handle;
use crate::live::Live;
use crate::notify;
use crate::runner_state::RunnerState;
use crate::shutdown;
use crate::signal::{self, Signal};
use crate::task_record::{RUNNER_THREAD, TaskRecord};
use crate::thread_bound::ThreadBound;
use crate::thread_runner;
use crate::trie::Map;

/// Runs futures to completion on an executor it builds on first use, and shuts everything
/// down in a defined order when closed or dropped: Python's `asyncio.Runner` for Rust.
///
/// Creating a runner allocates nothing heavy. The first [`run`](Runner::run),
/// [`try_run`](Runner::try_run), [`run_with_context`](Runner::run_with_context) or
/// [`handle`](Runner::handle) initialises it: it makes the executor (or calls the
/// [`factory`](Builder::factory)), starts worker threads, copies the current context as
/// the runner's own, and resolves debug mode.
///
/// Between two `run`s, tasks left pending go on in the next `run` (as in asyncio), with one
/// difference: with [`threads`](Builder::threads) above 1, the worker threads keep running
/// `Send` tasks in between; the runner's own thread (the main future's, and the
/// `spawn_local` tasks') runs only during `run`.
///
/// A `Runner` belongs to the thread that made it (its main future and `spawn_local` tasks
/// run there), so it is not `Send`:
///
/// ```compile_fail
/// let runner = runner::Runner::new();
/// std::thread::spawn(move || drop(runner));
/// ```
///
/// # Shutdown
///
/// [`close`](Runner::close), dropping the runner, and the end of [`run`](crate::run) run
/// this sequence, every step on the runner's own thread, before they return:
///
/// 1. Shutdown is signalled: [`shutdown_requested`](crate::shutdown_requested) completes
///    (and systemd hears `STOPPING=1` when this runner sent [`notify_ready`](crate::notify_ready)).
/// 2. Tasks that awaited it get time to finish their cleanup: the executor keeps running
///    until each of them has finished, or [`shutdown_grace`](Builder::shutdown_grace) has
///    passed. Tasks that never asked are not waited for.
/// 3. Worker threads stop and are joined; every task still alive is cancelled: its future is
///    dropped inside the task's own context, before close goes on. A runner that made its
///    executor drops it now, on its own thread, which is how it reaches every task. On an
///    executor from a [`factory`](Builder::factory), only this runner's tasks are
///    cancelled: each is woken, and dropped by whichever thread of the shared executor polls
///    it next (this one, or another runner's), while close drives the executor until they
///    are all gone.
/// 4. Reports: in debug mode, the tasks that had to be cancelled; then the panics of tasks
///    nobody awaited and of destructors, met during step 3, each once with the task's spawn
///    location. The sequence carries on.
/// 5. Blocking jobs from [`unblock`](crate::unblock) are waited for, at most
///    [`shutdown_timeout`](Builder::shutdown_timeout); those still running are named and left.
///    With the `tokio` feature (see `Builder::tokio`), 5b: then the runner's tokio runtime
///    shuts down in what is left of that timeout: its `tokio::spawn`ed tasks are dropped and
///    its threads (`spawn_blocking` jobs) waited for; those still running are counted and
///    left. (After the jobs, which may use the runtime; after step 3, so that the runner's
///    tasks are dropped while it still works.)
/// 6. The runner's context is released; the runner is closed, and a [`Handle`] that outlives
///    it panics on `spawn` with a message that says so.
///
/// # Examples
///
/// ```
/// let mut runner = runner::Runner::new();
/// let first = runner.run(async { 1 });
/// let second = runner.run(async { 2 });
/// assert_eq!(first + second, 3);
/// runner.close();
/// ```
pub struct Runner {
    // First, so the compiler's error for a runner sent to another thread names this reason.
    _thread: ThreadBound,
    state: State,
}

// Not boxed: a runner is made and used on one stack frame, and each allocation shows in
// the cost of a short-lived runner.
#[allow(clippy::large_enum_variant)]
enum State {
    Created(Builder),
    Initialised(Live),
    Closed,
}

impl Runner {
    /// A runner with the default settings; nothing is built until its first use.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// assert_eq!(runner.run(async { "hi" }), "hi");
    /// ```
    pub fn new() -> Runner {
        Builder::new().build()
    }

    /// Settings for a runner; see [`Builder`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().threads(2).build();
    /// runner.run(async {});
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_builder(builder: Builder) -> Runner {
        Runner {
            _thread: PhantomData,
            state: State::Created(builder),
        }
    }

    /// Runs `future` to completion on this thread and returns its output; the runner's tasks
    /// make progress meanwhile. The future runs inside the runner's own context, so context
    /// variables it sets are seen by the next `run`.
    ///
    /// A panic in `future` comes out of `run` with its original payload, and the runner
    /// stays usable.
    ///
    /// # Ctrl-C
    ///
    /// On the main thread, unless [`handle_ctrl_c(false)`](Builder::handle_ctrl_c) or the
    /// program ignores or handles SIGINT itself, the first Ctrl-C cancels `future` (it is
    /// dropped here), closes the runner (the whole [`# Shutdown`](Runner#shutdown)
    /// sequence), flushes stdout and stderr, and ends the process by SIGINT's default action,
    /// as interrupted: a shell sees status 130. `run` does not return then. A second Ctrl-C
    /// during the shutdown ends the process at once, after printing on stderr what the
    /// shutdown was still waiting on: the runner's [task list](crate::TaskList), which names
    /// each task and where it was spawned (printed within half a second, or not at all: the
    /// process ends anyway). Outside `run`, SIGINT has its default action.
    /// [`try_run`](Runner::try_run) returns instead.
    ///
    /// SIGTERM takes the same path and the process ends as terminated by SIGTERM (status
    /// 143); [`handle_signals`](Builder::handle_signals) chooses which signals are handled.
    ///
    /// In debug mode, SIGQUIT (`Ctrl-\`) prints the task list on stderr and the program goes
    /// on, as the JVM prints its thread dump; under the same rules (main thread, only while
    /// `run` runs, only if the program left SIGQUIT at its default). Without debug mode,
    /// SIGQUIT keeps its default action (a core dump, status 131).
    ///
    /// # Panics
    ///
    /// When called from inside a running runner on this thread, or after the runner was
    /// closed. [`try_run`](Runner::try_run) returns these as errors instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// let task = runner.run(async { runner::spawn(async { 5 }) });
    /// assert_eq!(runner.run(task), 5); // the task went on between the two runs
    /// ```
    #[track_caller]
    pub fn run<F: Future>(&mut self, future: F) -> F::Output {
        let ended = self.run_inner(future, None, true);
        self.output_or_panic(ended)
    }

    /// Like [`run`](Runner::run), but returns [`RunError::Nested`] or [`RunError::Closed`]
    /// instead of panicking, [`RunError::Interrupted`] on Ctrl-C and
    /// [`RunError::Terminated`] on SIGTERM ([`RunError::signal`] says which).
    ///
    /// On Ctrl-C (when `run` would handle it, see [`run`](Runner#ctrl-c)) `future` is
    /// cancelled (dropped here) and `try_run` returns [`RunError::Interrupted`]; nothing else
    /// is shut down, the runner's tasks stay, and the runner can run again. SIGINT has its
    /// default action again once `try_run` returned. SIGTERM likewise, with
    /// [`RunError::Terminated`].
    ///
    /// # Examples
    ///
    /// ```
    /// use runner::{RunError, Runner};
    ///
    /// let mut outer = Runner::new();
    /// outer.run(async {
    ///     let mut inner = Runner::new();
    ///     assert_eq!(inner.try_run(async {}), Err(RunError::Nested));
    /// });
    /// ```
    pub fn try_run<F: Future>(&mut self, future: F) -> Result<F::Output, RunError> {
        self.run_inner(future, None, false)
    }

    /// Like [`run`](Runner::run), but runs `future` inside `context` instead of the runner's
    /// own context; what it sets is visible through `context` afterwards.
    ///
    /// # Panics
    ///
    /// As [`run`](Runner::run), and when `context` is already entered.
    ///
    /// # Examples
    ///
    /// ```
    /// use runner::{Context, ContextVar, Runner};
    ///
    /// static USER: ContextVar<&'static str> = ContextVar::new("user");
    ///
    /// let ctx = Context::empty();
    /// Runner::new().run_with_context(async { USER.set("grace") }, &ctx);
    /// assert_eq!(ctx.get(&USER), Some("grace"));
    /// ```
    #[track_caller]
    pub fn run_with_context<F: Future>(&mut self, future: F, context: &Context) -> F::Output {
        let ended = self.run_inner(future, Some(context), true);
        self.output_or_panic(ended)
    }

    /// What `run` and `run_with_context` make of a run's end: the output, or the process
    /// ended after Ctrl-C, or a panic with the error's text.
    #[track_caller]
    fn output_or_panic<T>(&mut self, ended: Result<T, RunError>) -> T {
        match ended {
            Ok(output) => output,
            Err(error) => match error.signal() {
                Some(signal) => end_by(self, signal),
                None => error::fail(error),
            },
        }
    }

    /// `signal_ends_process`: `run` and `run_with_context`, which end the process after a
    /// signal, rather than `try_run`, which returns.
    fn run_inner<F: Future>(
        &mut self,
        future: F,
        context: Option<&Context>,
        signal_ends_process: bool,
    ) -> Result<F::Output, RunError> {
        if thread_runner::is_running() {
            return Err(RunError::Nested);
        }
        let live = self.live().ok_or(RunError::Closed)?;
        let state = &live.state;
        // Ctrl-C and SIGTERM: see `signal`. Off, this is one branch and a future that is
        // never ready.
        let signals = if live.signals.is_empty() {
            None
        } else {
            signal::install(live.signals, state.debug, state)
        };
        let entered = thread_runner::enter(
            state.clone(),
            Some(live.executor.clone()),
            Some(live.local.clone()),
        );
        // The main future and the tasks polled here are polled and dropped inside the
        // runner's tokio runtime: tokio-based libraries find it.
        #[cfg(feature = "tokio")]
        let tokio_entered = crate::tokio_runtime::enter(live.tokio.as_ref().map(|t| t.handle()));
        let main = Main {
            future: Some(future),
            context: match context {
                Some(given) => MainContext::Given(given),
                None => MainContext::Own(&live.context),
            },
            state,
        };
        // What ends a run before its future does: the payload of a task whose panic shuts
        // the runner down, or a signal; systemd's watchdog pings meanwhile, only while this
        // thread drives the runner (see `notify`). Made at its first poll: the main future
        // wins a tie, and a run that ends at the main future's first poll (a trivial
        // `#[runner::test]`) never makes it.
        let interrupted = async {
            let fatal = async { Ok(state.unhandled_panics.fatal().await) };
            let signalled = async {
                match &signals {
                    Some(guard) => Err(guard.received().await),
                    None => future::pending().await,
                }
            };
            let pings = async { match notify::watchdog().await {} };
            future::or(fatal, future::or(signalled, pings)).await
        };
        // Whichever ends first, the others (the main future included) are dropped at the
        // end of this block, so on the runner's thread, runner entered. Pinned here and
        // handed on by reference: see `drive::block_on`.
        let ended = {
            let until = std::pin::pin!(future::or(async { Ok(main.await) }, async {
                Err(interrupted.await)
            }));
            drive::block_on(live.executors(), until)
        };
        // A handled signal that arrived while the main future finished (it wins a tie) still
        // ends the run, as CPython's Runner raises KeyboardInterrupt when the main task is
        // already done: the output is dropped.
        let ended = match (ended, signals.as_ref().and_then(|guard| guard.pending())) {
            (Ok(output), Some(signal)) => {
                drop(output);
                Err(Err(signal))
            }
            (ended, _) => ended,
        };
        #[cfg(feature = "tokio")]
        drop(tokio_entered);
        drop(entered);
        // The signals take their default action again from here on; unless a signal ended a
        // `run`, which closes the runner and ends the process: until then a second signal
        // prints what close waits on (see `signal`).
        match signals {
            Some(guard) if signal_ends_process && matches!(ended, Err(Err(_))) => {
                guard.keep_until_exit()
            }
            other => drop(other),
        }
        match ended {
            Ok(output) => Ok(output),
            // UnhandledPanic::ShutdownRunner: a task panicked and nobody awaited it.
            Err(Ok(payload)) => {
                self.close();
                resume_unwind(payload)
            }
            Err(Err(signal)) => Err(RunError::ended_by(signal)),
        }
    }

    /// The initialised state, initialising it on first use; `None` once closed.
    fn live(&mut self) -> Option<&Live> {
        if let State::Created(_) = self.state {
            let State::Created(builder) = std::mem::replace(&mut self.state, State::Closed) else {
                unreachable!("matched Created just above")
            };
            self.state = State::Initialised(Live::start(builder));
        }
        match &self.state {
            State::Initialised(live) => Some(live),
            _ => None,
        }
    }

    /// A handle to spawn onto this runner from anywhere; initialises the runner.
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
    /// let task = handle.spawn(async { 7 });
    /// assert_eq!(runner.run(task), 7);
    /// ```
    #[track_caller]
    pub fn handle(&mut self) -> Handle {
        match self.live() {
            Some(live) => Handle {
                state: live.state.clone(),
            },
            None => error::fail(RunError::Closed),
        }
    }

    /// The state of the initialised runner; `None` before initialisation and once closed.
    pub(crate) fn live_state(&self) -> Option<&RunnerState> {
        match &self.state {
            State::Initialised(live) => Some(&live.state),
            _ => None,
        }
    }

    /// Whether debug mode is on; `None` before initialisation, when it is not resolved yet.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::builder().debug(true).build();
    /// assert_eq!(runner.is_debug(), None);
    /// runner.run(async {});
    /// assert_eq!(runner.is_debug(), Some(true));
    /// ```
    pub fn is_debug(&self) -> Option<bool> {
        match &self.state {
            State::Initialised(live) => Some(live.state.debug),
            _ => None,
        }
    }

    /// Whether the runner has been closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// runner.run(async {});
    /// runner.close();
    /// assert!(runner.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// Shuts the runner down in the order of the [`# Shutdown`](Runner#shutdown) section.
    /// Closing a closed or never-used runner does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = runner::Runner::new();
    /// runner.run(async { runner::spawn(std::future::pending::<()>()).detach() });
    /// runner.close(); // the pending task is cancelled
    /// runner.close(); // idempotent
    /// ```
    pub fn close(&mut self) {
        self.close_reporting();
    }

    /// [`close`](Runner::close), returning what close gave up on (see `shutdown::close`).
    pub(crate) fn close_reporting(&mut self) -> Option<crate::task_list::TaskList> {
        // A runner never used stays usable, as CPython's `Runner.close` returns early when
        // the runner was not initialised.
        if let State::Initialised(_) = self.state
            && let State::Initialised(live) = std::mem::replace(&mut self.state, State::Closed)
        {
            shutdown::close(live)
        } else {
            None
        }
    }
}

/// After Ctrl-C or SIGTERM in `run`: close the runner (the whole shutdown sequence), then end
/// the process as the signal's default action does. A second signal meanwhile ends it at once.
fn end_by(runner: &mut Runner, signal: Signal) -> ! {
    // Whatever happens while closing, the process must still end by the signal.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.close()));
    signal::end_by(signal)
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Runner");
        match &self.state {
            State::Created(_) => d.field("state", &"created"),
            State::Initialised(live) => d
                .field("state", &"initialised")
                .field("debug", &live.state.debug)
                .field("threads", &live.state.threads),
            State::Closed => d.field("state", &"closed"),
        };
        d.finish()
    }
}

pin_project! {
    /// The future given to `run`: polled inside the runner's context (or the one given),
    /// timed in debug mode, and dropped inside that context too, however the run ends.
    struct Main<'a, F> {
        #[pin]
        future: Option<F>,
        context: MainContext<'a>,
        state: &'a RunnerState,
    }

    impl<F> PinnedDrop for Main<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut future = this.future;
            if future.is_some() {
                this.context.run(|| future.set(None));
            }
        }
    }
}

/// The context a `run` enters for each poll of its future.
enum MainContext<'a> {
    Own(&'a RefCell<Map>),
    Given(&'a Context),
}

impl MainContext<'_> {
    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        match self {
            MainContext::Own(map) => context::run_in(&mut map.borrow_mut(), f),
            MainContext::Given(context) => context.run(f),
        }
    }
}

impl<F: Future> Future for Main<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<F::Output> {
        let this = self.project();
        let timed = this.state.main_record.as_ref().map(TimedPoll::start);
        let mut future = this.future;
        let polled = this.context.run(|| {
            let polled = match future.as_mut().as_pin_mut() {
                Some(running) => running.poll(cx),
                None => panic!("the future given to Runner::run was polled after it completed"),
            };
            if polled.is_ready() {
                // Dropped here, inside the context, like a task's future.
                future.set(None);
            }
            polled
        });
        if let Some(timed) = timed {
            let took = timed.end();
            if took > this.state.slow_poll_threshold {
                debug::report_slow_poll(&"the main future", took, this.state.slow_poll_threshold);
            }
        }
        polled
    }
}

/// A poll of the main future in debug mode, noted in its record. A poll that unwinds still
/// ends in the record (when this drops): the runner stays usable after a panic of its main
/// future, and the watchdog must not see a poll still running.
struct TimedPoll<'a> {
    record: &'a TaskRecord,
    started: Instant,
    ended: bool,
}

impl<'a> TimedPoll<'a> {
    fn start(record: &'a TaskRecord) -> Self {
        let started = Instant::now();
        record.poll_started(started, RUNNER_THREAD, None);
        TimedPoll {
            record,
            started,
            ended: false,
        }
    }

    /// Ends the poll; returns how long it took.
    fn end(mut self) -> std::time::Duration {
        self.ended = true;
        self.record.poll_ended(self.started)
    }
}

impl Drop for TimedPoll<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.record.poll_ended(self.started);
        }
    }
}

/// Runs `future` on a new runner with the default settings, closes the runner, and returns
/// the output: Python's `asyncio.run`.
///
/// On the main thread, the first Ctrl-C cancels `future`, runs the whole shutdown sequence
/// and ends the process as interrupted (a shell sees status 130); a second Ctrl-C during the
/// shutdown ends it at once. SIGTERM does the same and the process ends as terminated (status
/// 143). See [`Runner::run`](Runner#ctrl-c) for when signals are left alone.
///
/// # Panics
///
/// When called from inside a running runner; a panic of `future` comes out with its payload
/// after the runner closed.
///
/// # Examples
///
/// ```
/// let answer = runner::run(async {
///     let task = runner::spawn(async { 40 });
///     task.await + 2
/// });
/// assert_eq!(answer, 42);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    Runner::new().run(future)
}

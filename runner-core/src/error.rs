//! The error `try_run` returns.

use std::fmt;

use crate::signal::Signal;

/// Why [`Runner::try_run`](crate::Runner::try_run) did not run the future to completion.
///
/// # Examples
///
/// ```
/// use runner::{RunError, Runner};
///
/// let mut runner = Runner::new();
/// runner.run(async {});
/// runner.close();
/// assert_eq!(runner.try_run(async {}), Err(RunError::Closed));
/// assert_eq!(RunError::Closed.to_string(), "the runner is closed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunError {
    /// Called from code that a runner is already running on this thread; a runner cannot
    /// block its own thread waiting for another run. Spawn the future instead, or await it.
    Nested,
    /// The runner was closed: it runs nothing any more.
    Closed,
    /// Ctrl-C (SIGINT) arrived: the future was cancelled; the runner stays usable.
    Interrupted,
    /// SIGTERM arrived (`kill`, `docker stop`, systemd): the future was cancelled; the runner
    /// stays usable. See [`Builder::handle_signals`](crate::Builder::handle_signals).
    Terminated,
}

impl RunError {
    /// The signal that ended the run, for [`Interrupted`](RunError::Interrupted) and
    /// [`Terminated`](RunError::Terminated).
    ///
    /// # Examples
    ///
    /// ```
    /// use runner::{RunError, Signal};
    ///
    /// assert_eq!(RunError::Terminated.signal(), Some(Signal::Terminate));
    /// assert_eq!(RunError::Closed.signal(), None);
    /// ```
    pub fn signal(self) -> Option<Signal> {
        match self {
            RunError::Interrupted => Some(Signal::Interrupt),
            RunError::Terminated => Some(Signal::Terminate),
            RunError::Nested | RunError::Closed => None,
        }
    }

    /// The error `try_run` returns when `signal` ended the run.
    pub(crate) fn ended_by(signal: Signal) -> RunError {
        match signal {
            Signal::Interrupt => RunError::Interrupted,
            Signal::Terminate => RunError::Terminated,
        }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunError::Nested => {
                "Runner::run cannot be called from a running runner: this thread is already \
                 running one; spawn the future with runner::spawn, or await it"
            }
            RunError::Closed => "the runner is closed",
            RunError::Interrupted => "interrupted by Ctrl-C (SIGINT); the future was cancelled",
            RunError::Terminated => "terminated by SIGTERM; the future was cancelled",
        })
    }
}

impl std::error::Error for RunError {}

/// Panics as `run` does for `error`: one text per error, `RunError`'s own.
#[track_caller]
pub(crate) fn fail(error: RunError) -> ! {
    panic!("{error}")
}

/// Panics for an operation that needs a running runner, called outside one.
#[track_caller]
pub(crate) fn outside_runner(operation: &str) -> ! {
    panic!(
        "{operation} called outside a running runner (at {}): call it from a task or from the \
         future given to Runner::run; from other threads, use a runner::Handle",
        std::panic::Location::caller()
    )
}

/// Panics for a spawn onto a closed runner.
#[track_caller]
pub(crate) fn closed_on_spawn() -> ! {
    panic!("cannot spawn onto this runner: {}", RunError::Closed)
}

/// Panics for a blocking job started on a closed runner.
#[track_caller]
pub(crate) fn closed_on_unblock() -> ! {
    panic!(
        "cannot start a blocking job on this runner: {}",
        RunError::Closed
    )
}

//! The error `try_run` returns.

use std::fmt;

/// Why [`Runner::try_run`](crate::Runner::try_run) did not run the future to completion.
///
/// # Examples
///
/// ```
/// use runner::{RunError, Runner};
///
/// let mut runner = Runner::new();
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
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunError::Nested => {
                "cannot run a future from inside a running runner: spawn it with runner::spawn or await it instead"
            }
            RunError::Closed => "the runner is closed",
            RunError::Interrupted => "interrupted by Ctrl-C (SIGINT); the future was cancelled",
        })
    }
}

impl std::error::Error for RunError {}

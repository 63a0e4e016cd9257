//! `runner`: Python's `asyncio.run` for Rust, on the smol crates.
//!
//! One call builds the executor, runs your program's main future, and tears everything down
//! in a defined order, so that no task, thread or blocking job outlives it by accident.
//!
//! ```
//! let answer = runner::run(async {
//!     let task = runner::spawn(async { 21 });
//!     task.await * 2
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! Three ways in:
//! - [`run`]: a new [`Runner`] with the defaults, run, close (`asyncio.run`).
//! - [`Runner`] and [`Builder`]: several runs on one executor, settings, a [`Handle`]
//!   (`asyncio.Runner`).
//! - `#[runner::main]` and `#[runner::test]`.
//!
//! Inside: [`spawn`], [`spawn_local`] and [`unblock`] return a [`Task`]; context variables
//! ([`ContextVar`], [`Context`]) follow every task; [`shutdown_requested`] lets a task clean
//! up during close.
//!
//! # Environment
//!
//! | variable | values | default |
//! |---|---|---|
//! | `RUNNER_DEBUG` | set, non-empty and not `0`: debug mode on, unless the program chose with [`Builder::debug`] | off |
//! | `NOTIFY_SOCKET` | set by systemd (`Type=notify`): [`notify_ready`] and [`notify_status`] send to it, close sends `STOPPING=1` (Linux) | unset: nothing is sent |
//! | `WATCHDOG_USEC`, `WATCHDOG_PID` | set by systemd (`WatchdogSec=`): `run` on the main thread sends `WATCHDOG=1` every half interval while it makes progress, unless `WATCHDOG_PID` names another process (Linux) | unset: no watchdog |
//!
//! # Services
//!
//! Under `run`, [`Runner::run`] and `#[runner::main]`, SIGTERM (`kill`, `docker stop`,
//! Kubernetes, systemd) takes the path of the first Ctrl-C: the main future is cancelled, the
//! whole shutdown sequence runs (tasks that awaited [`shutdown_requested`] get their grace),
//! stdout and stderr are flushed, and the process ends as terminated by SIGTERM (a shell sees
//! 143). [`Builder::handle_signals`] (or `#[runner::main(signals = [SIGINT])]`) chooses the
//! signals handled. [`notify_ready`] tells systemd the service is ready; `examples/http_server.rs`
//! is a server that loses no request on shutdown.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

#[doc(inline)]
pub use runner_core::{
    Builder, Context, ContextVar, DEBUG_ENV, Handle, RunError, Runner, ShutdownRequested, Signal,
    Task, Token, UnhandledPanic, notify_ready, notify_status, run, shutdown_requested, spawn,
    spawn_local, unblock,
};

/// Runs `async fn main` on a [`Runner`]: the program's entry point, like `asyncio.run(main())`.
///
/// The body runs with Ctrl-C and SIGTERM handling; when it returns, the runner closes (tasks
/// cancelled, blocking jobs waited for). Any `Termination` return type works, `?` included.
/// Options: `debug`, `debug = bool`, `threads = N`, `shutdown_grace = "5s"`,
/// `shutdown_timeout = "30s"`, `crate = "path"`; each is the [`Builder`] setter of the same
/// name; and `signals = [SIGINT, SIGTERM]` ([`Builder::handle_signals`]; `signals = []`
/// handles none).
///
/// ```
/// #[runner::main(threads = 2)]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = runner::spawn(async { "21".parse() }).await?;
///     assert_eq!(n * 2, 42);
///     Ok(())
/// }
/// ```
#[doc(inline)]
pub use runner_macros::main;

/// Runs an `async fn` test on a fresh [`Runner`] in debug mode, one runner per test.
///
/// Takes the options of [`main`](macro@main) (`debug = false` turns debug off) plus
/// `timeout = "…"`, which fails the test with "test timed out after …". `#[should_panic]`,
/// `#[ignore]`, `#[cfg]` and `-> Result<(), E>` work as on `#[test]`. A test never installs
/// a Ctrl-C handler.
///
/// ```no_run
/// #[runner::test(timeout = "1s")]
/// async fn spawns() {
///     assert!(runner::Handle::current().is_debug());
///     assert_eq!(runner::spawn(async { 1 + 1 }).await, 2);
/// }
/// # fn main() {}
/// ```
///
/// (The doc-test harness drops `#[test]` functions, so this one is only compiled; the
/// crate's own `tests/` use the attribute for real.)
#[doc(inline)]
pub use runner_macros::test;

#[doc(hidden)]
pub use runner_core::__private;

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
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

#[doc(inline)]
pub use runner_core::{
    Builder, ChildOutcome, Context, ContextVar, DEBUG_ENV, Elapsed, Failure, GroupError, GroupTask,
    Handle, RunError, Runner, ShutdownRequested, Task, TaskGroup, Timeout, Token, UnhandledPanic,
    run, shutdown_requested, spawn, spawn_local, task_group, timeout, timeout_at, try_task_group,
    unblock,
};

/// Runs `async fn main` on a [`Runner`]: the program's entry point, like `asyncio.run(main())`.
///
/// The body runs with Ctrl-C handling; when it returns, the runner closes (tasks cancelled,
/// blocking jobs waited for). Any `Termination` return type works, `?` included. Options:
/// `debug`, `debug = bool`, `threads = N`, `shutdown_grace = "5s"`, `shutdown_timeout = "30s"`,
/// `crate = "path"`; each is the [`Builder`] setter of the same name.
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

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
    Builder, Context, ContextVar, DEBUG_ENV, Handle, RunError, Runner, ShutdownRequested, Task,
    Token, UnhandledPanic, run, shutdown_requested, spawn, spawn_local, unblock,
};

#[doc(inline)]
pub use runner_macros::{main, test};

#[doc(hidden)]
pub use runner_core::__private;

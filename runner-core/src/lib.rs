//! The runtime behind [`runner`](https://docs.rs/runner-rt/latest/runner/): use it through that crate.
//!
//! See the `runner` crate for the guide; every public item here is re-exported there.
//!
//! # Environment
//!
//! | variable | values | default |
//! |---|---|---|
//! | `RUNNER_DEBUG` | set, non-empty and not `0`: debug mode on, unless the program chose with [`Builder::debug`] | off |
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod builder;
mod context;
mod debug;
mod error;
mod lifecycle;
mod notify;
mod runtime;
mod shutdown;
mod signal;
mod task;
mod trie;

#[doc(hidden)]
pub mod __private;

pub use builder::{Builder, UnhandledPanic};
pub use context::{Context, ContextVar, Token};
pub use debug::DEBUG_ENV;
pub use error::RunError;
pub use lifecycle::{Runner, run};
pub use notify::{notify_ready, notify_status};
pub use shutdown::{ShutdownRequested, shutdown_requested};
pub use signal::Signal;
pub use task::{Handle, Task, spawn, spawn_local, unblock};

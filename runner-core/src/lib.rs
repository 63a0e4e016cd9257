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
mod runtime;
mod shutdown;
mod signal;
mod task;
mod task_group;
mod timeout;
mod trie;

#[doc(hidden)]
pub mod __private;

pub use builder::{Builder, UnhandledPanic};
pub use context::{Context, ContextVar, Token};
pub use debug::DEBUG_ENV;
pub use error::RunError;
pub use lifecycle::{Runner, run};
pub use shutdown::{ShutdownRequested, shutdown_requested};
pub use task::{Handle, Task, spawn, spawn_local, unblock};
pub use task_group::{
    ChildOutcome, Failure, GroupError, GroupTask, TaskGroup, task_group, try_task_group,
};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};

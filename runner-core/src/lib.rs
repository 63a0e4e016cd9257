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
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod context;
mod debug;
mod drive;
mod error;
mod guard;
mod handle;
mod lifecycle;
mod live;
mod notify;
mod payload;
mod poll_state;
mod registry;
mod runner_state;
mod shutdown;
mod shutdown_signal;
mod signal;
mod signal_dump;
mod spawn;
mod task;
mod task_builder;
mod task_group;
mod task_list;
mod task_record;
mod task_wrapper;
mod test_run;
mod thread_bound;
mod thread_runner;
mod timeout;
#[cfg(feature = "tokio")]
mod tokio_runtime;
mod trie;
mod unhandled_panic;
mod watchdog;
mod workers;

#[doc(hidden)]
pub mod __private;
pub mod time;

pub use builder::Builder;
pub use context::{Context, ContextVar, Token};
pub use debug::DEBUG_ENV;
pub use error::RunError;
pub use handle::Handle;
pub use lifecycle::{Runner, run};
pub use notify::{notify_ready, notify_status};
pub use shutdown::{ShutdownRequested, shutdown_requested};
pub use signal::Signal;
pub use spawn::{spawn, spawn_local, unblock};
pub use task::Task;
pub use task_builder::TaskBuilder;
pub use task_group::{
    ChildOutcome, Failure, GroupError, GroupTask, TaskGroup, task_group, try_task_group,
};
pub use task_list::{TaskInfo, TaskKind, TaskList, TaskState, WaitsOn, tasks};
pub use timeout::{Elapsed, Timeout, timeout, timeout_at};
pub use unhandled_panic::UnhandledPanic;

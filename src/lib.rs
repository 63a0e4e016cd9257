//! `runner`: Python's `asyncio.run` for Rust, on the smol crates.
//!
//! One call builds the executor, runs your program's main future, and tears everything down
//! in a defined order, so that no task, thread or blocking job outlives it by accident.
//!
//! ```toml
//! [dependencies]
//! runner-rt = "0.1"   # the library is `runner`
//! ```
//!
//! ```
//! #[runner::main]
//! async fn main() {
//!     let task = runner::spawn(async { 21 });
//!     assert_eq!(task.await * 2, 42);
//! }
//! ```
//!
//! Three ways in:
//! - [`#[runner::main]`](macro@main) on `async fn main`, and [`#[runner::test]`](macro@test)
//!   on `async fn` tests.
//! - [`run`]: a new [`Runner`] with the defaults, run, close (`asyncio.run`).
//! - [`Runner`] and [`Builder`]: several runs on one executor, settings, a [`Handle`]
//!   (`asyncio.Runner`).
//!
//! Inside: [`spawn`], [`spawn_local`] and [`unblock`] return a [`Task`]; context variables
//! ([`ContextVar`], [`Context`]) follow every task; [`shutdown_requested`] lets a task clean
//! up during close; [`time`] sleeps and ticks; [`task_group`] and [`timeout`] give structure;
//! [`tasks`] shows what every task is doing (name them with [`TaskBuilder`]).
//!
//! # Features
//!
//! All off by default, so the smallest program compiles only the runtime. The modules they
//! add are the smol ecosystem's crates, re-exported as they are (as `smol` does), and work in
//! any task of a runner.
//!
//! | feature | adds | from |
//! |---|---|---|
//! | `net` | [`runner::net`](https://docs.rs/runner-rt/latest/runner/net/index.html): `TcpListener`, `TcpStream`, `UdpSocket`, Unix sockets | [`async-net`](https://docs.rs/async-net) |
//! | `fs` | [`runner::fs`](https://docs.rs/runner-rt/latest/runner/fs/index.html): files and directories | [`async-fs`](https://docs.rs/async-fs) |
//! | `process` | [`runner::process`](https://docs.rs/runner-rt/latest/runner/process/index.html): child processes | [`async-process`](https://docs.rs/async-process) |
//! | `full` | `net`, `fs` and `process` | |
//! | `tracing` | debug-mode reports as `tracing` events | [`tracing`](https://docs.rs/tracing) |
//! | `tokio` | every runner owns a tokio runtime that its threads enter, so tokio-based libraries (reqwest, hyper, sqlx…) work in its tasks with no wrapper; `Builder::tokio` and the macro option `tokio = false` turn it off per runner | [`tokio`](https://docs.rs/tokio) |
//!
//! [`future`], [`io`], [`stream`] and [`prelude`] (from
//! [`futures-lite`](https://docs.rs/futures-lite)) need no feature: the runtime is built on
//! that crate, so they cost nothing to compile.
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
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use runner_core::{
    Builder, ChildOutcome, Context, ContextVar, DEBUG_ENV, Elapsed, Failure, GroupError, GroupTask,
    Handle, RunError, Runner, ShutdownRequested, Signal, Task, TaskBuilder, TaskGroup, TaskInfo,
    TaskKind, TaskList, TaskState, Timeout, Token, UnhandledPanic, WaitsOn, notify_ready,
    notify_status, run, shutdown_requested, spawn, spawn_local, task_group, tasks, timeout,
    timeout_at, try_task_group, unblock,
};

#[doc(inline)]
pub use runner_core::time;

// The attributes are documented once, in runner-macros; inlining shows that text here.
#[doc(inline)]
pub use runner_macros::{main, test};

#[doc(inline)]
pub use futures_lite::{future, io, prelude, stream};

#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
#[doc(inline)]
pub use async_net as net;

#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
#[doc(inline)]
pub use async_fs as fs;

#[cfg(feature = "process")]
#[cfg_attr(docsrs, doc(cfg(feature = "process")))]
#[doc(inline)]
pub use async_process as process;

#[doc(hidden)]
pub use runner_core::__private;

// The README's Rust examples run as doc tests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

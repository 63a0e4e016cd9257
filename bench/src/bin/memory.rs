//! Memory per pending task: resident bytes added by 100,000 detached tasks that were polled
//! once and wait forever, per system, each system in a fresh process of its own.
//!
//! `cargo run --release -p runner-bench --bin memory [-- TASKS]` prints one line per system:
//! `memory <system> <bytes per task> <handle bytes>`. Resident memory comes from `VmRSS`
//! (`/proc/self/status`): counting allocations would need an `unsafe impl GlobalAlloc`,
//! and every crate here forbids `unsafe`.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_executor::{Executor, LocalExecutor};
use futures_lite::future;
use runner_bench::resident_bytes;

const SYSTEMS: [&str; 5] = [
    "runner",
    "runner_debug",
    "smol_local",
    "smol_executor",
    "tokio_current_thread",
];

/// Tasks that have been polled once.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// A task that counts its first poll, then waits forever.
async fn pending_task() {
    POLLED.fetch_add(1, Ordering::Relaxed);
    future::pending::<()>().await;
}

/// Waits until all `n` tasks have been polled once.
async fn all_polled(n: usize) {
    while POLLED.load(Ordering::Relaxed) < n {
        future::yield_now().await;
    }
}

/// Spawns `n` pending tasks with `spawn` after a warm-up, waits until each was polled once,
/// and returns the resident bytes they added, per task.
async fn measure(n: usize, mut spawn: impl FnMut()) -> f64 {
    // Warm-up: the executor's queues, the reactor and the allocator's first arenas.
    for _ in 0..1_000 {
        spawn();
    }
    all_polled(1_000).await;
    let before = resident_bytes();
    for _ in 0..n {
        spawn();
    }
    all_polled(1_000 + n).await;
    let after = resident_bytes();
    after.saturating_sub(before) as f64 / n as f64
}

fn run_system(system: &str, n: usize) -> (f64, usize) {
    match system {
        "runner" | "runner_debug" => {
            let mut runner = runner::Runner::builder()
                .debug(system == "runner_debug")
                .handle_signals([])
                .build();
            let bytes = runner.run(measure(n, || runner::spawn(pending_task()).detach()));
            runner.close();
            (bytes, size_of::<runner::Task<()>>())
        }
        "smol_local" => {
            let executor = LocalExecutor::new();
            let bytes = async_io::block_on(
                executor.run(measure(n, || executor.spawn(pending_task()).detach())),
            );
            (bytes, size_of::<async_executor::Task<()>>())
        }
        "smol_executor" => {
            let executor = Executor::new();
            let bytes = async_io::block_on(
                executor.run(measure(n, || executor.spawn(pending_task()).detach())),
            );
            (bytes, size_of::<async_executor::Task<()>>())
        }
        "tokio_current_thread" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            let bytes = rt.block_on(measure(n, || drop(tokio::spawn(pending_task()))));
            (bytes, size_of::<tokio::task::JoinHandle<()>>())
        }
        other => panic!("unknown system {other:?}; known: {SYSTEMS:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--system") => {
            let system = &args[2];
            let n = args[3].parse().expect("task count");
            let (bytes, handle) = run_system(system, n);
            println!("memory {system} {bytes:.0} {handle}");
        }
        tasks => {
            let n = tasks.map_or(100_000, |t| t.parse().expect("task count"));
            let exe = std::env::current_exe().expect("own path");
            for system in SYSTEMS {
                let out = Command::new(&exe)
                    .args(["--system", system, &n.to_string()])
                    .output()
                    .expect("child process");
                print!("{}", String::from_utf8_lossy(&out.stdout));
                if !out.status.success() {
                    eprintln!("{system}: {}", String::from_utf8_lossy(&out.stderr));
                }
            }
        }
    }
}

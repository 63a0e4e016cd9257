//! Shared pieces of the side-by-side benchmarks; the benchmarks themselves are in
//! `benches/compare.rs`, the memory probe in `src/bin/memory.rs`. See BENCHMARKS.md.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::sync::Arc;
use std::thread::JoinHandle;

use async_executor::Executor;

/// A smol `Executor` run by `threads - 1` background threads plus the thread that calls
/// [`SmolPool::block_on`]: the "bare smol on threads" anchor, the same executor type runner
/// uses for `Send` tasks.
#[derive(Debug)]
pub struct SmolPool {
    /// The executor every thread runs.
    pub executor: Arc<Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl SmolPool {
    /// Starts `threads - 1` background threads running the executor.
    pub fn new(threads: usize) -> SmolPool {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let workers = (1..threads)
            .map(|_| {
                let executor = executor.clone();
                let stopped = stopped.clone();
                std::thread::spawn(move || {
                    let _ = async_io::block_on(executor.run(stopped.recv()));
                })
            })
            .collect();
        SmolPool {
            executor,
            stop: Some(stop),
            workers,
        }
    }

    /// Runs `future` on this thread while it also runs the executor's tasks.
    pub fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        async_io::block_on(self.executor.run(future))
    }
}

impl Drop for SmolPool {
    fn drop(&mut self) {
        drop(self.stop.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Bytes resident in this process's memory now, from `VmRSS` in `/proc/self/status`
/// (0 where that file does not exist).
pub fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

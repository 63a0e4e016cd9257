//! The tokio runtime a runner owns with the `tokio` feature: built at initialisation,
//! entered by every thread that works for the runner, shut down by close.
//!
//! Libraries built on tokio (reqwest, hyper, sqlx…) find tokio's runtime through a
//! thread-local that `tokio::runtime::Handle::enter` sets. The runner's tasks are only ever
//! polled and dropped on the runner's own threads (its thread during `run` and `close`, its
//! workers for their whole life), so each of those threads enters the runtime once, for as
//! long as it works for the runner, instead of once per poll: the hot path pays nothing.
//!
//! The runtime is tokio's multi-thread flavour with one worker. That worker drives tokio's
//! I/O and timers and runs what is `tokio::spawn`ed; the runner's threads only enter its
//! context, never its `block_on`, so `block_in_place` works on them (it then just runs the
//! closure) and in `tokio::spawn`ed tasks too (a current-thread runtime would panic there).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::{EnterGuard, Handle, Runtime};

/// A runner's tokio runtime, with a count of its live threads for close's report.
pub(crate) struct TokioRuntime {
    runtime: Runtime,
    /// Tokio's worker and blocking threads (`spawn_blocking`) still running.
    threads: Arc<AtomicUsize>,
}

impl TokioRuntime {
    /// Builds the runtime and starts its worker thread.
    pub(crate) fn start() -> TokioRuntime {
        let threads = Arc::new(AtomicUsize::new(0));
        let started = threads.clone();
        let stopped = threads.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("runner-tokio")
            // Tokio calls `on_thread_stop` before the thread lets its shutdown wait go: once
            // that wait succeeds the count is 0, and after a timeout it counts the stragglers.
            .on_thread_start(move || {
                started.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_stop(move || {
                stopped.fetch_sub(1, Ordering::SeqCst);
            })
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("runner could not start its tokio runtime: {error}"));
        TokioRuntime { runtime, threads }
    }

    /// The handle the runner's threads enter.
    pub(crate) fn handle(&self) -> &Handle {
        self.runtime.handle()
    }

    /// Shuts the runtime down: its tasks are dropped (on its worker thread), and its threads
    /// waited for, at most `timeout`. Returns how many threads were still running then.
    ///
    pub(crate) fn shut_down(self, timeout: Duration) -> usize {
        let TokioRuntime { runtime, threads } = self;
        // Tokio panics if this thread is inside one of its `block_on`s (a runner closed
        // from inside a tokio runtime): then it cannot wait, and the threads are counted.
        let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.shutdown_timeout(timeout)
        }));
        drop(waited);
        threads.load(Ordering::SeqCst)
    }
}

/// Enters `runtime`'s context on this thread until the guard drops; `None` enters nothing.
///
/// Guards nest: tokio wants them dropped in the reverse order they were made, which the
/// runner's scopes do (each is dropped before the scope that made it ends).
pub(crate) fn enter(runtime: Option<&Handle>) -> Option<EnterGuard<'_>> {
    runtime.map(Handle::enter)
}

/// Step 5b of close: shuts `runtime` down in what is left of `timeout` since `step_5`
/// began, and reports the tokio threads still running then, as step 5 reports jobs.
pub(crate) fn close(runtime: Option<TokioRuntime>, timeout: Duration, step_5: Instant) {
    let Some(runtime) = runtime else {
        return;
    };
    let left = timeout.saturating_sub(step_5.elapsed());
    let stuck = runtime.shut_down(left);
    if stuck > 0 {
        crate::debug::report(format_args!(
            "close gave up waiting after {timeout:?} for {stuck} tokio thread(s) (spawn_blocking \
             jobs, or tokio tasks being dropped): they are left running, detached"
        ));
    }
}

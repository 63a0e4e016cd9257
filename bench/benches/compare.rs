//! runner side by side with bare smol, tokio, `futures::executor` and pollster, in one run.
//!
//! Each group is one scenario and each benchmark in it one system, so `bench/report.py` can
//! put them in a table and divide. Run everything with `bench/run.sh`; see BENCHMARKS.md.
#![forbid(unsafe_code)]

use std::future::Future;
use std::time::Duration;

use async_executor::{Executor, LocalExecutor};
use divan::Bencher;
use futures_lite::future;
use runner::{Context, ContextVar, Runner};
use runner_bench::SmolPool;

fn main() {
    divan::main();
}

/// A runner as a program that owns its `Runner` builds it, Ctrl-C handling off.
fn runner_with(threads: usize, debug: bool) -> Runner {
    Runner::builder()
        .threads(threads)
        .debug(debug)
        .handle_signals([])
        .build()
}

fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio current_thread runtime")
}

fn tokio_multi_thread(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("tokio multi_thread runtime")
}

/// Build, run a future that is ready at once, close: the fixed cost of an entry point.
#[divan::bench_group(max_time = 1, sample_count = 1000)]
mod lifecycle {
    use super::*;

    /// `Runner::builder().handle_signals([]).build()`, `run`, `close`.
    #[divan::bench]
    fn runner_builder() {
        let mut runner = Runner::builder().handle_signals([]).build();
        runner.run(async {});
        runner.close();
    }

    /// `runner::run` with its defaults (Ctrl-C handling on, debug from `RUNNER_DEBUG`).
    #[divan::bench]
    fn runner_run() {
        runner::run(async {});
    }

    /// Bare smol: a `LocalExecutor` driven by `async_io::block_on`.
    #[divan::bench]
    fn smol_local() {
        let executor = LocalExecutor::new();
        async_io::block_on(executor.run(async {}));
    }

    /// Bare smol: an `Executor` driven by `async_io::block_on`.
    #[divan::bench]
    fn smol_executor() {
        let executor = Executor::new();
        async_io::block_on(executor.run(async {}));
    }

    /// `#[tokio::main(flavor = "current_thread")]`: current_thread with `enable_all`.
    #[divan::bench]
    fn tokio_current_thread() {
        super::tokio_current_thread().block_on(async {});
    }

    /// tokio current_thread without the I/O and time drivers.
    #[divan::bench]
    fn tokio_current_thread_bare() {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime")
            .block_on(async {});
    }

    /// `futures::executor::block_on`: no executor to build.
    #[divan::bench]
    fn futures_block_on() {
        futures_executor::block_on(async {});
    }

    /// `pollster::block_on`: no executor to build.
    #[divan::bench]
    fn pollster_block_on() {
        pollster::block_on(async {});
    }
}

/// Build, run a future that yields once (so the executor has to run and wake it), close:
/// the fixed cost when the main future cannot finish in its first poll.
#[divan::bench_group(max_time = 1, sample_count = 1000)]
mod lifecycle_yield {
    use super::*;

    /// `Runner::builder().handle_signals([]).build()`, `run`, `close`.
    #[divan::bench]
    fn runner_builder() {
        let mut runner = Runner::builder().handle_signals([]).build();
        runner.run(future::yield_now());
        runner.close();
    }

    /// `runner::run` with its defaults.
    #[divan::bench]
    fn runner_run() {
        runner::run(future::yield_now());
    }

    /// Bare smol: a `LocalExecutor` driven by `async_io::block_on`.
    #[divan::bench]
    fn smol_local() {
        let executor = LocalExecutor::new();
        async_io::block_on(executor.run(future::yield_now()));
    }

    /// Bare smol: an `Executor` driven by `async_io::block_on`.
    #[divan::bench]
    fn smol_executor() {
        let executor = Executor::new();
        async_io::block_on(executor.run(future::yield_now()));
    }

    /// tokio current_thread with `enable_all`.
    #[divan::bench]
    fn tokio_current_thread() {
        super::tokio_current_thread().block_on(tokio::task::yield_now());
    }

    /// tokio current_thread without the I/O and time drivers.
    #[divan::bench]
    fn tokio_current_thread_bare() {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime")
            .block_on(tokio::task::yield_now());
    }

    /// `futures::executor::block_on`.
    #[divan::bench]
    fn futures_block_on() {
        futures_executor::block_on(future::yield_now());
    }

    /// `pollster::block_on`.
    #[divan::bench]
    fn pollster_block_on() {
        pollster::block_on(future::yield_now());
    }
}

/// Task counts for the spawn benchmarks; the plot draws per-task cost against them.
const COUNTS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// Spawns `n` tasks that return at once with `$spawn`, then awaits them all.
macro_rules! spawn_await {
    ($n:expr, $spawn:expr, $await:expr) => {{
        let spawn = $spawn;
        let wait = $await;
        async move {
            let tasks: Vec<_> = (0..$n).map(|i: usize| spawn(async move { i })).collect();
            let mut sum = 0usize;
            for task in tasks {
                sum = sum.wrapping_add(wait(task).await);
            }
            sum
        }
    }};
}

/// Spawn and await `n` trivial tasks on one thread; time per iteration, divide by `n`.
#[divan::bench_group(max_time = 1)]
mod spawn {
    use super::*;

    /// `runner::spawn` (the `Send` executor), debug off: context copy, registry, panic capture.
    #[divan::bench(args = COUNTS)]
    fn runner(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| runner.run(spawn_await!(n, runner::spawn, |t| t)));
    }

    /// `runner::spawn` with debug mode on (spawn locations, slow-poll timing).
    #[divan::bench(args = COUNTS)]
    fn runner_debug(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(1, true);
        bencher.bench_local(|| runner.run(spawn_await!(n, runner::spawn, |t| t)));
    }

    /// `runner::spawn_local` (the runner thread's `LocalExecutor`), debug off.
    #[divan::bench(args = COUNTS)]
    fn runner_local(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| runner.run(spawn_await!(n, runner::spawn_local, |t| t)));
    }

    /// Bare smol `LocalExecutor` under `async_io::block_on`.
    #[divan::bench(args = COUNTS)]
    fn smol_local(bencher: Bencher<'_, '_>, n: usize) {
        let executor = LocalExecutor::new();
        bencher.bench_local(|| {
            async_io::block_on(executor.run(spawn_await!(n, |f| executor.spawn(f), |t| t)))
        });
    }

    /// Bare smol `Executor` (the type runner spawns `Send` tasks on) under `async_io::block_on`:
    /// spawn without any of runner's machinery.
    #[divan::bench(args = COUNTS)]
    fn smol_executor(bencher: Bencher<'_, '_>, n: usize) {
        let executor = Executor::new();
        bencher.bench_local(|| {
            async_io::block_on(executor.run(spawn_await!(n, |f| executor.spawn(f), |t| t)))
        });
    }

    /// tokio current_thread, `tokio::spawn`.
    #[divan::bench(args = COUNTS)]
    fn tokio_current_thread(bencher: Bencher<'_, '_>, n: usize) {
        let rt = super::tokio_current_thread();
        bencher.bench_local(|| {
            rt.block_on(spawn_await!(
                n,
                tokio::spawn,
                |t: tokio::task::JoinHandle<usize>| async move { t.await.expect("task") }
            ))
        });
    }
}

/// Spawn and await `n` trivial tasks with two threads running tasks.
#[divan::bench_group(max_time = 1)]
mod spawn_2_threads {
    use super::*;

    /// `Runner::builder().threads(2)`: the runner thread and one worker.
    #[divan::bench(args = COUNTS)]
    fn runner(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(2, false);
        bencher.bench_local(|| runner.run(spawn_await!(n, runner::spawn, |t| t)));
    }

    /// smol `Executor` run by this thread and one more.
    #[divan::bench(args = COUNTS)]
    fn smol_executor(bencher: Bencher<'_, '_>, n: usize) {
        let pool = SmolPool::new(2);
        let executor = pool.executor.clone();
        bencher.bench_local(|| pool.block_on(spawn_await!(n, |f| executor.spawn(f), |t| t)));
    }

    /// tokio multi_thread with two workers.
    #[divan::bench(args = COUNTS)]
    fn tokio_multi_thread(bencher: Bencher<'_, '_>, n: usize) {
        let rt = super::tokio_multi_thread(2);
        bencher.bench_local(|| {
            rt.block_on(spawn_await!(
                n,
                tokio::spawn,
                |t: tokio::task::JoinHandle<usize>| async move { t.await.expect("task") }
            ))
        });
    }
}

/// Round trips per iteration in the ping-pong benchmarks.
const ROUND_TRIPS: usize = 100_000;

/// The main future sends `ROUND_TRIPS` numbers to a task over a bounded channel of capacity
/// 1 and waits for each to come back on another.
#[divan::bench_group(max_time = 1)]
mod ping_pong {
    use super::*;

    pub(crate) async fn ping(
        spawn: impl FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send>>),
    ) -> usize {
        let (to_pong, from_ping) = async_channel::bounded::<usize>(1);
        let (to_ping, from_pong) = async_channel::bounded::<usize>(1);
        spawn(Box::pin(async move {
            while let Ok(n) = from_ping.recv().await {
                if to_ping.send(n + 1).await.is_err() {
                    break;
                }
            }
        }));
        let mut total = 0;
        for i in 0..ROUND_TRIPS {
            to_pong.send(i).await.expect("pong alive");
            total += from_pong.recv().await.expect("pong alive");
        }
        total
    }

    /// runner, async-channel, the pong side a `runner::spawn` task.
    #[divan::bench]
    fn runner(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| runner.run(ping(|f| runner::spawn(f).detach())));
    }

    /// Bare smol `LocalExecutor`, async-channel.
    #[divan::bench]
    fn smol_local(bencher: Bencher<'_, '_>) {
        let executor = LocalExecutor::new();
        bencher
            .bench_local(|| async_io::block_on(executor.run(ping(|f| executor.spawn(f).detach()))));
    }

    /// Bare smol `Executor`, async-channel.
    #[divan::bench]
    fn smol_executor(bencher: Bencher<'_, '_>) {
        let executor = Executor::new();
        bencher
            .bench_local(|| async_io::block_on(executor.run(ping(|f| executor.spawn(f).detach()))));
    }

    /// tokio current_thread, `tokio::sync::mpsc::channel(1)`.
    #[divan::bench]
    fn tokio_current_thread(bencher: Bencher<'_, '_>) {
        let rt = super::tokio_current_thread();
        bencher.bench_local(|| {
            rt.block_on(async {
                let (to_pong, mut from_ping) = tokio::sync::mpsc::channel::<usize>(1);
                let (to_ping, mut from_pong) = tokio::sync::mpsc::channel::<usize>(1);
                tokio::spawn(async move {
                    while let Some(n) = from_ping.recv().await {
                        if to_ping.send(n + 1).await.is_err() {
                            break;
                        }
                    }
                });
                let mut total = 0;
                for i in 0..ROUND_TRIPS {
                    to_pong.send(i).await.expect("pong alive");
                    total += from_pong.recv().await.expect("pong alive");
                }
                total
            })
        });
    }
}

/// Concurrent sleeps per iteration in the timer benchmarks.
const TIMERS: usize = 10_000;
const SLEEP: Duration = Duration::from_millis(1);

/// `TIMERS` tasks each sleep 1 ms; the time per iteration minus 1 ms is the overshoot.
#[divan::bench_group(max_time = 1)]
mod timers {
    use super::*;

    /// runner tasks sleeping on `async_io::Timer` (runner's timer driver).
    #[divan::bench]
    fn runner(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(spawn_await!(
                TIMERS,
                |f| runner::spawn(async move {
                    async_io::Timer::after(SLEEP).await;
                    f.await
                }),
                |t| t
            ))
        });
    }

    /// Bare smol `LocalExecutor` tasks sleeping on `async_io::Timer`.
    #[divan::bench]
    fn smol_local(bencher: Bencher<'_, '_>) {
        let executor = LocalExecutor::new();
        bencher.bench_local(|| {
            async_io::block_on(executor.run(spawn_await!(
                TIMERS,
                |f| executor.spawn(async move {
                    async_io::Timer::after(SLEEP).await;
                    f.await
                }),
                |t| t
            )))
        });
    }

    /// tokio current_thread tasks sleeping on `tokio::time::sleep`.
    #[divan::bench]
    fn tokio_current_thread(bencher: Bencher<'_, '_>) {
        let rt = super::tokio_current_thread();
        bencher.bench_local(|| {
            rt.block_on(spawn_await!(
                TIMERS,
                |f| tokio::spawn(async move {
                    tokio::time::sleep(SLEEP).await;
                    f.await
                }),
                |t: tokio::task::JoinHandle<usize>| async move { t.await.expect("task") }
            ))
        });
    }
}

/// Task counts for the task-group benchmarks.
const GROUP_COUNTS: [usize; 2] = [1_000, 100_000];

/// Spawning into a task group against `runner::spawn`: `n` trivial tasks on one thread,
/// all done by the end of the iteration.
/// The task list (issue 13): a snapshot of 10,000 idle tasks, and printing it. Target: under
/// 50 ms for the dump (snapshot + table + tree) in debug mode.
#[divan::bench_group(max_time = 3, sample_count = 20)]
mod task_list {
    use super::*;

    const IDLE: usize = 10_000;

    fn with_idle_tasks(debug: bool, measure: impl FnOnce(&runner::Handle)) {
        let mut runner = runner_with(1, debug);
        let handle = runner.handle();
        runner.run(async {
            for _ in 0..IDLE {
                runner::spawn(std::future::pending::<()>()).detach();
            }
            futures_lite::future::yield_now().await;
            measure(&handle);
        });
    }

    /// `Handle::tasks()` over 10,000 idle tasks, debug mode on: the snapshot only.
    #[divan::bench]
    fn snapshot_10k_idle(bencher: Bencher<'_, '_>) {
        with_idle_tasks(true, |handle| bencher.bench_local(|| handle.tasks()));
    }

    /// The whole dump: the snapshot, then the table and the tree as text.
    #[divan::bench]
    fn dump_10k_idle(bencher: Bencher<'_, '_>) {
        with_idle_tasks(true, |handle| {
            bencher.bench_local(|| handle.tasks().to_string().len())
        });
    }
}

#[divan::bench_group(max_time = 1)]
mod task_group {
    use super::*;

    /// `runner::spawn`, then await each handle (the baseline).
    #[divan::bench(args = GROUP_COUNTS)]
    fn runner_spawn(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| runner.run(spawn_await!(n, runner::spawn, |t| t)));
    }

    /// `group.spawn` inside `runner::task_group`, then await each `GroupTask` (the same
    /// shape as the baseline), the scope waiting for the children at the end.
    #[divan::bench(args = GROUP_COUNTS)]
    fn group_spawn_await(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(runner::task_group(|group| {
                spawn_await!(
                    n,
                    move |f| group.spawn(async move { Ok(f.await) }),
                    |t: runner::GroupTask<usize>| async move { t.await.unwrap_or(0) }
                )
            }))
        });
    }

    /// `group.spawn` of `()` children, nothing awaited but the scope: asyncio's way.
    #[divan::bench(args = GROUP_COUNTS)]
    fn group_spawn(bencher: Bencher<'_, '_>, n: usize) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(runner::task_group(|group| async move {
                for i in 0..n {
                    group.spawn(async move {
                        divan::black_box(i);
                    });
                }
            }))
        });
    }
}

/// The deadline of one timeout.
const DEADLINE: Duration = Duration::from_millis(1);

/// A 1 ms timeout around a future that never completes: the time per iteration minus 1 ms
/// is how late it fires, against the timer it is built on.
#[divan::bench_group(max_time = 1, sample_count = 200)]
mod timeout {
    use super::*;

    /// `runner::timeout(1 ms, pending)`.
    #[divan::bench]
    fn runner_timeout(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| runner.run(runner::timeout(DEADLINE, std::future::pending::<()>())));
    }

    /// `async_io::Timer::after(1 ms)`: the timer tick `runner::timeout` rests on.
    #[divan::bench]
    fn async_io_timer(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| runner.run(async_io::Timer::after(DEADLINE)));
    }

    /// `tokio::time::timeout(1 ms, pending)` on current_thread.
    #[divan::bench]
    fn tokio_timeout(bencher: Bencher<'_, '_>) {
        let rt = super::tokio_current_thread();
        bencher.bench_local(|| {
            // Made inside the runtime: tokio's timer needs its context at construction.
            rt.block_on(async {
                tokio::time::timeout(DEADLINE, std::future::pending::<()>()).await
            })
        });
    }
}

/// Blocking offloads per iteration in the unblock benchmarks.
const OFFLOADS: usize = 10_000;

/// Start `OFFLOADS` trivial blocking jobs, then await them all. Thread-pool start-up makes
/// these noisy, so they get more samples.
#[divan::bench_group(max_time = 3)]
mod unblock {
    use super::*;

    /// `runner::unblock`: tracked, runs in a copy of the caller's context.
    #[divan::bench]
    fn runner(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(spawn_await!(
                OFFLOADS,
                |f| {
                    drop(f);
                    runner::unblock(|| 1)
                },
                |t| t
            ))
        });
    }

    /// `blocking::unblock` under `async_io::block_on`: the pool runner offloads to.
    #[divan::bench]
    fn blocking_unblock(bencher: Bencher<'_, '_>) {
        bencher.bench_local(|| {
            async_io::block_on(spawn_await!(
                OFFLOADS,
                |f| {
                    drop(f);
                    blocking::unblock(|| 1)
                },
                |t| t
            ))
        });
    }

    /// tokio current_thread, `spawn_blocking`.
    #[divan::bench]
    fn tokio_spawn_blocking(bencher: Bencher<'_, '_>) {
        let rt = super::tokio_current_thread();
        bencher.bench_local(|| {
            rt.block_on(spawn_await!(
                OFFLOADS,
                |f| {
                    drop(f);
                    tokio::task::spawn_blocking(|| 1)
                },
                |t: tokio::task::JoinHandle<usize>| async move { t.await.expect("job") }
            ))
        });
    }
}

/// Blocking offloads per iteration in the sequential unblock benchmarks.
const SEQUENTIAL_OFFLOADS: usize = 1_000;

/// `SEQUENTIAL_OFFLOADS` trivial blocking jobs, each awaited before the next starts: the
/// round trip through a warm pool, without the thread start-up that dominates `unblock`.
#[divan::bench_group(max_time = 1)]
mod unblock_sequential {
    use super::*;

    /// `runner::unblock`, one job at a time.
    #[divan::bench]
    fn runner(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(async {
                let mut sum = 0usize;
                for i in 0..SEQUENTIAL_OFFLOADS {
                    sum += runner::unblock(move || i).await;
                }
                sum
            })
        });
    }

    /// `blocking::unblock` under `async_io::block_on`, one job at a time.
    #[divan::bench]
    fn blocking_unblock(bencher: Bencher<'_, '_>) {
        bencher.bench_local(|| {
            async_io::block_on(async {
                let mut sum = 0usize;
                for i in 0..SEQUENTIAL_OFFLOADS {
                    sum += blocking::unblock(move || i).await;
                }
                sum
            })
        });
    }

    /// tokio current_thread, `spawn_blocking`, one job at a time.
    #[divan::bench]
    fn tokio_spawn_blocking(bencher: Bencher<'_, '_>) {
        let rt = super::tokio_current_thread();
        bencher.bench_local(|| {
            rt.block_on(async {
                let mut sum = 0usize;
                for i in 0..SEQUENTIAL_OFFLOADS {
                    sum += tokio::task::spawn_blocking(move || i).await.expect("job");
                }
                sum
            })
        });
    }
}

/// Tasks per iteration in the poll benchmark, and the times each yields.
const POLLED_TASKS: usize = 10_000;
const YIELDS: usize = 10;

/// Context variables: what a snapshot costs, and what a task that never touches one pays.
#[divan::bench_group(max_time = 1)]
mod context {
    use super::*;

    /// `Context::current()` with `n` variables set: O(1), whatever `n`.
    #[divan::bench(args = [1, 10_000], sample_count = 1000)]
    fn current(bencher: Bencher<'_, '_>, n: usize) {
        let vars: Vec<ContextVar<usize>> = (0..n).map(|_| ContextVar::new("var")).collect();
        Context::empty().run(|| {
            for (i, var) in vars.iter().enumerate() {
                let _token = var.set(i);
            }
            assert_eq!(Context::current().len(), n);
            bencher.bench_local(Context::current);
        });
    }

    async fn yielding(i: usize) -> usize {
        for _ in 0..YIELDS {
            future::yield_now().await;
        }
        i
    }

    /// `POLLED_TASKS` tasks that yield `YIELDS` times and touch no variable, on runner,
    /// spawned where no variable is set: a poll finds the thread's context already the
    /// task's, and swaps nothing.
    #[divan::bench]
    fn poll_runner(bencher: Bencher<'_, '_>) {
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(spawn_await!(
                POLLED_TASKS,
                |f| runner::spawn(async move { yielding(f.await).await }),
                |t| t
            ))
        });
    }

    /// The same tasks spawned where a variable is set: they never touch it, but each poll
    /// swaps their context (which holds it) in and out of the thread.
    #[divan::bench]
    fn poll_runner_in_context(bencher: Bencher<'_, '_>) {
        static REQUEST: ContextVar<u64> = ContextVar::new("request");
        let mut runner = runner_with(1, false);
        bencher.bench_local(|| {
            runner.run(async {
                let _token = REQUEST.set(7);
                spawn_await!(
                    POLLED_TASKS,
                    |f| runner::spawn(async move { yielding(f.await).await }),
                    |t| t
                )
                .await
            })
        });
    }

    /// The same tasks on a bare smol `Executor`: no context machinery.
    #[divan::bench]
    fn poll_smol_executor(bencher: Bencher<'_, '_>) {
        let executor = Executor::new();
        bencher.bench_local(|| {
            async_io::block_on(executor.run(spawn_await!(
                POLLED_TASKS,
                |f| executor.spawn(async move { yielding(f.await).await }),
                |t| t
            )))
        });
    }
}

/// What runner's `tokio` feature costs: the same benchmarks on a runner that owns a tokio
/// runtime (`tokio(true)`, the default with the feature) and on one that does not
/// (`tokio(false)`), in one build with the feature on (`bench/run.sh` builds it apart, in
/// `target/tokio-feature`). Run with `--features tokio`.
#[cfg(feature = "tokio")]
#[divan::bench_group(max_time = 1)]
mod tokio_feature {
    use super::*;

    fn runner(threads: usize, tokio: bool) -> Runner {
        Runner::builder()
            .threads(threads)
            .debug(false)
            .handle_signals([])
            .tokio(tokio)
            .build()
    }

    /// Build, run a ready future, close: the runtime is built and shut down each time.
    #[divan::bench(args = [false, true], sample_count = 200)]
    fn lifecycle(tokio: bool) {
        let mut runner = runner(1, tokio);
        runner.run(async {});
        runner.close();
    }

    /// 10,000 `runner::spawn` tasks spawned and awaited on one thread.
    #[divan::bench(args = [false, true])]
    fn spawn(bencher: Bencher<'_, '_>, tokio: bool) {
        let mut runner = runner(1, tokio);
        bencher.bench_local(|| runner.run(spawn_await!(10_000, runner::spawn, |t| t)));
    }

    /// The same with two threads (the runner's and one worker, both inside the runtime).
    #[divan::bench(args = [false, true])]
    fn spawn_2_threads(bencher: Bencher<'_, '_>, tokio: bool) {
        let mut runner = runner(2, tokio);
        bencher.bench_local(|| runner.run(spawn_await!(10_000, runner::spawn, |t| t)));
    }

    /// The ping-pong benchmark's 100,000 round trips.
    #[divan::bench(args = [false, true])]
    fn ping_pong(bencher: Bencher<'_, '_>, tokio: bool) {
        let mut runner = runner(1, tokio);
        bencher.bench_local(|| runner.run(super::ping_pong::ping(|f| runner::spawn(f).detach())));
    }
}

//! Many runner lifecycles with every kind of task, for valgrind: nothing may leak, nothing may
//! touch freed memory.
//!
//! Each lifecycle builds a runner, runs a main future that awaits a task, a `spawn_local`
//! task and a blocking job, cancels a task by dropping its handle, leaves tasks pending for
//! close to cancel (one of them with a destructor that panics), and now and then lets a task
//! panic unobserved, starts worker threads, hands out a `Handle`, and uses the default Ctrl-C
//! handling. Then a close with many pending tasks, and one with a blocking job that outlives
//! `shutdown_timeout`. It prints its figures and fails when a destructor did not run once.
//!
//! ```text
//! cargo run --release --example stress_lifecycle -- 2000
//! valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
//!     target/release/examples/stress_lifecycle 300
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use runner::{Runner, UnhandledPanic};

static CREATED: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// Counts its creation and its drop; panics in its drop when asked to.
struct Guard {
    panics: bool,
}

impl Guard {
    fn new(panics: bool) -> Guard {
        CREATED.fetch_add(1, Ordering::SeqCst);
        Guard { panics }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
        if self.panics {
            panic!("a destructor that fails during close, on purpose");
        }
    }
}

/// A task that holds `guard` and never finishes by itself.
async fn pending_with(guard: Guard) {
    let _guard = guard;
    std::future::pending::<()>().await
}

fn one_lifecycle(i: usize) {
    let mut builder = Runner::builder()
        .debug(i % 10 == 0)
        .unhandled_panic(UnhandledPanic::Ignore)
        .handle_ctrl_c(i % 7 == 0);
    if i % 5 == 0 {
        builder = builder.threads(3);
    }
    let mut runner = builder.build();
    // A task spawned through a handle before the first run.
    let early = runner.handle().spawn(async { 1 });
    let sum = runner.run(async move {
        let awaited = runner::spawn(async { 2 });
        let local = runner::spawn_local(async { 3 });
        let job = runner::unblock(|| 4);
        // Cancelled now, by dropping its handle.
        drop(runner::spawn(pending_with(Guard::new(false))));
        // Left pending: close cancels it.
        runner::spawn(pending_with(Guard::new(false))).detach();
        runner::spawn_local(pending_with(Guard::new(false))).detach();
        // A task with cleanup: close signals it and waits for it.
        let guard = Guard::new(false);
        runner::spawn(async move {
            let _guard = guard;
            runner::shutdown_requested().await;
            futures_lite::future::yield_now().await;
        })
        .detach();
        if i % 3 == 0 {
            runner::spawn(async { panic!("a task's panic nobody awaits, on purpose") }).detach();
        }
        if i % 11 == 0 {
            runner::spawn(pending_with(Guard::new(true))).detach();
        }
        awaited.await + local.await + job.await + early.await
    });
    assert_eq!(sum, 10);
    runner.close();
}

fn main() -> ExitCode {
    let lifecycles: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(2_000);
    // Panics happen here on purpose, hundreds of times: keep stderr for real problems.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();

    // 1. Many lifecycles.
    for i in 0..lifecycles {
        one_lifecycle(i);
    }

    // 2. Close with many pending tasks, on three threads.
    let pending = 10_000;
    let mut runner = Runner::builder().threads(3).build();
    runner.run(async move {
        for _ in 0..pending {
            runner::spawn(pending_with(Guard::new(false))).detach();
        }
        futures_lite::future::yield_now().await;
    });
    runner.close();

    // 3. A blocking job that outlives shutdown_timeout: close names it and leaves it; it
    //    finishes before the process ends, so its thread's memory is accounted for.
    let finished = Arc::new(AtomicBool::new(false));
    let mut runner = Runner::builder()
        .shutdown_timeout(Duration::from_millis(50))
        .build();
    let f = finished.clone();
    runner.run(async move {
        runner::unblock(move || {
            std::thread::sleep(Duration::from_millis(200));
            f.store(true, Ordering::SeqCst);
        })
        .detach();
    });
    runner.close();
    while !finished.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }

    let created = CREATED.load(Ordering::SeqCst);
    let dropped = DROPPED.load(Ordering::SeqCst);
    println!(
        "stress_lifecycle: {lifecycles} lifecycles and a close with {pending} pending tasks in \
         {:.2?}; guards created {created}, dropped {dropped}",
        started.elapsed()
    );
    if created == dropped {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "stress_lifecycle: {} destructors did not run",
            created - dropped
        );
        ExitCode::FAILURE
    }
}

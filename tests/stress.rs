//! Stress: many lifecycles, many threads, many pending tasks, every fault at once, and
//! nothing lost — no destructor skipped or run twice, no thread left behind, no memory growth.
//!
//! Each test prints its figures (run with `--nocapture` to see them); RELIABILITY.md quotes
//! them. Tests that measure the whole process (resident memory, thread list, stderr) run in a
//! child process of their own, so that the other tests of this binary cannot disturb them.
//! The counts are the same in debug and release builds.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use runner::{Runner, UnhandledPanic};

/// Lifecycles in `lifecycles_keep_memory_and_threads_flat`.
const LIFECYCLES: usize = 100_000;
/// Threads in `thirty_two_threads_create_use_and_close_runners_concurrently`.
const THREADS: usize = 32;
/// Lifecycles per thread there.
const LIFECYCLES_PER_THREAD: usize = 1_000;
/// Pending tasks in `close_with_a_million_pending_tasks_runs_every_destructor_once`.
const PENDING_TASKS: usize = 1_000_000;

/// Counts its own creation and destruction, so that a lost or repeated cleanup shows.
struct Guard {
    dropped: &'static AtomicUsize,
}

impl Guard {
    fn new(created: &'static AtomicUsize, dropped: &'static AtomicUsize) -> Guard {
        created.fetch_add(1, Ordering::Relaxed);
        Guard { dropped }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// The process's resident memory in KiB, from `/proc/self/status`.
fn vm_rss_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Threads that live for the whole process once started, whoever started them: the
/// `async-io` reactor and the idle threads of the global `blocking` pool.
fn is_process_pool_thread(name: &str) -> bool {
    name == "async-io" || name.starts_with("blocking-")
}

/// The thread names in `after` that are not in `before` (as multisets), pool threads aside.
fn threads_left_behind(before: &[String], after: &[String]) -> Vec<String> {
    let mut before = before.to_vec();
    let mut left = Vec::new();
    for name in after {
        if let Some(i) = before.iter().position(|b| b == name) {
            before.swap_remove(i);
        } else if !is_process_pool_thread(name) {
            left.push(name.clone());
        }
    }
    left
}

/// One lifecycle with a bit of everything: an awaited task, a `spawn_local` task, a task
/// cancelled by dropping its handle, a task left pending for close to cancel, a blocking job,
/// and now and then a panicking task, worker threads, a task spawned through a handle before
/// initialisation, and the default Ctrl-C handling.
fn one_lifecycle(i: usize, created: &'static AtomicUsize, dropped: &'static AtomicUsize) {
    let mut builder = Runner::builder()
        .debug(false)
        .unhandled_panic(UnhandledPanic::Ignore)
        .handle_ctrl_c(i % 64 == 0);
    if i % 32 == 0 {
        builder = builder.threads(2);
    }
    let mut runner = builder.build();
    let early = (i % 8 == 0).then(|| runner.handle().spawn(async { 1 }));
    let sum = runner.run(async move {
        let awaited = runner::spawn(async { 2 });
        let local = runner::spawn_local(async { 3 });
        let guard = Guard::new(created, dropped);
        drop(runner::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
        let guard = Guard::new(created, dropped);
        runner::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        })
        .detach();
        if i % 100 == 0 {
            runner::spawn(async { panic!("a task's panic, ignored by policy") }).detach();
        }
        let job = runner::unblock(|| 4);
        awaited.await + local.await + job.await
    });
    assert_eq!(sum, 9);
    if let Some(early) = early {
        assert_eq!(runner.run(early), 1);
    }
    runner.close();
}

#[test]
fn lifecycles_keep_memory_and_threads_flat() {
    const NAME: &str = "lifecycles_keep_memory_and_threads_flat";
    if !common::is_child() {
        let output = common::run_child(NAME, &[]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        print!("{stdout}");
        assert!(output.status.success(), "{}", common::stderr_of(&output));
        assert!(stdout.contains("lifecycles: all"), "{stdout}");
        return;
    }
    static CREATED: AtomicUsize = AtomicUsize::new(0);
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    // 1 in 100 lifecycles has a task that panics on purpose: keep stderr quiet.
    std::panic::set_hook(Box::new(|_| {}));

    let threads_before = common::thread_names();
    let started = Instant::now();
    let rss_start = vm_rss_kib();
    let mut rss_10k = 0;
    for i in 0..LIFECYCLES {
        one_lifecycle(i, &CREATED, &DROPPED);
        if i + 1 == 10_000 {
            rss_10k = vm_rss_kib();
        }
    }
    let rss_end = vm_rss_kib();
    let took = started.elapsed();

    // A joined thread can linger in /proc for a moment after join returns.
    let mut left = Vec::new();
    for _ in 0..100 {
        left = threads_left_behind(&threads_before, &common::thread_names());
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let threads_after = common::thread_names();
    let pool_threads = threads_after
        .iter()
        .filter(|name| is_process_pool_thread(name))
        .count();

    println!(
        "lifecycles: all {LIFECYCLES} in {took:.2?} ({:.1} µs each)",
        took.as_secs_f64() * 1e6 / LIFECYCLES as f64
    );
    println!(
        "lifecycles: VmRSS start {rss_start} KiB, after 10k {rss_10k} KiB, after all {rss_end} KiB \
         (growth after 10k: {} KiB)",
        rss_end as i64 - rss_10k as i64
    );
    println!(
        "lifecycles: threads before {}, after {} ({pool_threads} of them async-io/blocking pool \
         threads), left behind {left:?}",
        threads_before.len(),
        threads_after.len()
    );
    println!(
        "lifecycles: guards created {}, dropped {}",
        CREATED.load(Ordering::SeqCst),
        DROPPED.load(Ordering::SeqCst)
    );

    assert!(left.is_empty(), "threads left behind: {left:?}");
    assert_eq!(CREATED.load(Ordering::SeqCst), 2 * LIFECYCLES);
    assert_eq!(DROPPED.load(Ordering::SeqCst), 2 * LIFECYCLES);
    // 90,000 lifecycles after the first 10,000 must not grow the process by more than 8 MiB
    // (a leak of 100 bytes per lifecycle would be 9 MiB).
    assert!(
        rss_end.saturating_sub(rss_10k) < 8 * 1024,
        "resident memory grew from {rss_10k} KiB to {rss_end} KiB"
    );
}

#[test]
fn thirty_two_threads_create_use_and_close_runners_concurrently() {
    static CREATED: AtomicUsize = AtomicUsize::new(0);
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    static SUM: AtomicUsize = AtomicUsize::new(0);
    static CLEANED: AtomicUsize = AtomicUsize::new(0);

    let started = Instant::now();
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::Builder::new()
                .name(format!("stress-{t}"))
                .spawn(move || {
                    barrier.wait();
                    for i in 0..LIFECYCLES_PER_THREAD {
                        let mut runner = Runner::builder()
                            .debug(false)
                            .threads(if i % 10 == 0 { 2 } else { 1 })
                            .build();
                        // A handle used from another thread while this one runs the runner.
                        let handle = runner.handle();
                        let from_outside =
                            std::thread::scope(|s| s.spawn(|| handle.spawn(async { 1 })).join())
                                .expect("spawned through the handle");
                        let value = runner.run(async move {
                            let tasks: Vec<_> =
                                (0..10).map(|k| runner::spawn(async move { k })).collect();
                            let mut sum = from_outside.await;
                            for task in tasks {
                                sum += task.await;
                            }
                            let guard = Guard::new(&CREATED, &DROPPED);
                            runner::spawn(async move {
                                let _guard = guard;
                                runner::shutdown_requested().await;
                                CLEANED.fetch_add(1, Ordering::Relaxed);
                            })
                            .detach();
                            sum + runner::unblock(|| 1).await
                        });
                        assert_eq!(value, 47);
                        SUM.fetch_add(value, Ordering::Relaxed);
                        runner.close();
                        assert!(handle.is_closed());
                    }
                })
                .expect("start a stress thread")
        })
        .collect();
    for thread in threads {
        thread.join().expect("a stress thread panicked");
    }
    let took = started.elapsed();
    let total = THREADS * LIFECYCLES_PER_THREAD;
    println!(
        "concurrent: {THREADS} threads x {LIFECYCLES_PER_THREAD} lifecycles = {total} in {took:.2?}; \
         sum {} (expected {}), cleanups {}, guards created {}, dropped {}",
        SUM.load(Ordering::SeqCst),
        47 * total,
        CLEANED.load(Ordering::SeqCst),
        CREATED.load(Ordering::SeqCst),
        DROPPED.load(Ordering::SeqCst),
    );
    assert_eq!(SUM.load(Ordering::SeqCst), 47 * total);
    assert_eq!(CLEANED.load(Ordering::SeqCst), total);
    assert_eq!(CREATED.load(Ordering::SeqCst), total);
    assert_eq!(DROPPED.load(Ordering::SeqCst), total);
}

#[test]
fn close_with_a_million_pending_tasks_runs_every_destructor_once() {
    /// Marks its own slot when dropped: each slot must end at exactly 1.
    struct Slot {
        drops: Arc<Vec<AtomicU8>>,
        index: usize,
    }
    impl Drop for Slot {
        fn drop(&mut self) {
            self.drops[self.index].fetch_add(1, Ordering::Relaxed);
        }
    }

    let drops: Arc<Vec<AtomicU8>> =
        Arc::new((0..PENDING_TASKS).map(|_| AtomicU8::new(0)).collect());
    let polled = Arc::new(AtomicUsize::new(0));
    let mut runner = Runner::builder().debug(false).threads(2).build();
    let started = Instant::now();
    let (d, p) = (drops.clone(), polled.clone());
    runner.run(async move {
        // Half the tasks are polled once and park (their wakers stored); the other half are
        // still queued, never polled, when close comes.
        let half = PENDING_TASKS / 2;
        for index in 0..PENDING_TASKS {
            let slot = Slot {
                drops: d.clone(),
                index,
            };
            let polled = p.clone();
            runner::spawn(async move {
                let _slot = slot;
                polled.fetch_add(1, Ordering::Relaxed);
                std::future::pending::<()>().await
            })
            .detach();
            if index + 1 == half {
                while p.load(Ordering::Relaxed) < half {
                    futures_lite::future::yield_now().await;
                }
            }
        }
    });
    let spawned = started.elapsed();
    let polled_before_close = polled.load(Ordering::SeqCst);
    let dropped_before_close = drops
        .iter()
        .filter(|d| d.load(Ordering::Relaxed) != 0)
        .count();
    let started = Instant::now();
    runner.close();
    let closed = started.elapsed();

    let mut once = 0;
    let mut never = 0;
    let mut more = 0;
    for d in drops.iter() {
        match d.load(Ordering::Relaxed) {
            0 => never += 1,
            1 => once += 1,
            _ => more += 1,
        }
    }
    println!(
        "pending: {PENDING_TASKS} tasks spawned in {spawned:.2?} ({polled_before_close} polled \
         before close); close took {closed:.2?}; destructors run once {once}, never {never}, \
         more than once {more}"
    );
    assert_eq!(dropped_before_close, 0, "nothing dropped before close");
    assert!(polled_before_close >= PENDING_TASKS / 2);
    assert_eq!((once, never, more), (PENDING_TASKS, 0, 0));
}

#[test]
fn close_under_every_fault_at_once() {
    const NAME: &str = "close_under_every_fault_at_once";
    const TASKS: usize = 10_000;
    const PANICKY: usize = 100;
    if !common::is_child() {
        let output = common::run_child(NAME, &[]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = common::stderr_of(&output);
        print!("{stdout}");
        assert!(
            output.status.success(),
            "the process did not abort: {stderr}"
        );
        assert!(stdout.contains("faults: close took"), "{stdout}");
        let destructor_reports = stderr
            .matches("[runner] the destructor of the task spawned at tests/stress.rs:")
            .count();
        let job_reports = stderr
            .matches("for 1 blocking job(s); they are left running, detached:")
            .count();
        println!(
            "faults: {destructor_reports} destructor panics reported, {job_reports} stuck job named"
        );
        assert_eq!(destructor_reports, PANICKY, "each reported once: {stderr}");
        assert_eq!(job_reports, 1, "{stderr}");
        let stuck_job = stderr.lines().any(|line| {
            line.starts_with('#')
                && line.contains("running for")
                && line.contains("tests/stress.rs:")
        });
        assert!(stuck_job, "the job's row names its location: {stderr}");
        return;
    }

    /// Counts its drop, and panics in it when told to.
    struct Fragile {
        panics: bool,
    }
    impl Drop for Fragile {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
            if self.panics {
                panic!("destructor failed on purpose");
            }
        }
    }
    static DROPPED: AtomicUsize = AtomicUsize::new(0);

    let release = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spins = Arc::new(AtomicUsize::new(0));
    let mut runner = Runner::builder()
        .debug(false)
        .threads(2)
        .shutdown_grace(Duration::from_millis(200))
        .shutdown_timeout(Duration::from_millis(300))
        .build();
    let (gate, s) = (release.clone(), spins.clone());
    let value = runner.run(async move {
        for i in 0..TASKS {
            let fragile = Fragile {
                panics: i % (TASKS / PANICKY) == 0,
            };
            runner::spawn(async move {
                let _fragile = fragile;
                std::future::pending::<()>().await
            })
            .detach();
        }
        // A task that wakes itself forever.
        runner::spawn(async move {
            loop {
                s.fetch_add(1, Ordering::Relaxed);
                futures_lite::future::yield_now().await;
            }
        })
        .detach();
        // A task whose cleanup never ends: the grace period runs out.
        runner::spawn(async {
            runner::shutdown_requested().await;
            std::future::pending::<()>().await
        })
        .detach();
        // A blocking job that never ends (until released after close).
        runner::unblock(move || {
            while !gate.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .detach();
        async_io::Timer::after(Duration::from_millis(20)).await;
        "run's result"
    });
    let started = Instant::now();
    runner.close();
    let took = started.elapsed();
    release.store(true, Ordering::SeqCst);
    let spins_at_close = spins.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(20));
    println!(
        "faults: close took {took:.2?} (grace 200ms + timeout 300ms); {} of {TASKS} destructors \
         ran, {PANICKY} of them panicked; the self-waking task was polled {spins_at_close} times \
         and not after close",
        DROPPED.load(Ordering::SeqCst)
    );
    assert_eq!(value, "run's result");
    assert_eq!(DROPPED.load(Ordering::SeqCst), TASKS);
    assert_eq!(spins.load(Ordering::SeqCst), spins_at_close);
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn a_task_spawned_through_a_handle_while_close_waits_for_jobs_is_refused_or_cancelled() {
    // Another thread (here: a blocking job, which close waits for in step 5) spawns through a
    // Handle after close has cancelled every task (step 3) but before the runner is closed.
    // The task must be refused (Handle::spawn panics) or cancelled before close returns; it
    // must not sit in an executor that will never run again, its destructor never called.
    static CANCELLED_AT_CLOSE: AtomicUsize = AtomicUsize::new(0);
    static LATE_DROPPED: AtomicUsize = AtomicUsize::new(0);
    struct Counts(&'static AtomicUsize);
    impl Drop for Counts {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    let mut runner = Runner::builder().debug(false).build();
    let handle = runner.handle();
    let refused = Arc::new(std::sync::Mutex::new(None::<bool>));
    let r = refused.clone();
    runner.run(async move {
        let counts = Counts(&CANCELLED_AT_CLOSE);
        runner::spawn(async move {
            let _counts = counts;
            std::future::pending::<()>().await
        })
        .detach();
        runner::unblock(move || {
            // Step 3 has cancelled the task above; let close move on to step 5.
            while CANCELLED_AT_CLOSE.load(Ordering::SeqCst) == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(50));
            let spawned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                // Made before the spawn, so that it exists even if the task is never polled.
                let counts = Counts(&LATE_DROPPED);
                handle
                    .spawn(async move {
                        let _counts = counts;
                        std::future::pending::<()>().await
                    })
                    .detach();
            }));
            *r.lock().unwrap() = Some(spawned.is_err());
        })
        .detach();
    });
    runner.close();
    let late_dropped = LATE_DROPPED.load(Ordering::SeqCst);
    let refused = refused
        .lock()
        .unwrap()
        .expect("the job ran before close returned");
    println!("late spawn during close: refused {refused}, its destructor ran {late_dropped} times");
    assert!(
        refused || late_dropped == 1,
        "a task spawned through a Handle during close was accepted but never run nor dropped: \
         its destructor is lost and the task leaks (runner-core shutdown.rs, see RELIABILITY.md)"
    );
}

#[test]
fn strange_runner_debug_values_never_panic() {
    const NAME: &str = "strange_runner_debug_values_never_panic";
    if common::is_child() {
        let mut runner = Runner::new();
        let debug = runner.run(async { runner::Handle::current().is_debug() });
        println!("debug={debug}");
        return;
    }
    use std::os::unix::ffi::OsStrExt;
    let long = "x".repeat(100_000);
    let values: [&[u8]; 6] = [b"yes", b" 0", b"00", b"\xff\xfe", b"1\n", long.as_bytes()];
    for value in values {
        let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(common::CHILD_ENV, "1")
            .env("RUNNER_DEBUG", std::ffi::OsStr::from_bytes(value))
            .output()
            .expect("start the child test process");
        let shown = String::from_utf8_lossy(&value[..value.len().min(8)]).into_owned();
        assert!(
            output.status.success(),
            "RUNNER_DEBUG={shown:?}: {}",
            common::stderr_of(&output)
        );
        // Set, non-empty and not "0": on.
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("debug=true"),
            "RUNNER_DEBUG={shown:?}"
        );
    }
    println!(
        "RUNNER_DEBUG: {} strange values, no panic, all read as on",
        values.len()
    );
}

/// Rounds in `runners_sharing_one_executor_spawn_and_close_concurrently`, for each count of
/// runners.
const SHARED_EXECUTOR_ROUNDS: usize = 1_000;

#[test]
fn runners_sharing_one_executor_spawn_and_close_concurrently() {
    static CREATED: AtomicUsize = AtomicUsize::new(0);
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    for runners in [2, 4] {
        let started = Instant::now();
        for round in 0..SHARED_EXECUTOR_ROUNDS {
            let executor = Arc::new(async_executor::Executor::new());
            let (finished, all_finished) = std::sync::mpsc::channel();
            for _ in 0..runners {
                let executor = executor.clone();
                let finished = finished.clone();
                std::thread::spawn(move || {
                    let mut r = Runner::builder().factory(move || executor).build();
                    r.run(async {
                        for kind in 0..8 {
                            let guard = Guard::new(&CREATED, &DROPPED);
                            let task = async move {
                                let _guard = guard;
                                match kind % 4 {
                                    0 => std::future::pending::<()>().await,
                                    1 => {
                                        runner::shutdown_requested().await;
                                        async_io::Timer::after(Duration::from_micros(200)).await;
                                    }
                                    // A first poll slow enough to be running on another
                                    // runner's thread while this runner closes.
                                    2 => {
                                        std::thread::sleep(Duration::from_micros(100));
                                        std::future::pending::<()>().await
                                    }
                                    _ => futures_lite::future::yield_now().await,
                                }
                            };
                            runner::spawn(task).detach();
                        }
                        futures_lite::future::yield_now().await;
                    });
                    r.close();
                    let _ = finished.send(());
                });
            }
            for _ in 0..runners {
                all_finished
                    .recv_timeout(Duration::from_secs(30))
                    .unwrap_or_else(|_| {
                        panic!("round {round} with {runners} runners hangs: a close never returned")
                    });
            }
            assert_eq!(
                CREATED.load(Ordering::SeqCst),
                DROPPED.load(Ordering::SeqCst),
                "round {round} with {runners} runners: every task's destructor ran once"
            );
        }
        println!(
            "{runners} runners on one executor: {SHARED_EXECUTOR_ROUNDS} rounds of concurrent \
             spawn and close in {:.1?}, {} tasks, every destructor run once",
            started.elapsed(),
            CREATED.load(Ordering::SeqCst)
        );
    }
}

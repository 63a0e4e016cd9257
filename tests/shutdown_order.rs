//! The shutdown sequence: signal, grace, cancel, blocking jobs, release — in that order,
//! observed through Drop guards, atomics and an event log.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runner::{ContextVar, Runner};

type Log = Arc<Mutex<Vec<String>>>;

fn log_line(log: &Log, line: impl Into<String>) {
    log.lock().unwrap().push(line.into());
}

/// Records when it is dropped, and on which thread.
struct DropGuard {
    name: &'static str,
    log: Log,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let thread = std::thread::current().name().unwrap_or("?").to_owned();
        log_line(&self.log, format!("drop {} on {thread}", self.name));
    }
}

#[test]
fn close_runs_the_steps_in_order() {
    let log: Log = Arc::default();
    let mut r = Runner::builder().threads(3).build();
    let l = log.clone();
    r.run(async move {
        // A task that asks for the signal and cleans up during the grace period, using a
        // timer: the executor (and its timers) keep running while it does.
        let cleanup_log = l.clone();
        runner::spawn(async move {
            runner::shutdown_requested().await;
            log_line(&cleanup_log, "cleanup started");
            async_io::Timer::after(Duration::from_millis(50)).await;
            log_line(&cleanup_log, "cleanup finished");
        })
        .detach();
        // A task that never asks: it is cancelled, not waited for.
        let guard = DropGuard {
            name: "idle task",
            log: l.clone(),
        };
        runner::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        })
        .detach();
        // A blocking job that close waits for.
        let job_log = l.clone();
        runner::unblock(move || {
            std::thread::sleep(Duration::from_millis(100));
            log_line(&job_log, "blocking job finished");
        })
        .detach();
        futures_lite::future::yield_now().await;
    });
    log_line(&log, "close called");
    r.close();
    log_line(&log, "close returned");

    let log = log.lock().unwrap().clone();
    let main_thread = std::thread::current().name().unwrap_or("?").to_owned();
    let position = |line: &str| {
        log.iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line:?} missing from {log:#?}"))
    };
    let close_called = position("close called");
    let cleanup_started = position("cleanup started");
    let cleanup_finished = position("cleanup finished");
    let idle_dropped = position(&format!("drop idle task on {main_thread}"));
    let job_finished = position("blocking job finished");
    let close_returned = position("close returned");
    assert!(close_called < cleanup_started, "{log:#?}");
    assert!(cleanup_started < cleanup_finished, "{log:#?}");
    assert!(
        cleanup_finished < idle_dropped,
        "grace before cancel: {log:#?}"
    );
    assert!(idle_dropped < close_returned, "{log:#?}");
    assert!(
        job_finished < close_returned,
        "blocking jobs waited for: {log:#?}"
    );
}

#[test]
fn cancelled_tasks_are_dropped_on_the_runner_thread_inside_their_context() {
    static REQUEST: ContextVar<u32> = ContextVar::new("request");
    static SEEN_IN_DROP: Mutex<Vec<(Option<u32>, bool)>> = Mutex::new(Vec::new());

    struct SeesContext;
    impl Drop for SeesContext {
        fn drop(&mut self) {
            let on_runner_thread = std::thread::current().name() != Some("runner-worker-0");
            SEEN_IN_DROP
                .lock()
                .unwrap()
                .push((REQUEST.get(), on_runner_thread));
        }
    }

    let mut r = Runner::builder().threads(2).build();
    r.run(async {
        for i in 0..50 {
            REQUEST.set(i);
            runner::spawn(async {
                let _guard = SeesContext;
                std::future::pending::<()>().await;
            })
            .detach();
        }
        // Let the workers pick some up.
        async_io::Timer::after(Duration::from_millis(20)).await;
    });
    assert!(SEEN_IN_DROP.lock().unwrap().is_empty());
    r.close();
    let seen = SEEN_IN_DROP.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        50,
        "every destructor ran once, before close returned"
    );
    let mut values: Vec<u32> = seen
        .iter()
        .map(|(v, _)| v.expect("context visible in Drop"))
        .collect();
    values.sort();
    assert_eq!(values, (0..50).collect::<Vec<_>>());
    assert!(seen.iter().all(|(_, on_runner)| *on_runner));
}

#[test]
fn grace_ends_after_the_grace_period_for_a_task_that_never_finishes_cleanup() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut r = Runner::builder()
        .shutdown_grace(Duration::from_millis(200))
        .build();
    let d = dropped.clone();
    r.run(async move {
        runner::spawn(async move {
            struct Count(Arc<AtomicUsize>);
            impl Drop for Count {
                fn drop(&mut self) {
                    self.0.fetch_add(1, Ordering::SeqCst);
                }
            }
            let _count = Count(d);
            runner::shutdown_requested().await;
            std::future::pending::<()>().await; // cleanup that hangs
        })
        .detach();
    });
    let started = Instant::now();
    r.close();
    let took = started.elapsed();
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "cancelled after the grace period"
    );
    assert!(
        took >= Duration::from_millis(200),
        "waited for the grace period: {took:?}"
    );
    assert!(took < Duration::from_secs(4), "but not for ever: {took:?}");
}

#[test]
fn close_does_not_wait_for_tasks_that_never_asked() {
    // With the default 5 s grace, a task that never awaited shutdown_requested() must not
    // hold close up.
    let mut r = Runner::new();
    r.run(async {
        runner::spawn(async {
            async_io::Timer::after(Duration::from_secs(60)).await;
        })
        .detach();
    });
    let started = Instant::now();
    r.close();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn close_ends_the_grace_period_as_soon_as_the_tasks_that_asked_are_gone() {
    // The tasks register for the grace period from inside their poll, on whichever of the
    // runner's threads polls them; each must leave the registry when it ends, or close
    // would wait out the whole grace period.
    for debug in [false, true] {
        let cleaned = Arc::new(AtomicUsize::new(0));
        let mut r = Runner::builder()
            .threads(2)
            .debug(debug)
            .shutdown_grace(Duration::from_secs(60))
            .build();
        let c = cleaned.clone();
        r.run(async move {
            for _ in 0..8 {
                let c = c.clone();
                runner::spawn(async move {
                    runner::shutdown_requested().await;
                    async_io::Timer::after(Duration::from_millis(10)).await;
                    c.fetch_add(1, Ordering::SeqCst);
                })
                .detach();
            }
            futures_lite::future::yield_now().await;
        });
        let started = Instant::now();
        r.close();
        assert_eq!(cleaned.load(Ordering::SeqCst), 8, "debug {debug}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "debug {debug}: close waited {:?} for tasks that had finished",
            started.elapsed()
        );
    }
}

#[test]
fn shutdown_requested_after_the_signal_completes_at_once() {
    let finished = Arc::new(AtomicUsize::new(0));
    let mut r = Runner::new();
    let f = finished.clone();
    r.run(async move {
        runner::spawn(async move {
            runner::shutdown_requested().await;
            // Asking again during cleanup returns immediately.
            runner::shutdown_requested().await;
            f.fetch_add(1, Ordering::SeqCst);
        })
        .detach();
    });
    r.close();
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[test]
fn a_task_that_wakes_itself_forever_does_not_stop_close() {
    let mut r = Runner::builder().threads(2).build();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    r.run(async move {
        runner::spawn(async move {
            loop {
                p.fetch_add(1, Ordering::Relaxed);
                futures_lite::future::yield_now().await;
            }
        })
        .detach();
        async_io::Timer::after(Duration::from_millis(10)).await;
    });
    r.close();
    let after_close = polls.load(Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        polls.load(Ordering::Relaxed),
        after_close,
        "nothing polls it after close"
    );
}

#[test]
fn dropping_a_runner_closes_it() {
    let dropped = Arc::new(AtomicUsize::new(0));
    {
        let mut r = Runner::new();
        let d = dropped.clone();
        r.run(async move {
            struct Count(Arc<AtomicUsize>);
            impl Drop for Count {
                fn drop(&mut self) {
                    self.0.fetch_add(1, Ordering::SeqCst);
                }
            }
            let count = Count(d);
            runner::spawn(async move {
                let _count = count;
                std::future::pending::<()>().await;
            })
            .detach();
        });
        assert_eq!(dropped.load(Ordering::SeqCst), 0);
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[test]
fn runner_run_closes_its_runner() {
    let cleaned = Arc::new(AtomicUsize::new(0));
    let c = cleaned.clone();
    runner::run(async move {
        runner::spawn(async move {
            runner::shutdown_requested().await;
            c.fetch_add(1, Ordering::SeqCst);
        })
        .detach();
    });
    assert_eq!(cleaned.load(Ordering::SeqCst), 1);
}

#[test]
fn close_cancels_this_runners_tasks_on_a_shared_executor_and_leaves_the_others() {
    static REQUEST: ContextVar<u32> = ContextVar::new("request");
    let log: Log = Arc::default();
    let executor = Arc::new(async_executor::Executor::new());
    // A task that belongs to the executor's other user, not to the runner.
    let foreign = executor.spawn(std::future::pending::<()>());
    let shared = executor.clone();
    let mut r = Runner::builder().threads(2).factory(move || shared).build();
    let l = log.clone();
    r.run(async move {
        struct Logs(Log);
        impl Drop for Logs {
            fn drop(&mut self) {
                let thread = std::thread::current().name().unwrap_or("?").to_owned();
                log_line(&self.0, format!("drop {:?} on {thread}", REQUEST.get()));
            }
        }
        for i in 0..20 {
            let _ = REQUEST.set(i);
            let guard = Logs(l.clone());
            runner::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            })
            .detach();
        }
        // Half of them have run and wait; the rest may not have been polled yet.
        async_io::Timer::after(Duration::from_millis(10)).await;
    });
    r.close();
    let main_thread = std::thread::current().name().unwrap_or("?").to_owned();
    let mut log = log.lock().unwrap().clone();
    log.sort();
    let mut expected: Vec<String> = (0..20)
        .map(|i| format!("drop Some({i}) on {main_thread}"))
        .collect();
    expected.sort();
    assert_eq!(
        log, expected,
        "each task dropped once, in its context, on the runner thread"
    );
    assert!(
        !foreign.is_finished(),
        "the executor's other tasks are not the runner's to cancel"
    );
    // The shared executor still works for its other user.
    let again = executor.spawn(async { 3 });
    assert_eq!(futures_lite::future::block_on(executor.run(again)), 3);
}

//! `runner::unblock`: blocking jobs offloaded, tracked, waited for at close with a timeout.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use runner::Runner;

#[runner::test]
async fn unblock_returns_the_value_and_runs_off_the_runner_thread() {
    let me = std::thread::current().id();
    let (value, thread) = runner::unblock(|| (6 * 7, std::thread::current().id())).await;
    assert_eq!(value, 42);
    assert_ne!(thread, me);
}

#[test]
fn a_panicking_job_resumes_at_the_await() {
    let payload = std::panic::catch_unwind(|| {
        runner::run(async { runner::unblock(|| std::panic::panic_any(7_i32)).await })
    })
    .unwrap_err();
    assert_eq!(payload.downcast_ref::<i32>(), Some(&7));
}

#[test]
fn dropping_the_handle_of_a_running_job_detaches_it_and_close_still_waits() {
    let finished = Arc::new(AtomicBool::new(false));
    let mut r = Runner::new();
    let f = finished.clone();
    r.run(async move {
        let started = Arc::new(AtomicBool::new(false));
        let s = started.clone();
        let job = runner::unblock(move || {
            s.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(150));
            f.store(true, Ordering::SeqCst);
        });
        while !started.load(Ordering::SeqCst) {
            async_io::Timer::after(Duration::from_millis(1)).await;
        }
        drop(job);
    });
    assert!(!finished.load(Ordering::SeqCst));
    r.close();
    assert!(
        finished.load(Ordering::SeqCst),
        "close waited for the detached job"
    );
}

#[test]
fn close_gives_up_on_a_job_after_the_timeout_and_names_it() {
    if common::is_child() {
        let release = Arc::new(AtomicBool::new(false));
        let mut r = Runner::builder()
            .shutdown_timeout(Duration::from_millis(300))
            .build();
        let gate = release.clone();
        r.run(async move {
            runner::unblock(move || {
                while !gate.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .detach();
        });
        let started = Instant::now();
        r.close();
        let took = started.elapsed();
        release.store(true, Ordering::SeqCst);
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(took < Duration::from_secs(10), "{took:?}");
        return;
    }
    let output = common::run_child(
        "close_gives_up_on_a_job_after_the_timeout_and_names_it",
        &[],
    );
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "[runner] close gave up waiting after 300ms for 1 blocking job(s); they are left \
             running, detached:"
        ),
        "{stderr}"
    );
    // The report is the task list's table: the job's row, with its location.
    assert!(
        stderr.lines().any(|line| line.starts_with("#")
            && line.contains("running for")
            && line.contains("tests/unblock.rs:")),
        "{stderr}"
    );
}

#[runner::test]
async fn ten_thousand_jobs_all_counted() {
    let count = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (0..10_000)
        .map(|_| {
            let c = count.clone();
            runner::unblock(move || c.fetch_add(1, Ordering::Relaxed))
        })
        .collect();
    for job in jobs {
        job.await;
    }
    assert_eq!(count.load(Ordering::Relaxed), 10_000);
}

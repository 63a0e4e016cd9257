//! The options of `#[runner::test]` take effect when the test runs.
//!
//! The generated code must also be lint-clean: this file denies warnings and clippy's lints.

#![deny(warnings, clippy::all, clippy::pedantic)]

use std::time::{Duration, Instant};

use async_io::Timer;
use runner::Handle;

#[runner::test]
async fn debug_is_on_by_default_in_tests() {
    assert!(Handle::current().is_debug());
}

#[runner::test(debug = false)]
async fn debug_false_turns_it_off() {
    assert!(!Handle::current().is_debug());
}

#[runner::test(debug)]
async fn bare_debug_turns_it_on() {
    assert!(Handle::current().is_debug());
}

#[runner::test]
async fn threads_default_to_one() {
    assert_eq!(Handle::current().threads(), 1);
}

#[runner::test(threads = 3)]
async fn threads_sets_the_thread_count() {
    assert_eq!(Handle::current().threads(), 3);
    // Send tasks still run and complete on a multi-threaded runner.
    let tasks: Vec<_> = (0..8u64)
        .map(|i| runner::spawn(async move { i * 2 }))
        .collect();
    let mut sum = 0;
    for task in tasks {
        sum += task.await;
    }
    assert_eq!(sum, 56);
}

#[runner::test(timeout = "50ms")]
#[should_panic(expected = "timed out")]
async fn timeout_fails_a_test_that_takes_too_long() {
    Timer::after(Duration::from_secs(10)).await;
}

#[runner::test(timeout = "10s")]
async fn timeout_lets_a_quick_test_pass() {
    Timer::after(Duration::from_millis(1)).await;
}

#[runner::test(timeout = "10s")]
async fn timeout_keeps_the_output() -> Result<(), String> {
    let n: u8 = "7".parse().map_err(|e| format!("{e}"))?;
    assert_eq!(n, 7);
    Ok(())
}

/// A task that asks to be told about shutdown and then never finishes: close waits for it
/// for the grace period, then cancels it.
#[runner::test(shutdown_grace = "50ms")]
async fn lingers_for_the_grace_period() {
    runner::spawn(async {
        runner::shutdown_requested().await;
        futures_lite::future::pending::<()>().await;
    })
    .detach();
    // Let the task start and register its interest in shutdown.
    Timer::after(Duration::from_millis(5)).await;
}

#[test]
fn shutdown_grace_bounds_the_wait_at_close() {
    let start = Instant::now();
    lingers_for_the_grace_period();
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(50),
        "close took only {elapsed:?}"
    );
    // The default grace is 5 s.
    assert!(elapsed < Duration::from_secs(3), "close took {elapsed:?}");
}

/// A blocking job that outlives the test: close waits for it at most `shutdown_timeout`.
#[runner::test(shutdown_timeout = "100ms")]
async fn leaves_a_slow_blocking_job() {
    runner::unblock(|| std::thread::sleep(Duration::from_secs(3))).detach();
}

#[test]
fn shutdown_timeout_bounds_the_wait_for_blocking_jobs() {
    let start = Instant::now();
    leaves_a_slow_blocking_job();
    let elapsed = start.elapsed();
    // Without the option, close would wait the whole 3 s for the job.
    assert!(elapsed < Duration::from_secs(2), "close took {elapsed:?}");
}

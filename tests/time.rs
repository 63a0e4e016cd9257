//! `runner::time`: sleeps end no earlier than their deadline, can be moved, and intervals
//! tick at once and then on a fixed schedule.
//!
//! Only lower bounds on elapsed time are asserted (a timer never fires early); an upper bound
//! would depend on the machine's load. A broken timer shows as a hang, which each test's
//! `timeout` turns into a failure.

use std::time::{Duration, Instant};

use runner::stream::StreamExt;
use runner::time::{interval, interval_at, sleep, sleep_until};

#[runner::test(timeout = "60s")]
async fn sleep_waits_at_least_its_duration() {
    let start = Instant::now();
    sleep(Duration::from_millis(30)).await;
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[runner::test(timeout = "60s")]
async fn sleep_until_a_past_deadline_is_ready_at_once() {
    let past = Instant::now();
    let sleep = sleep_until(past);
    assert_eq!(sleep.deadline(), Some(past));
    assert_eq!(runner::future::poll_once(sleep).await, Some(()));
}

#[runner::test(timeout = "60s")]
async fn a_reset_sleep_ends_at_its_new_deadline() {
    let start = Instant::now();
    let mut sleep = sleep(Duration::from_secs(3600));
    let deadline = start + Duration::from_millis(20);
    sleep.reset(deadline);
    assert_eq!(sleep.deadline(), Some(deadline));
    (&mut sleep).await;
    assert!(Instant::now() >= deadline);

    // Complete, it stays complete; reset later, it waits again.
    assert_eq!(runner::future::poll_once(&mut sleep).await, Some(()));
    let later = Instant::now() + Duration::from_millis(20);
    sleep.reset(later);
    assert_eq!(runner::future::poll_once(&mut sleep).await, None);
    sleep.await;
    assert!(Instant::now() >= later);
}

#[runner::test(timeout = "60s")]
async fn an_unrepresentable_sleep_never_ends() {
    let mut sleep = sleep(Duration::MAX);
    assert_eq!(sleep.deadline(), None);
    assert_eq!(runner::future::poll_once(&mut sleep).await, None);
}

#[runner::test(timeout = "60s")]
async fn an_interval_ticks_at_once_then_every_period() {
    let before = Instant::now();
    let period = Duration::from_millis(10);
    let mut interval = interval(period);
    assert_eq!(interval.period(), period);

    let first = interval.tick().await;
    assert!(first >= before && first <= Instant::now());
    let second = interval.tick().await;
    let third = interval.tick().await;
    assert_eq!(second - first, period);
    assert_eq!(third - second, period);
    assert!(Instant::now() >= first + 2 * period);
}

#[runner::test(timeout = "60s")]
async fn missed_ticks_come_at_once_on_the_original_schedule() {
    let start = Instant::now();
    let period = Duration::from_millis(5);
    let mut interval = interval_at(start, period);
    sleep(Duration::from_millis(30)).await; // falls about six ticks behind
    let late: Vec<Instant> = (&mut interval).take(4).collect().await;
    let expected: Vec<Instant> = (0..4).map(|n| start + n * period).collect();
    assert_eq!(late, expected);
}

#[runner::test(timeout = "60s")]
async fn a_cancelled_tick_loses_no_tick() {
    let start = Instant::now();
    let period = Duration::from_millis(10);
    let mut interval = interval_at(start + period, period);
    // Polled once and dropped before its deadline.
    assert_eq!(runner::future::poll_once(interval.tick()).await, None);
    assert_eq!(interval.tick().await, start + period);
}

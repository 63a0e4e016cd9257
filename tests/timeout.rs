//! `runner::timeout`, `timeout_at` and `Timeout::reschedule`.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_io::Timer;

/// A timeout fires at its deadline, not before, and soon after: the margin here is
/// generous for a loaded machine; the precision is measured in the benchmarks.
#[runner::test]
async fn a_timeout_fires_at_its_deadline() {
    let started = Instant::now();
    let deadline = started + Duration::from_millis(50);
    let elapsed = runner::timeout_at(deadline, std::future::pending::<()>())
        .await
        .unwrap_err();
    let fired = Instant::now();
    assert_eq!(elapsed.deadline(), deadline);
    assert!(fired >= deadline, "fired {:?} early", deadline - fired);
    assert!(
        fired - deadline < Duration::from_millis(250),
        "fired {:?} late",
        fired - deadline
    );
}

/// The future inside is dropped (cancelled) when the deadline passes.
#[runner::test]
async fn the_future_is_dropped_when_the_deadline_passes() {
    struct Dropped(Arc<AtomicUsize>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let guard = Dropped(dropped.clone());
    let result = runner::timeout(Duration::from_millis(5), async move {
        let _guard = guard;
        std::future::pending::<()>().await
    })
    .await;
    assert!(result.is_err());
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

/// A future that is ready wins over a deadline that has passed; a deadline in the past
/// still gives the future its first poll.
#[runner::test]
async fn a_ready_future_wins_over_a_passed_deadline() {
    let past = Instant::now() - Duration::from_secs(1);
    assert_eq!(runner::timeout_at(past, async { 1 }).await, Ok(1));
    assert!(
        runner::timeout_at(past, std::future::pending::<()>())
            .await
            .is_err()
    );
    assert_eq!(runner::timeout(Duration::ZERO, async { 2 }).await, Ok(2));
}

/// `reschedule` moves the deadline later, earlier, or away.
#[runner::test]
async fn reschedule_moves_the_deadline() {
    // Later: the future finishes.
    let mut later = pin!(runner::timeout(Duration::from_millis(5), async {
        Timer::after(Duration::from_millis(30)).await;
        "done"
    }));
    assert!(
        futures_lite::future::poll_once(later.as_mut())
            .await
            .is_none()
    );
    later
        .as_mut()
        .reschedule(Instant::now() + Duration::from_secs(10));
    assert_eq!(later.await, Ok("done"));

    // Earlier: it fires at the new deadline.
    let started = Instant::now();
    let mut earlier = pin!(runner::timeout(
        Duration::from_secs(10),
        std::future::pending::<()>()
    ));
    assert!(
        futures_lite::future::poll_once(earlier.as_mut())
            .await
            .is_none()
    );
    let new_deadline = started + Duration::from_millis(10);
    earlier.as_mut().reschedule(new_deadline);
    assert_eq!(earlier.deadline(), Some(new_deadline));
    assert_eq!(earlier.await.unwrap_err().deadline(), new_deadline);
    assert!(started.elapsed() < Duration::from_secs(5));

    // Away: no deadline any more.
    let mut never = pin!(runner::timeout(Duration::from_millis(1), async {
        Timer::after(Duration::from_millis(20)).await;
        3
    }));
    never.as_mut().reschedule(None);
    assert_eq!(never.deadline(), None);
    assert_eq!(never.await, Ok(3));
}

/// A duration too long for a deadline means none.
#[test]
fn a_duration_beyond_any_deadline_means_none() {
    let timeout = runner::timeout(Duration::MAX, async { 4 });
    assert_eq!(timeout.deadline(), None);
    assert_eq!(runner::run(timeout), Ok(4));
}

/// Timeouts work on any executor, outside a runner too.
#[test]
fn a_timeout_works_outside_a_runner() {
    let result = futures_lite::future::block_on(runner::timeout(
        Duration::from_millis(5),
        std::future::pending::<()>(),
    ));
    assert_eq!(result.unwrap_err().to_string(), "deadline has elapsed");
}

//! Waiting for time to pass: [`sleep`] for a while, [`sleep_until`] a deadline, or tick at a
//! steady rate with an [`interval`].
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! runner::run(async {
//!     let start = Instant::now();
//!     runner::time::sleep(Duration::from_millis(10)).await;
//!     assert!(start.elapsed() >= Duration::from_millis(10));
//! });
//! ```
//!
//! These are `async-io`'s timers, which runner is built on: they are served by its reactor
//! thread, so they work in any task, on any executor, and cost nothing to compile. A timer
//! fires no earlier than its deadline; how much later depends on the operating system's
//! timer resolution (about a millisecond on Linux) and on how busy the executor is.
//!
//! To give up on a future after a while, race it against a sleep, as
//! `futures_lite::future::or` does, or use `runner::timeout`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use futures_lite::Stream;

/// Waits until `duration` has passed: the future completes once, at or after
/// `Instant::now() + duration`.
///
/// A duration too long to represent as an [`Instant`] (such as [`Duration::MAX`]) gives a
/// sleep that never completes, and whose [`deadline`](Sleep::deadline) is `None`.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runner::run(async {
///     let start = Instant::now();
///     runner::time::sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Instant::now().checked_add(duration))
}

/// Waits until `deadline`: the future completes once, at or after it. A deadline already
/// past completes at the first poll.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runner::run(async {
///     let deadline = Instant::now() + Duration::from_millis(20);
///     runner::time::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Some(deadline))
}

/// The future returned by [`sleep`] and [`sleep_until`]; its deadline can be moved with
/// [`reset`](Sleep::reset).
///
/// It is `Unpin`, so it can be awaited by `&mut` reference, kept across the iterations of a
/// loop and reset in between. Once complete, it stays complete (every further poll returns
/// `Ready`) until it is reset to a later deadline.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runner::run(async {
///     let mut sleep = runner::time::sleep(Duration::from_secs(60));
///     sleep.reset(Instant::now() + Duration::from_millis(1)); // sooner after all
///     (&mut sleep).await;
/// });
/// ```
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    timer: Timer,
    /// `None`: the deadline is beyond what an `Instant` can hold; the sleep never ends.
    deadline: Option<Instant>,
}

impl Sleep {
    fn new(deadline: Option<Instant>) -> Sleep {
        let timer = match deadline {
            Some(deadline) => Timer::at(deadline),
            None => Timer::never(),
        };
        Sleep { timer, deadline }
    }

    /// When this sleep completes; `None` when it never will (its duration was too long to
    /// represent).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(runner::time::sleep_until(deadline).deadline(), Some(deadline));
    /// assert_eq!(runner::time::sleep(Duration::MAX).deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Moves the deadline to `deadline`, earlier or later, whether or not the sleep has
    /// completed: a task awaiting it wakes at the new deadline. This is how a timeout is
    /// pushed back (asyncio's `Timeout.reschedule`) without making a new timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// runner::run(async {
    ///     let start = Instant::now();
    ///     let mut sleep = runner::time::sleep(Duration::from_secs(3600));
    ///     sleep.reset(start + Duration::from_millis(10));
    ///     (&mut sleep).await;
    ///     assert!(start.elapsed() < Duration::from_secs(3600));
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.timer.set_at(deadline);
        self.deadline = Some(deadline);
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A fired `Timer::at` stays pending for ever after; the deadline check keeps a
        // completed sleep complete (as documented) until it is reset.
        if Pin::new(&mut self.timer).poll(cx).is_ready()
            || self.deadline.is_some_and(|d| Instant::now() >= d)
        {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// Ticks every `period`, the first tick at once: `interval.tick().await` in a loop runs the
/// loop's body at a steady rate, whatever the body takes (as long as it takes less than
/// `period`).
///
/// Two choices, the same as tokio's defaults, so that code moved from `tokio::time::interval`
/// behaves the same:
/// - The first tick completes immediately (`async_io::Timer::interval`, underneath, waits a
///   whole period first; use [`interval_at`] to choose the first tick).
/// - Ticks are scheduled at `start + n × period`, never drifting. When the program falls
///   behind (a body longer than `period`, a busy executor), the missed ticks complete at
///   once, one per `tick`, until it has caught up.
///
/// A period of zero ticks at every call. A period too long to represent gives one tick, then
/// none.
///
/// `Interval` is also a [`Stream`] of the ticks' scheduled instants, for `StreamExt`'s
/// combinators.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runner::run(async {
///     let start = Instant::now();
///     let mut interval = runner::time::interval(Duration::from_millis(10));
///     for _ in 0..3 {
///         interval.tick().await; // at once, then 10 ms and 20 ms after the start
///     }
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Like [`interval`], with the first tick at `start` instead of at once.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runner::run(async {
///     let start = Instant::now() + Duration::from_millis(10);
///     let mut interval = runner::time::interval_at(start, Duration::from_millis(10));
///     assert_eq!(interval.tick().await, start);
///     assert_eq!(interval.tick().await, start + Duration::from_millis(10));
/// });
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval {
        timer: Timer::interval_at(start, period),
        period,
    }
}

/// Ticks at a steady rate; made by [`interval`] and [`interval_at`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// runner::run(async {
///     let mut every = runner::time::interval(Duration::from_millis(1));
///     for _ in 0..3 {
///         every.tick().await; // the first tick comes at once
///     }
/// });
/// ```
#[must_use = "an interval does nothing unless ticked"]
pub struct Interval {
    timer: Timer,
    period: Duration,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for (not the instant
    /// it was seen: a late tick still says when it was due).
    ///
    /// Cancelling the returned future (dropping it before it completes) loses no tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// runner::run(async {
    ///     let mut interval = runner::time::interval(Duration::from_millis(5));
    ///     let first = interval.tick().await;
    ///     let second = interval.tick().await;
    ///     assert_eq!(second - first, Duration::from_millis(5));
    /// });
    /// ```
    pub fn tick(&mut self) -> impl Future<Output = Instant> + '_ {
        std::future::poll_fn(|cx| self.poll_tick(cx))
    }

    /// The time between two ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let interval = runner::time::interval(Duration::from_secs(1));
    /// assert_eq!(interval.period(), Duration::from_secs(1));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        match Pin::new(&mut self.timer).poll_next(cx) {
            Poll::Ready(Some(when)) => Poll::Ready(when),
            // `Timer` has no more ticks when the next one cannot be represented as an
            // `Instant`. Pending, not ended: consumers read the end of a stream as "done",
            // and an interval is never done.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

impl Stream for Interval {
    type Item = Instant;

    /// Never `Ready(None)`: an interval is never done.
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.poll_tick(cx).map(Some)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("period", &self.period)
            .finish()
    }
}

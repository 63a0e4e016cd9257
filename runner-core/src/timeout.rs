//! Timeouts: a future that gives up at a deadline, and a deadline that can move
//! (asyncio's `timeout()`, `timeout_at()` and `Timeout.reschedule()`).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context as TaskCx, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;
use pin_project_lite::pin_project;

/// Runs `future` for at most `duration`: its output, or [`Elapsed`] if the time ran out
/// first, in which case `future` is dropped (cancelled).
///
/// The future is polled before the clock is looked at, so a future that is ready when the
/// deadline passes wins. A `duration` so long that the deadline cannot be represented means
/// no deadline. The timer is `async-io`'s: it works on any executor, inside a runner or not.
///
/// Dropping a [`task_group`](crate::task_group) scope this way cancels its children; to
/// wait until they are gone, put the timeout inside the scope instead (see the example on
/// [`TaskGroup::cancel`](crate::TaskGroup::cancel)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// runner::run(async {
///     let quick = runner::timeout(Duration::from_secs(5), async { 42 }).await;
///     assert_eq!(quick, Ok(42));
///
///     let slow = runner::timeout(Duration::from_millis(10), std::future::pending::<()>()).await;
///     assert!(slow.is_err());
/// });
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let deadline = Instant::now().checked_add(duration);
    Timeout::new(deadline, future.into_future())
}

/// Runs `future` until `deadline` at most: its output, or [`Elapsed`] if the deadline passed
/// first, in which case `future` is dropped (cancelled).
///
/// A deadline already in the past still gives `future` one poll.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// runner::run(async {
///     let deadline = Instant::now() + Duration::from_millis(10);
///     let result = runner::timeout_at(deadline, std::future::pending::<()>()).await;
///     let elapsed = result.unwrap_err();
///     assert_eq!(elapsed.deadline(), deadline);
///     assert!(Instant::now() >= deadline);
/// });
/// ```
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(Some(deadline), future.into_future())
}

pin_project! {
    /// The future [`timeout`] and [`timeout_at`] return: `Ok(output)`, or `Err(Elapsed)`
    /// once the deadline has passed.
    ///
    /// The deadline can move while the future runs, with [`reschedule`](Timeout::reschedule).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// runner::run(async {
    ///     let waited = runner::timeout(Duration::from_millis(1), std::future::pending::<()>());
    ///     assert!(waited.await.is_err());
    /// });
    /// ```
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        timer: Timer,
        deadline: Option<Instant>,
    }
}

impl<F> Timeout<F> {
    fn new(deadline: Option<Instant>, future: F) -> Self {
        Timeout {
            future,
            // The timer registers with the reactor at its first poll, not here.
            timer: deadline.map_or_else(Timer::never, Timer::at),
            deadline,
        }
    }

    /// The deadline, or `None` if there is none (asyncio's `Timeout.when()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// let timeout = runner::timeout_at(deadline, async {});
    /// assert_eq!(timeout.deadline(), Some(deadline));
    /// assert_eq!(runner::timeout(Duration::MAX, async {}).deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Moves the deadline, earlier or later; `None` removes it (asyncio's
    /// `Timeout.reschedule()`). A deadline already in the past fires at the next poll,
    /// unless the future is ready then.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::{Duration, Instant};
    ///
    /// runner::run(async {
    ///     let mut slow = pin!(runner::timeout(Duration::from_millis(1), async {
    ///         async_io::Timer::after(Duration::from_millis(20)).await;
    ///         "done"
    ///     }));
    ///     // More time, before the first deadline passes.
    ///     slow.as_mut().reschedule(Instant::now() + Duration::from_secs(5));
    ///     assert_eq!(slow.await, Ok("done"));
    /// });
    /// ```
    pub fn reschedule(self: Pin<&mut Self>, deadline: impl Into<Option<Instant>>) {
        let this = self.project();
        let deadline = deadline.into();
        *this.deadline = deadline;
        match deadline {
            // Re-registers the timer with the reactor if it was registered.
            Some(deadline) => this.timer.set_at(deadline),
            // Drops the registration of the old deadline.
            None => *this.timer = Timer::never(),
        }
    }

    /// The future inside, without its deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let timeout = runner::timeout(Duration::from_secs(1), async { 7 });
    /// assert_eq!(runner::run(timeout.into_inner()), 7);
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match *this.deadline {
            Some(deadline) => match Pin::new(this.timer).poll(cx) {
                Poll::Ready(_) => Poll::Ready(Err(Elapsed { deadline })),
                Poll::Pending => Poll::Pending,
            },
            None => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// The error of a [`timeout`] or [`timeout_at`] whose deadline passed before its future
/// completed (asyncio raises `TimeoutError`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// runner::run(async {
///     let err = runner::timeout(Duration::ZERO, std::future::pending::<()>()).await.unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed");
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed {
    deadline: Instant,
}

impl Elapsed {
    /// The deadline that passed (the last one, if it was rescheduled).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// runner::run(async {
    ///     let now = Instant::now();
    ///     let err = runner::timeout_at(now, std::future::pending::<()>()).await.unwrap_err();
    ///     assert_eq!(err.deadline(), now);
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

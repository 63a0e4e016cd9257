//! The runner's thread polls the main future only when the main future was woken, not on
//! every wake-up of the thread by its tasks.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

#[test]
fn the_main_future_is_not_polled_for_its_tasks_wake_ups() {
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    runner::run(async {
        let (done, finished) = async_channel::bounded::<()>(1);
        // A task that wakes the runner's thread fifty times through its timer.
        runner::spawn(async move {
            for _ in 0..50 {
                async_io::Timer::after(Duration::from_millis(1)).await;
            }
            done.send(()).await.unwrap();
        })
        .detach();
        let mut finished = std::pin::pin!(finished.recv());
        std::future::poll_fn(|cx| {
            POLLS.fetch_add(1, Ordering::SeqCst);
            match finished.as_mut().poll(cx) {
                Poll::Ready(received) => {
                    received.unwrap();
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
    });
    let polls = POLLS.load(Ordering::SeqCst);
    // Polled when first run, after the task's spawn, and when the channel delivers.
    assert!(
        polls <= 5,
        "the main future was polled {polls} times for 1 wake-up of its own"
    );
}

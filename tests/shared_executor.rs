//! Runners sharing one executor (`Builder::factory`): a task belongs to the runner that
//! spawned it wherever it is polled, and close reaches every one of its tasks, even one whose
//! first poll runs on another thread while close cancels.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use async_executor::Executor;
use runner::Runner;

/// Runs `f` on a thread of its own and fails the test if it does not finish in `limit`:
/// a hang becomes a failure instead of a test run that never ends.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    finished
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}: it hangs"))
}

fn shared_runner(executor: &Arc<Executor<'static>>) -> Runner {
    let executor = executor.clone();
    Runner::builder().factory(move || executor).build()
}

#[test]
fn close_wakes_a_task_whose_first_poll_ran_elsewhere_while_it_cancelled() {
    within(Duration::from_secs(20), "close", || {
        let executor = Arc::new(Executor::new());
        let mut runner = shared_runner(&executor);
        let handle = runner.handle();
        let in_first_poll = Arc::new(Barrier::new(2));
        let (release, released) = mpsc::channel::<()>();
        let dropped = Arc::new(AtomicBool::new(false));
        struct MarkDropped(Arc<AtomicBool>);
        impl Drop for MarkDropped {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let guard = MarkDropped(dropped.clone());
        let barrier = in_first_poll.clone();
        let mut first = true;
        handle
            .spawn(std::future::poll_fn(move |_| {
                let _keep = &guard;
                if std::mem::take(&mut first) {
                    // The first poll blocks on the other thread until close has cancelled.
                    barrier.wait();
                    let _ = released.recv();
                }
                std::task::Poll::<()>::Pending
            }))
            .detach();
        // Another thread of the shared executor picks the task up.
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let other = executor.clone();
        let other_thread = std::thread::spawn(move || {
            async_io::block_on(other.run(async { stopped.recv().await.ok() }))
        });
        in_first_poll.wait();
        // Close cancels while the first poll is still running over there; the task gives its
        // waker only afterwards.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            let _ = release.send(());
        });
        runner.close();
        assert!(
            dropped.load(Ordering::SeqCst),
            "the task was dropped before close returned"
        );
        let _ = stop.send_blocking(());
        other_thread.join().unwrap();
    });
}

#[test]
fn a_task_polled_on_another_runners_thread_waits_for_its_own_runners_signal() {
    within(Duration::from_secs(20), "the two runners", || {
        let executor = Arc::new(Executor::new());
        let mut a = shared_runner(&executor);
        let mut b = shared_runner(&executor);
        let cleaned_up = Arc::new(AtomicUsize::new(0));
        let (waiting, is_waiting) = async_channel::bounded::<()>(1);
        let cleaned = cleaned_up.clone();
        // A's task; A is not running, so B's thread is the one that polls it.
        a.handle()
            .spawn(async move {
                let requested = runner::shutdown_requested();
                let _ = waiting.send(()).await;
                requested.await;
                async_io::Timer::after(Duration::from_millis(20)).await;
                cleaned.fetch_add(1, Ordering::SeqCst);
            })
            .detach();
        b.run(async move {
            is_waiting.recv().await.unwrap();
        });
        // A's close gives A's signal: the task asked A, so it cleans up within A's grace.
        a.close();
        assert_eq!(
            cleaned_up.load(Ordering::SeqCst),
            1,
            "the task's cleanup ran in A's grace"
        );
        // B is untouched: its signal was never given.
        assert!(!b.handle().is_closed());
        b.close();
    });
}

//! Runners sharing one executor (`Builder::factory`): a task belongs to the runner that
//! spawned it wherever it is polled, and close reaches every one of its tasks, even one whose
//! first poll runs on another thread while close cancels, or one spawned through a `Handle`
//! while close runs.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use async_executor::Executor;
use runner::{Handle, Runner};

/// Runs `f` on a thread of its own and fails the test if it does not finish in `limit`:
/// a hang becomes a failure instead of a test run that never ends; a panic of `f` comes out
/// as it is.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = done.send(f());
    });
    match finished.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the thread sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {limit:?}: it hangs")
        }
    }
}

fn shared_runner(executor: &Arc<Executor<'static>>) -> Runner {
    let executor = executor.clone();
    Runner::builder().factory(move || executor).build()
}

/// Sets its flag when dropped.
struct MarkDropped(Arc<AtomicBool>);

impl Drop for MarkDropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Has the runner's worker poll a task of the shared executor (not one of the runner's) that
/// waits until the runner's close has begun, then calls `then` with the runner's handle;
/// returns once the worker is in that poll. Close joins its workers (step 3), so `then` runs
/// while close is under way, before it returns.
fn when_close_begins(
    executor: &Executor<'static>,
    handle: Handle,
    then: impl FnOnce(Handle) + Send + 'static,
) {
    let (started, in_poll) = mpsc::channel::<()>();
    executor
        .spawn(async move {
            let _ = started.send(());
            let give_up = Instant::now() + Duration::from_secs(10);
            while !format!("{handle:?}").contains("ShuttingDown") {
                assert!(Instant::now() < give_up, "close never began");
                std::thread::yield_now();
            }
            then(handle);
        })
        .detach();
    in_poll
        .recv_timeout(Duration::from_secs(10))
        .expect("the worker polls the executor's task");
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

// A runner that never spawned closes without entering itself when nothing else can poll its
// tasks; on a shared executor with a worker, a task spawned through its `Handle` once close
// has begun must still be cancelled, and its blocking job waited for, as the full sequence
// does.

#[test]
fn a_task_spawned_through_a_handle_while_a_runner_that_never_spawned_closes_is_cancelled() {
    within(Duration::from_secs(30), "the test", || {
        let executor = Arc::new(Executor::new());
        let shared = executor.clone();
        // A worker: close's step 3 (stop and join it) waits for the poll `when_close_begins`
        // makes.
        let mut runner = Runner::builder().factory(move || shared).threads(2).build();
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = MarkDropped(dropped.clone());
        when_close_begins(&executor, runner.handle(), move |handle| {
            handle
                .spawn(async move {
                    let _keep = &guard;
                    std::future::pending::<()>().await
                })
                .detach();
        });
        runner.close();
        assert!(
            dropped.load(Ordering::SeqCst),
            "a task spawned through the runner's Handle during close (before it was closed) \
             was not cancelled before close returned: it is still alive on the shared executor"
        );
    });
}

#[test]
fn a_blocking_job_started_while_a_runner_that_never_spawned_closes_is_waited_for() {
    within(Duration::from_secs(30), "the test", || {
        let executor = Arc::new(Executor::new());
        let shared = executor.clone();
        let mut runner = Runner::builder().factory(move || shared).threads(2).build();
        let job_done = Arc::new(AtomicBool::new(false));
        let (job_started, job_registered) = mpsc::channel::<()>();
        let done = job_done.clone();
        // The task spawned once close has begun (polled by the thread below) starts a
        // blocking job; the worker's poll returns only after that.
        when_close_begins(&executor, runner.handle(), move |handle| {
            handle
                .spawn(async move {
                    runner::unblock(move || {
                        std::thread::sleep(Duration::from_millis(300));
                        done.store(true, Ordering::SeqCst);
                    })
                    .detach();
                    let _ = job_started.send(());
                    std::future::pending::<()>().await
                })
                .detach();
            job_registered
                .recv_timeout(Duration::from_secs(10))
                .expect("the runner's task starts its job");
        });
        // Another thread of the shared executor, for the runner's task.
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let other = executor.clone();
        let other_thread = std::thread::spawn(move || {
            async_io::block_on(other.run(async { stopped.recv().await.ok() }))
        });
        runner.close();
        let finished = job_done.load(Ordering::SeqCst);
        let _ = stop.try_send(());
        let _ = other_thread.join();
        assert!(
            finished,
            "close returned while a blocking job of the runner, started before it was closed, \
             was still running (step 5 waits for jobs)"
        );
    });
}

//! Close's idle path (a runner that never spawned, registered or ran a local task closes
//! without entering itself) decides it is idle once, at its start: a task spawned through a
//! `Handle` after that decision, while close still runs, must still be cancelled before
//! close returns, as the full sequence does (step 3, and step 6's last drive).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use async_executor::Executor;
use runner::Runner;

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

struct MarkDropped(Arc<AtomicBool>);

impl Drop for MarkDropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_task_spawned_through_a_handle_while_an_idle_runner_closes_is_cancelled_before_close_returns() {
    within(Duration::from_secs(30), "the test", || {
        let executor = Arc::new(Executor::new());
        let shared = executor.clone();
        // Two threads: close's step 3 (stop and join the worker) waits for the poll below.
        let mut runner = Runner::builder().factory(move || shared).threads(2).build();
        // Initialised; nothing spawned through it: close will take its idle path.
        let handle = runner.handle();
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = MarkDropped(dropped.clone());
        let (started, in_poll) = mpsc::channel::<()>();
        // Not the runner's task: a task of the shared executor, which the runner's worker
        // polls. It waits until close has begun, then spawns through the runner's handle.
        executor
            .spawn(async move {
                let _ = started.send(());
                let give_up = Instant::now() + Duration::from_secs(10);
                while !format!("{handle:?}").contains("ShuttingDown") {
                    assert!(Instant::now() < give_up, "close never began");
                    std::thread::yield_now();
                }
                handle
                    .spawn(async move {
                        let _keep = &guard;
                        std::future::pending::<()>().await
                    })
                    .detach();
            })
            .detach();
        in_poll
            .recv_timeout(Duration::from_secs(10))
            .expect("the worker polls the executor's task");
        // Close signals, then stops and joins the worker, which is inside the poll above
        // until the task is spawned.
        runner.close();
        assert!(
            dropped.load(Ordering::SeqCst),
            "a task spawned through the runner's Handle during close (before it was closed) \
             was not cancelled before close returned: it is still alive on the shared executor"
        );
    });
}

#[test]
fn a_blocking_job_started_while_an_idle_runner_closes_is_waited_for() {
    within(Duration::from_secs(30), "the test", || {
        let executor = Arc::new(Executor::new());
        let shared = executor.clone();
        let mut runner = Runner::builder().factory(move || shared).threads(2).build();
        let handle = runner.handle();
        let job_done = Arc::new(AtomicBool::new(false));
        let (started, in_poll) = mpsc::channel::<()>();
        let (job_started, job_registered) = mpsc::channel::<()>();
        let done = job_done.clone();
        // As above: polled by the runner's worker, it waits for close to begin, spawns a
        // task of the runner, and returns only once that task (polled by the thread below)
        // has started a blocking job. Close is in its step 3 meanwhile, joining the worker.
        executor
            .spawn(async move {
                let _ = started.send(());
                let give_up = Instant::now() + Duration::from_secs(10);
                while !format!("{handle:?}").contains("ShuttingDown") {
                    assert!(Instant::now() < give_up, "close never began");
                    std::thread::yield_now();
                }
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
            })
            .detach();
        in_poll
            .recv_timeout(Duration::from_secs(10))
            .expect("the worker polls the executor's task");
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

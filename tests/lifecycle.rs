//! Runner lifecycle: lazy initialisation, run and try_run, nesting, closing, reuse.
// Several tests take a Task out of one `run` on purpose, to await it in a later one.
#![allow(clippy::async_yields_async)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use runner::{RunError, Runner};

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn run_returns_the_output() {
    assert_eq!(runner::run(async { 40 + 2 }), 42);
    let mut r = Runner::new();
    assert_eq!(r.run(async { "a" }), "a");
    assert_eq!(r.run(async { "b" }), "b");
}

#[test]
fn construction_builds_nothing_until_first_use() {
    let factory_calls = Arc::new(AtomicUsize::new(0));
    let calls = factory_calls.clone();
    let mut r = Runner::builder()
        .factory(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            Arc::new(async_executor::Executor::new())
        })
        .build();
    assert_eq!(factory_calls.load(Ordering::SeqCst), 0);
    assert_eq!(r.is_debug(), None);
    r.run(async {});
    r.run(async {});
    assert_eq!(factory_calls.load(Ordering::SeqCst), 1);
    assert!(r.is_debug().is_some());
}

#[test]
fn handle_initialises_the_runner() {
    let mut r = Runner::builder().debug(true).build();
    assert_eq!(r.is_debug(), None);
    let handle = r.handle();
    assert_eq!(r.is_debug(), Some(true));
    assert!(handle.is_debug());
}

#[test]
fn pending_tasks_continue_in_the_next_run() {
    let mut r = Runner::new();
    let (tx, rx) = async_channel_pair();
    let task = r.run(async move { runner::spawn(async move { rx.recv().await + 1 }) });
    assert!(!task.is_finished());
    r.run(async move { tx.send(41).await });
    assert_eq!(r.run(task), 42);
}

/// A tiny one-slot channel built from the runner's own primitives, so this test needs no
/// channel crate.
fn async_channel_pair() -> (Sender, Receiver) {
    let slot = Arc::new(std::sync::Mutex::new((
        None::<u32>,
        None::<std::task::Waker>,
    )));
    (Sender(slot.clone()), Receiver(slot))
}
struct Sender(Arc<std::sync::Mutex<(Option<u32>, Option<std::task::Waker>)>>);
struct Receiver(Arc<std::sync::Mutex<(Option<u32>, Option<std::task::Waker>)>>);
impl Sender {
    async fn send(&self, value: u32) {
        let mut slot = self.0.lock().unwrap();
        slot.0 = Some(value);
        if let Some(waker) = slot.1.take() {
            waker.wake();
        }
    }
}
impl Receiver {
    async fn recv(&self) -> u32 {
        std::future::poll_fn(|cx| {
            let mut slot = self.0.lock().unwrap();
            match slot.0.take() {
                Some(value) => std::task::Poll::Ready(value),
                None => {
                    slot.1 = Some(cx.waker().clone());
                    std::task::Poll::Pending
                }
            }
        })
        .await
    }
}

#[test]
fn a_panic_in_the_main_future_propagates_and_the_runner_stays_usable() {
    let mut r = Runner::new();
    let background = r.run(async { runner::spawn(async { 7 }) });
    let payload = catch_unwind(AssertUnwindSafe(|| {
        r.run(async { std::panic::panic_any(1234_u32) });
    }))
    .expect_err("the panic comes out of run");
    assert_eq!(payload.downcast_ref::<u32>(), Some(&1234));
    assert_eq!(r.run(async { 1 }), 1);
    assert_eq!(r.run(background), 7);
}

#[test]
fn nested_run_panics_and_try_run_says_nested() {
    let mut outer = Runner::new();
    outer.run(async {
        let mut inner = Runner::new();
        assert_eq!(inner.try_run(async { 1 }), Err(RunError::Nested));
        let payload = catch_unwind(AssertUnwindSafe(|| inner.run(async { 1 }))).unwrap_err();
        assert!(
            panic_text(payload).contains("cannot be called from a running runner"),
            "message names the mistake"
        );
        // Even runner::run, which makes a fresh runner.
        let payload = catch_unwind(|| runner::run(async {})).unwrap_err();
        assert!(panic_text(payload).contains("cannot be called from a running runner"));
    });
    // The outer runner is fine afterwards.
    assert_eq!(outer.run(async { 2 }), 2);
}

#[test]
fn nested_run_from_a_task_on_a_worker_thread_is_refused_too() {
    let mut r = Runner::builder().threads(3).build();
    let results = r.run(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| runner::spawn(async { Runner::new().try_run(async {}) }))
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    assert!(results.iter().all(|r| *r == Err(RunError::Nested)));
}

#[test]
fn use_after_close_panics_and_try_run_says_closed() {
    let mut r = Runner::new();
    r.run(async {});
    r.close();
    assert!(r.is_closed());
    assert_eq!(r.try_run(async {}), Err(RunError::Closed));
    let payload = catch_unwind(AssertUnwindSafe(|| r.run(async {}))).unwrap_err();
    assert!(panic_text(payload).contains("the runner is closed"));
    let payload = catch_unwind(AssertUnwindSafe(|| r.handle())).unwrap_err();
    assert!(panic_text(payload).contains("the runner is closed"));
}

#[test]
fn close_is_idempotent_and_leaves_a_never_used_runner_usable() {
    // CPython's Runner.close returns early unless the runner was initialised.
    let mut never_used = Runner::new();
    never_used.close();
    never_used.close();
    assert!(!never_used.is_closed());
    assert_eq!(never_used.try_run(async { 1 }), Ok(1));
    never_used.close();
    assert!(never_used.is_closed());

    let mut used = Runner::new();
    used.run(async {});
    used.close();
    used.close();
}

#[test]
fn handle_spawn_after_close_panics_with_a_clear_message() {
    let mut r = Runner::new();
    let handle = r.handle();
    r.close();
    assert!(handle.is_closed());
    let payload = catch_unwind(AssertUnwindSafe(|| handle.spawn(async {}).detach())).unwrap_err();
    assert!(panic_text(payload).contains("the runner is closed"));
}

#[test]
fn handle_spawns_from_other_threads() {
    let mut r = Runner::builder().threads(2).build();
    let handle = r.handle();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let handle = handle.clone();
            std::thread::spawn(move || handle.spawn(async move { i * 10 }))
                .join()
                .unwrap()
        })
        .collect();
    let total = r.run(async {
        let mut total = 0;
        for task in tasks {
            total += task.await;
        }
        total
    });
    assert_eq!(total, 60);
}

#[test]
fn a_factory_provided_executor_is_the_one_used() {
    let executor = Arc::new(async_executor::Executor::new());
    let shared = executor.clone();
    let mut r = Runner::builder().factory(move || shared).build();
    // A task spawned straight onto the user's executor runs because the runner drives it.
    let direct = executor.spawn(async { "driven by the runner" });
    assert_eq!(r.run(direct), "driven by the runner");
    // And runner::spawn lands on that executor: ticking it by hand runs the task.
    let task = r.run(async { runner::spawn(async { 5 }) });
    assert!(!task.is_finished());
    assert!(
        executor.try_tick(),
        "the task was queued on the factory's executor"
    );
    assert!(task.is_finished());
    assert_eq!(r.run(task), 5);
}

#[test]
fn outside_a_runner_spawn_panics_with_a_clear_message() {
    let payload = catch_unwind(|| runner::spawn(async {}).detach()).unwrap_err();
    assert!(panic_text(payload).contains("outside a running runner"));
    let payload = catch_unwind(|| runner::spawn_local(async {}).detach()).unwrap_err();
    assert!(panic_text(payload).contains("runner's own thread"));
    let payload = catch_unwind(|| runner::unblock(|| ()).detach()).unwrap_err();
    assert!(panic_text(payload).contains("outside a running runner"));
    let payload = catch_unwind(runner::Handle::current).unwrap_err();
    assert!(panic_text(payload).contains("outside a running runner"));
}

#[test]
fn spawn_local_runs_on_the_runner_thread_and_refuses_workers() {
    let mut r = Runner::builder().threads(2).build();
    let me = std::thread::current().id();
    let ran_on = r.run(async { runner::spawn_local(async { std::thread::current().id() }).await });
    assert_eq!(ran_on, me);
    // From a task on a worker thread, spawn_local is refused with a clear panic.
    let refused = r.run(async {
        let mut refused = 0;
        for _ in 0..20 {
            let result = runner::spawn(async {
                let on_worker = std::thread::current()
                    .name()
                    .is_some_and(|n| n.starts_with("runner-worker"));
                let attempt = catch_unwind(|| runner::spawn_local(async {}).detach());
                (on_worker, attempt.is_err())
            })
            .await;
            if result.0 {
                assert!(result.1, "spawn_local from a worker thread must panic");
                refused += 1;
            }
        }
        refused
    });
    let _ = refused; // whether a worker picked any task up is up to the scheduler
}

#[test]
fn a_runner_per_thread_on_sixteen_threads_at_once() {
    let threads: Vec<_> = (0..16_u64)
        .map(|i| {
            std::thread::spawn(move || {
                let mut r = Runner::builder().threads(2).build();
                let sum = r.run(async move {
                    let tasks: Vec<_> = (0..100_u64)
                        .map(|j| runner::spawn(async move { i + j }))
                        .collect();
                    let mut sum = 0;
                    for task in tasks {
                        sum += task.await;
                    }
                    sum
                });
                r.close();
                sum
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let i = i as u64;
        assert_eq!(thread.join().unwrap(), 100 * i + 4950);
    }
}

#[test]
fn run_error_is_an_error_with_a_display() {
    fn takes_error(_: &dyn std::error::Error) {}
    takes_error(&RunError::Nested);
    assert!(
        RunError::Nested
            .to_string()
            .contains("cannot be called from a running runner")
    );
    assert_eq!(RunError::Closed.to_string(), "the runner is closed");
    assert!(RunError::Interrupted.to_string().contains("Ctrl-C"));
}

#[test]
fn a_yield_in_the_main_future_lets_the_tasks_it_spawned_run() {
    let mut r = Runner::new();
    for _ in 0..2 {
        let ran = Arc::new(AtomicUsize::new(0));
        let counted = ran.clone();
        r.run(async move {
            for _ in 0..3 {
                let counted = counted.clone();
                runner::spawn(async move { counted.fetch_add(1, Ordering::SeqCst) }).detach();
            }
            futures_lite::future::yield_now().await;
            assert_eq!(
                counted.load(Ordering::SeqCst),
                3,
                "tasks ran at the first yield"
            );
        });
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    }
}

#[test]
fn a_task_spawned_from_another_thread_runs_while_main_waits_with_no_task_of_its_own() {
    let mut r = Runner::new();
    let handle = r.handle();
    let (tx, rx) = async_channel_pair();
    let value = r.run(async move {
        // Main waits with no task on the runner yet; the spawn from another thread must
        // still get its task run on this thread.
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            handle.spawn(async move { tx.send(9).await }).detach();
        });
        rx.recv().await
    });
    assert_eq!(value, 9);
}

#[test]
fn main_can_wait_on_a_timer_then_spawn_local_and_spawn() {
    let r = runner::run(async {
        async_io::Timer::after(std::time::Duration::from_millis(5)).await;
        let local = runner::spawn_local(async {
            async_io::Timer::after(std::time::Duration::from_millis(5)).await;
            1
        });
        let sent = runner::spawn(async { 2 });
        local.await + sent.await
    });
    assert_eq!(r, 3);
}

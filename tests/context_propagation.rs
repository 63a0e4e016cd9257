//! Context variables follow tasks: copies at spawn, isolation, persistence across runs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use runner::{Context, ContextVar, Runner};

static REQUEST: ContextVar<u64> = ContextVar::new("request");
static USER: ContextVar<String> = ContextVar::new("user");

#[runner::test]
async fn sibling_tasks_are_isolated_and_the_parent_does_not_see_child_sets() {
    let _ = REQUEST.set(1);
    let a = runner::spawn(async {
        let _ = REQUEST.set(10);
        futures_lite::future::yield_now().await;
        REQUEST.get()
    });
    let b = runner::spawn(async {
        let _ = REQUEST.set(20);
        futures_lite::future::yield_now().await;
        REQUEST.get()
    });
    assert_eq!(a.await, Some(10));
    assert_eq!(b.await, Some(20));
    assert_eq!(REQUEST.get(), Some(1), "the parent keeps its value");
}

#[runner::test]
async fn a_task_sees_its_parent_value_at_spawn_time_not_later_changes() {
    let _ = REQUEST.set(1);
    let child = runner::spawn(async {
        futures_lite::future::yield_now().await;
        REQUEST.get()
    });
    let _ = REQUEST.set(2);
    assert_eq!(child.await, Some(1));
}

#[test]
fn values_persist_across_runs_of_the_same_runner() {
    let mut r = Runner::new();
    r.run(async {
        let _ = USER.set("ada".to_owned());
    });
    assert_eq!(r.run(async { USER.get() }), Some("ada".to_owned()));
    // The caller's thread context is not the runner's.
    assert_eq!(USER.get(), None);
    // A new runner starts from a copy of the current context.
    let _ = USER.set("grace".to_owned());
    let mut fresh = Runner::new();
    assert_eq!(fresh.run(async { USER.get() }), Some("grace".to_owned()));
    fresh.run(async {
        let _ = USER.set("changed inside".to_owned());
    });
    assert_eq!(
        USER.get(),
        Some("grace".to_owned()),
        "the runner's context is a copy"
    );
}

#[test]
fn run_with_context_writes_are_visible_through_the_context() {
    let ctx = Context::empty();
    let mut r = Runner::new();
    r.run_with_context(
        async {
            let _ = REQUEST.set(77);
        },
        &ctx,
    );
    assert_eq!(ctx.get(&REQUEST), Some(77));
    // And not in the runner's own context.
    assert_eq!(r.run(async { REQUEST.get() }), None);
    // Clones are the same context.
    let clone = ctx.clone();
    clone.run(|| REQUEST.set(78));
    assert_eq!(ctx.get(&REQUEST), Some(78));
}

#[runner::test]
async fn tokens_reset_to_the_previous_value() {
    assert_eq!(REQUEST.get(), None);
    let first = REQUEST.set(1);
    let second = REQUEST.set(2);
    REQUEST.reset(second);
    assert_eq!(REQUEST.get(), Some(1));
    REQUEST.reset(first);
    assert_eq!(REQUEST.get(), None);
}

#[test]
fn reset_with_another_variables_token_panics_naming_both() {
    static A: ContextVar<u8> = ContextVar::new("alpha");
    static B: ContextVar<u8> = ContextVar::new("beta");
    let token = A.set(1);
    let payload = catch_unwind(AssertUnwindSafe(|| B.reset(token))).unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("`alpha`") && message.contains("`beta`"),
        "{message}"
    );
}

#[test]
fn entering_an_entered_context_panics() {
    let ctx = Context::empty();
    let inner = ctx.clone();
    let payload = catch_unwind(AssertUnwindSafe(|| ctx.run(|| inner.run(|| ())))).unwrap_err();
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("already entered"), "{message}");
    // After the panic, the context is usable again.
    ctx.run(|| REQUEST.set(5));
    assert_eq!(ctx.get(&REQUEST), Some(5));
}

#[test]
fn a_token_is_send_when_its_value_is() {
    fn assert_send<T: Send>(_: &T) {}
    let token = REQUEST.set(3);
    assert_send(&token);
    std::thread::spawn(move || drop(token)).join().unwrap();
}

#[runner::test]
async fn unblock_runs_in_a_copy_of_the_callers_context() {
    let _ = REQUEST.set(9);
    let seen = runner::unblock(|| {
        let seen = REQUEST.get();
        let _ = REQUEST.set(10);
        seen
    })
    .await;
    assert_eq!(seen, Some(9));
    assert_eq!(REQUEST.get(), Some(9));
}

#[test]
fn tasks_on_worker_threads_see_their_own_context() {
    let mut r = Runner::builder().threads(4).build();
    let results = r.run(async {
        let tasks: Vec<_> = (0..200_u64)
            .map(|i| {
                let _ = REQUEST.set(i);
                runner::spawn(async move {
                    for _ in 0..3 {
                        // Blocking a little spreads tasks over the workers.
                        std::thread::sleep(std::time::Duration::from_micros(50));
                        futures_lite::future::yield_now().await;
                        assert_eq!(REQUEST.get(), Some(i));
                    }
                    (i, REQUEST.get(), std::thread::current().id())
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    let threads: std::collections::HashSet<_> = results.iter().map(|r| r.2).collect();
    assert!(threads.len() > 1, "tasks ran on several threads");
    assert!(results.iter().all(|(i, seen, _)| Some(*i) == *seen));
}

#[test]
fn handle_spawn_from_another_thread_uses_that_threads_context() {
    let mut r = Runner::new();
    let handle = r.handle();
    let task = std::thread::spawn(move || {
        let _ = USER.set("from the other thread".to_owned());
        handle.spawn(async { USER.get() })
    })
    .join()
    .unwrap();
    assert_eq!(r.run(task), Some("from the other thread".to_owned()));
}

#[runner::test]
async fn spawn_local_copies_the_context_too() {
    let _ = REQUEST.set(3);
    let local = runner::spawn_local(async {
        let seen = REQUEST.get();
        let _ = REQUEST.set(4);
        seen
    });
    assert_eq!(local.await, Some(3));
    assert_eq!(REQUEST.get(), Some(3));
}

#[test]
fn a_variable_set_by_a_task_spawned_where_none_was_set_stays_that_tasks() {
    // Where no variable is set, a poll swaps no context in or out: what a task sets must
    // still be taken back into the task, and nobody polled after it may see it.
    let mut r = Runner::new();
    let (setter, bystanders, main) = r.run(async {
        assert_eq!(Context::current().len(), 0);
        let setter = runner::spawn(async {
            let mut seen = Vec::new();
            for round in 0..3_u64 {
                let _ = REQUEST.set(round);
                futures_lite::future::yield_now().await;
                seen.push(REQUEST.get());
            }
            seen
        });
        let bystanders: Vec<_> = (0..3)
            .map(|_| {
                runner::spawn(async {
                    let mut seen = Vec::new();
                    for _ in 0..3 {
                        seen.push(REQUEST.get());
                        futures_lite::future::yield_now().await;
                    }
                    seen
                })
            })
            .collect();
        let setter = setter.await;
        let mut seen = Vec::new();
        for task in bystanders {
            seen.extend(task.await);
        }
        (setter, seen, REQUEST.get())
    });
    assert_eq!(setter, [Some(0), Some(1), Some(2)]);
    assert_eq!(bystanders, [None; 9]);
    assert_eq!(main, None);
    assert_eq!(
        REQUEST.get(),
        None,
        "nothing leaks out of the runner either"
    );
}

#[test]
fn a_thousand_concurrent_tasks_each_with_its_own_value() {
    let mut r = Runner::builder().threads(2).build();
    let ok = r.run(async {
        let barrier = Arc::new(async_barrier(1000));
        let tasks: Vec<_> = (0..1000_u64)
            .map(|i| {
                let barrier = barrier.clone();
                runner::spawn(async move {
                    let _ = REQUEST.set(i);
                    barrier.wait().await; // all thousand are alive at once here
                    REQUEST.get() == Some(i)
                })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            ok += usize::from(task.await);
        }
        ok
    });
    assert_eq!(ok, 1000);
}

#[test]
fn destructors_of_completed_tasks_see_the_task_context() {
    static SEEN: std::sync::Mutex<Option<u64>> = std::sync::Mutex::new(None);
    struct Peek;
    impl Drop for Peek {
        fn drop(&mut self) {
            *SEEN.lock().unwrap() = REQUEST.get();
        }
    }
    runner::run(async {
        runner::spawn(async {
            let _ = REQUEST.set(55);
            let peek = Peek;
            // Held across an await, so it lives in the future and drops with it.
            futures_lite::future::yield_now().await;
            let _keep = &peek;
        })
        .await;
    });
    assert_eq!(*SEEN.lock().unwrap(), Some(55));
}

/// A countdown barrier from std parts, so that this test needs no extra crate.
fn async_barrier(n: usize) -> Barrier {
    Barrier {
        state: std::sync::Mutex::new((n, Vec::new())),
    }
}
struct Barrier {
    state: std::sync::Mutex<(usize, Vec<std::task::Waker>)>,
}
impl Barrier {
    async fn wait(&self) {
        {
            let mut state = self.state.lock().unwrap();
            state.0 -= 1;
            if state.0 == 0 {
                for waker in state.1.drain(..) {
                    waker.wake();
                }
            }
        }
        std::future::poll_fn(|cx| {
            let mut state = self.state.lock().unwrap();
            if state.0 == 0 {
                std::task::Poll::Ready(())
            } else {
                state.1.push(cx.waker().clone());
                std::task::Poll::Pending
            }
        })
        .await
    }
}

#[test]
fn the_request_context_example_keeps_each_requests_id_to_its_own_tasks() {
    // target/debug/deps/<test binary> → target/debug/examples/request_context
    let mut binary = std::env::current_exe().expect("test binary path");
    binary.pop();
    binary.pop();
    binary.push("examples/request_context");
    let output = std::process::Command::new(&binary)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for id in 1..=3 {
        for part in 0..3 {
            let line = format!("[request {id}] looked up part {part}");
            assert_eq!(stdout.matches(&line).count(), 1, "{line:?} in:\n{stdout}");
        }
        assert!(stdout.contains(&format!("[request {id}] done")), "{stdout}");
    }
    assert!(
        stdout.starts_with("[no request] server starting\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("[no request] all requests served\n"),
        "{stdout}"
    );
}

/// A value whose `Clone` reads another context variable.
#[derive(Debug)]
struct ReadsOnClone(Option<u32>);

static READ_ON_CLONE: ContextVar<u32> = ContextVar::new("read_on_clone");

impl Clone for ReadsOnClone {
    fn clone(&self) -> Self {
        ReadsOnClone(READ_ON_CLONE.get())
    }
}

#[test]
fn a_value_whose_clone_reads_a_variable_sees_the_context() {
    static HOLDER: ContextVar<ReadsOnClone> = ContextVar::new("holder");
    Context::empty().run(|| {
        READ_ON_CLONE.set(9);
        HOLDER.set(ReadsOnClone(None));
        assert_eq!(HOLDER.get().unwrap().0, Some(9));
    });
}

#[test]
fn a_value_whose_clone_panics_leaves_the_context_in_place() {
    #[derive(Debug)]
    struct PanicsOnClone;
    impl Clone for PanicsOnClone {
        fn clone(&self) -> Self {
            panic!("no clones")
        }
    }
    static BOMB: ContextVar<PanicsOnClone> = ContextVar::new("bomb");
    static KEPT: ContextVar<u32> = ContextVar::new("kept");
    Context::empty().run(|| {
        KEPT.set(4);
        BOMB.set(PanicsOnClone);
        let cloned = std::panic::catch_unwind(|| BOMB.get());
        assert!(cloned.is_err());
        assert_eq!(
            KEPT.get(),
            Some(4),
            "the thread's context survived the panic"
        );
    });
}

#[test]
fn a_context_running_on_another_thread_shows_its_values_as_of_entry() {
    static N: ContextVar<u32> = ContextVar::new("n");
    let ctx = Context::empty();
    ctx.run(|| N.set(1));
    let (entered, is_entered) = std::sync::mpsc::channel();
    let (leave, may_leave) = std::sync::mpsc::channel::<()>();
    let running = ctx.clone();
    let thread = std::thread::spawn(move || {
        running.run(|| {
            N.set(2);
            entered.send(()).unwrap();
            may_leave.recv().unwrap();
        })
    });
    is_entered.recv().unwrap();
    assert_eq!(
        ctx.get(&N),
        Some(1),
        "the values as of entry, not an empty context"
    );
    assert_eq!(ctx.len(), 1);
    assert!(format!("{ctx:?}").contains("vars: 1"), "{ctx:?}");
    leave.send(()).unwrap();
    thread.join().unwrap();
    assert_eq!(ctx.get(&N), Some(2), "what the run set shows once it left");
}

//! Task groups and close: a group's children are never left running after close, each
//! destructor runs exactly once before close returns, and a child that awaited
//! `shutdown_requested()` gets the grace like any task.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_io::Timer;
use runner::Runner;

/// One drop count per child, and whether close has returned.
#[derive(Default)]
struct Counts {
    drops: Mutex<Vec<usize>>,
}

struct Guard {
    counts: Arc<Counts>,
    index: usize,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.counts.drops.lock().unwrap()[self.index] += 1;
    }
}

fn guard(counts: &Arc<Counts>) -> Guard {
    let mut drops = counts.drops.lock().unwrap();
    drops.push(0);
    Guard {
        counts: counts.clone(),
        index: drops.len() - 1,
    }
}

/// A child that never ends (it wakes every millisecond, so close finds it busy).
async fn forever(guard: Guard) {
    let _guard = guard;
    loop {
        Timer::after(Duration::from_millis(1)).await;
    }
}

/// Nested groups in detached tasks and in the body, then close: every child dropped once.
fn close_drops_every_child_once(mut runner: Runner) {
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    runner.run(async move {
        for _ in 0..3 {
            let c = c.clone();
            runner::spawn(async move {
                runner::task_group(|outer| async move {
                    for _ in 0..4 {
                        outer.spawn(forever(guard(&c)));
                    }
                    let c2 = c.clone();
                    outer.spawn(async move {
                        runner::task_group(|inner| async move {
                            for _ in 0..4 {
                                inner.spawn(forever(guard(&c2)));
                            }
                            forever(guard(&c2)).await
                        })
                        .await
                    });
                    forever(guard(&c)).await
                })
                .await
            })
            .detach();
        }
        Timer::after(Duration::from_millis(20)).await;
    });
    runner.close();
    let drops = counts.drops.lock().unwrap().clone();
    assert_eq!(drops.len(), 3 * (4 + 1 + 4 + 1));
    assert!(drops.iter().all(|&d| d == 1), "drop counts: {drops:?}");
}

fn builder() -> runner::Builder {
    Runner::builder().handle_ctrl_c(false)
}

#[test]
fn close_drops_every_child_of_nested_groups_once_on_the_runners_own_executor() {
    close_drops_every_child_once(builder().build());
    close_drops_every_child_once(builder().threads(2).build());
}

#[test]
fn close_drops_every_child_of_nested_groups_once_on_a_factory_executor() {
    let executor = Arc::new(async_executor::Executor::new());
    let shared = executor.clone();
    close_drops_every_child_once(builder().factory(move || shared).build());
    let shared = executor.clone();
    close_drops_every_child_once(builder().threads(2).factory(move || shared).build());
}

/// A child that awaits `shutdown_requested()` finishes its cleanup during close (timers
/// work in the grace period); its sibling that never asked is cancelled.
#[test]
fn a_child_that_awaits_shutdown_requested_gets_the_grace() {
    let flushed = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let (f, c) = (flushed.clone(), counts.clone());
    let mut runner = builder().shutdown_grace(Duration::from_secs(5)).build();
    runner.run(async move {
        runner::spawn(async move {
            runner::task_group(|group| async move {
                group.spawn(async move {
                    runner::shutdown_requested().await;
                    Timer::after(Duration::from_millis(20)).await;
                    f.store(true, Ordering::SeqCst);
                });
                group.spawn(forever(guard(&c)));
            })
            .await
        })
        .detach();
        Timer::after(Duration::from_millis(5)).await;
    });
    runner.close();
    assert!(flushed.load(Ordering::SeqCst));
    assert_eq!(*counts.drops.lock().unwrap(), [1]);
}

struct PanicOnDrop;
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("destructor of a cancelled child");
    }
}

/// A child of a scope that a timeout dropped panics in its destructor when it is cancelled:
/// the panic goes into the abandoned group and is never reported.
#[test]
fn destructor_panic_of_child_of_dropped_scope_is_reported() {
    if common::is_child() {
        runner::Runner::builder().debug(false).build().run(async {
            let scoped = runner::timeout(
                Duration::from_millis(20),
                runner::task_group(|group| async move {
                    group.spawn(async {
                        let _guard = PanicOnDrop;
                        std::future::pending::<()>().await;
                    });
                    std::future::pending::<()>().await
                }),
            )
            .await;
            assert!(scoped.is_err());
            // Let the cancelled child be polled and dropped.
            runner::time::sleep(Duration::from_millis(50)).await;
        });
        println!("END");
        return;
    }
    let out = common::run_child(
        "destructor_panic_of_child_of_dropped_scope_is_reported",
        &[],
    );
    let stderr = common::stderr_of(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("END"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("[runner] ") && l.contains("destructor of a cancelled child")),
        "the destructor panic was not reported; stderr:\n{stderr}"
    );
}

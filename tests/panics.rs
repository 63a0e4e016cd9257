//! Panics in tasks: awaited ones reach the awaiter; unobserved ones are reported with the
//! spawn location, or ignored, or shut the runner down, as `unhandled_panic` says.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use runner::{Runner, UnhandledPanic};

#[runner::test]
#[should_panic(expected = "task panic reaches the awaiter")]
async fn an_awaited_task_panic_resumes_at_the_await() {
    runner::spawn(async { panic!("task panic reaches the awaiter") }).await;
}

#[test]
fn an_awaited_task_panic_resumes_with_its_payload() {
    let payload = catch_unwind(|| {
        runner::run(async { runner::spawn(async { std::panic::panic_any(99_u64) }).await })
    })
    .unwrap_err();
    assert_eq!(payload.downcast_ref::<u64>(), Some(&99));
}

#[test]
fn a_detached_task_panic_is_reported_with_its_spawn_location() {
    if common::is_child() {
        runner::run(async {
            runner::spawn(async { panic!("lost in the background") }).detach();
            async_io::Timer::after(Duration::from_millis(20)).await;
            println!("main went on");
        });
        return;
    }
    let output = common::run_child(
        "a_detached_task_panic_is_reported_with_its_spawn_location",
        &[],
    );
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("main went on"));
    let reports: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("[runner]"))
        .collect();
    assert_eq!(reports.len(), 1, "reported once: {stderr}");
    assert!(
        reports[0].contains("task spawned at tests/panics.rs:")
            && reports[0].contains("lost in the background"),
        "{stderr}"
    );
}

#[test]
fn a_panic_in_a_task_whose_handle_was_dropped_after_it_finished_is_reported() {
    if common::is_child() {
        runner::run(async {
            let task = runner::spawn(async { panic!("finished unobserved") });
            while !task.is_finished() {
                futures_lite::future::yield_now().await;
            }
            drop(task);
        });
        return;
    }
    let output = common::run_child(
        "a_panic_in_a_task_whose_handle_was_dropped_after_it_finished_is_reported",
        &[],
    );
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        stderr
            .matches("[runner] task spawned at tests/panics.rs:")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("finished unobserved"), "{stderr}");
}

#[test]
fn unhandled_panic_ignore_says_nothing() {
    if common::is_child() {
        let mut r = Runner::builder()
            .unhandled_panic(UnhandledPanic::Ignore)
            .build();
        r.run(async {
            runner::spawn(async { panic!("ignored") }).detach();
            async_io::Timer::after(Duration::from_millis(20)).await;
        });
        return;
    }
    let output = common::run_child("unhandled_panic_ignore_says_nothing", &[]);
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("[runner]"), "{stderr}");
}

#[test]
fn unhandled_panic_shutdown_closes_the_runner_and_run_panics_with_the_payload() {
    let mut r = Runner::builder()
        .unhandled_panic(UnhandledPanic::ShutdownRunner)
        .build();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        r.run(async {
            runner::spawn(async { std::panic::panic_any("fatal") }).detach();
            std::future::pending::<()>().await
        })
    }))
    .unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"fatal"));
    assert!(r.is_closed());
}

#[test]
fn a_destructor_that_panics_during_close_is_reported_and_close_goes_on() {
    if common::is_child() {
        struct PanicsOnDrop;
        impl Drop for PanicsOnDrop {
            fn drop(&mut self) {
                panic!("destructor failed");
            }
        }
        struct Counts(&'static std::sync::atomic::AtomicUsize);
        impl Drop for Counts {
            fn drop(&mut self) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        static DROPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let mut r = Runner::new();
        let value = r.run(async {
            runner::spawn(async {
                let _p = PanicsOnDrop;
                std::future::pending::<()>().await
            })
            .detach();
            for _ in 0..3 {
                runner::spawn(async {
                    let _c = Counts(&DROPPED);
                    std::future::pending::<()>().await
                })
                .detach();
            }
            "run result unchanged"
        });
        r.close();
        assert_eq!(value, "run result unchanged");
        assert_eq!(DROPPED.load(std::sync::atomic::Ordering::SeqCst), 3);
        println!("close finished");
        return;
    }
    let output = common::run_child(
        "a_destructor_that_panics_during_close_is_reported_and_close_goes_on",
        &[],
    );
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("close finished"));
    assert!(
        stderr.contains("[runner] the destructor of the task spawned at tests/panics.rs:")
            && stderr.contains("destructor failed"),
        "{stderr}"
    );
}

#[test]
fn a_runner_dropped_while_the_thread_panics_does_not_double_panic() {
    let result = std::thread::spawn(|| {
        let mut r = Runner::new();
        r.run(async {
            runner::spawn(async { std::future::pending::<()>().await }).detach();
        });
        panic!("the thread's own panic");
    })
    .join();
    let payload = result.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the thread's own panic")
    );
}

//! Debug mode: resolution (explicit setting, then RUNNER_DEBUG) and its reports, asserted
//! on the stderr of child processes.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use runner::Runner;

/// Runs `body` when this process is the child of `name`; otherwise runs the child with
/// `envs` and returns its stderr.
fn child_stderr(name: &str, envs: &[(&str, &str)]) -> String {
    let output = common::run_child(name, envs);
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "child failed: {stderr}");
    stderr
}

fn reports(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.starts_with("[runner] "))
        .collect()
}

/// The program the resolution tests run: reports whether debug is on, and makes a slow
/// poll so that reports can be seen.
fn resolution_program(builder: runner::Builder) {
    let mut r = builder.build();
    r.run(async {
        println!("debug={}", runner::Handle::current().is_debug());
        runner::spawn(async { std::thread::sleep(Duration::from_millis(150)) }).await;
    });
}

#[test]
fn env_unset_means_off() {
    if common::is_child() {
        return resolution_program(Runner::builder());
    }
    let output = common::run_child("env_unset_means_off", &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("debug=false"));
    assert!(reports(&common::stderr_of(&output)).is_empty());
}

#[test]
fn env_set_turns_debug_on_and_reports_name_the_file_and_line() {
    if common::is_child() {
        return resolution_program(Runner::builder());
    }
    for value in ["1", "yes", "true"] {
        let output = common::run_child(
            "env_set_turns_debug_on_and_reports_name_the_file_and_line",
            &[("RUNNER_DEBUG", value)],
        );
        let stderr = common::stderr_of(&output);
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("debug=true"),
            "{value}"
        );
        let reports = reports(&stderr);
        assert_eq!(reports.len(), 1, "{stderr}");
        assert!(
            reports[0].starts_with("[runner] slow poll: task spawned at tests/debug_mode.rs:"),
            "{stderr}"
        );
    }
}

#[test]
fn env_zero_or_empty_means_off() {
    if common::is_child() {
        return resolution_program(Runner::builder());
    }
    for value in ["0", ""] {
        let output = common::run_child("env_zero_or_empty_means_off", &[("RUNNER_DEBUG", value)]);
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("debug=false"),
            "{value:?}"
        );
        assert!(reports(&common::stderr_of(&output)).is_empty());
    }
}

#[test]
fn explicit_debug_false_beats_the_environment() {
    if common::is_child() {
        return resolution_program(Runner::builder().debug(false));
    }
    let output = common::run_child(
        "explicit_debug_false_beats_the_environment",
        &[("RUNNER_DEBUG", "1")],
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("debug=false"));
    assert!(reports(&common::stderr_of(&output)).is_empty());
}

#[test]
fn a_slow_main_future_is_reported_as_the_main_future() {
    if common::is_child() {
        let mut r = Runner::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(30))
            .build();
        r.run(async { std::thread::sleep(Duration::from_millis(60)) });
        return;
    }
    let stderr = child_stderr("a_slow_main_future_is_reported_as_the_main_future", &[]);
    let reports = reports(&stderr);
    assert_eq!(reports.len(), 1, "{stderr}");
    assert!(
        reports[0].contains("slow poll: the main future blocked its thread for"),
        "{stderr}"
    );
    assert!(reports[0].contains("(threshold 30ms)"), "{stderr}");
}

#[test]
fn fast_polls_are_not_reported() {
    if common::is_child() {
        let mut r = Runner::builder().debug(true).build();
        r.run(async {
            for _ in 0..100 {
                runner::spawn(async { futures_lite::future::yield_now().await }).await;
            }
        });
        return;
    }
    let stderr = child_stderr("fast_polls_are_not_reported", &[]);
    assert!(reports(&stderr).is_empty(), "{stderr}");
}

#[test]
fn a_dropped_running_task_and_tasks_cancelled_at_close_are_named() {
    if common::is_child() {
        let mut r = Runner::builder().debug(true).build();
        r.run(async {
            let forgotten = runner::spawn(std::future::pending::<()>());
            futures_lite::future::yield_now().await;
            drop(forgotten);
            runner::spawn(std::future::pending::<()>()).detach();
            // A finished task whose handle is dropped is no bug: not reported.
            let done = runner::spawn(async {});
            while !done.is_finished() {
                futures_lite::future::yield_now().await;
            }
            drop(done);
        });
        r.close();
        return;
    }
    let stderr = child_stderr(
        "a_dropped_running_task_and_tasks_cancelled_at_close_are_named",
        &[],
    );
    let reports = reports(&stderr);
    assert_eq!(reports.len(), 2, "{stderr}");
    assert!(
        reports[0].starts_with("[runner] task spawned at tests/debug_mode.rs:")
            && reports[0].contains("was cancelled because its Task handle was dropped"),
        "{stderr}"
    );
    assert!(
        reports[1].starts_with("[runner] close cancelled the task spawned at tests/debug_mode.rs:"),
        "{stderr}"
    );
}

#[test]
fn a_running_task_whose_handle_is_dropped_off_the_runner_threads_is_named() {
    if common::is_child() {
        let mut r = Runner::builder().debug(true).build();
        let handle = r.handle();
        // Spawned and dropped on a thread that runs no runner: still the program's doing.
        std::thread::spawn(move || {
            let task = handle.spawn(std::future::pending::<()>());
            drop(task);
        })
        .join()
        .unwrap();
        r.run(futures_lite::future::yield_now());
        r.close();
        return;
    }
    let stderr = child_stderr(
        "a_running_task_whose_handle_is_dropped_off_the_runner_threads_is_named",
        &[],
    );
    let reports = reports(&stderr);
    assert_eq!(reports.len(), 1, "{stderr}");
    assert!(
        reports[0].starts_with("[runner] task spawned at tests/debug_mode.rs:")
            && reports[0].contains("was cancelled because its Task handle was dropped"),
        "{stderr}"
    );
}

#[test]
fn with_debug_off_nothing_is_reported() {
    if common::is_child() {
        let mut r = Runner::builder().debug(false).build();
        r.run(async {
            drop(runner::spawn(std::future::pending::<()>()));
            runner::spawn(async { std::thread::sleep(Duration::from_millis(150)) }).await;
            runner::spawn(std::future::pending::<()>()).detach();
        });
        r.close();
        return;
    }
    let stderr = child_stderr("with_debug_off_nothing_is_reported", &[]);
    assert!(reports(&stderr).is_empty(), "{stderr}");
}

fn example(name: &str) -> PathBuf {
    // target/debug/deps/<test binary> → target/debug/examples/<name>
    let mut path = std::env::current_exe().expect("test binary path");
    path.pop();
    path.pop();
    path.push("examples");
    path.push(name);
    path
}

#[test]
fn the_debug_mode_example_shows_both_bugs_only_in_debug_mode() {
    let binary = example("debug_mode");
    assert!(
        binary.exists(),
        "cargo test builds the examples: {}",
        binary.display()
    );
    let with_debug = Command::new(&binary)
        .env("RUNNER_DEBUG", "1")
        .output()
        .unwrap();
    let stderr = common::stderr_of(&with_debug);
    assert!(with_debug.status.success(), "{stderr}");
    assert!(
        stderr.contains("[runner] task spawned at examples/debug_mode.rs:15:13 was cancelled because its Task handle was dropped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[runner] slow poll: task spawned at examples/debug_mode.rs:22:16 blocked its thread for"),
        "{stderr}"
    );
    let without = Command::new(&binary)
        .env_remove("RUNNER_DEBUG")
        .output()
        .unwrap();
    assert!(without.status.success());
    assert!(reports(&common::stderr_of(&without)).is_empty());
    assert_eq!(String::from_utf8_lossy(&without.stdout), "slow task done\n");
}

//! What `#[runner::test]` catches that other test attributes let through: panics in tasks
//! nobody awaited, tasks and blocking jobs left running, a stuck test under `timeout`, and
//! reports that belong to their test.
//!
//! The tests that must fail are `#[ignore]`d `child_*` tests: the test next to each runs it
//! in a child process, as libtest runs any test, and asserts that it failed and what it said.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::{run_ignored_child, stderr_of, stdout_of};
use runner::TaskBuilder;
use runner::time::sleep;

/// The child's whole output: libtest shows a failing test's captured output on stdout.
fn output(child: &Output) -> String {
    format!("{}{}", stdout_of(child), stderr_of(child))
}

fn assert_failed(child: &Output) -> String {
    let text = output(child);
    assert!(!child.status.success(), "the child passed:\n{text}");
    text
}

fn assert_passed(child: &Output) -> String {
    let text = output(child);
    assert!(child.status.success(), "the child failed:\n{text}");
    text
}

// Panics in tasks ----------------------------------------------------------------------------

#[runner::test]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_unobserved_panic() {
    let worker = TaskBuilder::new().name("worker");
    println!("spawned at line {}", line!() + 1);
    worker.spawn(async { panic!("task boom") }).detach();
    // The body goes on and would return normally: the task's panic still fails the test.
    sleep(Duration::from_millis(20)).await;
}

#[test]
fn an_unobserved_panic_fails_the_test_with_its_message_name_and_location() {
    let text = assert_failed(&run_ignored_child("child_unobserved_panic", false));
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("spawned at line "))
        .expect("the child printed its line");
    let expected = format!(
        "test `child_unobserved_panic`: task `worker` spawned at tests/test_guards.rs:{line}:"
    );
    assert!(text.contains(&expected), "{expected} not in:\n{text}");
    assert!(text.contains("task boom"), "{text}");
    assert!(text.contains("panicked and nobody awaited it"), "{text}");
}

#[runner::test]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_panic_after_the_body_returned() {
    // Detached, it panics at its first poll, which close gives it (courtesy polls): the
    // body has returned by then.
    runner::spawn(async { panic!("late boom") }).detach();
}

#[test]
fn a_panic_after_the_body_returned_fails_the_test_too() {
    let text = assert_failed(&run_ignored_child(
        "child_panic_after_the_body_returned",
        false,
    ));
    assert!(text.contains("late boom"), "{text}");
    assert!(text.contains("tests/test_guards.rs:"), "{text}");
}

#[runner::test]
#[should_panic(expected = "task boom")]
async fn should_panic_sees_the_task_panic() {
    runner::spawn(async { panic!("task boom") }).detach();
    // Waits for ever: the task's panic cancels the body.
    std::future::pending::<()>().await;
}

#[runner::test(unhandled_panic = "report")]
async fn unhandled_panic_report_lets_the_test_pass() {
    runner::spawn(async { panic!("reported only") }).detach();
    sleep(Duration::from_millis(20)).await;
}

#[runner::test(unhandled_panic = "ignore")]
async fn unhandled_panic_ignore_lets_the_test_pass() {
    runner::spawn(async { panic!("ignored") }).detach();
    sleep(Duration::from_millis(20)).await;
}

#[runner::test]
#[should_panic(expected = "the body's own")]
async fn a_panic_of_the_body_comes_out_as_it_is() {
    panic!("the body's own");
}

#[runner::test]
async fn an_awaited_panic_is_observed() {
    let task = runner::spawn(async { panic!("seen") });
    let caught = futures_lite::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(task)).await;
    assert!(caught.is_err());
}

// Leftovers ----------------------------------------------------------------------------------

/// Leaves a named task waiting for ever and a blocking job running.
async fn leave_things_running() {
    TaskBuilder::new()
        .name("forgotten")
        .spawn(std::future::pending::<()>())
        .detach();
    runner::unblock(|| std::thread::sleep(Duration::from_millis(300))).detach();
    // Let the task start waiting.
    sleep(Duration::from_millis(10)).await;
}

#[runner::test(leftovers = "deny")]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_leftovers_deny() {
    leave_things_running().await;
}

#[test]
fn leftovers_deny_fails_and_lists_them() {
    let text = assert_failed(&run_ignored_child("child_leftovers_deny", false));
    assert!(
        text.contains("1 task(s) and 1 blocking job(s) still running"),
        "{text}"
    );
    // Name, state, age and spawn location of each.
    let task = text
        .lines()
        .find(|line| line.starts_with("#1 ") && line.contains("forgotten"))
        .unwrap_or_else(|| panic!("no row for the task in:\n{text}"));
    assert!(task.contains("idle for"), "{task}");
    assert!(task.contains("tests/test_guards.rs:"), "{task}");
    assert!(
        text.lines()
            .any(|line| line.contains("running for") && line.contains("tests/test_guards.rs:")),
        "no row for the job in:\n{text}"
    );
}

#[runner::test]
#[ignore = "run as a child by the tests next to it"]
async fn child_leftovers_warn() {
    leave_things_running().await;
}

#[test]
fn leftovers_warn_passes_and_says_so_in_the_test_output() {
    // Captured: a passing test stays quiet.
    let quiet = assert_passed(&run_ignored_child("child_leftovers_warn", false));
    assert!(!quiet.contains("[runner]"), "{quiet}");
    // Shown with --nocapture, named for the test.
    let shown = assert_passed(&run_ignored_child("child_leftovers_warn", true));
    assert!(
        shown.contains("[runner] test `child_leftovers_warn`: the test's body returned with 1 task(s) and 1 blocking job(s) still running"),
        "{shown}"
    );
    assert!(shown.contains("forgotten"), "{shown}");
}

#[runner::test(leftovers = "allow")]
#[ignore = "run as a child by the test next to it"]
async fn child_leftovers_allow() {
    leave_things_running().await;
}

#[test]
fn leftovers_allow_says_nothing() {
    let text = assert_passed(&run_ignored_child("child_leftovers_allow", true));
    assert!(!text.contains("the test's body returned with"), "{text}");
}

#[runner::test(leftovers = "deny")]
async fn tasks_that_await_shutdown_are_not_leftovers() {
    runner::spawn(async { runner::shutdown_requested().await }).detach();
    sleep(Duration::from_millis(10)).await;
}

// The timeout, end to end ----------------------------------------------------------------------

/// Runs `name` and checks that it failed as timed out, within the timeout (1 s) plus the
/// documented margin (0.5 s), with room for starting a process on a loaded machine: under
/// 4 s, still short of what each child would take if the timeout did not hold (the 5 s grace,
/// the 300 s blocking-job timeout, a 30 s sleep).
fn times_out(name: &str) -> String {
    let started = Instant::now();
    let child = run_ignored_child(name, false);
    let took = started.elapsed();
    let text = assert_failed(&child);
    assert!(
        took < Duration::from_secs(4),
        "{name} took {took:?}:\n{text}"
    );
    assert!(text.contains("test timed out after 1s"), "{text}");
    text
}

#[runner::test(timeout = "1s")]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_body_stuck_in_sleep() {
    std::thread::sleep(Duration::from_secs(30));
}

#[test]
fn a_body_stuck_in_a_blocking_call_ends_at_the_timeout() {
    let text = times_out("child_body_stuck_in_sleep");
    assert!(text.contains("single poll"), "{text}");
    assert!(text.contains("left behind"), "{text}");
}

#[runner::test(timeout = "1s")]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_stuck_blocking_job() {
    runner::unblock(|| std::thread::sleep(Duration::from_secs(30))).detach();
}

#[test]
fn a_blocking_job_that_never_returns_ends_at_the_timeout() {
    let text = times_out("child_stuck_blocking_job");
    assert!(text.contains("close gave up"), "{text}");
    assert!(text.contains("0 task(s), 1 blocking job(s)"), "{text}");
}

#[runner::test(timeout = "1s")]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_cleanup_never_finishes() {
    TaskBuilder::new()
        .name("cleanup")
        .spawn(async {
            runner::shutdown_requested().await;
            std::future::pending::<()>().await;
        })
        .detach();
    sleep(Duration::from_millis(10)).await;
}

#[test]
fn a_cleanup_that_never_finishes_ends_at_the_timeout() {
    let text = times_out("child_cleanup_never_finishes");
    assert!(text.contains("close gave up"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.contains("cleanup") && line.contains("cleaning up")),
        "{text}"
    );
}

#[runner::test(timeout = "1s")]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_body_waits_for_ever() {
    TaskBuilder::new()
        .name("waiter")
        .spawn(std::future::pending::<()>())
        .detach();
    std::future::pending::<()>().await;
}

#[test]
fn a_body_that_waits_for_ever_fails_with_the_task_dump() {
    let text = times_out("child_body_waits_for_ever");
    assert!(text.contains("body was cancelled"), "{text}");
    assert!(text.contains("waiter"), "{text}");
}

/// A `!Send` body under `timeout`: it is made on the runner's thread.
#[runner::test(timeout = "10s")]
async fn a_timeout_takes_a_body_that_is_not_send() {
    let shared = std::rc::Rc::new(1);
    sleep(Duration::from_millis(1)).await;
    assert_eq!(*shared, 1);
}

#[runner::test(timeout = "10s", threads = 2)]
async fn a_timeout_keeps_the_other_options() {
    assert_eq!(runner::Handle::current().threads(), 2);
    assert!(runner::Handle::current().is_debug());
}

// Reports belong to their test ------------------------------------------------------------------

#[runner::test]
#[ignore = "run as a child by the test next to it"]
async fn child_slow_poll_passes() {
    std::thread::sleep(Duration::from_millis(150));
    runner::future::yield_now().await;
}

#[runner::test]
#[ignore = "fails on purpose: run as a child by the test next to it"]
async fn child_slow_poll_fails() {
    std::thread::sleep(Duration::from_millis(150));
    runner::future::yield_now().await;
    panic!("failing after a slow poll");
}

#[test]
fn reports_go_with_the_test_output() {
    // A passing test: the slow-poll report is captured, so nothing shows on either stream.
    let passed = run_ignored_child("child_slow_poll_passes", false);
    let text = assert_passed(&passed);
    assert!(!text.contains("slow poll"), "{text}");
    // A failing one: the report is in its captured output, named for the test, before the
    // panic.
    let failed = run_ignored_child("child_slow_poll_fails", false);
    let text = assert_failed(&failed);
    let stdout = stdout_of(&failed);
    let report = stdout
        .find("[runner] test `child_slow_poll_fails`: slow poll: the main future")
        .unwrap_or_else(|| panic!("no report in the test's output:\n{text}"));
    let panic = stdout.find("failing after a slow poll").expect("the panic");
    assert!(report < panic, "{stdout}");
    assert!(!stderr_of(&failed).contains("slow poll"), "{text}");
}

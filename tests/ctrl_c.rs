//! Ctrl-C: real SIGINTs sent to child processes (`examples/graceful_shutdown.rs`, which uses
//! `#[runner::main]`, and `tests/bin/signal_helper.rs`), which print a line for each step.
//!
//! Each child is started with SIGINT and SIGTERM at their default disposition (`env
//! --default-signal=INT,TERM`), whatever this test process inherited, and killed if it is still
//! alive after a minute (see `support`).
#![cfg(target_os = "linux")]

mod support;

use support::{
    Program, SIGINT, Start, assert_ended_by, assert_graceful_shutdown_order,
    assert_ignored_signal_stays_ignored,
};

fn assert_interrupted(status: std::process::ExitStatus) {
    assert_ended_by(status, SIGINT);
}

#[test]
fn first_ctrl_c_shuts_down_and_ends_as_interrupted() {
    let mut program = Program::start("graceful_shutdown", &[]);
    program.expect_line("ready: press Ctrl-C to stop");
    assert!(
        program.catches(SIGINT),
        "the handler is installed while run runs"
    );
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert_graceful_shutdown_order(rest);
}

#[test]
fn second_ctrl_c_during_shutdown_ends_at_once() {
    // --slow: the worker's cleanup takes 30 s.
    let mut program = Program::start("graceful_shutdown", &["--slow"]);
    program.expect_line("ready: press Ctrl-C to stop");
    program.interrupt();
    program.expect_line("main: cancelled");
    program.expect_line("worker: shutdown requested");
    program.end_by_second_signal("INT", SIGINT);
    // What the shutdown was waiting on: the worker's cleanup (and its blocking job, when
    // the signal came after the worker started it, just after its line).
    let stderr = program.wait_stderr();
    assert!(stderr.starts_with("[runner] SIGINT again"), "{stderr}");
    assert!(
        stderr.lines().any(|line| line.contains("worker")
            && line.contains("cleaning up")
            && line.contains("examples/graceful_shutdown.rs:")),
        "{stderr}"
    );
}

#[test]
fn try_run_returns_interrupted_and_the_runner_runs_again() {
    let mut program = Program::start("signal_helper", &["try_run"]);
    program.expect_line("ready");
    program.interrupt();
    program.expect_line("try_run: main cancelled");
    program.expect_line("try_run: Err(Interrupted)");
    program.expect_line("run again: 2");
    program.expect_line("ready again");
    // Outside run, SIGINT has its default action again.
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn runner_run_shuts_down_and_ends_as_interrupted() {
    let mut program = Program::start("signal_helper", &["run"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert_eq!(rest, ["run: main cancelled", "task: cancelled"]);
}

#[test]
fn run_with_context_closes_the_runner_and_ends_as_interrupted() {
    let mut program = Program::start("signal_helper", &["run_with_context"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert_eq!(
        rest,
        [
            "run_with_context: main cancelled",
            "task: shutdown requested"
        ]
    );
}

#[test]
fn after_run_returned_ctrl_c_ends_the_process() {
    let mut program = Program::start("signal_helper", &["after_run"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn ctrl_c_during_the_main_futures_last_poll_still_ends_as_interrupted() {
    let mut program = Program::start("signal_helper", &["during_last_poll"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert!(rest.is_empty(), "the output was dropped: {rest:?}");
}

#[test]
fn a_program_that_ignores_sigint_keeps_ignoring_it() {
    assert_ignored_signal_stays_ignored("INT", SIGINT, |_| {});
}

#[test]
fn a_program_with_its_own_handler_keeps_it() {
    let mut program = Program::start("signal_helper", &["own_handler"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["own handler: saw SIGINT", "run: returned"]);
}

#[test]
fn a_runner_off_the_main_thread_installs_nothing() {
    let mut program = Program::start("signal_helper", &["thread"]);
    program.expect_line("ready");
    assert!(!program.catches(SIGINT));
    program.interrupt();
    let (status, rest) = program.finish();
    // The default action: no cleanup ran.
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn handle_ctrl_c_false_installs_nothing() {
    let mut program = Program::start("signal_helper", &["disabled"]);
    program.expect_line("ready");
    assert!(!program.catches(SIGINT));
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn debug_mode_says_once_that_ignored_signals_are_left_alone() {
    // Started as a background job of a script would be, SIGINT and SIGTERM ignored.
    let mut program = Start::new("signal_helper", &["ignored_notice", "debug"])
        .wrapper("sh", &["-c", "trap '' INT TERM; exec \"$0\" \"$@\""])
        .spawn();
    program.expect_line("done");
    let (status, _) = program.finish();
    assert!(status.success(), "{status:?}");
    let stderr = program.wait_stderr();
    // Three runs, one line per signal.
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("[runner] SIGINT is ignored by this process")
            && lines[0].ends_with("so Ctrl-C will not stop it"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("[runner] SIGTERM is ignored by this process")
            && lines[1].ends_with("so `kill` will not stop it"),
        "{stderr}"
    );
}

#[test]
fn without_debug_mode_ignored_signals_are_left_alone_quietly() {
    let mut program = Start::new("signal_helper", &["ignored_notice", "quiet"])
        .wrapper("sh", &["-c", "trap '' INT TERM; exec \"$0\" \"$@\""])
        .spawn();
    program.expect_line("done");
    let (status, _) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(program.wait_stderr(), "");
}

#[test]
fn debug_mode_says_nothing_when_signals_are_at_their_default() {
    let mut program = Program::start("signal_helper", &["ignored_notice", "debug"]);
    program.expect_line("done");
    let (status, _) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(program.wait_stderr(), "");
}

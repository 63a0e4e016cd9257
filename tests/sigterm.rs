//! SIGTERM: real signals sent to child processes (`examples/graceful_shutdown.rs`, which uses
//! `#[runner::main]`, and `tests/bin/signal_helper.rs`), which print a line for each step.
//! SIGTERM takes the path of the first Ctrl-C and the process ends as terminated (status 143).
#![cfg(target_os = "linux")]

mod support;

use support::{
    Program, SIGINT, SIGTERM, Start, assert_ended_by, assert_graceful_shutdown_order,
    assert_ignored_signal_stays_ignored,
};

#[test]
fn sigterm_runs_the_cleanup_and_ends_as_terminated() {
    let mut program = Program::start("graceful_shutdown", &[]);
    program.expect_line("ready: press Ctrl-C to stop");
    assert!(
        program.catches(SIGTERM),
        "the handler is installed while run runs"
    );
    program.terminate();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGTERM);
    assert_eq!(
        status.code(),
        None,
        "ended by the signal, which a shell shows as 143"
    );
    assert_graceful_shutdown_order(rest);
}

#[test]
fn a_shell_sees_143() {
    // `runner::run` as a shell's job: the shell reports the status a script would see.
    let mut program = Start::new("signal_helper", &["run"])
        .wrapper(
            "sh",
            &[
                "-c",
                "\"$0\" \"$@\" & pid=$!; read go; kill -TERM $pid; wait $pid; echo \"status $?\"",
            ],
        )
        .spawn();
    program.expect_line("ready");
    program.send("go");
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        rest,
        ["run: main cancelled", "task: cancelled", "status 143"]
    );
}

#[test]
fn runner_run_with_context_gives_the_grace_and_ends_as_terminated() {
    let mut program = Program::start("signal_helper", &["run_with_context"]);
    program.expect_line("ready");
    program.terminate();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGTERM);
    assert_eq!(
        rest,
        [
            "run_with_context: main cancelled",
            "task: shutdown requested"
        ]
    );
}

#[test]
fn a_second_sigterm_during_shutdown_ends_at_once() {
    // --slow: the worker's cleanup takes 30 s.
    let mut program = Program::start("graceful_shutdown", &["--slow"]);
    program.expect_line("ready: press Ctrl-C to stop");
    program.terminate();
    program.expect_line("main: cancelled");
    program.expect_line("worker: shutdown requested");
    program.end_by_second_signal("TERM", SIGTERM);
}

#[test]
fn ctrl_c_after_sigterm_ends_at_once_too() {
    let mut program = Program::start("graceful_shutdown", &["--slow"]);
    program.expect_line("ready: press Ctrl-C to stop");
    program.terminate();
    program.expect_line("main: cancelled");
    program.expect_line("worker: shutdown requested");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGINT);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn try_run_returns_terminated_and_the_runner_runs_again() {
    let mut program = Program::start("signal_helper", &["try_run"]);
    program.expect_line("ready");
    program.terminate();
    program.expect_line("try_run: main cancelled");
    program.expect_line("try_run: Err(Terminated)");
    program.expect_line("run again: 2");
    program.expect_line("ready again");
    // Outside run, SIGTERM has its default action again.
    program.terminate();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGTERM);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn a_program_that_ignores_sigterm_keeps_ignoring_it() {
    assert_ignored_signal_stays_ignored("TERM", SIGTERM, |program| {
        assert!(program.catches(SIGINT), "SIGINT is still handled");
    });
}

#[test]
fn handle_signals_without_sigterm_leaves_it_alone() {
    let mut program = Program::start("signal_helper", &["sigint_only"]);
    program.expect_line("ready");
    assert!(program.catches(SIGINT));
    assert!(!program.catches(SIGTERM), "SIGTERM is not handled");
    program.terminate();
    let (status, rest) = program.finish();
    // The default action: no cleanup ran, the main future was not even dropped.
    assert_ended_by(status, SIGTERM);
    assert!(rest.is_empty(), "{rest:?}");
}

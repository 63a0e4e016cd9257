//! What signals print about a runner: the task list on the second Ctrl-C or SIGTERM of a
//! shutdown (then the process ends), on SIGQUIT in debug mode (then the program goes on), and
//! when close's grace period runs out after a signal. Real signals sent to
//! `tests/bin/signal_helper.rs`, as in `ctrl_c.rs`.
#![cfg(target_os = "linux")]

mod support;

use support::{Program, SIGINT, SIGQUIT, SIGTERM, Start, assert_ended_by};

/// The line of `stderr` that names the task `name`, spawned in the helper, in the task list.
fn task_line<'a>(stderr: &'a str, name: &str) -> &'a str {
    stderr
        .lines()
        .find(|line| line.contains(name) && line.contains("tests/bin/signal_helper.rs:"))
        .unwrap_or_else(|| panic!("no line names `{name}` and where it was spawned:\n{stderr}"))
}

/// Starts the helper with SIGQUIT at its default disposition too, and no core file.
fn start_for_sigquit(args: &[&str]) -> Program {
    Start::new("signal_helper", args)
        .wrapper(
            "sh",
            &[
                "-c",
                "ulimit -c 0; exec env --default-signal=INT,TERM,QUIT \"$0\" \"$@\"",
            ],
        )
        .spawn()
}

#[test]
fn second_ctrl_c_names_the_stuck_cleanup_then_ends_as_interrupted() {
    // Debug mode off: the runner still tracks the tasks that asked for shutdown.
    let mut program = Program::start("signal_helper", &["stuck_cleanup", "60000", "quiet"]);
    program.expect_line("ready");
    program.interrupt();
    program.expect_line("stuck_cleanup: main cancelled");
    program.expect_line("cleanup: started");
    program.end_by_second_signal("INT", SIGINT);
    let stderr = program.wait_stderr();
    assert!(
        stderr.starts_with(
            "[runner] SIGINT again before the shutdown finished: the process ends now. The \
             runner was still waiting on:\n"
        ),
        "{stderr}"
    );
    let line = task_line(&stderr, "flush-cache");
    assert!(line.contains("cleaning up"), "{line}");
}

#[test]
fn sigterm_then_ctrl_c_prints_the_dump_and_ends_by_the_second_signal() {
    let mut program = Program::start("signal_helper", &["stuck_cleanup", "60000", "debug"]);
    program.expect_line("ready");
    program.terminate();
    program.expect_line("stuck_cleanup: main cancelled");
    program.expect_line("cleanup: started");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGINT);
    assert!(rest.is_empty(), "{rest:?}");
    let stderr = program.wait_stderr();
    assert!(stderr.contains("[runner] SIGINT again"), "{stderr}");
    // Debug mode: the state of the task in its cleanup is known (idle, or still in the poll
    // that printed its line).
    let line = task_line(&stderr, "flush-cache");
    assert!(
        line.contains(", cleaning up") && !line.contains("?, cleaning up"),
        "{line}"
    );
}

#[test]
fn a_main_future_stuck_in_a_blocking_call_shows_as_running_on_its_thread() {
    let mut program = Program::start("signal_helper", &["stuck_main", "debug"]);
    program.expect_line("ready");
    // The first Ctrl-C cannot cancel a future inside a poll: nothing happens.
    program.interrupt();
    program.wait_taken(SIGINT);
    program.interrupt();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGINT);
    assert!(rest.is_empty(), "{rest:?}");
    let stderr = program.wait_stderr();
    let line = stderr
        .lines()
        .find(|line| line.starts_with("the main future: "))
        .unwrap_or_else(|| panic!("the main future is not named:\n{stderr}"));
    assert!(
        line.starts_with("the main future: running on main for "),
        "{line}"
    );
}

#[test]
fn the_second_signal_ends_the_process_even_when_the_dump_cannot_be_printed() {
    // The main future holds stderr's lock and blocks its thread: the dump waits for the lock
    // for ever, and the process still ends by SIGINT, within the dump's time limit.
    let mut program = Program::start("signal_helper", &["stderr_held"]);
    program.expect_line("ready");
    program.interrupt();
    program.wait_taken(SIGINT);
    program.end_by_second_signal("INT", SIGINT);
    assert_eq!(program.wait_stderr(), "");
}

#[test]
fn when_the_grace_runs_out_after_sigterm_the_report_names_the_stuck_task() {
    let mut program = Program::start("signal_helper", &["stuck_cleanup", "200", "quiet"]);
    program.expect_line("ready");
    program.terminate();
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGTERM);
    assert_eq!(
        rest,
        ["stuck_cleanup: main cancelled", "cleanup: started"],
        "the task is cancelled without printing more"
    );
    let stderr = program.wait_stderr();
    assert!(
        stderr.starts_with(
            "[runner] close's grace period of 200ms ran out with 1 task(s) still cleaning up"
        ),
        "{stderr}"
    );
    task_line(&stderr, "flush-cache");
}

#[test]
fn sigquit_in_debug_mode_prints_the_task_list_and_the_program_goes_on() {
    let mut program = start_for_sigquit(&["quit", "debug"]);
    program.expect_line("ready");
    assert!(
        program.catches(SIGQUIT),
        "SIGQUIT is handled while run runs"
    );
    program.signal("QUIT");
    // The report is one write; its last part is the tree.
    program.stderr_once_it_has("└── ");
    program.send("the dump");
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        rest,
        ["quit: still running after the dump", "run: returned"]
    );
    let stderr = program.wait_stderr();
    assert!(
        stderr.starts_with(
            "[runner] SIGQUIT: the tasks of the runner on the main thread (the program goes on):\n"
        ),
        "{stderr}"
    );
    let line = task_line(&stderr, "ticker");
    assert!(line.contains("idle for"), "{line}");
}

#[test]
fn without_debug_mode_sigquit_keeps_its_default_action() {
    let mut program = start_for_sigquit(&["quit", "quiet"]);
    program.expect_line("ready");
    assert!(!program.catches(SIGQUIT), "nothing installed for SIGQUIT");
    program.signal("QUIT");
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGQUIT);
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(program.wait_stderr(), "");
}

#[test]
fn after_a_debug_run_sigquit_has_its_default_action_again() {
    let mut program = start_for_sigquit(&["after_run", "debug"]);
    program.expect_line("ready");
    program.signal("QUIT");
    let (status, rest) = program.finish();
    assert_ended_by(status, SIGQUIT);
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(program.wait_stderr(), "");
}

#[test]
fn a_program_with_its_own_sigquit_handler_keeps_it() {
    let mut program = start_for_sigquit(&["quit_own_handler"]);
    program.expect_line("ready");
    program.signal("QUIT");
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["own handler: saw SIGQUIT", "run: returned"]);
    assert_eq!(program.wait_stderr(), "");
}

//! Ctrl-C: real SIGINTs sent to child processes (`examples/graceful_shutdown.rs`, which uses
//! `#[runner::main]`, and `tests/bin/ctrl_c_helper.rs`), which print a line for each step.
//!
//! Each child is started with SIGINT at its default disposition (`env --default-signal=INT`),
//! whatever this test process inherited, and killed if it is still alive after a minute. The
//! test waits for the child's "ready" line before it signals: no sleeps as synchronisation.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Lines, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Once, mpsc};
use std::time::{Duration, Instant};

const SIGINT: i32 = 2;

/// How long a child may live before the test kills it and fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A child process whose stdout is read line by line.
struct Program {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// Dropped when the child was waited for; the watchdog kills it otherwise.
    _watchdog: mpsc::Sender<()>,
}

impl Program {
    /// Starts example `name` with `args`, SIGINT at its default disposition.
    fn start(name: &str, args: &[&str]) -> Program {
        Program::start_with(name, args, "env", &["--default-signal=INT"])
    }

    /// Starts example `name` with `args` through `wrapper wrapper_args…`.
    fn start_with(name: &str, args: &[&str], wrapper: &str, wrapper_args: &[&str]) -> Program {
        let mut child = Command::new(wrapper)
            .args(wrapper_args)
            .arg(example(name))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("start {name}: {error}"));
        let lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let (watchdog, stop) = mpsc::channel::<()>();
        let pid = child.id();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(DEADLINE) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        });
        Program {
            child,
            lines,
            _watchdog: watchdog,
        }
    }

    /// The next line the child prints; panics at the end of its output.
    fn line(&mut self) -> String {
        match self.lines.next() {
            Some(line) => line.expect("read the child's stdout"),
            None => panic!("the child ended early: {:?}", self.child.wait()),
        }
    }

    /// Reads lines up to and including `expected`, which must come.
    fn expect_line(&mut self, expected: &str) {
        let line = self.line();
        assert_eq!(line, expected);
    }

    /// Sends a real SIGINT to the child.
    fn interrupt(&self) {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -INT failed");
    }

    /// Whether the child catches SIGINT now (its `SigCgt` mask).
    fn catches_sigint(&self) -> bool {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read the child's /proc status");
        let caught = status
            .lines()
            .find_map(|line| line.strip_prefix("SigCgt:"))
            .expect("a SigCgt line");
        u64::from_str_radix(caught.trim(), 16).expect("a hex mask") & (1 << (SIGINT - 1)) != 0
    }

    /// Writes a line to the child's stdin.
    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{line}").expect("write the child's stdin");
    }

    /// Waits for the child to end; returns its status and the lines it printed meanwhile.
    fn finish(mut self) -> (ExitStatus, Vec<String>) {
        let rest = self
            .lines
            .by_ref()
            .map(|line| line.expect("read the child's stdout"))
            .collect();
        let status = self.child.wait().expect("wait for the child");
        (status, rest)
    }
}

/// The path of example `name`, built with the profile of this test binary.
fn example(name: &str) -> PathBuf {
    build_examples();
    let mut path = std::env::current_exe().expect("test binary path");
    path.pop(); // the test binary
    path.pop(); // deps
    path.push("examples");
    path.push(name);
    path
}

/// `cargo test --test ctrl_c` alone does not build examples: build the two used here, once.
fn build_examples() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let mut profile_dir = std::env::current_exe().expect("test binary path");
        profile_dir.pop();
        profile_dir.pop();
        let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") | None => "dev".to_owned(),
            Some(other) => other.to_owned(),
        };
        let target_dir = profile_dir.parent().expect("a target directory");
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--package",
                "runner-rt",
                "--profile",
                &profile,
            ])
            .args([
                "--example",
                "graceful_shutdown",
                "--example",
                "ctrl_c_helper",
            ])
            .arg("--manifest-path")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir)
            .status()
            .expect("run cargo build for the examples");
        assert!(status.success(), "building the examples failed");
    });
}

fn assert_interrupted(status: ExitStatus) {
    assert_eq!(
        status.signal(),
        Some(SIGINT),
        "expected the process to end by SIGINT, got {status:?}"
    );
}

#[test]
fn first_ctrl_c_shuts_down_and_ends_as_interrupted() {
    let mut program = Program::start("graceful_shutdown", &[]);
    program.expect_line("ready: press Ctrl-C to stop");
    assert!(
        program.catches_sigint(),
        "the handler is installed while run runs"
    );
    program.interrupt();
    let (status, mut rest) = program.finish();
    assert_interrupted(status);
    // The worker says how many ticks it saved: any number.
    for line in &mut rest {
        if line.starts_with("worker: state saved (") && line.ends_with(" ticks)") {
            *line = "worker: state saved".to_owned();
        }
    }
    // Main future first, then the tasks that asked for shutdown, then the cancelled ones;
    // nothing after them ("main: returned" would mean run returned).
    assert_eq!(
        rest,
        [
            "main: cancelled",
            "worker: shutdown requested",
            "worker: state saved",
            "connection: closed",
        ]
    );
}

#[test]
fn second_ctrl_c_during_shutdown_ends_at_once() {
    // --slow: the worker's cleanup takes 30 s.
    let mut program = Program::start("graceful_shutdown", &["--slow"]);
    program.expect_line("ready: press Ctrl-C to stop");
    program.interrupt();
    program.expect_line("main: cancelled");
    program.expect_line("worker: shutdown requested");
    let second = Instant::now();
    program.interrupt();
    let (status, rest) = program.finish();
    let took = second.elapsed();
    assert_interrupted(status);
    assert!(
        rest.is_empty(),
        "nothing is cleaned up after the second Ctrl-C: {rest:?}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?} to end");
}

#[test]
fn try_run_returns_interrupted_and_the_runner_runs_again() {
    let mut program = Program::start("ctrl_c_helper", &["try_run"]);
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
    let mut program = Program::start("ctrl_c_helper", &["run"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert_eq!(rest, ["run: main cancelled", "task: cancelled"]);
}

#[test]
fn run_with_context_closes_the_runner_and_ends_as_interrupted() {
    let mut program = Program::start("ctrl_c_helper", &["run_with_context"]);
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
    let mut program = Program::start("ctrl_c_helper", &["after_run"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn a_program_that_ignores_sigint_keeps_ignoring_it() {
    // `trap '' INT` sets SIG_IGN, which `exec` keeps: as for a shell's background job.
    let mut program = Program::start_with(
        "ctrl_c_helper",
        &["ignored"],
        "sh",
        &["-c", "trap '' INT; exec \"$0\" \"$@\""],
    );
    program.expect_line("ready");
    assert!(!program.catches_sigint(), "no handler over SIG_IGN");
    // An ignored signal is discarded when sent, so once kill returned it is gone.
    program.interrupt();
    program.send("the signal");
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        rest,
        ["ignored: still running after the signal", "run: returned"]
    );
}

#[test]
fn a_program_with_its_own_handler_keeps_it() {
    let mut program = Program::start("ctrl_c_helper", &["own_handler"]);
    program.expect_line("ready");
    program.interrupt();
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["own handler: saw SIGINT", "run: returned"]);
}

#[test]
fn a_runner_off_the_main_thread_installs_nothing() {
    let mut program = Program::start("ctrl_c_helper", &["thread"]);
    program.expect_line("ready");
    assert!(!program.catches_sigint());
    program.interrupt();
    let (status, rest) = program.finish();
    // The default action: no cleanup ran.
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn handle_ctrl_c_false_installs_nothing() {
    let mut program = Program::start("ctrl_c_helper", &["disabled"]);
    program.expect_line("ready");
    assert!(!program.catches_sigint());
    program.interrupt();
    let (status, rest) = program.finish();
    assert_interrupted(status);
    assert!(rest.is_empty(), "{rest:?}");
}

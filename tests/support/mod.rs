//! Child processes for the tests that send real signals (`ctrl_c.rs`, `sigterm.rs`,
//! `systemd_notify.rs`, `http_server.rs`): examples started as programs, their stdout read
//! line by line, their stderr collected, killed if still alive after a minute. Tests wait for
//! a child's "ready" line before they signal: no sleeps as synchronisation.
#![allow(dead_code)] // each test file uses its own part of this module

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, Once, mpsc};
use std::time::Duration;

pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGTERM: i32 = 15;

/// How long a child may live before the test kills it and fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A child process whose stdout is read line by line.
pub struct Program {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    stderr: Arc<Stderr>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    /// Dropped when the child was waited for; the watchdog kills it otherwise.
    _watchdog: mpsc::Sender<()>,
}

/// What the child wrote to stderr so far, and whether it closed it.
#[derive(Default)]
struct Stderr {
    bytes: Mutex<(Vec<u8>, bool)>,
    grew: Condvar,
}

/// How to start a child.
pub struct Start<'a> {
    name: &'a str,
    args: &'a [&'a str],
    wrapper: (&'a str, Vec<&'a str>),
    env: Vec<(&'a str, String)>,
}

impl<'a> Start<'a> {
    /// Example `name` with `args`, SIGINT and SIGTERM at their default disposition.
    pub fn new(name: &'a str, args: &'a [&'a str]) -> Start<'a> {
        Start {
            name,
            args,
            wrapper: ("env", vec!["--default-signal=INT,TERM"]),
            env: Vec::new(),
        }
    }

    /// Starts it through `wrapper wrapper_args…` instead.
    pub fn wrapper(mut self, wrapper: &'a str, args: &[&'a str]) -> Start<'a> {
        self.wrapper = (wrapper, args.to_vec());
        self
    }

    /// Sets an environment variable for it.
    pub fn env(mut self, name: &'a str, value: impl Into<String>) -> Start<'a> {
        self.env.push((name, value.into()));
        self
    }

    pub fn spawn(self) -> Program {
        let mut command = Command::new(self.wrapper.0);
        command
            .args(&self.wrapper.1)
            .arg(example(self.name))
            .args(self.args)
            .env_remove("RUNNER_DEBUG")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("start {}: {error}", self.name));
        let lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let stderr = Arc::new(Stderr::default());
        let mut pipe = child.stderr.take().expect("piped stderr");
        let collected = stderr.clone();
        // Collected as it comes, so that a test can wait for a line while the child runs.
        let stderr_reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            loop {
                let read = pipe.read(&mut buffer).unwrap_or(0);
                let mut bytes = collected.bytes.lock().unwrap();
                bytes.0.extend_from_slice(&buffer[..read]);
                bytes.1 = read == 0;
                collected.grew.notify_all();
                if read == 0 {
                    break;
                }
            }
        });
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
            stderr,
            stderr_reader: Some(stderr_reader),
            _watchdog: watchdog,
        }
    }
}

impl Program {
    /// Starts example `name` with `args`, SIGINT and SIGTERM at their default disposition.
    pub fn start(name: &str, args: &[&str]) -> Program {
        Start::new(name, args).spawn()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line the child prints; panics at the end of its output.
    pub fn line(&mut self) -> String {
        match self.lines.next() {
            Some(line) => line.expect("read the child's stdout"),
            None => panic!(
                "the child ended early: {:?}\nits stderr:\n{}",
                self.child.wait(),
                self.wait_stderr()
            ),
        }
    }

    /// The next line the child prints, `None` at the end of its output.
    pub fn line_or_end(&mut self) -> Option<String> {
        self.lines
            .next()
            .map(|line| line.expect("read the child's stdout"))
    }

    /// Reads the next line, which must be `expected`.
    pub fn expect_line(&mut self, expected: &str) {
        let line = self.line();
        assert_eq!(line, expected);
    }

    /// Sends a real signal (`kill -NAME`) to the child.
    pub fn signal(&self, name: &str) {
        kill(self.child.id(), name);
    }

    /// Sends the second signal of a shutdown, `name` (number `number`), and checks that the
    /// program ends at once by it, running nothing more that prints to stdout.
    pub fn end_by_second_signal(&mut self, name: &str, number: i32) {
        let sent = std::time::Instant::now();
        self.signal(name);
        let (status, rest) = self.finish();
        let took = sent.elapsed();
        assert_ended_by(status, number);
        assert!(
            rest.is_empty(),
            "nothing runs after the second signal: {rest:?}"
        );
        assert!(took < Duration::from_secs(10), "took {took:?} to end");
    }

    /// Sends SIGINT.
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Waits until no `signal` is pending for the child any more: one of its threads took it.
    /// Two signals sent before the child takes the first would be merged into one.
    pub fn wait_taken(&self, signal: i32) {
        while self.mask("ShdPnd:") & (1 << (signal - 1)) != 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Whether the child catches `signal` now (its `SigCgt` mask).
    pub fn catches(&self, signal: i32) -> bool {
        self.mask("SigCgt:") & (1 << (signal - 1)) != 0
    }

    /// One of the signal masks of the child's `/proc` status (`SigCgt:`, `ShdPnd:`…).
    fn mask(&self, name: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read the child's /proc status");
        let mask = status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_else(|| panic!("a {name} line"));
        u64::from_str_radix(mask.trim(), 16).expect("a hex mask")
    }

    /// Writes a line to the child's stdin.
    pub fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{line}").expect("write the child's stdin");
    }

    /// Waits for the child to end; returns its status and the lines it printed meanwhile.
    pub fn finish(&mut self) -> (ExitStatus, Vec<String>) {
        // A child blocked reading stdin (in an `unblock` job that close waits for) sees its end.
        drop(self.child.stdin.take());
        let rest = self
            .lines
            .by_ref()
            .map(|line| line.expect("read the child's stdout"))
            .collect();
        let status = self.child.wait().expect("wait for the child");
        (status, rest)
    }

    /// Everything the child wrote to stderr; waits for the child to close it.
    pub fn wait_stderr(&mut self) -> String {
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        String::from_utf8_lossy(&self.stderr.bytes.lock().unwrap().0).into_owned()
    }

    /// What the child wrote to stderr so far, once it contains `wanted` (or the child closed
    /// its stderr: then the test's assertion on the text says what is missing).
    pub fn stderr_once_it_has(&self, wanted: &str) -> String {
        let bytes = self.stderr.bytes.lock().unwrap();
        let bytes = self
            .stderr
            .grew
            .wait_while(bytes, |(bytes, closed)| {
                !*closed && !String::from_utf8_lossy(bytes).contains(wanted)
            })
            .unwrap();
        String::from_utf8_lossy(&bytes.0).into_owned()
    }
}

/// Sends a real signal (`kill -NAME pid`).
pub fn kill(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -{name} failed");
}

/// The path of example `name`, built with the profile of this test binary.
pub fn example(name: &str) -> PathBuf {
    build_examples();
    let mut path = std::env::current_exe().expect("test binary path");
    path.pop(); // the test binary
    path.pop(); // deps
    path.push("examples");
    path.push(name);
    path
}

/// `cargo test --test ctrl_c` alone does not build examples: build those used here, once.
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
                env!("CARGO_PKG_NAME"),
                "--profile",
                &profile,
            ])
            .args([
                "--example",
                "graceful_shutdown",
                "--example",
                "signal_helper",
                "--example",
                "http_server",
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

/// Asserts that the child ended by `signal`'s default action.
/// Runs `signal_helper ignored` with signal `name` (number `number`) set to `SIG_IGN` by a
/// shell before `exec` (as for a shell's background job), checks that the runner installed
/// no handler over it and that the signal, sent while `run` runs, is discarded; `also` runs
/// once the program is ready, for what else the caller checks.
pub fn assert_ignored_signal_stays_ignored(name: &str, number: i32, also: impl FnOnce(&Program)) {
    let trap = format!("trap '' {name}; exec \"$0\" \"$@\"");
    let mut program = Start::new("signal_helper", &["ignored"])
        .wrapper("sh", &["-c", &trap])
        .spawn();
    program.expect_line("ready");
    assert!(!program.catches(number), "no handler over SIG_IGN");
    also(&program);
    // An ignored signal is discarded when sent, so once kill returned it is gone.
    program.signal(name);
    program.send("the signal");
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        rest,
        ["ignored: still running after the signal", "run: returned"]
    );
}

pub fn assert_ended_by(status: ExitStatus, signal: i32) {
    assert_eq!(
        status.signal(),
        Some(signal),
        "expected the process to end by signal {signal}, got {status:?}"
    );
}

/// Checks what `examples/graceful_shutdown.rs` printed after its signal: the main future
/// cancelled first, then the task that asked for shutdown finished its cleanup within the
/// grace (it says how many ticks it saved: any number), then the cancelled ones, and nothing
/// after them ("main: returned" would mean `run` returned).
pub fn assert_graceful_shutdown_order(mut rest: Vec<String>) {
    for line in &mut rest {
        if line.starts_with("worker: state saved (") && line.ends_with(" ticks)") {
            *line = "worker: state saved".to_owned();
        }
    }
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

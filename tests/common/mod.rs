//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Set in the environment of a test re-run as a child process.
pub const CHILD_ENV: &str = "RUNNER_TEST_CHILD";

/// Whether this process is a child started by [`run_child`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Re-runs the single test `name` of the current test binary in a child process, so that
/// its stderr and exit status can be asserted on.
pub fn run_child(name: &str, envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("test binary path"));
    command
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env_remove("RUNNER_DEBUG")
        // A backtrace is symbolized inside the child's panic hook: a second or more on a
        // loaded machine, counted against tests that time how fast the child ends.
        .env("RUST_BACKTRACE", "0");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("start the child test process")
}

/// Runs the ignored test `name` of the current test binary in a child process as libtest
/// runs any test: its output captured (shown only if it fails), unless `nocapture`.
pub fn run_ignored_child(name: &str, nocapture: bool) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("test binary path"));
    command
        .args([name, "--exact", "--ignored", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env_remove("RUNNER_DEBUG")
        .env("RUST_BACKTRACE", "0");
    if nocapture {
        command.arg("--nocapture");
    }
    command.output().expect("start the child test process")
}

pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The names of this process's threads.
pub fn thread_names() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect()
}

#[cfg(feature = "tracing")]
pub mod events;

//! Ctrl-C during a reqwest call, 100 rounds: a real SIGINT to a child process
//! (`src/bin/tokio_helper.rs ctrl_c_reqwest`, under `#[runner::main]`) whose request is in
//! flight. Each round must end as interrupted (status 130 in a shell: killed by SIGINT),
//! with no "no reactor" or "being shut down" panic on stderr.
//!
//! Children run in batches, in parallel, so that 100 rounds stay short; each waits for the
//! child's "ready" (the server has the request) before it signals: no sleeps.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const ROUNDS: usize = 100;
const BATCH: usize = 10;
const SIGINT: i32 = 2;

/// One round: start, wait for "ready", SIGINT, and return the status and stderr.
fn round() -> (std::process::ExitStatus, String) {
    // SIGINT at its default disposition in the child, whatever this process inherited.
    let mut child = Command::new("env")
        .arg("--default-signal=INT")
        .arg(env!("CARGO_BIN_EXE_tokio_helper"))
        .arg("ctrl_c_reqwest")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the helper");
    let pid = child.id();
    // A child stuck for a minute is killed, and the round fails below.
    let (done, watchdog) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = watchdog.recv_timeout(Duration::from_secs(60))
        {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    stdout
        .read_line(&mut line)
        .expect("read the helper's stdout");
    assert_eq!(line, "ready\n", "the helper did not get ready");
    let sent = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait for the helper");
    drop(done);
    (status, stderr)
}

#[test]
fn ctrl_c_during_a_reqwest_call_ends_as_interrupted_without_tokio_panics() {
    for batch in 0..ROUNDS / BATCH {
        let rounds: Vec<_> = (0..BATCH).map(|_| std::thread::spawn(round)).collect();
        for (i, handle) in rounds.into_iter().enumerate() {
            let (status, stderr) = handle.join().expect("a round");
            let n = batch * BATCH + i;
            assert_eq!(
                status.signal(),
                Some(SIGINT),
                "round {n}: {status:?}\n{stderr}"
            );
            for forbidden in [
                "no reactor",
                "being shut down",
                "being shutdown",
                "panicked",
            ] {
                assert!(
                    !stderr.contains(forbidden),
                    "round {n}: {forbidden:?} on stderr:\n{stderr}"
                );
            }
        }
    }
}

//! systemd's notify protocol, with this test playing systemd: a Unix datagram socket passed
//! to a child (`tests/bin/signal_helper.rs systemd`) as `NOTIFY_SOCKET`, which receives
//! READY=1, WATCHDOG=1 at half `WATCHDOG_USEC` while the runner makes progress (and none
//! while a task blocks its thread), and STOPPING=1 when shutdown starts.
#![cfg(target_os = "linux")]

mod support;

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{Program, SIGTERM, Start, assert_ended_by};

/// The socket systemd would listen on, and what arrives on it, with arrival times.
struct Systemd {
    path: PathBuf,
    messages: mpsc::Receiver<(Instant, String)>,
}

impl Systemd {
    fn listen(name: &str) -> Systemd {
        let path =
            std::env::temp_dir().join(format!("runner-notify-{}-{name}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        let (send, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = socket.recv(&mut buffer) {
                let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                if send.send((Instant::now(), text)).is_err() {
                    break;
                }
            }
        });
        Systemd { path, messages }
    }

    /// The next message; fails after 20 s without one.
    fn next(&self) -> (Instant, String) {
        self.messages
            .recv_timeout(Duration::from_secs(20))
            .expect("a notify message within 20 s")
    }

    /// The next message that is not a watchdog ping, and the pings before it.
    fn next_besides_pings(&self) -> (Instant, String, usize) {
        let mut pings = 0;
        loop {
            let (at, message) = self.next();
            if message == "WATCHDOG=1" {
                pings += 1;
            } else {
                return (at, message, pings);
            }
        }
    }

    /// Everything received until now, waiting `settle` for late arrivals.
    fn rest(&self, settle: Duration) -> Vec<String> {
        let mut rest = Vec::new();
        while let Ok((_, message)) = self.messages.recv_timeout(settle) {
            rest.push(message);
        }
        rest
    }

    fn start(&self, watchdog_usec: u64, watchdog_pid: Option<&str>) -> Program {
        self.start_mode("systemd", watchdog_usec, watchdog_pid)
    }

    fn start_mode(&self, mode: &str, watchdog_usec: u64, watchdog_pid: Option<&str>) -> Program {
        let args = [mode];
        let mut start = Start::new("signal_helper", &args)
            .env("NOTIFY_SOCKET", self.path.to_string_lossy().into_owned())
            .env("WATCHDOG_USEC", watchdog_usec.to_string());
        if let Some(pid) = watchdog_pid {
            start = start.env("WATCHDOG_PID", pid);
        }
        start.spawn()
    }
}

impl Drop for Systemd {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[test]
fn ready_watchdog_at_its_rate_none_while_blocked_and_stopping() {
    const WATCHDOG: Duration = Duration::from_millis(400);
    let systemd = Systemd::listen("cycle");
    let mut program = systemd.start(WATCHDOG.as_micros() as u64, None);
    program.expect_line("ready: sent true");
    assert_eq!(systemd.next().1, "READY=1");

    // Pings at half the interval: never faster (the timer's deadline), and on average well
    // within the interval systemd enforces.
    let pings: Vec<Instant> = (0..6)
        .map(|_| {
            let (at, message) = systemd.next();
            assert_eq!(message, "WATCHDOG=1");
            at
        })
        .collect();
    let gaps: Vec<Duration> = pings.windows(2).map(|w| w[1] - w[0]).collect();
    for gap in &gaps {
        // Arrival times jitter a little around the send times.
        assert!(
            *gap >= WATCHDOG / 2 - WATCHDOG / 8,
            "a ping came early: {gaps:?}"
        );
    }
    let average = gaps.iter().sum::<Duration>() / gaps.len() as u32;
    assert!(average < WATCHDOG, "pings too slow for systemd: {gaps:?}");

    // A task blocks the runner's thread for a second: no ping meanwhile, though two and a
    // half intervals passed; pings start again after it.
    program.send("block");
    let (blocked_at, message, _) = systemd.next_besides_pings();
    assert_eq!(message, "STATUS=blocking");
    let (unblocked_at, message, pings_while_blocked) = systemd.next_besides_pings();
    assert_eq!(message, "STATUS=unblocked");
    assert_eq!(pings_while_blocked, 0, "a wedged runner must not ping");
    assert!(unblocked_at - blocked_at >= Duration::from_millis(900));
    program.expect_line("unblocked");
    assert_eq!(systemd.next().1, "WATCHDOG=1", "pings resume");

    // SIGTERM: shutdown starts with STOPPING=1, and nothing after it.
    program.signal("TERM");
    let (_, message, _) = systemd.next_besides_pings();
    assert_eq!(message, "STOPPING=1");
    let (status, _) = program.finish();
    assert_ended_by(status, SIGTERM);
    assert_eq!(
        systemd.rest(Duration::from_millis(100)),
        Vec::<String>::new()
    );
}

#[test]
fn a_main_future_that_returns_sends_stopping_once() {
    let systemd = Systemd::listen("quit");
    // A watchdog for another process (a child that inherited the variables): no pings.
    let mut program = systemd.start(100_000, Some("1"));
    program.expect_line("ready: sent true");
    // Long enough for several pings, were they sent.
    std::thread::sleep(Duration::from_millis(300));
    program.send("quit");
    returned_after_ready_and_stopping(&systemd, program);
}

#[test]
fn a_runner_where_only_the_main_future_ran_sends_stopping_too() {
    let systemd = Systemd::listen("idle");
    let mut program = systemd.start_mode("systemd_idle", 100_000, Some("1"));
    program.expect_line("ready: sent true");
    returned_after_ready_and_stopping(&systemd, program);
}

/// The program's `run` returned by itself, and systemd heard READY=1, then STOPPING=1 once.
fn returned_after_ready_and_stopping(systemd: &Systemd, mut program: Program) {
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["run: returned"]);
    assert_eq!(
        systemd.rest(Duration::from_millis(100)),
        ["READY=1", "STOPPING=1"]
    );
}

#[test]
fn without_notify_socket_nothing_is_sent() {
    let mut program = Program::start("signal_helper", &["systemd"]);
    program.expect_line("ready: sent false");
    program.send("quit");
    let (status, rest) = program.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["run: returned"]);
}

//! Load test of `examples/http_server.rs` over loopback: clients send requests on keep-alive
//! and fresh connections while SIGTERM arrives. Every request the server accepted (it logs
//! each with its path) gets a full response, none is cut; once the server says it stopped
//! accepting, new connections are refused; it ends by SIGTERM within its grace period.
//!
//! Bounded: 16 clients, the signal after 200 answered requests, each client at most 2,000
//! requests and 20 s, 127.0.0.1 only. Figures: `cargo test --test http_server -- --nocapture`.
#![cfg(target_os = "linux")]

mod support;

use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{Program, SIGTERM, assert_ended_by};

const CLIENTS: usize = 16;
/// Answered requests before the signal.
const BEFORE_SIGNAL: usize = 200;
const MAX_REQUESTS_PER_CLIENT: usize = 2_000;
/// Requests per connection before a client opens a new one (accepts under load, too).
const PER_CONNECTION: usize = 4;
/// Each request waits this long in the server, so some are in flight at the signal.
const WORK_MS: u64 = 30;
/// The example's `shutdown_grace`.
const GRACE: Duration = Duration::from_secs(5);

/// What became of one request, seen from its client.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// A whole response, body as long as its Content-Length said.
    Answered { closing: bool },
    /// The connection ended (EOF or reset) before any byte of a response: not served.
    NotServed,
    /// Some bytes of a response, then the end: a cut response, which must never happen.
    Cut(String),
}

#[derive(Default)]
struct Record {
    /// Path → outcome, and whether it was sent before the signal.
    requests: Mutex<HashMap<String, (Outcome, Instant, Instant)>>,
    refused: AtomicUsize,
    answered: AtomicUsize,
}

/// Sends one request on `stream` and reads what comes back.
fn exchange(stream: &mut TcpStream, path: &str) -> Outcome {
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return Outcome::NotServed;
    }
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut response = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = response.parse(&received) {
            assert_eq!(
                response.code,
                Some(200),
                "{}",
                String::from_utf8_lossy(&received)
            );
            let header = |name: &str| {
                response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned())
            };
            let length: usize = header("content-length")
                .expect("Content-Length")
                .parse()
                .unwrap();
            let closing = header("connection").as_deref() == Some("close");
            if received.len() >= head + length {
                let body = String::from_utf8_lossy(&received[head..head + length]);
                assert!(
                    body.ends_with(&format!(": {path}\n")),
                    "another request's body: {body}"
                );
                return Outcome::Answered { closing };
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) if received.is_empty() => return Outcome::NotServed,
            Ok(0) => return Outcome::Cut(String::from_utf8_lossy(&received).into_owned()),
            Err(error) => return Outcome::Cut(format!("{error} after {received:?}")),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

fn client(index: usize, address: SocketAddr, record: Arc<Record>, stop: Arc<AtomicBool>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sent = 0;
    while sent < MAX_REQUESTS_PER_CLIENT && Instant::now() < deadline && !stop.load(SeqCst) {
        let mut stream = match TcpStream::connect(address) {
            Ok(stream) => stream,
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => {
                record.refused.fetch_add(1, SeqCst);
                return;
            }
            Err(error) => panic!("connect: {error}"),
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        for _ in 0..PER_CONNECTION {
            let path = format!("/c{index}-{sent}?ms={WORK_MS}");
            sent += 1;
            let started = Instant::now();
            let outcome = exchange(&mut stream, &path);
            let ended = Instant::now();
            if matches!(outcome, Outcome::Answered { .. }) {
                record.answered.fetch_add(1, SeqCst);
            }
            let next = matches!(outcome, Outcome::Answered { closing: false });
            record
                .requests
                .lock()
                .unwrap()
                .insert(path, (outcome, started, ended));
            if !next {
                break;
            }
        }
    }
}

#[test]
fn sigterm_under_load_loses_no_accepted_request() {
    let mut server = Program::start("http_server", &["127.0.0.1:0"]);
    let listening = server.line();
    let address: SocketAddr = listening
        .strip_prefix("[server] listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {listening:?}"))
        .parse()
        .expect("an address");
    server.expect_line("[server] ready");
    let pid = server.pid();

    // The server's log, read as it comes: the paths it accepted, and when it stopped accepting.
    let (log_send, log) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        while let Some(line) = server.line_or_end() {
            let _ = log_send.send(line);
        }
        server
    });

    let record = Arc::new(Record::default());
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| {
            let (record, stop) = (record.clone(), stop.clone());
            std::thread::spawn(move || client(index, address, record, stop))
        })
        .collect();

    let mut lines = Vec::new();
    let wait_for = |lines: &mut Vec<String>, what: &dyn Fn(&str) -> bool| loop {
        let line = log
            .recv_timeout(Duration::from_secs(20))
            .expect("the server's log goes on");
        let found = what(&line);
        lines.push(line);
        if found {
            return;
        }
    };
    while record.answered.load(SeqCst) < BEFORE_SIGNAL {
        wait_for(&mut lines, &|line| line.ends_with(" bytes"));
    }
    let signalled = Instant::now();
    support::kill(pid, "TERM");
    wait_for(&mut lines, &|line| line == "[server] stopped accepting");
    // The listening socket is closed: a new connection is refused now.
    let late = TcpStream::connect(address)
        .map(|_| ())
        .map_err(|e| e.kind());
    assert_eq!(late, Err(ErrorKind::ConnectionRefused));

    let mut server = reader.join().expect("log reader");
    lines.extend(log.try_iter());
    let (status, _) = server.finish();
    let took = signalled.elapsed();
    stop.store(true, SeqCst);
    for client in clients {
        client.join().expect("client thread");
    }
    assert_ended_by(status, SIGTERM);
    assert!(
        took < GRACE,
        "ended {took:?} after the signal: the grace ran out"
    );

    let accepted: HashSet<String> = lines
        .iter()
        .filter_map(|line| {
            let (head, _) = line.rsplit_once(" accepted from ")?;
            Some(head.split_once("] GET ")?.1.to_owned())
        })
        .collect();
    let requests = record.requests.lock().unwrap();
    let cut: Vec<_> = requests
        .iter()
        .filter(|(_, (outcome, _, _))| matches!(outcome, Outcome::Cut(_)))
        .collect();
    assert!(cut.is_empty(), "cut responses: {cut:?}");
    for path in &accepted {
        match requests.get(path) {
            Some((Outcome::Answered { .. }, _, _)) => {}
            other => panic!("{path} was accepted by the server but its client got {other:?}"),
        }
    }
    for (path, (outcome, _, _)) in requests.iter() {
        if matches!(outcome, Outcome::Answered { .. }) {
            assert!(
                accepted.contains(path),
                "{path} answered but never logged as accepted"
            );
        }
    }
    // In flight at the signal: sent before it, answered after it.
    let in_flight = requests
        .values()
        .filter(|(outcome, started, ended)| {
            matches!(outcome, Outcome::Answered { .. })
                && *started < signalled
                && *ended > signalled
        })
        .count();
    let answered_after = requests
        .values()
        .filter(|(outcome, _, ended)| {
            matches!(outcome, Outcome::Answered { .. }) && *ended > signalled
        })
        .count();
    let not_served = requests
        .values()
        .filter(|(outcome, _, _)| *outcome == Outcome::NotServed)
        .count();
    assert!(
        in_flight > 0,
        "no request was in flight at the signal: the test proves nothing"
    );
    println!(
        "http_server: {CLIENTS} clients, {} requests sent, {} answered ({answered_after} after \
         the signal, {in_flight} of them in flight at it), {not_served} not served (never read \
         by the server), 0 cut; {} connections refused after it; ended by SIGTERM {took:.0?} \
         after the signal (grace {GRACE:?})",
        requests.len(),
        accepted.len(),
        record.refused.load(SeqCst) + 1,
    );
}

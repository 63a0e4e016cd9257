//! A small HTTP/1.1 server that loses no request when it is stopped.
//!
//! ```text
//! cargo run --example http_server -- 127.0.0.1:8080
//! curl -i 'http://127.0.0.1:8080/hello?ms=2000'   # answers after 2 s
//! kill -TERM <pid>                                 # or Ctrl-C, while the request runs
//! ```
//!
//! It shows the pieces a service needs from its runner:
//! - SIGTERM (what `docker stop`, Kubernetes and systemd send) and Ctrl-C both cancel `main`,
//!   then close the runner: every task that awaited `runner::shutdown_requested()` gets the
//!   grace period (`shutdown_grace`) to finish, and the process ends as terminated (143) or
//!   interrupted (130).
//! - On shutdown the server stops accepting at once (the listening socket is closed, so new
//!   connections are refused), finishes every request it has started to read, answers it
//!   with `Connection: close`, and closes idle connections.
//! - A context variable holds the request id: every log line of a request carries it, without
//!   passing it around.
//! - `runner::notify_ready()` tells systemd (`Type=notify`) the server is listening.
//!
//! Requests are parsed with `httparse`, on `async-net`'s sockets. `GET /anything?ms=N` waits
//! N milliseconds (at most 10 s) before it answers, to have requests in flight when the signal
//! comes. `tests/http_server.rs` stops it under load and checks that no request is lost.

use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_io::Timer;
use async_net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt, future};
use runner::{ContextVar, ShutdownRequested};

/// The id of the request being served, for log lines.
static REQUEST_ID: ContextVar<u64> = ContextVar::new("request_id");

/// Ids handed out so far.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Requests larger than this (head and body) are refused.
const MAX_REQUEST: usize = 64 * 1024;

/// Prints a log line, tagged with the current request's id when there is one.
macro_rules! log {
    ($($arg:tt)*) => {
        match REQUEST_ID.get() {
            Some(id) => println!("[req {id}] {}", format_args!($($arg)*)),
            None => println!("[server] {}", format_args!($($arg)*)),
        }
    };
}

#[runner::main(shutdown_grace = "5s")]
async fn main() -> io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = TcpListener::bind(&address).await?;
    log!("listening on {}", listener.local_addr()?);

    // The accept loop runs in its own task: a signal cancels `main` first, and the server
    // must outlive it to finish its requests during the grace period.
    runner::spawn(accept_loop(listener)).detach();

    runner::notify_ready()?;
    log!("ready");
    future::pending::<()>().await;
    Ok(())
}

/// Accepts connections until shutdown is requested, then closes the listening socket.
async fn accept_loop(listener: TcpListener) {
    // Asked once, here: this task gets the grace period, and sees the signal.
    let mut shutdown = pin!(runner::shutdown_requested());
    loop {
        let accepted = future::or(async { Some(listener.accept().await) }, async {
            shutdown.as_mut().await;
            None
        })
        .await;
        match accepted {
            Some(Ok((stream, peer))) => runner::spawn(connection(stream, peer)).detach(),
            Some(Err(error)) => {
                // Out of file descriptors, say: wait a little instead of spinning.
                log!("accept failed: {error}");
                Timer::after(Duration::from_millis(10)).await;
            }
            None => break,
        }
    }
    // From here on the kernel refuses new connections.
    drop(listener);
    log!("stopped accepting");
}

/// Serves the requests of one connection, one after the other (keep-alive).
async fn connection(mut stream: TcpStream, peer: SocketAddr) {
    let mut shutdown = pin!(runner::shutdown_requested());
    let mut buffer = Vec::with_capacity(4096);
    loop {
        // Between requests, shutdown closes the connection; a request whose first bytes
        // have arrived is in flight, and is finished.
        if buffer.is_empty() {
            let read = future::or(
                async { Some(read_more(&mut stream, &mut buffer).await) },
                async {
                    shutdown.as_mut().await;
                    None
                },
            )
            .await;
            match read {
                Some(Ok(0)) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
        match serve_one(&mut stream, &mut buffer, peer, shutdown.as_mut()).await {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
    }
    let _ = stream.close().await;
}

/// Reads one whole request from `buffer` (reading more as needed), answers it, and removes it
/// from `buffer`. `Ok(true)` when the connection stays open for the next request.
async fn serve_one(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    peer: SocketAddr,
    mut shutdown: std::pin::Pin<&mut ShutdownRequested>,
) -> io::Result<bool> {
    // The head: read until httparse has all of it.
    let (head_len, method, path, keep_alive, body_len) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(buffer) {
            Ok(httparse::Status::Complete(head_len)) => {
                let header = |name: &str| {
                    request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
                };
                let connection = header("connection");
                // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 the reverse.
                let keep_alive = match request.version {
                    Some(1) => connection.as_deref() != Some("close"),
                    _ => connection.as_deref() == Some("keep-alive"),
                };
                if header("transfer-encoding").is_some() {
                    respond(stream, 501, "chunked bodies are not supported\n", false).await?;
                    return Ok(false);
                }
                let body_len = match header("content-length").map(|v| v.parse::<usize>()) {
                    None => 0,
                    Some(Ok(n)) if n <= MAX_REQUEST => n,
                    Some(_) => {
                        respond(stream, 400, "bad Content-Length\n", false).await?;
                        return Ok(false);
                    }
                };
                break (
                    head_len,
                    request.method.unwrap_or("GET").to_owned(),
                    request.path.unwrap_or("/").to_owned(),
                    keep_alive,
                    body_len,
                );
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_REQUEST => {
                if read_more(stream, buffer).await? == 0 {
                    return Ok(false); // the client went away mid-request
                }
            }
            Ok(httparse::Status::Partial) => {
                respond(stream, 431, "request head too large\n", false).await?;
                return Ok(false);
            }
            Err(error) => {
                respond(stream, 400, &format!("bad request: {error}\n"), false).await?;
                return Ok(false);
            }
        }
    };
    // The body, which this server ignores but must consume to find the next request.
    while buffer.len() < head_len + body_len {
        if read_more(stream, buffer).await? == 0 {
            return Ok(false);
        }
    }
    buffer.drain(..head_len + body_len);

    // From here on, the request's own context carries its id.
    let id = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
    let token = REQUEST_ID.set(id);
    log!("{method} {path} accepted from {peer}");
    let body = handle(&path).await;
    // After shutdown was requested, this is the connection's last answer.
    let signalled = future::poll_once(shutdown.as_mut()).await.is_some();
    let keep_alive = keep_alive && !signalled;
    let sent = respond_with_id(stream, 200, &body, keep_alive, id).await;
    match &sent {
        Ok(()) => log!("200 sent, {} bytes", body.len()),
        Err(error) => log!("the answer could not be sent: {error}"),
    }
    REQUEST_ID.reset(token);
    sent.map(|()| keep_alive)
}

/// The application: `?ms=N` waits N milliseconds (at most 10 s), then says hello.
async fn handle(path: &str) -> String {
    let wait = path
        .split_once('?')
        .and_then(|(_, query)| query.split('&').find_map(|kv| kv.strip_prefix("ms=")))
        .and_then(|ms| ms.parse::<u64>().ok())
        .unwrap_or(0)
        .min(10_000);
    if wait > 0 {
        Timer::after(Duration::from_millis(wait)).await;
    }
    let id = REQUEST_ID.get().unwrap_or_default();
    format!("hello from request {id}: {path}\n")
}

/// Appends what the socket has to `buffer`; `Ok(0)` at the end of the stream.
async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n)
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    body: &str,
    keep_alive: bool,
) -> io::Result<()> {
    respond_with_id(stream, status, body, keep_alive, 0).await
}

/// Writes a whole response: status line, headers, body.
async fn respond_with_id(
    stream: &mut TcpStream,
    status: u16,
    body: &str,
    keep_alive: bool,
    id: u64,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        431 => "Request Header Fields Too Large",
        _ => "Not Implemented",
    };
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         X-Request-Id: {id}\r\nConnection: {connection}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.flush().await
}

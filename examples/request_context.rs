//! Context variables that follow tasks: a request id set once per request is seen by every
//! task that request spawns, and never by another request's tasks.
//!
//! Run it with `cargo run --example request_context`.

use std::time::Duration;

use runner::ContextVar;

/// The id of the request being served; each request's tasks see their own.
static REQUEST_ID: ContextVar<u32> = ContextVar::new("request_id");

/// Logs a line tagged with the current request id, without being passed the id.
fn log(message: &str) {
    match REQUEST_ID.get() {
        Some(id) => println!("[request {id}] {message}"),
        None => println!("[no request] {message}"),
    }
}

/// Serves one request: sets the id once, then fans out to helper tasks.
async fn handle(id: u32) -> u32 {
    REQUEST_ID.set(id);
    log("accepted");
    // Each helper runs in a copy of this request's context, taken when it is spawned.
    let lookups: Vec<_> = (0..3_u64)
        .map(|part| {
            runner::spawn(async move {
                // Interleave with other requests' tasks on purpose.
                async_io::Timer::after(Duration::from_millis(5 * part)).await;
                log(&format!("looked up part {part}"));
                REQUEST_ID.get().expect("helpers inherit the request id")
            })
        })
        .collect();
    let mut seen = Vec::new();
    for lookup in lookups {
        seen.push(lookup.await);
    }
    // Blocking work sees the id too.
    let from_thread = runner::unblock(|| REQUEST_ID.get()).await;
    assert!(seen.iter().all(|&s| s == id) && from_thread == Some(id));
    log("done");
    id
}

#[runner::main(threads = 2)]
async fn main() {
    log("server starting");
    // Three concurrent requests, as a server would accept them.
    let requests: Vec<_> = (1..=3).map(|id| runner::spawn(handle(id))).collect();
    for request in requests {
        request.await;
    }
    // The server's own context never saw a request id.
    log("all requests served");
}

//! Close with the tokio runtime: runner tasks holding tokio objects are dropped inside it,
//! `tokio::spawn`ed tasks are dropped before close returns, in the order of the `# Shutdown`
//! section (step 3 runner tasks, step 5 `unblock` jobs, step 5b the tokio runtime), and a
//! tokio thread that outlives `shutdown_timeout` is reported, not waited for.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use runner::Runner;
use tokio::net::{TcpListener, TcpStream};

/// Runs `f` when dropped.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// A task that holds a connected tokio `TcpStream` and, in its destructor, drops it and uses
/// the tokio runtime (as libraries' "async drop" does with `tokio::spawn`).
async fn hold_a_stream(address: std::net::SocketAddr, finished: Arc<AtomicBool>) {
    let stream = TcpStream::connect(address).await.expect("connect");
    let _guard = OnDrop(move || {
        let stream = &stream;
        let _ = stream.peer_addr();
        tokio::spawn(async {});
        tokio::runtime::Handle::current();
        finished.store(true, Ordering::SeqCst);
    });
    std::future::pending::<()>().await
}

fn stream_dropped_at_close(threads: usize, local: bool) {
    let finished = Arc::new(AtomicBool::new(false));
    let mut runner = Runner::builder().threads(threads).build();
    let listener = runner.run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let finished = finished.clone();
        if local {
            runner::spawn_local(hold_a_stream(address, finished)).detach();
        } else {
            runner::spawn(hold_a_stream(address, finished)).detach();
        }
        let _accepted = listener.accept().await.expect("accept");
        listener
    });
    runner.close();
    // The destructor ran to its end: no "no reactor" or "being shut down" panic in it.
    assert!(finished.load(Ordering::SeqCst));
    drop(listener);
}

#[test]
fn a_tcp_stream_dropped_in_a_task_destructor_during_close() {
    stream_dropped_at_close(1, false);
}

#[test]
fn a_tcp_stream_dropped_in_a_spawn_local_destructor_during_close() {
    stream_dropped_at_close(1, true);
}

#[test]
fn a_tcp_stream_dropped_on_a_worker_thread_runner_during_close() {
    stream_dropped_at_close(3, false);
}

#[test]
fn close_drops_a_pending_tokio_spawned_task_before_it_returns() {
    let dropped = Arc::new(AtomicBool::new(false));
    let mut runner = Runner::new();
    let flag = dropped.clone();
    runner.run(async move {
        tokio::spawn(async move {
            let _guard = OnDrop(move || flag.store(true, Ordering::SeqCst));
            std::future::pending::<()>().await
        });
        // Let the tokio task start, so that it is pending, not merely queued.
        tokio::task::yield_now().await;
    });
    assert!(!dropped.load(Ordering::SeqCst), "still pending after run");
    runner.close();
    assert!(
        dropped.load(Ordering::SeqCst),
        "dropped before close returned"
    );
}

#[test]
fn shutdown_order_runner_tasks_then_unblock_jobs_then_tokio_tasks() {
    let events = Arc::new(Mutex::new(Vec::<&str>::new()));
    let log = |events: &Arc<Mutex<Vec<&'static str>>>, event| {
        events.lock().unwrap_or_else(|e| e.into_inner()).push(event)
    };
    let mut runner = Runner::new();
    let in_run = events.clone();
    runner.run(async move {
        // Step 5b: a tokio task, pending, dropped when the tokio runtime shuts down.
        let events = in_run.clone();
        tokio::spawn(async move {
            let _guard = OnDrop(|| log(&events, "tokio task dropped"));
            std::future::pending::<()>().await
        });
        // Step 5: a blocking job that ends only once the runner task below is cancelled,
        // and uses the tokio runtime then: it must still be there.
        let (cancelled, wait) = mpsc::channel::<()>();
        let events = in_run.clone();
        runner::unblock(move || {
            let _ = wait.recv();
            tokio::runtime::Handle::current().block_on(tokio::task::yield_now());
            log(&events, "unblock job done");
        })
        .detach();
        // Step 3: a runner task, cancelled.
        let events = in_run.clone();
        runner::spawn(async move {
            let _guard = OnDrop(|| {
                log(&events, "runner task cancelled");
                let _ = cancelled.send(());
            });
            std::future::pending::<()>().await
        })
        .detach();
        tokio::task::yield_now().await;
    });
    runner.close();
    log(&events, "close returned");
    assert_eq!(
        *events.lock().unwrap(),
        [
            "runner task cancelled",
            "unblock job done",
            "tokio task dropped",
            "close returned"
        ]
    );
}

#[test]
fn a_tokio_thread_that_outlives_shutdown_timeout_is_reported() {
    // The helper's spawn_blocking job sleeps 30 s; its shutdown_timeout is 300 ms.
    let output = Command::new(env!("CARGO_BIN_EXE_tokio_helper"))
        .arg("straggler")
        .output()
        .expect("run the helper");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ready\n");
    assert!(
        stderr.contains("close gave up waiting after 300ms for 1 tokio thread(s)"),
        "{stderr}"
    );
}

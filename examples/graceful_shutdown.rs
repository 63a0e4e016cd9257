//! Ctrl-C, gracefully: the first Ctrl-C cancels `main`, lets tasks clean up, and ends the
//! program as interrupted (a shell sees status 130); a second Ctrl-C prints what the
//! shutdown was still waiting on and ends it at once.
//!
//! ```text
//! cargo run --example graceful_shutdown
//! ```
//!
//! Press Ctrl-C once it says it is ready, and watch each task say what it cleans up.
//! `--slow` makes the cleanup take 30 s, to try the second Ctrl-C: it names the `worker`
//! task and the blocking job it waits on. With `RUNNER_DEBUG=1`, `Ctrl-\` prints every task
//! and the program goes on.

use std::io::Write;
use std::time::Duration;

use async_io::Timer;
use futures_lite::future;

/// Says what it cleans up when dropped: when its task is cancelled.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("{}", self.0);
    }
}

#[runner::main]
async fn main() {
    let slow = std::env::args().any(|arg| arg == "--slow");

    // A worker that asks to be told about shutdown: it finishes its work properly,
    // within the grace period, while the runner keeps running timers and I/O.
    runner::TaskBuilder::new()
        .name("worker")
        .spawn(async move {
            let mut ticks = 0u64;
            future::or(
                async {
                    loop {
                        Timer::after(Duration::from_millis(50)).await;
                        ticks += 1;
                    }
                },
                runner::shutdown_requested(),
            )
            .await;
            println!("worker: shutdown requested");
            // Blocking work (a file, a database) goes to a thread, and is waited for.
            let saved = runner::unblock(move || {
                if slow {
                    std::thread::sleep(Duration::from_secs(30));
                }
                ticks
            })
            .await;
            println!("worker: state saved ({saved} ticks)");
        })
        .detach();

    // A task that never asks: it is cancelled, and its destructors run.
    runner::spawn(async {
        let _connection = Cleanup("connection: closed");
        future::pending::<()>().await
    })
    .detach();

    // The body of main itself is cancelled first.
    let _main = Cleanup("main: cancelled");
    println!("ready: press Ctrl-C to stop");
    std::io::stdout().flush().expect("flush stdout");
    future::pending::<()>().await
}

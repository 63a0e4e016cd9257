//! The options of `#[runner::main]`: debug mode, worker threads and shutdown limits.
//!
//! - `debug` turns debug mode on (slow polls and dropped tasks are reported);
//! - `threads = 3` runs the runner on its own thread plus two workers;
//! - `shutdown_grace = "200ms"` gives tasks waiting on `runner::shutdown_requested()` that
//!   long to clean up when `main` returns (default: 5 s);
//! - `shutdown_timeout = "1s"` bounds the wait for `runner::unblock` jobs at close
//!   (default: 300 s).
//!
//! Run it with:
//!
//! ```text
//! cargo run --example macro_options
//! ```

use std::time::Duration;

#[runner::main(debug, threads = 3, shutdown_grace = "200ms", shutdown_timeout = "1s")]
async fn main() -> Result<(), std::num::ParseIntError> {
    let handle = runner::Handle::current();
    println!(
        "debug: {}, threads: {}",
        handle.is_debug(),
        handle.threads()
    );

    // A background task that cleans up when the runner shuts down.
    runner::spawn(async {
        runner::shutdown_requested().await;
        println!("background task: shutdown requested, cleaning up");
    })
    .detach();

    // Send tasks may run on any of the three threads.
    let squares: Vec<_> = (1..=4u64)
        .map(|n| runner::spawn(async move { n * n }))
        .collect();
    let mut total = 0;
    for square in squares {
        total += square.await;
    }
    println!("sum of squares: {total}");

    // Blocking work goes to the blocking pool, inside the caller's context.
    let parsed: u64 = runner::unblock(|| "42".parse()).await?;
    println!("parsed on the blocking pool: {parsed}");

    // Let the background task start before main returns.
    async_io::Timer::after(Duration::from_millis(10)).await;
    println!("main is done; the runner now shuts down");
    Ok(())
}

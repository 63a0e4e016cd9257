//! Debug mode points at the bug: a blocking call inside async code, and a task whose
//! handle was dropped by mistake (so it was cancelled before it could do its work).
//!
//! Run it with `RUNNER_DEBUG=1 cargo run --example debug_mode` to see both reports on
//! stderr, each naming the file and line to look at; without `RUNNER_DEBUG` it prints
//! nothing extra.

use std::time::Duration;

#[runner::main]
async fn main() {
    // Bug 1: the handle is dropped at once, which cancels the task. (Clippy warns about
    // this too; the example silences it to show what debug mode says at run time.)
    #[allow(clippy::let_underscore_future)]
    let _ = runner::spawn(async {
        async_io::Timer::after(Duration::from_millis(10)).await;
        println!("never printed: the task was cancelled");
    });

    // Bug 2: a blocking sleep freezes every task on this thread for its whole duration.
    // The fix is `runner::unblock(|| std::thread::sleep(...)).await`.
    let slow = runner::spawn(async {
        std::thread::sleep(Duration::from_millis(250));
        "slow task done"
    });
    println!("{}", slow.await);
}

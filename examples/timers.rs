//! Time: `runner::time::sleep` to wait, `interval` to do something at a steady rate, and a
//! sleep raced against work to give up on it after a while.
//!
//! Run it with `cargo run --example timers` (no feature needed).

use std::time::{Duration, Instant};

use runner::time::{interval, sleep};

#[runner::main]
async fn main() {
    let start = Instant::now();

    // A steady rate: the first tick is at once, then one every 100 ms, whatever the body
    // of the loop takes.
    let mut ticks = interval(Duration::from_millis(100));
    for n in 0..3 {
        ticks.tick().await;
        println!("tick {n} at {:?}", start.elapsed());
    }

    // Give up on slow work: whichever of the two futures finishes first wins.
    let slow = async {
        sleep(Duration::from_secs(10)).await;
        "finished"
    };
    let deadline = async {
        sleep(Duration::from_millis(200)).await;
        "gave up"
    };
    println!("slow work: {}", runner::future::or(slow, deadline).await);
}

//! Task groups and timeouts: structured concurrency, as asyncio's `TaskGroup` and
//! `timeout()` give it.
//!
//! Three fetches run as children of one group; one of them fails, which cancels the
//! others, and the scope returns only after every child is gone. Then a timeout, moved
//! while it runs, and a group stopped at a deadline of the body's own.
//!
//! Run it with `cargo run --example task_group`.

use std::pin::pin;
use std::time::{Duration, Instant};

use async_io::Timer;

/// A pretend fetch: waits, then fails for one name.
async fn fetch(name: &'static str, millis: u64) -> Result<usize, String> {
    Timer::after(Duration::from_millis(millis)).await;
    if name == "broken" {
        return Err(format!("{name}: connection refused"));
    }
    println!("fetched {name}");
    Ok(name.len())
}

/// Prints when a child's future is dropped: the scope waits for this.
struct Announce(&'static str);

impl Drop for Announce {
    fn drop(&mut self) {
        println!("{} dropped", self.0);
    }
}

#[runner::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. A group of fallible children: the first failure cancels the rest.
    let result = runner::try_task_group(|group| async move {
        group.spawn_named("fast", fetch("fast", 10));
        group.spawn_named("broken", fetch("broken", 20));
        group.spawn_named("slow", async {
            let _announce = Announce("slow");
            fetch("slow", 10_000).await
        });
        Ok(())
    })
    .await;
    match result {
        Ok(()) => println!("all fetched"),
        Err(error) => println!("{error}"), // "slow dropped" was printed before this line
    }

    // 2. A timeout whose deadline moves while the work runs (asyncio's `reschedule`).
    let started = Instant::now();
    let mut work = pin!(runner::timeout(
        Duration::from_millis(5),
        fetch("report", 30)
    ));
    if futures_lite::future::poll_once(work.as_mut())
        .await
        .is_none()
    {
        work.as_mut()
            .reschedule(Instant::now() + Duration::from_secs(1)); // more time
    }
    let bytes = work.await??;
    println!("report: {bytes} bytes after {:?}", started.elapsed());

    // 3. A body that stops its children at a deadline of its own: the scope still waits
    //    until they are dropped, and the body's value comes out.
    let finished = runner::task_group(|group| async move {
        for name in ["a", "b", "c"] {
            group.spawn(async move {
                let _announce = Announce(name);
                Timer::after(Duration::from_secs(60)).await;
            });
        }
        let quick = runner::timeout(
            Duration::from_millis(20),
            Timer::after(Duration::from_secs(60)),
        );
        let timed_out = quick.await.is_err();
        group.cancel();
        timed_out
    })
    .await;
    println!("stopped at the deadline: {finished}");
    Ok(())
}

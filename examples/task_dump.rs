//! What is every task doing? `runner::tasks()` takes a snapshot of the runner's tasks and
//! blocking jobs (asyncio's `all_tasks()`), and prints as a table (`python -m asyncio ps`)
//! and a tree by parent (`asyncio pstree`). Taking it never polls a task: a task stuck inside
//! a poll shows as "running on thread T for …".
//!
//! This program starts a few tasks, one of them deliberately stuck in a blocking call, and
//! prints the dump from another thread through a `Handle`, as a monitoring thread would
//! (the stuck task may be holding the runner's own thread). Run it with
//! `cargo run --example task_dump`.

use std::time::Duration;

use runner::TaskBuilder;

#[runner::main(debug, threads = 2)]
async fn main() {
    // A server-like loop waiting for work, with a child per connection.
    let server = TaskBuilder::new().name("accept loop").spawn(async {
        let connection = TaskBuilder::new()
            .name("connection 1")
            .spawn(runner::time::sleep(Duration::from_secs(3600)));
        // The loop waits on its connection's handle: the dump says so.
        connection.await;
    });

    // A task waiting for a blocking job.
    let checksum = TaskBuilder::new().name("checksum").spawn(async {
        let job = TaskBuilder::new()
            .name("hash file")
            .unblock(|| std::thread::sleep(Duration::from_millis(500)));
        job.await;
    });

    // The mistake the dump is for: a blocking call inside a poll, holding a thread.
    let stuck = TaskBuilder::new().name("stuck").spawn(async {
        std::thread::sleep(Duration::from_millis(1500));
    });

    // A task that will clean up when the program shuts down.
    let flusher = TaskBuilder::new().name("flusher").spawn(async {
        runner::shutdown_requested().await;
    });

    // A monitoring thread takes the dump: a `Handle` works from anywhere.
    let handle = runner::Handle::current();
    let monitor = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        println!("{}", handle.tasks());
    });

    runner::time::sleep(Duration::from_millis(600)).await;
    monitor
        .join()
        .expect("the monitoring thread printed the dump");
    drop((server, checksum, stuck, flusher));
}

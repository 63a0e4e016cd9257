//! `threads(n)`: n − 1 worker threads started at initialisation, joined at close.
//! One test in this file, so that no other test's threads are counted.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use runner::Runner;

/// Distinct worker names: a thread that a worker is creating carries its creator's name
/// for a moment, until it sets its own, so plain counting could see a worker twice.
fn workers() -> usize {
    common::thread_names()
        .into_iter()
        .filter(|n| n.starts_with("runner-worker"))
        .collect::<HashSet<_>>()
        .len()
}

#[test]
fn workers_start_at_initialisation_run_tasks_and_are_gone_after_close() {
    assert_eq!(workers(), 0);
    let mut r = Runner::builder().threads(4).build();
    assert_eq!(workers(), 0, "building starts no thread");
    let threads_seen = r.run(async {
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                runner::spawn(async {
                    // Block a little so that the other threads pick tasks up.
                    std::thread::sleep(Duration::from_millis(2));
                    std::thread::current().id()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for task in tasks {
            seen.insert(task.await);
        }
        seen.len()
    });
    assert_eq!(workers(), 3, "n - 1 workers: {:?}", common::thread_names());
    assert!(threads_seen > 1, "tasks ran on more than one thread");
    r.close();
    assert_eq!(workers(), 0, "joined at close");

    // A single-threaded runner starts none.
    let mut single = Runner::new();
    single.run(async {});
    assert_eq!(workers(), 0);
}

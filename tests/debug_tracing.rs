//! With the `tracing` feature and a subscriber installed, debug reports are `tracing`
//! events (target `runner`, level WARN) instead of stderr lines.
//! Run with `cargo test --features tracing --test debug_tracing`.
#![cfg(feature = "tracing")]

mod common;

use std::time::Duration;

use common::events::Collector;
use tracing::Level;

#[test]
fn reports_become_warn_events_with_target_runner() {
    let collector = Collector::default();
    tracing::subscriber::set_global_default(collector.clone()).expect("first subscriber");
    let mut r = runner::Runner::builder()
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(20))
        .build();
    r.run(async {
        runner::spawn(async { std::thread::sleep(Duration::from_millis(40)) }).await;
    });
    let events = collector.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    let (target, level, message) = (&events[0].target, events[0].level, &events[0].message);
    assert_eq!(target, "runner");
    assert_eq!(level, Level::WARN);
    assert!(
        message.starts_with("slow poll: task spawned at tests/debug_tracing.rs:"),
        "{message}"
    );
}

//! With the `tracing` feature and a subscriber installed, debug reports are `tracing`
//! events (target `runner`, level WARN) instead of stderr lines.
//! Run with `cargo test --features tracing --test debug_tracing`.
#![cfg(feature = "tracing")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Collects (target, level, message) of every event.
#[derive(Clone, Default)]
struct Collector {
    events: Arc<Mutex<Vec<(String, Level, String)>>>,
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        let metadata = event.metadata();
        self.events.lock().unwrap().push((
            metadata.target().to_owned(),
            *metadata.level(),
            message.0,
        ));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

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
    let (target, level, message) = &events[0];
    assert_eq!(target, "runner");
    assert_eq!(*level, Level::WARN);
    assert!(
        message.starts_with("slow poll: task spawned at tests/debug_tracing.rs:"),
        "{message}"
    );
}

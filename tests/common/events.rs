//! A `tracing` subscriber that keeps every event, for the tests of the `tracing` feature.

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One event as the collector keeps it.
#[derive(Clone, Debug)]
pub struct Kept {
    pub target: String,
    pub level: Level,
    pub message: String,
}

/// Appends every event to `events`, in the order they come.
#[derive(Clone, Default)]
pub struct Collector {
    pub events: Arc<Mutex<Vec<Kept>>>,
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
        self.events.lock().unwrap().push(Kept {
            target: metadata.target().to_owned(),
            level: *metadata.level(),
            message: message.0,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

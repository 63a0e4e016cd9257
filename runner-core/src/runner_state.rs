//! What a runner's tasks, handles and threads share: its settings, its registry, its
//! shutdown signal and its unobserved panics.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_executor::Executor;

use crate::drive::FirstSpawn;
use crate::registry::{Phase, Registry};
use crate::shutdown_signal::ShutdownSignal;
use crate::unhandled_panic::{UnhandledPanic, UnhandledPanics};

pub(crate) struct RunnerState {
    /// Weak: the runner owns its executor, so that close can drop it, and a `Handle` that
    /// outlives the runner finds it gone.
    executor: Weak<Executor<'static>>,
    /// Whether the executor came from a [`factory`](crate::Builder::factory) and may be
    /// shared with other runners: then close cannot drop it, and reaches this runner's
    /// tasks one by one instead (each is counted, and gives its waker to the registry when
    /// it waits). A runner's own executor is dropped at close, which wakes and drops every
    /// task on the runner's thread with no bookkeeping of ours.
    pub(crate) executor_is_shared: bool,
    pub(crate) debug: bool,
    pub(crate) threads: usize,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) registry: Registry,
    pub(crate) first_spawn: FirstSpawn,
    pub(crate) shutdown_signal: ShutdownSignal,
    pub(crate) unhandled_panics: UnhandledPanics,
}

/// The settings `RunnerState` keeps, from the builder.
pub(crate) struct Settings {
    pub(crate) executor_is_shared: bool,
    pub(crate) debug: bool,
    pub(crate) threads: usize,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) unhandled_panic: UnhandledPanic,
}

impl RunnerState {
    pub(crate) fn new(executor: &Arc<Executor<'static>>, settings: Settings) -> RunnerState {
        RunnerState {
            executor: Arc::downgrade(executor),
            executor_is_shared: settings.executor_is_shared,
            debug: settings.debug,
            threads: settings.threads,
            slow_poll_threshold: settings.slow_poll_threshold,
            registry: Registry::new(),
            first_spawn: FirstSpawn::new(),
            shutdown_signal: ShutdownSignal::new(),
            unhandled_panics: UnhandledPanics::new(settings.unhandled_panic),
        }
    }

    /// The executor, while the runner has not dropped it.
    pub(crate) fn executor(&self) -> Option<Arc<Executor<'static>>> {
        self.executor.upgrade()
    }

    pub(crate) fn phase(&self) -> Phase {
        self.registry.phase()
    }

    /// Applies the `unhandled_panic` policy to a panic nobody will see.
    pub(crate) fn unobserved_panic(
        &self,
        location: &'static std::panic::Location<'static>,
        payload: crate::unhandled_panic::Payload,
    ) {
        let running = self.phase() == Phase::Running;
        self.unhandled_panics.unobserved(location, payload, running);
    }
}

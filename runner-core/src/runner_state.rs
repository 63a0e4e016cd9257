//! What a runner's tasks, handles and threads share: its settings, its registry, its
//! shutdown signal and its unobserved panics.

use std::sync::atomic::{AtomicU16, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_executor::Executor;

use crate::drive::FirstSpawn;
use crate::registry::{ListFilter, Phase, Registry};
use crate::shutdown_signal::ShutdownSignal;
use crate::task_list::{Label, TaskList};
use crate::task_record::TaskRecord;
use crate::test_run::TestRun;
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
    /// Tells this runner's task handles from another's, where the task list notes what a
    /// task awaits by registry key (keys mean something in one registry only). 16 bits fit
    /// in a `Task`'s spare bytes; after 65,536 runners the ids wrap.
    pub(crate) id: u16,
    pub(crate) first_spawn: FirstSpawn,
    pub(crate) shutdown_signal: ShutdownSignal,
    pub(crate) unhandled_panics: UnhandledPanics,
    /// Debug mode: the main future's record, for the watchdog.
    pub(crate) main_record: Option<TaskRecord>,
    /// The runner's own thread: the one it was initialised on, as a `Runner` is not `Send`.
    pub(crate) runner_thread: std::thread::Thread,
    /// The runner of a `#[runner::test]`: where its reports and task panics go.
    pub(crate) test: Option<Arc<TestRun>>,
}

/// The settings `RunnerState` keeps, from the builder.
pub(crate) struct Settings {
    pub(crate) executor_is_shared: bool,
    pub(crate) debug: bool,
    pub(crate) threads: usize,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) test: Option<Arc<TestRun>>,
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
            id: {
                static NEXT: AtomicU16 = AtomicU16::new(0);
                NEXT.fetch_add(1, Relaxed)
            },
            first_spawn: FirstSpawn::new(),
            shutdown_signal: ShutdownSignal::new(),
            unhandled_panics: UnhandledPanics::new(settings.unhandled_panic),
            main_record: settings.debug.then(|| TaskRecord::new(Instant::now())),
            runner_thread: std::thread::current(),
            test: settings.test,
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
    pub(crate) fn unobserved_panic(&self, label: &Label, payload: crate::unhandled_panic::Payload) {
        let running = self.phase() == Phase::Running;
        if let Some(test) = &self.test {
            let report = crate::unhandled_panic::unobserved_panic_text(label, &*payload);
            test.task_panicked(&report, &*payload);
        }
        self.unhandled_panics.unobserved(label, payload, running);
    }

    /// A snapshot of this runner's tasks and jobs.
    pub(crate) fn task_list(&self) -> TaskList {
        self.task_list_of(ListFilter::All)
    }

    pub(crate) fn task_list_of(&self, filter: ListFilter) -> TaskList {
        TaskList {
            tasks: self.registry.list(self.shutdown_signal.is_given(), filter),
            complete: self.debug,
        }
    }
}

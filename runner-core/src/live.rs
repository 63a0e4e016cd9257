//! An initialised runner: what it owns, and how it comes to own it.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use async_executor::Executor;

use crate::builder::Builder;
use crate::context;
use crate::debug;
use crate::drive::{Executors, LocalSide};
use crate::runner_state::{RunnerState, Settings};
use crate::signal::Signals;
use crate::trie::Map;
use crate::workers::Workers;

pub(crate) struct Live {
    pub(crate) state: Arc<RunnerState>,
    pub(crate) executor: Arc<Executor<'static>>,
    pub(crate) local: Rc<LocalSide>,
    /// The runner's own context: private to the runner, so a plain cell on its thread.
    pub(crate) context: RefCell<Map>,
    pub(crate) workers: Workers,
    pub(crate) shutdown_grace: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) signals: Signals,
    /// The runner's tokio runtime, unless `Builder::tokio(false)`.
    #[cfg(feature = "tokio")]
    pub(crate) tokio: Option<crate::tokio_runtime::TokioRuntime>,
}

impl Live {
    /// Makes the executor (or calls the factory), starts the workers, copies the current
    /// context as the runner's own, and resolves debug mode.
    pub(crate) fn start(builder: Builder) -> Live {
        let executor_is_shared = builder.factory.is_some();
        let executor = match builder.factory {
            Some(factory) => factory(),
            None => Arc::new(Executor::new()),
        };
        #[cfg(feature = "tokio")]
        let tokio = builder
            .tokio
            .then(crate::tokio_runtime::TokioRuntime::start);
        let state = Arc::new(RunnerState::new(
            &executor,
            Settings {
                executor_is_shared,
                debug: debug::resolve(builder.debug),
                threads: builder.threads,
                slow_poll_threshold: builder.slow_poll_threshold,
                unhandled_panic: builder.unhandled_panic,
                test: builder.test,
            },
        ));
        if state.debug {
            crate::watchdog::watch(&state);
        }
        Live {
            workers: Workers::start(
                &state,
                &executor,
                builder.threads - 1,
                #[cfg(feature = "tokio")]
                tokio.as_ref().map(|t| t.handle().clone()),
            ),
            executor,
            local: Rc::new(LocalSide::new()),
            context: RefCell::new(context::snapshot()),
            state,
            shutdown_grace: builder.shutdown_grace,
            shutdown_timeout: builder.shutdown_timeout,
            signals: builder.signals,
            #[cfg(feature = "tokio")]
            tokio,
        }
    }

    /// What `drive::block_on` runs on the runner's thread.
    pub(crate) fn executors(&self) -> Executors<'_> {
        Executors {
            executor: &self.executor,
            local: &self.local,
            first_spawn: &self.state.first_spawn,
            executor_is_shared: self.state.executor_is_shared,
        }
    }
}

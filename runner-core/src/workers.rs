//! The runner's worker threads: each runs the executor's `Send` tasks until close stops it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;

use async_executor::Executor;

use crate::guard::lock;
use crate::runner_state::RunnerState;
use crate::thread_runner;

pub(crate) struct Workers {
    /// `None` without workers.
    stop: Option<Arc<Stop>>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `count` workers.
    ///
    /// # Panics
    ///
    /// When a thread cannot be started; the workers already started are stopped and joined
    /// first, so that none is left running a runner that never came to be.
    pub(crate) fn start(
        state: &Arc<RunnerState>,
        executor: &Arc<Executor<'static>>,
        count: usize,
        #[cfg(feature = "tokio")] tokio: Option<tokio::runtime::Handle>,
    ) -> Workers {
        #[cfg(feature = "tokio")]
        let tokio = std::sync::Arc::new(tokio);
        Workers::start_with(state, executor, count, |index, work| {
            // The worker polls and drops tasks inside the tokio runtime all its life.
            #[cfg(feature = "tokio")]
            let work: Box<dyn FnOnce() + Send> = {
                let tokio = tokio.clone();
                Box::new(move || {
                    let _tokio = crate::tokio_runtime::enter(tokio.as_ref().as_ref());
                    work()
                })
            };
            std::thread::Builder::new()
                .name(format!("runner-worker-{index}"))
                .spawn(work)
        })
    }

    fn start_with(
        state: &Arc<RunnerState>,
        executor: &Arc<Executor<'static>>,
        count: usize,
        mut start_thread: impl FnMut(usize, Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>>,
    ) -> Workers {
        // A runner of one thread (the default, and every `#[runner::test]`) has no workers
        // and allocates nothing for them.
        if count == 0 {
            return Workers {
                stop: None,
                threads: Vec::new(),
            };
        }
        let stop = Arc::new(Stop::default());
        let mut workers = Workers {
            stop: Some(stop.clone()),
            threads: Vec::with_capacity(count),
        };
        for index in 0..count {
            let state = state.clone();
            let executor = executor.clone();
            let stop = stop.clone();
            let work = Box::new(move || {
                let _entered = thread_runner::enter(state, Some(executor.clone()), None);
                async_io::block_on(executor.run(stop.wait()));
            });
            match start_thread(index, work) {
                Ok(thread) => workers.threads.push(thread),
                Err(error) => {
                    workers.stop_and_join();
                    panic!("runner could not start worker thread {index}: {error}");
                }
            }
        }
        workers
    }

    pub(crate) fn stop_and_join(self) {
        if self.threads.is_empty() {
            return;
        }
        if let Some(stop) = &self.stop {
            stop.signal();
        }
        for thread in self.threads {
            // Workers run only tasks, whose panics are caught; a failed join has nothing
            // left to clean up.
            let _ = thread.join();
        }
    }
}

/// A one-shot stop signal for worker threads.
#[derive(Default)]
struct Stop {
    stopped: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl Stop {
    fn signal(&self) {
        let mut wakers = lock(&self.wakers);
        self.stopped.store(true, Ordering::Release);
        for waker in wakers.drain(..) {
            waker.wake();
        }
    }

    async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut wakers = lock(&self.wakers);
            if self.stopped.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner_state::Settings;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn a_worker_that_fails_to_start_leaves_none_of_the_others_running() {
        let executor = Arc::new(Executor::new());
        let state = Arc::new(RunnerState::new(
            &executor,
            Settings {
                executor_is_shared: false,
                debug: false,
                threads: 4,
                slow_poll_threshold: Duration::from_millis(100),
                unhandled_panic: crate::UnhandledPanic::Report,
                test: None,
            },
        ));
        static ENDED: AtomicUsize = AtomicUsize::new(0);
        let started = std::panic::catch_unwind(AssertUnwindSafe(|| {
            Workers::start_with(&state, &executor, 3, |index, work| {
                if index == 2 {
                    return Err(std::io::Error::other("no more threads"));
                }
                std::thread::Builder::new().spawn(move || {
                    work();
                    ENDED.fetch_add(1, Ordering::SeqCst);
                })
            })
        }));
        let Err(payload) = started else {
            panic!("a failed start must panic")
        };
        let message = crate::payload::panic_message(&*payload).to_owned();
        assert!(
            message.contains("could not start worker thread 2"),
            "{message}"
        );
        // Joined before the panic: both started workers have already returned.
        assert_eq!(ENDED.load(Ordering::SeqCst), 2);
    }

    use std::panic::AssertUnwindSafe;
}

//! Close: the shutdown sequence, in one function, and the signal tasks wait for in it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll};
use std::time::{Duration, Instant};

use async_executor::Executor;
use futures_lite::future;

use crate::debug;
use crate::drive::{self, Executors};
use crate::error;
use crate::live::Live;
use crate::registry::{ListFilter, Phase};
use crate::runner_state::RunnerState;
use crate::task_list::TaskList;
use crate::task_record::Awaited;
use crate::task_wrapper;
use crate::thread_runner;

/// Runs the shutdown sequence of an initialised runner, on the runner's own thread.
///
/// The order is the contract (see the `# Shutdown` section of [`Runner`](crate::Runner)):
/// signal, grace for the tasks that asked, cancel, report, wait for blocking jobs, release.
///
/// Returns what it gave up on: the tasks still cleaning up when the grace ran out and the
/// blocking jobs still running when the timeout did (`None`: nothing). On the runner of a
/// `#[runner::test]` with a timeout, the grace and the wait for jobs end at its deadline.
pub(crate) fn close(live: Live) -> Option<TaskList> {
    let Live {
        state,
        executor,
        local,
        context,
        workers,
        shutdown_grace,
        shutdown_timeout,
        signals: _,
        #[cfg(feature = "tokio")]
        tokio,
    } = live;
    // A runner where nothing ever ran (no task spawned, no blocking job, no task that asked
    // for the signal; most `#[runner::test]`s) has nothing to grant a grace to, cancel,
    // report or wait for: it gives the signal and is released, without entering it. Only
    // on its own executor and without workers: then nothing polls a task that a
    // `Handle::spawn` slips in meanwhile (it is dropped with the executor, outside the
    // runner), whereas a worker or another runner sharing the executor could poll it, and
    // it could start a blocking job: the full sequence cancels such a task and waits for
    // its job (tests/shared_executor.rs).
    #[cfg(feature = "tokio")]
    let has_tokio = tokio.is_some();
    #[cfg(not(feature = "tokio"))]
    let has_tokio = false;
    let idle = !state.first_spawn.happened()
        && !local.is_used()
        && !state.registry.is_used()
        && !state.executor_is_shared
        && state.threads == 1
        && !has_tokio;
    if idle {
        signal(&state);
        drop(local);
        drop_sole_owner(executor);
        state.registry.set_phase(Phase::Closed);
        drop(context);
        return None;
    }
    let deadline = state.test.as_ref().and_then(|test| test.deadline());
    let shutdown_grace = until(shutdown_grace, deadline);
    let mut gave_up: Option<TaskList> = None;
    let executors = || Executors {
        executor: &executor,
        local: &local,
        first_spawn: &state.first_spawn,
        executor_is_shared: state.executor_is_shared,
    };
    // Destructors and cleanup code may spawn or ask for the runner: they find this one.
    let entered = thread_runner::enter(state.clone(), Some(executor.clone()), Some(local.clone()));
    // ...and the runner's tokio runtime, which lives on until step 5b.
    #[cfg(feature = "tokio")]
    let tokio_handle = tokio.as_ref().map(|t| t.handle().clone());
    #[cfg(feature = "tokio")]
    let tokio_entered = crate::tokio_runtime::enter(tokio_handle.as_ref());

    // 1. Signal: every `shutdown_requested()` completes; systemd hears STOPPING=1 when this
    //    runner told it READY=1.
    signal(&state);

    // 2. Grace: the executor (timers and I/O included) keeps running until each task that
    //    awaited the signal has finished, or the grace period is over. Tasks that never
    //    asked are not waited for. A task spawned just before close may not have run yet:
    //    the tasks already queued get a poll first (within a bound, for tasks that
    //    reschedule themselves for ever), so that those that ask are seen.
    let spawned = state.first_spawn.happened();
    if spawned || local.is_used() {
        for _ in 0..COURTESY_POLLS {
            if !(local.try_tick() || (spawned && executor.try_tick())) {
                break;
            }
        }
    }
    if state.registry.awaiting_shutdown() > 0 {
        // A grace too long to be a deadline (`Duration::MAX`) waits for the cleanups.
        let deadline = Instant::now().checked_add(shutdown_grace);
        drive::block_on(
            executors(),
            future::or(state.registry.cleanup_done(), async move {
                match deadline {
                    Some(deadline) => async_io::Timer::at(deadline).await,
                    None => async_io::Timer::never().await,
                };
            }),
        );
        if state.registry.awaiting_shutdown() > 0 {
            // The grace ran out: which tasks were still cleaning up, and doing what.
            let stuck = state.task_list_of(ListFilter::CleaningUp);
            debug::report(format_args!(
                "close's grace period of {shutdown_grace:?} ran out with {} task(s) still cleaning \
                 up; they are cancelled now:\n{}",
                stuck.len(),
                stuck.table()
            ));
            gave_up = Some(stuck);
        }
    }

    // 3. Cancel: workers stop first, so that every remaining future is dropped here, on the
    //    runner's thread, inside its task's context, before close returns. Reports of
    //    panics met meanwhile wait for step 4.
    workers.stop_and_join();
    state.unhandled_panics.hold_reports();
    let cancelled = state.registry.cancel_all();
    let kept = if state.executor_is_shared {
        // A shared executor: run it until each of our tasks, woken by `cancel_all`, has
        // seen the cancellation and dropped its future (wherever it is polled).
        if state.registry.live_tasks() > 0 {
            drive::block_on(executors(), state.registry.tasks_gone());
        }
        Some((executor, local))
    } else {
        // The runner's own executors: dropping them wakes every task they hold and drops
        // its future, here. From now on spawns are refused.
        entered.forget_executors();
        drop(local);
        drop_sole_owner(executor);
        None
    };

    // 4. Report: in debug mode, the tasks that had to be cancelled; then the panics of
    //    tasks nobody awaited and of destructors, met during step 3, once each.
    if state.debug {
        for label in &cancelled {
            debug::report(format_args!(
                "close cancelled the {label}: it was still running"
            ));
        }
    }
    state.unhandled_panics.give_held_reports();

    // 5. Blocking jobs: waited for, at most `shutdown_timeout`; the rest are named and left.
    let shutdown_timeout = until(shutdown_timeout, deadline);
    #[cfg(feature = "tokio")]
    let step_5 = Instant::now();
    if !state.registry.wait_for_jobs(shutdown_timeout) {
        let stuck = state.task_list_of(ListFilter::Jobs);
        debug::report(format_args!(
            "close gave up waiting after {shutdown_timeout:?} for {} blocking job(s); they are \
             left running, detached:\n{}",
            stuck.len(),
            stuck.table()
        ));
        gave_up = Some(match gave_up {
            Some(mut cleaning_up) => {
                cleaning_up.tasks.extend(stuck.tasks);
                cleaning_up
            }
            None => stuck,
        });
    }

    // 5b. The tokio runtime (`tokio` feature) shuts down, after the jobs, which may use it:
    //     its tasks are dropped and its threads waited for, in what is left of the timeout.
    #[cfg(feature = "tokio")]
    crate::tokio_runtime::close(tokio, shutdown_timeout, step_5);

    // 6. Release: the runner's context goes, and the runner is closed.
    state.registry.set_phase(Phase::Closed);
    // On a shared executor, a task spawned through a Handle while close waited for
    // blocking jobs (say, by one of those jobs) was accepted until the line above; from
    // here on spawns are refused, so one last drive drops every task that slipped in.
    if let Some((executor, local)) = &kept
        && state.registry.live_tasks() > 0
    {
        drive::block_on(
            Executors {
                executor,
                local,
                first_spawn: &state.first_spawn,
                executor_is_shared: true,
            },
            state.registry.tasks_gone(),
        );
    }
    #[cfg(feature = "tokio")]
    drop(tokio_entered);
    drop(entered);
    drop(kept);
    drop(context);
    gave_up
}

/// Step 1 of close.
fn signal(state: &RunnerState) {
    state.registry.set_phase(Phase::ShuttingDown);
    state.shutdown_signal.give();
    crate::notify::shutdown_started(state);
}

/// `wait`, cut short so that it ends by `deadline`, if there is one.
fn until(wait: Duration, deadline: Option<Instant>) -> Duration {
    match deadline {
        Some(deadline) => wait.min(deadline.saturating_duration_since(Instant::now())),
        None => wait,
    }
}

/// How many queued tasks close polls before the grace period, at most.
const COURTESY_POLLS: usize = 1 << 16;

/// Drops the runner's own executor on this thread, waiting out a `Handle::spawn` that may
/// hold it for an instant.
fn drop_sole_owner(mut executor: Arc<Executor<'static>>) {
    loop {
        match Arc::try_unwrap(executor) {
            Ok(executor) => return drop(executor),
            Err(shared) => {
                executor = shared;
                std::thread::yield_now();
            }
        }
    }
}

/// Completes when the runner this task runs on starts to shut down.
///
/// A task that awaits this gets the grace period ([`Builder::shutdown_grace`]) to finish its
/// cleanup before close cancels it; tasks that never ask are cancelled at once. Once the
/// signal has been given, the future completes immediately.
///
/// [`Builder::shutdown_grace`]: crate::Builder::shutdown_grace
///
/// # Panics
///
/// When created outside a running runner.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// static FLUSHED: AtomicBool = AtomicBool::new(false);
///
/// let mut runner = runner::Runner::new();
/// runner.run(async {
///     runner::spawn(async {
///         runner::shutdown_requested().await;
///         FLUSHED.store(true, Ordering::SeqCst); // cleanup runs during close
///     })
///     .detach();
/// });
/// runner.close();
/// assert!(FLUSHED.load(Ordering::SeqCst));
/// ```
#[track_caller]
pub fn shutdown_requested() -> ShutdownRequested {
    let Some(state) = thread_runner::runner_state() else {
        error::outside_runner("runner::shutdown_requested")
    };
    task_wrapper::with_polled_task_key(&state, |key| state.registry.mark_awaits_shutdown(key));
    ShutdownRequested { state, slot: None }
}

/// The future [`shutdown_requested`] returns: completes when the runner's close begins.
///
/// Raced against a task's work, it lets a loop stop at a clean point:
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::time::Duration;
///
/// static STOPPED_CLEANLY: AtomicBool = AtomicBool::new(false);
///
/// let mut runner = runner::Runner::new();
/// runner.run(async {
///     runner::spawn(async {
///         loop {
///             let round = async {
///                 runner::time::sleep(Duration::from_millis(1)).await;
///                 false
///             };
///             let stop = async {
///                 runner::shutdown_requested().await;
///                 true
///             };
///             if futures_lite::future::or(round, stop).await {
///                 STOPPED_CLEANLY.store(true, Ordering::SeqCst);
///                 return;
///             }
///         }
///     })
///     .detach();
/// });
/// runner.close();
/// assert!(STOPPED_CLEANLY.load(Ordering::SeqCst));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ShutdownRequested {
    state: Arc<RunnerState>,
    slot: Option<usize>,
}

impl Future for ShutdownRequested {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<()> {
        let this = &mut *self;
        let polled = this.state.shutdown_signal.poll(&mut this.slot, cx);
        if polled.is_pending() && this.state.debug {
            thread_runner::note_awaited(Awaited::Shutdown, None);
        }
        polled
    }
}

impl Drop for ShutdownRequested {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            self.state.shutdown_signal.forget(slot);
        }
    }
}

impl fmt::Debug for ShutdownRequested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownRequested")
            .field("signalled", &self.state.shutdown_signal.is_given())
            .finish()
    }
}

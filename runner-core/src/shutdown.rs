//! Close: the shutdown sequence, in one function, and the signal tasks can wait for.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll};
use std::time::Instant;

use async_executor::Executor;
use futures_lite::future;

use crate::debug;
use crate::lifecycle::Live;
use crate::runtime::{self, Phase, Shared};

/// Runs the shutdown sequence of an initialised runner, on the runner's own thread.
///
/// The order is the contract (see the `# Shutdown` section of [`Runner`](crate::Runner)):
/// signal, grace for the tasks that asked, cancel, report, wait for blocking jobs, release.
pub(crate) fn close(live: Live) {
    let Live {
        shared,
        executor,
        local,
        context,
        workers,
        shutdown_grace,
        shutdown_timeout,
        signals: _,
    } = live;
    // Destructors and cleanup code may spawn or ask for the runner: they find this one.
    let entered = runtime::enter(shared.clone(), Some(executor.clone()), Some(local.clone()));

    // 1. Signal: every `shutdown_requested()` completes; systemd hears STOPPING=1 when this
    //    runner told it READY=1.
    shared.signal_shutdown();
    crate::notify::shutdown_started(&shared);

    // 2. Grace: the executor (timers and I/O included) keeps running until each task that
    //    awaited the signal has finished, or the grace period is over. Tasks that never
    //    asked are not waited for. A task spawned just before close may not have run yet:
    //    the tasks already queued get a poll first (within a bound, for tasks that
    //    reschedule themselves for ever), so that those that ask are seen.
    let spawned = shared.ever_spawned();
    for _ in 0..COURTESY_POLLS {
        if !(local.try_tick() || (spawned && executor.try_tick())) {
            break;
        }
    }
    if shared.awaiting_shutdown() > 0 {
        let deadline = Instant::now() + shutdown_grace;
        runtime::block_on(
            &shared,
            &executor,
            &local,
            future::or(shared.cleanup_done(), async move {
                async_io::Timer::at(deadline).await;
            }),
        );
    }

    // 3. Cancel: workers stop first, so that every remaining future is dropped here, on the
    //    runner's thread, inside its task's context, before close returns.
    workers.stop_and_join();
    let cancelled = shared.cancel_all();
    if shared.debug {
        for location in &cancelled {
            debug::report(format_args!(
                "close cancelled the task spawned at {location}: it was still running"
            ));
        }
    }
    let kept = if shared.tracked {
        // A shared executor: run it until each of our tasks, woken by `cancel_all`, has
        // seen the cancellation and dropped its future.
        if shared.live_tasks() > 0 {
            runtime::block_on(&shared, &executor, &local, shared.tasks_gone());
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

    // 4. Report: panics of tasks nobody awaited were reported when they were caught, and
    //    destructors that panicked while being cancelled in step 3 were reported then; the
    //    sequence carried on regardless.

    // 5. Blocking jobs: waited for, at most `shutdown_timeout`; the rest are named and left.
    let stuck = shared.wait_for_jobs(shutdown_timeout);
    for location in &stuck {
        debug::report(format_args!(
            "close gave up waiting after {shutdown_timeout:?} for the blocking job started at \
             {location}: it is left running, detached"
        ));
    }

    // 6. Release: the runner's context goes, and the runner is closed.
    shared.set_phase(Phase::Closed);
    // On a shared executor, a task spawned through a Handle while close waited for
    // blocking jobs (say, by one of those jobs) was accepted until the line above; from
    // here on spawns are refused, so one last drive drops every task that slipped in.
    if let Some((executor, local)) = &kept
        && shared.live_tasks() > 0
    {
        runtime::block_on(&shared, executor, local, shared.tasks_gone());
    }
    drop(entered);
    drop(kept);
    drop(context);
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
    let Some(shared) = runtime::current() else {
        panic!(
            "runner::shutdown_requested called outside a running runner: call it from a task or \
             from the future given to Runner::run"
        );
    };
    runtime::with_current_task_key(&shared, |key| shared.mark_awaits_shutdown(key));
    ShutdownRequested { shared, slot: None }
}

/// The future [`shutdown_requested`] returns.
#[must_use = "futures do nothing unless awaited"]
pub struct ShutdownRequested {
    shared: Arc<Shared>,
    slot: Option<usize>,
}

impl Future for ShutdownRequested {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<()> {
        let this = &mut *self;
        this.shared.poll_shutdown(&mut this.slot, cx)
    }
}

impl Drop for ShutdownRequested {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            self.shared.forget_shutdown_waker(slot);
        }
    }
}

impl fmt::Debug for ShutdownRequested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownRequested")
            .field("signalled", &(self.shared.phase() != Phase::Running))
            .finish()
    }
}

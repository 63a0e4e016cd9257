//! The task wrapper: what the executor polls for every spawned future.
//!
//! For each poll it enters the task's own context and marks the task as the one polled on
//! this thread, catches a panic, times the poll in debug mode, and sees a cancellation by
//! close; at the end (completion, cancellation, or the executor dropping it) it drops the
//! user's future inside that context and leaves the runner's registry.

use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::task::{Context as TaskCx, Poll, Wake, Waker};
use std::time::Instant;

use pin_project_lite::pin_project;

use crate::context;
use crate::debug;
use crate::poll_state::{self, PolledTask};
use crate::registry::{Key, Kind, Registration};
use crate::runner_state::RunnerState;
use crate::task::{Outcome, PanicSlot};
use crate::task_list::{Label, Listing};
use crate::task_record::{self, HoldsRecord, TaskRecord};
use crate::thread_runner;
use crate::trie::Map;
use crate::unhandled_panic;

pin_project! {
    /// A spawned future as the executor sees it.
    pub(crate) struct TaskWrapper<F> {
        #[pin]
        future: Option<F>,
        context: Map,
        location: &'static Location<'static>,
        // Left out in the common case, so that a spawn neither allocates it nor touches the
        // runner's reference count, and the task is a word smaller: a poll that needs the
        // runner then finds it in the thread-local of the runner thread polling it.
        link: Option<Arc<RunnerLink>>,
    }

    impl<F> PinnedDrop for TaskWrapper<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            // Still holding the future here means the task was cancelled: its handle was
            // dropped, or its executor went away.
            drop_in_context(
                this.future.as_mut(),
                this.context,
                this.location,
                this.link.as_deref(),
            );
            if let Some(link) = this.link.take() {
                if let Some(key) = link.key() {
                    link.state.registry.unregister(key);
                }
                if link.state.executor_is_shared {
                    link.state.registry.task_dropped();
                }
            }
        }
    }
}

/// A task's link to its runner, for the tasks that need one outside a poll: on a shared
/// executor (close counts and wakes them, and they may be polled on another runner's
/// thread), in debug mode (its record for the task list, slow polls), once they have a
/// registry entry to leave, or when they have a name.
///
/// In debug mode the registry entry holds the link too (for the record, which is inline:
/// one allocation per task), and the task's future is polled with a waker made of it.
/// Only the task's own wrapper writes `key` and `waker_given`. Small enough for the
/// allocator's fast bins (at most 120 bytes with the `Arc`'s counts): a task's name, needed
/// only by reports, is read from its registry entry.
struct RunnerLink {
    state: Arc<RunnerState>,
    /// Debug mode: the task's record.
    record: Option<TaskRecord>,
    /// The task's registry entry ([`NO_KEY`] until close first needs to reach the task).
    key: AtomicU32,
    waker_given: AtomicBool,
}

/// `RunnerLink::key` of a task with no registry entry (the registry never gives it).
const NO_KEY: Key = Key::MAX;

impl HoldsRecord for RunnerLink {
    fn record(&self) -> Option<&TaskRecord> {
        self.record.as_ref()
    }
}

/// The waker a debug-mode task's future is polled with: it marks the task scheduled, then
/// wakes the executor's waker.
impl Wake for RunnerLink {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(record) = &self.record {
            record.woken();
        }
    }
}

impl RunnerLink {
    /// The link of a new task that needs one, registered at once in debug mode or when
    /// named. Out of line and not generic: the common spawn (no link) stays small.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn for_task(
        state: &Arc<RunnerState>,
        location: &'static Location<'static>,
        listing: Listing,
    ) -> Arc<RunnerLink> {
        let Listing { name, group } = listing;
        let record = state
            .debug
            .then(|| TaskRecord::new(task_record::spawn_time()));
        let link = RunnerLink::new(state.clone(), None, record);
        if state.debug {
            // In debug mode every task is registered at once, with its record for the task
            // list; its parent is the task polled here, if any.
            let parent = poll_state::polled_task_key();
            let key = state.registry.register(Registration {
                name,
                group,
                record: Some(link.clone()),
                parent,
                ..Registration::new(location, Kind::Task)
            });
            link.set_key(key);
        } else if name.is_some() {
            // A named task is listed with debug mode off too (without a record): naming it
            // is asking to see it.
            let key = state.registry.register(Registration {
                name,
                group,
                ..Registration::new(location, Kind::Task)
            });
            link.set_key(key);
        }
        link
    }

    fn new(
        state: Arc<RunnerState>,
        key: Option<Key>,
        record: Option<TaskRecord>,
    ) -> Arc<RunnerLink> {
        Arc::new(RunnerLink {
            state,
            record,
            key: AtomicU32::new(key.unwrap_or(NO_KEY)),
            waker_given: AtomicBool::new(false),
        })
    }

    fn key(&self) -> Option<Key> {
        Some(self.key.load(Relaxed)).filter(|&key| key != NO_KEY)
    }

    fn set_key(&self, key: Key) {
        self.key.store(key, Relaxed);
    }

    /// The task's name, from its registry entry (a named task has one from its spawn on).
    #[cold]
    fn name(&self) -> Option<Arc<str>> {
        self.state.registry.name_of(self.key()?)
    }
}

impl<F: Future> TaskWrapper<F> {
    /// Wraps `future` for `state`; panics when the runner is closed.
    #[track_caller]
    pub(crate) fn new(
        future: F,
        state: &Arc<RunnerState>,
        location: &'static Location<'static>,
        listing: Listing,
        key: &mut Option<Key>,
    ) -> Self {
        if state.executor_is_shared {
            state.registry.task_spawned();
        }
        let link = if state.executor_is_shared || state.debug || listing.name.is_some() {
            Some(RunnerLink::for_task(state, location, listing))
        } else {
            None
        };
        *key = link.as_deref().and_then(RunnerLink::key);
        TaskWrapper {
            future: Some(future),
            context: context::snapshot(),
            location,
            link,
        }
    }
}

impl<F: Future> TaskWrapper<F> {
    /// A poll of a task with a link to its runner: on a shared executor, in debug mode, or
    /// named. Out of line, so that the common poll stays as small as it was.
    #[inline(never)]
    fn poll_linked(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Outcome<F::Output>> {
        let mut this = self.project();
        if let Some(link) = this.link.as_deref()
            && link.state.registry.is_cancelling()
        {
            drop_in_context(
                this.future.as_mut(),
                this.context,
                this.location,
                this.link.as_deref(),
            );
            return Poll::Ready(Outcome::Cancelled);
        }
        if this.future.is_none() {
            return Poll::Ready(Outcome::Cancelled);
        }
        // Debug mode: the poll is noted in the task's record, and the future is polled with
        // the link's waker, which marks the task scheduled when woken.
        let record_waker = this.link.as_ref().and_then(|link| {
            let record = link.record.as_ref()?;
            let now = Instant::now();
            record.poll_started(now, crate::task_record::thread_number(), Some(cx.waker()));
            Some((now, Waker::from(link.clone())))
        });
        let started = record_waker.as_ref().map(|(now, _)| *now);
        let link = this.link.as_deref();
        let known_key = link.and_then(RunnerLink::key);
        let marker = PolledTask {
            key: known_key,
            location: this.location,
        };
        let task_runner = link.and_then(|link| thread_runner::enter_task(&link.state));
        let mut future = this.future.as_mut();
        let (polled, key) = poll_in_task(this.context, marker, || {
            let polled = future.as_mut().as_pin_mut().map(|f| match &record_waker {
                Some((_, waker)) => f.poll(&mut TaskCx::from_waker(waker)),
                None => f.poll(cx),
            });
            if let Some(Poll::Ready(_)) = polled {
                // Dropped at once, still inside the task's context: its destructors
                // see the task's variables (a panic there is the task's panic).
                future.set(None);
            }
            polled.unwrap_or(Poll::Pending)
        });
        thread_runner::leave_task(task_runner);
        if key != known_key {
            // `shutdown_requested()` registered the task during the poll, with the task's
            // own runner (see `thread_runner::runner_state`).
            note_registered(this.link, key);
        }
        // A poll that panicked ends in the record but is reported as a panic, not as a
        // slow poll: the panic hook (a backtrace, say) ran inside it.
        if let (Some(started), Some(link)) = (started, this.link.as_deref()) {
            end_poll(link, started, this.location, polled.is_ok());
        }
        match polled {
            Ok(Poll::Pending) => {
                if let Some(link) = this.link.as_deref()
                    && link.state.executor_is_shared
                    && !link.waker_given.load(Relaxed)
                {
                    give_waker(link, this.location, cx.waker());
                }
                Poll::Pending
            }
            Ok(Poll::Ready(output)) => Poll::Ready(Outcome::Done(output)),
            Err(payload) => {
                drop_in_context(
                    this.future.as_mut(),
                    this.context,
                    this.location,
                    this.link.as_deref(),
                );
                // A task of the runner's own executor is only ever polled on its threads.
                let state = match this.link.as_deref() {
                    Some(link) => Some(link.state.clone()),
                    None => thread_runner::runner_state(),
                };
                let name = this.link.as_deref().and_then(RunnerLink::name);
                let slot = PanicSlot::new(payload, Label::new(name, this.location), state);
                Poll::Ready(Outcome::Panicked(slot))
            }
        }
    }
}

impl<F: Future> Future for TaskWrapper<F> {
    type Output = Outcome<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Self::Output> {
        if self.link.is_some() {
            return self.poll_linked(cx);
        }
        // The common case: a task of the runner's own executor, debug mode off, no name.
        let mut this = self.project();
        if this.future.is_none() {
            return Poll::Ready(Outcome::Cancelled);
        }
        let marker = PolledTask {
            key: None,
            location: this.location,
        };
        let mut future = this.future.as_mut();
        let (polled, key) = poll_in_task(this.context, marker, || {
            let polled = future.as_mut().as_pin_mut().map(|f| f.poll(cx));
            if let Some(Poll::Ready(_)) = polled {
                // Dropped at once, still inside the task's context: its destructors
                // see the task's variables (a panic there is the task's panic).
                future.set(None);
            }
            polled.unwrap_or(Poll::Pending)
        });
        if key.is_some() {
            // `shutdown_requested()` registered the task during the poll.
            note_registered(this.link, key);
        }
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Outcome::Done(output)),
            Err(payload) => {
                drop_in_context(this.future.as_mut(), this.context, this.location, None);
                // A task of the runner's own executor is only ever polled on its threads.
                let state = thread_runner::runner_state();
                let slot = PanicSlot::new(payload, Label::new(None, this.location), state);
                Poll::Ready(Outcome::Panicked(slot))
            }
        }
    }
}

/// Runs `poll` with `map` as the thread's context and `task` as the polled task. Returns
/// what `poll` returned or the payload of its panic, and the task's registry key, which the
/// poll may have just created. Catching the panic here is what lets the thread-locals be
/// restored without a guard.
#[inline]
fn poll_in_task<R>(
    map: &mut Map,
    task: PolledTask,
    poll: impl FnOnce() -> R,
) -> (std::thread::Result<R>, Option<Key>) {
    let (previous_task, thread_is_pristine) = poll_state::enter_task(task);
    // When the thread's context already is the task's (neither has a variable set, the
    // common case), nothing is swapped in; a variable the poll sets stays the task's.
    let swap = !(thread_is_pristine && map.is_pristine());
    let previous_map = swap.then(|| context::swap_thread_context(std::mem::take(map)));
    let polled = catch_unwind(AssertUnwindSafe(poll));
    match previous_map {
        Some(previous_map) => *map = context::swap_thread_context(previous_map),
        None => {
            if !poll_state::context_is_pristine() {
                *map = context::swap_thread_context(Map::EMPTY);
            }
        }
    }
    let left_task = poll_state::leave_task(previous_task);
    (polled, left_task.and_then(|task| task.key))
}

/// Registers the task being polled on this thread with its runner, if it has no entry yet,
/// and calls `f` with its key; does nothing outside a task.
pub(crate) fn with_polled_task_key(state: &RunnerState, f: impl FnOnce(Key)) {
    let key = poll_state::with_polled_task(|task| {
        let task = task.as_mut()?;
        Some(*task.key.get_or_insert_with(|| {
            state
                .registry
                .register(Registration::new(task.location, Kind::Task))
        }))
    });
    if let Some(key) = key {
        f(key);
    }
}

/// Keeps the registry key a poll gave the task, with the runner it belongs to.
#[cold]
fn note_registered(link: &mut Option<Arc<RunnerLink>>, key: Option<Key>) {
    match (link.as_deref(), key) {
        // A named task has its entry (with its name) from its spawn: this one has none.
        (Some(link), Some(key)) => link.set_key(key),
        (Some(_), None) => {}
        (None, _) => {
            *link = thread_runner::runner_state().map(|state| RunnerLink::new(state, key, None));
        }
    }
}

/// Ends the poll in the task's record; reports it if it took longer than the debug-mode
/// threshold and `report_slow`.
#[cold]
fn end_poll(
    link: &RunnerLink,
    started: Instant,
    location: &'static Location<'static>,
    report_slow: bool,
) {
    let Some(record) = &link.record else {
        return;
    };
    let took = record.poll_ended(started);
    let threshold = link.state.slow_poll_threshold;
    if report_slow && took > threshold {
        let label = Label::new(link.name(), location);
        debug::report_slow_poll(&label, took, threshold);
    }
}

/// Gives a waiting task's waker to the registry of its runner on a shared executor, for
/// close to wake and cancel it. A task's waker never changes: this happens once.
#[cold]
fn give_waker(link: &RunnerLink, location: &'static Location<'static>, waker: &Waker) {
    match link.key() {
        Some(key) => link.state.registry.store_waker(key, waker),
        None => {
            // Unnamed: a named task has had its entry since its spawn.
            let key = link.state.registry.register(Registration {
                waker: Some(waker.clone()),
                ..Registration::new(location, Kind::Task)
            });
            link.set_key(key);
        }
    }
    link.waker_given.store(true, Relaxed);
}

/// Drops a task's future inside the task's context, so that its destructors see the
/// task's context variables; a destructor that panics is reported, not propagated.
fn drop_in_context<F>(
    mut future: Pin<&mut Option<F>>,
    context: &mut Map,
    location: &'static Location<'static>,
    link: Option<&RunnerLink>,
) {
    if future.is_none() {
        return;
    }
    let dropped = context::run_in(context, || {
        catch_unwind(AssertUnwindSafe(|| future.set(None)))
    });
    if let Err(payload) = dropped {
        let label = Label::new(link.and_then(RunnerLink::name), location);
        let text = unhandled_panic::destructor_panic_text(&label, &*payload);
        match thread_runner::runner_state() {
            Some(state) => state.unhandled_panics.report(text),
            None => debug::report(format_args!("{text}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// glibc's fast bins take chunks of up to 128 bytes: 120 requested, with the `Arc`'s two
    /// counts. Debug mode allocates a link per task; past that size, freeing 100,000 of them
    /// goes through the slower bins.
    #[test]
    fn a_link_fits_the_allocators_fast_bins() {
        let allocated = std::mem::size_of::<RunnerLink>() + 2 * std::mem::size_of::<usize>();
        assert!(allocated <= 120, "{allocated} bytes");
    }
}

//! `Task`, the handle every spawn returns, and the outcome a task hands it.

use std::fmt;
use std::future::Future;
use std::panic::{Location, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskCx, Poll};

use async_task::FallibleTask;

use crate::debug;
use crate::registry::{Key, Kind, Phase};
use crate::runner_state::RunnerState;
use crate::task_list::Label;
use crate::task_record::Awaited;
use crate::thread_runner;
use crate::unhandled_panic::{self, Payload};

/// A task's result as its handle sees it.
pub(crate) enum Outcome<T> {
    Done(T),
    /// Boxed: panics are rare, and the output shares its bytes with every task's future.
    Panicked(Box<PanicSlot>),
    Cancelled,
}

/// A task's panic payload on its way to the task's handle.
///
/// The handle takes it when it awaits the task. If nobody does (the task was detached, or
/// its handle dropped), the executor drops the output, and this reports the panic then:
/// the output is dropped exactly once, so the panic is reported exactly once, with no state
/// shared between handle and task.
pub(crate) struct PanicSlot {
    payload: Option<Payload>,
    label: Label,
    /// Whose `unhandled_panic` policy applies; `None` (a task polled where no runner is
    /// known, which a runner's own executor never does) reports it.
    state: Option<Arc<RunnerState>>,
}

impl PanicSlot {
    pub(crate) fn new(
        payload: Payload,
        label: Label,
        state: Option<Arc<RunnerState>>,
    ) -> Box<Self> {
        Box::new(PanicSlot {
            payload: Some(payload),
            label,
            state,
        })
    }

    /// Takes the payload: the slot then reports nothing when dropped.
    pub(crate) fn take(&mut self) -> Payload {
        self.payload
            .take()
            .unwrap_or_else(|| Box::new("panic payload already taken"))
    }
}

impl Drop for PanicSlot {
    fn drop(&mut self) {
        if let Some(payload) = self.payload.take() {
            match &self.state {
                Some(state) => state.unobserved_panic(&self.label, payload),
                None => debug::report(format_args!(
                    "{}",
                    unhandled_panic::unobserved_panic_text(&self.label, &*payload)
                )),
            }
        }
    }
}

/// A handle to a spawned task or blocking job.
///
/// Awaiting it gives the task's output, or resumes the task's panic with its original
/// payload. Dropping it while the task runs cancels the task (a blocking job cannot be
/// cancelled: it is detached instead); [`detach`](Task::detach) lets the task run on with
/// nobody holding it. A panic of a task that nobody awaits is reported with the task's
/// spawn location.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let task = runner::spawn(async { 6 * 7 });
///     assert_eq!(task.await, 42);
/// });
/// ```
#[must_use = "dropping a Task cancels it; call .detach() to let it run on its own"]
pub struct Task<T> {
    inner: Option<FallibleTask<Outcome<T>>>,
    location: &'static Location<'static>,
    kind: Kind,
    /// Whether its runner is in debug mode: to report a handle dropped while its task runs,
    /// and to note, in the task list, that the awaiting task waits on this one.
    debug: bool,
    /// The task's registry key, when it has one at spawn (debug mode, blocking jobs), else
    /// `NO_KEY`; a `u32` keeps the handle at three words.
    key: u32,
    /// The id of the runner whose registry `key` is in.
    runner: u16,
}

/// `Task::key` when the task had no registry entry at spawn.
const NO_KEY: u32 = u32::MAX;

impl<T> Task<T> {
    pub(crate) fn new(
        inner: FallibleTask<Outcome<T>>,
        state: &RunnerState,
        location: &'static Location<'static>,
        kind: Kind,
        key: Option<Key>,
    ) -> Self {
        Task {
            inner: Some(inner),
            location,
            kind,
            debug: state.debug,
            key: key.unwrap_or(NO_KEY),
            runner: state.id,
        }
    }

    /// Lets the task run on with nobody holding it. Its panic, if any, is reported with its
    /// spawn location (see [`UnhandledPanic`](crate::UnhandledPanic)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    ///
    /// runner::run(async {
    ///     runner::spawn(async { RAN.store(true, Ordering::SeqCst) }).detach();
    ///     futures_lite::future::yield_now().await;
    /// });
    /// assert!(RAN.load(Ordering::SeqCst));
    /// ```
    pub fn detach(mut self) {
        if let Some(inner) = self.inner.take() {
            // A panic in its output is reported when the executor drops that output.
            inner.detach();
        }
    }

    /// Whether the task has finished (completed, panicked or been cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let task = runner::spawn(async {});
    ///     futures_lite::future::yield_now().await;
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.as_ref().is_none_or(FallibleTask::is_finished)
    }

    /// Where the task was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let task = runner::spawn(async {});
    ///     assert_eq!(task.location().line(), line!() - 1);
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl<T> Future for Task<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<T> {
        let location = self.location;
        let Some(inner) = self.inner.as_mut() else {
            panic!("runner::Task spawned at {location} polled after it completed");
        };
        let outcome = match Pin::new(inner).poll(cx) {
            Poll::Pending => {
                if self.debug && self.key != NO_KEY {
                    let awaited = match self.kind {
                        Kind::Task => Awaited::Task(self.key),
                        Kind::Job => Awaited::Job(self.key),
                    };
                    thread_runner::note_awaited(awaited, Some(self.runner));
                }
                return Poll::Pending;
            }
            Poll::Ready(outcome) => outcome,
        };
        self.inner = None;
        match outcome {
            Some(Outcome::Done(value)) => Poll::Ready(value),
            Some(Outcome::Panicked(mut slot)) => resume_unwind(slot.take()),
            Some(Outcome::Cancelled) | None => panic!(
                "the task spawned at {location} was cancelled because its runner closed before it finished"
            ),
        }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        if self.kind == Kind::Job {
            // A blocking job cannot be cancelled; close still waits for it.
            inner.detach();
            return;
        }
        // Close cancels tasks on purpose; the runner of this thread tells whether it is
        // closing (a handle dropped off any runner's thread is dropped by the program).
        if self.debug && !inner.is_finished() {
            // The runner of this thread is the task's (debug mode registered it with its
            // key), unless the handle travelled to another runner's thread.
            let runner = thread_runner::with_runner(|state, _, _| {
                (state.phase(), state.registry.name_of(self.key))
            });
            if runner
                .as_ref()
                .is_none_or(|(phase, _)| *phase == Phase::Running)
            {
                let label = Label::new(runner.and_then(|(_, name)| name), self.location);
                debug::report(format_args!(
                    "{label} was cancelled because its Task handle was dropped while it was \
                     still running; await it, or call .detach() to let it run"
                ));
            }
        }
        // Cancels a running task; a finished task's output is dropped, which reports an
        // unobserved panic.
        drop(inner);
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("location", &format_args!("{}", self.location))
            .field("blocking", &(self.kind == Kind::Job))
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spawn returns a handle, and many programs keep thousands in a `Vec`.
    #[test]
    fn a_task_handle_is_three_words() {
        assert_eq!(
            std::mem::size_of::<Task<()>>(),
            3 * std::mem::size_of::<usize>()
        );
    }
}

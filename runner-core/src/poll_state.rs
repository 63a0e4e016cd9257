//! What every poll reads and writes on its thread: which task is being polled, and whether
//! the thread's context is the pristine one.
//!
//! Both sit in one thread-local without a destructor, the cheapest kind to reach, so that a
//! task with no context variable, polled where none is set, pays one access on entry and one
//! on exit. Context variables ([`crate::context`]) use the flag and know nothing of tasks;
//! the task wrapper uses both.

use std::cell::Cell;
use std::panic::Location;

use crate::registry::Key;

thread_local! {
    static NOW: Now = const {
        Now {
            task: Cell::new(None),
            context_is_pristine: Cell::new(true),
        }
    };
}

struct Now {
    task: Cell<Option<PolledTask>>,
    /// Kept equal to the thread context's `is_pristine()` by every writer of that context.
    context_is_pristine: Cell<bool>,
}

/// The task being polled on this thread.
#[derive(Clone, Copy)]
pub(crate) struct PolledTask {
    /// Its registry entry, if it has one yet (the poll may create it).
    pub(crate) key: Option<Key>,
    pub(crate) location: &'static Location<'static>,
}

/// Marks `task` as polled on this thread; returns the marker it replaced and whether the
/// thread's context is pristine, in one access.
#[inline]
pub(crate) fn enter_task(task: PolledTask) -> (Option<PolledTask>, bool) {
    NOW.with(|now| (now.task.replace(Some(task)), now.context_is_pristine.get()))
}

/// Puts back the marker `enter_task` returned; returns the one the poll leaves.
#[inline]
pub(crate) fn leave_task(previous: Option<PolledTask>) -> Option<PolledTask> {
    NOW.with(|now| now.task.replace(previous))
}

/// The registry key of the task being polled, if it is in a task and has one.
pub(crate) fn polled_task_key() -> Option<Key> {
    NOW.with(|now| now.task.get().and_then(|task| task.key))
}

/// Runs `f` on the marker of the task being polled: `None` outside a task.
pub(crate) fn with_polled_task<R>(f: impl FnOnce(&mut Option<PolledTask>) -> R) -> R {
    NOW.with(|now| {
        let mut task = now.task.get();
        let result = f(&mut task);
        now.task.set(task);
        result
    })
}

#[inline]
pub(crate) fn context_is_pristine() -> bool {
    NOW.with(|now| now.context_is_pristine.get())
}

#[inline]
pub(crate) fn set_context_is_pristine(pristine: bool) {
    NOW.with(|now| now.context_is_pristine.set(pristine));
}

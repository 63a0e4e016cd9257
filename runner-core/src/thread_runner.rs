//! The runner of this thread: which runner the code running here belongs to, and the
//! executors it spawns onto.
//!
//! The runner's own thread enters it for each `run` and for close; worker threads enter it
//! for their whole life. On an executor shared by several runners, a task of runner A can be
//! polled on runner B's thread: while it is, the task's own runner (A) is what
//! [`runner_state`] answers, so that its `shutdown_requested()`, `unblock` and `spawn` go
//! to A.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use async_executor::Executor;

use crate::drive::LocalSide;
use crate::poll_state;
use crate::runner_state::RunnerState;
use crate::task_record::Awaited;

struct ThreadRunner {
    state: Arc<RunnerState>,
    /// `None` once close has begun to drop it: spawns are refused from then on.
    executor: Option<Arc<Executor<'static>>>,
    /// The runner's own thread has the local executor; worker threads do not.
    local: Option<Rc<LocalSide>>,
}

/// In one thread-local, so that a spawn reads them in one access.
struct Runners {
    thread: Option<ThreadRunner>,
    /// The runner of the task being polled, when it is not this thread's (see module docs).
    task: Option<Arc<RunnerState>>,
}

thread_local! {
    static RUNNERS: RefCell<Runners> = const {
        RefCell::new(Runners {
            thread: None,
            task: None,
        })
    };
}

/// Makes this thread work for a runner until the guard drops; restores what was there.
pub(crate) fn enter(
    state: Arc<RunnerState>,
    executor: Option<Arc<Executor<'static>>>,
    local: Option<Rc<LocalSide>>,
) -> Entered {
    let previous = RUNNERS.with(|runners| {
        runners.borrow_mut().thread.replace(ThreadRunner {
            state,
            executor,
            local,
        })
    });
    Entered { previous }
}

pub(crate) struct Entered {
    previous: Option<ThreadRunner>,
}

impl Entered {
    /// Stops handing out the executors on this thread, so that close can drop them.
    pub(crate) fn forget_executors(&self) {
        let forgotten = RUNNERS.with(|runners| {
            let mut runners = runners.borrow_mut();
            let runner = runners.thread.as_mut()?;
            Some((runner.executor.take(), runner.local.take()))
        });
        drop(forgotten);
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The runner being left is dropped after the borrow ends: dropping it may drop
        // tasks, whose destructors may look at RUNNERS.
        let left =
            RUNNERS.with(|runners| std::mem::replace(&mut runners.borrow_mut().thread, previous));
        drop(left);
    }
}

/// Whether this thread works for a runner now.
pub(crate) fn is_running() -> bool {
    RUNNERS.with(|runners| runners.borrow().thread.is_some())
}

/// The runner the code running here belongs to: the polled task's, else this thread's.
pub(crate) fn runner_state() -> Option<Arc<RunnerState>> {
    RUNNERS.with(|runners| {
        let runners = runners.borrow();
        runners
            .task
            .clone()
            .or_else(|| runners.thread.as_ref().map(|runner| runner.state.clone()))
    })
}

/// Calls `f` with the runner the code running here belongs to, the executor to spawn onto
/// (unless close is dropping it) and, on the runner's own thread, its local executor;
/// `None` outside a runner.
pub(crate) fn with_runner<R>(
    f: impl FnOnce(&Arc<RunnerState>, Option<&Executor<'static>>, Option<&LocalSide>) -> R,
) -> Option<R> {
    RUNNERS.with(|runners| {
        let runners = runners.borrow();
        if let Some(state) = &runners.task {
            // A task of another runner: its own runner's executor; local tasks stay with
            // the thread's runner, whose thread this is.
            let executor = state.executor();
            return Some(f(state, executor.as_deref(), None));
        }
        let runner = runners.thread.as_ref()?;
        Some(f(
            &runner.state,
            runner.executor.as_deref(),
            runner.local.as_deref(),
        ))
    })
}

/// What [`enter_task`] replaced, for [`leave_task`] to put back.
pub(crate) struct TaskEntered {
    task: Option<Arc<RunnerState>>,
}

/// While a task of `state` is polled here: the runner [`runner_state`] answers, unless
/// `state` is this thread's runner anyway (then `None`: nothing changed).
pub(crate) fn enter_task(state: &Arc<RunnerState>) -> Option<TaskEntered> {
    RUNNERS.with(|runners| {
        let mut runners = runners.borrow_mut();
        let is_threads = runners
            .thread
            .as_ref()
            .is_some_and(|runner| Arc::ptr_eq(&runner.state, state));
        (!is_threads).then(|| TaskEntered {
            task: runners.task.replace(state.clone()),
        })
    })
}

#[inline]
pub(crate) fn leave_task(entered: Option<TaskEntered>) {
    if let Some(entered) = entered {
        leave_task_slow(entered);
    }
}

#[cold]
fn leave_task_slow(entered: TaskEntered) {
    let left =
        RUNNERS.with(|runners| std::mem::replace(&mut runners.borrow_mut().task, entered.task));
    drop(left);
}

/// Notes, in debug mode, that the task being polled here waits on `awaited` (until its next
/// poll): its record is found through its registry key, in its runner's registry. An
/// awaited task or job of another runner (`of_runner`) is not noted: its key would name
/// some other entry of this runner's registry.
#[cold]
pub(crate) fn note_awaited(awaited: Awaited, of_runner: Option<u16>) {
    let Some(key) = poll_state::polled_task_key() else {
        return;
    };
    if let Some(state) = runner_state()
        && of_runner.is_none_or(|id| id == state.id)
    {
        state.registry.note_awaited(key, awaited);
    }
}

//! Panics nobody will see: the policy that decides what happens to them, and the reports.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::SeqCst};
use std::task::Poll;

use atomic_waker::AtomicWaker;

use crate::debug;
use crate::guard::lock;
use crate::payload;
use crate::task_list::Label;

pub(crate) use crate::payload::Payload;

/// What a runner does with the panic of a task that nobody awaits (a detached task, or one
/// whose [`Task`](crate::Task) was dropped).
///
/// # Examples
///
/// ```
/// use runner::{Runner, UnhandledPanic};
///
/// let mut runner = Runner::builder().unhandled_panic(UnhandledPanic::Ignore).build();
/// runner.run(async {
///     runner::spawn(async { panic!("nobody will know") }).detach();
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// Print a report with the task's spawn location and go on (the default), as asyncio
    /// logs "Task exception was never retrieved".
    #[default]
    Report,
    /// Say nothing and go on.
    Ignore,
    /// Shut the runner down: the running `run` cancels its future, closes the runner and
    /// panics with the task's payload.
    ShutdownRunner,
}

/// A runner's unobserved panics: the policy, the payload that shuts the runner down, and
/// the reports held while close cancels tasks (step 3), to be given in step 4.
pub(crate) struct UnhandledPanics {
    pub(crate) policy: UnhandledPanic,
    /// `ShutdownRunner`: the payload of the panic that shuts the runner down.
    fatal: Mutex<Option<Payload>>,
    /// Whether `fatal` holds a payload: every wake-up of the runner's thread polls
    /// [`fatal`](UnhandledPanics::fatal), which then takes no lock.
    has_fatal: AtomicBool,
    /// The runner thread's waker, for the payload.
    fatal_waker: AtomicWaker,
    /// Whether step 3 of close is running, and whether a report waits in `held`: read
    /// without the lock first, so that a runner that never reports takes no lock for it.
    holding: AtomicU8,
    held: Mutex<Vec<String>>,
}

impl UnhandledPanics {
    pub(crate) fn new(policy: UnhandledPanic) -> Self {
        UnhandledPanics {
            policy,
            fatal: Mutex::new(None),
            has_fatal: AtomicBool::new(false),
            fatal_waker: AtomicWaker::new(),
            holding: AtomicU8::new(NOT_HOLDING),
            held: Mutex::new(Vec::new()),
        }
    }

    /// Applies the policy to the panic of the task spawned at `location`; `running` says
    /// whether the runner is still running (a shutdown in progress is not started again).
    pub(crate) fn unobserved(&self, label: &Label, payload: Payload, running: bool) {
        match self.policy {
            UnhandledPanic::Ignore => {}
            UnhandledPanic::ShutdownRunner if running => {
                let mut fatal = lock(&self.fatal);
                if fatal.is_none() {
                    *fatal = Some(payload);
                    self.has_fatal.store(true, SeqCst);
                    drop(fatal);
                    self.fatal_waker.wake();
                    return;
                }
                drop(fatal);
                self.report(unobserved_panic_text(label, &*payload));
            }
            _ => self.report(unobserved_panic_text(label, &*payload)),
        }
    }

    /// Completes with the payload of a task whose panic shuts the runner down.
    pub(crate) fn fatal(&self) -> impl Future<Output = Payload> + '_ {
        std::future::poll_fn(move |cx| {
            if self.policy != UnhandledPanic::ShutdownRunner {
                // Never completes under the other policies.
                return Poll::Pending;
            }
            // Registered, then read: a payload stored in between finds the waker.
            self.fatal_waker.register(cx.waker());
            if !self.has_fatal.load(SeqCst) {
                return Poll::Pending;
            }
            let mut fatal = lock(&self.fatal);
            self.has_fatal.store(false, SeqCst);
            match fatal.take() {
                Some(payload) => Poll::Ready(payload),
                None => Poll::Pending,
            }
        })
    }

    /// Gives a report now, or holds it for step 4 of close while step 3 runs.
    pub(crate) fn report(&self, text: String) {
        if self.holding.load(SeqCst) != NOT_HOLDING {
            let mut held = lock(&self.held);
            // Marked under the lock: step 4 takes the lock whenever it finds the mark, so
            // it waits for this push; or it cleared `holding` first, and the report goes now.
            let marked = self.holding.fetch_update(SeqCst, SeqCst, |holding| {
                (holding != NOT_HOLDING).then_some(HOLDING_SOME)
            });
            if marked.is_ok() {
                held.push(text);
                return;
            }
        }
        debug::report(format_args!("{text}"));
    }

    /// Step 3 of close starts: reports wait for step 4.
    pub(crate) fn hold_reports(&self) {
        self.holding.store(HOLDING, SeqCst);
    }

    /// Step 4 of close: the reports held during step 3, in the order they came.
    pub(crate) fn give_held_reports(&self) {
        if self.holding.swap(NOT_HOLDING, SeqCst) != HOLDING_SOME {
            return;
        }
        let held = std::mem::take(&mut *lock(&self.held));
        for text in held {
            debug::report(format_args!("{text}"));
        }
    }
}

/// The states of `UnhandledPanics::holding`.
const NOT_HOLDING: u8 = 0;
const HOLDING: u8 = 1;
const HOLDING_SOME: u8 = 2;

/// The report of a panic nobody awaited.
pub(crate) fn unobserved_panic_text(label: &Label, payload: &(dyn std::any::Any + Send)) -> String {
    format!(
        "{label} panicked and nobody awaited it: {}",
        payload::panic_message(payload)
    )
}

/// The report of a task's destructor that panicked while the task was dropped.
pub(crate) fn destructor_panic_text(label: &Label, payload: &(dyn std::any::Any + Send)) -> String {
    format!(
        "the destructor of the {label} panicked while the task was dropped: {}",
        payload::panic_message(payload)
    )
}

//! What the runner keeps of a task for the task list: who it is, and what it is doing.
//!
//! Debug mode keeps a record for every task (and for the main future); it is updated at the
//! start and end of each poll and when the task is woken, with atomics only, so that reading
//! it (a dump) never waits for a task and never polls one.

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, OnceLock};
use std::task::Waker;
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::guard::lock;

/// What a task is doing, as its record keeps it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Activity {
    /// Woken (or new), waiting in a run queue for its next poll.
    Scheduled = 0,
    /// Waiting for something to wake it.
    Idle = 1,
    /// Being polled.
    Running = 2,
}

/// What a task waits on, where the runtime can know it; stored as one word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Awaited {
    /// The task with this registry key (its `Task` handle).
    Task(u32),
    /// The blocking job with this registry key (its `Task` handle).
    Job(u32),
    /// `runner::shutdown_requested()`.
    Shutdown,
}

impl Awaited {
    fn encode(this: Option<Awaited>) -> u64 {
        match this {
            None => 0,
            Some(Awaited::Shutdown) => 1,
            Some(Awaited::Task(key)) => (2 << 32) | u64::from(key),
            Some(Awaited::Job(key)) => (3 << 32) | u64::from(key),
        }
    }

    fn decode(word: u64) -> Option<Awaited> {
        let key = (word & u64::from(u32::MAX)) as u32;
        match word >> 32 {
            0 if word == 1 => Some(Awaited::Shutdown),
            2 => Some(Awaited::Task(key)),
            3 => Some(Awaited::Job(key)),
            _ => None,
        }
    }
}

/// Only what changes as the task runs (its name, location and parent are in its registry
/// entry): kept small, so that debug mode's extra allocation per task stays a small one.
pub(crate) struct TaskRecord {
    pub(crate) spawned_at: Instant,
    activity: AtomicU8,
    /// When the current activity began, in nanoseconds since `spawned_at`.
    since: AtomicU64,
    /// The thread polling the task, while it runs (see [`thread_number`] and
    /// [`RUNNER_THREAD`]).
    thread: AtomicU32,
    polls: AtomicU64,
    busy_nanos: AtomicU64,
    awaited: AtomicU64,
    /// The executor's waker, which the record's own waker forwards to.
    executor_waker: OnceLock<Waker>,
    /// The poll a hung-poll report was already given for.
    pub(crate) reported_poll: AtomicU64,
}

/// A consistent-enough reading of a record, for the task list.
#[derive(Clone, Debug)]
pub(crate) struct Reading {
    pub(crate) activity: Activity,
    pub(crate) for_: Duration,
    pub(crate) thread: Option<String>,
    pub(crate) polls: u64,
    pub(crate) busy: Duration,
    pub(crate) awaited: Option<Awaited>,
}

impl TaskRecord {
    pub(crate) fn new(spawned_at: Instant) -> TaskRecord {
        TaskRecord {
            spawned_at,
            activity: AtomicU8::new(Activity::Scheduled as u8),
            since: AtomicU64::new(0),
            thread: AtomicU32::new(0),
            polls: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
            awaited: AtomicU64::new(0),
            executor_waker: OnceLock::new(),
            reported_poll: AtomicU64::new(0),
        }
    }

    fn nanos_since_spawn(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.spawned_at).as_nanos()).unwrap_or(u64::MAX)
    }

    /// A poll starts at `at` on `thread` (this thread's [`thread_number`], or
    /// [`RUNNER_THREAD`]); `executor_waker` is the waker the executor gave (the main future,
    /// polled with its own waker, gives none).
    pub(crate) fn poll_started(&self, at: Instant, thread: u32, executor_waker: Option<&Waker>) {
        POLL_STARTED.set(Some(at));
        if let Some(waker) = executor_waker {
            self.executor_waker.get_or_init(|| waker.clone());
        }
        self.awaited.store(0, Relaxed);
        self.thread.store(thread, Relaxed);
        self.since.store(self.nanos_since_spawn(at), Relaxed);
        self.polls.fetch_add(1, Relaxed);
        self.activity.store(Activity::Running as u8, Relaxed);
    }

    /// The poll that started at `started` ended now; returns how long it took.
    pub(crate) fn poll_ended(&self, started: Instant) -> Duration {
        POLL_STARTED.set(None);
        let took = started.elapsed();
        let took_nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.busy_nanos.fetch_add(took_nanos, Relaxed);
        // The poll's start is in `since` (a wake-up while running leaves it): one clock
        // subtraction fewer than measuring from the spawn again.
        let started_at = self.since.load(Relaxed);
        self.since
            .store(started_at.saturating_add(took_nanos), Relaxed);
        // A wake-up during the poll already made it Scheduled: that stays.
        let _ = self.activity.compare_exchange(
            Activity::Running as u8,
            Activity::Idle as u8,
            Relaxed,
            Relaxed,
        );
        took
    }

    /// The task being polled waits on `awaited` (until its next poll).
    pub(crate) fn awaits(&self, awaited: Awaited) {
        self.awaited.store(Awaited::encode(Some(awaited)), Relaxed);
    }

    pub(crate) fn polls(&self) -> u64 {
        self.polls.load(Relaxed)
    }

    /// How long the current poll has run, if the task is being polled.
    pub(crate) fn running_for(&self, now: Instant) -> Option<(Duration, u32)> {
        if self.activity.load(Relaxed) != Activity::Running as u8 {
            return None;
        }
        let since = Duration::from_nanos(self.since.load(Relaxed));
        let for_ = now.saturating_duration_since(self.spawned_at + since);
        Some((for_, self.thread.load(Relaxed)))
    }

    pub(crate) fn read(&self, now: Instant) -> Reading {
        let activity = match self.activity.load(Relaxed) {
            0 => Activity::Scheduled,
            1 => Activity::Idle,
            _ => Activity::Running,
        };
        let since = Duration::from_nanos(self.since.load(Relaxed));
        Reading {
            activity,
            for_: now.saturating_duration_since(self.spawned_at + since),
            thread: (activity == Activity::Running)
                .then(|| numbered_thread_name(self.thread.load(Relaxed))),
            polls: self.polls.load(Relaxed),
            busy: Duration::from_nanos(self.busy_nanos.load(Relaxed)),
            awaited: Awaited::decode(self.awaited.load(Relaxed)),
        }
    }
}

impl TaskRecord {
    /// What the waker the task is polled with does: marks the task scheduled, then wakes the
    /// executor's waker.
    pub(crate) fn woken(&self) {
        if self.activity.load(Relaxed) == Activity::Idle as u8 {
            self.since
                .store(self.nanos_since_spawn(Instant::now()), Relaxed);
        }
        self.activity.store(Activity::Scheduled as u8, Relaxed);
        if let Some(waker) = self.executor_waker.get() {
            waker.wake_by_ref();
        }
    }
}

/// What holds a task's record: the task's link to its runner, which keeps the record
/// inline so that debug mode costs a task one allocation, not two. The registry sees the
/// holder only through this.
pub(crate) trait HoldsRecord: Send + Sync {
    /// The record, when the task has one (debug mode).
    fn record(&self) -> Option<&TaskRecord>;
}

thread_local! {
    /// While a task or the main future is polled in debug mode on this thread, when that poll
    /// started (see [`spawn_time`]).
    static POLL_STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The time a task spawned now is spawned at, in debug mode: the start of the poll that
/// spawns it, when there is one on this thread, else the clock. A spawn is thereby a clock
/// read cheaper (a fifth of debug mode's cost per task on this machine), and a task's age
/// counts from the start of its spawner's poll, at most that poll's length early: polls
/// are short, and one that is not is reported as slow.
pub(crate) fn spawn_time() -> Instant {
    POLL_STARTED.get().unwrap_or_else(Instant::now)
}

/// Threads are named in the task list by their name, or their id when they have none; a
/// record keeps a number, which this maps back. A thread's entry leaves with the thread, so
/// that a program that keeps starting threads (runners with workers) does not grow it. The
/// name is read when shown: every `#[runner::test]` runs on a new thread, whose first poll
/// would otherwise copy and hash it.
static THREADS: Mutex<Vec<(u32, std::thread::Thread)>> = Mutex::new(Vec::new());

/// This thread's number, given on first use; its destructor takes the thread out of the list.
struct ThreadNumber(Cell<u32>);

impl Drop for ThreadNumber {
    fn drop(&mut self) {
        let number = self.0.get();
        if number != 0 {
            let mut threads = lock(&THREADS);
            if let Some(at) = threads.iter().position(|(n, _)| *n == number) {
                threads.swap_remove(at);
            }
        }
    }
}

thread_local! {
    static THREAD_NUMBER: ThreadNumber = const { ThreadNumber(Cell::new(0)) };
}

/// In a record, the thread of the record's runner: the main future is polled there, and
/// the runner keeps that thread's handle (a runner stays on the thread it started on), so
/// that a runner whose tasks all run there (every `#[runner::test]`) numbers no thread.
pub(crate) const RUNNER_THREAD: u32 = u32::MAX;

/// This thread's number (never 0 nor [`RUNNER_THREAD`]), given on first use; 0 while the
/// thread is exiting.
pub(crate) fn thread_number() -> u32 {
    THREAD_NUMBER
        .try_with(|number| {
            if number.0.get() == 0 {
                // 32 bits keep a record small; after four billion threads the numbers wrap
                // (skipping 0 and RUNNER_THREAD), and a name is wrong only if the thread that
                // had the same number is still alive.
                static NEXT: AtomicU32 = AtomicU32::new(1);
                let given = loop {
                    let next = NEXT.fetch_add(1, Relaxed);
                    if next != 0 && next != RUNNER_THREAD {
                        break next;
                    }
                };
                lock(&THREADS).push((given, std::thread::current()));
                number.0.set(given);
            }
            number.0.get()
        })
        .unwrap_or(0)
}

/// The name of the thread with `number` in a record of the runner on `runner_thread`.
pub(crate) fn thread_name(number: u32, runner_thread: &Thread) -> String {
    if number == RUNNER_THREAD {
        name_of(runner_thread)
    } else {
        numbered_thread_name(number)
    }
}

/// Whether `number`, in a record of the runner on `runner_thread`, is that thread.
pub(crate) fn is_runner_thread(number: u32, runner_thread: &Thread) -> bool {
    number == RUNNER_THREAD
        || lock(&THREADS)
            .iter()
            .any(|(n, thread)| *n == number && thread.id() == runner_thread.id())
}

/// The name of the thread with `number`, which is not [`RUNNER_THREAD`].
fn numbered_thread_name(number: u32) -> String {
    match lock(&THREADS).iter().find(|(n, _)| *n == number) {
        Some((_, thread)) => name_of(thread),
        None => format!("thread #{number}"),
    }
}

fn name_of(thread: &Thread) -> String {
    match thread.name() {
        Some(name) => name.to_owned(),
        None => format!("{:?}", thread.id()),
    }
}

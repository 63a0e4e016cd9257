//! What `#[runner::test]` checks around a test's body: panics in tasks nobody awaited, tasks
//! and blocking jobs left running when the body returns, a timeout that holds for the whole
//! test (body and close), and reports that belong to their test.
//!
//! # Where reports go
//!
//! libtest captures a test's output through `print!`/`eprint!` on the test's thread and on
//! the threads spawned from it (std hands the capture on at spawn); a raw write to stderr
//! escapes it. So a test runner's reports are printed with `eprint!`, prefixed with the
//! test's name, by the threads that carry the test's capture: the test's thread and the
//! runner's thread (they are one thread without `timeout`). A report made elsewhere (a
//! worker, the watchdog, a blocking-pool thread that another test started) waits in a queue
//! that those threads empty at their next report and when the test ends. A passing test
//! stays quiet; a failing one shows its reports with its own output.
//!
//! # The timeout
//!
//! With `timeout`, the runner runs on a thread of its own and the test's thread waits for it
//! until the deadline plus [`MARGIN`]: a body stuck in a blocking call cannot hold the test's
//! thread. Close's grace and its wait for blocking jobs end at the deadline too. When the
//! deadline passes, the test fails with the task dump; a runner thread still stuck then is
//! left behind (no thread can be stopped from outside), and ends when its blocking call does.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use futures_lite::future;

use crate::guard::lock;
use crate::handle::Handle;
use crate::registry::ListFilter;
use crate::runner_state::RunnerState;
use crate::task_list::TaskList;
use crate::thread_runner;
use crate::unhandled_panic::{Payload, UnhandledPanic};
use crate::{Builder, Runner};

/// How long after its timeout a test's thread still waits for the runner's thread to hand
/// over the result (close cancelling tasks and giving its reports), before it fails the test
/// with what it sees. The failure's own printing comes on top: with `RUST_BACKTRACE=1` the
/// panic hook symbolizes a backtrace, which takes from a tenth of a second to a few seconds
/// for a large debug test binary on a loaded machine.
pub const MARGIN: Duration = Duration::from_millis(500);

/// A test's body, boxed so that every test of a crate shares one `run_test` per output
/// type, and built by a plain function so that it can be made on the runner's thread.
pub type Body<T> = Pin<Box<dyn Future<Output = T>>>;

/// What to do with a panic in a task of the test's runner that nobody awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskPanics {
    /// The test fails with the panic's message and the task's spawn location (default).
    Fail,
    /// Reported, and the test goes on ([`UnhandledPanic::Report`]).
    Report,
    /// Ignored ([`UnhandledPanic::Ignore`]).
    Ignore,
}

/// What to do with tasks and blocking jobs still running when the test's body returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leftovers {
    /// The test fails and lists them.
    Deny,
    /// They are listed in the test's output; the test passes (default).
    Warn,
    /// Nothing is said.
    Allow,
}

/// The options of `#[runner::test]` that are not [`Builder`] settings.
#[derive(Clone, Copy, Debug)]
pub struct TestOptions {
    module_path: &'static str,
    name: &'static str,
    timeout: Option<Duration>,
    task_panics: TaskPanics,
    leftovers: Leftovers,
}

impl TestOptions {
    /// The test `name` in `module_path` (as `module_path!()` gives it), with the defaults.
    pub const fn new(module_path: &'static str, name: &'static str) -> TestOptions {
        TestOptions {
            module_path,
            name,
            timeout: None,
            task_panics: TaskPanics::Fail,
            leftovers: Leftovers::Warn,
        }
    }

    /// `timeout = "…"`.
    pub const fn timeout(mut self, timeout: Duration) -> TestOptions {
        self.timeout = Some(timeout);
        self
    }

    /// `unhandled_panic = "…"`.
    pub const fn task_panics(mut self, task_panics: TaskPanics) -> TestOptions {
        self.task_panics = task_panics;
        self
    }

    /// `leftovers = "…"`.
    pub const fn leftovers(mut self, leftovers: Leftovers) -> TestOptions {
        self.leftovers = leftovers;
        self
    }

    /// The name libtest shows.
    fn test_name(&self) -> TestName {
        TestName {
            module_path: self.module_path,
            name: self.name,
        }
    }
}

/// The name libtest shows: the module path without the crate's name, then the function.
/// Written out only when a report or a failure shows it: a passing test never does.
#[derive(Clone, Copy, Debug)]
struct TestName {
    module_path: &'static str,
    name: &'static str,
}

impl fmt::Display for TestName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.module_path.split_once("::") {
            Some((_, modules)) => write!(f, "{modules}::{}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// A test's side of its runner: the test's name, its deadline, its reports and the panics
/// of its tasks. The runner holds it in its state (`RunnerState::test`).
pub(crate) struct TestRun {
    name: TestName,
    deadline: Option<Instant>,
    collect_panics: bool,
    /// The threads whose `eprint!` lands in the test's capture: the test's, and the
    /// runner's own when it has one (`timeout`).
    test_thread: ThreadId,
    runner_thread: OnceLock<ThreadId>,
    /// Reports made on other threads, waiting for one of those.
    pending: Mutex<Vec<String>>,
    /// The unobserved panics of the test's tasks: (report, panic message).
    panics: Mutex<Vec<(String, String)>>,
    /// Set under the lock after a push to `pending` or `panics`: most tests have nothing
    /// in either, and their printers and verdict do not take the locks.
    has_pending: AtomicBool,
    has_panics: AtomicBool,
}

impl TestRun {
    fn new(options: &TestOptions, deadline: Option<Instant>) -> TestRun {
        TestRun {
            name: options.test_name(),
            deadline,
            collect_panics: options.task_panics == TaskPanics::Fail,
            test_thread: std::thread::current().id(),
            runner_thread: OnceLock::new(),
            pending: Mutex::new(Vec::new()),
            panics: Mutex::new(Vec::new()),
            has_pending: AtomicBool::new(false),
            has_panics: AtomicBool::new(false),
        }
    }

    /// When close must be done: its grace and its wait for blocking jobs end then.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// A task panicked and nobody awaited it (`report` is the report's text).
    pub(crate) fn task_panicked(&self, report: &str, payload: &(dyn std::any::Any + Send)) {
        if self.collect_panics {
            let message = crate::payload::panic_message(payload).to_owned();
            let mut panics = lock(&self.panics);
            panics.push((report.to_owned(), message));
            self.has_panics.store(true, SeqCst);
        }
    }

    /// Prints a report in the test's output, now if this thread carries its capture, else
    /// at the next chance.
    pub(crate) fn report(&self, message: fmt::Arguments<'_>) {
        let line = format!("[runner] test `{}`: {message}\n", self.name);
        if self.is_printer() {
            self.flush();
            eprint!("{line}");
        } else {
            let mut pending = lock(&self.pending);
            pending.push(line);
            self.has_pending.store(true, SeqCst);
        }
    }

    fn is_printer(&self) -> bool {
        let current = std::thread::current().id();
        current == self.test_thread || self.runner_thread.get() == Some(&current)
    }

    /// Prints the reports waiting in the queue; called on a thread that carries the capture.
    /// A report queued after the flag is read waits for the next flush.
    fn flush(&self) {
        if !self.has_pending.swap(false, SeqCst) {
            return;
        }
        let pending = std::mem::take(&mut *lock(&self.pending));
        for line in pending {
            eprint!("{line}");
        }
    }

    fn add_printer(&self) {
        let _ = self.runner_thread.set(std::thread::current().id());
    }

    /// The panics collected so far, taken: the verdict reads them once.
    fn take_panics(&self) -> Vec<(String, String)> {
        if !self.has_panics.swap(false, SeqCst) {
            return Vec::new();
        }
        std::mem::take(&mut *lock(&self.panics))
    }
}

/// The test whose runner the code running here belongs to, if any.
pub(crate) fn current() -> Option<Arc<TestRun>> {
    thread_runner::runner_state().and_then(|state| state.test.clone())
}

/// How a run of the test's runner ended, on the thread that ran it.
struct Ended<T> {
    /// The body's output (`None`: cancelled at the deadline), or its panic.
    body: Result<Option<T>, Payload>,
    /// The tasks and jobs alive when the body returned, when there were some.
    leftovers: Option<TaskList>,
    /// With a timeout: the dump taken when the body was cancelled at the deadline.
    timed_out: Option<TaskList>,
    /// What close gave up on when the deadline cut it short.
    close_gave_up: Option<TaskList>,
}

/// The body of `#[runner::test]` without `timeout`: on the test's thread.
#[track_caller]
pub fn run_test<T>(builder: Builder, options: TestOptions, body: fn() -> Body<T>) -> T {
    let test = Arc::new(TestRun::new(&options, None));
    let ended = run_on_this_thread(builder, &options, &test, body);
    test.flush();
    verdict(&options, &test, ended)
}

/// The body of `#[runner::test(timeout = "…")]`: the runner on a thread of its own, the
/// test's thread waiting for it until the deadline plus [`MARGIN`].
#[track_caller]
pub fn run_test_with_timeout<T: Send + 'static>(
    builder: Builder,
    options: TestOptions,
    body: fn() -> Body<T>,
) -> T {
    let limit = options.timeout.unwrap_or(Duration::MAX);
    let deadline = Instant::now().checked_add(limit);
    let test = Arc::new(TestRun::new(&options, deadline));
    let (sender, receiver) = mpsc::channel::<Message<T>>();
    let on_thread = test.clone();
    // Spawned from the test's thread, it carries the test's output capture.
    let spawned = std::thread::Builder::new()
        .name(test.name.to_string())
        .spawn(move || {
            on_thread.add_printer();
            let started = sender.clone();
            let ended = run_on_this_thread(builder, &options, &on_thread, move || {
                // The handle lets the test's thread take a dump while this one is stuck.
                let _ = started.send(Message::Started(Handle::current()));
                body()
            });
            on_thread.flush();
            let _ = sender.send(Message::Ended(ended));
        });
    if let Err(error) = spawned {
        panic!(
            "test `{}`: #[runner::test] could not start the thread of the test's runner: {error}",
            test.name
        );
    }
    let give_up = deadline.map(|deadline| deadline + MARGIN);
    let mut handle = None;
    loop {
        let received = match give_up {
            Some(at) => receiver.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => receiver
                .recv()
                .map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(Message::Started(started)) => handle = Some(started),
            Ok(Message::Ended(ended)) => {
                test.flush();
                return verdict(&options, &test, ended);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                test.flush();
                stuck(&test, limit, handle.as_ref())
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                test.flush();
                panic!(
                    "test `{}`: the thread of the test's runner ended without a result",
                    test.name
                )
            }
        }
    }
}

enum Message<T> {
    Started(Handle),
    Ended(Ended<T>),
}

/// Builds the test's runner, runs the body on it (racing the deadline, if any), looks for
/// leftovers, and closes it; the body is made on this thread, inside the runner.
fn run_on_this_thread<T>(
    builder: Builder,
    options: &TestOptions,
    test: &Arc<TestRun>,
    make: impl FnOnce() -> Body<T>,
) -> Ended<T> {
    let policy = match options.task_panics {
        // The first unobserved panic cancels the body and closes the runner: a body waiting
        // for what the task would have done does not wait for the timeout.
        TaskPanics::Fail => UnhandledPanic::ShutdownRunner,
        TaskPanics::Report => UnhandledPanic::Report,
        TaskPanics::Ignore => UnhandledPanic::Ignore,
    };
    let mut runner: Runner = builder.for_test(test.clone(), policy).build();
    let deadline = test.deadline;
    let run = async move {
        let body = make();
        let output = match deadline {
            Some(deadline) => {
                future::or(async { Some(body.await) }, async {
                    async_io::Timer::at(deadline).await;
                    None
                })
                .await
            }
            None => Some(body.await),
        };
        match output {
            Some(output) => (Some(output), None),
            None => (None, Some(crate::tasks())),
        }
    };
    let ran = catch_unwind(AssertUnwindSafe(|| runner.run(run)));
    let (body, leftovers, timed_out) = match ran {
        // Looked for once `run` returned, not inside the body's future: nothing ran on the
        // runner in between, and there the list's making is not at the bottom of the
        // runner's stack (see `drive::block_on` for why the stack's depth matters).
        Ok((Some(output), None)) => {
            let leftovers = if options.leftovers != Leftovers::Allow {
                runner.live_state().and_then(leftovers_of)
            } else {
                None
            };
            (Ok(Some(output)), leftovers, None)
        }
        Ok((output, timed_out)) => (Ok(output), None, timed_out),
        Err(payload) => (Err(payload), None, None),
    };
    if let (Some(list), Leftovers::Warn) = (&leftovers, options.leftovers) {
        test.report(format_args!("{}", leftovers_text(list)));
    }
    // Close gave up on something: a failure only when it was the test's deadline that cut
    // it short (with `shutdown_grace` or `shutdown_timeout` alone, that is what they ask for,
    // and close's report says it).
    let close_gave_up = runner
        .close_reporting()
        .filter(|_| deadline.is_some_and(|deadline| Instant::now() >= deadline));
    Ended {
        body,
        leftovers,
        timed_out,
        close_gave_up,
    }
}

/// The tasks and blocking jobs of the runner of `state`, but those that awaited
/// `shutdown_requested()`: they said how they end, and close's grace is for them.
fn leftovers_of(state: &RunnerState) -> Option<TaskList> {
    // Tasks and jobs are listed from the registry: nothing there, nothing to list.
    if !state.registry.is_used() {
        return None;
    }
    let all = state.task_list();
    if all.is_empty() {
        return None;
    }
    let cleaning_up = state.task_list_of(ListFilter::CleaningUp);
    let tasks: Vec<_> = all
        .tasks
        .into_iter()
        .filter(|task| cleaning_up.get(task.id).is_none())
        .collect();
    (!tasks.is_empty()).then_some(TaskList {
        tasks,
        complete: all.complete,
    })
}

fn leftovers_text(list: &TaskList) -> String {
    let tasks = list
        .iter()
        .filter(|task| task.kind() == crate::TaskKind::Task)
        .count();
    let jobs = list.len() - tasks;
    format!(
        "the test's body returned with {tasks} task(s) and {jobs} blocking job(s) still running \
         (close cancels the tasks and waits for the jobs; `leftovers = \"deny\"` fails the \
         test, `leftovers = \"allow\"` says nothing):\n{}",
        list.table()
    )
}

/// Turns how the run ended into the test's result or its failure.
#[track_caller]
fn verdict<T>(options: &TestOptions, test: &TestRun, ended: Ended<T>) -> T {
    let panics = test.take_panics();
    let output = match ended.body {
        Err(payload) => {
            // The payload of the task whose panic cancelled the body: the test fails with
            // the task's report; a panic of the body itself comes out as it is.
            match panics.first() {
                Some((_, message)) if crate::payload::panic_message(&*payload) == message => {
                    task_panics_failure(test, &panics)
                }
                _ => resume_unwind(payload),
            }
        }
        Ok(output) => output,
    };
    if !panics.is_empty() {
        task_panics_failure(test, &panics);
    }
    let limit = options.timeout.unwrap_or(Duration::MAX);
    if let Some(dump) = ended.timed_out {
        panic!(
            "test timed out after {limit:?} (set by #[runner::test(timeout = ...)]): `{}`'s body \
             was cancelled; what each task was doing then:\n{dump}",
            test.name
        );
    }
    if let Some(dump) = ended.close_gave_up {
        panic!(
            "test timed out after {limit:?} (set by #[runner::test(timeout = ...)]): `{}`'s body \
             returned, but close gave up at the deadline on tasks still cleaning up or blocking \
             jobs still running:\n{dump}",
            test.name
        );
    }
    if let (Some(list), Leftovers::Deny) = (&ended.leftovers, options.leftovers) {
        panic!("test `{}`: {}", test.name, leftovers_text(list));
    }
    match output {
        Some(output) => output,
        None => unreachable!("a body cancelled at the deadline fails the test just above"),
    }
}

#[track_caller]
fn task_panics_failure(test: &TestRun, panics: &[(String, String)]) -> ! {
    let mut text = format!("test `{}`: ", test.name);
    for (index, (report, _)) in panics.iter().enumerate() {
        if index > 0 {
            text.push_str("\nand ");
        }
        text.push_str(report);
    }
    text.push_str(
        "\n(#[runner::test] fails a test when one of its tasks panics and nobody awaits it; \
         `unhandled_panic = \"report\"` only reports it)",
    );
    panic!("{text}")
}

/// The runner's thread did not hand over a result by the deadline plus the margin: fail
/// with what can be seen from here, and leave that thread behind.
#[track_caller]
fn stuck(test: &TestRun, limit: Duration, handle: Option<&Handle>) -> ! {
    let Some(handle) = handle else {
        panic!(
            "test timed out after {limit:?} (set by #[runner::test(timeout = ...)]): `{}`'s \
             runner did not even start its body",
            test.name
        )
    };
    let now = Instant::now();
    let body = match handle
        .state
        .main_record
        .as_ref()
        .and_then(|record| record.running_for(now))
    {
        Some((for_, _)) => format!(
            "the body has been in a single poll for {for_:.1?}: a blocking call (such as \
             std::thread::sleep, a lock or a nested block_on) holds its thread"
        ),
        None if handle.state.phase() == crate::registry::Phase::Running => {
            "the body or a task holds the runner's thread in a blocking call".to_owned()
        }
        None => "close did not end: a destructor or close itself is blocked".to_owned(),
    };
    panic!(
        "test timed out after {limit:?} (set by #[runner::test(timeout = ...)]): `{}` did not \
         end within {MARGIN:?} more; {body}. The runner's thread is left behind. What each \
         task was doing:\n{}",
        test.name,
        handle.tasks()
    )
}

impl fmt::Debug for TestRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestRun")
            .field("name", &self.name)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

//! Ctrl-C (SIGINT) and SIGTERM while `run` runs: cancel the main future, shut down, end the
//! process as the signal's default action would. A second one prints what the shutdown was
//! waiting on, then ends the process at once; SIGQUIT (`Ctrl-\`) in debug mode prints the
//! task list and the program goes on.
//!
//! # How
//!
//! The first time a runner that handles a signal (see [`Builder::handle_signals`]) runs on the
//! main thread, and that signal still has its default disposition, one process-wide hook is
//! registered for it with `signal-hook` and kept for the life of the process. Its actions run
//! in this order on every delivery of signal `S`:
//!
//! 1. `flag::register_conditional_default(S, default_action[S])`: when `default_action[S]` is
//!    set, `S`'s default action is carried out (handler reset to `SIG_DFL`, signal raised
//!    again): the process ends exactly as if no handler were installed.
//! 2. `flag::register(S, arrived[S])` and `low_level::pipe::register`: record the signal and
//!    write a byte to a socket pair (one for all signals) whose read end is an
//!    `async_io::Async`, which wakes the runner through its reactor.
//! 3. The same into a second socket pair (`dump_arrived[S]`, `dumps`), read by the watcher
//!    thread below, after storing `S`'s number in `latest`: the watcher may wake only after
//!    two signals came, and must still know which came last.
//!
//! "Installing" the handlers for one `run` is then an atomic store per signal: clear
//! `default_action[S]` when `run` starts, set it again when `run` ends ([`Guard`]). Outside
//! `run`, and for a signal this run does not handle, step 1 makes the signal behave as
//! `SIG_DFL` does, which is how the previous disposition is restored: `signal-hook-registry`
//! never removes its trampoline, and once installed, a trampoline with no actions would
//! silently swallow the signal. A `run` that a signal ended keeps its handlers until the
//! process ends: it closes the runner, then ends the process by that signal.
//!
//! # The second signal
//!
//! With the hooks comes one thread, `runner-signals`, which sleeps in `poll` on the second
//! socket pair. It counts the handled signals delivered during a run (the run on the main
//! thread, which gave it a `Weak` to its runner; it reads the bytes only under the lock the
//! run takes to start and end, so no signal is counted for a run it does not belong to). It
//! does nothing on the first one: the runner sees that one. On the second (SIGINT after
//! SIGTERM, or the same one again), the runner is shutting down, or stuck in the poll that
//! the first one could not interrupt; the watcher does not rely on its thread:
//!
//! 1. It sets `default_action[T]` for every signal `T`: a third signal ends the process in
//!    the handler, whatever happens next.
//! 2. It prints the runner's task list (see [`TaskList`](crate::TaskList)) through the
//!    reports of debug mode, and flushes stdout and stderr, on a thread of its own. Reading
//!    the list takes the registry's lock for a moment and reads atomics: it never polls a
//!    task and never waits for the runner; a task stuck in a blocking call inside its poll
//!    shows as running on its thread for so long, and in debug mode the main future too.
//! 3. It waits for that at most 500 ms (stderr may be a full pipe, or locked by the stuck
//!    thread), then ends the process by the second signal's default action (shells see 130
//!    or 143), printed or not. So the second signal still ends the process at once for a
//!    user: in a few milliseconds, in half a second at worst.
//!
//! # SIGQUIT
//!
//! `Ctrl-\` sends SIGQUIT, whose default action ends the process with a core dump (status
//! 131). In debug mode, a runner running on the main thread handles it under the same rules
//! as SIGINT (only while `run` runs, only if SIGQUIT has its default disposition, checked
//! the first time in `/proc/self/status`; default action outside `run`): the watcher prints
//! the runner's task list, on a thread of its own, and the program goes on, as the JVM
//! prints its thread dump (Go's runtime exits instead). Without debug mode, nothing is
//! installed for SIGQUIT, or its hook takes the default action: a core dump, as always.
//!
//! # When nothing is installed
//!
//! - The runner handles no signal (`handle_signals([])`; `#[runner::test]` does this): this
//!   module is not called at all.
//! - The calling thread is not the process's main thread (Linux: its thread id is not the
//!   process id, asked with `rustix`'s `gettid`/`getpid`, remembered per thread). A thread's
//!   *name* is not used: any thread can be named "main".
//! - The signal was not at its default disposition the first time it was asked (Linux: its
//!   bit in `SigIgn` or `SigCgt` of `/proc/self/status`): the program ignores it (`trap ''
//!   INT`, background jobs of a script) or has its own handler, and keeps it. The answer is
//!   remembered, so `/proc` is read at most once per signal and process. In debug mode, an
//!   ignored signal is reported once (see [`install`]).
//! - Other systems than Linux: the disposition cannot be read without unsafe code, so the
//!   runner leaves signals alone there.
//!
//! # Why `signal-hook`
//!
//! smol's `async-signal` is the obvious candidate, but it is built on the same
//! `signal-hook-registry` and cannot give back the default disposition: once its `Signals` is
//! dropped, the signal is swallowed. Its own docs point to `signal-hook`'s
//! `emulate_default_handler` for that. `signal-hook` (without default features) has every
//! piece needed behind a safe API — the conditional default action, the flag, the self-pipe
//! and `emulate_default_handler` — so it is the only dependency added (with
//! `signal-hook-registry` and `libc`); the async side is `async-io`'s `Async`, already here.
//!
//! # Limits
//!
//! A program that later registers its own action for a handled signal through `signal-hook`
//! (after a runner installed the hook) shares the trampoline: outside `run` the process still
//! ends on that signal. A handler installed later with `sigaction` replaces the trampoline and
//! simply wins.
//!
//! Two signals sent before the process takes the first are one for the kernel (a standard
//! signal is not queued): the watcher sees one, and the next signal is the second.
//!
//! [`Builder::handle_signals`]: crate::Builder::handle_signals

use std::fmt;

#[cfg(target_os = "linux")]
pub(crate) use linux::{install, is_main_thread};

#[cfg(not(target_os = "linux"))]
pub(crate) use elsewhere::install;

/// A signal a runner can handle while `run` runs; see
/// [`Builder::handle_signals`](crate::Builder::handle_signals).
///
/// # Examples
///
/// ```
/// use runner::Signal;
///
/// // A service that stops gracefully on SIGTERM, while Ctrl-C ends it at once.
/// let mut runner = runner::Runner::builder().handle_signals([Signal::Terminate]).build();
/// assert_eq!(runner.run(async { 1 }), 1);
/// assert_eq!(Signal::Terminate.to_string(), "SIGTERM");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// SIGINT, sent by Ctrl-C in a terminal. Ends a process with status 130 in a shell.
    Interrupt,
    /// SIGTERM, sent by `kill`, `docker stop`, Kubernetes and systemd to stop a program.
    /// Ends a process with status 143 in a shell.
    Terminate,
}

impl Signal {
    /// Every signal, in the order of [`Signal::index`].
    pub(crate) const ALL: [Signal; 2] = [Signal::Interrupt, Signal::Terminate];

    /// The signal's position in [`Signal::ALL`] and in per-signal arrays.
    pub(crate) const fn index(self) -> usize {
        match self {
            Signal::Interrupt => 0,
            Signal::Terminate => 1,
        }
    }

    /// The signal's number on this system (SIGINT 2, SIGTERM 15).
    pub(crate) const fn number(self) -> i32 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    /// The name shells and `kill -l` use.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of signals: one bit per [`Signal::index`].
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Signals(u8);

impl Signals {
    /// SIGINT and SIGTERM: what a runner handles unless told otherwise.
    pub(crate) const DEFAULT: Signals = Signals(0b11);
    pub(crate) const NONE: Signals = Signals(0);

    pub(crate) fn with(self, signal: Signal, on: bool) -> Signals {
        let bit = 1 << signal.index();
        Signals(if on { self.0 | bit } else { self.0 & !bit })
    }

    pub(crate) fn contains(self, signal: Signal) -> bool {
        self.0 & (1 << signal.index()) != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Signal> for Signals {
    fn from_iter<I: IntoIterator<Item = Signal>>(iter: I) -> Signals {
        iter.into_iter()
            .fold(Signals::NONE, |set, signal| set.with(signal, true))
    }
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Ends the process as `signal`'s default action does (shells see 128 + its number), after
/// flushing stdout and stderr. Falls back to `exit(128 + number)` where it cannot be raised.
pub(crate) fn end_by(signal: Signal) -> ! {
    flush();
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal.number());
    std::process::exit(128 + signal.number())
}

fn flush() {
    use std::io::Write;

    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

/// What a signal prints about the runner running on the main thread: its task list (the
/// second signal of a shutdown, and SIGQUIT in debug mode). Called on another thread than
/// the runner's, which may be stuck: it must never poll a task nor wait for the runner.
pub(crate) trait Dump: Send + Sync {
    /// The text printed.
    fn dump(&self) -> String;
}

/// How long the second signal waits for its dump to be printed before it ends the process
/// anyway (stderr may be a full pipe, or locked by a stuck thread).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const DUMP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The report of a second signal, just before the process ends.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn report_second(signal: Signal, dump: &str) {
    crate::debug::report(format_args!(
        "{signal} again before the shutdown finished: the process ends now. The runner was \
         still waiting on:\n{}",
        dump.trim_end()
    ));
}

/// The report of SIGQUIT in debug mode; the program goes on.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn report_quit(dump: &str) {
    crate::debug::report(format_args!(
        "SIGQUIT: the tasks of the runner on the main thread (the program goes on):\n{}",
        dump.trim_end()
    ));
}

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::Cell;
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Mutex, OnceLock, Weak, mpsc};
    use std::time::Duration;

    use async_io::Async;
    use signal_hook::{flag, low_level::pipe};

    use super::{DUMP_TIME_LIMIT, Dump, Signal, Signals};
    use crate::debug;
    use crate::guard::lock;

    /// SIGQUIT's number: `Ctrl-\` in a terminal. Debug mode prints the task list on it.
    const SIGQUIT: i32 = 3;

    /// The process-wide hooks, made (and the watcher thread started) the first time a runner
    /// on the main thread asks; `None` when a socket or the thread could not be made.
    static HOOKS: OnceLock<Option<&'static Hooks>> = OnceLock::new();

    /// Per signal, indexed by [`Signal::index`].
    type PerSignal<T> = [T; Signal::ALL.len()];

    struct Hooks {
        /// The signal takes its default action: outside `run`, in a run that does not handle
        /// it, and after the watcher saw the second handled signal of a run.
        default_action: PerSignal<Arc<AtomicBool>>,
        /// Set by every delivery of the signal, cleared when a run starts.
        arrived: PerSignal<Arc<AtomicBool>>,
        /// What was found the first time the signal was asked for.
        found: PerSignal<OnceLock<Found>>,
        /// Whether debug mode already said that the signal is ignored.
        told: PerSignal<AtomicBool>,
        /// Read end of the socket pair the signal handlers write a byte to.
        wake: Async<UnixStream>,
        /// Its write end, cloned for each signal's hook.
        write: UnixStream,
        /// Set by every delivery of the signal just before its byte to `dumps`; cleared by
        /// whoever reads those bytes: says which signal came.
        dump_arrived: PerSignal<Arc<AtomicBool>>,
        /// The number of the handled signal delivered last, stored before its byte to
        /// `dumps`.
        latest: Arc<AtomicUsize>,
        /// Read end (non-blocking) of a second socket pair every handled signal writes a
        /// byte to: the watcher thread counts them.
        dumps: UnixStream,
        dumps_write: UnixStream,
        /// SIGQUIT's default action, as `default_action` for the others: set outside the runs
        /// in debug mode.
        quit_default: Arc<AtomicBool>,
        /// As `dump_arrived`, for SIGQUIT.
        quit_arrived: Arc<AtomicBool>,
        /// What was found the first time SIGQUIT was asked for.
        quit_found: OnceLock<Found>,
        /// Read end (non-blocking) of the socket pair SIGQUIT writes a byte to.
        quits: UnixStream,
        quits_write: UnixStream,
        /// The run going on on the main thread, while it holds a [`Guard`]: what the watcher
        /// prints, and what it has counted. Bytes in `dumps` and `quits` are read only under
        /// this lock, so none is counted for a run it does not belong to.
        armed: Mutex<Option<Armed>>,
    }

    /// What the watcher knows of the run on the main thread.
    struct Armed {
        /// The runner, to print its task list.
        dump: Weak<dyn Dump>,
        /// Handled signals delivered during this run.
        deliveries: usize,
        /// Whether SIGQUIT prints the task list (debug mode).
        quit: bool,
    }

    /// A signal's state the first time a runner asked to handle it.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Found {
        /// At its default disposition: the hook is registered.
        Hooked,
        /// Ignored (`SIG_IGN`) by the program: left alone.
        Ignored,
        /// Caught by the program's own handler, or unreadable, or the hook failed: left alone.
        LeftAlone,
    }

    impl Hooks {
        fn new() -> Option<Hooks> {
            let (read, write) = UnixStream::pair().ok()?;
            let (dumps, dumps_write) = UnixStream::pair().ok()?;
            let (quits, quits_write) = UnixStream::pair().ok()?;
            dumps.set_nonblocking(true).ok()?;
            quits.set_nonblocking(true).ok()?;
            let flags = |on| std::array::from_fn(|_| Arc::new(AtomicBool::new(on)));
            Some(Hooks {
                default_action: flags(true),
                arrived: flags(false),
                found: std::array::from_fn(|_| OnceLock::new()),
                told: std::array::from_fn(|_| AtomicBool::new(false)),
                wake: Async::new(read).ok()?,
                write,
                dump_arrived: flags(false),
                latest: Arc::new(AtomicUsize::new(0)),
                dumps,
                dumps_write,
                quit_default: Arc::new(AtomicBool::new(true)),
                quit_arrived: Arc::new(AtomicBool::new(false)),
                quit_found: OnceLock::new(),
                quits,
                quits_write,
                armed: Mutex::new(None),
            })
        }

        /// The hooks, made and the watcher thread started the first time.
        fn get() -> Option<&'static Hooks> {
            *HOOKS.get_or_init(|| {
                let hooks: &'static Hooks = Box::leak(Box::new(Hooks::new()?));
                std::thread::Builder::new()
                    .name("runner-signals".to_owned())
                    .spawn(move || watch(hooks))
                    .ok()?;
                Some(hooks)
            })
        }

        /// The signal's state, reading its disposition and registering its hook the first
        /// time.
        fn found(&self, signal: Signal) -> Found {
            *self.found[signal.index()]
                .get_or_init(|| Found::from(disposition(signal.number()), || self.hook(signal)))
        }

        /// SIGQUIT's state, as [`found`](Hooks::found).
        fn quit_found(&self) -> Found {
            *self
                .quit_found
                .get_or_init(|| Found::from(disposition(SIGQUIT), || self.hook_quit()))
        }

        /// Registers the actions of the module docs for `signal`, in the order they run. The
        /// conditional default action goes first, so that if a later step fails, the signal
        /// still ends the process as before.
        fn hook(&self, signal: Signal) -> Option<()> {
            let number = signal.number();
            let i = signal.index();
            flag::register_conditional_default(number, self.default_action[i].clone()).ok()?;
            flag::register(number, self.arrived[i].clone()).ok()?;
            pipe::register(number, self.write.try_clone().ok()?).ok()?;
            flag::register_usize(number, self.latest.clone(), number as usize).ok()?;
            flag::register(number, self.dump_arrived[i].clone()).ok()?;
            pipe::register(number, self.dumps_write.try_clone().ok()?).ok()?;
            Some(())
        }

        /// SIGQUIT's actions: its default action outside the runs in debug mode, else a byte
        /// for the watcher.
        fn hook_quit(&self) -> Option<()> {
            flag::register_conditional_default(SIGQUIT, self.quit_default.clone()).ok()?;
            flag::register(SIGQUIT, self.quit_arrived.clone()).ok()?;
            pipe::register(SIGQUIT, self.quits_write.try_clone().ok()?).ok()?;
            Some(())
        }
    }

    impl Found {
        fn from(disposition: Option<Disposition>, hook: impl FnOnce() -> Option<()>) -> Found {
            match disposition {
                Some(Disposition::Default) => match hook() {
                    Some(()) => Found::Hooked,
                    None => Found::LeftAlone,
                },
                Some(Disposition::Ignored) => Found::Ignored,
                Some(Disposition::Caught) | None => Found::LeftAlone,
            }
        }
    }

    /// Reads every byte waiting in a non-blocking socket; how many there were.
    fn drain(socket: &UnixStream) -> usize {
        let mut buffer = [0u8; 64];
        let mut total = 0;
        let mut socket = socket;
        while let Ok(read @ 1..) = socket.read(&mut buffer) {
            total += read;
        }
        total
    }

    /// Signal handling for one `run`: while alive, the signals it holds wake
    /// [`received`](Guard::received) instead of ending the process, the second one makes the
    /// watcher print the runner's task list and end the process, and in debug mode SIGQUIT
    /// prints it; dropping the guard gives them their default action back.
    pub(crate) struct Guard {
        hooks: &'static Hooks,
        handled: Signals,
        quit: bool,
    }

    /// Starts handling `signals` for one `run`, those of them that have their default
    /// disposition, when this is the main thread; in `debug` mode SIGQUIT too, when it has
    /// its default disposition. `None` when none is handled. `dump` is the runner, whose task
    /// list the second signal and SIGQUIT print.
    ///
    /// In `debug` mode, a signal the program ignores (started as a background job of a
    /// script, say) is reported once per process: the user would otherwise wait for a Ctrl-C
    /// that does nothing.
    pub(crate) fn install<D: Dump + 'static>(
        signals: Signals,
        debug: bool,
        dump: &Arc<D>,
    ) -> Option<Guard> {
        if !is_main_thread() {
            return None;
        }
        let hooks = Hooks::get()?;
        let mut handled = Signals::NONE;
        for signal in signals.iter() {
            match hooks.found(signal) {
                Found::Hooked => handled = handled.with(signal, true),
                Found::Ignored if debug => {
                    if !hooks.told[signal.index()].swap(true, SeqCst) {
                        report_ignored(signal);
                    }
                }
                Found::Ignored | Found::LeftAlone => {}
            }
        }
        let quit = debug && hooks.quit_found() == Found::Hooked;
        if handled.is_empty() && !quit {
            return None;
        }
        let mut stale = false;
        for signal in handled.iter() {
            // A signal that came after the main future of the last run had finished is stale.
            stale |= hooks.arrived[signal.index()].swap(false, SeqCst);
        }
        if stale {
            drain(hooks.wake.get_ref());
        }
        {
            let mut armed = lock(&hooks.armed);
            // Bytes the watcher did not read before the last run ended are not this run's.
            let mut stale = hooks.quit_arrived.swap(false, SeqCst);
            for arrived in &hooks.dump_arrived {
                stale |= arrived.swap(false, SeqCst);
            }
            if stale {
                drain(&hooks.dumps);
                drain(&hooks.quits);
            }
            let dump: Weak<D> = Arc::downgrade(dump);
            *armed = Some(Armed {
                dump,
                deliveries: 0,
                quit,
            });
        }
        for signal in handled.iter() {
            hooks.default_action[signal.index()].store(false, SeqCst);
        }
        if quit {
            hooks.quit_default.store(false, SeqCst);
        }
        Some(Guard {
            hooks,
            handled,
            quit,
        })
    }

    fn report_ignored(signal: Signal) {
        let what = match signal {
            Signal::Interrupt => "Ctrl-C will not stop it",
            Signal::Terminate => "`kill` will not stop it",
        };
        debug::report(format_args!(
            "{signal} is ignored by this process (it was started with {signal} ignored, as the \
             background jobs of a script are): run leaves it ignored, so {what}"
        ));
    }

    impl Guard {
        /// The handled signal that has arrived, if one has (without waiting).
        pub(crate) fn pending(&self) -> Option<Signal> {
            self.handled
                .iter()
                .find(|s| self.hooks.arrived[s.index()].load(SeqCst))
        }

        /// Completes with the first handled signal that arrives.
        pub(crate) async fn received(&self) -> Signal {
            loop {
                if let Some(signal) = self
                    .handled
                    .iter()
                    .find(|s| self.hooks.arrived[s.index()].load(SeqCst))
                {
                    return signal;
                }
                if self.hooks.wake.readable().await.is_err() {
                    // The reactor cannot watch the socket: signals cannot be seen any more.
                    std::future::pending::<()>().await;
                }
                drain(self.hooks.wake.get_ref());
            }
        }

        /// Keeps the handlers as they are until the process ends: for a `run` that a signal
        /// ended, which closes the runner and then ends the process by that signal. A second
        /// signal during that close still prints what close waits on.
        pub(crate) fn keep_until_exit(self) {
            // Nothing to free: the guard only points at the process-wide hooks.
            std::mem::forget(self);
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            for signal in self.handled.iter() {
                self.hooks.default_action[signal.index()].store(true, SeqCst);
            }
            if self.quit {
                self.hooks.quit_default.store(true, SeqCst);
            }
            *lock(&self.hooks.armed) = None;
        }
    }

    /// The watcher thread: waits for the bytes the handlers write for it. On SIGQUIT in a
    /// debug run it prints the task list and goes on; on the second handled signal of a run,
    /// it gives every signal its default action (a third one ends the process in the
    /// handler), prints the task list, and ends the process by that signal.
    fn watch(hooks: &'static Hooks) {
        loop {
            wait_for_bytes(hooks);
            let mut armed = lock(&hooks.armed);
            // The flags first, then the bytes: a byte read is never one whose flag comes later.
            for arrived in &hooks.dump_arrived {
                arrived.swap(false, SeqCst);
            }
            hooks.quit_arrived.swap(false, SeqCst);
            let deliveries = drain(&hooks.dumps);
            let latest = hooks.latest.load(SeqCst);
            let quits = drain(&hooks.quits);
            let Some(run) = armed.as_mut() else {
                // Left over from a run that has ended.
                continue;
            };
            if quits > 0 && run.quit {
                print_on_quit(run.dump.clone());
            }
            run.deliveries += deliveries;
            if run.deliveries >= 2 {
                for default_action in &hooks.default_action {
                    default_action.store(true, SeqCst);
                }
                // The process ends by the second signal: the one delivered last, even when
                // the watcher wakes only after both (a loaded machine).
                let signal = Signal::ALL
                    .into_iter()
                    .find(|s| s.number() as usize == latest)
                    .unwrap_or(Signal::Interrupt);
                let dump = run.dump.clone();
                drop(armed);
                end_after_dump(signal, dump);
            }
        }
    }

    /// Sleeps until a handler wrote to `dumps` or `quits`.
    fn wait_for_bytes(hooks: &Hooks) {
        use rustix::event::{PollFd, PollFlags, poll};

        let mut fds = [
            PollFd::new(&hooks.dumps, PollFlags::IN),
            PollFd::new(&hooks.quits, PollFlags::IN),
        ];
        match poll(&mut fds, None) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            // Cannot happen with two open sockets; should it, keep watching, slowly.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }

    /// SIGQUIT: prints the task list on a thread of its own, so that the watcher is free for
    /// the next signal even if stderr blocks.
    fn print_on_quit(dump: Weak<dyn Dump>) {
        let _ = std::thread::Builder::new()
            .name("runner-dump".to_owned())
            .spawn(move || {
                if let Some(runner) = dump.upgrade() {
                    super::report_quit(&runner.dump());
                }
            });
    }

    /// The second signal: prints the task list and flushes stdout and stderr on a thread of
    /// their own, waits for that at most [`DUMP_TIME_LIMIT`], then ends the process by
    /// `signal`'s default action, whether the printing finished or not.
    fn end_after_dump(signal: Signal, dump: Weak<dyn Dump>) -> ! {
        let (printed, done) = mpsc::channel();
        let printer = std::thread::Builder::new()
            .name("runner-dump".to_owned())
            .spawn(move || {
                if let Some(runner) = dump.upgrade() {
                    super::report_second(signal, &runner.dump());
                }
                super::flush();
                let _ = printed.send(());
            });
        if printer.is_ok() {
            let _ = done.recv_timeout(DUMP_TIME_LIMIT);
        }
        let _ = signal_hook::low_level::emulate_default_handler(signal.number());
        std::process::exit(128 + signal.number())
    }

    /// Whether this thread is the process's main thread (its id is the process id).
    pub(crate) fn is_main_thread() -> bool {
        thread_local! {
            static IS_MAIN: Cell<Option<bool>> = const { Cell::new(None) };
        }
        IS_MAIN.with(|is_main| {
            is_main.get().unwrap_or_else(|| {
                let answer = rustix::thread::gettid() == rustix::process::getpid();
                is_main.set(Some(answer));
                answer
            })
        })
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Disposition {
        Default,
        Ignored,
        Caught,
    }

    /// The disposition of signal `number`, read from `/proc/self/status`.
    fn disposition(number: i32) -> Option<Disposition> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        disposition_in(&status, number)
    }

    /// Parses the `SigIgn` and `SigCgt` masks; `None` when either is missing or malformed.
    fn disposition_in(status: &str, number: i32) -> Option<Disposition> {
        let mask = |name: &str| {
            let line = status.lines().find_map(|line| line.strip_prefix(name))?;
            u64::from_str_radix(line.trim(), 16).ok()
        };
        let bit = 1u64 << (number - 1);
        let (ignored, caught) = (mask("SigIgn:")?, mask("SigCgt:")?);
        Some(if ignored & bit != 0 {
            Disposition::Ignored
        } else if caught & bit != 0 {
            Disposition::Caught
        } else {
            Disposition::Default
        })
    }

    #[cfg(test)]
    mod tests {
        use super::{Disposition, SIGQUIT, Signal, disposition_in};

        #[test]
        fn reads_each_signal_bit() {
            use Disposition::*;
            let (int, term) = (Signal::Interrupt.number(), Signal::Terminate.number());
            let status = "Name:\tx\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000010000\n";
            assert_eq!(disposition_in(status, int), Some(Default));
            assert_eq!(disposition_in(status, term), Some(Default));
            assert_eq!(disposition_in(status, SIGQUIT), Some(Default));
            let ignored = "SigIgn:\t0000000000000002\nSigCgt:\t0000000000000000\n";
            assert_eq!(disposition_in(ignored, int), Some(Ignored));
            assert_eq!(disposition_in(ignored, term), Some(Default));
            let caught = "SigIgn:\t0000000000004000\nSigCgt:\t0000000180000006\n";
            assert_eq!(disposition_in(caught, int), Some(Caught));
            assert_eq!(disposition_in(caught, term), Some(Ignored));
            assert_eq!(disposition_in(caught, SIGQUIT), Some(Caught));
            assert_eq!(disposition_in("SigIgn:\tzz\n", int), None);
            assert_eq!(disposition_in("", term), None);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod elsewhere {
    use std::sync::Arc;

    use super::{Dump, Signal, Signals};

    /// Never made: see the module docs.
    pub(crate) enum Guard {}

    pub(crate) fn install<D: Dump + 'static>(
        _signals: Signals,
        _debug: bool,
        _dump: &Arc<D>,
    ) -> Option<Guard> {
        None
    }

    impl Guard {
        pub(crate) fn pending(&self) -> Option<Signal> {
            match *self {}
        }

        pub(crate) async fn received(&self) -> Signal {
            match *self {}
        }

        pub(crate) fn keep_until_exit(self) {
            match self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Signal, Signals};

    #[test]
    fn a_set_of_signals() {
        let set: Signals = [Signal::Terminate].into_iter().collect();
        assert!(set.contains(Signal::Terminate) && !set.contains(Signal::Interrupt));
        assert_eq!(set.with(Signal::Interrupt, true), Signals::DEFAULT);
        assert!(
            Signals::DEFAULT
                .with(Signal::Interrupt, false)
                .with(Signal::Terminate, false)
                .is_empty()
        );
        assert_eq!(format!("{:?}", Signals::DEFAULT), "{Interrupt, Terminate}");
    }
}

//! Ctrl-C (SIGINT) and SIGTERM while `run` runs: cancel the main future, shut down, end the
//! process as the signal's default action would.
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
//! 2. `flag::register(S, default_action[T])` for every signal `T` the runner knows: arms
//!    step 1 for the next signal of any kind, so a second signal (SIGINT after SIGTERM, or
//!    the same one again) during the shutdown ends the process at once, even if the runner's
//!    thread is stuck.
//! 3. `flag::register(S, arrived[S])` and `low_level::pipe::register`: record the signal and
//!    write a byte to a socket pair (one for all signals) whose read end is an
//!    `async_io::Async`, which wakes the runner through its reactor.
//!
//! "Installing" the handlers for one `run` is then an atomic store per signal: clear
//! `default_action[S]` when `run` starts, set it again when `run` ends ([`Guard`]). Outside
//! `run`, and for a signal this run does not handle, step 1 makes the signal behave as
//! `SIG_DFL` does, which is how the previous disposition is restored: `signal-hook-registry`
//! never removes its trampoline, and once installed, a trampoline with no actions would
//! silently swallow the signal.
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
    use std::io::Write;

    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal.number());
    std::process::exit(128 + signal.number())
}

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::Cell;
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::{Arc, OnceLock};

    use async_io::Async;
    use signal_hook::{flag, low_level::pipe};

    use super::{Signal, Signals};
    use crate::debug;

    /// The process-wide hooks; `None` when the wake-up socket could not be made.
    static HOOKS: OnceLock<Option<Hooks>> = OnceLock::new();

    /// Per signal, indexed by [`Signal::index`].
    type PerSignal<T> = [T; Signal::ALL.len()];

    struct Hooks {
        /// The signal takes its default action: outside `run`, in a run that does not handle
        /// it, and after the first handled signal of a run.
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
            let flags = || std::array::from_fn(|_| Arc::new(AtomicBool::new(true)));
            Some(Hooks {
                default_action: flags(),
                arrived: std::array::from_fn(|_| Arc::new(AtomicBool::new(false))),
                found: std::array::from_fn(|_| OnceLock::new()),
                told: std::array::from_fn(|_| AtomicBool::new(false)),
                wake: Async::new(read).ok()?,
                write,
            })
        }

        /// The signal's state, reading its disposition and registering its hook the first
        /// time.
        fn found(&self, signal: Signal) -> Found {
            *self.found[signal.index()].get_or_init(|| match disposition(signal) {
                Some(Disposition::Default) => match self.hook(signal) {
                    Some(()) => Found::Hooked,
                    None => Found::LeftAlone,
                },
                Some(Disposition::Ignored) => Found::Ignored,
                Some(Disposition::Caught) | None => Found::LeftAlone,
            })
        }

        /// Registers the actions of the module docs for `signal`, in the order they run. The
        /// conditional default action goes first, so that if a later step fails, the signal
        /// still ends the process as before.
        fn hook(&self, signal: Signal) -> Option<()> {
            let number = signal.number();
            let i = signal.index();
            flag::register_conditional_default(number, self.default_action[i].clone()).ok()?;
            for default_action in &self.default_action {
                flag::register(number, default_action.clone()).ok()?;
            }
            flag::register(number, self.arrived[i].clone()).ok()?;
            pipe::register(number, self.write.try_clone().ok()?).ok()?;
            Some(())
        }

        /// Empties the socket; the handlers write one byte per signal.
        fn drain(&self) {
            let mut buffer = [0u8; 16];
            while let Ok(1..) = self.wake.get_ref().read(&mut buffer) {}
        }
    }

    /// Signal handling for one `run`: while alive, the signals it holds wake
    /// [`received`](Guard::received) instead of ending the process; dropping it gives them
    /// their default action back.
    pub(crate) struct Guard {
        hooks: &'static Hooks,
        handled: Signals,
    }

    /// Starts handling `signals` for one `run`, those of them that have their default
    /// disposition, when this is the main thread; `None` when none is handled.
    ///
    /// In `debug` mode, a signal the program ignores (started as a background job of a
    /// script, say) is reported once per process: the user would otherwise wait for a Ctrl-C
    /// that does nothing.
    pub(crate) fn install(signals: Signals, debug: bool) -> Option<Guard> {
        if !is_main_thread() {
            return None;
        }
        let hooks = HOOKS.get_or_init(Hooks::new).as_ref()?;
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
        if handled.is_empty() {
            return None;
        }
        let mut stale = false;
        for signal in handled.iter() {
            // A signal that came after the main future of the last run had finished is stale.
            stale |= hooks.arrived[signal.index()].swap(false, SeqCst);
        }
        if stale {
            hooks.drain();
        }
        for signal in handled.iter() {
            hooks.default_action[signal.index()].store(false, SeqCst);
        }
        Some(Guard { hooks, handled })
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
        /// Completes with the first handled signal that arrives. From then on a second
        /// signal ends the process.
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
                self.hooks.drain();
            }
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            for signal in self.handled.iter() {
                self.hooks.default_action[signal.index()].store(true, SeqCst);
            }
        }
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

    /// The signal's disposition, read from `/proc/self/status`.
    fn disposition(signal: Signal) -> Option<Disposition> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        disposition_in(&status, signal)
    }

    /// Parses the `SigIgn` and `SigCgt` masks; `None` when either is missing or malformed.
    fn disposition_in(status: &str, signal: Signal) -> Option<Disposition> {
        let mask = |name: &str| {
            let line = status.lines().find_map(|line| line.strip_prefix(name))?;
            u64::from_str_radix(line.trim(), 16).ok()
        };
        let bit = 1u64 << (signal.number() - 1);
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
        use super::{Disposition, Signal, disposition_in};

        #[test]
        fn reads_each_signal_bit() {
            use Disposition::*;
            use Signal::*;
            let status = "Name:\tx\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000010000\n";
            assert_eq!(disposition_in(status, Interrupt), Some(Default));
            assert_eq!(disposition_in(status, Terminate), Some(Default));
            let ignored = "SigIgn:\t0000000000000002\nSigCgt:\t0000000000000000\n";
            assert_eq!(disposition_in(ignored, Interrupt), Some(Ignored));
            assert_eq!(disposition_in(ignored, Terminate), Some(Default));
            let caught = "SigIgn:\t0000000000004000\nSigCgt:\t0000000180000002\n";
            assert_eq!(disposition_in(caught, Interrupt), Some(Caught));
            assert_eq!(disposition_in(caught, Terminate), Some(Ignored));
            assert_eq!(disposition_in("SigIgn:\tzz\n", Interrupt), None);
            assert_eq!(disposition_in("", Terminate), None);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod elsewhere {
    use super::{Signal, Signals};

    /// Never made: see the module docs.
    pub(crate) enum Guard {}

    pub(crate) fn install(_signals: Signals, _debug: bool) -> Option<Guard> {
        None
    }

    impl Guard {
        pub(crate) async fn received(&self) -> Signal {
            match *self {}
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

//! Ctrl-C (SIGINT) while `run` runs: cancel the main future, shut down, end as interrupted.
//!
//! # How
//!
//! The first time a runner with [`handle_ctrl_c`](crate::Builder::handle_ctrl_c) on runs on
//! the main thread, and SIGINT still has its default disposition, one process-wide hook is
//! registered with `signal-hook` and kept for the life of the process. Its actions run in
//! this order on every SIGINT:
//!
//! 1. `flag::register_conditional_default(SIGINT, default_action)`: when `default_action` is
//!    set, SIGINT's default action is carried out (handler reset to `SIG_DFL`, signal raised
//!    again): the process ends as interrupted, exactly as if no handler were installed.
//! 2. `flag::register(SIGINT, default_action)`: arms step 1 for the next SIGINT, so a second
//!    Ctrl-C during the shutdown ends the process at once, even if the runner's thread is
//!    stuck.
//! 3. `flag::register(SIGINT, arrived)` and `low_level::pipe::register`: record the SIGINT and
//!    write a byte to a socket pair whose read end is an `async_io::Async`, which wakes the
//!    runner through its reactor.
//!
//! "Installing" the handler for one `run` is then two atomic stores: clear `default_action`
//! when `run` starts, set it again when `run` ends ([`Guard`]). Outside `run`, step 1 makes
//! SIGINT behave as `SIG_DFL` does, which is how the previous disposition is restored:
//! `signal-hook-registry` never removes its trampoline, and once installed, a trampoline with
//! no actions would silently swallow SIGINT.
//!
//! # When nothing is installed
//!
//! - The runner was built with `handle_ctrl_c(false)` (`#[runner::test]` does this): this
//!   module is not called at all.
//! - The calling thread is not the process's main thread (Linux: its thread id is not the
//!   process id, asked with `rustix`'s `gettid`/`getpid`, remembered per thread). A thread's
//!   *name* is not used: any thread can be named "main".
//! - SIGINT was not at its default disposition the first time it was asked (Linux: the SIGINT
//!   bit of `SigIgn` or `SigCgt` in `/proc/self/status`): the program ignores it (`trap '' INT`,
//!   background jobs of a shell) or has its own handler, and keeps it. The answer is
//!   remembered, so `/proc` is read at most once per process and `runner::run` stays cheap.
//! - Other systems than Linux: the disposition cannot be read without unsafe code, so the
//!   runner leaves SIGINT alone there.
//!
//! # Why `signal-hook`
//!
//! smol's `async-signal` is the obvious candidate, but it is built on the same
//! `signal-hook-registry` and cannot give back the default disposition: once its `Signals` is
//! dropped, SIGINT is swallowed. Its own docs point to `signal-hook`'s
//! `emulate_default_handler` for that. `signal-hook` (without default features) has every
//! piece needed behind a safe API — the conditional default action, the flag, the self-pipe
//! and `emulate_default_handler` — so it is the only dependency added (with
//! `signal-hook-registry` and `libc`); the async side is `async-io`'s `Async`, already here.
//!
//! # Limits
//!
//! A program that later registers its own SIGINT action through `signal-hook` (after a
//! runner installed the hook) shares the trampoline: outside `run` the process still ends on
//! SIGINT. A handler installed later with `sigaction` replaces the trampoline and simply wins.

#[cfg(target_os = "linux")]
pub(crate) use linux::install;

#[cfg(not(target_os = "linux"))]
pub(crate) use elsewhere::install;

/// Ends the process as SIGINT's default action does (shells see status 130), after flushing
/// stdout and stderr. Falls back to `exit(130)` where the signal cannot be raised.
pub(crate) fn end_as_interrupted() -> ! {
    use std::io::Write;

    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGINT);
    std::process::exit(130)
}

#[cfg(target_os = "linux")]
mod linux {
    use std::cell::Cell;
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::{Arc, OnceLock};

    use async_io::Async;
    use signal_hook::consts::SIGINT;
    use signal_hook::{flag, low_level::pipe};

    /// The process-wide hook; `None` when SIGINT was not at its default disposition.
    static HOOK: OnceLock<Option<Hook>> = OnceLock::new();

    struct Hook {
        /// SIGINT takes its default action: outside `run`, and after the first SIGINT of a run.
        default_action: Arc<AtomicBool>,
        /// Set by every SIGINT, cleared when a run starts.
        arrived: Arc<AtomicBool>,
        /// Read end of the socket pair the signal handler writes a byte to.
        wake: Async<UnixStream>,
    }

    impl Hook {
        fn new() -> Option<Hook> {
            if !sigint_is_default() {
                return None;
            }
            let default_action = Arc::new(AtomicBool::new(true));
            let arrived = Arc::new(AtomicBool::new(false));
            let (read, write) = UnixStream::pair().ok()?;
            let wake = Async::new(read).ok()?;
            // The order is the order the actions run in. The conditional default action goes
            // first, so that if a later step fails, SIGINT still ends the process as before.
            flag::register_conditional_default(SIGINT, default_action.clone()).ok()?;
            flag::register(SIGINT, default_action.clone()).ok()?;
            flag::register(SIGINT, arrived.clone()).ok()?;
            pipe::register(SIGINT, write).ok()?;
            Some(Hook {
                default_action,
                arrived,
                wake,
            })
        }

        /// Empties the socket; the handler writes one byte per SIGINT.
        fn drain(&self) {
            let mut buffer = [0u8; 16];
            while let Ok(1..) = self.wake.get_ref().read(&mut buffer) {}
        }
    }

    /// Ctrl-C handling for one `run`: while alive, SIGINT wakes [`interrupted`](Guard::interrupted)
    /// instead of ending the process; dropping it gives SIGINT its default action back.
    pub(crate) struct Guard {
        hook: &'static Hook,
    }

    /// Starts handling Ctrl-C for one `run`, when this is the main thread and SIGINT has its
    /// default disposition; `None` otherwise.
    pub(crate) fn install() -> Option<Guard> {
        if !is_main_thread() {
            return None;
        }
        let hook = HOOK.get_or_init(Hook::new).as_ref()?;
        // A SIGINT that came after the main future of the last run had finished is stale.
        if hook.arrived.swap(false, SeqCst) {
            hook.drain();
        }
        hook.default_action.store(false, SeqCst);
        Some(Guard { hook })
    }

    impl Guard {
        /// Completes when SIGINT arrives. From then on a second SIGINT ends the process.
        pub(crate) async fn interrupted(&self) {
            loop {
                if self.hook.arrived.load(SeqCst) {
                    return;
                }
                if self.hook.wake.readable().await.is_err() {
                    // The reactor cannot watch the socket: Ctrl-C cannot be seen any more.
                    std::future::pending::<()>().await;
                }
                self.hook.drain();
            }
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            self.hook.default_action.store(true, SeqCst);
        }
    }

    /// Whether this thread is the process's main thread (its id is the process id).
    fn is_main_thread() -> bool {
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

    /// Whether SIGINT is neither ignored nor caught, read from `/proc/self/status`.
    fn sigint_is_default() -> bool {
        match std::fs::read_to_string("/proc/self/status") {
            Ok(status) => sigint_is_default_in(&status).unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Parses the `SigIgn` and `SigCgt` masks; `None` when either is missing or malformed.
    fn sigint_is_default_in(status: &str) -> Option<bool> {
        let mask = |name: &str| {
            let line = status.lines().find_map(|line| line.strip_prefix(name))?;
            u64::from_str_radix(line.trim(), 16).ok()
        };
        let bit = 1u64 << (SIGINT - 1);
        Some((mask("SigIgn:")? | mask("SigCgt:")?) & bit == 0)
    }

    #[cfg(test)]
    mod tests {
        use super::sigint_is_default_in;

        #[test]
        fn reads_the_sigint_bit() {
            let status = "Name:\tx\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000004000\n";
            assert_eq!(sigint_is_default_in(status), Some(true));
            let ignored = "SigIgn:\t0000000000000002\nSigCgt:\t0000000000000000\n";
            assert_eq!(sigint_is_default_in(ignored), Some(false));
            let caught = "SigIgn:\t0000000000000000\nSigCgt:\t0000000180000002\n";
            assert_eq!(sigint_is_default_in(caught), Some(false));
            assert_eq!(sigint_is_default_in("SigIgn:\tzz\n"), None);
            assert_eq!(sigint_is_default_in(""), None);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod elsewhere {
    /// Never made: see the module docs.
    pub(crate) enum Guard {}

    pub(crate) fn install() -> Option<Guard> {
        None
    }

    impl Guard {
        pub(crate) async fn interrupted(&self) {
            match *self {}
        }
    }
}

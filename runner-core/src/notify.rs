//! systemd's service protocol: readiness (`READY=1`), status, `STOPPING=1` when shutdown
//! starts, and a watchdog that pings only while the runner makes progress.
//!
//! # How
//!
//! systemd passes a Unix datagram socket in `NOTIFY_SOCKET` (a path, or `@name` in the
//! abstract namespace); each message is one datagram of `KEY=value` lines. The standard
//! library's [`UnixDatagram`](std::os::unix::net::UnixDatagram) sends it: no C library, no
//! new dependency. The variables are read once per process, the first time they are needed;
//! when `NOTIFY_SOCKET` is not set, every function here does nothing.
//!
//! - [`notify_ready`] sends `READY=1` and remembers the runner it was called in.
//! - Step 1 of that runner's close sends `STOPPING=1` ([`shutdown_started`]), once.
//! - The watchdog ([`watchdog`]) is a future that `run` polls beside the main future, on the
//!   runner's own thread, only on the process's main thread: it sends `WATCHDOG=1` every half
//!   `WATCHDOG_USEC`, as `sd_watchdog_enabled(3)` asks. It is a future polled by the drive
//!   loop, not a thread, so a task that blocks the runner's thread stops the pings, and
//!   systemd restarts a wedged program, which is what the watchdog is for. Without
//!   `WATCHDOG_USEC` (or with a `WATCHDOG_PID` that is not this process) it is a future that
//!   is never ready: a read of a `OnceLock` per `run`.
//!
//! Other systems than Linux have no systemd: everything here is a no-op there.

use std::convert::Infallible;
use std::io;

use crate::runner_state::RunnerState;

/// Tells systemd that the service is ready (`READY=1`), when it was started with
/// `NOTIFY_SOCKET` set (`Type=notify`); does nothing otherwise.
///
/// Returns `Ok(true)` when the message was sent, `Ok(false)` when there is no systemd to tell
/// (`NOTIFY_SOCKET` unset, or a system other than Linux), and the error when sending failed.
///
/// Called from inside a runner, that runner sends `STOPPING=1` when its shutdown starts (step
/// 1 of the [`# Shutdown`](crate::Runner#shutdown) sequence), so systemd knows the service is
/// stopping and not crashed. The watchdog does not depend on this call: when systemd sets
/// `WATCHDOG_USEC`, every `run` on the main thread sends `WATCHDOG=1` while it makes progress.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     // Bind sockets, load configuration… then:
///     let told = runner::notify_ready().expect("tell systemd");
///     // Outside systemd, nobody was told.
///     # if std::env::var_os("NOTIFY_SOCKET").is_none() {
///     assert!(!told);
///     # }
/// });
/// ```
pub fn notify_ready() -> io::Result<bool> {
    imp::ready()
}

/// Sets the one-line status `systemctl status` shows for the service (`STATUS=…`), when it was
/// started by systemd with `NOTIFY_SOCKET` set; does nothing otherwise.
///
/// Returns as [`notify_ready`] does. A line break in `status` would start another
/// `KEY=value` line, so line breaks are sent as spaces.
///
/// # Examples
///
/// ```
/// let _ = runner::notify_status("serving 12 connections");
/// ```
pub fn notify_status(status: &str) -> io::Result<bool> {
    let status = status.replace(['\n', '\r'], " ");
    imp::send(&format!("STATUS={status}"))
}

/// Step 1 of close: `STOPPING=1`, when this runner is the one that sent `READY=1`.
pub(crate) fn shutdown_started(shared: &RunnerState) {
    imp::shutdown_started(std::ptr::from_ref(shared).addr());
}

/// Sends `WATCHDOG=1` every half `WATCHDOG_USEC` for as long as it is polled; never ready.
pub(crate) async fn watchdog() -> Infallible {
    imp::watchdog().await
}

#[cfg(target_os = "linux")]
mod imp {
    use std::convert::Infallible;
    use std::io;
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    use crate::guard::lock;
    use crate::signal;
    use crate::thread_runner;

    /// Where the messages go, from `NOTIFY_SOCKET`.
    struct Notifier {
        socket: UnixDatagram,
        address: SocketAddr,
    }

    /// `None`: `NOTIFY_SOCKET` is not set. `Some(Err)`: it is set but cannot be used.
    fn notifier() -> Option<&'static Result<Notifier, String>> {
        static NOTIFIER: OnceLock<Option<Result<Notifier, String>>> = OnceLock::new();
        NOTIFIER
            .get_or_init(|| {
                let path = std::env::var_os("NOTIFY_SOCKET")?;
                Some(Notifier::new(path.as_encoded_bytes()))
            })
            .as_ref()
    }

    impl Notifier {
        fn new(path: &[u8]) -> Result<Notifier, String> {
            let address = match path {
                [b'@', name @ ..] => SocketAddr::from_abstract_name(name),
                [b'/', ..] => SocketAddr::from_pathname(std::ffi::OsStr::from_bytes(path)),
                _ => {
                    return Err(format!(
                        "NOTIFY_SOCKET={:?} is neither an absolute path nor an abstract \
                         socket name (`@name`)",
                        String::from_utf8_lossy(path)
                    ));
                }
            }
            .map_err(|error| format!("NOTIFY_SOCKET is not a usable socket address: {error}"))?;
            let socket = UnixDatagram::unbound()
                .map_err(|error| format!("cannot make a socket to notify systemd: {error}"))?;
            Ok(Notifier { socket, address })
        }
    }

    /// Sends one message; `Ok(false)` without `NOTIFY_SOCKET`.
    pub(super) fn send(message: &str) -> io::Result<bool> {
        match notifier() {
            None => Ok(false),
            Some(Err(problem)) => Err(io::Error::new(io::ErrorKind::InvalidInput, problem.clone())),
            Some(Ok(notifier)) => notifier
                .socket
                .send_to_addr(message.as_bytes(), &notifier.address)
                .map(|_| true),
        }
    }

    /// The runner that sent `READY=1` (the address of its shared state), 0 for none.
    static READY_RUNNER: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn ready() -> io::Result<bool> {
        if notifier().is_none() {
            return Ok(false);
        }
        if let Some(shared) = thread_runner::runner_state() {
            READY_RUNNER.store(std::sync::Arc::as_ptr(&shared).addr(), SeqCst);
        }
        send("READY=1")
    }

    pub(super) fn shutdown_started(runner: usize) {
        // One load when nothing was ever sent: close stays as cheap as it was.
        if READY_RUNNER.load(SeqCst) == runner
            && READY_RUNNER
                .compare_exchange(runner, 0, SeqCst, SeqCst)
                .is_ok()
        {
            let _ = send("STOPPING=1");
        }
    }

    /// Half of `WATCHDOG_USEC`, when the watchdog is on for this process.
    fn interval() -> Option<Duration> {
        static INTERVAL: OnceLock<Option<Duration>> = OnceLock::new();
        *INTERVAL.get_or_init(|| {
            notifier()?;
            let usec = std::env::var("WATCHDOG_USEC")
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()?;
            // systemd sets WATCHDOG_PID to the main process; a child that inherited the
            // variables is not watched.
            if let Ok(pid) = std::env::var("WATCHDOG_PID")
                && pid.trim().parse::<u32>().ok() != Some(std::process::id())
            {
                return None;
            }
            (usec > 0).then(|| Duration::from_micros(usec) / 2)
        })
    }

    pub(super) async fn watchdog() -> Infallible {
        let interval = match interval() {
            Some(interval) if signal::is_main_thread() => interval,
            _ => return std::future::pending().await,
        };
        // Shared by the runs of the process, so that many short runs do not flood systemd.
        static LAST: Mutex<Option<Instant>> = Mutex::new(None);
        loop {
            let now = Instant::now();
            let next = {
                let mut last = lock(&LAST);
                match *last {
                    Some(at) if now < at + interval => at + interval,
                    _ => {
                        let _ = send("WATCHDOG=1");
                        *last = Some(now);
                        now + interval
                    }
                }
            };
            async_io::Timer::at(next).await;
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::convert::Infallible;
    use std::io;

    pub(super) fn send(_message: &str) -> io::Result<bool> {
        Ok(false)
    }

    pub(super) fn ready() -> io::Result<bool> {
        Ok(false)
    }

    pub(super) fn shutdown_started(_runner: usize) {}

    pub(super) async fn watchdog() -> Infallible {
        std::future::pending().await
    }
}

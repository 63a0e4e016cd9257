//! Debug mode: how it is resolved and where its reports go.
//!
//! Reports are single lines starting with `[runner]` on stderr, easy to grep; with the
//! `tracing` feature and a subscriber installed they become `tracing` events instead
//! (target `runner`, level WARN), so they land wherever the program's logs go.

use std::time::Duration;

/// The environment variable that turns debug mode on when the program did not choose.
pub const DEBUG_ENV: &str = "RUNNER_DEBUG";

/// Explicit choice wins; else `RUNNER_DEBUG` set, non-empty and not `0` means on.
///
/// The variable is read once per process, at the first initialisation that needs it:
/// reading the environment takes a process-wide lock and a scan, which would be most of
/// the cost of a short-lived runner, and a program cannot change it safely while running.
pub(crate) fn resolve(explicit: Option<bool>) -> bool {
    static FROM_ENV: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    explicit.unwrap_or_else(|| {
        *FROM_ENV.get_or_init(|| match std::env::var_os(DEBUG_ENV) {
            Some(value) => !value.is_empty() && value != "0",
            None => false,
        })
    })
}

/// Emits one report line: in the output of the test whose runner this thread works for
/// (see `test_run`), else on stderr.
pub(crate) fn report(message: std::fmt::Arguments<'_>) {
    report_to(crate::test_run::current().as_deref(), message);
}

/// Emits one report line for the runner of `test`, if it is a test's.
pub(crate) fn report_to(test: Option<&crate::test_run::TestRun>, message: std::fmt::Arguments<'_>) {
    #[cfg(feature = "tracing")]
    if tracing::dispatcher::get_default(|dispatch| {
        !dispatch.is::<tracing::subscriber::NoSubscriber>()
    }) {
        tracing::warn!(target: "runner", "{}", message);
        return;
    }
    if let Some(test) = test {
        return test.report(message);
    }
    // One write per line so that reports from several threads do not interleave.
    let line = format!("[runner] {message}\n");
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Reports a single poll of `what` (a task's label, or the main future) that took `took`.
pub(crate) fn report_slow_poll(what: &dyn std::fmt::Display, took: Duration, threshold: Duration) {
    report(format_args!(
        "slow poll: {what} blocked its thread for {took:.1?} in a single poll (threshold {threshold:?}); \
         move blocking work into runner::unblock"
    ));
}

//! What the `#[runner::main]` and `#[runner::test]` expansions call. Not public API.

use std::future::Future;
use std::time::Duration;

use futures_lite::future;

use crate::Builder;

/// The body of `#[runner::main]`: `runner::run` with the attribute's settings.
#[track_caller]
pub fn run_main<F: Future>(builder: Builder, future: F) -> F::Output {
    builder.build().run(future)
}

/// The body of `#[runner::test]`: a fresh runner per test, no signal handler, and with a
/// `timeout`, a panic that says so when the test takes longer.
#[track_caller]
pub fn run_test<F: Future>(builder: Builder, timeout: Option<Duration>, future: F) -> F::Output {
    let mut runner = builder.handle_signals([]).build();
    match timeout {
        None => runner.run(future),
        Some(limit) => {
            let timed = future::or(async { Some(future.await) }, async {
                async_io::Timer::after(limit).await;
                None
            });
            match runner.run(timed) {
                Some(output) => output,
                None => {
                    panic!("test timed out after {limit:?} (set by #[runner::test(timeout = ...)])")
                }
            }
        }
    }
}

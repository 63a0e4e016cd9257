//! What the `#[runner::main]` and `#[runner::test]` expansions call. Not public API.

use std::future::Future;

use crate::Builder;

pub use crate::test_run::{
    Body, Leftovers, MARGIN, TaskPanics, TestOptions, run_test, run_test_with_timeout,
};

/// The body of `#[runner::main]`: `runner::run` with the attribute's settings.
#[track_caller]
pub fn run_main<F: Future>(builder: Builder, future: F) -> F::Output {
    builder.build().run(future)
}

/// A test's body, boxed: see [`Body`].
pub fn body<F: Future + 'static>(future: F) -> Body<F::Output> {
    Box::pin(future)
}

//! `crate = "…"` makes the generated code use another path to `runner`, for crates that
//! re-export it.

#![deny(warnings, clippy::all, clippy::pedantic)]

use std::sync::atomic::{AtomicUsize, Ordering};

/// A crate that re-exports `runner` under another name.
mod reexported {
    pub use runner as rt;
}

#[reexported::rt::test(crate = "reexported::rt")]
async fn works_through_a_reexport() {
    assert!(reexported::rt::Handle::current().is_debug());
}

#[reexported::rt::test(crate = "crate::reexported::rt", threads = 2)]
async fn works_with_an_absolute_path_and_other_options() {
    assert_eq!(reexported::rt::Handle::current().threads(), 2);
}

/// A stand-in for `runner` with its own `Builder` type and a counter: if the expansion used
/// `::runner` anywhere instead of the given path, the types would not match or the counter
/// would stay at zero.
mod instrumented {
    use super::{AtomicUsize, Ordering};

    pub static RUNS: AtomicUsize = AtomicUsize::new(0);
    pub static DEBUG_SET: AtomicUsize = AtomicUsize::new(0);

    pub struct Builder(runner::Builder);

    impl Builder {
        pub fn new() -> Self {
            Builder(runner::Builder::new())
        }

        #[must_use]
        pub fn debug(self, on: bool) -> Self {
            DEBUG_SET.fetch_add(1, Ordering::SeqCst);
            Builder(self.0.debug(on))
        }

        #[must_use]
        pub fn threads(self, n: usize) -> Self {
            Builder(self.0.threads(n))
        }
    }

    pub mod __private {
        use super::{Builder, Ordering, RUNS};

        pub use runner::__private::{Body, TestOptions, body};

        pub fn run_test<T>(builder: Builder, options: TestOptions, body: fn() -> Body<T>) -> T {
            RUNS.fetch_add(1, Ordering::SeqCst);
            runner::__private::run_test(builder.0, options, body)
        }
    }
}

#[runner::test(crate = "instrumented", threads = 2)]
async fn the_given_path_is_used_for_everything() {
    assert_eq!(instrumented::RUNS.load(Ordering::SeqCst), 1);
    assert_eq!(instrumented::DEBUG_SET.load(Ordering::SeqCst), 1);
    assert_eq!(runner::Handle::current().threads(), 2);
}

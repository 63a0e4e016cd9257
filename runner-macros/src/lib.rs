//! The `#[runner::main]` and `#[runner::test]` attributes.
//!
//! Use them through the `runner` crate (`#[runner::main]`, `#[runner::test]`); this crate is an
//! implementation detail and its paths are not stable. The generated code calls into
//! `runner::__private`, so it needs `runner` as a dependency (or a re-export of it, see the
//! `crate` option).
//!
//! # How it works
//!
//! Each attribute goes through three phases, one module each:
//!
//! 1. `options` reads the arguments (`debug, threads = 4, …`), rejecting unknown and
//!    duplicate options and values of the wrong type;
//! 2. `valid` checks what they mean (`threads = 0`, durations such as `"500ms"`) and that
//!    the function is an `async fn` without parameters;
//! 3. `expand` writes a synchronous function that builds a `runner::Builder` from the options
//!    and runs the `async` body on it.
//!
//! Mistakes become `compile_error!`s at the offending token, never a panic, and the function
//! is still emitted beside them so that completion in an editor keeps working.
//!
//! # Options
//!
//! | option | `main` | `test` | effect |
//! |---|---|---|---|
//! | `debug`, `debug = true\|false` | default: `RUNNER_DEBUG` | default: `true` | `Builder::debug` |
//! | `threads = N` (N ≥ 1) | ✓ | ✓ | `Builder::threads` |
//! | `shutdown_grace = "…"` | ✓ | ✓ | `Builder::shutdown_grace` |
//! | `shutdown_timeout = "…"` | ✓ | ✓ | `Builder::shutdown_timeout` |
//! | `timeout = "…"` | | ✓ | the test fails if its body is not done in time |
//! | `signals = [SIGINT, SIGTERM]` | default: both | (none, always) | `Builder::handle_signals` |
//! | `crate = "path"` | ✓ | ✓ | where to find `runner` (for crates that re-export it) |
//!
//! Durations are strings: a number and a unit, `ns`, `us` (or `µs`), `ms`, `s`, `m` (or
//! `min`) or `h`, as in `"100ns"`, `"250us"`, `"500ms"`, `"1.5s"`, `"2m"`, `"1h"`.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use proc_macro::TokenStream;

mod expand;
mod item;
mod options;
mod valid;

#[cfg(test)]
mod fuzz;

use options::Kind;

/// Runs an `async fn main` on a [`runner::Runner`], like Python's `asyncio.run(main())`.
///
/// ```ignore
/// #[runner::main]
/// async fn main() {
///     println!("hello from a runner");
/// }
/// ```
///
/// is the same as
///
/// ```ignore
/// fn main() {
///     runner::run(async {
///         println!("hello from a runner");
///     })
/// }
/// ```
///
/// The runner is built when `main` starts, runs the body with Ctrl-C handling (the first
/// Ctrl-C cancels the body and shuts down in order), and is closed when the body is done: its
/// remaining tasks are cancelled and its blocking jobs waited for.
///
/// The function keeps its return type (`()`, `Result<(), E>`, `ExitCode`, any
/// `Termination`), its visibility and its attributes; `?` works in the body. The function
/// must be `async` and take no parameters.
///
/// # Options
///
/// Options go between parentheses, separated by commas, each at most once. Each one is a
/// [`Builder`] setter; with all of them,
///
/// ```ignore
/// #[runner::main(debug, threads = 4, shutdown_grace = "2s", shutdown_timeout = "500ms")]
/// async fn main() { /* body */ }
/// ```
///
/// is the same as
///
/// ```ignore
/// use std::time::Duration;
///
/// fn main() {
///     runner::Runner::builder()
///         .debug(true)                                    // debug
///         .threads(4)                                     // threads = 4
///         .shutdown_grace(Duration::from_secs(2))         // shutdown_grace = "2s"
///         .shutdown_timeout(Duration::from_millis(500))   // shutdown_timeout = "500ms"
///         .build()
///         .run(async { /* body */ })
/// }
/// ```
///
/// - `debug` or `debug = true|false`: debug mode on or off. Without it, the `RUNNER_DEBUG`
///   environment variable decides.
/// - `threads = N`: `N` threads in all, the main one and `N - 1` workers; `N ≥ 1`, default 1.
/// - `shutdown_grace = "…"`: how long tasks waiting on `runner::shutdown_requested()` get to
///   clean up when `main` returns (default 5 s).
/// - `shutdown_timeout = "…"`: how long close waits for `runner::unblock` jobs (default 300 s).
/// - `signals = [SIGINT, SIGTERM]`: the signals that cancel `main` and shut down gracefully
///   (default: both; `signals = [SIGTERM]` leaves Ctrl-C at its default action, `signals = []`
///   handles none); `.handle_signals([runner::Signal::Interrupt, runner::Signal::Terminate])`.
/// - `crate = "path"`: where the generated code finds `runner`, for crates that re-export
///   it: with `#[my_crate::rt::main(crate = "my_crate::rt")]` the code above is written with
///   `my_crate::rt::Runner` instead of `runner::Runner`, and users of `my_crate` need no
///   `runner` dependency of their own.
///
/// Durations are strings: a number and a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), as in
/// `"500ms"` or `"1.5s"`.
///
/// [`Builder`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html
/// [`runner::Runner`]: https://docs.rs/runner-rt/latest/runner/struct.Runner.html
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a fresh [`runner::Runner`], in debug mode.
///
/// ```ignore
/// #[runner::test]
/// async fn adds() {
///     let task = runner::spawn(async { 1 + 1 });
///     assert_eq!(task.await, 2);
/// }
/// ```
///
/// is the same as
///
/// ```ignore
/// #[test]
/// fn adds() {
///     let mut r = runner::Runner::builder().debug(true).handle_signals([]).build();
///     r.run(async {
///         let task = runner::spawn(async { 1 + 1 });
///         assert_eq!(task.await, 2);
///     })
/// }
/// ```
///
/// Every test gets its own runner, closed when the test ends, so tests cannot see each
/// other's tasks or context variables (like Python's `IsolatedAsyncioTestCase`). No Ctrl-C
/// handler is installed.
///
/// The test keeps its name (so `cargo test adds` finds it), its return type
/// (`-> Result<(), E>` works, with `?` in the body) and its other attributes:
/// `#[should_panic]`, `#[ignore]`, `#[cfg(…)]`, doc comments. A `#[test]` written next to it
/// is not doubled. The function must be `async` and take no parameters.
///
/// # Options
///
/// The options of [`macro@main`], with `debug` on by default (`debug = false` turns it off),
/// plus `timeout = "…"`: the test fails with a panic saying it timed out when its body is
/// not done in time. For example
///
/// ```ignore
/// #[runner::test(debug = false, timeout = "1s")]
/// async fn quick() { /* body */ }
/// ```
///
/// is the same as
///
/// ```ignore
/// use std::time::Duration;
///
/// #[test]
/// fn quick() {
///     let mut r = runner::Runner::builder().debug(false).handle_signals([]).build();
///     let done = r.run(futures_lite::future::or(
///         async { Some(async { /* body */ }.await) },
///         async {
///             async_io::Timer::after(Duration::from_secs(1)).await;
///             None
///         },
///     ));
///     done.expect("test timed out after 1s")
/// }
/// ```
///
/// [`runner::Runner`]: https://docs.rs/runner-rt/latest/runner/struct.Runner.html
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Test, args.into(), item.into()).into()
}

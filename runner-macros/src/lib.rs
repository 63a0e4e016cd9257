//! The `#[runner::main]` and `#[runner::test]` attributes, used through the `runner`
//! library: depend on [`runner-rt`](https://docs.rs/runner-rt) and write `#[runner::main]`.
//! The generated code calls into `runner`, so it needs that crate (or a re-export of it, see
//! the `crate` option).

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
// The docs show the `fn main` that `#[runner::main]` stands for.
#![allow(clippy::needless_doctest_main)]

use proc_macro::TokenStream;

mod expand;
mod item;
mod options;
mod valid;

#[cfg(test)]
mod fuzz;

use options::Kind;

// How it works: each attribute goes through three phases, one module each.
// 1. `options` reads the arguments (`debug, threads = 4, …`), rejecting unknown and duplicate
//    options and values of the wrong type;
// 2. `valid` checks what they mean (`threads = 0`, durations such as `"500ms"`) and that the
//    function is an `async fn` without parameters;
// 3. `expand` writes a synchronous function that builds a `runner::Builder` from the options
//    and runs the `async` body on it.
// Mistakes become `compile_error!`s at the offending token, never a panic, and the function is
// still emitted beside them so that completion in an editor keeps working.

/// Runs `async fn main` on a [`Runner`], like Python's `asyncio.run(main())`: the program's
/// entry point.
///
/// ```
/// #[runner::main]
/// async fn main() {
///     let task = runner::spawn(async { 21 });
///     assert_eq!(task.await * 2, 42);
/// }
/// ```
///
/// does what this does:
///
/// ```
/// fn main() {
///     runner::Builder::new().build().run(async move {
///         let task = runner::spawn(async { 21 });
///         assert_eq!(task.await * 2, 42);
///     })
/// }
/// ```
///
/// The runner is built when `main` starts, runs the body with Ctrl-C handling (the first
/// Ctrl-C cancels the body and shuts down in order), and is closed when the body is done: its
/// remaining tasks are cancelled and its blocking jobs waited for.
///
/// The function keeps its return type (`()`, `Result<(), E>`, `ExitCode`, any
/// `Termination`, with `?` in the body), its visibility and its attributes. It must be
/// `async` and take no parameters.
///
/// # Options
///
/// Between parentheses, separated by commas, each at most once; each sets the [`Builder`]
/// setter of the same name:
///
/// | option | effect | default |
/// |---|---|---|
/// | `debug`, `debug = true\|false` | debug mode ([`Builder::debug`]) | the `RUNNER_DEBUG` environment variable |
/// | `threads = N` | `N` threads in all, the main one and `N - 1` workers, `N ≥ 1` ([`Builder::threads`]) | 1 |
/// | `shutdown_grace = "…"` | how long tasks waiting on `runner::shutdown_requested()` get to clean up ([`Builder::shutdown_grace`]) | 5 s |
/// | `shutdown_timeout = "…"` | how long close waits for `runner::unblock` jobs ([`Builder::shutdown_timeout`]) | 300 s |
/// | `signals = [SIGINT, SIGTERM]` (`main` only) | the signals that cancel `main` and shut down gracefully: `signals = [SIGTERM]` leaves Ctrl-C at its default action, `signals = []` handles none ([`Builder::handle_signals`]); a test never handles signals | both |
/// | `tokio`, `tokio = true\|false` | with runner's `tokio` feature, whether the runner owns a tokio runtime ([`Builder::tokio`]); without the feature the option is an error ("no method named `tokio`") | on, with the feature |
/// | `crate = "path"` | where the generated code finds `runner` | `runner` |
///
/// Durations are strings: a number and a unit, `ns`, `us` (or `µs`), `ms`, `s`, `m` (or
/// `min`) or `h`, as in `"250us"`, `"500ms"`, `"1.5s"`, `"2m"`.
///
/// ```
/// #[runner::main(debug, threads = 4, shutdown_grace = "2s", shutdown_timeout = "500ms")]
/// async fn main() {
///     let handle = runner::Handle::current();
///     assert!(handle.is_debug());
///     assert_eq!(handle.threads(), 4);
/// }
/// ```
///
/// does what this does:
///
/// ```
/// use std::time::Duration;
///
/// fn main() {
///     runner::Builder::new()
///         .debug(true)                                    // debug
///         .threads(4)                                     // threads = 4
///         .shutdown_grace(Duration::from_secs(2))         // shutdown_grace = "2s"
///         .shutdown_timeout(Duration::from_millis(500))   // shutdown_timeout = "500ms"
///         .build()
///         .run(async move {
///             let handle = runner::Handle::current();
///             assert!(handle.is_debug());
///             assert_eq!(handle.threads(), 4);
///         })
/// }
/// ```
///
/// `crate` is for libraries that re-export `runner`: with it, the generated code is written
/// with that path instead of `runner`, and the library's users need no `runner` dependency
/// of their own.
///
/// ```
/// mod rt {
///     pub use runner::*; // in a library: `pub use runner as rt;`
/// }
///
/// #[rt::main(crate = "crate::rt")]
/// async fn main() {
///     assert_eq!(rt::spawn(async { 1 }).await, 1);
/// }
/// ```
///
/// [`Runner`]: https://docs.rs/runner-rt/latest/runner/struct.Runner.html
/// [`Builder`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html
/// [`Builder::debug`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.debug
/// [`Builder::threads`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.threads
/// [`Builder::shutdown_grace`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.shutdown_grace
/// [`Builder::shutdown_timeout`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.shutdown_timeout
/// [`Builder::tokio`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.tokio
/// [`Builder::handle_signals`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.handle_signals
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on a fresh [`Runner`] in debug mode, one runner per test.
///
/// ```
/// #[runner::test]
/// async fn adds() {
///     let task = runner::spawn(async { 1 + 1 });
///     assert_eq!(task.await, 2);
/// }
/// # fn main() {}
/// ```
///
/// does what this does:
///
/// ```
/// // #[test]
/// fn adds() {
///     runner::Builder::new()
///         .debug(true)
///         .handle_signals([])
///         .build()
///         .run(async move {
///             let task = runner::spawn(async { 1 + 1 });
///             assert_eq!(task.await, 2);
///         })
/// }
/// # adds();
/// ```
///
/// Every test gets its own runner, closed when the test ends, so tests cannot see each
/// other's tasks or context variables (like Python's `IsolatedAsyncioTestCase`). No signal
/// handler is installed (neither Ctrl-C nor SIGTERM).
///
/// The test keeps its name (so `cargo test adds` finds it), its return type
/// (`-> Result<(), E>` works, with `?` in the body) and its other attributes:
/// `#[should_panic]`, `#[ignore]`, `#[cfg(…)]`, doc comments. A `#[test]` written next to it
/// is not doubled. The function must be `async` and take no parameters; with rstest, write
/// `#[rstest]` above `#[runner::test]` and rstest gives each case a test without parameters
/// (fixtures, async fixtures, `#[case]`s and `#[values]` work, as with `#[tokio::test]`).
/// It works under `cargo nextest` too.
///
/// # What it catches
///
/// - **A panic in a task nobody awaits fails the test**, with the panic's message, the
///   task's name and spawn location, even when the body returned normally (other test
///   attributes print such a panic and pass). The first one cancels the body, so a body
///   waiting for what the task would have done does not hang. `#[should_panic(expected =
///   "…")]` sees the task's message. `unhandled_panic = "report"` (or `"ignore"`) turns this
///   off for a test.
/// - **Leftovers are listed**: when the body returns, the tasks still alive (detached ones
///   included: in a test nothing should outlive the body unnoticed, and close is about to
///   cancel them) and the blocking jobs still running are listed with their name, state, age
///   and spawn location. Tasks that awaited `runner::shutdown_requested()` are not
///   leftovers: they said how they end. `leftovers = "warn"` (default) prints the list in the
///   test's output, `"deny"` fails the test with it, `"allow"` says nothing.
/// - **`timeout` holds end to end**: the runner runs on a thread of its own and the test's
///   thread waits for it; the body gets the timeout, close's grace and its wait for blocking
///   jobs end at the same deadline, and the test ends by the timeout plus 0.5 s whatever the
///   body, its tasks or close do, even stuck in a blocking call. The failure says what the
///   body was doing and shows every task's state (the task dump); a thread still stuck in a
///   blocking call is left behind (no thread can be stopped from outside). With `timeout`,
///   the return type must be `Send` (`Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`);
///   the body itself may hold `!Send` values.
/// - **Reports belong to their test**: what the runner reports while a test runs (slow polls,
///   panics, leftovers, close's reports) starts with `` [runner] test `name`: `` and goes
///   through libtest's output capture: a passing test stays quiet, a failing one shows them
///   with its own output, `--nocapture` shows them as they come.
///
/// # Options
///
/// Those of [`main`](macro@main) but `signals`, with `debug` on unless `debug = false`, plus:
///
/// | option | effect | default |
/// |---|---|---|
/// | `timeout = "…"` | the test fails with "test timed out after …" and the task dump when body and close are not done in time | none |
/// | `unhandled_panic = "fail\|report\|ignore"` | what a panic in a task nobody awaits does to the test: fail it, or only [`Builder::unhandled_panic`]'s report or ignore | `"fail"` |
/// | `leftovers = "deny\|warn\|allow"` | what tasks and blocking jobs still running when the body returns do: fail the test, be listed in its output, or nothing | `"warn"` |
///
/// ```
/// #[runner::test(debug = false, timeout = "1s")]
/// async fn quick() {
///     assert!(!runner::Handle::current().is_debug());
/// }
/// # fn main() {}
/// ```
///
/// does what this does:
///
/// ```
/// use std::time::Duration;
///
/// // #[test]
/// fn quick() {
///     let mut runner = runner::Builder::new().debug(false).handle_signals([]).build();
///     let done = runner.run(runner::future::or(
///         async move {
///             assert!(!runner::Handle::current().is_debug());
///             Some(())
///         },
///         async {
///             runner::time::sleep(Duration::from_secs(1)).await;
///             None
///         },
///     ));
///     if done.is_none() {
///         panic!("test timed out after 1s (set by #[runner::test(timeout = ...)])");
///     }
/// }
/// # quick();
/// ```
///
/// The hand-written equivalent is close, not exact: the attribute runs the runner on a
/// thread of its own, waits for it until the deadline plus a margin, and bounds close.
///
/// `unhandled_panic` and `leftovers`:
///
/// ```
/// #[runner::test(unhandled_panic = "report", leftovers = "deny")]
/// async fn strict_about_leftovers() {
///     runner::spawn(async { panic!("only reported") }).detach();
///     // The task runs (and panics) while the body waits.
///     runner::time::sleep(std::time::Duration::from_millis(10)).await;
/// }
/// # fn main() {}
/// ```
///
/// does what this does:
///
/// ```
/// // #[test]
/// fn strict_about_leftovers() {
///     let mut runner = runner::Builder::new()
///         .debug(true)
///         .handle_signals([])
///         .unhandled_panic(runner::UnhandledPanic::Report) // unhandled_panic = "report"
///         .build();
///     let leftovers = runner.run(async move {
///         runner::spawn(async { panic!("only reported") }).detach();
///         // An await that may be ready at once (`unblock(|| 1)` on a warm thread pool)
///         // need not let the task run first: a timer does.
///         runner::time::sleep(std::time::Duration::from_millis(10)).await;
///         runner::tasks() // what is still alive when the body returns
///     });
///     // leftovers = "deny" (the attribute leaves out tasks that awaited shutdown_requested)
///     assert!(leftovers.is_empty(), "the test left tasks running:\n{leftovers}");
/// }
/// # strict_about_leftovers();
/// ```
///
/// (Doc tests compile `#[test]` functions out: here the attribute's examples are only
/// expanded, which checks their options, and the hand-written ones are called; the crate's
/// own tests run the attribute.)
///
/// [`Runner`]: https://docs.rs/runner-rt/latest/runner/struct.Runner.html
/// [`Builder::unhandled_panic`]: https://docs.rs/runner-rt/latest/runner/struct.Builder.html#method.unhandled_panic
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Test, args.into(), item.into()).into()
}

//! Compile-time behaviour of `#[runner::main]` and `#[runner::test]`.
//!
//! `tests/ui/pass/*.rs` must compile (and run); every `tests/ui/*.rs` is one mistake that must
//! fail with the message in its `.stderr`. After changing a message, regenerate the files with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff: each message must say what is
//! wrong and how to fix it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
    // The `tokio` option is a `Builder::tokio` call, which exists only with the feature.
    #[cfg(not(feature = "tokio"))]
    t.compile_fail("tests/ui/without-tokio/*.rs");
}

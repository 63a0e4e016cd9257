//! `#[runner::test]` written above `#[rstest]`: the error says to swap them.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}

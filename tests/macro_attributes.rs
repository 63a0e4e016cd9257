//! `#[runner::test]` keeps the function's other attributes and its return type.

#![deny(warnings, clippy::all, clippy::pedantic)]

use std::process::Command;

#[runner::test]
async fn result_ok_passes() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "42".parse()?;
    assert_eq!(n, 42);
    Ok(())
}

/// Returns an error through `?`; ignored so that the test run stays green, and called by
/// `an_error_comes_back_from_the_test_function` below.
#[runner::test]
#[ignore = "fails on purpose: called by an_error_comes_back_from_the_test_function"]
async fn fails_with_an_error() -> Result<(), String> {
    Err::<(), _>("boom".to_owned())?;
    Ok(())
}

#[test]
fn an_error_comes_back_from_the_test_function() {
    assert_eq!(fails_with_an_error(), Err("boom".to_owned()));
}

#[runner::test]
#[should_panic(expected = "boom")]
async fn should_panic_is_kept() {
    runner::spawn(async { 1 }).await;
    panic!("boom");
}

#[runner::test]
#[cfg(any())]
async fn cfg_is_kept() {
    this_function_does_not_exist();
}

/// `#[test]` written next to the attribute is not doubled.
#[runner::test]
#[test]
async fn a_written_test_attribute_is_kept() {}

/// Lists the tests of this binary as the harness sees them.
fn list(ignored: bool) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new(exe);
    cmd.args(["--list", "--format", "terse"]);
    if ignored {
        cmd.arg("--ignored");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tests_keep_their_names_and_ignore() {
    let all = list(false);
    for name in [
        "result_ok_passes: test",
        "should_panic_is_kept: test",
        "fails_with_an_error: test",
        "a_written_test_attribute_is_kept: test",
    ] {
        assert!(
            all.lines().any(|line| line == name),
            "{name} not in:\n{all}"
        );
    }
    assert!(!all.contains("cfg_is_kept"), "{all}");
    // `a_written_test_attribute_is_kept` is registered once.
    assert_eq!(all.matches("a_written_test_attribute_is_kept").count(), 1);

    let ignored = list(true);
    assert_eq!(ignored.trim(), "fails_with_an_error: test", "{ignored}");
}

//! `#[rstest]` above `#[runner::test]`: rstest turns each case into a test without
//! parameters that keeps the `#[runner::test]` attribute (rstest sees an attribute ending in
//! `test` and adds no `#[test]` of its own), and `#[runner::test]` runs it, as with
//! `#[rstest] #[tokio::test]`.

use std::rc::Rc;
use std::time::Duration;

use rstest::{fixture, rstest};

#[fixture]
fn answer() -> u32 {
    42
}

/// An async fixture: rstest awaits it inside the test's body, so on the test's runner.
#[fixture]
async fn from_a_task() -> u32 {
    runner::spawn(async { 7 }).await
}

#[rstest]
#[runner::test]
async fn a_fixture(answer: u32) {
    runner::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(answer, 42);
}

#[rstest]
#[runner::test]
async fn an_async_fixture(#[future] from_a_task: u32) {
    assert_eq!(from_a_task.await, 7);
}

#[rstest]
#[case(1, 2)]
#[case(20, 40)]
#[runner::test]
async fn cases(#[case] input: u32, #[case] doubled: u32) {
    let task = runner::spawn(async move { input * 2 });
    assert_eq!(task.await, doubled);
}

#[rstest]
#[case("a")]
#[case("b")]
#[runner::test(timeout = "10s", debug = false)]
async fn cases_with_options(#[case] word: &str) {
    assert!(!runner::Handle::current().is_debug());
    // Not `Send`: the body is made on the runner's thread.
    let shared = Rc::new(word.to_owned());
    runner::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(shared.len(), 1);
}

#[rstest]
#[runner::test]
async fn values(#[values(1, 2, 3)] n: u32) {
    assert!(n > 0);
}

#[rstest]
#[case(0)]
#[should_panic(expected = "in a task")]
#[runner::test]
async fn should_panic_with_a_task_panic(#[case] n: u32) {
    runner::spawn(async move { panic!("in a task {n}") }).detach();
    std::future::pending::<()>().await;
}

#[rstest]
#[runner::test]
async fn result(answer: u32) -> Result<(), String> {
    if answer == 42 {
        Ok(())
    } else {
        Err("wrong".to_owned())
    }
}

/// The cases keep their names: `cases::case_1`, `cases::case_2`.
#[test]
fn cases_are_listed_as_tests() {
    let listed = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--list", "--format", "terse"])
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    for name in [
        "cases::case_1: test",
        "cases::case_2: test",
        "cases_with_options::case_1: test",
        "values::n_1_1: test",
        "a_fixture: test",
    ] {
        assert!(
            listed.lines().any(|line| line == name),
            "{name} not in:\n{listed}"
        );
    }
}

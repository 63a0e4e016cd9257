// `#[rstest]` must come first: it turns each case into a test without parameters.
use rstest::rstest;

#[runner::test]
#[rstest]
#[case(1)]
async fn doubles(#[case] n: u32) {
    assert_eq!(n * 2, 2);
}

fn main() {}

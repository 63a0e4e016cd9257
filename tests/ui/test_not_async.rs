// `#[runner::test]` needs an `async fn`; a synchronous test uses `#[test]`.
#[runner::test]
fn adds() {
    assert_eq!(1 + 1, 2);
}

fn main() {}

// Tests cannot take parameters.
#[runner::test]
async fn adds(a: u32, b: u32) {
    assert_eq!(a + b, 2);
}

fn main() {}

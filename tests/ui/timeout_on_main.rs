// `timeout` is a test option: a program's `main` has no time limit.
#[runner::main(timeout = "5s")]
async fn main() {}

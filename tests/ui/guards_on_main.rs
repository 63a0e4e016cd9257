// The guards are test-only options.
#[runner::main(leftovers = "deny", unhandled_panic = "report")]
async fn main() {}

// A runner always has its own thread: `threads` counts it.
#[runner::main(threads = 0)]
async fn main() {}

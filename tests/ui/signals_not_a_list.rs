// `signals` takes a bracketed list of names, not a string.
#[runner::main(signals = "SIGTERM")]
async fn main() {}

// A test never handles signals: `signals` is a `main` option.
#[runner::test(signals = [SIGTERM])]
async fn stops() {}

fn main() {}

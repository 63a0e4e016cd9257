// Each name is checked: unknown ones get a hint, and a signal listed twice is an error.
#[runner::main(signals = [SIGINT, term, SIGKILL, SIGINT])]
async fn main() {}

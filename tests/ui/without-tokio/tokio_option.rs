// `tokio = …` needs runner's `tokio` feature: without it, the error points at the option.
#[runner::main(tokio = false)]
async fn main() {}

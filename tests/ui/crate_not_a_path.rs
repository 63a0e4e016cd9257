// `crate` takes the path of the `runner` crate, as a string.
#[runner::main(crate = "my runner")]
async fn main() {}

// Options are `name` or `name = value`, separated by commas.
#[runner::main(debug(true) threads = 2)]
async fn main() {}

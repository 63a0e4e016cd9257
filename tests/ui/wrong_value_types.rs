// Values of the wrong type: each is reported, in one compile.
#[runner::main(debug = "yes", threads = "4", shutdown_grace = 5s, shutdown_timeout = 30)]
async fn main() {}

// Each option may be given once.
#[runner::main(debug, threads = 2, debug = false)]
async fn main() {}

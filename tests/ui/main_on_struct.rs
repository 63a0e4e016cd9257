// The attribute only applies to functions.
#[runner::main]
struct Config {
    verbose: bool,
}

fn main() {
    let _ = Config { verbose: true }.verbose;
}

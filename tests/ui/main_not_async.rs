// `#[runner::main]` needs an `async fn`.
#[runner::main]
fn main() {
    println!("not async");
}

//! The smallest `runner` program: an `async fn main` run by `#[runner::main]`.
//!
//! The attribute builds a runner, runs the body on it (the first Ctrl-C cancels it and shuts
//! down in order), and closes the runner when the body is done. Run it with:
//!
//! ```text
//! cargo run --example hello
//! ```

#[runner::main]
async fn main() {
    // The body is ordinary async code: spawn a task and wait for its result.
    let greeting = runner::spawn(async { "Hello" }).await;
    println!("{greeting} from an async main!");
}

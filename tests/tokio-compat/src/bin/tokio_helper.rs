//! Helper program for `tests/ctrl_c_reqwest.rs` and `tests/shutdown_tokio.rs`: runs one
//! scenario, named by its first argument, under `#[runner::main]` with the `tokio` feature.
//! Not an example to copy.

use std::time::Duration;

#[runner::main(shutdown_timeout = "300ms")]
async fn main() {
    let scenario = std::env::args().nth(1).unwrap_or_default();
    match scenario.as_str() {
        // A reqwest call in flight when SIGINT comes: the server prints "ready" once it
        // has the request, and never answers.
        "ctrl_c_reqwest" => {
            let address = runner_tokio_compat::start_server()
                .await
                .expect("start the server");
            let answer = reqwest::get(format!("http://{address}/hang")).await;
            println!("the request ended: {answer:?}");
        }
        // A spawn_blocking job outlives the shutdown timeout: close reports it and returns.
        "straggler" => {
            tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(30)));
            println!("ready");
        }
        other => panic!("unknown scenario {other:?}"),
    }
}

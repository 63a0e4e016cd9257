//! tokio-based libraries under `#[runner::main]`, with no wrapper: a hyper server on a
//! loopback port, queried with reqwest, then a clean shutdown.
//!
//! Needs runner's `tokio` feature, which gives the runner a tokio runtime that its threads
//! enter: hyper and reqwest find it as they would under `#[tokio::main]`. Run it with
//!
//! ```text
//! cargo run -p runner-tokio-compat --example tokio_libraries
//! ```

use std::error::Error;

#[runner::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // 1. A hyper server on 127.0.0.1, port chosen by the system, in runner tasks.
    let address = runner_tokio_compat::start_server().await?;
    println!("hyper listens on http://{address}");

    // 2. reqwest queries it: its connection pool and its timeouts are tokio's.
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    for path in ["/", "/runner"] {
        let body = client
            .get(format!("http://{address}{path}"))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        println!("GET {path} -> {body}");
    }

    // 3. tokio's own API is there too, in runner tasks.
    let slept = runner::spawn(async {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        "slept with tokio::time in a runner task"
    });
    println!("{}", slept.await);

    // 4. Returning closes the runner: the server's tasks are cancelled, then the tokio
    //    runtime shuts down (reqwest's pooled connections with it), before the process ends.
    Ok(())
}

//! Files and child processes with the `fs` and `process` features: write a file, run a
//! program that reads it, and collect its output, without blocking the runner's thread.
//!
//! Run it with `cargo run --example files_and_processes --features fs,process` (on a system
//! with `wc`).

use runner::process::Command;

#[runner::main]
async fn main() -> std::io::Result<()> {
    let path = std::env::temp_dir().join("runner-example.txt");
    runner::fs::write(&path, "one\ntwo\nthree\n").await?;

    let output = Command::new("wc").arg("-l").arg(&path).output().await?;
    print!("wc says: {}", String::from_utf8_lossy(&output.stdout));

    runner::fs::remove_file(&path).await?;
    Ok(())
}

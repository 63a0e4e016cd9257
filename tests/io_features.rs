//! The optional re-exports work in a runner's tasks: `runner::net` (feature `net`),
//! `runner::fs` (`fs`) and `runner::process` (`process`), with `runner::io`'s combinators.
//!
//! Run with `cargo test --features full --test io_features` (`.ci/run` does); without the
//! features, this file compiles to nothing.

#![cfg(all(feature = "net", feature = "fs", feature = "process"))]

use runner::io::{AsyncReadExt, AsyncWriteExt};

#[runner::test(timeout = "60s")]
async fn tcp_round_trip() -> std::io::Result<()> {
    let listener = runner::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = runner::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        let mut buf = [0; 4];
        stream.read_exact(&mut buf).await?;
        stream
            .write_all(&buf.map(|b| b.to_ascii_uppercase()))
            .await?;
        std::io::Result::Ok(())
    });
    let mut client = runner::net::TcpStream::connect(addr).await?;
    client.write_all(b"ping").await?;
    let mut reply = [0; 4];
    client.read_exact(&mut reply).await?;
    assert_eq!(&reply, b"PING");
    server.await
}

#[runner::test(timeout = "60s")]
async fn file_round_trip() -> std::io::Result<()> {
    let path = std::env::temp_dir().join(format!("runner-io-features-{}", std::process::id()));
    runner::fs::write(&path, b"contents").await?;
    let read = runner::fs::read_to_string(&path).await;
    runner::fs::remove_file(&path).await?;
    assert_eq!(read?, "contents");
    Ok(())
}

#[runner::test(timeout = "60s")]
async fn child_process_output() -> std::io::Result<()> {
    // The test binary itself is a program that is always there: ask it to list its tests.
    let me = std::env::current_exe()?;
    let output = runner::process::Command::new(me)
        .arg("--list")
        .output()
        .await?;
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("child_process_output"));
    Ok(())
}

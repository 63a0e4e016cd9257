//! Networking with the `net` feature: a TCP echo server and a client that talks to it, in
//! one program, on 127.0.0.1.
//!
//! Run it with `cargo run --example tcp_echo --features net`.

use runner::io::{AsyncReadExt, AsyncWriteExt};
use runner::net::{TcpListener, TcpStream};

#[runner::main]
async fn main() -> std::io::Result<()> {
    // Port 0: the system picks a free port.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");

    // The server: one task per connection, each echoing what it reads.
    let server: runner::Task<std::io::Result<()>> = runner::spawn(async move {
        loop {
            let (stream, peer) = listener.accept().await?;
            runner::spawn(async move {
                let (reader, mut writer) = (stream.clone(), stream);
                if let Err(e) = runner::io::copy(reader, &mut writer).await {
                    eprintln!("{peer}: {e}");
                }
            })
            .detach();
        }
    });

    // The client: send a line, read the echo back.
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello, runner\n").await?;
    let mut echo = [0; 14];
    client.read_exact(&mut echo).await?;
    print!("echoed: {}", String::from_utf8_lossy(&echo));

    // Dropping the server's task cancels it; close would cancel it too.
    drop(server);
    Ok(())
}

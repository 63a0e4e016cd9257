//! What the tests and the example of this package share: a small hyper server, run as
//! runner tasks on a tokio `TcpListener`, on 127.0.0.1.
//!
//! The server shows runner tasks doing tokio I/O with no wrapper: the accept loop and each
//! connection are `runner::spawn`ed, and hyper drives the connections with tokio's types.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Starts the server on a free loopback port, in a detached runner task; returns its
/// address. Call it inside a runner with the `tokio` feature on.
///
/// It answers `GET /anything` with `hello from hyper: /anything`; `GET /hang` prints
/// `ready` on stdout and never answers (for the Ctrl-C test).
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let address = runner_tokio_compat::start_server().await.unwrap();
///     assert!(address.ip().is_loopback());
/// });
/// ```
pub async fn start_server() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    runner::spawn(serve(listener)).detach();
    Ok(address)
}

/// Accepts connections on `listener` for ever, each served by its own runner task.
async fn serve(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        runner::spawn(async move {
            // A client that goes away mid-request is not the server's error.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        })
        .detach();
    }
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if path == "/hang" {
        use std::io::Write;
        println!("ready");
        let _ = std::io::stdout().flush();
        std::future::pending::<()>().await;
    }
    Ok(Response::new(Full::new(Bytes::from(format!(
        "hello from hyper: {path}"
    )))))
}

// Any `Termination` type works as the return type, and visibility and attributes are kept.
use std::process::ExitCode;

/// The program's entry point.
#[runner::main(
    debug = false,
    threads = 2,
    shutdown_grace = "100ms",
    shutdown_timeout = "1s"
)]
#[allow(clippy::unused_async)]
pub(crate) async fn main() -> ExitCode {
    #![allow(unused_variables)]
    let unused = 1;
    ExitCode::SUCCESS
}

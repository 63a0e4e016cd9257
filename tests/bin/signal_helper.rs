//! Helper program for `tests/ctrl_c.rs`, `tests/sigterm.rs` and `tests/systemd_notify.rs`: runs
//! one scenario, named by its first argument, printing a line for each step so the test can
//! follow it. Not an example to copy.

use std::io::{BufRead, Write};
use std::time::Duration;

use futures_lite::future;
use runner::{Context, Runner, Signal};

/// Prints its line when dropped, so the test sees that a future was cancelled.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("{}", self.0);
    }
}

/// Prints `line` and flushes: the test reads it before it sends a signal.
fn say(line: &str) {
    println!("{line}");
    std::io::stdout().flush().expect("flush stdout");
}

/// Waits, never returning, for a signal to end the process.
fn wait_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// A main future that waits for Ctrl-C with a guard to drop.
async fn wait_for_ctrl_c(cleanup: &'static str) {
    let _cleanup = Cleanup(cleanup);
    say("ready");
    future::pending::<()>().await
}

fn main() {
    let scenario = std::env::args().nth(1).unwrap_or_default();
    match scenario.as_str() {
        // try_run gives Interrupted (Terminated) back, and the runner runs again afterwards.
        "try_run" => {
            let mut runner = Runner::new();
            let first = runner.try_run(wait_for_ctrl_c("try_run: main cancelled"));
            println!("try_run: {first:?}");
            let second = runner.run(async { runner::spawn(async { 2 }).await });
            println!("run again: {second}");
            say("ready again");
            wait_forever()
        }
        // runner::run: shuts down and ends the process by SIGINT.
        "run" => {
            runner::run(async {
                runner::spawn(async {
                    let _connection = Cleanup("task: cancelled");
                    future::pending::<()>().await
                })
                .detach();
                wait_for_ctrl_c("run: main cancelled").await
            });
            println!("run: returned");
        }
        // Runner::run_with_context: closes the runner and ends the process as runner::run.
        "run_with_context" => {
            let mut runner = Runner::new();
            runner.run(async {
                runner::spawn(async {
                    runner::shutdown_requested().await;
                    println!("task: shutdown requested");
                })
                .detach()
            });
            let context = Context::empty();
            runner.run_with_context(
                wait_for_ctrl_c("run_with_context: main cancelled"),
                &context,
            );
            println!("run_with_context: returned");
        }
        // Ctrl-C arrives while the main future runs its last poll (it then completes): the run
        // still ends as interrupted, as CPython's Runner raises KeyboardInterrupt.
        "during_last_poll" => {
            let out = runner::run(async {
                say("ready");
                // The test sends SIGINT now; the poll goes on (blocking) and completes.
                std::thread::sleep(std::time::Duration::from_millis(500));
                "main future completed"
            });
            println!("{out}; the Ctrl-C was lost");
        }
        // After run returned normally, SIGINT (and SIGQUIT after a debug run) has its
        // default action again.
        "after_run" => {
            let debug = std::env::args().nth(2).as_deref() == Some("debug");
            Runner::builder().debug(debug).build().run(async {});
            say("ready");
            wait_forever()
        }
        // The program ignores SIGINT (the test starts it under `trap '' INT`): run keeps it.
        "ignored" => {
            runner::run(async {
                say("ready");
                let line = runner::unblock(|| {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).map(|_| line)
                })
                .await
                .expect("read stdin");
                println!("ignored: still running after {}", line.trim());
            });
            println!("run: returned");
        }
        // The program has its own handler: run does not take SIGINT from it.
        "own_handler" => own_handler(),
        // A runner off the main thread installs nothing: SIGINT ends the process at once.
        "thread" => {
            std::thread::spawn(|| runner::run(wait_for_ctrl_c("thread: main cancelled")))
                .join()
                .expect("runner thread");
        }
        // Only SIGINT handled: SIGTERM keeps its default action.
        "sigint_only" => {
            let mut runner = Runner::builder()
                .handle_signals([Signal::Interrupt])
                .build();
            runner.run(wait_for_ctrl_c("sigint_only: main cancelled"));
        }
        // Debug mode says once that a signal is ignored, however many runs; quiet otherwise.
        "ignored_notice" => {
            let debug = std::env::args().nth(2).as_deref() == Some("debug");
            for _ in 0..3 {
                Runner::builder().debug(debug).build().run(async {});
            }
            say("done");
        }
        // systemd: READY=1, then commands from stdin (see tests/systemd_notify.rs).
        "systemd" => systemd(),
        // systemd, from a runner where nothing but the main future ever runs: no task, no
        // blocking job (its close is the short one).
        "systemd_idle" => {
            runner::run(async {
                let sent = runner::notify_ready().expect("notify systemd");
                say(&format!("ready: sent {sent}"));
                runner::time::sleep(Duration::from_millis(100)).await;
            });
            println!("run: returned");
        }
        // A task whose cleanup never ends: close waits for it for the grace period given
        // (milliseconds), in debug mode or not.
        "stuck_cleanup" => {
            let grace = std::env::args().nth(2).and_then(|ms| ms.parse().ok());
            let debug = std::env::args().nth(3).as_deref() == Some("debug");
            let mut runner = Runner::builder()
                .debug(debug)
                .shutdown_grace(Duration::from_millis(grace.expect("a grace in ms")))
                .build();
            runner.run(async {
                runner::TaskBuilder::new()
                    .name("flush-cache")
                    .spawn(async {
                        runner::shutdown_requested().await;
                        say("cleanup: started");
                        future::pending::<()>().await
                    })
                    .detach();
                // Its first poll, in which it asks for the shutdown signal, before "ready".
                future::yield_now().await;
                future::yield_now().await;
                wait_for_ctrl_c("stuck_cleanup: main cancelled").await
            });
        }
        // The main future blocks its thread inside a poll: Ctrl-C cannot cancel it.
        "stuck_main" => {
            let debug = std::env::args().nth(2).as_deref() == Some("debug");
            Runner::builder().debug(debug).build().run(async {
                say("ready");
                std::thread::sleep(Duration::from_secs(60));
            });
        }
        // As `stuck_main`, holding stderr's lock: nothing can be printed on stderr.
        "stderr_held" => {
            runner::run(async {
                let _held = std::io::stderr().lock();
                say("ready");
                std::thread::sleep(Duration::from_secs(60));
            });
        }
        // SIGQUIT while a named task waits: debug mode prints the task list, and the program
        // goes on until stdin says to stop.
        "quit" => {
            let debug = std::env::args().nth(2).as_deref() == Some("debug");
            Runner::builder().debug(debug).build().run(async {
                let ticker = runner::TaskBuilder::new()
                    .name("ticker")
                    .spawn(runner::time::sleep(Duration::from_secs(60)));
                // The ticker's first poll, after which it waits for its timer.
                future::yield_now().await;
                future::yield_now().await;
                say("ready");
                let line = read_line().await;
                println!("quit: still running after {line}");
                drop(ticker);
            });
            println!("run: returned");
        }
        // The program has its own SIGQUIT handler: a debug run leaves it in place.
        "quit_own_handler" => quit_own_handler(),
        // handle_ctrl_c(false) installs nothing.
        "disabled" => {
            let mut runner = Runner::builder().handle_ctrl_c(false).build();
            runner.run(wait_for_ctrl_c("disabled: main cancelled"));
        }
        other => panic!("unknown scenario {other:?}"),
    }
}

#[cfg(unix)]
fn own_handler() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let seen = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, seen.clone()).expect("register");
    runner::run(async {
        say("ready");
        while !seen.load(Ordering::SeqCst) {
            async_io::Timer::after(Duration::from_millis(5)).await;
        }
        println!("own handler: saw SIGINT");
    });
    println!("run: returned");
}

/// The next line of stdin, read on the blocking pool.
async fn read_line() -> String {
    runner::unblock(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await
    .expect("read stdin")
    .trim()
    .to_owned()
}

#[cfg(unix)]
fn quit_own_handler() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let seen = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGQUIT, seen.clone()).expect("register");
    Runner::builder().debug(true).build().run(async {
        say("ready");
        while !seen.load(Ordering::SeqCst) {
            async_io::Timer::after(Duration::from_millis(5)).await;
        }
        println!("own handler: saw SIGQUIT");
    });
    println!("run: returned");
}

#[cfg(not(unix))]
fn quit_own_handler() {
    unimplemented!("Unix only")
}

#[cfg(not(unix))]
fn own_handler() {
    let _ = Duration::ZERO;
    unimplemented!("Unix only")
}

/// Tells systemd it is ready, then obeys stdin: `block` blocks the runner's thread for a
/// second between two STATUS messages, `quit` returns from the main future.
fn systemd() {
    runner::run(async {
        let sent = runner::notify_ready().expect("notify systemd");
        say(&format!("ready: sent {sent}"));
        loop {
            let line = runner::unblock(|| {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map(|_| line)
            })
            .await
            .expect("read stdin");
            match line.trim() {
                "block" => {
                    runner::notify_status("blocking").expect("notify systemd");
                    // A wedged runner: its thread does not come back to the executor.
                    std::thread::sleep(Duration::from_secs(1));
                    runner::notify_status("unblocked").expect("notify systemd");
                    say("unblocked");
                }
                _ => break,
            }
        }
    });
    println!("run: returned");
}

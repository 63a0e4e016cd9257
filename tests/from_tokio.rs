//! The README's "Coming from tokio" table, row by row: each row's runner code, compiled and
//! run here. `the_readme_table_matches_this_file` fails when a row's code is not in this
//! file, so the table cannot drift from code that compiles.
//!
//! The `TcpListener` row needs the `net` feature: `.ci/run` runs this file with
//! `--features full`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod main_row {
    #[runner::main]
    pub async fn main() {
        assert_eq!(runner::spawn(async { 1 }).await, 1);
    }
}

#[test]
fn main_row() {
    main_row::main();
}

#[runner::test(timeout = "60s")]
async fn rows_without_features() {
    // `#[tokio::main]` / `#[tokio::test]`: this test is the row.

    // tokio::spawn
    let task: runner::Task<u32> = runner::spawn(async { 1 });
    assert_eq!(task.await, 1);
    runner::spawn(async {}).detach();

    // tokio::task::spawn_local
    let local = runner::spawn_local(async { std::rc::Rc::new(2) });
    assert_eq!(*local.await, 2);

    // tokio::task::spawn_blocking
    let blocking = runner::unblock(|| std::thread::sleep(Duration::from_millis(1)));
    blocking.await;

    // tokio::time::sleep / interval
    runner::time::sleep(Duration::from_millis(1)).await;
    let mut interval = runner::time::interval(Duration::from_millis(1));
    interval.tick().await;

    // tokio::io::AsyncReadExt
    let mut read = Vec::new();
    runner::io::AsyncReadExt::read_to_end(&mut &b"bytes"[..], &mut read)
        .await
        .unwrap();
    assert_eq!(read, b"bytes");

    // tokio::select!
    let first = runner::future::or(async { "a" }, std::future::pending()).await;
    assert_eq!(first, "a");

    // tokio::task::JoinSet
    let sum = runner::task_group(|group| async move {
        let children: Vec<_> = (0..3u32)
            .map(|i| group.spawn(async move { Ok(i) }))
            .collect();
        let mut sum = 0;
        for child in children {
            sum += child.await.unwrap_or(0);
        }
        sum
    })
    .await;
    assert_eq!(sum, 3);

    // tokio::runtime::Builder
    let handle = runner::Handle::current();
    assert!(!handle.is_closed());
}

#[runner::test]
async fn test_row() {
    assert!(runner::Handle::current().is_debug());
}

#[test]
fn builder_row() {
    // tokio::runtime::Builder::new_multi_thread().worker_threads(4).build()?.block_on(fut)
    let threads = runner::Builder::new()
        .threads(4)
        .build()
        .run(async { runner::Handle::current().threads() });
    assert_eq!(threads, 4);
}

#[test]
fn ctrl_c_row() {
    // tokio::signal::ctrl_c(): `#[runner::main]` handles Ctrl-C itself (it cancels main and
    // closes in order); a task that must clean up waits for the close.
    static CLEANED: AtomicBool = AtomicBool::new(false);
    let mut runner = runner::Runner::new();
    runner.run(async {
        runner::spawn(async {
            runner::shutdown_requested().await;
            CLEANED.store(true, Ordering::SeqCst);
        })
        .detach();
    });
    runner.close();
    assert!(CLEANED.load(Ordering::SeqCst));
}

#[runner::test(timeout = "60s")]
async fn timeout_row() {
    // tokio::time::timeout(d, fut)
    let (d, fut) = (Duration::from_millis(1), std::future::pending::<u32>());
    let out = runner::timeout(d, fut).await;
    assert!(out.is_err(), "runner::Elapsed");
}

#[cfg(feature = "net")]
#[runner::test(timeout = "60s")]
async fn net_row() -> std::io::Result<()> {
    let addr = "127.0.0.1:0";
    let listener = runner::net::TcpListener::bind(addr).await?;
    assert!(listener.local_addr()?.port() != 0);
    Ok(())
}

#[cfg(all(feature = "fs", feature = "process"))]
#[runner::test(timeout = "60s")]
async fn fs_and_process_rows() -> std::io::Result<()> {
    let metadata = runner::fs::metadata("Cargo.toml").await?;
    assert!(metadata.is_file());
    let status = runner::process::Command::new("true").status().await?;
    assert!(status.success());
    Ok(())
}

/// Every piece of code in the table's runner column appears in this file (rows marked
/// "coming" excepted: their code is not in runner yet).
#[test]
fn the_readme_table_matches_this_file() {
    let readme = include_str!("../README.md");
    let this = include_str!("from_tokio.rs");
    let start = readme
        .find("<!-- tokio-table:start -->")
        .expect("table start marker");
    let end = readme
        .find("<!-- tokio-table:end -->")
        .expect("table end marker");
    let rows: Vec<&str> = readme[start..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
        .collect();
    assert!(rows.len() >= 10, "the table has {} rows", rows.len());
    for row in rows {
        let runner_cell = row.split(" | ").nth(1).expect("a runner column");
        if runner_cell.contains("coming") {
            continue;
        }
        for code in runner_cell.split('`').skip(1).step_by(2) {
            assert!(
                this.contains(code),
                "README row `{row}`: `{code}` is not in tests/from_tokio.rs"
            );
        }
    }
}

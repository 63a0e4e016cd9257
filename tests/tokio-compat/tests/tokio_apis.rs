//! tokio's own API in runner tasks: time, net, fs, spawn, spawn_blocking, block_in_place,
//! and the per-runner switch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use runner::{ContextVar, Runner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[runner::test]
async fn tokio_time_sleep_in_the_main_future_and_in_tasks() {
    tokio::time::sleep(Duration::from_millis(5)).await;
    let task = runner::spawn(async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        tokio::time::timeout(Duration::from_millis(5), std::future::pending::<()>())
            .await
            .is_err()
    });
    assert!(task.await, "tokio::time::timeout elapsed");
}

#[runner::test(threads = 2)]
async fn tcp_listener_accepts_while_runner_tasks_run() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    // Runner tasks busy with their own work while the listener accepts.
    let ticks = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (ticks, served) = (ticks.clone(), served.clone());
        runner::spawn(async move {
            while !served.load(Ordering::SeqCst) {
                ticks.fetch_add(1, Ordering::SeqCst);
                futures_yield().await;
            }
        })
    };
    let server = runner::spawn(async move {
        let mut served = 0;
        while served < 3 {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut byte = [0u8; 1];
            stream.read_exact(&mut byte).await.expect("read");
            stream.write_all(&[byte[0] + 1]).await.expect("write");
            served += 1;
        }
        served
    });
    for i in 0..3u8 {
        let mut client = TcpStream::connect(address).await.expect("connect");
        client.write_all(&[i]).await.expect("write");
        let mut answer = [0u8; 1];
        client.read_exact(&mut answer).await.expect("read");
        assert_eq!(answer[0], i + 1);
    }
    assert_eq!(server.await, 3);
    served.store(true, Ordering::SeqCst);
    ticker.await;
    assert!(
        ticks.load(Ordering::SeqCst) > 0,
        "the other task ran meanwhile"
    );
}

async fn futures_yield() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

#[runner::test]
async fn tokio_spawn_from_a_runner_task() {
    let outer = runner::spawn(async {
        let inner = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            21
        });
        inner.await.expect("the tokio task") * 2
    });
    assert_eq!(outer.await, 42);
}

#[runner::test]
async fn spawn_blocking_from_a_runner_task() {
    let task = runner::spawn(async {
        tokio::task::spawn_blocking(|| std::thread::current().name().map(str::to_owned))
            .await
            .expect("the blocking job")
    });
    assert_eq!(task.await.as_deref(), Some("runner-tokio"));
}

#[runner::test(threads = 2)]
async fn block_in_place_inside_runner_tasks() {
    // On the runner's thread and on a worker: the closure runs there, nothing panics.
    let here = tokio::task::block_in_place(|| 1);
    let task = runner::spawn(async { tokio::task::block_in_place(|| 2) });
    let local = runner::spawn_local(async { tokio::task::block_in_place(|| 3) });
    assert_eq!(here + task.await + local.await, 6);
    // And in a tokio::spawn'ed task, on tokio's multi-thread worker.
    let on_tokio = tokio::spawn(async { tokio::task::block_in_place(|| 4) });
    assert_eq!(on_tokio.await.expect("the tokio task"), 4);
}

#[runner::test]
async fn tokio_fs_reads_a_file() {
    let text = tokio::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .await
        .expect("read Cargo.toml");
    assert!(text.contains("runner-tokio-compat"));
}

#[runner::test]
async fn unblock_jobs_run_inside_the_tokio_runtime() {
    let answer = runner::unblock(|| {
        tokio::runtime::Handle::current().block_on(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            7
        })
    })
    .await;
    assert_eq!(answer, 7);
}

static USER: ContextVar<&'static str> = ContextVar::new("user");

#[runner::test]
async fn context_variables_follow_runner_spawn_but_not_tokio_spawn() {
    let _token = USER.set("ada");
    assert_eq!(runner::spawn(async { USER.get() }).await, Some("ada"));
    // tokio has no hook to carry the context: its tasks see none (documented).
    let seen = tokio::spawn(async { USER.get() })
        .await
        .expect("the tokio task");
    assert_eq!(seen, None);
}

#[test]
fn the_switch_turns_the_runtime_off() {
    let mut off = Runner::builder().tokio(false).build();
    let found = off.run(async { tokio::runtime::Handle::try_current().is_ok() });
    assert!(!found, "no tokio runtime with tokio(false)");
    let mut on = Runner::new();
    let found = on.run(async { tokio::runtime::Handle::try_current().is_ok() });
    assert!(found, "a tokio runtime by default with the feature on");
}

#[runner::test(tokio = false)]
async fn the_macro_option_turns_the_runtime_off() {
    assert!(tokio::runtime::Handle::try_current().is_err());
}

#[test]
fn each_runner_has_its_own_runtime_for_its_lifetime() {
    let mut first = Runner::new();
    let mut second = Runner::new();
    let a = first.run(async { tokio::runtime::Handle::current().id() });
    let b = second.run(async { tokio::runtime::Handle::current().id() });
    assert_ne!(a, b);
    // Outside run, the runner's thread is not inside the runtime.
    assert!(tokio::runtime::Handle::try_current().is_err());
    // The same runtime again in the next run.
    assert_eq!(
        first.run(async { tokio::runtime::Handle::current().id() }),
        a
    );
}

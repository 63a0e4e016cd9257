//! The task list (`runner::tasks()`, `Handle::tasks()`): names, parents, every state, what a
//! task waits on, await cycles; and that taking it never polls a task.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use runner::{Runner, TaskBuilder, TaskInfo, TaskKind, TaskList, TaskState, WaitsOn};

fn debug_runner() -> Runner {
    Runner::builder().debug(true).build()
}

fn named<'a>(list: &'a TaskList, name: &str) -> &'a TaskInfo {
    list.iter()
        .find(|task| task.name() == Some(name))
        .unwrap_or_else(|| panic!("no task named {name} in\n{list}"))
}

async fn settle() {
    runner::time::sleep(Duration::from_millis(20)).await;
}

#[test]
fn names_parents_and_locations() {
    debug_runner().run(async {
        let parent = TaskBuilder::new().name("parent").spawn(async {
            let child = TaskBuilder::new()
                .name("child")
                .spawn(std::future::pending::<()>());
            std::future::pending::<()>().await;
            drop(child);
        });
        settle().await;
        let list = runner::tasks();
        let parent_info = named(&list, "parent");
        let child_info = named(&list, "child");
        assert_eq!(child_info.parent(), Some(parent_info.id()));
        assert_eq!(parent_info.parent(), None, "spawned by the main future");
        assert_eq!(parent_info.location().file(), "tests/task_list.rs");
        assert!(list.is_complete());
        let tree = list.tree().to_string();
        let parent_line = tree.lines().position(|l| l.contains("parent")).unwrap();
        let child_line = tree.lines().position(|l| l.contains("child")).unwrap();
        assert!(child_line > parent_line, "{tree}");
        assert!(
            tree.lines().nth(child_line).unwrap().starts_with("    "),
            "the child is indented under its parent: {tree}"
        );
        drop(parent);
    });
}

#[test]
fn a_task_parked_on_a_channel_is_idle_and_a_new_one_scheduled() {
    debug_runner().run(async {
        let (_keep, never) = async_channel::bounded::<()>(1);
        let parked = TaskBuilder::new().name("parked").spawn(async move {
            let _ = never.recv().await;
        });
        settle().await;
        let fresh = TaskBuilder::new().name("fresh").spawn(async {});
        let list = runner::tasks();
        assert!(
            matches!(named(&list, "parked").state(), TaskState::Idle { .. }),
            "{list}"
        );
        assert!(
            matches!(named(&list, "fresh").state(), TaskState::Scheduled { .. }),
            "{list}"
        );
        assert_eq!(named(&list, "parked").polls(), Some(1));
        drop((parked, fresh));
    });
}

#[test]
fn a_task_blocked_in_a_poll_shows_running_on_its_worker_thread() {
    let mut runner = Runner::builder().debug(true).threads(2).build();
    let handle = runner.handle();
    let seen = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        handle.tasks()
    });
    runner.run(async {
        TaskBuilder::new()
            .name("blocked")
            .spawn(async { std::thread::sleep(Duration::from_millis(400)) })
            .detach();
        // The runner's own thread is blocked too (no yield): only the worker can poll it.
        std::thread::sleep(Duration::from_millis(300));
    });
    let list = seen.join().unwrap();
    match named(&list, "blocked").state() {
        TaskState::Running { thread, for_ } => {
            assert_eq!(thread.as_deref(), Some("runner-worker-0"), "{list}");
            assert!(*for_ >= Duration::from_millis(100), "{list}");
        }
        other => panic!("not running: {other:?}\n{list}"),
    }
    assert!(
        list.to_string().contains("running on runner-worker-0 for"),
        "{list}"
    );
}

/// A task handle names its task by registry key, which means something in its own runner's
/// registry only: a task awaiting another runner's task is not shown waiting on whatever
/// entry of its own runner has that key (here: itself).
#[test]
fn awaiting_another_runners_task_is_not_taken_for_one_of_this_runners() {
    let (handles, handle) = std::sync::mpsc::channel();
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let other = std::thread::spawn(move || {
        debug_runner().run(async move {
            handles.send(runner::Handle::current()).unwrap();
            let _ = stopped.recv().await;
        });
    });
    let other_runner = handle.recv().unwrap();
    debug_runner().run(async move {
        let elsewhere = other_runner.spawn(std::future::pending::<()>());
        let waiter = TaskBuilder::new().name("waiter").spawn(elsewhere);
        settle().await;
        let list = runner::tasks();
        assert_eq!(named(&list, "waiter").waits_on(), None, "{list}");
        drop(waiter);
    });
    stop.send_blocking(()).unwrap();
    other.join().unwrap();
}

#[test]
fn a_blocking_job_is_listed_under_the_task_that_started_it() {
    debug_runner().run(async {
        let starter = TaskBuilder::new().name("starter").spawn(async {
            TaskBuilder::new()
                .name("its job")
                .unblock(|| std::thread::sleep(Duration::from_millis(100)))
                .await
        });
        settle().await;
        let list = runner::tasks();
        assert_eq!(
            named(&list, "its job").parent(),
            Some(named(&list, "starter").id()),
            "{list}"
        );
        starter.await;
    });
}

#[test]
fn blocking_jobs_and_what_tasks_wait_on() {
    debug_runner().run(async {
        let job = TaskBuilder::new()
            .name("job")
            .unblock(|| std::thread::sleep(Duration::from_millis(200)));
        let waiter = TaskBuilder::new().name("waits for the job").spawn(job);
        let asker = TaskBuilder::new()
            .name("asks for shutdown")
            .spawn(async { runner::shutdown_requested().await });
        settle().await;
        let list = runner::tasks();
        let job_info = named(&list, "job");
        assert_eq!(job_info.kind(), TaskKind::BlockingJob);
        assert!(matches!(
            job_info.state(),
            TaskState::Running { thread: None, .. }
        ));
        assert_eq!(
            named(&list, "waits for the job").waits_on(),
            Some(WaitsOn::BlockingJob(job_info.id()))
        );
        assert_eq!(
            named(&list, "asks for shutdown").waits_on(),
            Some(WaitsOn::Shutdown)
        );
        waiter.await;
        drop(asker);
    });
}

#[test]
fn a_task_in_cleanup_shows_cleaning_up_during_close() {
    let mut runner = debug_runner();
    let handle = runner.handle();
    runner.run(async {
        TaskBuilder::new()
            .name("flusher")
            .spawn(async {
                runner::shutdown_requested().await;
                runner::time::sleep(Duration::from_millis(300)).await;
            })
            .detach();
        settle().await;
        assert!(!named(&runner::tasks(), "flusher").is_cleaning_up());
    });
    let during_close = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.tasks()
    });
    runner.close();
    let list = during_close.join().unwrap();
    let flusher = named(&list, "flusher");
    assert!(flusher.is_cleaning_up(), "{list}");
    assert!(list.to_string().contains("cleaning up"), "{list}");
}

#[test]
fn two_tasks_awaiting_each_other_are_an_await_cycle() {
    debug_runner().run(async {
        let (to_a, from_b) = async_channel::bounded::<runner::Task<()>>(1);
        let (to_b, from_a) = async_channel::bounded::<runner::Task<()>>(1);
        let a = TaskBuilder::new().name("a").spawn(async move {
            if let Ok(b) = from_b.recv().await {
                b.await
            }
        });
        let b = TaskBuilder::new().name("b").spawn(async move {
            if let Ok(a) = from_a.recv().await {
                a.await
            }
        });
        to_a.send(b).await.unwrap();
        to_b.send(a).await.unwrap();
        settle().await;
        let list = runner::tasks();
        let (a, b) = (named(&list, "a").id(), named(&list, "b").id());
        assert_eq!(list.cycles(), vec![vec![a.min(b), a.max(b)]], "{list}");
        assert!(list.to_string().contains("await cycle: #"), "{list}");
        // Nobody holds the handles any more but the two tasks: close cancels them.
    });
}

#[test]
fn taking_the_list_never_polls_a_task() {
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    static FORBIDDEN: AtomicBool = AtomicBool::new(false);
    debug_runner().run(async {
        let task = TaskBuilder::new()
            .name("must not be polled")
            .spawn(std::future::poll_fn(|_| {
                POLLS.fetch_add(1, Ordering::SeqCst);
                assert!(!FORBIDDEN.load(Ordering::SeqCst), "polled by a dump");
                Poll::<()>::Pending
            }));
        settle().await;
        let before = POLLS.load(Ordering::SeqCst);
        FORBIDDEN.store(true, Ordering::SeqCst);
        for _ in 0..10 {
            let list = runner::tasks();
            let _ = list.to_string();
        }
        FORBIDDEN.store(false, Ordering::SeqCst);
        assert_eq!(POLLS.load(Ordering::SeqCst), before);
        drop(task);
    });
}

#[test]
fn with_debug_off_the_list_holds_what_the_runner_tracks() {
    Runner::builder().debug(false).build().run(async {
        let quiet = runner::spawn(std::future::pending::<()>());
        let asker = TaskBuilder::new()
            .name("asker")
            .spawn(async { runner::shutdown_requested().await });
        let job = runner::unblock(|| std::thread::sleep(Duration::from_millis(100)));
        settle().await;
        let list = runner::tasks();
        assert!(!list.is_complete());
        assert_eq!(
            list.len(),
            2,
            "the asker and the job, not the quiet task: {list}"
        );
        assert_eq!(named(&list, "asker").state(), &TaskState::Unknown);
        assert!(list.to_string().contains("debug mode off"), "{list}");
        job.await;
        drop((quiet, asker));
    });
}

#[test]
fn handle_tasks_works_from_any_thread_and_outside_run() {
    let mut runner = debug_runner();
    let handle = runner.handle();
    let task = handle.spawn(std::future::pending::<()>());
    let list = std::thread::spawn(move || handle.tasks()).join().unwrap();
    assert_eq!(list.len(), 1);
    drop(task);
    runner.close();
}

#[test]
fn tasks_outside_a_runner_panics_with_a_clear_message() {
    let payload = std::panic::catch_unwind(runner::tasks).unwrap_err();
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        text.contains("runner::tasks called outside a running runner"),
        "{text}"
    );
}

/// Child-process tests: reports on stderr.
fn child_stderr(name: &str) -> String {
    let output = common::run_child(name, &[("RUST_BACKTRACE", "1")]);
    let stderr = common::stderr_of(&output);
    assert!(output.status.success(), "child failed: {stderr}");
    stderr
}

#[test]
fn a_poll_that_never_returns_is_named_while_it_hangs() {
    const NAME: &str = "a_poll_that_never_returns_is_named_while_it_hangs";
    if common::is_child() {
        let mut runner = Runner::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(50))
            .build();
        runner.run(async {
            TaskBuilder::new()
                .name("stuck")
                .spawn(async { std::thread::sleep(Duration::from_millis(1500)) })
                .await;
        });
        return;
    }
    let stderr = child_stderr(NAME);
    let hung = stderr
        .find("poll still running: the task `stuck` spawned at tests/task_list.rs:")
        .unwrap_or_else(|| panic!("{stderr}"));
    let slow = stderr
        .find("slow poll: task `stuck`")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        hung < slow,
        "named while it hangs, before it returned: {stderr}"
    );
    assert!(
        stderr.contains("it is the runner's own thread: nothing else on it can run meanwhile"),
        "{stderr}"
    );
}

#[test]
fn a_poll_that_panicked_is_not_reported_as_slow() {
    const NAME: &str = "a_poll_that_panicked_is_not_reported_as_slow";
    if common::is_child() {
        let mut runner = Runner::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_micros(1))
            .build();
        runner.run(async {
            runner::spawn(async { panic!("only a panic") }).detach();
            settle().await;
        });
        return;
    }
    let stderr = child_stderr(NAME);
    assert!(stderr.contains("only a panic"), "{stderr}");
    assert!(!stderr.contains("slow poll: task"), "{stderr}");
}

#[test]
fn when_the_grace_runs_out_close_names_the_tasks_still_cleaning_up() {
    const NAME: &str = "when_the_grace_runs_out_close_names_the_tasks_still_cleaning_up";
    if common::is_child() {
        let mut runner = Runner::builder()
            .debug(false)
            .shutdown_grace(Duration::from_millis(100))
            .build();
        runner.run(async {
            TaskBuilder::new()
                .name("slow flush")
                .spawn(async {
                    runner::shutdown_requested().await;
                    std::future::pending::<()>().await
                })
                .detach();
            settle().await;
        });
        return;
    }
    let stderr = child_stderr(NAME);
    assert!(
        stderr.contains("close's grace period of 100ms ran out with 1 task(s) still cleaning up"),
        "{stderr}"
    );
    assert!(
        stderr.lines().any(|line| line.contains("slow flush")
            && line.contains("cleaning up")
            && line.contains("tests/task_list.rs:")),
        "{stderr}"
    );
}

#[test]
fn many_tasks_listed_once_each() {
    debug_runner().run(async {
        let tasks: Vec<_> = (0..1000)
            .map(|_| runner::spawn(std::future::pending::<()>()))
            .collect();
        settle().await;
        let list = runner::tasks();
        assert_eq!(list.len(), 1000);
        let mut ids: Vec<u64> = list.iter().map(TaskInfo::id).collect();
        ids.dedup();
        assert_eq!(ids.len(), 1000);
        drop(tasks);
        let _ = Arc::new(());
    });
}

#[test]
fn the_task_dump_example_shows_each_state() {
    // target/debug/deps/<test binary> → target/debug/examples/task_dump
    let mut binary = std::env::current_exe().expect("test binary path");
    binary.pop();
    binary.pop();
    binary.push("examples/task_dump");
    let output = std::process::Command::new(&binary)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    for expected in [
        "5 task(s), 1 blocking job(s)",
        "waits on task #",
        "waits on job #",
        "shutdown_requested()",
        "stuck (examples/task_dump.rs:",
        "│   └── #",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in:\n{stdout}");
    }
    let stuck = stdout
        .lines()
        .find(|line| line.contains(" stuck ") && line.starts_with('#'))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(stuck.contains("running on "), "{stuck}");
    // Debug mode's watchdog named the stuck poll while it ran (1.5 s > 10 x 100 ms).
    assert!(
        stderr.contains("poll still running: the task `stuck`"),
        "{stderr}"
    );
}

/// A main future that panicked ends its poll in its record: the watchdog sees nothing
/// running afterwards, while the runner (usable after the panic) sits idle.
#[test]
fn main_panic_then_idle_no_hung_report() {
    if common::is_child() {
        let mut r = runner::Runner::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(5))
            .build();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            r.run(async { panic!("boom") })
        }));
        std::thread::sleep(Duration::from_millis(400));
        r.close();
        return;
    }
    // No backtrace: printing one takes long enough, inside the poll, to be seen running by
    // the watchdog at this tiny threshold; what is checked is the time after the panic.
    let out = common::run_child(
        "main_panic_then_idle_no_hung_report",
        &[("RUST_BACKTRACE", "0")],
    );
    let stderr = common::stderr_of(&out);
    let hung: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("[runner] ") && line.contains("poll still running"))
        .collect();
    assert!(hung.is_empty(), "false hung-poll report(s): {hung:#?}");
}

#[test]
fn group_children_appear_under_their_group() {
    debug_runner().run(async {
        let owner = TaskBuilder::new().name("owner").spawn(async {
            runner::task_group(|group| async move {
                group.spawn_named("fetch a", std::future::pending::<()>());
                group.spawn_named("fetch b", std::future::pending::<()>());
                std::future::pending::<()>().await
            })
            .await
        });
        settle().await;
        let list = runner::tasks();
        let fetch_a = named(&list, "fetch a");
        assert_eq!(fetch_a.parent(), Some(named(&list, "owner").id()));
        let group = fetch_a.group().expect("a child knows its group");
        assert_eq!(group.file(), "tests/task_list.rs");
        let tree = list.tree().to_string();
        let lines: Vec<&str> = tree.lines().collect();
        let group_line = lines
            .iter()
            .position(|line| line.contains("task group opened at tests/task_list.rs:"))
            .unwrap_or_else(|| panic!("{tree}"));
        let owner_line = lines.iter().position(|l| l.contains("owner")).unwrap();
        let a_line = lines.iter().position(|l| l.contains("fetch a")).unwrap();
        let b_line = lines.iter().position(|l| l.contains("fetch b")).unwrap();
        assert!(
            owner_line < group_line && group_line < a_line && a_line < b_line,
            "{tree}"
        );
        let indent = |line: &str| {
            line.chars()
                .take_while(|c| !c.is_alphanumeric() && *c != '#')
                .count()
        };
        assert!(indent(lines[a_line]) > indent(lines[group_line]), "{tree}");
        drop(owner);
    });
}

#[test]
fn a_main_future_that_never_returns_is_named_with_its_thread() {
    const NAME: &str = "a_main_future_that_never_returns_is_named_with_its_thread";
    if common::is_child() {
        // The runner's thread is not numbered (it is the runner's own): its name comes from
        // the handle the runner keeps.
        std::thread::Builder::new()
            .name("the-runners-thread".into())
            .spawn(|| {
                let mut runner = Runner::builder()
                    .debug(true)
                    .slow_poll_threshold(Duration::from_millis(50))
                    .build();
                runner.run(async { std::thread::sleep(Duration::from_millis(1500)) });
            })
            .unwrap()
            .join()
            .unwrap();
        return;
    }
    let stderr = child_stderr(NAME);
    assert!(
        stderr.contains(
            "poll still running: the main future has been in a single poll on thread \
             the-runners-thread for "
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("it is the runner's own thread: nothing else on it can run meanwhile"),
        "{stderr}"
    );
}

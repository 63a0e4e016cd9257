//! Step 4 of close: the reports of what step 3 met (tasks cancelled in debug mode,
//! destructors that panicked) come together after every task is gone, before blocking jobs
//! are waited for. Needs the `tracing` feature, whose events carry the reports into the same
//! ordered log as the program's own lines:
//! `cargo test --features tracing --test shutdown_reports`.
#![cfg(feature = "tracing")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::events::{Collector, Kept};

type Log = Arc<Mutex<Vec<Kept>>>;

fn log_line(log: &Log, line: String) {
    log.lock().unwrap().push(Kept {
        target: "test".to_owned(),
        level: tracing::Level::INFO,
        message: line,
    });
}

/// Logs its drop; the one named "bomb" panics in its destructor.
struct Dropped {
    name: String,
    log: Log,
}

impl Drop for Dropped {
    fn drop(&mut self) {
        log_line(&self.log, format!("dropped {}", self.name));
        if self.name == "bomb" {
            panic!("the bomb's destructor");
        }
    }
}

#[test]
fn step_four_reports_after_every_task_is_gone_and_before_blocking_jobs() {
    let collector = Collector::default();
    let log: Log = collector.events.clone();
    tracing::subscriber::set_global_default(collector).expect("first subscriber");
    // The bomb's panic is expected: no backtrace printed (that alone can take 100 ms).
    std::panic::set_hook(Box::new(|_| {}));
    let mut r = runner::Runner::builder().debug(true).build();
    let l = log.clone();
    r.run(async move {
        for name in (0..10).map(|i| i.to_string()).chain(["bomb".to_owned()]) {
            let guard = Dropped {
                name,
                log: l.clone(),
            };
            runner::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            })
            .detach();
        }
        let job_log = l.clone();
        runner::unblock(move || {
            std::thread::sleep(Duration::from_millis(300));
            log_line(&job_log, "blocking job finished".to_owned());
        })
        .detach();
        futures_lite::future::yield_now().await;
    });
    r.close();
    let log: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|kept| kept.message.clone())
        .collect();
    let position = |what: &dyn Fn(&String) -> bool, name: &str| {
        log.iter()
            .position(what)
            .unwrap_or_else(|| panic!("{name} missing from {log:#?}"))
    };
    let last_drop = log
        .iter()
        .rposition(|line| line.starts_with("dropped "))
        .unwrap();
    let destructor_report = position(
        &|line| line.contains("panicked while the task was dropped"),
        "the destructor report",
    );
    let first_cancel_report = position(
        &|line| line.starts_with("close cancelled the task"),
        "the cancel listing",
    );
    let job_finished = position(&|line| line == "blocking job finished", "the job's end");
    assert_eq!(
        log.iter()
            .filter(|line| line.starts_with("dropped "))
            .count(),
        11,
        "{log:#?}"
    );
    assert!(
        last_drop < first_cancel_report,
        "step 4 after step 3: {log:#?}"
    );
    assert!(first_cancel_report < destructor_report, "{log:#?}");
    assert!(
        destructor_report < job_finished,
        "step 4 before step 5: {log:#?}"
    );
}

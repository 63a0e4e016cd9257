//! Durations at the edge: `Duration::MAX` means "for ever" wherever a setting takes a
//! duration, and never makes the runner panic or stop its watchdog.

mod common;

use std::time::Duration;

/// "Wait for ever" spelled Duration::MAX: close must not panic.
#[test]
fn shutdown_timeout_max_does_not_panic_in_close() {
    let mut r = runner::Runner::builder()
        .shutdown_timeout(Duration::MAX)
        .build();
    r.run(async {});
    r.close();
}

#[test]
fn shutdown_grace_max_does_not_panic_in_close() {
    let mut r = runner::Runner::builder()
        .shutdown_grace(Duration::MAX)
        .build();
    r.run(async {
        runner::spawn(async {
            runner::shutdown_requested().await;
            runner::time::sleep(Duration::from_millis(20)).await
        })
        .detach();
        runner::time::sleep(Duration::from_millis(1)).await;
    });
    r.close();
}

/// slow_poll_threshold(Duration::MAX) ("never report") kills the process-wide watchdog.
#[test]
fn slow_poll_threshold_max_keeps_the_watchdog_alive() {
    if common::is_child() {
        let mut a = runner::Runner::builder()
            .debug(true)
            .slow_poll_threshold(Duration::MAX)
            .build();
        a.run(async {});
        std::thread::sleep(Duration::from_millis(200));
        // A second runner that relies on the watchdog.
        let mut b = runner::Runner::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(5))
            .build();
        b.run(async { std::thread::sleep(Duration::from_millis(300)) });
        return;
    }
    let out = common::run_child("slow_poll_threshold_max_keeps_the_watchdog_alive", &[]);
    let stderr = common::stderr_of(&out);
    assert!(
        !stderr.contains("runner-watchdog' ") && !stderr.contains("overflow"),
        "{stderr}"
    );
    assert!(
        stderr.contains("poll still running"),
        "watchdog dead: {stderr}"
    );
}

//! What one spawned-and-awaited task costs, in the two measures this shared machine gives
//! reliably (see `bench/per_task.sh`, which runs both):
//!
//! - `per_task MODE ROUNDS [TASKS]` runs ROUNDS rounds of TASKS (default 1,000) tasks of
//!   MODE, for valgrind's callgrind: instruction counts do not drift with the machine's load.
//! - `per_task paired-MODE ROUNDS [TASKS]` times rounds of `spawn` and MODE, alternating,
//!   and prints the median of (each MODE round / the `spawn` round just before it): load that
//!   comes and goes hits both sides of each ratio alike. (Two modes only: a round leaves the
//!   allocator and the caches as its mode left them, which a third mode would inherit.)
//!
//! Modes: `spawn` (`runner::spawn`, debug off), `spawn_debug` (debug mode on), `group`
//! (`group.spawn` inside `runner::task_group`, the scope waiting for the children).
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::hint::black_box;
use std::time::Instant;

use runner::Runner;

const MODES: [&str; 3] = ["spawn", "spawn_debug", "group"];

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(100);
    let tasks: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let mut off = runner_with(false);
    let mut debug = runner_with(true);
    if let Some(compared) = mode.strip_prefix("paired-")
        && MODES.contains(&compared)
    {
        paired(&mut off, &mut debug, compared, rounds, tasks);
        return;
    }
    if !MODES.contains(&mode.as_str()) {
        eprintln!("usage: per_task [paired-](spawn|spawn_debug|group) ROUNDS [TASKS]");
        std::process::exit(2);
    }
    for _ in 0..rounds {
        one_round(&mut off, &mut debug, &mode, tasks);
    }
}

fn runner_with(debug: bool) -> Runner {
    Runner::builder()
        .threads(1)
        .debug(debug)
        .handle_signals([])
        .build()
}

fn one_round(off: &mut Runner, debug: &mut Runner, mode: &str, tasks: usize) {
    match mode {
        "spawn" => off.run(spawn_await(tasks)),
        "spawn_debug" => debug.run(spawn_await(tasks)),
        _ => off.run(runner::task_group(|group| async move {
            for i in 0..tasks {
                group.spawn(async move {
                    black_box(i);
                });
            }
        })),
    }
}

async fn spawn_await(tasks: usize) {
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            runner::spawn(async move {
                black_box(i);
            })
        })
        .collect();
    for handle in handles {
        handle.await;
    }
}

fn paired(off: &mut Runner, debug: &mut Runner, compared: &str, rounds: usize, tasks: usize) {
    let mut times: [Vec<f64>; 2] = Default::default();
    for round in 0..rounds * 2 {
        let mode = if round % 2 == 0 { "spawn" } else { compared };
        let started = Instant::now();
        one_round(off, debug, mode, tasks);
        times[round % 2].push(started.elapsed().as_nanos() as f64 / tasks as f64);
    }
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let ratios = times[1].iter().zip(&times[0]).map(|(t, s)| t / s).collect();
    println!(
        "{tasks} tasks, {rounds} rounds: {compared} / spawn {:.3}x (median of paired rounds; \
         spawn {:.0} ns per task)",
        median(ratios),
        median(times[0].clone())
    );
}

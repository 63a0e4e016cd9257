//! Debug mode's watchdog: names a poll that does not return, while it hangs.
//!
//! A slow poll is reported when it returns; one that never returns (a blocking call, a
//! deadlock, `block_on` inside a task) would hang the program silently. One thread for the
//! whole process, started by the first runner in debug mode, looks at the records of the
//! polls in progress a few times per second, and reports once each poll that has run longer
//! than [`HUNG_POLL_FACTOR`] times its runner's slow-poll threshold.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::debug;
use crate::guard::lock;
use crate::runner_state::RunnerState;
use crate::task_list::Label;
use crate::task_record::{TaskRecord, is_runner_thread, thread_name};

/// A poll is reported as hung once it has run this many slow-poll thresholds.
pub(crate) const HUNG_POLL_FACTOR: u32 = 10;

/// How often the watchdog looks: a fifth of the shortest hung-poll limit of the runners it
/// watches (a report comes at most 20 % late), within these bounds. Each look reads every
/// task's record under the registry's lock: with 100,000 tasks, looking every 50 ms cost
/// debug mode's spawns a few percent.
const PERIOD_BOUNDS: (Duration, Duration) = (Duration::from_millis(5), Duration::from_millis(200));

/// The runners the watchdog looks at.
static WATCHED: Mutex<Vec<Weak<RunnerState>>> = Mutex::new(Vec::new());

/// The watchdog's period now, in nanoseconds (see [`PERIOD_BOUNDS`]): the longest until
/// its first look.
static PERIOD_NANOS: AtomicU64 = AtomicU64::new(200_000_000);

/// Has the watchdog look at `state`'s polls from now on, starting it if needed.
pub(crate) fn watch(state: &Arc<RunnerState>) {
    static WATCHDOG: OnceLock<Option<std::thread::Thread>> = OnceLock::new();
    let mut watched = lock(&WATCHED);
    watched.push(Arc::downgrade(state));
    let watchdog = WATCHDOG.get_or_init(|| {
        std::thread::Builder::new()
            .name("runner-watchdog".to_owned())
            .spawn(run)
            .ok()
            .map(|started| started.thread().clone())
    });
    // A runner with a shorter limit than the others shortens the period at once; the
    // others (every `#[runner::test]` among them) do not wake the watchdog. All under the
    // lock that `run` takes its snapshot and sets the period under: either its snapshot
    // has this runner, or the period read here is the one it set from a snapshot without
    // it (and the unpark is kept for its next park).
    let wanted = period_for(state);
    if let Some(watchdog) = watchdog
        && wanted.as_nanos() < u128::from(PERIOD_NANOS.load(Relaxed))
    {
        watchdog.unpark();
    }
    drop(watched);
}

/// The period `state` asks for.
fn period_for(state: &RunnerState) -> Duration {
    period_for_threshold(state.slow_poll_threshold)
}

/// The period a runner with this slow-poll threshold asks for.
fn period_for_threshold(threshold: Duration) -> Duration {
    // The default threshold (100 ms) and any longer one ask for the longest period: one
    // comparison for every `#[runner::test]`, instead of the arithmetic of a debug build.
    if threshold >= LONGEST_PERIOD_FROM {
        return PERIOD_BOUNDS.1;
    }
    computed_period(threshold)
}

fn computed_period(threshold: Duration) -> Duration {
    (hung_poll_limit(threshold) / 5).clamp(PERIOD_BOUNDS.0, PERIOD_BOUNDS.1)
}

/// The slow-poll threshold from which the period is the longest: its hung-poll limit is
/// five longest periods.
const LONGEST_PERIOD_FROM: Duration =
    Duration::from_nanos(PERIOD_BOUNDS.1.as_nanos() as u64 * 5 / HUNG_POLL_FACTOR as u64);

fn run() {
    let mut period = PERIOD_BOUNDS.1;
    loop {
        std::thread::park_timeout(period);
        let runners: Vec<Arc<RunnerState>> = {
            let mut watched = lock(&WATCHED);
            watched.retain(|runner| runner.strong_count() > 0);
            let runners: Vec<Arc<RunnerState>> = watched.iter().filter_map(Weak::upgrade).collect();
            period = runners
                .iter()
                .map(|state| period_for(state))
                .min()
                .unwrap_or(PERIOD_BOUNDS.1);
            PERIOD_NANOS.store(
                u64::try_from(period.as_nanos()).unwrap_or(u64::MAX),
                Relaxed,
            );
            runners
        };
        let now = Instant::now();
        for state in runners {
            // One runner's trouble must not stop the watchdog for the others.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| look_at(&state, now)));
        }
    }
}

/// How long a poll runs, under this slow-poll threshold, before it is reported as hung.
fn hung_poll_limit(threshold: Duration) -> Duration {
    threshold.saturating_mul(HUNG_POLL_FACTOR)
}

fn look_at(state: &RunnerState, now: Instant) {
    let limit = hung_poll_limit(state.slow_poll_threshold);
    let mut hung = Vec::new();
    let mut check = |record: &TaskRecord, what: &dyn Fn() -> Option<Label>| {
        if let Some((for_, thread)) = record.running_for(now)
            && for_ >= limit
        {
            let poll = record.polls();
            if record.reported_poll.swap(poll, Relaxed) != poll {
                hung.push((what(), for_, thread));
            }
        }
    };
    if let Some(main) = &state.main_record {
        check(main, &|| None);
    }
    state.registry.for_each_record(|record, name, location| {
        check(record, &|| Some(Label::new(name.cloned(), location)))
    });
    for (what, for_, thread) in hung {
        let what = match what {
            Some(label) => format!("the {label}"),
            None => "the main future".to_owned(),
        };
        let alone = if is_runner_thread(thread, &state.runner_thread) {
            "; it is the runner's own thread: nothing else on it can run meanwhile"
        } else {
            ""
        };
        debug::report_to(
            state.test.as_deref(),
            format_args!(
                "poll still running: {what} has been in a single poll on thread {} for {for_:.1?} \
             (over {HUNG_POLL_FACTOR}x the slow-poll threshold){alone}; a blocking call, a lock \
             or a nested block_on inside a poll freezes its thread",
                thread_name(thread, &state.runner_thread)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortcut_to_the_longest_period_gives_what_the_arithmetic_gives() {
        let around = [
            LONGEST_PERIOD_FROM - Duration::from_nanos(1),
            LONGEST_PERIOD_FROM,
            LONGEST_PERIOD_FROM * 2,
            Duration::from_millis(1),
            Duration::from_millis(30),
            Duration::MAX,
        ];
        for threshold in around {
            assert_eq!(
                period_for_threshold(threshold),
                computed_period(threshold),
                "{threshold:?}"
            );
        }
        assert!(computed_period(LONGEST_PERIOD_FROM - Duration::from_millis(1)) < PERIOD_BOUNDS.1);
    }
}

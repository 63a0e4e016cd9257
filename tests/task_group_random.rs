//! 10,000 rounds of task groups whose children finish, fail, panic, hang or time out at
//! random points, some of them inside a scope that a timeout drops: after every round no
//! child is alive (the group counts zero), and every child's destructor ran exactly once,
//! before the outermost scope returned.
//!
//! The seed is printed; `TASK_GROUP_SEED=n` replays a run.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use futures_lite::future::yield_now;

const ROUNDS: usize = 10_000;

/// xorshift64*: enough randomness for choosing behaviours, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What one round checks: one drop count per child, and whether the scope has returned.
struct Round {
    drops: Vec<AtomicU8>,
    returned: AtomicBool,
    late_drops: AtomicUsize,
}

/// Owned by a child's future from its spawn on; counts its drop.
struct Guard {
    round: Arc<Round>,
    index: usize,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.round.drops[self.index].fetch_add(1, Ordering::SeqCst);
        if self.round.returned.load(Ordering::SeqCst) {
            self.round.late_drops.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Behaviour {
    Finish,
    Fail,
    Panic,
    Hang,
    TimeOut,
}

/// A child: `yields` yields, then its behaviour.
async fn child(guard: Guard, behaviour: Behaviour, yields: u64, micros: u64) -> Result<(), u32> {
    let _guard = guard;
    for _ in 0..yields {
        yield_now().await;
    }
    match behaviour {
        Behaviour::Finish => Ok(()),
        Behaviour::Fail => Err(1),
        Behaviour::Panic => std::panic::panic_any("planned panic"),
        Behaviour::Hang => std::future::pending().await,
        Behaviour::TimeOut => {
            runner::timeout(Duration::from_micros(micros), std::future::pending::<()>())
                .await
                .map_err(|_| 2)
        }
    }
}

/// Spawns `n` random children into `group`, with yields between spawns; returns whether a
/// child will end the group (fail, panic, time out), and whether one panics.
async fn spawn_children(
    group: &runner::TaskGroup<u32>,
    rng: &mut Rng,
    round: &Arc<Round>,
    next: &mut usize,
    n: usize,
    panic_allowed: &mut bool,
) -> bool {
    let mut ends = false;
    for _ in 0..n {
        let behaviour = match rng.below(10) {
            0..=3 => Behaviour::Finish,
            4 => Behaviour::Fail,
            5 if *panic_allowed => Behaviour::Panic,
            5..=7 => Behaviour::Hang,
            _ => Behaviour::TimeOut,
        };
        if matches!(behaviour, Behaviour::Panic) {
            // One panic per round at most: a second one is reported on stderr.
            *panic_allowed = false;
        }
        ends |= matches!(
            behaviour,
            Behaviour::Fail | Behaviour::Panic | Behaviour::TimeOut
        );
        let guard = Guard {
            round: round.clone(),
            index: *next,
        };
        *next += 1;
        let (yields, micros) = (rng.below(4), rng.below(300));
        group.spawn(child(guard, behaviour, yields, micros));
        if rng.below(2) == 0 {
            yield_now().await;
        }
    }
    ends
}

async fn one_round(seed: u64, round: Arc<Round>) {
    let mut rng = Rng(seed);
    let children = rng.below(7) as usize;
    let nested = rng.below(3) == 0;
    let inner_children = if nested { rng.below(5) as usize } else { 0 };
    let r = round.clone();
    let scope = runner::try_task_group(|group| async move {
        let mut next = 0;
        let mut panic_allowed = true;
        let ends = spawn_children(
            &group,
            &mut rng,
            &r,
            &mut next,
            children,
            &mut panic_allowed,
        )
        .await;
        if nested {
            // An inner scope that a timeout may drop while its children run: the outer
            // scope must still wait for them.
            let micros = rng.below(400);
            let seed = rng.next() | 1;
            let r = r.clone();
            let inner = runner::try_task_group(|inner| async move {
                let mut rng = Rng(seed);
                let mut panic_allowed = false;
                let ends = spawn_children(
                    &inner,
                    &mut rng,
                    &r,
                    &mut next,
                    inner_children,
                    &mut panic_allowed,
                )
                .await;
                if !ends {
                    inner.cancel();
                }
                Ok(())
            });
            match runner::timeout(Duration::from_micros(micros), inner).await {
                Ok(Err(error)) if rng.below(2) == 0 => return Err(*error.first()),
                _ => {}
            }
        }
        match rng.below(8) {
            0 => return Err(3),
            1 if panic_allowed => std::panic::panic_any("planned body panic"),
            _ => {}
        }
        if !ends && rng.below(2) == 0 {
            yield_now().await;
        }
        // Hanging children end only by cancellation.
        if !ends {
            group.cancel();
        }
        Ok(group)
    });
    let outcome = AssertUnwindSafe(scope).catch_unwind().await;
    round.returned.store(true, Ordering::SeqCst);
    if let Ok(Ok(group)) = outcome {
        assert_eq!(group.len(), 0, "children alive after the scope returned");
    }
}

#[test]
fn ten_thousand_random_rounds_leave_no_child_alive() {
    // Planned panics would print a message each; any other panic is reported as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let planned = info
            .payload()
            .downcast_ref::<&str>()
            .is_some_and(|m| m.starts_with("planned"));
        if !planned {
            default_hook(info);
        }
    }));
    let seed = std::env::var("TASK_GROUP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    println!("TASK_GROUP_SEED={seed}");
    let started = Instant::now();
    let mut rng = Rng(seed);
    let mut checked = 0usize;
    // Half the rounds on one thread, half with a worker thread.
    for threads in [1, 2] {
        let mut runner = runner::Runner::builder()
            .threads(threads)
            .debug(false)
            .handle_ctrl_c(false)
            .build();
        runner.run(async {
            for _ in 0..ROUNDS / 2 {
                let round = Arc::new(Round {
                    drops: (0..16).map(|_| AtomicU8::new(0)).collect(),
                    returned: AtomicBool::new(false),
                    late_drops: AtomicUsize::new(0),
                });
                let round_seed = rng.next() | 1;
                one_round(round_seed, round.clone()).await;
                // Destructors only count up: one that ran late would show here.
                assert_eq!(
                    round.late_drops.load(Ordering::SeqCst),
                    0,
                    "a child was dropped after its scope returned (round seed {round_seed})"
                );
                for (index, drops) in round.drops.iter().enumerate() {
                    let drops = drops.load(Ordering::SeqCst);
                    assert!(
                        drops <= 1,
                        "child {index} dropped {drops} times (round seed {round_seed})"
                    );
                    checked += drops as usize;
                }
                // The guard of every child spawned has been dropped: the Arc is ours alone.
                assert_eq!(
                    Arc::strong_count(&round),
                    1,
                    "a child is still alive (round seed {round_seed})"
                );
            }
        });
        runner.close();
    }
    println!(
        "{ROUNDS} rounds, {checked} children each dropped exactly once before its scope \
         returned, in {:.2?}",
        started.elapsed()
    );
    assert!(checked > ROUNDS);
}

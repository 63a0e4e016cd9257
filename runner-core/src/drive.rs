//! Driving the executors on the runner's thread: `block_on` runs the runner's tasks (the
//! local ones too, once there are any), with timers and I/O, until a future completes.
//!
//! Two things keep a wake-up cheap. While no task exists, the future is polled on its own:
//! the executor's state and run queue are not even allocated, and a program whose main
//! future only awaits timers and I/O never pays for them. Once tasks run, the future is
//! polled only when its own waker was woken, not every time a task's wake-up wakes the
//! thread (a server whose main future accepts connections would otherwise try to accept
//! once per task wake-up).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context as TaskCx, Poll, Wake, Waker};

use async_executor::{Executor, LocalExecutor};
use atomic_waker::AtomicWaker;

/// Whether a task was ever spawned, and the runner's thread waiting for the first one.
pub(crate) struct FirstSpawn {
    spawned: AtomicBool,
    /// The runner thread's waker; a slot without a lock, as every wait of a runner that
    /// never spawns (most `#[runner::test]`s) stores it.
    waiting: AtomicWaker,
}

impl FirstSpawn {
    pub(crate) fn new() -> Self {
        FirstSpawn {
            spawned: AtomicBool::new(false),
            waiting: AtomicWaker::new(),
        }
    }

    #[inline]
    pub(crate) fn note_spawn(&self) {
        if !self.spawned.load(Ordering::Acquire) {
            self.first();
        }
    }

    #[cold]
    fn first(&self) {
        self.spawned.store(true, Ordering::Release);
        self.waiting.wake();
    }

    pub(crate) fn happened(&self) -> bool {
        self.spawned.load(Ordering::Acquire)
    }

    /// Whether a task was ever spawned; if not, `waker` is woken at the first spawn.
    fn wait(&self, waker: &Waker) -> bool {
        if self.happened() {
            return true;
        }
        // Registered, then read again: a spawn in between finds the waker.
        self.waiting.register(waker);
        self.happened()
    }
}

/// The runner's executor for `!Send` tasks, on the runner's own thread.
///
/// It is driven only once the first `spawn_local` happens: a program that never uses it
/// pays nothing for it, not even the executor's state and run queue.
pub(crate) struct LocalSide {
    executor: LocalExecutor<'static>,
    used: Cell<bool>,
    /// The runner thread's loop, waiting for the first `spawn_local`.
    waiting: Cell<Option<Waker>>,
}

impl LocalSide {
    pub(crate) fn new() -> LocalSide {
        LocalSide {
            executor: LocalExecutor::new(),
            used: Cell::new(false),
            waiting: Cell::new(None),
        }
    }

    pub(crate) fn spawn<F: Future + 'static>(&self, future: F) -> async_task::Task<F::Output> {
        if !self.used.replace(true)
            && let Some(waker) = self.waiting.take()
        {
            waker.wake();
        }
        self.executor.spawn(future)
    }

    /// Whether a local task was ever spawned; if not, `waker` is woken at the first one.
    fn wait(&self, waker: &Waker) -> bool {
        if self.used.get() {
            return true;
        }
        let stored = self.waiting.take();
        self.waiting.set(match stored {
            Some(stored) if stored.will_wake(waker) => Some(stored),
            _ => Some(waker.clone()),
        });
        false
    }

    /// Whether a local task was ever spawned.
    pub(crate) fn is_used(&self) -> bool {
        self.used.get()
    }

    /// Runs one queued local task, if any; false when there was none.
    pub(crate) fn try_tick(&self) -> bool {
        self.used.get() && self.executor.try_tick()
    }

    /// Runs local tasks for ever, from the first `spawn_local` on; never completes.
    async fn drive<T>(&self) -> T {
        std::future::poll_fn(|cx| {
            if self.wait(cx.waker()) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        self.executor.run(std::future::pending::<()>()).await;
        unreachable!("a pending future never completes")
    }
}

/// What `block_on` drives.
pub(crate) struct Executors<'a> {
    pub(crate) executor: &'a Executor<'static>,
    pub(crate) local: &'a LocalSide,
    pub(crate) first_spawn: &'a FirstSpawn,
    /// An executor from a factory may hold other users' tasks, which `until` may await:
    /// it runs at once instead of after the first spawn.
    pub(crate) executor_is_shared: bool,
}

/// Runs the runner's tasks on this thread, with timers and I/O, until `until` completes.
pub(crate) fn block_on<T>(executors: Executors<'_>, until: impl Future<Output = T>) -> T {
    let Executors {
        executor,
        local,
        first_spawn,
        executor_is_shared,
    } = executors;
    // Pinned here and handed on by reference: in a debug build, `async_io::block_on` and the
    // thread-local closure it polls from each keep their own copy of the future they are
    // given, and this one is kilobytes. Stack depth is a cost of its own: libtest runs each
    // test on a new thread, and glibc hands back a finished thread's stack pages deeper than
    // 16 KB below where it ended, so each such page a `#[runner::test]` touches is a page
    // fault, and handing it back a TLB flush on the other cores.
    let driving = std::pin::pin!(async {
        let mut until = std::pin::pin!(until);
        if !executor_is_shared {
            let first_task = std::future::poll_fn(|cx| {
                if first_spawn.wait(cx.waker()) || local.wait(cx.waker()) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            });
            let alone = futures_lite::future::or(async { Some(until.as_mut().await) }, async {
                first_task.await;
                None
            });
            if let Some(done) = alone.await {
                return done;
            }
        } else if let Some(done) = futures_lite::future::poll_once(until.as_mut()).await {
            return done;
        }
        run_tasks(executor, local, until).await
    });
    async_io::block_on(driving)
}

/// The executors' loops, once there are tasks: boxed, and made by a function of its own, so
/// that a run without tasks has neither these futures (a kilobyte) nor their making on its
/// stack (in a debug build, each step of making one is a copy on the stack).
fn run_tasks<'a, T: 'a>(
    executor: &'a Executor<'static>,
    local: &'a LocalSide,
    until: Pin<&'a mut impl Future<Output = T>>,
) -> Pin<Box<impl Future<Output = T> + 'a>> {
    let until = PolledWhenWoken::new(until);
    Box::pin(executor.run(futures_lite::future::or(until, local.drive())))
}

/// Polls its future only after the future's own waker was woken.
struct PolledWhenWoken<F> {
    future: F,
    /// The future's waker: a flag, then `block_on`'s waker. Kept by the thread between
    /// `block_on`s (the flag's outer waker is `block_on`'s, the same for every call on a
    /// thread), so that a run allocates it once per thread, not once per run.
    waker: Option<(Arc<WokenFlag>, Waker)>,
    first: bool,
}

thread_local! {
    static KEPT_WAKER: Cell<Option<(Arc<WokenFlag>, Waker)>> = const { Cell::new(None) };
}

struct WokenFlag {
    woken: AtomicBool,
    outer: Waker,
}

impl Wake for WokenFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.outer.wake_by_ref();
    }
}

impl<F> PolledWhenWoken<F> {
    fn new(future: F) -> Self {
        PolledWhenWoken {
            future,
            waker: KEPT_WAKER.take(),
            first: true,
        }
    }
}

impl<F> Drop for PolledWhenWoken<F> {
    fn drop(&mut self) {
        KEPT_WAKER.set(self.waker.take());
    }
}

impl<F: Future + Unpin> Future for PolledWhenWoken<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let reused = matches!(&this.waker, Some((flag, _)) if flag.outer.will_wake(cx.waker()));
        if !reused {
            let flag = Arc::new(WokenFlag {
                woken: AtomicBool::new(false),
                outer: cx.waker().clone(),
            });
            this.waker = Some((flag.clone(), Waker::from(flag)));
        }
        let (flag, waker) = this.waker.as_ref().expect("set above");
        if std::mem::take(&mut this.first) {
            // `block_on` polled the future just before: the tasks it woke or spawned run
            // first, then it is polled again, with this waker, which it registers from then on.
            waker.wake_by_ref();
            return Poll::Pending;
        }
        // A waker just made (the outer one changed) cannot tell whether it was woken.
        if reused && !flag.woken.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        Pin::new(&mut this.future).poll(&mut TaskCx::from_waker(waker))
    }
}

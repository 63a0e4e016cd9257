//! Task groups: children that live and die with a scope (asyncio's `TaskGroup`).
//!
//! A scope ([`task_group`], [`try_task_group`]) runs its body and completes only once every
//! child spawned into its [`TaskGroup`] is gone: its future dropped, destructors run. The
//! first failure (a child's or the body's error, or a panic) cancels the others.
//!
//! The machinery, per child: the child is an ordinary runner task whose future is wrapped
//! in a [`Child`], which holds a reference to the group's [`Token`] until it is dropped,
//! checks the group's `cancelled` flag before each poll, and stores its waker in the group
//! the first time it waits, so that cancelling the group can wake it. A child that finishes
//! in its first poll (the common case for short work) never touches the group's lock.
//!
//! The children are counted by the token's own reference count, not by a counter of their
//! own: joining is the `Weak` upgrade, leaving is the drop, and the token's destructor (the
//! last reference gone) wakes the scope. That is one atomic operation on joining and one on
//! leaving, where a counter beside a reference to the group took two of each.

use std::borrow::Cow;
use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context as TaskCx, Poll, Waker};

use pin_project_lite::pin_project;
use slab::Slab;

use crate::debug;
use crate::guard::lock;
use crate::poll_state;
use crate::spawn;
use crate::task::Task;
use crate::task_list::Listing;
use crate::thread_runner;
use crate::unhandled_panic::Payload;

/// Runs `body` with a [`TaskGroup`] to spawn children into, and completes once the body
/// and every child are done: asyncio's `async with TaskGroup() as group:`.
///
/// Children return `()` (or `Result<T, Infallible>`); only a panic fails this group. When
/// the body or a child panics, the other children and the body are cancelled, the scope
/// waits until they are all dropped, then resumes the first panic. For children that can
/// fail with an error, use [`try_task_group`].
///
/// # Cancellation
///
/// The scope's future completes only after every child's future has been dropped, so
/// awaiting it can never leave a child running. If the scope's future is itself dropped
/// before it completes (a [`timeout`](crate::timeout) around it, the task that awaits it
/// cancelled, close), it cancels the children at once: none is polled again (bar a poll
/// already under way on another thread), and the executor drops each one the next time it
/// reaches it, inside the child's context. Close waits for that as for any task.
///
/// Nested scopes keep the guarantee: a scope dropped inside the body of another scope (a
/// timeout around it there), or dropped because a child of another group that holds it is
/// cancelled, hands its remaining children to that group, whose scope then waits for them
/// too, as asyncio's nested `async with` would. (A scope dropped by a child's own code, a
/// timeout inside a child, cancels its children without handing them over: finding the
/// enclosing group from inside every child poll would cost each poll a thread-local swap.)
///
/// # Close
///
/// Close cancels groups from the outside in, and never leaves a child running. A child
/// that awaited [`shutdown_requested`](crate::shutdown_requested) gets the grace period
/// like any task (close's steps 1 and 2), and its scope keeps waiting for it meanwhile.
/// In step 3, a runner that made its executor drops it: the executor drops the tasks it
/// holds in the order of its task list, which is spawn order as far as slots are not
/// reused, so the task that awaits a scope (spawned before the children it spawned) is
/// usually dropped first; dropping its scope cancels the children, then each child is
/// dropped in turn. On an executor from a [`factory`](crate::Builder::factory), close wakes
/// each of its tasks and each drops its future at its next poll, children included.
/// Either way every child's future is dropped exactly once, inside its own context, on
/// the runner's thread, before close returns.
///
/// # Panics
///
/// Resumes the first panic of the body or a child, after every child is gone.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// runner::run(async {
///     let done = Arc::new(AtomicUsize::new(0));
///     let answer = runner::task_group(|group| async move {
///         for _ in 0..10 {
///             let done = done.clone();
///             group.spawn(async move {
///                 done.fetch_add(1, Ordering::SeqCst);
///             });
///         }
///         let value = group.spawn(async { Ok(21) });
///         value.await.unwrap() * 2
///     })
///     .await;
///     assert_eq!(answer, 42);
/// });
/// ```
#[track_caller]
pub fn task_group<R, B, Fut>(body: B) -> impl Future<Output = R>
where
    B: FnOnce(TaskGroup) -> Fut,
    Fut: Future<Output = R>,
{
    let scope = Scope::new(Location::caller(), |group| {
        let body = body(group);
        async move { Ok::<R, Infallible>(body.await) }
    });
    async move {
        match scope.await {
            Ok(output) => output,
            Err(error) => match error.into_first() {},
        }
    }
}

/// Runs `body` with a [`TaskGroup<E>`] whose children may fail with an `E`, and completes
/// once the body and every child are done.
///
/// The first failure (a child returning `Err`, the body returning `Err`, or a panic)
/// cancels the other children and the body (asyncio cancels the body too), and the scope
/// waits until every child has been dropped. Then: if anything panicked, the first panic is
/// resumed (as [`std::thread::scope`] does); otherwise the errors come out as a
/// [`GroupError`], the first one first. With no failure the body's output comes out.
///
/// Cancellation as for [`task_group`]: awaiting the scope never leaves a child running;
/// dropping it cancels the children.
///
/// # Panics
///
/// Resumes the first panic of the body or a child, after every child is gone.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// runner::run(async {
///     let result = runner::try_task_group(|group| async move {
///         group.spawn_named("slow", async {
///             async_io::Timer::after(Duration::from_secs(60)).await; // cancelled
///             Ok(())
///         });
///         group.spawn_named("parse", async { "x".parse::<u32>().map(drop) });
///         Ok(())
///     })
///     .await;
///     let error = result.unwrap_err();
///     assert_eq!(error.failures()[0].name(), Some("parse"));
///     assert_eq!(error.first().to_string(), "invalid digit found in string");
/// });
/// ```
#[track_caller]
pub fn try_task_group<E, R, B, Fut>(body: B) -> impl Future<Output = Result<R, GroupError<E>>>
where
    E: Send + 'static,
    B: FnOnce(TaskGroup<E>) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    Scope::new(Location::caller(), body)
}

/// What a child of a [`TaskGroup<E>`] may return: `()`, or `Result<T, E>` (an `Err` fails
/// the group).
///
/// # Examples
///
/// ```
/// runner::run(async {
///     runner::try_task_group(|group| async move {
///         group.spawn(async {}); // ()
///         let n = group.spawn(async { Ok::<u8, String>(3) }); // Result<T, E>
///         assert_eq!(n.await, Some(3));
///         Ok::<(), String>(())
///     })
///     .await
///     .unwrap();
/// });
/// ```
pub trait ChildOutcome<E> {
    /// What the child's [`GroupTask`] gives when the child succeeds.
    type Value;

    /// The value, or the error that fails the group.
    fn into_result(self) -> Result<Self::Value, E>;
}

impl<E> ChildOutcome<E> for () {
    type Value = ();

    fn into_result(self) -> Result<(), E> {
        Ok(())
    }
}

impl<T, E> ChildOutcome<E> for Result<T, E> {
    type Value = T;

    fn into_result(self) -> Result<T, E> {
        self
    }
}

/// What the scope waits for: each child holds a reference until its future is dropped, and
/// the scope holds one while its body runs. The last reference gone ends the wait; no child
/// can join after that (the upgrade of `GroupState::token` fails), so a spawn racing with
/// the end of the scope is either counted before it (and waited for) or refused.
struct Token<E> {
    group: Arc<GroupState<E>>,
}

impl<E> Token<E> {
    /// A new group's token (the scope's reference to it).
    fn new(location: &'static Location<'static>) -> Arc<Self> {
        Arc::new_cyclic(|token| Token {
            group: Arc::new(GroupState::new(location, token.clone())),
        })
    }
}

impl<E> Drop for Token<E> {
    fn drop(&mut self) {
        self.group.all_left();
    }
}

/// `Member::waker` of a child that has not waited yet.
const NO_WAKER: usize = usize::MAX;

/// What a scope shares with its `TaskGroup` handles and its children.
struct GroupState<E> {
    /// The token children join by upgrading; dead once the body and every child are done.
    token: Weak<Token<E>>,
    /// Set when the token dies: the scope may complete.
    finished: AtomicBool,
    /// Whether the scope still holds its own reference to the token (its body runs), for
    /// `len`, which counts children only.
    scope_holds: AtomicBool,
    /// Set by the first failure or by `cancel`: children drop their future at their next
    /// poll instead of polling it, and new children start cancelled.
    cancelled: AtomicBool,
    /// Set by the first failure: the body is cancelled too.
    failed: AtomicBool,
    /// Where the scope was opened (`task_group` / `try_task_group`).
    location: &'static Location<'static>,
    inner: Mutex<Inner<E>>,
}

impl<E> Drop for GroupState<E> {
    fn drop(&mut self) {
        // A scope that completes takes the panic to resume it; one still here belonged to a
        // scope that was dropped before its children were gone (a timeout around it, say):
        // nobody will see it, so it is reported, as an unobserved task panic is.
        let inner = self
            .inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(payload) = inner.panic.take() {
            debug::report(format_args!(
                "a child of the task group opened at {} panicked after its scope was dropped, \
                 and nobody awaited it: {}",
                self.location,
                crate::payload::panic_message(&*payload)
            ));
        }
    }
}

struct Inner<E> {
    errors: Vec<Failure<E>>,
    /// The first panic; later ones are reported and dropped.
    panic: Option<Payload>,
    /// Wakers of the children that have waited at least once, for `cancel` to wake them.
    wakers: Slab<Waker>,
    /// The scope's task, woken by a failure and by the last child's end.
    scope: Option<Waker>,
    /// A reference to the token of the enclosing group, which waits for this one's
    /// children after this group's scope was dropped before they were gone (see `Scope`'s
    /// drop); released when they are.
    adopter: Option<Arc<dyn Send + Sync>>,
}

/// What a group needs of the group that encloses it, whatever their error types.
trait Link: Send + Sync {
    /// A reference to the group's token, which its scope waits for (held for a dropped
    /// inner scope's children); `None` if the group's scope has already finished.
    fn adopt(&self) -> Option<Arc<dyn Send + Sync>>;
}

impl<E: Send + 'static> Link for GroupState<E> {
    fn adopt(&self) -> Option<Arc<dyn Send + Sync>> {
        let token: Arc<dyn Send + Sync> = self.token.upgrade()?;
        Some(token)
    }
}

thread_local! {
    /// The group whose body or child is being polled or dropped on this thread: a scope
    /// opened there belongs to it (see `Scope::parent`).
    static CURRENT: RefCell<Option<Arc<dyn Link>>> = const { RefCell::new(None) };
}

/// Makes `group` the current group until dropped; restores the previous one.
struct Enter {
    previous: Option<Arc<dyn Link>>,
}

impl Enter {
    fn new(group: Arc<dyn Link>) -> Enter {
        let previous = CURRENT.with(|current| current.replace(Some(group)));
        Enter { previous }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let left = CURRENT.with(|current| current.replace(previous));
        drop(left);
    }
}

fn current_group() -> Option<Arc<dyn Link>> {
    CURRENT.with(|current| current.borrow().clone())
}

impl<E> GroupState<E> {
    fn new(location: &'static Location<'static>, token: Weak<Token<E>>) -> Self {
        GroupState {
            token,
            finished: AtomicBool::new(false),
            scope_holds: AtomicBool::new(true),
            cancelled: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            location,
            inner: Mutex::new(Inner {
                errors: Vec::new(),
                panic: None,
                wakers: Slab::new(),
                scope: None,
                adopter: None,
            }),
        }
    }

    /// Counts a new child; panics if the scope has completed.
    #[track_caller]
    fn join(&self) -> Member<E> {
        let Some(token) = self.token.upgrade() else {
            panic!(
                "cannot spawn into the task group opened at {}: its scope has already returned",
                self.location
            );
        };
        Member {
            token,
            waker: NO_WAKER,
        }
    }

    /// How many children are alive now: the token's references but the scope's own.
    fn len(&self) -> usize {
        let scope = usize::from(self.scope_holds.load(Ordering::Acquire));
        self.token.strong_count().saturating_sub(scope)
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// Cancels every child: wakes those that wait, so that they drop their future.
    fn cancel(&self) {
        let inner = lock(&self.inner);
        self.cancel_locked(inner);
    }

    fn cancel_locked(&self, inner: std::sync::MutexGuard<'_, Inner<E>>) {
        if self.cancelled.swap(true, Ordering::AcqRel) {
            return;
        }
        // Woken outside the lock: a waker may run code (a foreign executor's schedule).
        let wakers: Vec<Waker> = inner.wakers.iter().map(|(_, w)| w.clone()).collect();
        drop(inner);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Records a failure; the first one cancels the children and the body.
    fn fail(&self, failure: Failed<E>) {
        let mut inner = lock(&self.inner);
        match failure {
            Failed::Error(failure) => inner.errors.push(failure),
            Failed::Panic(payload, origin) => {
                if inner.panic.is_none() {
                    inner.panic = Some(payload);
                } else {
                    debug::report(format_args!(
                        "{origin} panicked after the task group had already failed: {}",
                        crate::payload::panic_message(&*payload)
                    ));
                }
            }
        }
        self.failed.store(true, Ordering::Release);
        let scope = inner.scope.take();
        self.cancel_locked(inner);
        if let Some(scope) = scope {
            scope.wake();
        }
    }

    /// The token is gone (the body and every child are done): wakes the scope, and
    /// releases the enclosing group that waited for this one's children.
    fn all_left(&self) {
        self.finished.store(true, Ordering::Release);
        let mut inner = lock(&self.inner);
        let scope = inner.scope.take();
        let adopter = inner.adopter.take();
        drop(inner);
        if let Some(scope) = scope {
            scope.wake();
        }
        drop(adopter);
    }
}

/// How a child or the body failed, on its way into the group.
enum Failed<E> {
    Error(Failure<E>),
    Panic(Payload, Origin),
}

/// Who failed: the body, or a child by name or spawn location.
#[derive(Clone)]
struct Origin {
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    body: bool,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.body) {
            (_, true) => write!(f, "the body of the task group opened at {}", self.location),
            (Some(name), false) => write!(f, "task {name:?} spawned at {}", self.location),
            (None, false) => write!(f, "the task spawned at {}", self.location),
        }
    }
}

/// A child's membership of its group: a reference to its token until dropped.
struct Member<E> {
    token: Arc<Token<E>>,
    /// The child's place in `Inner::wakers` once it has waited, else `NO_WAKER`.
    waker: usize,
}

impl<E> Member<E> {
    fn group(&self) -> &Arc<GroupState<E>> {
        &self.token.group
    }
}

impl<E> Drop for Member<E> {
    fn drop(&mut self) {
        if self.waker != NO_WAKER {
            lock(&self.group().inner).wakers.try_remove(self.waker);
        }
        // The token reference goes now; the last one wakes the scope.
    }
}

pin_project! {
    /// A child's future as its runner task runs it.
    struct Child<F, E>
    where
        E: Send,
        E: 'static,
    {
        #[pin]
        future: Option<F>,
        // After `future`: dropped after it, even when its destructor panics, so the scope
        // learns that the child is gone only once the child's destructors have run.
        member: Member<E>,
        // No name or spawn location: its task has them (see `polled_child`), and every
        // byte here is copied at each spawn.
    }

    impl<F, E> PinnedDrop for Child<F, E>
    where
        E: Send,
        E: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.future.is_some() {
                // Dropped unfinished (cancelled with its group, or its runner closed): scopes
                // inside it that are dropped now leave their children to this group.
                let _current = Enter::new(this.member.group().clone());
                this.future.set(None);
            }
        }
    }
}

/// Who the child being polled on this thread is, for a failure: its name and spawn location,
/// from its task's own bookkeeping rather than copies in every child. Its task wrapper marks
/// the task as polled here with its spawn location, and a named task has its registry
/// entry, with the name, from its spawn. A child is only ever polled by its task wrapper;
/// `fallback` (the group's location) is for the impossible case.
#[cold]
#[inline(never)]
fn polled_child(fallback: &'static Location<'static>) -> Origin {
    let task = poll_state::with_polled_task(|task| *task);
    let name = task.and_then(|task| task.key).and_then(|key| {
        let state = thread_runner::runner_state()?;
        state.registry.name_of(key)
    });
    Origin {
        name,
        location: task.map_or(fallback, |task| task.location),
        body: false,
    }
}

/// Drops `future`; a panicking destructor's payload is returned.
fn drop_future<F>(mut future: Pin<&mut Option<F>>) -> Option<Payload> {
    catch_unwind(AssertUnwindSafe(|| future.set(None))).err()
}

impl<F, E> Future for Child<F, E>
where
    E: Send + 'static,
    F: Future,
    F::Output: ChildOutcome<E>,
{
    type Output = Option<<F::Output as ChildOutcome<E>>::Value>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let group = &this.member.token.group;
        let mut future = this.future;
        let origin = || polled_child(group.location);
        if group.is_cancelled() {
            // Cancelled: the future is dropped, not polled again; scopes inside it that are
            // dropped now leave their children to this group.
            let _current = Enter::new(group.clone());
            if let Some(payload) = drop_future(future) {
                group.fail(Failed::Panic(payload, origin()));
            }
            return Poll::Ready(None);
        }
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let Some(inner) = future.as_mut().as_pin_mut() else {
                return Poll::Ready(None);
            };
            let output = std::task::ready!(inner.poll(cx));
            // Dropped now, inside the task's context; a panic here is the child's panic.
            future.set(None);
            Poll::Ready(Some(output))
        }));
        match polled {
            Ok(Poll::Pending) => {
                if this.member.waker == NO_WAKER {
                    // The first wait: the group keeps the waker (a runner task's waker
                    // never changes) for `cancel`. Checked under the lock that `cancel`
                    // takes, so a cancel that missed this waker is seen here.
                    let mut inner = lock(&group.inner);
                    this.member.waker = inner.wakers.insert(cx.waker().clone());
                    drop(inner);
                    if group.is_cancelled() {
                        cx.waker().wake_by_ref();
                    }
                }
                Poll::Pending
            }
            Ok(Poll::Ready(None)) => Poll::Ready(None),
            Ok(Poll::Ready(Some(output))) => match output.into_result() {
                Ok(value) => Poll::Ready(Some(value)),
                Err(error) => {
                    group.fail(Failed::Error(Failure {
                        error,
                        origin: origin(),
                    }));
                    Poll::Ready(None)
                }
            },
            Err(payload) => {
                if let Some(second) = drop_future(future) {
                    debug::report(format_args!(
                        "the destructor of {} panicked after the task had panicked: {}",
                        origin(),
                        crate::payload::panic_message(&*second)
                    ));
                }
                group.fail(Failed::Panic(payload, origin()));
                Poll::Ready(None)
            }
        }
    }
}

/// The handle a scope's body gets, to spawn children into its group.
///
/// Cheap to clone, and `Send`: children can spawn siblings. Every child is a runner task
/// (it runs in a copy of its spawner's context, gets the shutdown grace if it awaits
/// [`shutdown_requested`](crate::shutdown_requested), and is cancelled by close like any
/// task) that the group owns: dropping its [`GroupTask`] does not cancel it.
///
/// `E` is the error children may fail with (see [`ChildOutcome`]); [`task_group`] gives a
/// `TaskGroup<Infallible>`.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let sum = runner::task_group(|group| async move {
///         let a = group.spawn(async { Ok(1) });
///         let b = group.spawn(async { Ok(2) });
///         a.await.unwrap() + b.await.unwrap()
///     })
///     .await;
///     assert_eq!(sum, 3);
/// });
/// ```
pub struct TaskGroup<E = Infallible> {
    state: Arc<GroupState<E>>,
}

impl<E> Clone for TaskGroup<E> {
    fn clone(&self) -> Self {
        TaskGroup {
            state: self.state.clone(),
        }
    }
}

impl<E: Send + 'static> TaskGroup<E> {
    /// Spawns `future` into the group, as a runner task ([`spawn`](crate::spawn)); it is
    /// named by its spawn location.
    ///
    /// If the group is cancelled, the child starts cancelled: its future is dropped without
    /// being polled.
    ///
    /// # Panics
    ///
    /// After the scope has returned (a clone of the handle that outlived it), and where
    /// [`spawn`](crate::spawn) panics: outside a running runner, or on a closed one.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         let child = group.spawn(async {});
    ///         assert_eq!(child.location().line(), line!() - 1);
    ///     })
    ///     .await;
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> GroupTask<<F::Output as ChildOutcome<E>>::Value>
    where
        F: Future + Send + 'static,
        F::Output: ChildOutcome<E>,
        <F::Output as ChildOutcome<E>>::Value: Send + 'static,
    {
        let child = self.child(future);
        GroupTask::new(spawn::spawn_listed(child, self.listing(None)), None)
    }

    /// Spawns `future` into the group under `name`, which failures and debug reports show.
    ///
    /// # Panics
    ///
    /// As [`spawn`](TaskGroup::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         let child = group.spawn_named(format!("worker-{}", 1), async {});
    ///         assert_eq!(child.name(), Some("worker-1"));
    ///     })
    ///     .await;
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_named<F>(
        &self,
        name: impl Into<Cow<'static, str>>,
        future: F,
    ) -> GroupTask<<F::Output as ChildOutcome<E>>::Value>
    where
        F: Future + Send + 'static,
        F::Output: ChildOutcome<E>,
        <F::Output as ChildOutcome<E>>::Value: Send + 'static,
    {
        // One copy of the name, shared by the handle and the task list (where a failure
        // finds it).
        let name: Arc<str> = Arc::from(&*name.into());
        let child = self.child(future);
        let task = spawn::spawn_listed(child, self.listing(Some(name.clone())));
        GroupTask::new(task, Some(name))
    }

    /// Spawns a `!Send` future into the group, on the runner's own thread
    /// ([`spawn_local`](crate::spawn_local)).
    ///
    /// # Panics
    ///
    /// As [`spawn_local`](crate::spawn_local): anywhere but on the thread of a running
    /// runner; and after the scope has returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// runner::run(async {
    ///     let total = runner::task_group(|group| async move {
    ///         let shared = Rc::new(20); // Rc is !Send
    ///         let child = group.spawn_local(async move { Ok(*shared + 1) });
    ///         child.await.unwrap()
    ///     })
    ///     .await;
    ///     assert_eq!(total, 21);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> GroupTask<<F::Output as ChildOutcome<E>>::Value>
    where
        F: Future + 'static,
        F::Output: ChildOutcome<E>,
        <F::Output as ChildOutcome<E>>::Value: 'static,
    {
        let child = self.child(future);
        GroupTask::new(spawn::spawn_local_listed(child, self.listing(None)), None)
    }

    /// What the task list shows of a child: its name, under this group.
    fn listing(&self, name: Option<Arc<str>>) -> Listing {
        Listing {
            name,
            group: Some(self.state.location),
        }
    }

    #[track_caller]
    fn child<F>(&self, future: F) -> Child<F, E> {
        Child {
            future: Some(future),
            member: self.state.join(),
        }
    }
}

impl<E> TaskGroup<E> {
    /// Cancels every child, now and to come, without failing the group: the scope still
    /// waits until they are gone, and the body goes on (asyncio has no public equivalent;
    /// it is what a body does to stop its children at a deadline of its own).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// runner::run(async {
    ///     let finished = runner::task_group(|group| async move {
    ///         let worker = group.spawn(async {
    ///             async_io::Timer::after(Duration::from_secs(60)).await;
    ///             Ok("finished")
    ///         });
    ///         let waited = runner::timeout(Duration::from_millis(10), worker).await;
    ///         assert!(waited.is_err());
    ///         group.cancel(); // the scope now waits only for the worker to be dropped
    ///         group.is_cancelled()
    ///     })
    ///     .await;
    ///     assert!(finished);
    /// });
    /// ```
    pub fn cancel(&self) {
        self.state.cancel();
    }

    /// Whether the group was cancelled, by [`cancel`](TaskGroup::cancel) or a failure.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         assert!(!group.is_cancelled());
    ///         group.cancel();
    ///         assert!(group.is_cancelled());
    ///     })
    ///     .await;
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.state.is_cancelled()
    }

    /// How many children are alive now (their future not yet dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         let child = group.spawn(async {});
    ///         assert_eq!(group.len(), 1);
    ///         child.await;
    ///         futures_lite::future::yield_now().await;
    ///         assert_eq!(group.len(), 0);
    ///     })
    ///     .await;
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// Whether no child is alive now.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move { assert!(group.is_empty()) }).await;
    /// });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the group's scope was opened.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let line = runner::task_group(|group| async move { group.location().line() }).await;
    ///     assert_eq!(line, line!() - 1);
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.state.location
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("location", &format_args!("{}", self.state.location))
            .field("live", &self.len())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// A handle to a child of a [`TaskGroup`].
///
/// Awaiting it gives `Some(value)` when the child succeeded, `None` when it failed or was
/// cancelled (the failure itself comes out of the scope). The group owns the child:
/// dropping this handle does not cancel it.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     runner::task_group(|group| async move {
///         let child = group.spawn_named("double", async { Ok(2 * 21) });
///         assert_eq!(child.name(), Some("double"));
///         assert_eq!(child.await, Some(42));
///     })
///     .await;
/// });
/// ```
pub struct GroupTask<T> {
    task: Option<Task<Option<T>>>,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
}

impl<T> GroupTask<T> {
    #[track_caller]
    fn new(task: Task<Option<T>>, name: Option<Arc<str>>) -> Self {
        GroupTask {
            task: Some(task),
            name,
            location: Location::caller(),
        }
    }

    /// The child's name, if it was spawned with one.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         assert_eq!(group.spawn(async {}).name(), None);
    ///     })
    ///     .await;
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the child was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         let child = group.spawn(async {});
    ///         assert_eq!(child.location().file(), file!());
    ///     })
    ///     .await;
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// Whether the child has finished (succeeded, failed or been cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     runner::task_group(|group| async move {
    ///         let child = group.spawn(async {});
    ///         futures_lite::future::yield_now().await;
    ///         assert!(child.is_finished());
    ///     })
    ///     .await;
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(Task::is_finished)
    }
}

impl<T> Future for GroupTask<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Option<T>> {
        let Some(task) = self.task.as_mut() else {
            panic!(
                "runner::GroupTask spawned at {} polled after it completed",
                self.location
            );
        };
        let output = std::task::ready!(Pin::new(task).poll(cx));
        self.task = None;
        Poll::Ready(output)
    }
}

impl<T> Drop for GroupTask<T> {
    fn drop(&mut self) {
        // The group owns the child, not this handle.
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> fmt::Debug for GroupTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupTask")
            .field("name", &self.name)
            .field("location", &format_args!("{}", self.location))
            .field("finished", &self.is_finished())
            .finish()
    }
}

pin_project! {
    /// The future of a scope: the body, then the wait for the children.
    struct Scope<E, R, Fut>
    where
        E: Send,
        E: 'static,
    {
        #[pin]
        body: Option<Fut>,
        output: Option<R>,
        group: Arc<GroupState<E>>,
        // The scope's own reference to the group's token, held while the body runs.
        token: Option<Arc<Token<E>>>,
        // The group whose body or child first polled this scope: if this scope is dropped
        // before its children are gone, that group waits for them instead.
        parent: Option<Arc<dyn Link>>,
        polled: bool,
        done: bool,
    }

    impl<E, R, Fut> PinnedDrop for Scope<E, R, Fut>
    where
        E: Send,
        E: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if *this.done {
                return;
            }
            // Dropped before completing: the children are cancelled (the executor drops
            // each at its next turn), and the body is dropped; scopes inside it hand their
            // children to this group.
            let group = &**this.group;
            group.cancel();
            {
                let _current = Enter::new(this.group.clone());
                drop_future(this.body.as_mut());
            }
            // Nobody awaits this scope any more; the group that encloses it, if any, waits
            // for the children still alive (asyncio's nested `async with` would). Set while
            // a reference to the token is held here, so that the token's end, which
            // releases it, comes after.
            let parent = this.parent.take().or_else(current_group);
            let Some(token) = this.token.take().or_else(|| group.token.upgrade()) else {
                return;
            };
            group.scope_holds.store(false, Ordering::Release);
            let mut inner = lock(&group.inner);
            inner.scope = None;
            if let Some(parent) = parent {
                inner.adopter = parent.adopt();
            }
            drop(inner);
            drop(token);
        }
    }
}

impl<E: Send + 'static, R, Fut> Scope<E, R, Fut>
where
    Fut: Future<Output = Result<R, E>>,
{
    fn new<B>(location: &'static Location<'static>, body: B) -> Self
    where
        B: FnOnce(TaskGroup<E>) -> Fut,
    {
        let token = Token::new(location);
        let group = token.group.clone();
        let body = body(TaskGroup {
            state: group.clone(),
        });
        Scope {
            body: Some(body),
            output: None,
            group,
            token: Some(token),
            parent: None,
            polled: false,
            done: false,
        }
    }
}

impl<E: Send + 'static, R, Fut> Future for Scope<E, R, Fut>
where
    Fut: Future<Output = Result<R, E>>,
{
    type Output = Result<R, GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        assert!(!*this.done, "a task group scope polled after it completed");
        if !std::mem::replace(this.polled, true) {
            *this.parent = current_group();
        }
        let group = &**this.group;
        // Stored before anything is looked at: a failure or the last child's end after
        // this point wakes the scope.
        {
            let mut inner = lock(&group.inner);
            match &mut inner.scope {
                Some(waker) => waker.clone_from(cx.waker()),
                None => inner.scope = Some(cx.waker().clone()),
            }
        }
        let body_origin = || Origin {
            name: None,
            location: group.location,
            body: true,
        };
        if this.body.is_some() {
            // A scope opened or dropped inside the body belongs to this group.
            let _current = Enter::new(this.group.clone());
            if group.failed.load(Ordering::Acquire) {
                // A child failed: the body is cancelled, as asyncio cancels the parent.
                if let Some(payload) = drop_future(this.body.as_mut()) {
                    group.fail(Failed::Panic(payload, body_origin()));
                }
            } else {
                let body = this.body.as_mut().as_pin_mut();
                let polled = catch_unwind(AssertUnwindSafe(|| body.map(|body| body.poll(cx))));
                match polled.map(|polled| polled.unwrap_or(Poll::Pending)) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(result)) => {
                        if let Some(payload) = drop_future(this.body.as_mut()) {
                            group.fail(Failed::Panic(payload, body_origin()));
                        }
                        match result {
                            Ok(output) => *this.output = Some(output),
                            Err(error) => group.fail(Failed::Error(Failure {
                                error,
                                origin: body_origin(),
                            })),
                        }
                    }
                    Err(payload) => {
                        drop_future(this.body.as_mut());
                        group.fail(Failed::Panic(payload, body_origin()));
                    }
                }
            }
        }
        // The body is done: wait until every child is gone.
        if let Some(token) = this.token.take() {
            group.scope_holds.store(false, Ordering::Release);
            if let Some(token) = Arc::into_inner(token) {
                // The last reference: no child to wait for, and no wake-up of this task
                // to ask for (the waker stored above is taken out first).
                lock(&group.inner).scope = None;
                drop(token);
            }
        }
        if !group.finished.load(Ordering::Acquire) {
            return Poll::Pending;
        }
        *this.done = true;
        let (errors, panic) = {
            let mut inner = lock(&group.inner);
            inner.scope = None;
            (std::mem::take(&mut inner.errors), inner.panic.take())
        };
        if let Some(payload) = panic {
            resume_unwind(payload);
        }
        if errors.is_empty() {
            let output = this.output.take();
            Poll::Ready(Ok(output.expect("the body completed without failing")))
        } else {
            Poll::Ready(Err(GroupError { failures: errors }))
        }
    }
}

/// The errors of a [`try_task_group`] that failed: the first failure, then any others
/// (children that failed at about the same time), in the order they happened.
///
/// Always holds at least one failure.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let error = runner::try_task_group(|group| async move {
///         group.spawn(async { Err::<(), _>("no disk") });
///         Ok(())
///     })
///     .await
///     .unwrap_err();
///     assert_eq!(*error.first(), "no disk");
///     assert_eq!(error.failures().len(), 1);
///     assert!(error.to_string().starts_with("task group failed: the task spawned at "));
/// });
/// ```
pub struct GroupError<E> {
    failures: Vec<Failure<E>>,
}

impl<E> GroupError<E> {
    /// The first error.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>(7) }).await.unwrap_err();
    ///     assert_eq!(*error.first(), 7);
    /// });
    /// ```
    pub fn first(&self) -> &E {
        &self.failures[0].error
    }

    /// The first error, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>(7) }).await.unwrap_err();
    ///     assert_eq!(error.into_first(), 7);
    /// });
    /// ```
    pub fn into_first(self) -> E {
        self.failures
            .into_iter()
            .next()
            .expect("a GroupError holds at least one failure")
            .error
    }

    /// Every failure, the first one first.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>(7) }).await.unwrap_err();
    ///     assert!(error.failures()[0].is_body());
    /// });
    /// ```
    pub fn failures(&self) -> &[Failure<E>] {
        &self.failures
    }

    /// Every failure, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>(7) }).await.unwrap_err();
    ///     let errors: Vec<i32> = error.into_failures().into_iter().map(|f| f.into_error()).collect();
    ///     assert_eq!(errors, [7]);
    /// });
    /// ```
    pub fn into_failures(self) -> Vec<Failure<E>> {
        self.failures
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = &self.failures[0];
        write!(f, "task group failed: {}: {}", first.origin, first.error)?;
        match self.failures.len() {
            1 => Ok(()),
            2 => f.write_str(" (and 1 more failure)"),
            n => write!(f, " (and {} more failures)", n - 1),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupError")
            .field("failures", &self.failures)
            .finish()
    }
}

impl<E: std::error::Error + 'static> std::error::Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.first())
    }
}

/// One error of a [`GroupError`], with where it came from.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let error = runner::try_task_group(|group| async move {
///         group.spawn_named("fetch", async { Err::<(), _>("timeout") });
///         Ok(())
///     })
///     .await
///     .unwrap_err();
///     let failure = &error.failures()[0];
///     assert_eq!(failure.name(), Some("fetch"));
///     assert!(!failure.is_body());
///     assert_eq!(*failure.error(), "timeout");
/// });
/// ```
pub struct Failure<E> {
    error: E,
    origin: Origin,
}

impl<E> Failure<E> {
    /// The error.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>('x') }).await.unwrap_err();
    ///     assert_eq!(*error.failures()[0].error(), 'x');
    /// });
    /// ```
    pub fn error(&self) -> &E {
        &self.error
    }

    /// The error, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>('x') }).await.unwrap_err();
    ///     assert_eq!(error.into_failures().remove(0).into_error(), 'x');
    /// });
    /// ```
    pub fn into_error(self) -> E {
        self.error
    }

    /// The name of the child that failed, if it was spawned with one.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|group| async move {
    ///         group.spawn(async { Err::<(), _>(()) });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    ///     assert_eq!(error.failures()[0].name(), None);
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.origin.name.as_deref()
    }

    /// Where the child that failed was spawned; for the body, where the scope was opened.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|group| async move {
    ///         group.spawn(async { Err::<(), _>(()) });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    ///     assert_eq!(error.failures()[0].location().line(), line!() - 5);
    /// });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.origin.location
    }

    /// Whether the body of the scope failed, rather than a child.
    ///
    /// # Examples
    ///
    /// ```
    /// runner::run(async {
    ///     let error = runner::try_task_group(|_| async { Err::<(), _>(()) }).await.unwrap_err();
    ///     assert!(error.failures()[0].is_body());
    /// });
    /// ```
    pub fn is_body(&self) -> bool {
        self.origin.body
    }
}

impl<E: fmt::Debug> fmt::Debug for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failure")
            .field("error", &self.error)
            .field("name", &self.origin.name)
            .field("location", &format_args!("{}", self.origin.location))
            .field("body", &self.origin.body)
            .finish()
    }
}

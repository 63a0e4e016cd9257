//! Two small tools every other module uses: a lock that survives poisoning, and a guard that
//! runs a closure when it is dropped.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks, recovering from poisoning: every critical section in this crate leaves its data
/// consistent, and one panicking thread must not take the runner down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs its closure when dropped, on every way out of a scope, unwinding included.
pub(crate) struct OnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> OnDrop<F> {
    pub(crate) fn new(f: F) -> Self {
        OnDrop(Some(f))
    }
}

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

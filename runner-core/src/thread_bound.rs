//! Why a `Runner` cannot be sent to another thread, spelled out in the compiler's error.
//!
//! A runner's main future and its `spawn_local` tasks run on the thread that created it, so
//! `Runner` must not be `Send`. Its own fields already make it so, but the compiler's error
//! would then name an internal type. This marker is `Runner`'s first field, so the first
//! error for `std::thread::spawn(move || drop(runner))` reads "`*const
//! RunnerStaysOnTheThreadThatCreatedIt` cannot be sent between threads safely"
//! (`tests/ui/runner_not_send.rs` pins it).

use std::marker::PhantomData;

/// Never constructed: only its name matters, as the reason shown in errors.
pub(crate) enum RunnerStaysOnTheThreadThatCreatedIt {}

/// A zero-sized field that makes its holder `!Send` (and `!Sync`), and nothing else: a raw
/// pointer is `Unpin` and `UnwindSafe`. An alias rather than a wrapper struct, because the
/// compiler lists the shallowest non-`Send` field first.
pub(crate) type ThreadBound = PhantomData<*const RunnerStaysOnTheThreadThatCreatedIt>;

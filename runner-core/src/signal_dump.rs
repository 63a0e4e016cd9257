//! What a signal prints about a runner (see `signal`): on the second Ctrl-C or SIGTERM of a
//! shutdown, and on SIGQUIT in debug mode.
//!
//! It is printed by another thread than the runner's, which may be stuck, so it reads only
//! what the task list reads (the registry, under its lock for a moment, and atomics): it never
//! polls a task and never waits for the runner. In debug mode the main future is named first
//! when it is inside a poll, as a task stuck in a blocking call shows: "running on main for
//! 5.0s".

use std::fmt::Write as _;
use std::time::Instant;

use crate::runner_state::RunnerState;
use crate::signal::Dump;
use crate::task_record::thread_name;

impl Dump for RunnerState {
    fn dump(&self) -> String {
        let mut text = String::new();
        let polled = (self.main_record.as_ref()).and_then(|main| main.running_for(Instant::now()));
        if let Some((for_, thread)) = polled {
            let _ = writeln!(
                text,
                "the main future: running on {} for {for_:.1?}",
                thread_name(thread, &self.runner_thread)
            );
        }
        let _ = write!(text, "{}", self.task_list());
        text
    }
}

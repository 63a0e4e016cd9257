//! The task list: what every task of a runner is doing, as a value you can print.
//!
//! [`tasks`] (or [`Handle::tasks`](crate::Handle::tasks)) takes a snapshot of a runner's
//! tasks and blocking jobs; printing it shows a table (like Python's `asyncio ps`) and a tree
//! by parent (like `asyncio pstree`). Taking it never polls a task and never waits for one:
//! a task stuck inside a poll shows as "running on thread T for 5.0s".
//!
//! In debug mode the list holds every task: its id, name, spawn location, parent, age,
//! state, polls and busy time, and what it waits on. With debug mode off, the runner keeps no
//! per-task record (that is what keeps a spawn cheap), and the list holds only what the
//! runner tracks anyway: every blocking job, every task named with
//! [`TaskBuilder::name`](crate::TaskBuilder::name), the tasks that asked for
//! [`shutdown_requested`](crate::shutdown_requested), and, on a shared executor, the tasks
//! that waited; their state is not known.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::error;
use crate::thread_runner;

/// A snapshot of a runner's tasks and blocking jobs, from [`tasks`] or
/// [`Handle::tasks`](crate::Handle::tasks).
///
/// Its `Display` is the dump: a table of every entry, then the tree of tasks by parent, then
/// the await cycles found, if any. [`table`](TaskList::table) and [`tree`](TaskList::tree)
/// give one form each.
///
/// # Examples
///
/// ```
/// let mut runner = runner::Runner::builder().debug(true).build();
/// runner.run(async {
///     let parked = runner::TaskBuilder::new()
///         .name("parked")
///         .spawn(runner::time::sleep(std::time::Duration::from_secs(60)));
///     futures_lite::future::yield_now().await;
///
///     let list = runner::tasks();
///     let task = list.iter().find(|task| task.name() == Some("parked")).unwrap();
///     assert!(matches!(task.state(), runner::TaskState::Idle { .. }));
///     println!("{list}");
///     drop(parked);
/// });
/// ```
#[derive(Clone, Debug)]
pub struct TaskList {
    pub(crate) tasks: Vec<TaskInfo>,
    /// Whether the runner keeps a record of every task (debug mode).
    pub(crate) complete: bool,
}

/// One task or blocking job in a [`TaskList`].
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let job = runner::TaskBuilder::new().name("hash").unblock(|| std::thread::sleep(std::time::Duration::from_millis(50)));
///     let list = runner::tasks();
///     let info = list.iter().find(|t| t.name() == Some("hash")).unwrap();
///     assert_eq!(info.kind(), runner::TaskKind::BlockingJob);
///     job.await;
/// });
/// ```
#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub(crate) id: u64,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) location: &'static Location<'static>,
    pub(crate) kind: TaskKind,
    pub(crate) parent: Option<u64>,
    pub(crate) age: Duration,
    pub(crate) state: TaskState,
    pub(crate) cleaning_up: bool,
    pub(crate) polls: Option<u64>,
    pub(crate) busy: Option<Duration>,
    pub(crate) waits_on: Option<WaitsOn>,
    pub(crate) group: Option<&'static Location<'static>>,
}

/// Whether a [`TaskInfo`] is a task or a blocking job.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let job = runner::unblock(|| std::thread::sleep(std::time::Duration::from_millis(50)));
///     let kinds: Vec<runner::TaskKind> = runner::tasks().iter().map(|t| t.kind()).collect();
///     assert_eq!(kinds, [runner::TaskKind::BlockingJob]);
///     job.await;
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum TaskKind {
    /// From [`spawn`](crate::spawn), [`spawn_local`](crate::spawn_local) or
    /// [`Handle::spawn`](crate::Handle::spawn).
    Task,
    /// From [`unblock`](crate::unblock).
    BlockingJob,
}

/// What a task is doing.
///
/// # Examples
///
/// ```
/// let mut runner = runner::Runner::builder().debug(true).build();
/// runner.run(async {
///     let task = runner::spawn(std::future::pending::<()>());
///     // Spawned and not polled yet: scheduled.
///     let state = runner::tasks().iter().next().unwrap().state().clone();
///     assert!(matches!(state, runner::TaskState::Scheduled { .. }));
///     drop(task);
/// });
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum TaskState {
    /// New or woken, waiting in a run queue for its next poll, for this long.
    Scheduled {
        /// How long it has waited.
        for_: Duration,
    },
    /// Waiting for something to wake it, for this long.
    Idle {
        /// How long it has waited.
        for_: Duration,
    },
    /// Being polled on a thread (a task), or running (a blocking job), for this long.
    Running {
        /// The thread's name (or id); `None` for a blocking job, which runs on the
        /// blocking pool.
        thread: Option<String>,
        /// How long the current poll (or the job) has run.
        for_: Duration,
    },
    /// Not known: debug mode is off, and the runner keeps no record of the task.
    Unknown,
}

/// What a task waits on, where the runtime can know it.
///
/// # Examples
///
/// ```
/// let mut runner = runner::Runner::builder().debug(true).build();
/// runner.run(async {
///     let waiter = runner::TaskBuilder::new()
///         .name("waiter")
///         .spawn(async { runner::shutdown_requested().await });
///     runner::time::sleep(std::time::Duration::from_millis(5)).await;
///     let list = runner::tasks();
///     let info = list.iter().find(|t| t.name() == Some("waiter")).unwrap();
///     assert_eq!(info.waits_on(), Some(runner::WaitsOn::Shutdown));
///     drop(waiter);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum WaitsOn {
    /// The task with this id: it awaits its [`Task`](crate::Task) handle.
    Task(u64),
    /// The blocking job with this id.
    BlockingJob(u64),
    /// [`shutdown_requested`](crate::shutdown_requested).
    Shutdown,
}

impl TaskInfo {
    /// The id, unique within its runner for the runner's life.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(list.get(info.id()).unwrap().name(), Some("worker"));
    /// # drop(task);
    /// # });
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The name given with [`TaskBuilder::name`](crate::TaskBuilder::name), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(info.name(), Some("worker"));
    /// # drop(task);
    /// # });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where it was spawned (or the blocking job started).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(info.location().file().ends_with(".rs")); // the line of the spawn above
    /// # drop(task);
    /// # });
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// A task or a blocking job.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(info.kind(), runner::TaskKind::Task);
    /// # drop(task);
    /// # });
    /// ```
    pub fn kind(&self) -> TaskKind {
        self.kind
    }

    /// The id of the task that spawned it, or that started it for a blocking job (debug
    /// mode); `None` for one spawned or started by the main future or from outside the
    /// runner.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(info.parent(), None); // spawned by the main future
    /// # drop(task);
    /// # });
    /// ```
    pub fn parent(&self) -> Option<u64> {
        self.parent
    }

    /// How long ago it was spawned (debug mode), or registered.
    ///
    /// A task spawned by another task (or by the main future) counts its age from the start
    /// of the poll that spawned it: reading the clock once per poll instead of once more per
    /// spawn keeps debug mode cheap, and polls are short (a long one is reported as slow).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(info.age() >= std::time::Duration::from_millis(5));
    /// # drop(task);
    /// # });
    /// ```
    pub fn age(&self) -> Duration {
        self.age
    }

    /// What it is doing.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(matches!(info.state(), runner::TaskState::Idle { .. }));
    /// # drop(task);
    /// # });
    /// ```
    pub fn state(&self) -> &TaskState {
        &self.state
    }

    /// Whether it is cleaning up: it asked for [`shutdown_requested`](crate::shutdown_requested)
    /// and its runner is closing.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(!info.is_cleaning_up()); // its runner is not closing
    /// # drop(task);
    /// # });
    /// ```
    pub fn is_cleaning_up(&self) -> bool {
        self.cleaning_up
    }

    /// How many times it was polled (debug mode).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(info.polls(), Some(1));
    /// # drop(task);
    /// # });
    /// ```
    pub fn polls(&self) -> Option<u64> {
        self.polls
    }

    /// How long its polls took in all (debug mode).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(info.busy().is_some());
    /// # drop(task);
    /// # });
    /// ```
    pub fn busy(&self) -> Option<Duration> {
        self.busy
    }

    /// What it waits on, where known.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(info.waits_on(), None); // a pending future: nothing the runtime knows
    /// # drop(task);
    /// # });
    /// ```
    pub fn waits_on(&self) -> Option<WaitsOn> {
        self.waits_on
    }

    /// Where the [task group](crate::task_group) it is a child of was opened, if it is one.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(info.group(), None); // not a task group's child
    /// # drop(task);
    /// # });
    /// ```
    pub fn group(&self) -> Option<&'static Location<'static>> {
        self.group
    }
}

impl TaskList {
    /// The entries, in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(list.iter().count(), 1);
    /// # drop(task);
    /// # });
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, TaskInfo> {
        self.tasks.iter()
    }

    /// How many entries.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert_eq!(list.len(), 1);
    /// # drop(task);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether there are none.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(!list.is_empty());
    /// # drop(task);
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The entry with this id.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(list.get(info.id()).is_some());
    /// # drop(task);
    /// # });
    /// ```
    pub fn get(&self, id: u64) -> Option<&TaskInfo> {
        self.tasks.iter().find(|task| task.id == id)
    }

    /// Whether this lists every task (debug mode) or only those the runner tracks anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(list.is_complete()); // debug mode: every task is listed
    /// # drop(task);
    /// # });
    /// ```
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The await cycles: tasks that each await the next one's handle, the last one the
    /// first's. Each cycle is listed once, starting from its smallest id.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(list.cycles().is_empty());
    /// # drop(task);
    /// # });
    /// ```
    pub fn cycles(&self) -> Vec<Vec<u64>> {
        // Each task awaits at most one other: the edges are a map, followed from each task.
        let awaits: HashMap<u64, u64> = self
            .tasks
            .iter()
            .filter_map(|task| match task.waits_on? {
                WaitsOn::Task(next) => Some((task.id, next)),
                _ => None,
            })
            .collect();
        // Linear: each task is walked once; a walk that meets its own path found a cycle.
        let mut done: HashSet<u64> = HashSet::new();
        let mut cycles = Vec::new();
        for task in self.sorted() {
            let mut path: Vec<u64> = Vec::new();
            let mut on_path: HashMap<u64, usize> = HashMap::new();
            let mut at = Some(task.id);
            while let Some(id) = at {
                if done.contains(&id) {
                    break;
                }
                if let Some(&start) = on_path.get(&id) {
                    let mut cycle = path[start..].to_vec();
                    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                    cycle.rotate_left(smallest);
                    cycles.push(cycle);
                    break;
                }
                on_path.insert(id, path.len());
                path.push(id);
                at = awaits.get(&id).copied();
            }
            done.extend(path);
        }
        cycles
    }

    /// The table form: one line per task and job (Python's `asyncio ps`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(list.table().to_string().contains("worker"));
    /// # drop(task);
    /// # });
    /// ```
    pub fn table(&self) -> impl fmt::Display + '_ {
        Table(self)
    }

    /// The tree form: tasks under the task that spawned them (Python's `asyncio pstree`).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut runner = runner::Runner::builder().debug(true).build();
    /// # runner.run(async {
    /// let task = runner::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// # runner::time::sleep(std::time::Duration::from_millis(5)).await;
    /// let list = runner::tasks();
    /// let info = list.iter().find(|t| t.name() == Some("worker")).unwrap();
    /// assert!(list.tree().to_string().contains("worker"));
    /// # drop(task);
    /// # });
    /// ```
    pub fn tree(&self) -> impl fmt::Display + '_ {
        Tree(self)
    }

    fn sorted(&self) -> Vec<&TaskInfo> {
        let mut sorted: Vec<&TaskInfo> = self.tasks.iter().collect();
        sorted.sort_by_key(|task| task.id);
        sorted
    }
}

impl<'a> IntoIterator for &'a TaskList {
    type Item = &'a TaskInfo;
    type IntoIter = std::slice::Iter<'a, TaskInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for TaskList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.table())?;
        if self.tasks.iter().any(|task| task.kind == TaskKind::Task) {
            write!(f, "\n{}", self.tree())?;
        }
        for cycle in self.cycles() {
            let path: Vec<String> = cycle.iter().map(|id| format!("#{id}")).collect();
            writeln!(f, "await cycle: {} -> #{}", path.join(" -> "), cycle[0])?;
        }
        Ok(())
    }
}

struct Table<'a>(&'a TaskList);

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = self.0;
        let tasks = list
            .iter()
            .filter(|task| task.kind == TaskKind::Task)
            .count();
        let jobs = list.len() - tasks;
        write!(f, "{tasks} task(s), {jobs} blocking job(s)")?;
        if !list.complete {
            f.write_str(
                " (debug mode off: only the tasks the runner tracks; RUNNER_DEBUG=1 lists all)",
            )?;
        }
        f.write_char('\n')?;
        if list.is_empty() {
            return Ok(());
        }
        let rows: Vec<[String; 8]> = list
            .sorted()
            .into_iter()
            .map(|task| {
                [
                    format!("#{}", task.id),
                    task.parent
                        .map_or_else(|| "-".to_owned(), |id| format!("#{id}")),
                    task.name.as_deref().unwrap_or("-").to_owned(),
                    state_text(task),
                    format!("{:.1?}", task.age),
                    task.polls
                        .map_or_else(|| "-".to_owned(), |polls| polls.to_string()),
                    task.waits_on.map_or_else(|| "-".to_owned(), waits_on_text),
                    task.location.to_string(),
                ]
            })
            .collect();
        let header = [
            "id",
            "parent",
            "name",
            "state",
            "age",
            "polls",
            "waits on",
            "spawned at",
        ];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: &[&str]| -> fmt::Result {
            let last = cells.len() - 1;
            for (index, cell) in cells.iter().enumerate() {
                if index == last {
                    f.write_str(cell)?;
                } else {
                    f.write_str(cell)?;
                    let padding = widths[index] + 2 - cell.chars().count();
                    write!(f, "{:padding$}", "")?;
                }
            }
            f.write_char('\n')
        };
        line(f, &header)?;
        for row in &rows {
            let cells: [&str; 8] = std::array::from_fn(|index| row[index].as_str());
            line(f, &cells)?;
        }
        Ok(())
    }
}

struct Tree<'a>(&'a TaskList);

impl fmt::Display for Tree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tasks: Vec<&TaskInfo> = self
            .0
            .sorted()
            .into_iter()
            .filter(|task| task.kind == TaskKind::Task)
            .collect();
        // Children by parent, in id order; a task whose parent is not listed is a root.
        let listed: HashSet<u64> = tasks.iter().map(|task| task.id).collect();
        let mut children: HashMap<Option<u64>, Vec<&TaskInfo>> = HashMap::new();
        for task in &tasks {
            let parent = task.parent.filter(|parent| listed.contains(parent));
            children.entry(parent).or_default().push(task);
        }
        writeln!(f, "runner")?;
        // Depth-first, without recursion (a deep chain of spawns must not overflow): each
        // stack entry is a task and the prefix of its line.
        let mut stack: Vec<(Node<'_>, String, bool)> = Vec::new();
        push_children(&mut stack, &children, None, "");
        while let Some((node, prefix, last)) = stack.pop() {
            let branch = if last { "└── " } else { "├── " };
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            match node {
                Node::Task(task) => {
                    writeln!(f, "{prefix}{branch}{}", node_text(task))?;
                    push_children(&mut stack, &children, Some(task.id), &deeper);
                }
                Node::Group(location, members) => {
                    writeln!(f, "{prefix}{branch}task group opened at {location}")?;
                    for (index, member) in members.iter().enumerate().rev() {
                        stack.push((
                            Node::Task(member),
                            deeper.clone(),
                            index + 1 == members.len(),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A line of the tree: a task, or a task group gathering its children.
enum Node<'t> {
    Task(&'t TaskInfo),
    Group(&'static Location<'static>, Vec<&'t TaskInfo>),
}

/// Pushes the children of `of` on `stack`, the first on top; the children of one task group
/// go under one node for the group, where its first child stands.
fn push_children<'t>(
    stack: &mut Vec<(Node<'t>, String, bool)>,
    children: &HashMap<Option<u64>, Vec<&'t TaskInfo>>,
    of: Option<u64>,
    prefix: &str,
) {
    let Some(kids) = children.get(&of) else {
        return;
    };
    let mut nodes: Vec<Node<'t>> = Vec::new();
    for kid in kids {
        match kid.group {
            None => nodes.push(Node::Task(kid)),
            Some(group) => {
                let existing = nodes.iter_mut().find_map(|node| match node {
                    Node::Group(location, members) if std::ptr::eq(*location, group) => {
                        Some(members)
                    }
                    _ => None,
                });
                match existing {
                    Some(members) => members.push(kid),
                    None => nodes.push(Node::Group(group, vec![kid])),
                }
            }
        }
    }
    let count = nodes.len();
    for (index, node) in nodes.into_iter().enumerate().rev() {
        stack.push((node, prefix.to_owned(), index + 1 == count));
    }
}

fn node_text(task: &TaskInfo) -> String {
    let mut text = format!("#{}", task.id);
    if let Some(name) = &task.name {
        let _ = write!(text, " {name}");
    }
    let _ = write!(text, " ({}) {}", task.location, state_text(task));
    if let Some(waits_on) = task.waits_on {
        let _ = write!(text, ", waits on {}", waits_on_text(waits_on));
    }
    text
}

fn state_text(task: &TaskInfo) -> String {
    let mut text = match &task.state {
        TaskState::Scheduled { for_ } => format!("scheduled for {for_:.1?}"),
        TaskState::Idle { for_ } => format!("idle for {for_:.1?}"),
        TaskState::Running {
            thread: Some(thread),
            for_,
        } => format!("running on {thread} for {for_:.1?}"),
        TaskState::Running { thread: None, for_ } => format!("running for {for_:.1?}"),
        TaskState::Unknown => "?".to_owned(),
    };
    if task.cleaning_up {
        text.push_str(", cleaning up");
    }
    text
}

fn waits_on_text(waits_on: WaitsOn) -> String {
    match waits_on {
        WaitsOn::Task(id) => format!("task #{id}"),
        WaitsOn::BlockingJob(id) => format!("job #{id}"),
        WaitsOn::Shutdown => "shutdown_requested()".to_owned(),
    }
}

/// A snapshot of the tasks of the runner this code runs on.
///
/// See [`TaskList`] for what it holds, in and out of debug mode, and how it prints.
///
/// # Panics
///
/// When called outside a running runner; use [`Handle::tasks`](crate::Handle::tasks) there.
///
/// # Examples
///
/// ```
/// runner::run(async {
///     let job = runner::unblock(|| std::thread::sleep(std::time::Duration::from_millis(50)));
///     let list = runner::tasks();
///     assert!(list.iter().any(|entry| entry.kind() == runner::TaskKind::BlockingJob));
///     job.await;
/// });
/// ```
#[track_caller]
pub fn tasks() -> TaskList {
    match thread_runner::runner_state() {
        Some(state) => state.task_list(),
        None => error::outside_runner("runner::tasks"),
    }
}

/// What the task list knows of a task beyond its spawn location: its name and its group.
#[derive(Clone, Debug, Default)]
pub(crate) struct Listing {
    pub(crate) name: Option<Arc<str>>,
    /// Where the task group it is a child of was opened.
    pub(crate) group: Option<&'static Location<'static>>,
}

impl Listing {
    pub(crate) fn named(name: Option<Arc<str>>) -> Listing {
        Listing { name, group: None }
    }
}

/// Names a task in reports: its name, if it has one, and where it was spawned.
#[derive(Clone, Debug)]
pub(crate) struct Label {
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
}

impl Label {
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Label {
        Label { name, location }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "task `{name}` spawned at {}", self.location),
            None => write!(f, "task spawned at {}", self.location),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: u64, waits_on: Option<u64>) -> TaskInfo {
        TaskInfo {
            id,
            name: None,
            location: Location::caller(),
            kind: TaskKind::Task,
            parent: None,
            age: Duration::ZERO,
            state: TaskState::Unknown,
            cleaning_up: false,
            polls: None,
            busy: None,
            waits_on: waits_on.map(WaitsOn::Task),
            group: None,
        }
    }

    #[test]
    fn cycles_are_found_once_each_from_their_smallest_id_and_tails_are_left_out() {
        // 1 → 2 → 3 → 1 is a cycle; 4 → 2 leads into it; 5 → 6 → 5 another; 7 → nothing.
        let list = TaskList {
            tasks: vec![
                task(3, Some(1)),
                task(1, Some(2)),
                task(2, Some(3)),
                task(4, Some(2)),
                task(6, Some(5)),
                task(5, Some(6)),
                task(7, None),
                task(8, Some(99)),
            ],
            complete: true,
        };
        assert_eq!(list.cycles(), vec![vec![1, 2, 3], vec![5, 6]]);
    }

    #[test]
    fn a_long_chain_is_walked_in_linear_time() {
        let n = 100_000;
        let tasks = (0..n)
            .map(|id| task(id, (id + 1 < n).then_some(id + 1)))
            .collect();
        let list = TaskList {
            tasks,
            complete: true,
        };
        assert!(list.cycles().is_empty());
    }
}

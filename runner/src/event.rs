//! The event stream of a run, and how console lines become events.
//!
//! The CLI and the TUI both consume exactly these events; neither reads the
//! backend's output itself.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use crate::backend::BackendKind;
use crate::session::RunOutcome;

/// Where a run is, as told by the backend's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Process started; nodes being set up.
    Starting,
    /// Main phase: clients issuing operations (`Running test`).
    Running,
    /// Final phase: quiet period and final reads (`Waiting for recovery...`).
    Recovery,
    /// Checkers running (`Analyzing...`).
    Analysing,
    /// Process exited.
    Done,
}

/// Live counters of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Progress {
    /// Time since the main phase started (zero before it).
    pub elapsed: Duration,
    pub time_limit: Duration,
    pub ops_invoked: u64,
    pub ops_ok: u64,
    pub ops_fail: u64,
    pub ops_info: u64,
}

/// One thing that happened during a run.
#[derive(Debug, Clone)]
pub enum RunEvent {
    Started {
        challenge: String,
        run_id: String,
        backend: BackendKind,
        /// The backend executable; `argv` follows it.
        program: PathBuf,
        argv: Vec<String>,
        work_dir: PathBuf,
    },
    Phase(Phase),
    Progress(Progress),
    /// One line of the backend's stdout or stderr.
    HarnessLine(String),
    /// One line of a node's stderr log (`store/current/node-logs/<node>.log`).
    NodeLog {
        node: String,
        line: String,
    },
    Finished(Box<RunOutcome>),
}

/// Events of several runs in one invocation, plus the shared build step.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    BuildStarted,
    BuildFinished {
        ok: bool,
        output: String,
    },
    /// `index` is the run's position in the session's challenge list.
    Run {
        index: usize,
        event: RunEvent,
    },
    /// Every run has finished.
    Done,
}

static OP_LINE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"jepsen\.util\s+\d+\t:(invoke|ok|fail|info)\t").expect("valid regex")
});

/// Turns console lines into phase changes and progress counters.
#[derive(Debug)]
pub struct ConsoleTracker {
    phase: Phase,
    progress: Progress,
    running_since: Option<Instant>,
}

impl ConsoleTracker {
    pub fn new(time_limit: Duration) -> Self {
        ConsoleTracker {
            phase: Phase::Starting,
            progress: Progress {
                time_limit,
                ..Progress::default()
            },
            running_since: None,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Reads one console line; returns the new phase if it changed.
    pub fn observe(&mut self, line: &str) -> Option<Phase> {
        if let Some(kind) = OP_LINE.captures(line).and_then(|c| c.get(1)) {
            let counter = match kind.as_str() {
                "invoke" => &mut self.progress.ops_invoked,
                "ok" => &mut self.progress.ops_ok,
                "fail" => &mut self.progress.ops_fail,
                _ => &mut self.progress.ops_info,
            };
            *counter += 1;
            return None;
        }
        let next = if line.contains("Running test") {
            Phase::Running
        } else if line.contains("Waiting for recovery") {
            Phase::Recovery
        } else if line.contains("Analyzing...") {
            Phase::Analysing
        } else {
            return None;
        };
        // Phases only move forward; a repeated marker is not news.
        if next <= self.phase {
            return None;
        }
        if next == Phase::Running {
            self.running_since = Some(Instant::now());
        }
        self.phase = next;
        Some(next)
    }

    /// Marks the process as exited.
    pub fn finish(&mut self) -> Phase {
        self.phase = Phase::Done;
        self.phase
    }

    /// The counters now, with `elapsed` measured from the main phase's start.
    pub fn progress(&self) -> Progress {
        Progress {
            elapsed: self.running_since.map(|t| t.elapsed()).unwrap_or_default(),
            ..self.progress
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_and_ops_from_maelstrom_console_lines() {
        let mut t = ConsoleTracker::new(Duration::from_secs(10));
        assert_eq!(t.phase(), Phase::Starting);
        assert_eq!(t.observe("INFO [2024-03-07 14:15:03,207] jepsen test runner - jepsen.core Running test with 1 node"), Some(Phase::Running));
        for line in [
            "INFO [..] jepsen worker 0 - jepsen.util 0\t:invoke\t:echo\t\"Please echo 1\"",
            "INFO [..] jepsen worker 0 - jepsen.util 0\t:ok\t:echo\t{:type \"echo_ok\"}",
            "INFO [..] jepsen worker 1 - jepsen.util 11\t:invoke\t:read\tnil",
            "INFO [..] jepsen worker 1 - jepsen.util 11\t:info\t:read\tnil\t:net-timeout",
            "INFO [..] jepsen worker 2 - jepsen.util 2\t:fail\t:send\t[\"0\" 1]",
            "INFO [..] jepsen nemesis - jepsen.util :nemesis\t:info\t:start-partition\t:majority",
        ] {
            assert_eq!(t.observe(line), None);
        }
        let p = t.progress();
        assert_eq!(
            (p.ops_invoked, p.ops_ok, p.ops_fail, p.ops_info),
            (2, 1, 1, 1)
        );
        assert_eq!(
            t.observe("INFO [..] jepsen.generator.interpreter Waiting for recovery..."),
            Some(Phase::Recovery)
        );
        assert_eq!(
            t.observe("INFO [..] jepsen test runner - jepsen.core Analyzing..."),
            Some(Phase::Analysing)
        );
        assert_eq!(
            t.observe("Running test again?"),
            None,
            "phases never go back"
        );
        assert_eq!(t.finish(), Phase::Done);
    }
}

//! The session the dashboard started, as it happens: per run its phase,
//! progress, harness output and each node's log, every buffer bounded.

use std::collections::VecDeque;

use std::time::Instant;

use runner::catalog::{MAELSTROM_RECOVERY_WAIT_S, Params};
use runner::event::{Phase, Progress, RunEvent, SessionEvent};
use runner::session::RunOutcome;

/// About how long the checkers take after a run: an estimate for the
/// Run screen's countdown and the run-all prompt, not a limit.
pub const ANALYSIS_ESTIMATE_S: u64 = 3;

/// The quiet period after the load, in seconds.
pub fn recovery_s(params: &Params) -> u64 {
    params.recovery_wait_s.unwrap_or(MAELSTROM_RECOVERY_WAIT_S)
}

/// About how long one run takes: load, recovery, analysis (building aside).
pub fn expected_s(params: &Params) -> u64 {
    params.time_limit_s + recovery_s(params) + ANALYSIS_ESTIMATE_S
}

/// Lines kept per buffer (harness output, each node's log); older lines are dropped.
pub const MAX_LINES: usize = 2000;

/// The last [`MAX_LINES`] lines of one stream.
#[derive(Debug, Default)]
pub struct LogBuffer {
    lines: VecDeque<String>,
    dropped: u64,
}

impl LogBuffer {
    pub fn push(&mut self, line: String) {
        if self.lines.len() == MAX_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.lines.iter().map(String::as_str)
    }

    /// Lines no longer kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// One run of the session.
#[derive(Debug)]
pub struct LiveRun {
    /// Challenge id.
    pub id: String,
    pub run_id: Option<String>,
    pub phase: Option<Phase>,
    pub progress: Progress,
    pub harness: LogBuffer,
    /// Node logs in display order: `n0, n1, … n10`, then services and others by name.
    pub nodes: Vec<(String, LogBuffer)>,
    pub outcome: Option<Box<RunOutcome>>,
    /// When the current phase began (the dashboard's clock, to the second).
    pub phase_since: Option<Instant>,
    /// Its quiet period, for the recovery countdown.
    pub recovery_s: u64,
}

impl LiveRun {
    fn new(id: String) -> LiveRun {
        LiveRun {
            id,
            run_id: None,
            phase: None,
            progress: Progress::default(),
            harness: LogBuffer::default(),
            nodes: Vec::new(),
            outcome: None,
            phase_since: None,
            recovery_s: MAELSTROM_RECOVERY_WAIT_S,
        }
    }

    /// The node's buffer, created in display order when first seen; returns its position.
    fn node_mut(&mut self, node: &str) -> (usize, &mut LogBuffer) {
        let found = self
            .nodes
            .binary_search_by(|(name, _)| node_order(name).cmp(&node_order(node)));
        let at = match found {
            Ok(at) => at,
            Err(at) => {
                self.nodes
                    .insert(at, (node.to_string(), LogBuffer::default()));
                at
            }
        };
        (at, &mut self.nodes[at].1)
    }
}

/// What a session event changed, for the view to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    RunStarted(usize),
    /// A node's buffer appeared at `position` (later nodes moved down by one).
    NodeAdded {
        run: usize,
        position: usize,
    },
    NodeLine {
        run: usize,
        position: usize,
    },
    SessionDone,
    Other,
}

/// Build output lines kept while a build runs: more than any pane shows.
const BUILD_LOG_LINES: usize = 200;

/// Every run of one session.
#[derive(Debug)]
pub struct LiveSession {
    pub runs: Vec<LiveRun>,
    /// The build step running now (`cargo build …`, or the project's command).
    pub building: Option<String>,
    /// The running build's latest output lines, shown while it runs.
    pub build_log: VecDeque<String>,
    /// The failed build's whole output (cargo's, or the project command's).
    pub build_error: Option<String>,
    pub cancelling: bool,
    pub done: bool,
}

impl LiveSession {
    pub fn new(ids: impl IntoIterator<Item = String>) -> LiveSession {
        LiveSession {
            runs: ids.into_iter().map(LiveRun::new).collect(),
            building: None,
            build_log: VecDeque::new(),
            build_error: None,
            cancelling: false,
            done: false,
        }
    }

    /// True until every run has finished.
    pub fn active(&self) -> bool {
        !self.done
    }

    pub fn apply(&mut self, event: SessionEvent) -> Change {
        match event {
            SessionEvent::BuildStarted { step } => {
                self.building = Some(step);
                self.build_log.clear();
            }
            SessionEvent::BuildOutput { line } => {
                if self.build_log.len() == BUILD_LOG_LINES {
                    self.build_log.pop_front();
                }
                self.build_log.push_back(line);
            }
            SessionEvent::BuildFinished { ok, output } => {
                self.building = None;
                self.build_error = (!ok).then_some(output);
            }
            SessionEvent::Done => {
                self.done = true;
                return Change::SessionDone;
            }
            SessionEvent::Run { index, event } => {
                if let Some(run) = self.runs.get_mut(index) {
                    return apply_run_event(run, index, event);
                }
            }
        }
        Change::Other
    }
}

fn apply_run_event(run: &mut LiveRun, index: usize, event: RunEvent) -> Change {
    match event {
        RunEvent::Started { run_id, .. } => {
            run.run_id = Some(run_id);
            return Change::RunStarted(index);
        }
        RunEvent::Phase(phase) => run.phase = Some(phase),
        RunEvent::Progress(progress) => run.progress = progress,
        RunEvent::HarnessLine(line) => run.harness.push(line),
        RunEvent::NodeLog { node, line } => {
            let known = run.nodes.len();
            let (position, buffer) = run.node_mut(&node);
            buffer.push(line);
            return if run.nodes.len() > known {
                Change::NodeAdded {
                    run: index,
                    position,
                }
            } else {
                Change::NodeLine {
                    run: index,
                    position,
                }
            };
        }
        RunEvent::Finished(outcome) => {
            run.phase = Some(Phase::Done);
            run.outcome = Some(outcome);
        }
    }
    Change::Other
}

/// Sort key: Maelstrom nodes `n<k>` by number, then clients `c<k>`, then the rest by name.
fn node_order(name: &str) -> (u8, u64, &str) {
    let numbered = |prefix: char| {
        name.strip_prefix(prefix)
            .filter(|k| !k.is_empty())
            .and_then(|k| k.parse::<u64>().ok())
    };
    match (numbered('n'), numbered('c')) {
        (Some(k), _) => (0, k, ""),
        (None, Some(k)) => (1, k, ""),
        (None, None) => (2, 0, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(index: usize, node: &str, line: &str) -> SessionEvent {
        SessionEvent::Run {
            index,
            event: RunEvent::NodeLog {
                node: node.into(),
                line: line.into(),
            },
        }
    }

    #[test]
    fn buffers_keep_only_the_newest_lines() {
        let mut buffer = LogBuffer::default();
        for i in 0..MAX_LINES + 5 {
            buffer.push(format!("line {i}"));
        }
        assert_eq!(buffer.lines().len(), MAX_LINES);
        assert_eq!(buffer.dropped(), 5);
        assert_eq!(buffer.lines().next(), Some("line 5"));
        assert_eq!(
            buffer.lines().last(),
            Some(format!("line {}", MAX_LINES + 4).as_str())
        );
    }

    #[test]
    fn nodes_are_listed_numerically_then_services() {
        let mut session = LiveSession::new(["3d".to_string()]);
        for node in ["n10", "lin-kv", "n2", "c3", "n0", "seq-kv", "n1"] {
            session.apply(log(0, node, "hello"));
        }
        let names: Vec<&str> = session.runs[0]
            .nodes
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["n0", "n1", "n2", "n10", "c3", "lin-kv", "seq-kv"]);
        assert_eq!(
            session.apply(log(0, "n2", "again")),
            Change::NodeLine {
                run: 0,
                position: 2
            }
        );
        assert_eq!(
            session.apply(log(0, "n3", "new")),
            Change::NodeAdded {
                run: 0,
                position: 3
            }
        );
    }

    #[test]
    fn events_for_unknown_runs_are_ignored() {
        let mut session = LiveSession::new(["1".to_string()]);
        assert_eq!(session.apply(log(7, "n0", "x")), Change::Other);
        assert!(session.runs[0].nodes.is_empty());
        assert_eq!(session.apply(SessionEvent::Done), Change::SessionDone);
        assert!(!session.active());
    }
}

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
    /// A build step began: `step` says what runs (`cargo build …`, or the
    /// project's command and where).
    BuildStarted {
        step: String,
    },
    /// One line of the running build's output, as it comes.
    BuildOutput {
        line: String,
    },
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

/// The simulator's `Running test with … seed N, in …` line names the seed it
/// drew or was given; real Maelstrom's never does.
static SEED: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"Running test with .*\bseed (\d+)\b").expect("valid regex")
});

static OP_LINE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"jepsen\.util\s+\d+\t:(invoke|ok|fail|info)\t").expect("valid regex")
});

/// What a node did wrong without crashing, as the backend's console said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A stdout line that is not JSON.
    NotJson,
    /// JSON that is not a valid message (missing or extra keys).
    Malformed,
    /// A well-formed message the network refused (e.g. an unknown dest):
    /// Maelstrom's `Assert failed: Invalid dest for message`, the simulator's
    /// `tried to send a message via STDOUT, but:`. Never reported for a send
    /// to a node whose teardown has begun.
    SendRejected,
    /// A stdout line over the backend's length limit (simulator only:
    /// Maelstrom has no limit).
    LineTooLong,
    /// The node closed its stdout while the test ran (simulator only).
    ClosedStdout,
}

/// A backend warning about one node: the run went on, but whatever that node
/// sent afterwards was ignored, which is usually why its operations timed out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeWarning {
    pub node: String,
    pub kind: WarningKind,
    /// The backend's one-line cause, cut to [`WARNING_CHARS`]; names the node.
    pub message: String,
}

/// Longest [`NodeWarning::message`], in characters.
pub const WARNING_CHARS: usize = 120;
/// Most warnings kept per run; a node that keeps misbehaving says nothing new.
pub const MAX_WARNINGS: usize = 20;

/// What each kind of backend warning says right after `Node <id> `: the one
/// copy of the phrases, in the simulator's and real Maelstrom's wording.
/// The simulator prints its own (it never imports the runner), so
/// `crates/glomers/tests/it/console_phrases.rs` runs it and checks that every
/// kind is still recognised in what it prints.
pub const WARNING_PHRASES: [(&str, WarningKind); 5] = [
    (
        "printed a line to STDOUT which was not well-formed JSON",
        WarningKind::NotJson,
    ),
    (
        "tried to send the following message via STDOUT",
        WarningKind::Malformed,
    ),
    (
        "tried to send a message via STDOUT, but:",
        WarningKind::SendRejected,
    ),
    (
        "printed a line to STDOUT longer than",
        WarningKind::LineTooLong,
    ),
    ("closed its STDOUT", WarningKind::ClosedStdout),
];

/// `Node <id> <phrase>`: every backend warning names the node right before
/// the phrase that says what it did.
static WARNING: LazyLock<regex::Regex> = LazyLock::new(|| {
    let phrases: Vec<String> = WARNING_PHRASES
        .iter()
        .map(|(phrase, _)| regex::escape(phrase))
        .collect();
    regex::Regex::new(&format!(
        r"(?:Malformed network message\. )?Node (\S+) ({})",
        phrases.join("|")
    ))
    .expect("valid regex")
});

/// Maelstrom's own report of a send to an unregistered id, a failed Clojure
/// assertion that names the sender only inside the message:
/// `java.lang.AssertionError: Assert failed: Invalid dest for message
/// #maelstrom.net.message.Message{:id 16145, :src "n9", :dest "n7", :body {…}}`.
static ASSERT_INVALID_DEST: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"Assert failed: Invalid dest for message .*?:src "([^"]+)""#)
        .expect("valid regex")
});

/// The `dest` of the message a send-rejected warning quotes, in Maelstrom's
/// EDN (`:dest "n7"`) or the simulator's JSON (`"dest":"n7"`).
static QUOTED_DEST: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r#"(?::dest |"dest":)"([^"]+)""#).expect("valid regex"));

/// `maelstrom.db Tearing down n7`: from here on `n7` is leaving the network
/// (`Tearing down DB` at setup is another logger).
static TEARING_DOWN: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"maelstrom\.db Tearing down (\S+)").expect("valid regex"));

fn warning_kind(phrase: &str) -> Option<WarningKind> {
    WARNING_PHRASES
        .iter()
        .find(|(known, _)| *known == phrase)
        .map(|&(_, kind)| kind)
}

/// Turns console lines into phase changes, progress counters and node warnings.
#[derive(Debug)]
pub struct ConsoleTracker {
    phase: Phase,
    progress: Progress,
    running_since: Option<Instant>,
    /// The previous line was a `WARN … Error!` header; this one holds the cause.
    after_error_header: bool,
    /// The last warning's offending output follows within this many lines.
    detail_within: u8,
    warnings: Vec<NodeWarning>,
    seed: Option<u64>,
    /// Nodes whose teardown has begun; sends to them fail through no fault of the sender.
    torn_down: Vec<String>,
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
            after_error_header: false,
            detail_within: 0,
            warnings: Vec::new(),
            seed: None,
            torn_down: Vec::new(),
        }
    }

    /// The simulator's seed, once its console has named it.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Reads one console line; returns the new phase if it changed.
    pub fn observe(&mut self, line: &str) -> Option<Phase> {
        self.observe_warning(line);
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
            if let Some(seed) = SEED.captures(line).and_then(|c| c[1].parse().ok()) {
                self.seed.get_or_insert(seed);
            }
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

    /// Warnings only count in a `WARN` record: its own line (`closed its
    /// STDOUT`) or the line after its `Error!` header. The node's offending
    /// output, echoed inside the record, is never read as a warning itself.
    fn observe_warning(&mut self, line: &str) {
        if let Some(node) = TEARING_DOWN.captures(line) {
            self.torn_down.push(node[1].to_string());
        }
        let is_cause = std::mem::take(&mut self.after_error_header);
        let is_warn = line.starts_with("WARN ");
        if is_warn && line.trim_end().ends_with("Error!") {
            self.after_error_header = true;
            self.detail_within = 0;
            return;
        }
        if !(is_cause || is_warn) {
            if self.detail_within > 0 {
                self.detail_within -= 1;
                if !line.trim().is_empty() {
                    self.detail_within = 0;
                    // A cut cause has no room left for the output.
                    if let Some(last) = self
                        .warnings
                        .last_mut()
                        .filter(|w| !w.message.ends_with('…'))
                    {
                        last.message = cut(&format!("{} {}", last.message, line.trim()));
                    }
                }
            }
            return;
        }
        self.detail_within = 0;
        let (node, kind, message) = if let Some(found) = WARNING.captures(line) {
            let Some(kind) = warning_kind(&found[2]) else {
                return;
            };
            // From the sentence onwards: drops the log prefix and Maelstrom's
            // exception class (`clojure.lang.ExceptionInfo: `).
            let start = found.get(0).map_or(0, |m| m.start());
            let message = line[start..].trim_end();
            let message = message.strip_prefix("Node ").unwrap_or(message);
            (found[1].to_string(), kind, message.to_string())
        } else if let Some(found) = ASSERT_INVALID_DEST.captures(line) {
            let start = found.get(0).map_or(0, |m| m.start());
            let node = found[1].to_string();
            let message = format!("{node}: {}", line[start..].trim_end());
            (node, WarningKind::SendRejected, message)
        } else {
            return;
        };
        let after_teardown = |line: &str| {
            QUOTED_DEST
                .captures(line)
                .is_some_and(|dest| self.torn_down.iter().any(|n| *n == dest[1]))
        };
        if kind == WarningKind::SendRejected && after_teardown(line) {
            return;
        }
        if self.warnings.len() >= MAX_WARNINGS
            || self
                .warnings
                .iter()
                .any(|w| w.node == node && w.kind == kind)
        {
            return;
        }
        // The offending output comes next (after a blank line when malformed).
        if matches!(kind, WarningKind::NotJson | WarningKind::Malformed) {
            self.detail_within = 2;
        }
        self.warnings.push(NodeWarning {
            node,
            kind,
            message: cut(&message),
        });
    }

    /// The node warnings seen so far, in console order.
    pub fn warnings(&self) -> &[NodeWarning] {
        &self.warnings
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

/// `text` cut to [`WARNING_CHARS`] characters, marked with `…` when cut.
/// Control characters (the node's output may hold any) become spaces, so
/// the message cannot move a terminal's cursor.
fn cut(text: &str) -> String {
    let mut chars = text.chars().map(|c| if c.is_control() { ' ' } else { c });
    let mut out: String = chars.by_ref().take(WARNING_CHARS - 1).collect();
    match (chars.next(), chars.next()) {
        (Some(_), Some(_)) => out.push('…'),
        (Some(last), None) => out.push(last),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests;

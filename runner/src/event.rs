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

/// What each kind of backend warning says right after `Node <id> `.
const WARNING_PHRASES: [(&str, WarningKind); 5] = [
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
        assert_eq!(t.seed(), None, "real Maelstrom names no seed");
    }

    #[test]
    fn the_simulator_names_its_seed_on_the_running_line() {
        let mut t = ConsoleTracker::new(Duration::from_secs(5));
        t.observe("INFO [2026-12-03 07:40:00,000] jepsen test runner - jepsen.core Running test with 3 nodes [\"n0\" \"n1\" \"n2\"], seed 18446744073709551615, in store/broadcast/x");
        assert_eq!(t.seed(), Some(u64::MAX));
        t.observe("INFO [..] jepsen worker 0 - jepsen.util 0\t:invoke\t:broadcast\t7 seed 3");
        assert_eq!(t.seed(), Some(u64::MAX), "only the running line counts");
    }

    /// Real Maelstrom's report of a node printing a non-JSON line.
    const GARBAGE_CONSOLE: &str = include_str!("../../testdata/maelstrom/echo-garbage/console.txt");

    fn warnings_of(console: &str) -> Vec<NodeWarning> {
        let mut t = ConsoleTracker::new(Duration::from_secs(5));
        console.lines().for_each(|line| {
            t.observe(line);
        });
        t.warnings().to_vec()
    }

    #[test]
    fn maelstrom_not_json_report_becomes_one_warning_with_the_offending_line() {
        assert_eq!(
            warnings_of(GARBAGE_CONSOLE),
            [NodeWarning {
                node: "n0".into(),
                kind: WarningKind::NotJson,
                message: "n0 printed a line to STDOUT which was not well-formed JSON: debug: three echoes served, all good here".into(),
            }]
        );
    }

    /// The simulator's records, as `crates/sim/src/process.rs` prints them.
    const SIM_CONSOLE: &str = "\
INFO [2026-11-25 16:45:37,000] jepsen test runner - jepsen.core Running test with 3 nodes
WARN [2026-11-25 16:45:37,479] n1 stdout - maelstrom.process Error!
Malformed network message. Node n1 tried to send the following message via STDOUT:

{\"src\":\"n1\",\"body\":{}}

This is malformed because:

{:dest missing-required-key}

See doc/protocol.md for more guidance.
Maelstrom will ignore all further STDOUT output from node n1 for the rest of this test.
WARN [2026-11-25 16:45:37,480] n2 stdout - maelstrom.process Error!
Node n2 tried to send a message via STDOUT, but: Invalid dest for message {:src \"n2\", :dest \"n9\"}
Maelstrom will ignore all further STDOUT output from node n2 for the rest of this test.
WARN [2026-11-25 16:45:37,481] n0 stdout - maelstrom.process Node n0 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out.
WARN [2026-11-25 16:45:37,482] n0 stdout - maelstrom.process Node n0 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out.
INFO [2026-11-25 16:45:38,000] jepsen worker 0 - jepsen.util 0\t:info\t:echo\t\"Please echo 22\"\t:net-timeout
";

    #[test]
    fn simulator_records_become_one_warning_per_node_and_kind() {
        let got: Vec<(String, WarningKind, String)> = warnings_of(SIM_CONSOLE)
            .into_iter()
            .map(|w| (w.node, w.kind, w.message))
            .collect();
        let want = [
            ("n1", WarningKind::Malformed, "Malformed network message. Node n1 tried to send the following message via STDOUT: {\"src\":\"n1\",\"body\":{}}"),
            ("n2", WarningKind::SendRejected, "n2 tried to send a message via STDOUT, but: Invalid dest for message {:src \"n2\", :dest \"n9\"}"),
            ("n0", WarningKind::ClosedStdout, "n0 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out."),
        ]
        .map(|(n, k, m)| (n.to_string(), k, m.to_string()));
        assert_eq!(got, want);
    }

    /// Maelstrom 0.2.4's record of a send to an unregistered id: the `Error!`
    /// header and the assertion line as real Maelstrom printed them (quoted
    /// in issue 18), with its stack-trace lines after.
    fn maelstrom_invalid_dest(src: &str, dest: &str) -> String {
        format!(
            "WARN [2026-11-30 10:12:41,553] {src} stdout - maelstrom.process Error!\n\
             java.lang.AssertionError: Assert failed: Invalid dest for message \
             #maelstrom.net.message.Message{{:id 16145, :src \"{src}\", :dest \"{dest}\", :body {{:type \"gossip\", :msg_id 812}}}}\n\
             (get (clojure.core/deref queues) dest)\n\
             \tat maelstrom.net$validate_msg.invokeStatic(net.clj:93)\n"
        )
    }

    #[test]
    fn maelstrom_invalid_dest_assertion_is_a_send_rejected_warning_of_the_sender() {
        let console = format!(
            "INFO [..] jepsen test runner - jepsen.core Running test with 25 nodes\n{}",
            maelstrom_invalid_dest("n9", "c31")
        );
        assert_eq!(
            warnings_of(&console),
            [NodeWarning {
                node: "n9".into(),
                kind: WarningKind::SendRejected,
                message: cut(
                    "n9: Assert failed: Invalid dest for message #maelstrom.net.message.Message{:id 16145, :src \"n9\", :dest \"c31\", :body {:type \"gossip\", :msg_id 812}}"
                ),
            }]
        );
    }

    #[test]
    fn sends_to_nodes_already_torn_down_are_not_the_senders_fault_on_either_backend() {
        let teardown = "\
INFO [2026-11-30 10:12:41,500] jepsen test runner - jepsen.db Tearing down DB
INFO [2026-11-30 10:12:41,501] jepsen test runner - jepsen.core Run complete, writing
INFO [2026-11-30 10:12:41,540] jepsen node n7 - maelstrom.db Tearing down n7
";
        let sim_late = "WARN [..] n3 stdout - maelstrom.process Error!\n\
            Node n3 tried to send a message via STDOUT, but: Invalid dest for message \
            {\"id\":9,\"src\":\"n3\",\"dest\":\"n7\",\"body\":{}}: n7 is not a registered node, client or service\n";
        let console = format!(
            "{}{teardown}{}{sim_late}{}",
            maelstrom_invalid_dest("n2", "n7"),
            maelstrom_invalid_dest("n9", "n7"),
            maelstrom_invalid_dest("n4", "c12"),
        );
        let warned: Vec<(String, WarningKind)> = warnings_of(&console)
            .into_iter()
            .map(|w| (w.node, w.kind))
            .collect();
        assert_eq!(
            warned,
            [
                ("n2".to_string(), WarningKind::SendRejected),
                ("n4".to_string(), WarningKind::SendRejected),
            ],
            "before teardown, and to an id teardown did not remove, it is a warning"
        );
    }

    #[test]
    fn long_lines_are_cut_and_echoed_output_is_not_a_warning() {
        let head = "x".repeat(300);
        let console = format!(
            "WARN [..] n3 stdout - maelstrom.process Error!\n\
             Node n3 printed a line to STDOUT longer than 1048576 bytes, starting: {head}\n\
             Ignoring all further output from n3.\n\
             WARN [..] n4 stdout - maelstrom.process Error!\n\
             clojure.lang.ExceptionInfo: Node n4 printed a line to STDOUT which was not well-formed JSON:\n\
             Node n5 closed its STDOUT\n\
             Node n6 closed its STDOUT, said a log line that is no WARN\n\
             WARN [..] n7 stdout - maelstrom.process Error!\n\
             Node n7 printed a line to STDOUT which was not well-formed JSON:\n\
             \x1b[2Jcleared\tscreen\n"
        );
        let warnings = warnings_of(&console);
        let nodes: Vec<&str> = warnings.iter().map(|w| w.node.as_str()).collect();
        assert_eq!(nodes, ["n3", "n4", "n7"], "{warnings:?}");
        let long = &warnings[0];
        assert_eq!(long.kind, WarningKind::LineTooLong);
        assert_eq!(long.message.chars().count(), WARNING_CHARS);
        assert!(
            long.message.starts_with(
                "n3 printed a line to STDOUT longer than 1048576 bytes, starting: xxx"
            ) && long.message.ends_with("x…"),
            "{}",
            long.message
        );
        assert_eq!(
            warnings[1].message,
            "n4 printed a line to STDOUT which was not well-formed JSON: Node n5 closed its STDOUT"
        );
        assert_eq!(
            warnings[2].message,
            "n7 printed a line to STDOUT which was not well-formed JSON:  [2Jcleared screen"
        );
    }

    #[test]
    fn cut_keeps_exactly_the_limit_and_marks_anything_longer() {
        let exact = "é".repeat(WARNING_CHARS);
        assert_eq!(cut(&exact), exact);
        let over = format!("{exact}x");
        assert_eq!(cut(&over), format!("{}…", "é".repeat(WARNING_CHARS - 1)));
    }

    #[test]
    fn warnings_are_bounded() {
        let console: String = (0..MAX_WARNINGS + 5)
            .map(|i| format!("WARN [..] - maelstrom.process Node n{i} closed its STDOUT: gone.\n"))
            .collect();
        let warnings = warnings_of(&console);
        assert_eq!(warnings.len(), MAX_WARNINGS);
        assert_eq!(
            warnings.last().unwrap().node,
            format!("n{}", MAX_WARNINGS - 1)
        );
    }
}

//! Why did a run fail? Findings in words, from one store directory.
//!
//! `explain` reads a single run's store (`history.edn`, `results.edn`,
//! `node-logs/`, and the network journal when there is one: the simulator's
//! `net-journal.jsonl`, real Maelstrom's `net-journal/*.fressian`, or failing
//! both, the titles in `messages.svg`) and returns [`Finding`]s: a one-line
//! summary, evidence lines, the history indexes, values and nodes involved,
//! and the messages that carried them. Every id a finding names comes from
//! `results.edn`; the history and the journal only add context.
//! It does not judge runs (that is `checker`), run anything, or draw: the CLI
//! prints findings and a dashboard pane can render the same data.
//!
//! ```no_run
//! let explanation = explain::explain(std::path::Path::new("store/broadcast/latest")).unwrap();
//! for finding in &explanation.findings {
//!     println!("{}", finding.summary);
//! }
//! ```
//!
//! Layout:
//! - `store`: the run as read from disk (history, results, nodes, journal).
//! - `partition`: the nemesis' partitions, and which ones each finding overlaps.
//! - `journal`: network journals of both backends, as one message list.
//! - `broadcast`, `counter`, `unique_ids`, `echo`, `kafka`, `txn`: one module per workload family.
//! - `generic`: failed and timed-out ops; a run that stopped without results.
//! - `protocol`: nodes that broke Maelstrom's protocol or crashed (any workload, any verdict).
//! - `ops`: the ops and fields `results.edn` cites; EDN values as JSON.
//! - `json`: the stable `--json` form (schema version [`SCHEMA_VERSION`]).

mod broadcast;
mod counter;
mod echo;
mod generic;
pub mod journal;
mod json;
mod kafka;
mod ops;
mod partition;
mod protocol;
mod store;
mod txn;
mod unique_ids;

use std::path::Path;

pub use journal::{Fate, Journal, JournalSource, Traced};
pub use json::{SCHEMA_VERSION, to_json};
pub use partition::Partition;
pub use store::{ExplainError, Run};

/// One reason a run failed, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// `lost-value`, `missing-value`, `duplicate-id`, `protocol`, `crash`, a kafka
    /// error type or an Elle anomaly name (no colon).
    pub kind: String,
    /// One line in words.
    pub summary: String,
    /// Further lines: the ops, reads and messages behind the summary.
    pub evidence: Vec<String>,
    /// History indexes of the ops involved.
    pub ops: Vec<u64>,
    /// The values (elements, ids, offsets, counts) involved, as JSON.
    pub values: Vec<serde_json::Value>,
    pub nodes: Vec<String>,
    /// Messages that carried the values, in time order.
    pub messages: Vec<Traced>,
    /// The partitions in force at some time between the finding's first and
    /// last op or message.
    pub partitions: Vec<Partition>,
}

impl Finding {
    fn new(kind: &str, summary: String) -> Finding {
        Finding {
            kind: kind.to_string(),
            summary,
            evidence: Vec::new(),
            ops: Vec::new(),
            values: Vec::new(),
            nodes: Vec::new(),
            messages: Vec::new(),
            partitions: Vec::new(),
        }
    }
}

/// The verdict as `results.edn` states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    Invalid,
    Unknown,
    /// No `results.edn`: the test crashed or was stopped before analysis.
    NoResults,
}

/// Everything `explain` found in one store.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The store directory's name (its timestamp); callers may substitute their own run id.
    pub run_id: String,
    pub workload: String,
    pub valid: Validity,
    pub findings: Vec<Finding>,
    /// Which journal backed the message traces, and whether it was complete.
    pub journal: Option<JournalSource>,
}

impl Explanation {
    /// One line for a valid run, else the first line of what went wrong.
    pub fn headline(&self) -> String {
        match self.valid {
            Validity::Valid if self.findings.is_empty() => format!(
                "valid: {} run {} has nothing to explain",
                self.workload, self.run_id
            ),
            _ if self.findings.is_empty() => format!(
                "{} run {}: {} but no finding could be drawn from the store",
                self.workload,
                self.run_id,
                self.verdict_words()
            ),
            _ => format!(
                "{} run {}: {}, {} finding{}",
                self.workload,
                self.run_id,
                self.verdict_words(),
                self.findings.len(),
                if self.findings.len() == 1 { "" } else { "s" }
            ),
        }
    }

    fn verdict_words(&self) -> &'static str {
        match self.valid {
            Validity::Valid => "valid",
            Validity::Invalid => "invalid",
            Validity::Unknown => "validity unknown",
            Validity::NoResults => "no results.edn (crashed or stopped)",
        }
    }
}

/// Explain the run stored in `dir`.
pub fn explain(dir: &Path) -> Result<Explanation, ExplainError> {
    let run = Run::read(dir)?;
    Ok(explain_run(&run))
}

/// Explain a run already read (lets callers time or reuse the reading).
pub fn explain_run(run: &Run) -> Explanation {
    // Protocol problems come first: they are usually why everything else went wrong.
    let mut findings = protocol::findings(run);
    let crashed = findings.iter().any(|f| f.kind == "crash");
    findings.extend(match run.workload.as_str() {
        "broadcast" | "g-set" => broadcast::findings(run),
        "g-counter" | "pn-counter" => counter::findings(run),
        "unique-ids" => unique_ids::findings(run),
        "echo" => echo::findings(run),
        "kafka" => kafka::findings(run),
        "txn-rw-register" => txn::findings(run),
        _ => Vec::new(),
    });
    if run.validity() != Validity::Valid {
        findings.extend(generic::findings(run, crashed));
    }
    for finding in &mut findings {
        partition::attach(run, finding);
    }
    Explanation {
        run_id: run.run_id.clone(),
        workload: run.workload.clone(),
        valid: run.validity(),
        findings,
        journal: run.journal.as_ref().map(|j| j.source.clone()),
    }
}

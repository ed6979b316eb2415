//! One run's store as read from disk: the history, `results.edn`, the node
//! ids, the partitions the nemesis put in place, and the network journal.

use std::path::{Path, PathBuf};

use checker::history::{HistoryError, Op, OpType, Process, read_history};
use edn::Value;

use crate::Validity;
use crate::journal::{self, Fate, Journal};
use crate::partition::{Partition, partitions};

/// Why a store could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    History { path: PathBuf, source: HistoryError },
    #[error("{path}: not valid EDN: {source}")]
    Results { path: PathBuf, source: edn::Error },
    #[error("{path}: {message}")]
    Journal { path: PathBuf, message: String },
}

/// Everything read from one store directory.
#[derive(Debug, Clone)]
pub struct Run {
    pub dir: PathBuf,
    pub run_id: String,
    pub workload: String,
    pub history: Vec<Op>,
    pub results: Option<Value>,
    /// Node ids (`n0`, `n1`, ...) in numeric order; empty when the store does not say.
    pub nodes: Vec<String>,
    pub partitions: Vec<Partition>,
    pub journal: Option<Journal>,
}

const WORKLOADS: &[&str] = &[
    "echo",
    "unique-ids",
    "broadcast",
    "g-set",
    "g-counter",
    "pn-counter",
    "kafka",
    "txn-rw-register",
];

fn read_text(path: &Path) -> Result<String, ExplainError> {
    std::fs::read_to_string(path).map_err(|source| ExplainError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl Run {
    /// Read the store at `dir` (a run directory holding `history.edn`).
    pub fn read(dir: &Path) -> Result<Run, ExplainError> {
        let dir = std::fs::canonicalize(dir).map_err(|source| ExplainError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let history_path = dir.join("history.edn");
        let history =
            read_history(&read_text(&history_path)?).map_err(|source| ExplainError::History {
                path: history_path,
                source,
            })?;
        let results_path = dir.join("results.edn");
        let results = if results_path.exists() {
            Some(edn::parse(&read_text(&results_path)?).map_err(|source| {
                ExplainError::Results {
                    path: results_path,
                    source,
                }
            })?)
        } else {
            None
        };
        let run_id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let workload = workload_of(&dir, &history);
        let mut partitions = partitions(&history);
        let mut journal = journal::read(&dir, &history)?;
        let nodes = node_ids(&dir, &partitions, journal.as_ref());
        for partition in &mut partitions {
            partition.find_groups(&nodes);
        }
        if let Some(journal) = &mut journal {
            infer_drops(journal, &partitions);
        }
        Ok(Run {
            dir,
            run_id,
            workload,
            history,
            results,
            nodes,
            partitions,
            journal,
        })
    }

    pub fn validity(&self) -> Validity {
        match self.results.as_ref().and_then(|r| r.get_kw("valid?")) {
            None => Validity::NoResults,
            Some(Value::Bool(true)) => Validity::Valid,
            Some(Value::Bool(false)) => Validity::Invalid,
            Some(_) => Validity::Unknown,
        }
    }

    /// `results.edn`'s `:workload` map.
    pub fn workload_results(&self) -> Option<&Value> {
        self.results.as_ref()?.get_kw("workload")
    }

    /// The op at history index `index`.
    pub fn op(&self, index: u64) -> Option<&Op> {
        match self.history.get(index as usize) {
            Some(op) if op.index == index => Some(op),
            _ => self.history.iter().find(|op| op.index == index),
        }
    }

    /// The node a client process talks to: Maelstrom binds process `p` to node `p mod node-count`.
    pub fn node_of(&self, process: Process) -> Option<&str> {
        match process {
            Process::Client(p) if !self.nodes.is_empty() => {
                Some(self.nodes[p as usize % self.nodes.len()].as_str())
            }
            _ => None,
        }
    }

    /// `#157 ok poll by process 2 on n2 at 0.89 s`.
    pub fn describe(&self, op: &Op) -> String {
        let who = match op.process {
            Process::Client(p) => match self.node_of(op.process) {
                Some(node) => format!("process {p} on {node}"),
                None => format!("process {p}"),
            },
            Process::Nemesis => "the nemesis".to_string(),
        };
        format!(
            "#{} {} {} by {who} at {}",
            op.index,
            op.kind.name(),
            op.f,
            secs(op.time as i64)
        )
    }

    /// The op that invoked `op` (same process, the latest invoke before it).
    pub fn invocation_of(&self, op: &Op) -> Option<&Op> {
        let position = self.history.iter().position(|o| o.index == op.index)?;
        self.history[..position]
            .iter()
            .rev()
            .find(|o| o.process == op.process && o.kind == OpType::Invoke)
    }

    /// The partition in force at `ns`, if any.
    pub fn partition_at(&self, ns: i64) -> Option<&Partition> {
        self.partitions.iter().rev().find(|p| p.covers(ns))
    }

    /// Client ops with `:f` in `fs` that completed `ok`.
    pub fn ok_ops<'a>(&'a self, fs: &'a [&str]) -> impl Iterator<Item = &'a Op> + 'a {
        self.history
            .iter()
            .filter(move |op| op.kind == OpType::Ok && fs.contains(&op.f.as_str()))
    }
}

/// Nanoseconds as seconds with two decimals: `4.21 s`.
pub fn secs(ns: i64) -> String {
    format!("{:.2} s", ns as f64 / 1e9)
}

/// `n0, n1 and n4`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The store's parent directory names the workload (`store/<workload>/<time>`);
/// otherwise the history's `:f`s do.
fn workload_of(dir: &Path, history: &[Op]) -> String {
    if let Some(parent) = dir.parent().and_then(|p| p.file_name()) {
        let name = parent.to_string_lossy();
        if WORKLOADS.contains(&name.as_ref()) {
            return name.into_owned();
        }
    }
    let has = |f: &str| history.iter().any(|op| op.f == f);
    let name = if has("broadcast") {
        "broadcast"
    } else if has("txn") {
        "txn-rw-register"
    } else if has("send") || has("poll") {
        "kafka"
    } else if has("generate") {
        "unique-ids"
    } else if has("echo") {
        "echo"
    } else if has("add") {
        let numeric_reads = history
            .iter()
            .any(|op| op.f == "read" && op.kind == OpType::Ok && op.value.as_i64().is_some());
        if numeric_reads { "g-counter" } else { "g-set" }
    } else {
        "unknown"
    };
    name.to_string()
}

/// `n10` after `n9`.
pub fn node_order(id: &str) -> (String, u64) {
    let digits = id.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = &id[..id.len() - digits.len()];
    (prefix.to_string(), digits.parse().unwrap_or(u64::MAX))
}

/// Node ids from `node-logs/`, else the journal, else `command.txt`, else the partitions.
fn node_ids(dir: &Path, partitions: &[Partition], journal: Option<&Journal>) -> Vec<String> {
    let is_node = |id: &str| id.starts_with('n') && id[1..].parse::<u64>().is_ok();
    let mut nodes: Vec<String> = std::fs::read_dir(dir.join("node-logs"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".log")
                .filter(|n| is_node(n))
                .map(str::to_string)
        })
        .collect();
    if nodes.is_empty()
        && let Some(journal) = journal
    {
        nodes = journal
            .messages
            .iter()
            .flat_map(|m| [&m.src, &m.dest])
            .filter(|id| is_node(id))
            .cloned()
            .collect();
    }
    if nodes.is_empty()
        && let Ok(command) = std::fs::read_to_string(dir.join("command.txt"))
    {
        let words: Vec<&str> = command.split_whitespace().collect();
        if let Some(n) = words
            .windows(2)
            .find(|w| w[0] == "--node-count")
            .and_then(|w| w[1].parse::<usize>().ok())
        {
            nodes = (0..n).map(|i| format!("n{i}")).collect();
        }
    }
    if nodes.is_empty() {
        nodes = partitions
            .iter()
            .flat_map(|p| p.grudge.iter().map(|(d, _)| d.clone()))
            .collect();
    }
    nodes.sort_by_key(|n| node_order(n));
    nodes.dedup();
    nodes
}

/// A journal that records only sends and receives (Maelstrom's) leaves a
/// message without a receive either dropped by the partition or never delivered.
fn infer_drops(journal: &mut Journal, partitions: &[Partition]) {
    for message in &mut journal.messages {
        if message.fate == Fate::Unknown {
            let cut = message.time_ns.is_some_and(|t| {
                partitions
                    .iter()
                    .any(|p| p.covers(t) && p.cuts(&message.src, &message.dest))
            });
            message.fate = if cut {
                Fate::Dropped
            } else {
                Fate::Undelivered
            };
        }
    }
}

//! Any workload: ops that failed or timed out, grouped by node, error and the
//! partition in force; and, when no node is known to have crashed, a run that
//! stopped before analysis with its node logs.

use std::collections::BTreeMap;

use checker::history::OpType;
use edn::Value;

use crate::store::{Run, secs};
use crate::{Finding, Validity};

/// Lines of a node log quoted for a crashed run.
const LOG_TAIL: usize = 5;

/// `node_crashed`: a `crash` finding already names the node and its log.
pub fn findings(run: &Run, node_crashed: bool) -> Vec<Finding> {
    let mut out = unavailable(run);
    if run.validity() == Validity::NoResults && !node_crashed {
        out.push(crash(run));
    }
    out
}

fn error_name(value: Option<&Value>) -> String {
    match value {
        Some(Value::Vector(parts) | Value::List(parts)) => {
            parts.first().map_or("error".to_string(), |p| {
                p.as_keyword().map_or(p.to_string(), str::to_string)
            })
        }
        // `indeterminate: Malformed RPC response. Maelstrom sent…`: its first sentence.
        Some(Value::Str(text)) => {
            let line = text.lines().next().unwrap_or_default();
            line.split_once(". ")
                .map_or(line, |(first, _)| first)
                .to_string()
        }
        Some(v) => v.as_keyword().map_or(v.to_string(), str::to_string),
        None => "timeout".to_string(),
    }
}

/// Node, error name, and whether a partition was in force.
type Group = (String, String, bool);
/// The group's op indexes, first and last time.
type Members = (Vec<u64>, u64, u64);

fn unavailable(run: &Run) -> Vec<Finding> {
    let mut groups: BTreeMap<Group, Members> = BTreeMap::new();
    for op in run.history.iter().filter(|op| op.is_client()) {
        if !matches!(op.kind, OpType::Fail | OpType::Info) {
            continue;
        }
        let node = run.node_of(op.process).unwrap_or("?").to_string();
        let error = error_name(op.extra("error"));
        let partitioned = run.partition_at(op.time as i64).is_some();
        let e = groups
            .entry((node, error, partitioned))
            .or_insert((Vec::new(), u64::MAX, 0));
        e.0.push(op.index);
        e.1 = e.1.min(op.time);
        e.2 = e.2.max(op.time);
    }
    groups
        .into_iter()
        .map(|((node, error, partitioned), (ops, first, last))| {
            let mut finding = Finding::new(
                "unavailable",
                format!(
                    "{} op{} on {node} ended {error} between {} and {}{}",
                    ops.len(),
                    if ops.len() == 1 { "" } else { "s" },
                    secs(first as i64),
                    secs(last as i64),
                    if partitioned {
                        ", during a partition"
                    } else {
                        ", with no partition in force"
                    }
                ),
            );
            finding.evidence = ops
                .iter()
                .take(10)
                .filter_map(|i| run.op(*i).map(|op| run.describe(op)))
                .collect();
            finding.nodes.push(node);
            finding.ops = ops;
            finding
        })
        .collect()
}

fn crash(run: &Run) -> Finding {
    let mut finding = Finding::new(
        "crash",
        "the test crashed or was stopped before analysis: no results.edn".to_string(),
    );
    for node in &run.nodes {
        let path = run.dir.join("node-logs").join(format!("{node}.log"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL)..];
        if let Some(problem) = tail.iter().rev().find(|l| {
            let l = l.to_lowercase();
            l.contains("panic") || l.contains("error") || l.contains("exception")
        }) {
            finding.summary = format!("{node} crashed: {}", problem.trim());
            finding.nodes.push(node.clone());
        }
        for line in tail {
            finding.evidence.push(format!("{node}.log: {line}"));
        }
    }
    finding
}

//! txn-rw-register: every anomaly Elle reported, in words: the transactions
//! (history index, process, node, ops), each dependency edge with the value
//! that justifies it, and why the pattern is forbidden.

use checker::history::Process;
use edn::Value;

use crate::Finding;
use crate::ops::{cited_ops, keywords};
use crate::store::Run;

/// What each anomaly means and the weakest consistency model that forbids it.
fn why_forbidden(kind: &str) -> &'static str {
    match kind {
        "G0" => {
            "a cycle of write-write edges (dirty write): forbidden from read-uncommitted upward"
        }
        "G1a" => {
            "a transaction read a value written by a transaction that aborted (aborted read): forbidden from read-committed upward"
        }
        "G1b" => {
            "a transaction read a value its writer later overwrote within the same transaction (intermediate read): forbidden from read-committed upward"
        }
        "G1c" => {
            "a cycle of write-write and write-read edges (circular information flow): forbidden from read-committed upward"
        }
        "G-single" => {
            "a cycle with exactly one read-write anti-dependency (read skew): forbidden from snapshot isolation upward"
        }
        "G2-item" => {
            "a cycle with read-write anti-dependencies (write skew): forbidden at repeatable-read and serializable"
        }
        "lost-update" => {
            "two transactions read the same version of a key and both wrote it: forbidden from snapshot isolation upward"
        }
        "internal" => {
            "a transaction's read disagreed with its own earlier write or read of the key: forbidden at every model"
        }
        "dirty-update" => "a write built on an aborted write: forbidden from read-committed upward",
        _ => "an anomaly Elle reports for this history",
    }
}

pub fn findings(run: &Run) -> Vec<Finding> {
    let Some(workload) = run.workload_results() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for kind in keywords(workload.get_kw("anomaly-types")) {
        let Some(list) = workload.path(&["anomalies", &kind]).and_then(Value::as_seq) else {
            continue;
        };
        for anomaly in list {
            out.push(anomaly_finding(run, &kind, anomaly));
        }
    }
    out
}

/// `T796 (process 1 on n0: [:w 36 6] [:w 36 7])`.
fn txn(run: &Run, index: u64) -> String {
    match run.op(index) {
        Some(op) => {
            let process = match op.process {
                Process::Client(p) => format!("process {p}"),
                Process::Nemesis => "nemesis".to_string(),
            };
            let who = match run.node_of(op.process) {
                Some(node) => format!("{process} on {node}"),
                None => process,
            };
            format!("T{index} ({who}, {}: {})", op.kind.name(), op.value)
        }
        None => format!("T{index}"),
    }
}

fn anomaly_finding(run: &Run, kind: &str, anomaly: &Value) -> Finding {
    let mut finding = Finding::new(kind, String::new());
    let mut ops = cited_ops(anomaly);
    ops.dedup();
    let mut unique = ops.clone();
    unique.sort_unstable();
    unique.dedup();
    for index in &unique {
        if let Some(op) = run.op(*index) {
            finding
                .evidence
                .push(run.describe(op) + &format!(": {}", op.value));
            if let Some(node) = run.node_of(op.process)
                && !finding.nodes.iter().any(|n| n == node)
            {
                finding.nodes.push(node.to_string());
            }
        }
    }
    let what = if let Some(cycle) = anomaly.get_kw("cycle").and_then(Value::as_seq) {
        let txns: Vec<u64> = cycle.iter().flat_map(cited_ops).collect();
        let steps: Vec<&Value> = anomaly
            .get_kw("steps")
            .and_then(Value::as_seq)
            .into_iter()
            .flatten()
            .collect();
        let mut text = String::new();
        for (i, index) in txns.iter().enumerate() {
            text.push_str(&format!("T{index}"));
            if let Some(step) = steps.get(i) {
                text.push_str(&format!(" -{}→ ", edge(step)));
            }
        }
        for step in &steps {
            finding.evidence.push(format!("edge {}", edge(step)));
        }
        finding.evidence.insert(0, format!("cycle {text}"));
        format!("cycle {text}")
    } else {
        let mut parts = Vec::new();
        if let Some(op) = anomaly
            .get_kw("op")
            .and_then(|v| cited_ops(v).first().copied())
        {
            parts.push(format!("in {}", txn(run, op)));
        }
        if let Some(mop) = anomaly.get_kw("mop") {
            parts.push(format!("the read {mop}"));
        }
        if let Some(writer) = anomaly
            .get_kw("writer")
            .and_then(|v| cited_ops(v).first().copied())
        {
            parts.push(format!("saw the write of {}", txn(run, writer)));
        }
        if let Some(expected) = anomaly.get_kw("expected") {
            parts.push(format!("expected {expected}"));
        }
        for key in ["key", "value"] {
            if let Some(v) = anomaly.get_kw(key) {
                parts.push(format!("{key} {v}"));
            }
        }
        if parts.is_empty() {
            parts.push(anomaly.to_string());
        }
        parts.join(", ")
    };
    finding.summary = format!("{kind}: {what}; {}", why_forbidden(kind));
    finding.values = ["mop", "key", "value"]
        .iter()
        .filter_map(|k| anomaly.get_kw(k))
        .map(crate::ops::edn_json)
        .collect();
    finding.ops = unique;
    finding
}

/// `wr key 36 = 7`, `rw key 35 = 6`, `process`, `realtime`.
fn edge(step: &Value) -> String {
    let kind = step
        .get_kw("type")
        .and_then(Value::as_keyword)
        .unwrap_or("?");
    match (step.get_kw("key"), step.get_kw("value")) {
        (Some(k), Some(v)) => format!("{kind} key {k} = {v}"),
        (Some(k), None) => format!("{kind} key {k}"),
        _ => kind.to_string(),
    }
}

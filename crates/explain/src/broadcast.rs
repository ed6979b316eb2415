//! broadcast and g-set: for every value `results.edn` lists as `:lost`, who
//! acknowledged it, which nodes it reached and when, and for each node it
//! never reached whether anyone sent it there, whether a partition dropped
//! it, and how many reads there missed it.

use std::collections::BTreeMap;

use checker::history::{Op, OpType};
use edn::Value;
use serde_json::Value as Json;

use crate::Finding;
use crate::journal::{Fate, Traced, carries};
use crate::ops::edn_json;
use crate::store::{Run, and_list, node_order, secs};

/// Message traces longer than this are cut (the count is still given).
const TRACE_LIMIT: usize = 60;
/// Reads that missed a value, quoted one by one up to this many.
const MISSED_READS_SHOWN: usize = 6;

pub fn findings(run: &Run) -> Vec<Finding> {
    let Some(lost) = run
        .workload_results()
        .and_then(|w| w.get_kw("lost"))
        .and_then(Value::as_seq)
    else {
        return Vec::new();
    };
    lost.iter().map(|v| lost_value(run, v)).collect()
}

/// The broadcast or add op of `value` that completed ok (else any completion).
fn acknowledgement<'a>(run: &'a Run, value: &Value) -> Option<&'a Op> {
    const ADDS: [&str; 2] = ["broadcast", "add"];
    run.ok_ops(&ADDS).find(|op| &op.value == value).or_else(|| {
        run.history.iter().find(|op| {
            ADDS.contains(&op.f.as_str()) && op.kind != OpType::Invoke && &op.value == value
        })
    })
}

/// Ok reads per node: (time, index, whether it held `value`).
fn reads_by_node(run: &Run, value: &Value) -> BTreeMap<String, Vec<(u64, u64, bool)>> {
    let mut by_node: BTreeMap<String, Vec<(u64, u64, bool)>> = BTreeMap::new();
    for op in run.ok_ops(&["read"]) {
        let Some(node) = run.node_of(op.process) else {
            continue;
        };
        let held = op.value.as_seq().is_some_and(|vs| vs.contains(value));
        by_node
            .entry(node.to_string())
            .or_default()
            .push((op.time, op.index, held));
    }
    by_node
}

fn lost_value(run: &Run, value: &Value) -> Finding {
    let json_value = edn_json(value);
    let ack = acknowledgement(run, value);
    let ack_node = ack
        .and_then(|op| run.node_of(op.process))
        .map(str::to_string);
    let ack_time = ack.map_or(0, |op| op.time);
    let mut finding = Finding::new("lost-value", String::new());
    finding.values.push(json_value.clone());
    let mut parts = Vec::new();
    match ack {
        Some(op) => {
            finding.ops.push(op.index);
            parts.push(format!(
                "acknowledged by {} at {}",
                ack_node.as_deref().unwrap_or("?"),
                secs(op.time as i64)
            ));
            finding
                .evidence
                .push(format!("acknowledged: {}", run.describe(op)));
        }
        None => parts.push("never acknowledged in the history".to_string()),
    }

    let carriers: Vec<&Traced> = run
        .journal
        .as_ref()
        .map(|j| {
            j.messages
                .iter()
                .filter(|m| carrier(m, &json_value))
                .collect()
        })
        .unwrap_or_default();
    let has_trace = run.journal.as_ref().is_some_and(|j| !j.messages.is_empty());

    // First arrival per node: from the journal when there is one, else the first read holding it.
    let mut reached: BTreeMap<String, Option<i64>> = BTreeMap::new();
    if let Some(node) = &ack_node {
        reached.insert(node.clone(), Some(ack_time as i64));
    }
    let reads = reads_by_node(run, value);
    if has_trace {
        for m in carriers
            .iter()
            .filter(|m| m.fate == Fate::Delivered && is_node(&m.dest))
        {
            let at = m.fate_ns.or(m.time_ns);
            let entry = reached.entry(m.dest.clone()).or_insert(at);
            if at < *entry || entry.is_none() {
                *entry = at;
            }
        }
    } else {
        for (node, rs) in &reads {
            if let Some((t, _, _)) = rs.iter().find(|r| r.2) {
                reached.entry(node.clone()).or_insert(Some(*t as i64));
            }
        }
    }
    let others: Vec<String> = {
        let mut v: Vec<(String, Option<i64>)> = reached
            .iter()
            .filter(|(n, _)| Some(*n) != ack_node.as_ref())
            .map(|(n, t)| (n.clone(), *t))
            .collect();
        v.sort_by_key(|(n, _)| node_order(n));
        let by = v.iter().filter_map(|(_, t)| *t).max();
        if !v.is_empty() {
            let names: Vec<String> = v.iter().map(|(n, _)| n.clone()).collect();
            let verb = if has_trace { "reached" } else { "read by" };
            parts.push(match by {
                Some(t) => format!("{verb} {} by {}", and_list(&names), secs(t)),
                None => format!("{verb} {}", and_list(&names)),
            });
        }
        v.into_iter().map(|(n, _)| n).collect()
    };
    let never: Vec<String> = run
        .nodes
        .iter()
        .filter(|n| !reached.contains_key(*n))
        .cloned()
        .collect();
    finding.nodes = ack_node.iter().cloned().chain(others).collect();
    finding.nodes.extend(never.iter().cloned());

    if has_trace && !never.is_empty() {
        parts.push(never_reached(run, &never, &carriers, ack_node.as_deref()));
    }
    if !never.is_empty() {
        let mut missed = 0;
        let mut last = None;
        for node in &never {
            for (t, index, held) in reads.get(node).into_iter().flatten() {
                if !held && *t >= ack_time {
                    missed += 1;
                    last = Some(last.map_or(*t, |l: u64| l.max(*t)));
                    if missed <= MISSED_READS_SHOWN {
                        finding.evidence.push(format!(
                            "missed by {}",
                            run.op(*index)
                                .map(|op| run.describe(op))
                                .unwrap_or_default()
                        ));
                    }
                }
            }
        }
        if missed > MISSED_READS_SHOWN {
            finding.evidence.push(format!(
                "… and {} more reads that missed it",
                missed - MISSED_READS_SHOWN
            ));
        }
        let who = and_list(&never);
        parts.push(match last {
            Some(t) => format!(
                "{who} missed it in {missed} read{} up to {}",
                if missed == 1 { "" } else { "s" },
                secs(t as i64)
            ),
            None => format!("{who} never read after it was acknowledged"),
        });
    }
    if let Some(p) = ack.and_then(|op| run.partition_at(op.time as i64)) {
        finding.evidence.push(format!(
            "partition in force at the acknowledgement ({} to {}): {}",
            secs(p.start_ns as i64),
            p.end_ns.map_or("the end".to_string(), |e| secs(e as i64)),
            p.grudge
                .iter()
                .map(|(d, s)| format!("{d} drops {}", s.join(" ")))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(source) = run.journal.as_ref().map(|j| &j.source)
        && let Some(note) = &source.note
    {
        finding.evidence.push(format!("trace incomplete: {note}"));
    }
    if carriers.len() > TRACE_LIMIT {
        finding.evidence.push(format!(
            "{} messages carried it; the trace keeps the first {TRACE_LIMIT}",
            carriers.len()
        ));
    }
    for m in carriers.iter().take(TRACE_LIMIT) {
        finding.evidence.push(message_line(m));
    }
    finding.messages = carriers.into_iter().take(TRACE_LIMIT).cloned().collect();
    finding.summary = format!("value {json_value}: {}", parts.join("; "));
    finding
}

/// For each node the value never reached: sent there and dropped, or never sent.
fn never_reached(
    run: &Run,
    never: &[String],
    carriers: &[&Traced],
    ack_node: Option<&str>,
) -> String {
    let mut unsent = Vec::new();
    let mut clauses = Vec::new();
    for node in never {
        let toward: Vec<&&Traced> = carriers.iter().filter(|m| &m.dest == node).collect();
        if toward.is_empty() {
            unsent.push(node.clone());
            continue;
        }
        let dropped = toward.iter().filter(|m| m.fate == Fate::Dropped).count();
        clauses.push(if dropped == toward.len() {
            format!(
                "sent to {node} {} time{}, all dropped by the partition",
                toward.len(),
                if toward.len() == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "sent to {node} {} time{}, {dropped} dropped, the rest undelivered",
                toward.len(),
                if toward.len() == 1 { "" } else { "s" }
            )
        });
    }
    if !unsent.is_empty() {
        let mut clause = format!("never sent to {}", or_list(&unsent));
        if let Some(origin) = ack_node {
            let peers: Vec<&String> = run.nodes.iter().filter(|n| n.as_str() != origin).collect();
            let mut told: Vec<&str> = carriers
                .iter()
                .filter(|m| m.src == origin && is_node(&m.dest))
                .map(|m| m.dest.as_str())
                .collect();
            told.sort();
            told.dedup();
            clause.push_str(&format!(
                " ({origin} sent it to {} of its {} peers)",
                told.len(),
                peers.len()
            ));
        }
        clauses.insert(0, clause);
    }
    clauses.join("; ")
}

fn is_node(id: &str) -> bool {
    id.starts_with('n')
}

/// A message that carried `value`: the client's request, or node-to-node traffic holding it.
fn carrier(m: &Traced, value: &Json) -> bool {
    if m.src.starts_with('c') {
        return (m.kind == "broadcast" && m.body.get("message") == Some(value))
            || (m.kind == "add" && m.body.get("element") == Some(value));
    }
    is_node(&m.src) && is_node(&m.dest) && carries(&m.body, value)
}

/// `4.210 s n3 → n1 gossip msg 12: delivered at 4.312 s`.
pub fn message_line(m: &Traced) -> String {
    let at = m
        .time_ns
        .map_or("?".to_string(), |t| format!("{:.3} s", t as f64 / 1e9));
    let id = m.msg_id.map_or(String::new(), |i| format!(" msg {i}"));
    let fate = match (m.fate, m.fate_ns) {
        (fate, Some(t)) => format!("{} at {:.3} s", fate.name(), t as f64 / 1e9),
        (fate, None) => fate.name().to_string(),
    };
    format!("{at} {} → {} {}{id}: {fate}", m.src, m.dest, m.kind)
}

/// `n1, n2 or n4`.
fn or_list(items: &[String]) -> String {
    match items {
        [init @ .., last] if !init.is_empty() => format!("{} or {last}", init.join(", ")),
        _ => items.join(""),
    }
}

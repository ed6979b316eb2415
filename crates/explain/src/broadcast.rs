//! broadcast and g-set: for every value `results.edn` lists as `:lost`, and
//! every value Maelstrom counts stable although some node's last read lacks
//! it (`missing-value`): who acknowledged it, which nodes it reached and when,
//! and for each node it never reached whether anyone sent it there, whether a
//! partition dropped it, and how many reads there missed it.

use std::collections::{BTreeMap, HashMap, HashSet};

use checker::history::{Op, OpType, invocations};
use edn::Value;
use serde_json::Value as Json;

use crate::Finding;
use crate::journal::{Fate, Traced};
use crate::ops::edn_json;
use crate::store::{Run, and_list, node_order, secs};

/// Message traces longer than this are cut (the count is still given).
const TRACE_LIMIT: usize = 60;
/// Reads that missed a value, quoted one by one up to this many.
const MISSED_READS_SHOWN: usize = 6;

pub fn findings(run: &Run) -> Vec<Finding> {
    let lost = run
        .workload_results()
        .and_then(|w| w.get_kw("lost"))
        .and_then(Value::as_seq)
        .unwrap_or_default();
    let lost_keys: HashSet<i64> = lost.iter().filter_map(Value::as_i64).collect();
    let missing = missing_values(run, &lost_keys);
    let tracked: HashSet<i64> = lost_keys.iter().chain(missing.keys()).copied().collect();
    let index = Index::new(run, &tracked);
    let mut out: Vec<Finding> = lost
        .iter()
        .map(|v| value_finding(run, &index, v, None))
        .collect();
    out.extend(
        missing
            .iter()
            .map(|(v, m)| value_finding(run, &index, &Value::Int(*v), Some(m))),
    );
    out
}

/// Why a value Maelstrom does not count lost is still a finding: the last
/// read of some node lacked it, and a read invoked later held it.
struct Missing<'a> {
    /// Each node whose last ok read lacked the value, with that read.
    reads: Vec<(&'a str, &'a Op)>,
    /// The latest-invoked read that held it (why the checker calls it stable).
    held: Option<&'a Op>,
}

/// Values acknowledged (or read) before some node's last read was invoked,
/// absent from that read, and not in `:lost`.
fn missing_values<'a>(run: &'a Run, lost: &HashSet<i64>) -> BTreeMap<i64, Missing<'a>> {
    let invoked = invocations(&run.history);
    let added: HashSet<i64> = run
        .history
        .iter()
        .filter(|op| op.kind == OpType::Invoke && matches!(op.f.as_str(), "broadcast" | "add"))
        .filter_map(|op| op.value.as_i64())
        .collect();
    // Value → position of the op that made it known; → (invocation, read) of its latest holder.
    let mut known: HashMap<i64, usize> = HashMap::new();
    let mut held: HashMap<i64, (usize, &Op)> = HashMap::new();
    let mut last_read: BTreeMap<&str, usize> = BTreeMap::new();
    for (pos, op) in run.history.iter().enumerate() {
        if op.kind != OpType::Ok {
            continue;
        }
        match op.f.as_str() {
            "broadcast" | "add" => {
                if let Some(v) = op.value.as_i64() {
                    known.entry(v).or_insert(pos);
                }
            }
            "read" => {
                let invocation = invoked[pos].unwrap_or(pos);
                for v in read_values(op).filter(|v| added.contains(v)) {
                    known.entry(v).or_insert(pos);
                    let latest = held.entry(v).or_insert((invocation, op));
                    if invocation > latest.0 {
                        *latest = (invocation, op);
                    }
                }
                if let Some(node) = run.node_of(op.process) {
                    last_read.insert(node, pos);
                }
            }
            _ => {}
        }
    }
    let mut missing: BTreeMap<i64, Missing<'a>> = BTreeMap::new();
    for (node, pos) in last_read {
        let read = &run.history[pos];
        let invocation = invoked[pos].unwrap_or(pos);
        let has: HashSet<i64> = read_values(read).collect();
        for (v, _) in known
            .iter()
            .filter(|(v, at)| **at < invocation && !has.contains(v) && !lost.contains(v))
        {
            missing
                .entry(*v)
                .or_insert_with(|| Missing {
                    reads: Vec::new(),
                    held: held.get(v).map(|(_, op)| *op),
                })
                .reads
                .push((node, read));
        }
    }
    for m in missing.values_mut() {
        m.reads.sort_by_key(|(node, _)| node_order(node));
    }
    missing
}

fn read_values(op: &Op) -> impl Iterator<Item = i64> + '_ {
    op.value
        .as_seq()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
}

/// What every lost or missing value needs, gathered in one pass over the history and
/// the journal (a 25-node run has thousands of reads and messages).
/// Broadcast and g-set elements are integers; only they are indexed.
struct Index<'a> {
    /// Ok reads per node: (time, op index, the tracked values it held).
    reads: BTreeMap<String, Vec<(u64, u64, HashSet<i64>)>>,
    /// Tracked value → the messages that carried it, in send order.
    carriers: HashMap<i64, Vec<&'a Traced>>,
    /// Tracked value → its acknowledged add.
    acks: HashMap<i64, &'a Op>,
}

impl<'a> Index<'a> {
    fn new(run: &'a Run, lost: &HashSet<i64>) -> Index<'a> {
        let mut reads: BTreeMap<String, Vec<(u64, u64, HashSet<i64>)>> = BTreeMap::new();
        for op in run.ok_ops(&["read"]) {
            let Some(node) = run.node_of(op.process) else {
                continue;
            };
            let held = read_values(op).filter(|v| lost.contains(v)).collect();
            reads
                .entry(node.to_string())
                .or_default()
                .push((op.time, op.index, held));
        }
        let mut acks = HashMap::new();
        for op in run.ok_ops(&["broadcast", "add"]) {
            if let Some(v) = op.value.as_i64().filter(|v| lost.contains(v)) {
                acks.entry(v).or_insert(op);
            }
        }
        let mut carriers: HashMap<i64, Vec<&Traced>> = HashMap::new();
        for m in run.journal.iter().flat_map(|j| &j.messages) {
            let mut carried = HashSet::new();
            if m.src.starts_with('c') {
                let field = match m.kind.as_str() {
                    "broadcast" => "message",
                    "add" => "element",
                    _ => continue,
                };
                carried.extend(m.body.get(field).and_then(Json::as_i64));
            } else if is_node(&m.src) && is_node(&m.dest) {
                numbers(&m.body, &mut carried);
            }
            for v in carried.into_iter().filter(|v| lost.contains(v)) {
                carriers.entry(v).or_default().push(m);
            }
        }
        Index {
            reads,
            carriers,
            acks,
        }
    }
}

/// Every integer in a message body, except its message ids.
fn numbers(body: &Json, out: &mut HashSet<i64>) {
    match body {
        Json::Array(items) => items.iter().for_each(|i| numbers(i, out)),
        Json::Object(map) => map
            .iter()
            .filter(|(k, _)| *k != "msg_id" && *k != "in_reply_to")
            .for_each(|(_, v)| numbers(v, out)),
        other => out.extend(other.as_i64()),
    }
}

/// A `lost-value` finding, or with `missing` a `missing-value` one.
fn value_finding(
    run: &Run,
    index: &Index<'_>,
    value: &Value,
    missing: Option<&Missing<'_>>,
) -> Finding {
    let json_value = edn_json(value);
    let key = value.as_i64();
    let ack = key.and_then(|k| index.acks.get(&k).copied());
    let ack_node = ack
        .and_then(|op| run.node_of(op.process))
        .map(str::to_string);
    let ack_time = ack.map_or(0, |op| op.time);
    let kind = if missing.is_some() {
        "missing-value"
    } else {
        "lost-value"
    };
    let mut finding = Finding::new(kind, String::new());
    finding.values.push(json_value.clone());
    let mut parts = Vec::new();
    if let Some(missing) = missing {
        parts.push(missing_part(run, missing));
    }
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
    if let Some(missing) = missing {
        for (_, read) in &missing.reads {
            finding.ops.push(read.index);
            finding
                .evidence
                .push(format!("last read without it: {}", run.describe(read)));
        }
        if let Some(read) = missing.held {
            finding
                .evidence
                .push(format!("a later read held it: {}", run.describe(read)));
        }
    }

    let carriers: Vec<&Traced> = key
        .and_then(|k| index.carriers.get(&k))
        .cloned()
        .unwrap_or_default();
    let has_trace = run.journal.as_ref().is_some_and(|j| !j.messages.is_empty());

    // First arrival per node: from the journal when there is one, else the first read holding it.
    let mut reached: BTreeMap<String, Option<i64>> = BTreeMap::new();
    if let Some(node) = &ack_node {
        reached.insert(node.clone(), Some(ack_time as i64));
    }
    let reads = &index.reads;
    let holds = |held: &HashSet<i64>| key.is_some_and(|k| held.contains(&k));
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
        for (node, rs) in reads {
            if let Some((t, _, _)) = rs.iter().find(|r| holds(&r.2)) {
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
                if !holds(held) && *t >= ack_time {
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
        let who = if everyone_else(run, &never, ack_node.as_deref()) {
            format!("the other {} nodes", never.len())
        } else {
            and_list(&never)
        };
        parts.push(match last {
            Some(t) => format!(
                "{who} missed it in {missed} read{} up to {}",
                if missed == 1 { "" } else { "s" },
                secs(t as i64)
            ),
            None => format!("{who} never read after it was acknowledged"),
        });
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

/// `missing from the last read of n2 (#301 at 5.03 s) but not counted lost
/// (#305 on n3, invoked later, held it)`.
fn missing_part(run: &Run, missing: &Missing<'_>) -> String {
    let reads: Vec<String> = missing
        .reads
        .iter()
        .map(|(node, read)| format!("{node} (#{} at {})", read.index, secs(read.time as i64)))
        .collect();
    let mut part = format!("missing from the last read of {}", and_list(&reads));
    if let Some(read) = missing.held {
        part.push_str(&format!(
            " but not counted lost (#{} on {}, invoked later, held it)",
            read.index,
            run.node_of(read.process).unwrap_or("?")
        ));
    }
    part
}

/// For each node the value never reached: sent there and dropped, or never sent.
fn never_reached(
    run: &Run,
    never: &[String],
    carriers: &[&Traced],
    ack_node: Option<&str>,
) -> String {
    let mut unsent = Vec::new();
    let mut all_dropped = Vec::new();
    let mut dropped_messages = 0;
    let mut clauses = Vec::new();
    for node in never {
        let toward: Vec<&&Traced> = carriers.iter().filter(|m| &m.dest == node).collect();
        let dropped = toward.iter().filter(|m| m.fate == Fate::Dropped).count();
        if toward.is_empty() {
            unsent.push(node.clone());
        } else if dropped == toward.len() {
            all_dropped.push(node.clone());
            dropped_messages += dropped;
        } else {
            clauses.push(format!(
                "sent to {node} {} time{}, {dropped} dropped, the rest undelivered",
                toward.len(),
                if toward.len() == 1 { "" } else { "s" }
            ));
        }
    }
    if !all_dropped.is_empty() {
        clauses.insert(
            0,
            format!(
                "sent to {} ({dropped_messages} message{}), all dropped by the partition",
                and_list(&all_dropped),
                if dropped_messages == 1 { "" } else { "s" }
            ),
        );
    }
    if !unsent.is_empty() {
        let mut clause = if everyone_else(run, &unsent, ack_node) {
            "never sent to any other node".to_string()
        } else {
            format!("never sent to {}", or_list(&unsent))
        };
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

/// True when `nodes` are all the nodes but the acknowledging one (and there are several).
fn everyone_else(run: &Run, nodes: &[String], ack_node: Option<&str>) -> bool {
    nodes.len() > 4
        && nodes.len() + 1 == run.nodes.len()
        && ack_node.is_some_and(|a| !nodes.iter().any(|n| n == a))
}

//! The kafka checker: Jepsen's `jepsen.tests.kafka` analysis as Maelstrom
//! runs it (subscription by assign only, no write-write inference), producing
//! the `:workload` map of `results.edn`.
//!
//! From client ops it rebuilds each key's log, then looks for inconsistent
//! offsets, duplicates, aborted reads (G1a), lost writes, skipped or
//! backward polls (within one poll and across a process's polls),
//! backward sends, messages never polled (`:unseen`) and wr + realtime
//! cycles. Error lists are trimmed and sorted as Jepsen's `condense-error`
//! does. It draws no plots and writes no files.

use crate::workloads::txn::fast_hash::{FastMap, FastSet};
mod cases;
mod log;
mod ops;

use std::cmp::Ordering;
use std::collections::BTreeMap;

use edn::Value;

use crate::history::{self, Op, OpType};
use cases::{Case, Context};
use ops::{KafkaOp, KeyId, Keys};

use super::txn::graph::{self, DepGraph, Rel, Step};

/// Error types that never fail a Maelstrom kafka test (write-write cycles
/// are normal in Kafka's model; one send per op cannot skip).
const ALLOWED: [&str; 6] = [
    "int-send-skip",
    "G0",
    "G0-process",
    "G0-realtime",
    "PL-1-cycle-exists",
    "strong-PL-1-cycle-exists",
];

/// The `:workload` map for a kafka history.
pub fn check(history: &[Op]) -> Value {
    let mut keys = Keys::default();
    let ops = ops::parse(history, &mut keys);
    let ok_reads = log::ok_reads(&ops);
    let orders = log::version_orders(&ops, &ok_reads);
    let cx = Context::new(&ops, &keys, &orders, &ok_reads);

    let mut errors: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    let mut add = |name: &str, found: Vec<Case>| {
        if !found.is_empty() {
            errors.insert(name.to_string(), found);
        }
    };
    add("inconsistent-offsets", cases::inconsistent_offsets(&cx));
    add("duplicate", cases::duplicates(&cx));
    add("G1a", cases::aborted_reads(&cx));
    add("lost-write", cases::lost_writes(&cx));
    let (skips, backwards) = cases::internal_order(&cx, true);
    add("int-poll-skip", skips);
    add("int-nonmonotonic-poll", backwards);
    let (skips, backwards) = cases::internal_order(&cx, false);
    add("int-send-skip", skips);
    add("int-nonmonotonic-send", backwards);
    let (skips, backwards) = cases::poll_order(&cx);
    add("poll-skip", skips);
    add("nonmonotonic-poll", backwards);
    add("nonmonotonic-send", cases::nonmonotonic_sends(&cx));
    for (name, found) in cycles(history, &ops, &keys) {
        add(&name, found);
    }

    let unseen = unseen(&ops, &keys);
    let error_types: Vec<String> = errors
        .keys()
        .cloned()
        .chain(unseen.is_some().then(|| "unseen".to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let bad: Vec<&String> = error_types
        .iter()
        .filter(|t| !ALLOWED.contains(&t.as_str()))
        .collect();

    let mut entries = vec![
        (Value::kw("valid?"), Value::Bool(bad.is_empty())),
        (
            Value::kw("worst-realtime-lag"),
            worst_realtime_lag(history, &ops, &keys),
        ),
        (
            Value::kw("bad-error-types"),
            Value::List(bad.iter().map(|t| Value::kw(t)).collect()),
        ),
        (
            Value::kw("error-types"),
            Value::List(error_types.iter().map(|t| Value::kw(t)).collect()),
        ),
        (Value::kw("info-txn-causes"), info_txn_causes(&ops)),
    ];
    for name in &error_types {
        let value = match (name.as_str(), &unseen) {
            ("unseen", Some(unseen)) => unseen.clone(),
            _ => condense(name, &errors[name]),
        };
        entries.push((Value::kw(name), value));
    }
    Value::Map(entries)
}

/// `{:count n, :errs (...)}`, keeping the cases Jepsen keeps for this type.
fn condense(name: &str, found: &[Case]) -> Value {
    let mut sorted: Vec<&Case> = found.iter().collect();
    sorted.sort_by_key(|c| c.weight); // stable, like Clojure's sort-by
    let kept: Vec<&Case> = match name {
        "duplicate" | "inconsistent-offsets" => sorted.into_iter().take(32).collect(),
        "int-nonmonotonic-poll"
        | "int-nonmonotonic-send"
        | "nonmonotonic-poll"
        | "nonmonotonic-send" => sorted.into_iter().take(8).collect(),
        "int-poll-skip" | "int-send-skip" | "poll-skip" => {
            let skip = sorted.len().saturating_sub(8);
            sorted.into_iter().skip(skip).collect()
        }
        n if n.starts_with("G0") || n.starts_with("G1c") => sorted.into_iter().take(8).collect(),
        _ => found.iter().collect(),
    };
    Value::kw_map([
        ("count", Value::Int(found.len() as i64)),
        (
            "errs",
            Value::List(kept.into_iter().map(|c| c.value.clone()).collect()),
        ),
    ])
}

/// Distinct `:error`s of indeterminate sends and polls (`nil` when absent).
fn info_txn_causes(ops: &[KafkaOp<'_>]) -> Value {
    let mut causes: Vec<Value> = Vec::new();
    for op in ops {
        if op.kind() == OpType::Info && matches!(op.op.f.as_str(), "txn" | "send" | "poll") {
            let cause = op.op.extra("error").cloned().unwrap_or(Value::Nil);
            if !causes.contains(&cause) {
                causes.push(cause);
            }
        }
    }
    Value::List(causes)
}

/// Orders keys as Clojure's `compare` would for the key types seen here:
/// numbers numerically, strings lexicographically, numbers before strings.
fn compare_keys(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        (Value::Int(_), _) => Ordering::Less,
        (_, Value::Int(_)) => Ordering::Greater,
        _ => format!("{a:?}").cmp(&format!("{b:?}")),
    }
}

/// Messages acknowledged by `:ok` sends but never returned by an `:ok` poll,
/// at the end of the history: `{:time t, :unseen {k n}, :messages {k (...)}}`.
fn unseen(ops: &[KafkaOp<'_>], keys: &Keys) -> Option<Value> {
    let mut pending: FastMap<KeyId, FastSet<i64>> = FastMap::default();
    let mut polled: FastMap<KeyId, FastSet<i64>> = FastMap::default();
    let mut last_time = None;
    for op in ops {
        if op.kind() != OpType::Ok || !matches!(op.op.f.as_str(), "poll" | "send" | "txn") {
            continue;
        }
        last_time = Some(op.op.time);
        for (k, pairs) in &op.reads {
            let seen = polled.entry(*k).or_default();
            seen.extend(pairs.iter().map(|&(_, v)| v));
            if let Some(waiting) = pending.get_mut(k) {
                waiting.retain(|v| !seen.contains(v));
            }
        }
        for &(k, _, v) in &op.writes {
            if !polled.get(&k).is_some_and(|seen| seen.contains(&v)) {
                pending.entry(k).or_default().insert(v);
            }
        }
    }
    let mut waiting: Vec<(KeyId, Vec<i64>)> = pending
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(k, values)| {
            let mut values: Vec<i64> = values.into_iter().collect();
            values.sort_unstable();
            (k, values)
        })
        .collect();
    if waiting.is_empty() {
        return None;
    }
    waiting.sort_by(|a, b| compare_keys(keys.value(a.0), keys.value(b.0)));
    let counts = waiting
        .iter()
        .map(|(k, values)| (keys.value(*k).clone(), Value::Int(values.len() as i64)))
        .collect();
    let messages = waiting
        .iter()
        .map(|(k, values)| {
            let shown = values.iter().take(32).map(|&v| Value::Int(v)).collect();
            (keys.value(*k).clone(), Value::List(shown))
        })
        .collect();
    Some(Value::kw_map([
        (
            "time",
            last_time.map_or(Value::Nil, |t| Value::Int(t as i64)),
        ),
        ("unseen", Value::Map(counts)),
        ("messages", Value::Map(messages)),
    ]))
}

/// Highest offset per key an `:ok`/`:info` op sent or polled (-1 for a key
/// polled with nothing).
fn max_offsets(op: &KafkaOp<'_>) -> Vec<(KeyId, i64)> {
    let mut out: Vec<(KeyId, i64)> = Vec::new();
    if !matches!(op.kind(), OpType::Ok | OpType::Info) {
        return out;
    }
    let mut bump = |k: KeyId, offset: i64| match out.iter_mut().find(|(key, _)| *key == k) {
        Some(slot) => slot.1 = slot.1.max(offset),
        None => out.push((k, offset)),
    };
    if matches!(op.op.f.as_str(), "poll" | "txn") {
        for (k, pairs) in &op.reads {
            bump(
                *k,
                pairs.iter().filter_map(|p| p.0).max().unwrap_or(-1).max(-1),
            );
        }
    }
    if matches!(op.op.f.as_str(), "send" | "txn") {
        for &(k, offset, _) in &op.writes {
            if let Some(offset) = offset {
                bump(k, offset);
            }
        }
    }
    out
}

/// Offsets beyond this are not tracked for lag (a bogus offset must not make
/// the checker allocate or loop without bound).
const MAX_LAG_OFFSET: i64 = 1 << 22;

/// The keys a process is assigned, with the highest offset it polled in each
/// and a min-ordered index of when each key's next offset came to exist.
#[derive(Default)]
struct Assignment {
    offsets: FastMap<KeyId, i64>,
    /// (time offset+1 was known to exist, key) for keys where it is known.
    by_expiry: std::collections::BTreeSet<(u64, KeyId)>,
}

impl Assignment {
    fn expiry(expired: &FastMap<KeyId, Vec<Option<u64>>>, k: KeyId, offset: i64) -> Option<u64> {
        let slot = usize::try_from(offset.checked_add(1)?).ok()?;
        expired.get(&k)?.get(slot).copied().flatten()
    }

    fn set(&mut self, expired: &FastMap<KeyId, Vec<Option<u64>>>, k: KeyId, offset: i64) {
        if let Some(old) = self.offsets.insert(k, offset)
            && let Some(t) = Assignment::expiry(expired, k, old)
        {
            self.by_expiry.remove(&(t, k));
        }
        if let Some(t) = Assignment::expiry(expired, k, offset) {
            self.by_expiry.insert((t, k));
        }
    }
}

/// Jepsen's worst real-time lag: how long, at least, a poll trailed the
/// newest message known to exist in a key it was assigned. Seconds.
///
/// A poll's lag in key k is its invocation time minus the time k's next
/// unread offset was known to exist; over a process's keys the worst is the
/// earliest such time, kept in an ordered index so each poll costs only the
/// keys it touched.
fn worst_realtime_lag(history: &[Op], ops: &[KafkaOp<'_>], keys: &Keys) -> Value {
    // expired[k][i]: when offset i-1 was known to be no longer the log's tail.
    let mut expired: FastMap<KeyId, Vec<Option<u64>>> = FastMap::default();
    for op in ops {
        for (k, offset) in max_offsets(op) {
            let slots = expired.entry(k).or_default();
            let top = offset.min(MAX_LAG_OFFSET);
            if top >= 0 && slots.len() <= top as usize {
                slots.resize(top as usize + 1, None);
            }
            let mut i = top;
            while i >= 0 && slots[i as usize].is_none() {
                slots[i as usize] = Some(op.op.time);
                i -= 1;
            }
        }
    }
    let invocations = history::invocations(history);
    let mut assigned: FastMap<history::Process, Assignment> = FastMap::default();
    // (invocation time, process, key, lag); ties keep the earliest.
    let mut worst: Option<(u64, history::Process, KeyId, u64)> = None;
    for op in ops.iter().filter(|o| o.kind() == OpType::Ok) {
        let process = op.op.process;
        match op.op.f.as_str() {
            "assign" => {
                let old = assigned.remove(&process).unwrap_or_default();
                let mut fresh = Assignment::default();
                for k in op
                    .op
                    .value
                    .as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|k| keys.find(k))
                {
                    fresh.set(&expired, k, old.offsets.get(&k).copied().unwrap_or(-1));
                }
                assigned.insert(process, fresh);
            }
            "subscribe" => {
                assigned.insert(process, Assignment::default());
            }
            "poll" | "txn" => {
                let invoked = invocations[op.pos].map_or(op.op.time, |i| history[i].time);
                let assignment = assigned.entry(process).or_default();
                let touched = max_offsets(op);
                for &(k, offset) in &touched {
                    let merged = assignment
                        .offsets
                        .get(&k)
                        .map_or(offset, |&o| o.max(offset));
                    assignment.set(&expired, k, merged);
                }
                let candidate = match assignment.by_expiry.first() {
                    Some(&(t, k)) => Some((k, invoked.saturating_sub(t))),
                    None => touched.first().map(|&(k, _)| (k, 0)),
                };
                if let Some((k, lag)) = candidate
                    && worst.is_none_or(|w| lag > w.3)
                {
                    worst = Some((invoked, process, k, lag));
                }
            }
            _ => {}
        }
    }
    let secs = |nanos: u64| Value::Float(nanos as f64 / 1e9);
    match worst {
        Some((time, process, k, lag)) => Value::kw_map([
            ("time", secs(time)),
            (
                "process",
                match process {
                    history::Process::Client(p) => Value::Int(p as i64),
                    history::Process::Nemesis => Value::kw("nemesis"),
                },
            ),
            ("key", keys.value(k).clone()),
            ("lag", secs(lag)),
        ]),
        None => Value::kw_map([("time", secs(0)), ("lag", secs(0))]),
    }
}

/// Elle cycles over write-read edges plus real-time order, among completed
/// sends and polls: e.g. a poll that returned a message before its send was
/// invoked (G1c-realtime).
fn cycles(history: &[Op], ops: &[KafkaOp<'_>], keys: &Keys) -> Vec<(String, Vec<Case>)> {
    let invocations = history::invocations(history);
    let nodes: Vec<usize> = (0..ops.len())
        .filter(|&i| {
            ops[i].kind() != OpType::Invoke
                && matches!(ops[i].op.f.as_str(), "txn" | "poll" | "send")
        })
        .collect();
    let mut node_of_write: FastMap<(KeyId, i64), usize> = FastMap::default();
    for (n, &i) in nodes.iter().enumerate() {
        for &(k, _, v) in &ops[i].writes {
            node_of_write.insert((k, v), n);
        }
    }
    let mut graph = DepGraph::new(nodes.len());
    for (n, &i) in nodes.iter().enumerate() {
        for (k, pairs) in &ops[i].reads {
            for &(_, v) in pairs {
                if let Some(&writer) = node_of_write.get(&(*k, v)) {
                    graph.link(writer, n, Rel::Wr);
                }
            }
        }
    }
    let spans: Vec<(usize, usize)> = nodes
        .iter()
        .map(|&i| (invocations[ops[i].pos].unwrap_or(ops[i].pos), ops[i].pos))
        .collect();
    for (a, b) in graph::realtime_edges(&spans, |n| ops[nodes[n]].kind() == OpType::Ok) {
        graph.link(a, b, Rel::Realtime);
    }

    let graph = graph.finish();
    let mut found = Vec::new();
    if !graph::has_cycle(&graph, Rel::Wr.bit() | Rel::Realtime.bit()) {
        return found;
    }
    for spec in graph::cycle_specs() {
        if !matches!(spec.name, "G1c" | "G1c-realtime") {
            continue;
        }
        let search = graph::find_cycles(&graph, &spec);
        let list: Vec<Case> = search
            .cycles
            .iter()
            .map(|cycle| {
                let mut members: Vec<Value> = cycle
                    .steps
                    .iter()
                    .map(|s| ops[nodes[s.from]].op.to_tagged_edn())
                    .collect();
                if let Some(first) = members.first().cloned() {
                    members.push(first);
                }
                let steps = cycle
                    .steps
                    .iter()
                    .map(|s| explain(ops, keys, &nodes, s))
                    .collect();
                Case {
                    value: Value::kw_map([
                        ("cycle", Value::Vector(members)),
                        ("steps", Value::List(steps)),
                        ("type", Value::kw(&graph::classify(&cycle.steps))),
                    ]),
                    weight: cycle.steps.len() as i64,
                }
            })
            .collect();
        if !list.is_empty() {
            found.push((spec.name.to_string(), list));
        }
    }
    found
}

fn explain(ops: &[KafkaOp<'_>], keys: &Keys, nodes: &[usize], step: &Step) -> Value {
    let a = &ops[nodes[step.from]];
    let b = &ops[nodes[step.to]];
    match step.rel {
        Rel::Wr => {
            for &(k, _, v) in &a.writes {
                if b.read_values(k).any(|r| r == v) {
                    let index = |op: &KafkaOp<'_>, f: &str| {
                        mop_index(op, f, keys.value(k), v)
                            .map_or(Value::Nil, |i| Value::Int(i as i64))
                    };
                    return Value::kw_map([
                        ("type", Value::kw("wr")),
                        ("key", keys.value(k).clone()),
                        ("value", Value::Int(v)),
                        ("a-mop-index", index(a, "send")),
                        ("b-mop-index", index(b, "poll")),
                    ]);
                }
            }
            Value::kw_map([("type", Value::kw("wr"))])
        }
        rel => Value::kw_map([
            ("type", Value::kw(rel.name())),
            ("a'", a.op.to_tagged_edn()),
            ("b", b.op.to_tagged_edn()),
        ]),
    }
}

/// Position of the op's first `send` of `message` to `key` (`f = "send"`), or
/// of its first `poll` returning it (`f = "poll"`).
fn mop_index(op: &KafkaOp<'_>, f: &str, key: &Value, message: i64) -> Option<usize> {
    op.op.value.as_seq()?.iter().position(|mop| {
        let Some(parts) = mop.as_seq() else {
            return false;
        };
        match (parts.first().and_then(Value::as_keyword), f) {
            (Some("send"), "send") => {
                parts.get(1) == Some(key)
                    && match parts.get(2) {
                        Some(Value::Vector(pair)) => {
                            pair.get(1).and_then(Value::as_i64) == Some(message)
                        }
                        Some(other) => other.as_i64() == Some(message),
                        None => false,
                    }
            }
            (Some("poll"), "poll") => parts
                .get(1)
                .and_then(|polled| polled.get(key))
                .and_then(Value::as_seq)
                .is_some_and(|pairs| {
                    pairs.iter().any(|p| {
                        p.as_seq().and_then(|p| p.get(1)).and_then(Value::as_i64) == Some(message)
                    })
                }),
            _ => false,
        }
    })
}

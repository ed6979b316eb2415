//! Detection of each kafka error type, as Jepsen's kafka checker defines it.
//! Every function returns the uncondensed cases, each with the number Jepsen
//! sorts by when it trims the list for `results.edn`.

use crate::workloads::txn::fast_hash::{FastMap, FastSet};
use std::collections::BTreeMap;

use edn::Value;

use super::log::{KeyOrder, OkReads, must_have_committed};
use super::ops::{KafkaOp, KeyId, Keys};
use crate::history::{OpType, Process};

/// One error case and its sort weight (a delta, a count, or a cycle length).
#[derive(Debug, Clone)]
pub struct Case {
    pub value: Value,
    pub weight: i64,
}

fn case(weight: i64, entries: Vec<(&str, Value)>) -> Case {
    Case {
        value: Value::kw_map(entries),
        weight,
    }
}

/// Shared lookups for the detectors.
pub struct Context<'a, 'h> {
    pub ops: &'a [KafkaOp<'h>],
    pub keys: &'a Keys,
    pub orders: &'a FastMap<KeyId, KeyOrder>,
    pub ok_reads: &'a OkReads,
    /// (key, message) -> the last completed op that sent it.
    pub writer_of: FastMap<(KeyId, i64), usize>,
    /// (key, message) -> completed ops that polled it, in history order.
    pub readers_of: FastMap<(KeyId, i64), Vec<usize>>,
}

impl<'a, 'h> Context<'a, 'h> {
    pub fn new(
        ops: &'a [KafkaOp<'h>],
        keys: &'a Keys,
        orders: &'a FastMap<KeyId, KeyOrder>,
        ok_reads: &'a OkReads,
    ) -> Self {
        let mut writer_of = FastMap::default();
        let mut readers_of: FastMap<(KeyId, i64), Vec<usize>> = FastMap::default();
        for (i, op) in ops.iter().enumerate() {
            if op.kind() == OpType::Invoke {
                continue;
            }
            for &(k, _, v) in &op.writes {
                writer_of.insert((k, v), i);
            }
            for (k, pairs) in &op.reads {
                for &(_, v) in pairs {
                    readers_of.entry((*k, v)).or_default().push(i);
                }
            }
        }
        Context {
            ops,
            keys,
            orders,
            ok_reads,
            writer_of,
            readers_of,
        }
    }

    fn key(&self, k: KeyId) -> Value {
        self.keys.value(k).clone()
    }

    fn op(&self, i: usize) -> Value {
        self.ops[i].op.to_tagged_edn()
    }

    fn index(&self, k: KeyId, v: i64) -> Option<usize> {
        self.orders.get(&k).and_then(|o| o.index_of(v))
    }

    fn skipped(&self, k: KeyId, from: usize, to: usize) -> Value {
        let by_index = self.orders.get(&k).map_or(&[][..], |o| &o.by_index[..]);
        Value::List(
            by_index
                .get(from + 1..to)
                .unwrap_or(&[])
                .iter()
                .map(|&v| Value::Int(v))
                .collect(),
        )
    }

    /// Index difference between two messages of a key; 1 when either is unplaced.
    fn delta(&self, k: KeyId, v1: Option<i64>, v2: Option<i64>) -> (i64, Option<(usize, usize)>) {
        match (
            v1.and_then(|v| self.index(k, v)),
            v2.and_then(|v| self.index(k, v)),
        ) {
            (Some(i1), Some(i2)) => (i2 as i64 - i1 as i64, Some((i1, i2))),
            _ => (1, None),
        }
    }
}

fn int_or_nil(v: Option<i64>) -> Value {
    v.map_or(Value::Nil, Value::Int)
}

/// Offsets holding more than one message.
pub fn inconsistent_offsets(cx: &Context<'_, '_>) -> Vec<Case> {
    let mut cases = Vec::new();
    for (&k, order) in sorted(cx.orders) {
        for (index, (offset, values)) in order.log.iter().enumerate() {
            if values.len() >= 2 {
                let mut sorted_values = values.clone();
                sorted_values.sort_unstable();
                cases.push(case(
                    values.len() as i64,
                    vec![
                        ("key", cx.key(k)),
                        ("offset", Value::Int(*offset)),
                        ("index", Value::Int(index as i64)),
                        (
                            "values",
                            Value::Set(sorted_values.into_iter().map(Value::Int).collect()),
                        ),
                    ],
                ));
            }
        }
    }
    cases
}

/// Messages present at more than one offset of a key.
pub fn duplicates(cx: &Context<'_, '_>) -> Vec<Case> {
    let mut cases = Vec::new();
    for (&k, order) in sorted(cx.orders) {
        let mut offsets_of: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (offset, values) in &order.log {
            for &v in values {
                offsets_of.entry(v).or_default().push(*offset);
            }
        }
        for (v, offsets) in offsets_of.into_iter().filter(|(_, o)| o.len() > 1) {
            cases.push(case(
                offsets.len() as i64,
                vec![
                    ("key", cx.key(k)),
                    ("value", Value::Int(v)),
                    ("count", Value::Int(offsets.len() as i64)),
                    (
                        "offsets",
                        Value::Vector(offsets.into_iter().map(Value::Int).collect()),
                    ),
                ],
            ));
        }
    }
    cases
}

/// G1a: an `:ok` poll saw a message whose send failed.
pub fn aborted_reads(cx: &Context<'_, '_>) -> Vec<Case> {
    let mut failed: FastSet<(KeyId, i64)> = FastSet::default();
    for op in cx.ops.iter().filter(|o| o.kind() == OpType::Fail) {
        failed.extend(op.writes.iter().map(|&(k, _, v)| (k, v)));
    }
    let mut cases = Vec::new();
    for (i, op) in cx.ops.iter().enumerate() {
        if op.kind() != OpType::Ok || !matches!(op.op.f.as_str(), "poll" | "txn") {
            continue;
        }
        for (k, pairs) in &op.reads {
            for &(_, v) in pairs {
                if failed.contains(&(*k, v)) {
                    let writer = cx.writer_of.get(&(*k, v)).map_or(Value::Nil, |&w| cx.op(w));
                    cases.push(case(
                        0,
                        vec![
                            ("key", cx.key(*k)),
                            ("value", Value::Int(v)),
                            ("writer", writer),
                            ("reader", cx.op(i)),
                        ],
                    ));
                }
            }
        }
    }
    cases
}

/// Lost writes: messages below the highest index some `:ok` poll reached,
/// acknowledged (or proven visible), yet never returned by an `:ok` poll.
pub fn lost_writes(cx: &Context<'_, '_>) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut read_keys: Vec<&KeyId> = cx.ok_reads.keys().collect();
    read_keys.sort_unstable();
    for &k in read_keys {
        let read = &cx.ok_reads[&k];
        let Some(order) = cx.orders.get(&k) else {
            continue;
        };
        let first_index = order.first_index();
        let last_index_values = order.last_index_values();
        let Some(bound) = read
            .iter()
            .filter_map(|v| first_index.get(v))
            .max()
            .copied()
        else {
            continue;
        };
        let max_read = || {
            last_index_values[bound]
                .first()
                .and_then(|&v| cx.readers_of.get(&(k, v)))
                .and_then(|readers| readers.first())
                .map_or(Value::Nil, |&r| cx.op(r))
        };
        for values in &last_index_values[..=bound] {
            for &v in values {
                if read.contains(&v) {
                    continue;
                }
                let Some(&writer) = cx.writer_of.get(&(k, v)) else {
                    continue;
                };
                if !must_have_committed(&cx.ops[writer], cx.ok_reads) {
                    continue;
                }
                cases.push(case(
                    0,
                    vec![
                        ("key", cx.key(k)),
                        ("value", Value::Int(v)),
                        ("index", int_or_nil(first_index.get(&v).map(|&i| i as i64))),
                        ("max-read-index", Value::Int(bound as i64)),
                        ("writer", cx.op(writer)),
                        ("max-read", max_read()),
                    ],
                ));
            }
        }
    }
    cases
}

/// Skips and backward steps between consecutive messages of one key inside
/// one op's polls (`int-poll-*`, `reads = true`) or sends (`int-send-*`).
pub fn internal_order(cx: &Context<'_, '_>, reads: bool) -> (Vec<Case>, Vec<Case>) {
    let (mut skips, mut backwards) = (Vec::new(), Vec::new());
    for (i, op) in cx.ops.iter().enumerate() {
        if !reads && op.kind() == OpType::Invoke {
            continue;
        }
        let per_key: Vec<(KeyId, Vec<i64>)> = if reads {
            op.reads
                .iter()
                .map(|(k, pairs)| (*k, pairs.iter().map(|&(_, v)| v).collect()))
                .collect()
        } else {
            op.written_keys()
                .into_iter()
                .map(|k| (k, op.written_values(k).collect()))
                .collect()
        };
        for (k, values) in per_key {
            for pair in values.windows(2) {
                let (v1, v2) = (pair[0], pair[1]);
                let (delta, indices) = cx.delta(k, Some(v1), Some(v2));
                let values = Value::Vector(vec![Value::Int(v1), Value::Int(v2)]);
                if delta > 1 {
                    let (i1, i2) = indices.unwrap_or((0, 0));
                    skips.push(case(
                        delta,
                        vec![
                            ("key", cx.key(k)),
                            ("values", values),
                            ("delta", Value::Int(delta)),
                            ("skipped", cx.skipped(k, i1, i2)),
                            ("op", cx.op(i)),
                        ],
                    ));
                } else if delta < 1 {
                    backwards.push(case(
                        delta,
                        vec![
                            ("key", cx.key(k)),
                            ("values", values),
                            ("delta", Value::Int(delta)),
                            ("op", cx.op(i)),
                        ],
                    ));
                }
            }
        }
    }
    (skips, backwards)
}

/// Ops grouped by process, processes in ascending order, ops in history order.
fn by_process(cx: &Context<'_, '_>, keep: impl Fn(&KafkaOp<'_>) -> bool) -> Vec<Vec<usize>> {
    let mut groups: BTreeMap<Process, Vec<usize>> = BTreeMap::new();
    for (i, op) in cx.ops.iter().enumerate() {
        if keep(op) {
            groups.entry(op.op.process).or_default().push(i);
        }
    }
    groups.into_values().collect()
}

/// Keys an `:assign` op keeps subscribed to.
fn assigned_keys(cx: &Context<'_, '_>, op: &KafkaOp<'_>) -> FastSet<KeyId> {
    op.op
        .value
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|k| cx.keys.find(k))
        .collect()
}

/// Per process, consecutive `:ok` polls of a key that skip ahead
/// (`poll-skip`) or go back (`nonmonotonic-poll`). An `:assign` keeps only
/// the tracking of keys it still assigns.
pub fn poll_order(cx: &Context<'_, '_>) -> (Vec<Case>, Vec<Case>) {
    let (mut skips, mut backwards) = (Vec::new(), Vec::new());
    for ops in by_process(cx, |_| true) {
        let mut last_read: FastMap<KeyId, usize> = FastMap::default();
        for i in ops {
            let op = &cx.ops[i];
            match op.op.f.as_str() {
                // A failed or pending assign changes nothing.
                "assign" | "subscribe" if !matches!(op.kind(), OpType::Invoke | OpType::Fail) => {
                    let kept = assigned_keys(cx, op);
                    last_read.retain(|k, _| kept.contains(k));
                }
                "poll" | "txn" => {
                    for (k, pairs) in &op.reads {
                        let Some(&prev) = last_read.get(k) else {
                            continue;
                        };
                        let v = cx.ops[prev].read_values(*k).last();
                        let v2 = pairs.first().map(|&(_, v)| v);
                        let (delta, indices) = cx.delta(*k, v, v2);
                        let ops_pair = || Value::Vector(vec![cx.op(prev), cx.op(i)]);
                        if delta > 1 {
                            let (i1, i2) = indices.unwrap_or((0, 0));
                            skips.push(case(
                                delta,
                                vec![
                                    ("key", cx.key(*k)),
                                    ("delta", Value::Int(delta)),
                                    ("skipped", cx.skipped(*k, i1, i2)),
                                    ("ops", ops_pair()),
                                ],
                            ));
                        } else if delta < 1 {
                            backwards.push(case(
                                delta,
                                vec![
                                    ("key", cx.key(*k)),
                                    ("values", Value::Vector(vec![int_or_nil(v), int_or_nil(v2)])),
                                    ("delta", Value::Int(delta)),
                                    ("ops", ops_pair()),
                                ],
                            ));
                        }
                    }
                    if op.kind() == OpType::Ok {
                        for (k, _) in &op.reads {
                            last_read.insert(*k, i);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    (skips, backwards)
}

/// Per process, a send landing at or before the index of the process's
/// previous send to the same key.
pub fn nonmonotonic_sends(cx: &Context<'_, '_>) -> Vec<Case> {
    let mut cases = Vec::new();
    let completed = |op: &KafkaOp<'_>| matches!(op.kind(), OpType::Ok | OpType::Info);
    for ops in by_process(cx, completed) {
        let mut last_send: FastMap<KeyId, usize> = FastMap::default();
        for i in ops {
            let op = &cx.ops[i];
            match op.op.f.as_str() {
                "assign" | "subscribe" => {
                    let kept = assigned_keys(cx, op);
                    last_send.retain(|k, _| kept.contains(k));
                }
                "send" | "txn" => {
                    for k in op.written_keys() {
                        if let Some(&prev) = last_send.get(&k) {
                            let v = cx.ops[prev].written_values(k).last();
                            let v2 = op.written_values(k).next();
                            let (delta, _) = cx.delta(k, v, v2);
                            if delta < 1 {
                                cases.push(case(
                                    delta,
                                    vec![
                                        ("key", cx.key(k)),
                                        (
                                            "values",
                                            Value::Vector(vec![int_or_nil(v), int_or_nil(v2)]),
                                        ),
                                        ("delta", Value::Int(delta)),
                                        ("ops", Value::Vector(vec![cx.op(prev), cx.op(i)])),
                                    ],
                                ));
                            }
                        }
                        last_send.insert(k, i);
                    }
                }
                _ => {}
            }
        }
    }
    cases
}

fn sorted(orders: &FastMap<KeyId, KeyOrder>) -> Vec<(&KeyId, &KeyOrder)> {
    let mut list: Vec<(&KeyId, &KeyOrder)> = orders.iter().collect();
    list.sort_unstable_by_key(|(k, _)| **k);
    list
}

//! The per-key log reconstructed from sends and polls, and the dense
//! "version order" Jepsen derives from it.
//!
//! Offsets come from every poll (whatever its outcome: pollers should never
//! see unsafe data) and from sends whose effects are proven visible (`:ok`,
//! or `:info` with a message later polled by an `:ok` poll). The index of an
//! entry is its position among non-empty offsets.

use crate::workloads::txn::fast_hash::{FastMap, FastSet};
use std::collections::BTreeMap;

use super::ops::{KafkaOp, KeyId};
use crate::history::OpType;

/// Messages per key returned by `:ok` polls.
pub type OkReads = FastMap<KeyId, FastSet<i64>>;

pub fn ok_reads(ops: &[KafkaOp<'_>]) -> OkReads {
    let mut reads: OkReads = FastMap::default();
    for op in ops.iter().filter(|o| o.kind() == OpType::Ok) {
        for (key, pairs) in &op.reads {
            reads
                .entry(*key)
                .or_default()
                .extend(pairs.iter().map(|&(_, v)| v));
        }
    }
    reads
}

/// `:ok`, or `:info` with some sent message seen by an `:ok` poll.
pub fn must_have_committed(op: &KafkaOp<'_>, ok_reads: &OkReads) -> bool {
    match op.kind() {
        OpType::Ok => true,
        OpType::Info => op
            .writes
            .iter()
            .any(|(k, _, v)| ok_reads.get(k).is_some_and(|seen| seen.contains(v))),
        _ => false,
    }
}

/// One key's log and its dense order.
#[derive(Debug, Default)]
pub struct KeyOrder {
    /// Non-empty offsets in order, each with its distinct messages in the
    /// order they were first observed there.
    pub log: Vec<(i64, Vec<i64>)>,
    /// Index -> the message representing that index (the first one seen).
    pub by_index: Vec<i64>,
    /// Message -> the last index it represents.
    pub by_value: FastMap<i64, usize>,
}

impl KeyOrder {
    fn from_offsets(offsets: BTreeMap<i64, Vec<i64>>) -> KeyOrder {
        let log: Vec<(i64, Vec<i64>)> = offsets.into_iter().collect();
        let by_index: Vec<i64> = log.iter().map(|(_, values)| values[0]).collect();
        let by_value = by_index.iter().enumerate().map(|(i, &v)| (v, i)).collect();
        KeyOrder {
            log,
            by_index,
            by_value,
        }
    }

    pub fn index_of(&self, value: i64) -> Option<usize> {
        self.by_value.get(&value).copied()
    }

    /// Message -> first index at which it appears.
    pub fn first_index(&self) -> FastMap<i64, usize> {
        let mut first = FastMap::default();
        for (i, (_, values)) in self.log.iter().enumerate() {
            for &v in values {
                first.entry(v).or_insert(i);
            }
        }
        first
    }

    /// Index -> messages whose last appearance is at that index.
    pub fn last_index_values(&self) -> Vec<Vec<i64>> {
        let mut last: FastMap<i64, usize> = FastMap::default();
        for (i, (_, values)) in self.log.iter().enumerate() {
            for &v in values {
                last.insert(v, i);
            }
        }
        let mut by_index = vec![Vec::new(); self.log.len()];
        // Walk the log so each index's messages keep log order.
        for (i, (_, values)) in self.log.iter().enumerate() {
            for &v in values {
                if last[&v] == i && !by_index[i].contains(&v) {
                    by_index[i].push(v);
                }
            }
        }
        by_index
    }
}

/// Orders for every key seen at some offset.
pub fn version_orders(ops: &[KafkaOp<'_>], ok_reads: &OkReads) -> FastMap<KeyId, KeyOrder> {
    let mut logs: FastMap<KeyId, BTreeMap<i64, Vec<i64>>> = FastMap::default();
    let mut record = |key: KeyId, offset: Option<i64>, value: i64| {
        // Negative offsets cannot come from a log; ignore rather than index them.
        if let Some(offset) = offset.filter(|o| *o >= 0) {
            let values = logs.entry(key).or_default().entry(offset).or_default();
            if !values.contains(&value) {
                values.push(value);
            }
        }
    };
    for op in ops {
        if !matches!(op.op.f.as_str(), "poll" | "send" | "txn") {
            continue;
        }
        if must_have_committed(op, ok_reads) {
            for &(key, offset, value) in &op.writes {
                record(key, offset, value);
            }
        }
        for (key, pairs) in &op.reads {
            for &(offset, value) in pairs {
                record(*key, offset, value);
            }
        }
    }
    logs.into_iter()
        .map(|(key, offsets)| (key, KeyOrder::from_offsets(offsets)))
        .collect()
}

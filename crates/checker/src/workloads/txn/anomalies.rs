//! The rw-register anomalies found without cycle search: aborted reads (G1a),
//! intermediate reads (G1b), internal inconsistency and lost updates. Each
//! returns Elle's case maps in history order.

use super::fast_hash::FastMap;

use edn::Value;

use super::infer::{Txn, Version};
use crate::history::OpType;

fn version(v: Version) -> Value {
    v.map_or(Value::Nil, Value::Int)
}

/// G1a: an :ok transaction read a value that a :fail transaction wrote.
pub fn aborted_reads(txns: &[Txn<'_>]) -> Vec<Value> {
    let mut failed: FastMap<(i64, i64), &Txn<'_>> = FastMap::default();
    for txn in txns.iter().filter(|t| t.op.kind == OpType::Fail) {
        for mop in txn.mops.iter().filter(|m| m.write) {
            if let Some(v) = mop.value {
                failed.insert((mop.key, v), txn);
            }
        }
    }
    reads_from(txns, &failed, false)
}

/// G1b: an :ok transaction read a value that another transaction wrote and
/// then overwrote itself (not its final write of that key).
pub fn intermediate_reads(txns: &[Txn<'_>]) -> Vec<Value> {
    let mut intermediate: FastMap<(i64, i64), &Txn<'_>> = FastMap::default();
    for txn in txns {
        let mut last: FastMap<i64, Version> = FastMap::default();
        for mop in txn.mops.iter().filter(|m| m.write) {
            if let Some(Some(previous)) = last.insert(mop.key, mop.value) {
                intermediate.insert((mop.key, previous), txn);
            }
        }
    }
    reads_from(txns, &intermediate, true)
}

/// `{:op reader, :mop [:r k v], :writer w}` for every read mop of an :ok
/// transaction whose value is in `written`.
fn reads_from(
    txns: &[Txn<'_>],
    written: &FastMap<(i64, i64), &Txn<'_>>,
    skip_self: bool,
) -> Vec<Value> {
    let mut cases = Vec::new();
    if written.is_empty() {
        return cases;
    }
    for txn in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        for mop in txn.mops.iter().filter(|m| !m.write) {
            let Some(v) = mop.value else { continue };
            let Some(writer) = written.get(&(mop.key, v)) else {
                continue;
            };
            if skip_self && std::ptr::eq(writer.op, txn.op) {
                continue;
            }
            cases.push(Value::kw_map([
                ("op", txn.op.to_tagged_edn()),
                ("mop", txn.mop_value(mop.position)),
                ("writer", writer.op.to_tagged_edn()),
            ]));
        }
    }
    cases
}

/// Internal inconsistency: inside one :ok transaction, a read that disagrees
/// with the transaction's own earlier write or read of the key. One case (the
/// first) per transaction: `{:op, :mop, :expected}`.
pub fn internal(txns: &[Txn<'_>]) -> Vec<Value> {
    let mut cases = Vec::new();
    for txn in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        // A nil read sets no expectation, as in Elle.
        let mut expected: FastMap<i64, Version> = FastMap::default();
        for mop in &txn.mops {
            if !mop.write
                && let Some(Some(want)) = expected.get(&mop.key)
                && mop.value != Some(*want)
            {
                cases.push(Value::kw_map([
                    ("op", txn.op.to_tagged_edn()),
                    ("mop", txn.mop_value(mop.position)),
                    ("expected", Value::Int(*want)),
                ]));
                break;
            }
            expected.insert(mop.key, mop.value);
        }
    }
    cases
}

/// Lost update: two or more :ok transactions read the same version of a key
/// and then both wrote that key. `{:key, :value, :txns [...]}` per collision,
/// in order of first collision.
pub fn lost_updates(txns: &[Txn<'_>]) -> Vec<Value> {
    let mut by_read: FastMap<(i64, Version), Vec<&Txn<'_>>> = FastMap::default();
    let mut order: Vec<(i64, Version)> = Vec::new();
    for txn in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        let mut first_read: FastMap<i64, Version> = FastMap::default();
        let mut wrote: Vec<i64> = Vec::new();
        for mop in &txn.mops {
            if mop.write {
                if wrote.contains(&mop.key) {
                    continue;
                }
                if let Some(&read) = first_read.get(&mop.key) {
                    wrote.push(mop.key);
                    let slot = by_read.entry((mop.key, read)).or_default();
                    if slot.is_empty() {
                        order.push((mop.key, read));
                    }
                    slot.push(txn);
                }
            } else {
                first_read.entry(mop.key).or_insert(mop.value);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|(key, read)| {
            let colliding = &by_read[&(key, read)];
            (colliding.len() >= 2).then(|| {
                Value::kw_map([
                    ("key", Value::Int(key)),
                    ("value", version(read)),
                    (
                        "txns",
                        Value::Vector(colliding.iter().map(|t| t.op.to_tagged_edn()).collect()),
                    ),
                ])
            })
        })
        .collect()
}

//! Reads rw-register transactions out of a history and infers what Elle
//! infers from them: external reads and writes, the per-key version order
//! (`nil` first, then writes-follow-reads), and the ww / wr / rw / process /
//! realtime dependency graph between committed transactions.
//!
//! Keys and values are integers, as Maelstrom's txn-rw-register generates
//! them; a micro-op of any other shape is ignored rather than trusted.

use super::fast_hash::{FastMap, FastSet};
use edn::Value;

use super::graph::{self, DepGraph, Rel, Step};
use crate::history::{self, Op, OpType};

/// A register value as read or written: `None` is `nil` (never written).
pub type Version = Option<i64>;

/// `(key, value)` pairs, one per key.
pub type KeyValues = Vec<(i64, Version)>;

/// One `[:r k v]` or `[:w k v]`, with its position in the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mop {
    pub write: bool,
    pub key: i64,
    pub value: Version,
    pub position: usize,
}

/// One completed transaction.
#[derive(Debug, Clone)]
pub struct Txn<'h> {
    pub op: &'h Op,
    /// Position of its invocation in the history, when it has one.
    pub invoked_at: Option<usize>,
    /// Position of the completion in the history.
    pub completed_at: usize,
    pub mops: Vec<Mop>,
    ext_reads: KeyValues,
    ext_writes: KeyValues,
}

/// External reads (first read of a key before any write of it) and external
/// writes (last write of each key) of a transaction's micro-ops.
fn externals(mops: &[Mop]) -> (KeyValues, KeyValues) {
    let mut seen: Vec<i64> = Vec::new();
    let mut reads = Vec::new();
    let mut writes: Vec<(i64, Version)> = Vec::new();
    for mop in mops {
        if !seen.contains(&mop.key) {
            seen.push(mop.key);
            if !mop.write {
                reads.push((mop.key, mop.value));
            }
        }
        if mop.write {
            match writes.iter_mut().find(|(k, _)| *k == mop.key) {
                Some(slot) => slot.1 = mop.value,
                None => writes.push((mop.key, mop.value)),
            }
        }
    }
    (reads, writes)
}

impl Txn<'_> {
    /// First read of each key that precedes any write of that key.
    pub fn ext_reads(&self) -> &[(i64, Version)] {
        &self.ext_reads
    }

    /// Last write of each key, in order of first write.
    pub fn ext_writes(&self) -> &[(i64, Version)] {
        &self.ext_writes
    }

    /// Position of the first micro-op equal to `(write, key, value)`.
    pub fn mop_index(&self, write: bool, key: i64, value: Version) -> Option<usize> {
        self.mops
            .iter()
            .find(|m| m.write == write && m.key == key && m.value == value)
            .map(|m| m.position)
    }

    /// The original EDN of micro-op `position`, as printed in anomaly reports.
    pub fn mop_value(&self, position: usize) -> Value {
        match &self.op.value {
            Value::Vector(items) | Value::List(items) => {
                items.get(position).cloned().unwrap_or(Value::Nil)
            }
            _ => Value::Nil,
        }
    }
}

fn parse_mops(value: &Value) -> Vec<Mop> {
    let Some(items) = value.as_seq() else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(position, item)| {
            let parts = item.as_seq()?;
            let [f, key, value] = parts else {
                return None;
            };
            let write = match f.as_keyword()? {
                "r" => false,
                "w" => true,
                _ => return None,
            };
            let value = match value {
                Value::Nil => None,
                other => Some(other.as_i64()?),
            };
            Some(Mop {
                write,
                key: key.as_i64()?,
                value,
                position,
            })
        })
        .collect()
}

/// Completed `:txn` operations of client processes, in history order.
pub fn transactions(history: &[Op]) -> Vec<Txn<'_>> {
    let invocations = history::invocations(history);
    history
        .iter()
        .enumerate()
        .filter(|(_, op)| op.is_client() && op.f == "txn" && op.kind != OpType::Invoke)
        .map(|(pos, op)| {
            let mops = parse_mops(&op.value);
            let (ext_reads, ext_writes) = externals(&mops);
            Txn {
                op,
                invoked_at: invocations[pos],
                completed_at: pos,
                mops,
                ext_reads,
                ext_writes,
            }
        })
        .collect()
}

/// Which extra orders the dependency graph should carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOrder {
    None,
    Process,
    Realtime,
}

/// Everything inferred from the committed transactions.
pub struct Inference<'h> {
    /// The `:ok` transactions; graph node `i` is `oks[i]`.
    pub oks: Vec<&'h Txn<'h>>,
    pub graph: DepGraph,
    /// Version edges `(key, before, after)` used to derive ww and rw edges.
    pub versions: FastSet<(i64, Version, Version)>,
    /// Keys whose version order became cyclic under writes-follow-reads, with
    /// the values in each cycle (sorted).
    pub cyclic_versions: Vec<(i64, Vec<Version>)>,
}

/// Version order: `nil` precedes every value an :ok or :info transaction wrote
/// or an :ok one read.
fn initial_versions(txns: &[Txn<'_>]) -> FastSet<(i64, Version, Version)> {
    let mut edges = FastSet::default();
    for txn in txns {
        let values: Vec<(i64, Version)> = match txn.op.kind {
            OpType::Ok => txn
                .ext_writes()
                .iter()
                .chain(txn.ext_reads())
                .copied()
                .collect(),
            OpType::Info => txn.ext_writes().to_vec(),
            _ => Vec::new(),
        };
        for (key, value) in values {
            if value.is_some() {
                edges.insert((key, None, value));
            }
        }
    }
    edges
}

/// Writes-follow-reads: an :ok transaction that externally read `k = v1` and
/// externally wrote `k = v2` orders `v1` before `v2`.
fn wfr_versions(oks: &[&Txn<'_>]) -> FastSet<(i64, Version, Version)> {
    let mut edges = FastSet::default();
    for txn in oks {
        let writes = txn.ext_writes();
        for &(key, read) in txn.ext_reads() {
            if read.is_none() {
                continue;
            }
            if let Some(&(_, written)) = writes.iter().find(|(k, _)| *k == key)
                && written != read
            {
                edges.insert((key, read, written));
            }
        }
    }
    edges
}

/// Per key, the value sets of strongly connected components of the version order.
fn version_cycles(edges: &FastSet<(i64, Version, Version)>) -> Vec<(i64, Vec<Version>)> {
    let mut by_key: FastMap<i64, Vec<(Version, Version)>> = FastMap::default();
    for &(key, a, b) in edges {
        by_key.entry(key).or_default().push((a, b));
    }
    let mut keys: Vec<i64> = by_key.keys().copied().collect();
    keys.sort_unstable();
    let mut cycles = Vec::new();
    for key in keys {
        let pairs = &by_key[&key];
        let mut ids: FastMap<Version, usize> = FastMap::default();
        let mut values: Vec<Version> = Vec::new();
        for &(a, b) in pairs {
            for v in [a, b] {
                ids.entry(v).or_insert_with(|| {
                    values.push(v);
                    values.len() - 1
                });
            }
        }
        let mut graph = DepGraph::new(values.len());
        for &(a, b) in pairs {
            graph.link(ids[&a], ids[&b], Rel::Ww);
        }
        let graph = graph.finish();
        for component in super::graph::strongly_connected(graph.adjacency(), Rel::Ww.bit()) {
            let mut scc: Vec<Version> = component.iter().map(|&i| values[i as usize]).collect();
            scc.sort_unstable();
            cycles.push((key, scc));
        }
    }
    cycles
}

/// Builds the version order and dependency graph over the :ok transactions.
pub fn infer<'h>(txns: &'h [Txn<'h>], order: SessionOrder) -> Inference<'h> {
    let oks: Vec<&Txn<'_>> = txns.iter().filter(|t| t.op.kind == OpType::Ok).collect();
    let initial = initial_versions(txns);
    let mut versions = initial.clone();
    versions.extend(wfr_versions(&oks));
    // Like Elle: a cyclic combined order is reported and the wfr part dropped.
    let cyclic_versions = version_cycles(&versions);
    if !cyclic_versions.is_empty() {
        versions = initial;
    }

    let mut writers: FastMap<(i64, Version), Vec<usize>> = FastMap::default();
    let mut readers: FastMap<(i64, Version), Vec<usize>> = FastMap::default();
    for (node, txn) in oks.iter().enumerate() {
        for &(key, value) in txn.ext_writes() {
            writers.entry((key, value)).or_default().push(node);
        }
        for &(key, value) in txn.ext_reads() {
            readers.entry((key, value)).or_default().push(node);
        }
    }

    let mut graph = DepGraph::new(oks.len());
    let none = Vec::new();
    for ((key, value), reading) in &readers {
        if value.is_none() {
            continue;
        }
        for &writer in writers.get(&(*key, *value)).unwrap_or(&none) {
            for &reader in reading {
                graph.link(writer, reader, Rel::Wr);
            }
        }
    }
    for &(key, before, after) in &versions {
        let later_writers = writers.get(&(key, after)).unwrap_or(&none);
        for &a in writers.get(&(key, before)).unwrap_or(&none) {
            for &b in later_writers {
                graph.link(a, b, Rel::Ww);
            }
        }
        for &a in readers.get(&(key, before)).unwrap_or(&none) {
            for &b in later_writers {
                graph.link(a, b, Rel::Rw);
            }
        }
    }
    match order {
        SessionOrder::None => {}
        SessionOrder::Process => link_process_order(&oks, &mut graph),
        SessionOrder::Realtime => link_realtime_order(&oks, &mut graph),
    }
    Inference {
        oks,
        graph: graph.finish(),
        versions,
        cyclic_versions,
    }
}

/// Each :ok transaction of a process precedes that process's next one.
fn link_process_order(oks: &[&Txn<'_>], graph: &mut DepGraph) {
    let mut last: FastMap<history::Process, usize> = FastMap::default();
    for (node, txn) in oks.iter().enumerate() {
        if let Some(prev) = last.insert(txn.op.process, node) {
            graph.link(prev, node, Rel::Process);
        }
    }
}

/// Links `a -> b` whenever `a` completed before `b` was invoked, keeping only
/// enough edges to preserve reachability (see [`realtime_edges`]).
fn link_realtime_order(oks: &[&Txn<'_>], graph: &mut DepGraph) {
    let spans: Vec<(usize, usize)> = oks
        .iter()
        .map(|t| (t.invoked_at.unwrap_or(t.completed_at), t.completed_at))
        .collect();
    for (a, b) in graph::realtime_edges(&spans, |_| true) {
        graph.link(a, b, Rel::Realtime);
    }
}

/// Elle's explanation of one cycle step, as an EDN map.
pub fn explain_step(inference: &Inference<'_>, step: &Step) -> Value {
    let a = inference.oks[step.from];
    let b = inference.oks[step.to];
    let int = |v: Option<usize>| v.map_or(Value::Nil, |i| Value::Int(i as i64));
    let version = |v: Version| v.map_or(Value::Nil, Value::Int);
    match step.rel {
        Rel::Wr => {
            let reads = b.ext_reads();
            for &(key, value) in a.ext_writes() {
                if reads.contains(&(key, value)) {
                    return Value::kw_map([
                        ("type", Value::kw("wr")),
                        ("key", Value::Int(key)),
                        ("value", version(value)),
                        ("a-mop-index", int(a.mop_index(true, key, value))),
                        ("b-mop-index", int(b.mop_index(false, key, value))),
                    ]);
                }
            }
            Value::kw_map([("type", Value::kw("wr"))])
        }
        Rel::Ww | Rel::Rw => {
            let a_side = if step.rel == Rel::Ww {
                a.ext_writes()
            } else {
                a.ext_reads()
            };
            let b_writes = b.ext_writes();
            for &(key, before) in a_side {
                if let Some(&(_, after)) = b_writes.iter().find(|(k, after)| {
                    *k == key && inference.versions.contains(&(key, before, *after))
                }) {
                    return Value::kw_map([
                        ("key", Value::Int(key)),
                        ("value", version(before)),
                        ("value'", version(after)),
                        ("type", Value::kw(step.rel.name())),
                        (
                            "a-mop-index",
                            int(a.mop_index(step.rel == Rel::Ww, key, before)),
                        ),
                        ("b-mop-index", int(b.mop_index(true, key, after))),
                    ]);
                }
            }
            Value::kw_map([("type", Value::kw(step.rel.name()))])
        }
        Rel::Process => Value::kw_map([
            ("type", Value::kw("process")),
            ("process", process_value(a.op)),
        ]),
        Rel::Realtime => Value::kw_map([
            ("type", Value::kw("realtime")),
            ("a'", a.op.to_tagged_edn()),
            ("b", b.op.to_tagged_edn()),
        ]),
    }
}

fn process_value(op: &Op) -> Value {
    match op.process {
        history::Process::Client(p) => Value::Int(p as i64),
        history::Process::Nemesis => Value::kw("nemesis"),
    }
}

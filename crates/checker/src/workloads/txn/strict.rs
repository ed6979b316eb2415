//! Stricter-than-Maelstrom notes: blind-write G0 (dirty write) cycles.
//!
//! Elle orders two writes of a key only when one transaction read the other's
//! value before writing, so transactions that write without reading never get
//! ww edges and their dirty writes go unseen. Here versions are also ordered by
//! real time, as per-key linearizability (which strict serializability implies)
//! demands: if a transaction that last saw `k = a` completed before one that
//! first saw `k = b` was invoked, then `a` precedes `b`. Keys where that order
//! contradicts itself (stale reads, allowed by weaker models) are left out, so
//! a note always rests on a consistent order. Notes never change `:valid?`.

use super::fast_hash::{FastMap, FastSet};
use edn::Value;

use super::graph::{self, DepGraph, Rel, RwCount};
use super::infer::{Inference, Txn, Version};

/// How many dirty-write cycles a note lists.
const MAX_NOTED: usize = 8;

/// `{:assumption "...", :G0 [...]}` when real-time version order exposes G0
/// cycles the Maelstrom-compatible graph lacks; `None` otherwise.
pub fn dirty_write_notes(inference: &Inference<'_>) -> Option<Value> {
    let oks = &inference.oks;
    let realtime = realtime_versions(oks);
    // Elle's own order is acyclic, so a cycle in the union is a key whose
    // real-time order contradicts it: such keys keep only Elle's order.
    let cyclic = cyclic_keys(inference.versions.iter().chain(realtime.values().flatten()));
    let extra: Vec<(i64, Version, Version)> = realtime
        .into_iter()
        .filter(|(key, _)| !cyclic.contains(key))
        .flat_map(|(_, edges)| edges)
        .collect();

    let mut writers: FastMap<(i64, Version), Vec<usize>> = FastMap::default();
    for (node, txn) in oks.iter().enumerate() {
        for &(key, value) in txn.ext_writes() {
            writers.entry((key, value)).or_default().push(node);
        }
    }
    let mut ww = DepGraph::new(oks.len());
    for &(key, before, after) in inference.versions.iter().chain(&extra) {
        let (Some(a_list), Some(b_list)) =
            (writers.get(&(key, before)), writers.get(&(key, after)))
        else {
            continue;
        };
        for &a in a_list {
            for &b in b_list {
                ww.link(a, b, Rel::Ww);
            }
        }
    }
    let spec = graph::CycleSpec {
        name: "G0",
        allowed: Rel::Ww.bit(),
        rw: RwCount::None,
        required: 0,
    };
    let cycles = graph::find_cycles(&ww.finish(), &spec).cycles;
    if cycles.is_empty() {
        return None;
    }
    let versions: FastSet<(i64, Version, Version)> =
        inference.versions.iter().chain(&extra).copied().collect();
    let hidden: Vec<Value> = cycles
        .into_iter()
        .filter(|cycle| {
            cycle
                .steps
                .iter()
                .any(|s| inference.graph.rels_between(s.from, s.to) & Rel::Ww.bit() == 0)
        })
        .take(MAX_NOTED)
        .map(|cycle| {
            let mut ops: Vec<Value> = cycle
                .steps
                .iter()
                .map(|s| oks[s.from].op.to_tagged_edn())
                .collect();
            if let Some(first) = ops.first().cloned() {
                ops.push(first);
            }
            let steps = cycle
                .steps
                .iter()
                .map(|s| explain_ww(oks[s.from], oks[s.to], &versions))
                .collect();
            Value::kw_map([
                ("cycle", Value::Vector(ops)),
                ("steps", Value::List(steps)),
                ("type", Value::kw("G0")),
            ])
        })
        .collect();
    if hidden.is_empty() {
        return None;
    }
    Some(Value::kw_map([
        (
            "assumption",
            Value::Str("versions of each key follow real time (per-key linearizability)".into()),
        ),
        ("G0", Value::Vector(hidden)),
    ]))
}

/// Keys with a cycle among the given version edges.
fn cyclic_keys<'a>(edges: impl Iterator<Item = &'a (i64, Version, Version)>) -> FastSet<i64> {
    let mut ids: FastMap<(i64, Version), usize> = FastMap::default();
    let mut keys: Vec<i64> = Vec::new();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for &(key, before, after) in edges {
        let mut id = |v: Version| {
            *ids.entry((key, v)).or_insert_with(|| {
                keys.push(key);
                keys.len() - 1
            })
        };
        let (a, b) = (id(before), id(after));
        pairs.push((a, b));
    }
    let mut graph = DepGraph::new(keys.len());
    for (a, b) in pairs {
        graph.link(a, b, Rel::Ww);
    }
    graph::strongly_connected(graph.finish().adjacency(), Rel::Ww.bit())
        .into_iter()
        .map(|component| keys[component[0] as usize])
        .collect()
}

/// One transaction's contact with a key: the first and last value it saw
/// there, and its (invoked, completed) history positions.
type Touch = (Version, Version, (usize, usize));

/// Per key, version edges implied by real-time order among the :ok
/// transactions that externally touched the key.
fn realtime_versions(oks: &[&Txn<'_>]) -> FastMap<i64, Vec<(i64, Version, Version)>> {
    let mut touches: FastMap<i64, Vec<Touch>> = FastMap::default();
    for txn in oks {
        let reads = txn.ext_reads();
        let writes = txn.ext_writes();
        let span = (txn.invoked_at.unwrap_or(txn.completed_at), txn.completed_at);
        let mut keys: Vec<i64> = reads.iter().chain(writes).map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let read = reads.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            let written = writes.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            let (Some(first), Some(last)) = (read.or(written), written.or(read)) else {
                continue;
            };
            touches.entry(key).or_default().push((first, last, span));
        }
    }
    touches
        .into_iter()
        .map(|(key, list)| {
            let spans: Vec<(usize, usize)> = list.iter().map(|t| t.2).collect();
            let edges = graph::realtime_edges(&spans, |_| true)
                .into_iter()
                .map(|(a, b)| (key, list[a].1, list[b].0))
                .filter(|(_, before, after)| before != after)
                .collect();
            (key, edges)
        })
        .collect()
}

fn explain_ww(a: &Txn<'_>, b: &Txn<'_>, versions: &FastSet<(i64, Version, Version)>) -> Value {
    let b_writes = b.ext_writes();
    for &(key, before) in a.ext_writes() {
        if let Some(&(_, after)) = b_writes
            .iter()
            .find(|(k, after)| *k == key && versions.contains(&(key, before, *after)))
        {
            let version = |v: Version| v.map_or(Value::Nil, Value::Int);
            return Value::kw_map([
                ("key", Value::Int(key)),
                ("value", version(before)),
                ("value'", version(after)),
                ("type", Value::kw("ww")),
            ]);
        }
    }
    Value::kw_map([("type", Value::kw("ww"))])
}

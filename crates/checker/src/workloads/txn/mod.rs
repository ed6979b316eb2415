//! The txn-rw-register checker: Elle's rw-register analysis with Maelstrom's
//! verdict rule, producing the `:workload` map of `results.edn`.
//!
//! Committed (`:ok`) transactions become graph nodes; ww / wr / rw edges come
//! from the inferred version order (`nil` first, writes follow reads), and
//! process or realtime edges are added when the checked models need them.
//! Non-cycle anomalies (G1a, G1b, internal, lost-update, cyclic-versions) are
//! found directly; cycles by strongly connected components plus a shortest
//! cycle search per anomaly shape. Only anomalies the models prohibit are
//! reported; `:not` / `:also-not` name the models ruled out.
//!
//! Beyond Maelstrom, `:strict-notes` lists G0 cycles that appear once versions
//! are also ordered by real time (blind-write dirty writes the wfr inference
//! cannot see); it never changes `:valid?`.
//!
//! Not implemented: predicate anomalies, `*-cycle-exists` summaries (every
//! cycle is searched for directly), G-nonadjacent (cycles with several rw
//! edges are all reported as G2-item).

mod anomalies;
pub(crate) mod fast_hash;
pub(crate) mod graph;
mod infer;
mod models;
mod strict;

use std::collections::{BTreeMap, BTreeSet};

use edn::Value;

use crate::history::Op;
use graph::{Cycle, find_cycles};
use infer::{Inference, SessionOrder, Version};

/// Checks a txn-rw-register history against `consistency_models` (Maelstrom's
/// `--consistency-models`; empty means `strict-serializable`) and returns the
/// `:workload` map.
pub fn check(history: &[Op], consistency_models: &[String]) -> Value {
    let models: Vec<String> = if consistency_models.is_empty() {
        vec![crate::DEFAULT_CONSISTENCY_MODEL.to_string()]
    } else {
        consistency_models.to_vec()
    };
    if let Some(unknown) = models.iter().find(|m| !models::is_known_model(m)) {
        return super::unknown(format!("unknown consistency model {unknown:?}"));
    }
    let prohibited = models::prohibited_anomalies(&models);
    let order = if prohibited.iter().any(|a| a.ends_with("-realtime")) {
        SessionOrder::Realtime
    } else if prohibited.iter().any(|a| a.ends_with("-process")) {
        SessionOrder::Process
    } else {
        SessionOrder::None
    };

    let txns = infer::transactions(history);
    let inference = infer::infer(&txns, order);
    let mut found: BTreeMap<String, Value> = BTreeMap::new();

    if !inference.cyclic_versions.is_empty() {
        found.insert(
            "cyclic-versions".into(),
            cyclic_versions(&inference.cyclic_versions),
        );
    }
    let direct = [
        ("G1a", anomalies::aborted_reads(&txns), false),
        ("G1b", anomalies::intermediate_reads(&txns), false),
        ("internal", anomalies::internal(&txns), false),
        ("lost-update", anomalies::lost_updates(&txns), true),
    ];
    for (name, cases, as_vector) in direct {
        if !cases.is_empty() {
            let cases = if as_vector {
                Value::Vector(cases)
            } else {
                Value::List(cases)
            };
            found.insert(name.into(), cases);
        }
    }

    let specs: Vec<graph::CycleSpec> = graph::cycle_specs()
        .into_iter()
        .filter(|spec| prohibited.contains(spec.name))
        .collect();
    let any_rels = specs
        .iter()
        .fold(0, |acc, spec| acc | graph::usable_rels(spec));
    let searched = if graph::has_cycle(&inference.graph, any_rels) {
        &specs[..]
    } else {
        &[]
    };
    let mut gave_up = 0;
    for spec in searched {
        let search = find_cycles(&inference.graph, spec);
        gave_up += search.gave_up;
        if !search.cycles.is_empty() {
            let cycles = search
                .cycles
                .iter()
                .map(|c| cycle_value(&inference, c))
                .collect();
            found.insert(spec.name.into(), Value::Vector(cycles));
        }
    }
    if gave_up > 0 {
        found.insert("cycle-search-timeout".into(), Value::Int(gave_up as i64));
    }
    if inference.graph.edge_count() == 0 {
        found.insert("empty-transaction-graph".into(), Value::Bool(true));
    }

    let notes = strict::dirty_write_notes(&inference);
    result(&found, &prohibited, notes)
}

/// Assembles the Maelstrom-shaped result from every anomaly found.
fn result(
    found: &BTreeMap<String, Value>,
    prohibited: &BTreeSet<String>,
    notes: Option<Value>,
) -> Value {
    // Elle reports prohibited anomalies plus the "unknown" ones; Maelstrom
    // then fails the test on anything reported except a search timeout.
    let reportable: BTreeMap<&String, &Value> = found
        .iter()
        .filter(|(name, _)| {
            prohibited.contains(*name)
                || *name == "empty-transaction-graph"
                || *name == "cycle-search-timeout"
        })
        .collect();
    let failing: Vec<&String> = reportable
        .keys()
        .copied()
        .filter(|name| *name != "cycle-search-timeout")
        .collect();
    let mut entries = vec![(Value::kw("valid?"), Value::Bool(failing.is_empty()))];
    if failing.is_empty() {
        entries.push((Value::kw("anomaly-types"), Value::List(Vec::new())));
        entries.push((Value::kw("anomalies"), Value::Nil));
    } else {
        entries.push((
            Value::kw("anomaly-types"),
            Value::List(reportable.keys().map(|name| Value::kw(name)).collect()),
        ));
        entries.push((
            Value::kw("anomalies"),
            Value::Map(
                reportable
                    .iter()
                    .map(|(name, cases)| (Value::kw(name), (*cases).clone()))
                    .collect(),
            ),
        ));
        let (not, also_not) = models::boundary(found.keys().map(String::as_str));
        let set =
            |names: BTreeSet<String>| Value::Set(names.iter().map(|n| Value::kw(n)).collect());
        entries.push((Value::kw("not"), set(not)));
        entries.push((Value::kw("also-not"), set(also_not)));
    }
    if let Some(notes) = notes {
        entries.push((Value::kw("strict-notes"), notes));
    }
    Value::Map(entries)
}

fn version_value(v: Version) -> Value {
    v.map_or(Value::Nil, Value::Int)
}

fn cyclic_versions(cycles: &[(i64, Vec<Version>)]) -> Value {
    Value::Vector(
        cycles
            .iter()
            .map(|(key, scc)| {
                Value::kw_map([
                    ("key", Value::Int(*key)),
                    (
                        "scc",
                        Value::Set(scc.iter().map(|&v| version_value(v)).collect()),
                    ),
                    (
                        "sources",
                        Value::Vector(vec![Value::kw("initial-state"), Value::kw("wfr-keys")]),
                    ),
                ])
            })
            .collect(),
    )
}

/// `{:cycle [op ... op], :steps (...), :type :G1c}` as Elle prints a cycle.
fn cycle_value(inference: &Inference<'_>, cycle: &Cycle) -> Value {
    let mut ops: Vec<Value> = cycle
        .steps
        .iter()
        .map(|s| inference.oks[s.from].op.to_tagged_edn())
        .collect();
    if let Some(first) = ops.first().cloned() {
        ops.push(first);
    }
    let steps = cycle
        .steps
        .iter()
        .map(|s| infer::explain_step(inference, s))
        .collect();
    Value::kw_map([
        ("cycle", Value::Vector(ops)),
        ("steps", Value::List(steps)),
        ("type", Value::kw(&graph::classify(&cycle.steps))),
    ])
}

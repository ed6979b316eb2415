//! The `--json` form, schema version 1 (docs/explain.md documents it):
//! `{"schema_version": 1, "run_id", "workload", "valid", "findings": [{"kind",
//! "summary", "ops", "values", "nodes", "messages": [{"time_ms", "src", "dest",
//! "type", "msg_id", "fate"}], "partitions": [{"start_ms", "end_ms", "groups",
//! "grudge"}]}]}`. `valid` is `true`, `false`, `"unknown"`, or `null` when
//! there is no results.edn; `time_ms` is `null` when the journal has no times
//! (messages.svg). `partitions` was added within version 1 (only added keys).

use serde_json::{Value as Json, json};

use crate::{Explanation, Validity};

pub const SCHEMA_VERSION: u64 = 1;

pub fn to_json(explanation: &Explanation) -> Json {
    let valid = match explanation.valid {
        Validity::Valid => json!(true),
        Validity::Invalid => json!(false),
        Validity::Unknown => json!("unknown"),
        Validity::NoResults => Json::Null,
    };
    let findings: Vec<Json> = explanation
        .findings
        .iter()
        .map(|f| {
            json!({
                "kind": f.kind,
                "summary": f.summary,
                "ops": f.ops,
                "values": f.values,
                "nodes": f.nodes,
                "messages": f.messages.iter().map(|m| json!({
                    "time_ms": m.time_ns.map(ms),
                    "src": m.src,
                    "dest": m.dest,
                    "type": m.kind,
                    "msg_id": m.msg_id,
                    "fate": m.fate.name(),
                })).collect::<Vec<_>>(),
                "partitions": f.partitions.iter().map(|p| json!({
                    "start_ms": ms(p.start_ns as i64),
                    "end_ms": p.end_ns.map(|e| ms(e as i64)),
                    "groups": p.groups,
                    "grudge": p.grudge.iter().map(|(d, s)| (d.clone(), json!(s))).collect::<serde_json::Map<String, Json>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "run_id": explanation.run_id,
        "workload": explanation.workload,
        "valid": valid,
        "findings": findings,
    })
}

/// Nanoseconds as milliseconds with three decimals.
fn ms(ns: i64) -> f64 {
    (ns as f64 / 1e6 * 1000.0).round() / 1000.0
}

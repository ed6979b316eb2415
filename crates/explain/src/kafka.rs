//! kafka: one finding per error `results.edn` lists under each of its
//! `:error-types` (`lost-write`, `duplicate`, `poll-skip`, `nonmonotonic-poll`,
//! `G1a`, ...): the key, the offsets and values, and the send and poll ops
//! involved, in the order they happened.

use edn::Value;

use crate::Finding;
use crate::ops::edn_json;
use crate::ops::{cited_ops, keywords, plain_fields};
use crate::store::Run;

pub fn findings(run: &Run) -> Vec<Finding> {
    let Some(workload) = run.workload_results() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for kind in keywords(workload.get_kw("error-types")) {
        let Some(entry) = workload.get_kw(&kind) else {
            continue;
        };
        match entry.get_kw("errs").and_then(Value::as_seq) {
            Some(errs) => {
                let total = entry
                    .get_kw("count")
                    .and_then(Value::as_i64)
                    .unwrap_or(errs.len() as i64);
                for err in errs {
                    out.push(error(run, &kind, err));
                }
                if total > errs.len() as i64 {
                    out.push(Finding::new(
                        &kind,
                        format!(
                            "{kind}: {} more not listed in results.edn",
                            total - errs.len() as i64
                        ),
                    ));
                }
            }
            None => out.push(error(run, &kind, entry)),
        }
    }
    out
}

fn error(run: &Run, kind: &str, err: &Value) -> Finding {
    let mut finding = Finding::new(kind, String::new());
    let key = err.get_kw("key");
    let mut ops = cited_ops(err);
    ops.sort_by_key(|i| run.op(*i).map_or(u64::MAX, |op| op.time));
    ops.dedup();
    let mut said = Vec::new();
    for index in &ops {
        if let Some(op) = run.op(*index) {
            said.push(run.describe(op));
            if let Some(node) = run.node_of(op.process)
                && !finding.nodes.iter().any(|n| n == node)
            {
                finding.nodes.push(node.to_string());
            }
        }
    }
    for field in [
        "value",
        "values",
        "offsets",
        "skipped",
        "index",
        "max-read-index",
        "messages",
        "unseen",
    ] {
        if let Some(v) = err.get_kw(field) {
            match v.as_seq() {
                Some(items) if field != "messages" => {
                    finding.values.extend(items.iter().map(edn_json))
                }
                _ => finding.values.push(edn_json(v)),
            }
        }
    }
    let subject = match key {
        Some(k) => format!("{kind} on key {k}"),
        None => kind.to_string(),
    };
    finding.summary = format!("{subject}: {}", plain_fields(err, &["key"]));
    if !said.is_empty() {
        finding.summary.push_str(&format!(
            "; ops {}",
            ops.iter()
                .map(|i| format!("#{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(key) = key {
        said.extend(writers(run, key, err, &ops));
    }
    finding.evidence = said;
    finding.ops = ops;
    finding
}

/// The acknowledged sends of the error's `:value` or `:skipped` values on `key`
/// that `results.edn` does not cite itself: context for duplicates and skips.
fn writers(run: &Run, key: &Value, err: &Value, cited: &[u64]) -> Vec<String> {
    let mut wanted: Vec<&Value> = err.get_kw("value").into_iter().collect();
    wanted.extend(
        err.get_kw("skipped")
            .and_then(Value::as_seq)
            .into_iter()
            .flatten(),
    );
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    for op in run
        .ok_ops(&["send"])
        .filter(|op| !cited.contains(&op.index))
    {
        for mop in op.value.as_seq().into_iter().flatten() {
            let Some([_, k, Value::Vector(written)]) = mop.as_seq() else {
                continue;
            };
            if let [offset, value] = written.as_slice()
                && k == key
                && wanted.contains(&value)
            {
                lines.push(format!(
                    "{value} written at offset {offset} by {}",
                    run.describe(op)
                ));
            }
        }
    }
    lines
}

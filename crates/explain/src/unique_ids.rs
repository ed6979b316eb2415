//! unique-ids: every id `results.edn` lists as duplicated, with the generate
//! ops and nodes that returned it.

use edn::Value;

use crate::Finding;
use crate::ops::edn_json;
use crate::store::Run;

pub fn findings(run: &Run) -> Vec<Finding> {
    let Some(duplicated) = run
        .workload_results()
        .and_then(|w| w.get_kw("duplicated"))
        .and_then(Value::as_map)
    else {
        return Vec::new();
    };
    duplicated
        .iter()
        .map(|(id, count)| {
            let mut finding = Finding::new("duplicate-id", String::new());
            finding.values.push(edn_json(id));
            let mut who = Vec::new();
            for op in run.ok_ops(&["generate"]).filter(|op| &op.value == id) {
                finding.ops.push(op.index);
                finding.evidence.push(run.describe(op));
                let node = run.node_of(op.process).unwrap_or("?");
                who.push(format!("#{} on {node}", op.index));
                if !finding.nodes.iter().any(|n| n == node) {
                    finding.nodes.push(node.to_string());
                }
            }
            finding.summary = format!("id {id} returned {count} times: {}", who.join(", "));
            finding
        })
        .collect()
}

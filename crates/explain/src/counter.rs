//! g-counter and pn-counter: the final reads against what the acknowledged
//! adds allow, the adds per node, and whether the nodes agreed at the end.

use std::collections::BTreeMap;

use checker::history::OpType;
use edn::Value;

use crate::Finding;
use crate::ops::cited_ops;
use crate::ops::edn_json;
use crate::store::{Run, and_list};

pub fn findings(run: &Run) -> Vec<Finding> {
    let Some(workload) = run.workload_results() else {
        return Vec::new();
    };
    if workload.get_kw("valid?") != Some(&Value::Bool(false)) {
        return Vec::new();
    }
    let ops = workload.get_kw("errors").map(cited_ops).unwrap_or_default();
    let reads: Vec<Value> = workload
        .get_kw("final-reads")
        .and_then(Value::as_seq)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let acceptable = workload
        .get_kw("acceptable")
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut finding = Finding::new("counter-mismatch", String::new());

    // Acknowledged and indeterminate adds, per node.
    let mut acked: BTreeMap<String, (i64, usize)> = BTreeMap::new();
    let mut indeterminate = (0i64, 0usize);
    for op in run.history.iter().filter(|op| op.f == "add") {
        let Some(delta) = op.value.as_i64() else {
            continue;
        };
        match op.kind {
            OpType::Ok => {
                let node = run.node_of(op.process).unwrap_or("?").to_string();
                let e = acked.entry(node).or_default();
                e.0 += delta;
                e.1 += 1;
            }
            OpType::Info => {
                indeterminate.0 += delta;
                indeterminate.1 += 1;
            }
            _ => {}
        }
    }
    let total: i64 = acked.values().map(|(s, _)| s).sum();
    let mut read_words = Vec::new();
    for index in &ops {
        if let Some(op) = run.op(*index) {
            finding
                .evidence
                .push(run.describe(op) + &format!(" read {}", op.value));
            let node = run.node_of(op.process).unwrap_or("?");
            read_words.push(format!("{node} {}", op.value));
            if !finding.nodes.iter().any(|n| n == node) {
                finding.nodes.push(node.to_string());
            }
        }
    }
    for (node, (sum, count)) in &acked {
        finding
            .evidence
            .push(format!("{node} acknowledged {count} adds summing to {sum}"));
    }
    if indeterminate.1 > 0 {
        finding.evidence.push(format!(
            "{} adds timed out or were indeterminate, summing to {}",
            indeterminate.1, indeterminate.0
        ));
    }
    let distinct: Vec<String> = {
        let mut v: Vec<String> = reads.iter().map(ToString::to_string).collect();
        v.sort();
        v.dedup();
        v
    };
    let agreement = if distinct.len() > 1 {
        format!("the nodes disagreed at the end ({})", and_list(&distinct))
    } else {
        "the nodes agreed with each other".to_string()
    };
    let lowest = reads.iter().filter_map(Value::as_i64).min();
    let gap = lowest.map(|low| total - low);
    finding.summary = format!(
        "final reads {} against acceptable {acceptable}; acknowledged adds sum to {total}{}; {agreement}",
        if read_words.is_empty() {
            distinct.join(", ")
        } else {
            read_words.join(", ")
        },
        match gap {
            Some(g) if g > 0 => format!(", so at least {g} of acknowledged increments are missing"),
            Some(g) if g < 0 => format!(", so {} more than acknowledged were counted", -g),
            _ => String::new(),
        }
    );
    finding.values = reads.iter().map(edn_json).collect();
    finding.ops = ops;
    vec![finding]
}

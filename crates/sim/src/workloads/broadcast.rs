//! broadcast: topologies sent at setup, `broadcast`/`read` ops, and the
//! shared "half adds, half reads" generator also used by g-set (workloads.md §4).

use std::collections::BTreeMap;

use edn::Value;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};

use super::{Completion, Errors, OpSpec, Session, failed};
use crate::clients::{Field, json_to_edn};

/// Half the ops add the next unique integer (as `add_f`), half read.
pub struct Generator {
    add_f: &'static str,
    next_value: i64,
}

impl Generator {
    pub fn new(add_f: &'static str) -> Self {
        Generator {
            add_f,
            next_value: 0,
        }
    }

    pub fn next_op(&mut self, rng: &mut ChaCha8Rng) -> OpSpec {
        if rng.random_bool(0.5) {
            self.next_value += 1;
            OpSpec::new(self.add_f, Value::Int(self.next_value - 1))
        } else {
            OpSpec::new("read", Value::Nil)
        }
    }
}

pub async fn invoke(session: &mut Session, op: &OpSpec) -> Completion {
    match op.f.as_str() {
        "broadcast" => {
            let request = json!({"type": "broadcast", "message": op.value.as_i64()});
            match session.call(request, "broadcast_ok", &[]).await {
                Ok(_) => Completion::ok(op.value.clone()),
                Err(e) => failed(
                    op.value.clone(),
                    e,
                    Errors::Translated { idempotent: false },
                ),
            }
        }
        _ => match session
            .call(
                json!({"type": "read"}),
                "read_ok",
                &[("messages", Field::Array)],
            )
            .await
        {
            Ok(reply) => Completion::ok(json_to_edn(&reply["messages"], true)),
            Err(e) => failed(op.value.clone(), e, Errors::Translated { idempotent: true }),
        },
    }
}

/// The `topology` map for `--topology name` over `nodes`, neighbour lists in
/// the spec's order (workloads.md §4.3).
pub fn topology(name: &str, nodes: &[String]) -> BTreeMap<String, Vec<String>> {
    let n = nodes.len();
    let pick = |idx: &[usize]| idx.iter().map(|&i| nodes[i].clone()).collect::<Vec<_>>();
    match name {
        "line" if n < 2 => BTreeMap::new(),
        "line" => (0..n)
            .map(|i| {
                let mut nb = Vec::new();
                if i > 0 {
                    nb.push(i - 1);
                }
                if i + 1 < n {
                    nb.push(i + 1);
                }
                (nodes[i].clone(), pick(&nb))
            })
            .collect(),
        "total" => (0..n)
            .map(|i| {
                (
                    nodes[i].clone(),
                    pick(&(0..n).filter(|&j| j != i).collect::<Vec<_>>()),
                )
            })
            .collect(),
        "tree" | "tree2" | "tree3" | "tree4" => {
            let branching = name
                .strip_prefix("tree")
                .and_then(|b| b.parse().ok())
                .unwrap_or(2);
            tree(nodes, branching)
        }
        _ => grid(nodes),
    }
}

fn grid(nodes: &[String]) -> BTreeMap<String, Vec<String>> {
    let n = nodes.len();
    let side = (1..).find(|s| s * s >= n).unwrap_or(1);
    let at = |row: isize, col: isize| -> Option<String> {
        if row < 0 || col < 0 || col as usize >= side {
            return None;
        }
        let idx = row as usize * side + col as usize;
        (idx < n).then(|| nodes[idx].clone())
    };
    (0..n)
        .map(|idx| {
            let (row, col) = ((idx / side) as isize, (idx % side) as isize);
            let nb = [
                (row + 1, col),
                (row - 1, col),
                (row, col + 1),
                (row, col - 1),
            ]
            .into_iter()
            .filter_map(|(r, c)| at(r, c))
            .collect();
            (nodes[idx].clone(), nb)
        })
        .collect()
}

fn tree(nodes: &[String], branching: usize) -> BTreeMap<String, Vec<String>> {
    let mut neighbours: Vec<Vec<String>> = vec![Vec::new(); nodes.len()];
    // Tiers of size 1, b, b², ... filled in list order.
    let mut tiers: Vec<std::ops::Range<usize>> = Vec::new();
    let (mut start, mut size) = (0, 1);
    while start < nodes.len() {
        let end = (start + size).min(nodes.len());
        tiers.push(start..end);
        start = end;
        size *= branching;
    }
    for pair in tiers.windows(2) {
        let mut children = pair[1].clone();
        for parent in pair[0].clone() {
            for child in children.by_ref().take(branching) {
                neighbours[parent].push(nodes[child].clone());
                neighbours[child].insert(0, nodes[parent].clone());
            }
        }
    }
    nodes.iter().cloned().zip(neighbours).collect()
}

/// The `topology` request body for one node.
pub fn topology_request(topology: &BTreeMap<String, Vec<String>>) -> Json {
    json!({"type": "topology", "topology": topology})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn show(t: &BTreeMap<String, Vec<String>>) -> String {
        t.iter()
            .map(|(k, v)| format!("{k}:[{}]", v.join(",")))
            .collect::<Vec<_>>()
            .join("  ")
    }

    #[test]
    fn topologies_match_the_spec_examples() {
        let ns = nodes(5);
        assert_eq!(
            show(&topology("grid", &ns)),
            "n0:[n3,n1]  n1:[n4,n2,n0]  n2:[n1]  n3:[n0,n4]  n4:[n1,n3]"
        );
        assert_eq!(
            show(&topology("line", &ns)),
            "n0:[n1]  n1:[n0,n2]  n2:[n1,n3]  n3:[n2,n4]  n4:[n3]"
        );
        assert_eq!(
            show(&topology("tree2", &ns)),
            "n0:[n1,n2]  n1:[n0,n3,n4]  n2:[n0]  n3:[n1]  n4:[n1]"
        );
        assert_eq!(topology("total", &ns)["n0"], ["n1", "n2", "n3", "n4"]);
        let one = nodes(1);
        assert_eq!(show(&topology("grid", &one)), "n0:[]");
        assert_eq!(show(&topology("tree4", &one)), "n0:[]");
        assert!(topology("line", &one).is_empty());
    }

    #[test]
    fn tree4_over_25_nodes_has_tiers_1_4_16_4() {
        let t = topology("tree4", &nodes(25));
        assert_eq!(t["n0"], ["n1", "n2", "n3", "n4"]);
        assert_eq!(t["n5"], ["n1", "n21", "n22", "n23", "n24"]);
        assert_eq!(t["n21"], ["n5"]);
        let grid = topology("grid", &nodes(25));
        assert!(grid.values().all(|v| v.len() <= 4));
        assert_eq!(grid["n12"], ["n17", "n7", "n13", "n11"]);
    }
}

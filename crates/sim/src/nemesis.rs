//! The `partition` nemesis: its schedule (start, stop, start, ... at
//! `U[0, 2·interval)` spacing from t≈0) and the four grudge shapes Jepsen
//! picks from (`:one`, `:minority-third`, `:majority`, `:majorities-ring`),
//! recorded as `:nemesis` `:info` ops (network.md §4).
//!
//! Only node ids take part; clients and services are never cut off.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use checker::history::{OpType, Process};
use edn::Value;
use rand::Rng;
use rand::seq::SliceRandom;
use tokio::time::Instant;

use crate::history::Recorder;
use crate::net::{Grudge, Net};

const THREAD: &str = "jepsen nemesis";

/// The partition specs Jepsen chooses from uniformly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    One,
    MinorityThird,
    Majority,
    MajoritiesRing,
}

impl Shape {
    pub const ALL: [Shape; 4] = [
        Shape::One,
        Shape::MinorityThird,
        Shape::Majority,
        Shape::MajoritiesRing,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Shape::One => "one",
            Shape::MinorityThird => "minority-third",
            Shape::Majority => "majority",
            Shape::MajoritiesRing => "majorities-ring",
        }
    }
}

/// Every node drops messages from every node outside its own component.
fn complete_grudge(nodes: &[String], split_off: &[String]) -> Grudge {
    let small: HashSet<&String> = split_off.iter().collect();
    nodes
        .iter()
        .map(|n| {
            let others = nodes
                .iter()
                .filter(|m| small.contains(m) != small.contains(n))
                .cloned()
                .collect();
            (n.clone(), others)
        })
        .collect()
}

/// Build the grudge for `shape` over `nodes`.
pub fn grudge(shape: Shape, nodes: &[String], rng: &mut impl Rng) -> Grudge {
    let n = nodes.len();
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    match shape {
        Shape::One => complete_grudge(nodes, &shuffled[..1.min(n)]),
        Shape::Majority => complete_grudge(nodes, &shuffled[..n / 2]),
        Shape::MinorityThird => complete_grudge(nodes, &shuffled[..n.saturating_sub(1) / 3]),
        Shape::MajoritiesRing if n <= 5 => ring_grudge(&shuffled),
        Shape::MajoritiesRing => stochastic_ring_grudge(&shuffled, rng),
    }
}

/// n ≤ 5: each node is the middle of one window of ⌊n/2⌋+1 consecutive ring
/// members and hears only that window (asymmetric).
fn ring_grudge(ring: &[String]) -> Grudge {
    let n = ring.len();
    let m = n / 2 + 1;
    (0..n)
        .map(|start| {
            let window: HashSet<&String> = (0..m).map(|k| &ring[(start + k) % n]).collect();
            let middle = &ring[(start + m / 2) % n];
            (
                middle.clone(),
                ring.iter()
                    .filter(|x| !window.contains(x))
                    .cloned()
                    .collect(),
            )
        })
        .collect()
}

/// n > 5: grow symmetric links from the lowest-degree nodes until every node
/// reaches a majority; each node drops messages from nodes it is not linked to.
fn stochastic_ring_grudge(nodes: &[String], rng: &mut impl Rng) -> Grudge {
    let n = nodes.len();
    let m = n / 2 + 1;
    let mut links: Vec<BTreeSet<usize>> = (0..n).map(|i| BTreeSet::from([i])).collect();
    while let Some(a) = lowest_degree(&links, m, rng, None) {
        let Some(b) = lowest_degree(&links, usize::MAX, rng, Some(a)) else {
            break;
        };
        links[a].insert(b);
        links[b].insert(a);
    }
    (0..n)
        .map(|i| {
            (
                nodes[i].clone(),
                (0..n)
                    .filter(|j| !links[i].contains(j))
                    .map(|j| nodes[j].clone())
                    .collect(),
            )
        })
        .collect()
}

/// A random node of minimum degree below `limit`; with `partner_of`, only nodes not yet linked to it.
fn lowest_degree(
    links: &[BTreeSet<usize>],
    limit: usize,
    rng: &mut impl Rng,
    partner_of: Option<usize>,
) -> Option<usize> {
    let candidates: Vec<usize> = (0..links.len())
        .filter(|&i| links[i].len() < limit)
        .filter(|&i| partner_of.is_none_or(|a| !links[a].contains(&i)))
        .collect();
    let min = candidates.iter().map(|&i| links[i].len()).min()?;
    let lowest: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| links[i].len() == min)
        .collect();
    Some(lowest[rng.random_range(0..lowest.len())])
}

fn grudge_edn(grudge: &Grudge, nodes: &[String]) -> Value {
    Value::Vector(vec![
        Value::kw("isolated"),
        Value::Map(
            nodes
                .iter()
                .map(|n| {
                    let mut srcs: Vec<&String> = grudge
                        .get(n)
                        .map(|s| s.iter().collect())
                        .unwrap_or_default();
                    srcs.sort();
                    (
                        Value::Str(n.clone()),
                        Value::Set(srcs.into_iter().map(|s| Value::Str(s.clone())).collect()),
                    )
                })
                .collect(),
        ),
    ])
}

/// Start a random partition and record it.
pub fn start_partition(net: &Net, history: &Recorder, nodes: &[String], rng: &mut impl Rng) {
    let shape = Shape::ALL[rng.random_range(0..Shape::ALL.len())];
    history.record(
        THREAD,
        Process::Nemesis,
        OpType::Info,
        "start-partition",
        Value::kw(shape.keyword()),
        vec![],
    );
    let g = grudge(shape, nodes, rng);
    net.set_grudge(g.clone());
    history.record(
        THREAD,
        Process::Nemesis,
        OpType::Info,
        "start-partition",
        grudge_edn(&g, nodes),
        vec![],
    );
}

/// Heal the network and record it.
pub fn stop_partition(net: &Net, history: &Recorder) {
    history.record(
        THREAD,
        Process::Nemesis,
        OpType::Info,
        "stop-partition",
        Value::Nil,
        vec![],
    );
    net.heal();
    history.record(
        THREAD,
        Process::Nemesis,
        OpType::Info,
        "stop-partition",
        Value::kw("network-healed"),
        vec![],
    );
}

/// Alternate start/stop from now until `end`; returns whether a partition is still active.
pub async fn run_schedule(
    net: Arc<Net>,
    history: Arc<Recorder>,
    nodes: Vec<String>,
    interval: Duration,
    end: Instant,
    mut rng: impl Rng,
) -> bool {
    let mut at = Instant::now();
    let mut partitioned = false;
    while at < end {
        tokio::time::sleep_until(at).await;
        if partitioned {
            stop_partition(&net, &history);
        } else {
            start_partition(&net, &history, &nodes, &mut rng);
        }
        partitioned = !partitioned;
        at += interval.mul_f64(rng.random_range(0.0..2.0));
    }
    partitioned
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn nodes(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn cut_size(g: &Grudge, node: &str) -> usize {
        g.get(node).map_or(0, HashSet::len)
    }

    #[test]
    fn complete_shapes_split_as_the_spec_table_says() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (n, shape, small) in [
            (5, Shape::One, 1),
            (5, Shape::Majority, 2),
            (25, Shape::Majority, 12),
            (5, Shape::MinorityThird, 1),
            (25, Shape::MinorityThird, 8),
            (3, Shape::MinorityThird, 0),
        ] {
            let ns = nodes(n);
            let g = grudge(shape, &ns, &mut rng);
            let isolated_side = ns.iter().filter(|x| cut_size(&g, x) == n - small).count();
            assert_eq!(isolated_side, small, "{shape:?} n={n}");
            for a in &ns {
                for b in g.get(a).into_iter().flatten() {
                    assert!(g[b].contains(a), "complete grudges are symmetric");
                }
            }
        }
    }

    #[test]
    fn majorities_ring_lets_each_node_hear_a_majority() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for n in [3, 5, 7, 25] {
            let ns = nodes(n);
            let g = grudge(Shape::MajoritiesRing, &ns, &mut rng);
            for x in &ns {
                let hears = n - cut_size(&g, x);
                assert!(hears > n / 2, "n={n}: {x} hears {hears}");
                assert!(!g[x].contains(x), "a node always hears itself");
            }
        }
        let g = grudge(Shape::MajoritiesRing, &nodes(2), &mut rng);
        assert!(g.values().all(HashSet::is_empty), "n=2: nothing is cut");
    }
}

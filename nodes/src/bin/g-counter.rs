//! Challenge 4 (g-counter), as a state-based CRDT without any service.
//!
//! Each node counts the deltas added through it; the counter is the sum over
//! nodes. Nodes periodically send their whole view to every peer, and views
//! merge by taking the maximum per node, which is commutative, associative and
//! idempotent — so lost, repeated or reordered gossip (partitions) is harmless
//! and all nodes converge once the network heals.

use std::collections::BTreeMap;
use std::time::Duration;

use nodes::{Ctx, Event, Node};
use serde::{Deserialize, Serialize};

const GOSSIP_EVERY: Duration = Duration::from_millis(300);

/// Per-node totals; the counter's value is their sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct GCounter(BTreeMap<String, u64>);

impl GCounter {
    fn add(&mut self, node: &str, delta: u64) {
        *self.0.entry(node.to_owned()).or_default() += delta;
    }

    fn merge(&mut self, other: &GCounter) {
        for (node, &count) in &other.0 {
            let mine = self.0.entry(node.clone()).or_default();
            *mine = (*mine).max(count);
        }
    }

    fn value(&self) -> u64 {
        self.0.values().sum()
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Payload {
    Add { delta: u64 },
    AddOk,
    Read,
    ReadOk { value: u64 },
    State { counts: GCounter },
}

#[derive(Clone)]
enum Tick {
    Gossip,
}

struct Counter {
    counts: GCounter,
}

impl Node for Counter {
    type Payload = Payload;
    type Internal = Tick;

    fn init(ctx: &Ctx<Tick>) -> anyhow::Result<Self> {
        ctx.every(GOSSIP_EVERY, Tick::Gossip);
        Ok(Counter {
            counts: GCounter::default(),
        })
    }

    fn handle(&mut self, ctx: &Ctx<Tick>, event: Event<Payload, Tick>) {
        let msg = match event {
            Event::Internal(Tick::Gossip) => {
                for peer in ctx.peers() {
                    ctx.send(
                        peer,
                        Payload::State {
                            counts: self.counts.clone(),
                        },
                    );
                }
                return;
            }
            Event::Message(msg) => msg,
        };
        match &msg.body.payload {
            Payload::Add { delta } => {
                self.counts.add(ctx.id(), *delta);
                ctx.reply(&msg, Payload::AddOk);
            }
            Payload::Read => ctx.reply(
                &msg,
                Payload::ReadOk {
                    value: self.counts.value(),
                },
            ),
            Payload::State { counts } => self.counts.merge(counts),
            Payload::AddOk | Payload::ReadOk { .. } => {}
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Counter>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use proptest::prelude::*;
    use serde_json::json;

    fn counter() -> impl Strategy<Value = GCounter> {
        prop::collection::btree_map("n[0-4]", 0u64..1000, 0..5).prop_map(GCounter)
    }

    fn merged(a: &GCounter, b: &GCounter) -> GCounter {
        let mut out = a.clone();
        out.merge(b);
        out
    }

    proptest! {
        #[test]
        fn merge_is_commutative_associative_and_idempotent(a in counter(), b in counter(), c in counter()) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
            prop_assert_eq!(merged(&a, &a), a.clone());
            prop_assert!(merged(&a, &b).value() >= a.value().max(b.value()));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn all_nodes_converge_on_the_sum_after_a_partition_heals() {
        let cluster = Cluster::start::<Counter>(3, Duration::from_millis(50)).await;
        cluster.partition(&[&["n0"], &["n1", "n2"]]);
        for (node, delta) in [("n0", 3), ("n1", 4), ("n2", 0), ("n0", 2)] {
            let reply = cluster
                .request(node, json!({"type": "add", "delta": delta}))
                .await;
            assert_eq!(reply, json!({"type": "add_ok"}));
        }
        cluster.settle(Duration::from_secs(2)).await;
        assert_eq!(
            cluster.request("n0", json!({"type": "read"})).await["value"],
            5
        );
        assert_eq!(
            cluster.request("n2", json!({"type": "read"})).await["value"],
            4
        );
        cluster.heal();
        cluster.settle(Duration::from_secs(2)).await;
        for node in cluster.node_ids() {
            let reply = cluster.request(node, json!({"type": "read"})).await;
            assert_eq!(reply, json!({"type": "read_ok", "value": 9}), "{node}");
        }
    }
}

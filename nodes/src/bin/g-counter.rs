//! Challenge 4 (g-counter), as a state-based CRDT without any service.
//!
//! Each node counts the deltas added through it; the counter is the sum over
//! nodes. Nodes periodically send their whole view to every peer, and views
//! merge by taking the maximum per node, which is commutative, associative and
//! idempotent — so lost, repeated or reordered gossip (partitions) is harmless
//! and all nodes converge once the network heals.

use std::collections::BTreeMap;
use std::time::Duration;

use nodes::protocol::{self, Counter as Client};
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

/// What nodes send each other: their whole view of the counter.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Peer {
    State { counts: GCounter },
}

type Payload = protocol::Payload<Client, Peer>;

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
                    let counts = self.counts.clone();
                    ctx.send(peer, Peer::State { counts });
                }
                return;
            }
            Event::Message(msg) => msg,
        };
        match &msg.body.payload {
            Payload::Client(Client::Add { delta }) => {
                self.counts.add(ctx.id(), *delta);
                ctx.reply(&msg, Client::AddOk);
            }
            Payload::Client(Client::Read) => {
                let value = self.counts.value();
                ctx.reply(&msg, Client::ReadOk { value });
            }
            Payload::Peer(Peer::State { counts }) => self.counts.merge(counts),
            Payload::Client(Client::AddOk | Client::ReadOk { .. }) => {}
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

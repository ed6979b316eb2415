//! Challenges 3a–3c (broadcast): every value broadcast at any node ends up in
//! every node's `read`, including across network partitions.
//!
//! The node that receives a broadcast answers at once and becomes responsible
//! for delivering the value to every peer directly (the given topology is
//! acknowledged but not used). New values are batched per peer for one tick
//! and sent over [`Links`], which acknowledge cheaply and resend whatever a
//! partition swallowed.

use std::collections::BTreeSet;
use std::time::Duration;

use nodes::link::{Gossip, LinkTimings, Links};
use nodes::protocol::{self, Broadcast as Client};
use nodes::relay::{Due, serve_broadcast_client};
use nodes::{Ctx, Event, Node};
use tokio::time::Instant;

const TICK: Duration = Duration::from_millis(50);
const TIMINGS: LinkTimings = LinkTimings {
    ack_delay: Duration::from_millis(200),
    retry: Duration::from_millis(1000),
};

type Payload = protocol::Payload<Client, Gossip<u64>>;

#[derive(Clone)]
enum Tick {
    Flush,
}

struct Broadcast {
    messages: BTreeSet<u64>,
    peers: Vec<String>,
    links: Links<u64>,
}

impl Node for Broadcast {
    type Payload = Payload;
    type Internal = Tick;

    fn init(ctx: &Ctx<Tick>) -> anyhow::Result<Self> {
        ctx.every(TICK, Tick::Flush);
        Ok(Broadcast {
            messages: BTreeSet::new(),
            peers: ctx.peers().cloned().collect(),
            links: Links::new(TIMINGS),
        })
    }

    fn handle(&mut self, ctx: &Ctx<Tick>, event: Event<Payload, Tick>) {
        let msg = match event {
            Event::Internal(Tick::Flush) => {
                return self.links.send(ctx, Due::All, Gossip::Gossip);
            }
            Event::Message(msg) => msg,
        };
        match &msg.body.payload {
            Payload::Client(body) => {
                let learned = serve_broadcast_client(ctx, &msg, body, &self.messages);
                if let Some(value) = learned.filter(|v| self.messages.insert(*v)) {
                    self.links.push_to(&self.peers, value);
                }
            }
            Payload::Peer(Gossip::Gossip(batch)) => {
                let values = self.links.receive(&msg.src, batch.clone(), Instant::now());
                self.messages.extend(values);
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Broadcast>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use serde_json::json;

    async fn read(cluster: &Cluster, node: &str) -> serde_json::Value {
        cluster.request(node, json!({"type": "read"})).await["messages"].clone()
    }

    #[tokio::test(start_paused = true)]
    async fn values_reach_every_node_despite_a_partition() {
        let cluster = Cluster::start::<Broadcast>(5, Duration::from_millis(100)).await;
        let topology = json!({"type": "topology", "topology": {"n0": ["n1"]}});
        assert_eq!(
            cluster.request("n0", topology).await,
            json!({"type": "topology_ok"})
        );
        cluster.partition(&[&["n0", "n1"], &["n2", "n3", "n4"]]);
        for (value, node) in [(1, "n0"), (2, "n2"), (3, "n4"), (4, "n1")] {
            let reply = cluster
                .request(node, json!({"type": "broadcast", "message": value}))
                .await;
            assert_eq!(reply, json!({"type": "broadcast_ok"}));
        }
        cluster.settle(Duration::from_secs(3)).await;
        assert_eq!(read(&cluster, "n1").await, json!([1, 4]));
        assert_eq!(read(&cluster, "n3").await, json!([2, 3]));
        assert!(cluster.dropped_msgs() > 0, "the partition dropped gossip");
        cluster.heal();
        cluster.settle(Duration::from_secs(3)).await;
        for node in cluster.node_ids() {
            assert_eq!(read(&cluster, node).await, json!([1, 2, 3, 4]), "{node}");
        }
        assert!(cluster.problems().is_empty(), "{:?}", cluster.problems());
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_cluster_sends_nothing() {
        let cluster = Cluster::start::<Broadcast>(3, Duration::from_millis(100)).await;
        cluster
            .request("n0", json!({"type": "broadcast", "message": 7}))
            .await;
        cluster.settle(Duration::from_secs(2)).await;
        let settled = cluster.server_msgs();
        cluster.settle(Duration::from_secs(10)).await;
        assert_eq!(cluster.server_msgs(), settled);
        // Two gossip batches plus at most two standalone acknowledgements.
        assert!(settled <= 4, "{settled}");
    }
}

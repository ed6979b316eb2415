//! Challenge 3e (broadcast, messages first): hub and spokes with batching on
//! clock-aligned rounds.
//!
//! The first node is the hub; every other node is a spoke that talks only to
//! the hub. All nodes tick on the same wall-clock boundaries every
//! `GLOMERS_BATCH_MS`. On a tick a spoke sends the values it received since
//! the last round to the hub in one message. The hub waits `GLOMERS_HUB_WAIT_MS`
//! after the first batch of a round arrives (batches of one round arrive
//! together, as the ticks are aligned), then sends each spoke, in one message,
//! everything new that the spoke did not send itself. Values the hub receives
//! from its own clients join the flush scheduled `GLOMERS_HUB_LAG_MS` after the
//! tick (tuned to meet the spokes' batches at 100 ms network latency). So a
//! round costs about (spokes with news) + (spokes) messages, whatever the rate.
//!
//! Streams are [`Links`]: acknowledgements ride on the next batch in the other
//! direction, a standalone one goes out only when owed for
//! `GLOMERS_ACK_DELAY_MS`, and anything unacknowledged for `GLOMERS_RETRY_MS`
//! is resent, which carries the cluster through partitions.
//!
//! Knob defaults: `GLOMERS_BATCH_MS=600`, `GLOMERS_HUB_WAIT_MS=8`,
//! `GLOMERS_HUB_LAG_MS=120`, `GLOMERS_ACK_DELAY_MS=2000`, `GLOMERS_RETRY_MS=4000`.
//!
//! Measured on the embedded simulator at the official 3e command (25 nodes,
//! latency 100, rate 100, 20 s): the defaults (600 ms rounds) give 0.73
//! msgs/op with stable latency median 395 ms and max 716 ms;
//! `GLOMERS_BATCH_MS=1600` gives 0.33 msgs/op, median 878 ms, max 1720 ms.

use std::collections::BTreeSet;
use std::time::Duration;

use nodes::link::{Gossip, LinkTimings, Links};
use nodes::protocol::{self, Broadcast as Client};
use nodes::relay::{Due, serve_broadcast_client};
use nodes::{Ctx, Event, Node, knob};
use tokio::time::Instant;

type Payload = protocol::Payload<Client, Gossip<u64>>;

#[derive(Clone)]
enum Internal {
    /// A clock-aligned round boundary.
    Round,
    /// The hub's forwarding moment within a round.
    HubFlush,
}

struct Knobs {
    round: Duration,
    hub_wait: Duration,
    hub_lag: Duration,
    timings: LinkTimings,
}

impl Knobs {
    fn from_env() -> anyhow::Result<Self> {
        Ok(Knobs {
            round: knob::millis("GLOMERS_BATCH_MS", 600)?,
            hub_wait: knob::millis("GLOMERS_HUB_WAIT_MS", 8)?,
            hub_lag: knob::millis("GLOMERS_HUB_LAG_MS", 120)?,
            timings: LinkTimings {
                ack_delay: knob::millis("GLOMERS_ACK_DELAY_MS", 2000)?,
                retry: knob::millis("GLOMERS_RETRY_MS", 4000)?,
            },
        })
    }
}

struct Broadcast {
    messages: BTreeSet<u64>,
    hub: String,
    spokes: Vec<String>,
    links: Links<u64>,
    knobs: Knobs,
    /// Hub only: a forwarding flush is already scheduled.
    flush_scheduled: bool,
}

impl Broadcast {
    fn is_hub(&self, ctx: &Ctx<Internal>) -> bool {
        self.hub == ctx.id()
    }

    /// Records a value that arrived from `from` (a spoke, or a client when
    /// `None`) and queues it for whoever still needs it.
    fn learn(&mut self, ctx: &Ctx<Internal>, value: u64, from: Option<&str>) {
        if !self.messages.insert(value) {
            return;
        }
        if !self.is_hub(ctx) {
            // A spoke only ever sends its clients' values, and only to the hub.
            if from.is_none() {
                self.links.push(&self.hub, value);
            }
            return;
        }
        for spoke in &self.spokes {
            if Some(spoke.as_str()) != from {
                self.links.push(spoke, value);
            }
        }
        if from.is_some() {
            self.schedule_hub_flush(ctx, self.knobs.hub_wait);
        }
    }

    fn schedule_hub_flush(&mut self, ctx: &Ctx<Internal>, delay: Duration) {
        if !self.flush_scheduled {
            self.flush_scheduled = true;
            ctx.after(delay, Internal::HubFlush);
        }
    }
}

impl Node for Broadcast {
    type Payload = Payload;
    type Internal = Internal;

    fn init(ctx: &Ctx<Internal>) -> anyhow::Result<Self> {
        let knobs = Knobs::from_env()?;
        ctx.every_aligned(knobs.round, Internal::Round);
        let hub = ctx.node_ids()[0].clone();
        Ok(Broadcast {
            messages: BTreeSet::new(),
            spokes: ctx
                .node_ids()
                .iter()
                .filter(|id| **id != hub)
                .cloned()
                .collect(),
            hub,
            links: Links::new(knobs.timings),
            knobs,
            flush_scheduled: false,
        })
    }

    fn handle(&mut self, ctx: &Ctx<Internal>, event: Event<Payload, Internal>) {
        let msg = match event {
            Event::Internal(Internal::Round) if self.is_hub(ctx) => {
                let has_news = self.spokes.iter().any(|spoke| self.links.has_new(spoke));
                if has_news {
                    self.schedule_hub_flush(ctx, self.knobs.hub_lag);
                }
                return self.links.send(ctx, Due::Overdue, Gossip::Gossip);
            }
            Event::Internal(Internal::Round) => {
                return self.links.send(ctx, Due::All, Gossip::Gossip);
            }
            Event::Internal(Internal::HubFlush) => {
                self.flush_scheduled = false;
                return self.links.send(ctx, Due::New, Gossip::Gossip);
            }
            Event::Message(msg) => msg,
        };
        match &msg.body.payload {
            Payload::Client(body) => {
                if let Some(value) = serve_broadcast_client(ctx, &msg, body, &self.messages) {
                    self.learn(ctx, value, None);
                }
            }
            Payload::Peer(Gossip::Gossip(batch)) => {
                for value in self.links.receive(&msg.src, batch.clone(), Instant::now()) {
                    self.learn(ctx, value, Some(&msg.src));
                }
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

    /// Runs 100 ops/s (half broadcasts) for `seconds` on 25 nodes and returns
    /// messages per op.
    async fn run_load(cluster: &Cluster, seconds: u64) -> f64 {
        let ops = seconds * 100;
        for i in 0..ops {
            // Scatter ops over nodes irregularly, as Maelstrom's random workers do.
            let node = format!("n{}", (i.wrapping_mul(2_654_435_761) >> 7) % 25);
            let body = if i % 2 == 0 {
                json!({"type": "broadcast", "message": i})
            } else {
                json!({"type": "read"})
            };
            cluster.request(&node, body).await;
            cluster.settle(Duration::from_millis(10)).await;
        }
        cluster.server_msgs() as f64 / ops as f64
    }

    #[tokio::test(start_paused = true)]
    async fn batched_rounds_cost_under_a_message_per_op_and_reach_everyone() {
        let cluster = Cluster::start::<Broadcast>(25, Duration::from_millis(100)).await;
        let msgs_per_op = run_load(&cluster, 10).await;
        assert!(msgs_per_op < 1.0, "{msgs_per_op}");
        cluster.settle(Duration::from_secs(2)).await;
        let expected: Vec<u64> = (0..1000).step_by(2).collect();
        for node in cluster.node_ids() {
            let read = cluster.request(node, json!({"type": "read"})).await;
            assert_eq!(read["messages"], json!(expected), "{node}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_spoke_cut_off_from_the_hub_catches_up_after_healing() {
        let cluster = Cluster::start::<Broadcast>(5, Duration::from_millis(100)).await;
        cluster.partition(&[&["n0", "n1", "n2"], &["n3", "n4"]]);
        cluster
            .request("n1", json!({"type": "broadcast", "message": 1}))
            .await;
        cluster
            .request("n3", json!({"type": "broadcast", "message": 2}))
            .await;
        cluster
            .request("n0", json!({"type": "broadcast", "message": 3}))
            .await;
        cluster.settle(Duration::from_secs(5)).await;
        assert_eq!(
            cluster.request("n2", json!({"type": "read"})).await["messages"],
            json!([1, 3])
        );
        cluster.heal();
        cluster.settle(Duration::from_secs(6)).await;
        for node in cluster.node_ids() {
            let read = cluster.request(node, json!({"type": "read"})).await;
            assert_eq!(read["messages"], json!([1, 2, 3]), "{node}");
        }
    }
}

//! Challenge 2 (unique-ids): every `generate` gets an id no other call, on any
//! node, in any run of the process, ever gets — without talking to anyone, so
//! it stays available under partitions.
//!
//! An id is `<node>-<epoch>-<counter>`: the node id separates nodes, a random
//! 64-bit epoch chosen at start-up separates restarts, and the counter
//! separates calls. All ids are strings, so Maelstrom can order them.

use nodes::protocol::UniqueIds as Payload;
use nodes::{Ctx, Event, Node};

struct UniqueIds {
    node: String,
    epoch: u64,
    next: u64,
}

impl UniqueIds {
    fn new(node: &str, epoch: u64) -> Self {
        UniqueIds {
            node: node.to_owned(),
            epoch,
            next: 0,
        }
    }

    fn next_id(&mut self) -> String {
        self.next += 1;
        format!("{}-{:016x}-{}", self.node, self.epoch, self.next)
    }
}

impl Node for UniqueIds {
    type Payload = Payload;
    type Internal = ();

    fn init(ctx: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(UniqueIds::new(ctx.id(), rand::random()))
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        if let Payload::Generate = msg.body.payload {
            let id = self.next_id().into();
            ctx.reply(&msg, Payload::GenerateOk { id });
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<UniqueIds>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use serde_json::json;
    use std::collections::HashSet;
    use std::time::Duration;

    #[test]
    fn ids_never_collide_across_nodes_and_restarts() {
        let mut seen = HashSet::new();
        // Three nodes, and n0 restarted once (new epoch, counter from zero).
        let mut generators = vec![
            UniqueIds::new("n0", rand::random()),
            UniqueIds::new("n1", rand::random()),
            UniqueIds::new("n2", rand::random()),
            UniqueIds::new("n0", rand::random()),
        ];
        for generator in &mut generators {
            for _ in 0..100_000 {
                assert!(seen.insert(generator.next_id()));
            }
        }
        assert_eq!(seen.len(), 400_000);
    }

    #[tokio::test(start_paused = true)]
    async fn partitioned_nodes_still_answer_with_string_ids() {
        let cluster = Cluster::start::<UniqueIds>(3, Duration::from_millis(10)).await;
        cluster.partition(&[&["n0"], &["n1", "n2"]]);
        let mut ids = HashSet::new();
        for node in ["n0", "n1", "n2", "n0"] {
            let reply = cluster.request(node, json!({"type": "generate"})).await;
            assert_eq!(reply["type"], "generate_ok");
            assert!(ids.insert(reply["id"].as_str().unwrap().to_owned()));
        }
    }
}

//! Challenge 4 (g-counter) the intended way: one counter in `seq-kv`.
//!
//! `add` is a read + compare-and-set loop on the key `counter`; a stale read
//! only makes the cas fail and the loop retry. `read` must not return a stale
//! value (the final reads are judged), so it first writes a fresh value to a
//! per-node scratch key: any state-changing request moves this node to the
//! newest version of the store (protocol.md §9.4), and the read that follows
//! sees at least that version. Clients are answered within a few seconds or
//! get an error, never late.

use std::time::Duration;

use nodes::kv::{Kv, KvError};
use nodes::protocol::Counter as Payload;
use nodes::{Ctx, ErrorCode, Event, Node};
use tokio::time::Instant;

const COUNTER_KEY: &str = "counter";
/// Give up well before Maelstrom's 5 s client timeout.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3);

struct Counter {
    kv: Kv,
    scratch_key: String,
    /// Last value written to the scratch key; each sync writes a new one.
    syncs: u64,
}

impl Node for Counter {
    type Payload = Payload;
    type Internal = ();

    fn init(ctx: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Counter {
            kv: Kv::seq(ctx.net().clone()),
            scratch_key: format!("sync-{}", ctx.id()),
            syncs: 0,
        })
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        match msg.body.payload {
            // Adding zero changes nothing; skip the store entirely.
            Payload::Add { delta: 0 } => ctx.reply(&msg, Payload::AddOk),
            Payload::Add { delta } => {
                let (kv, net) = (self.kv.clone(), ctx.net().clone());
                tokio::spawn(async move {
                    let outcome = add(&kv, delta).await.map(|()| Payload::AddOk);
                    net.reply_or_error(&msg, outcome, ErrorCode::TemporarilyUnavailable);
                });
            }
            Payload::Read => {
                self.syncs += 1;
                let (kv, net) = (self.kv.clone(), ctx.net().clone());
                let scratch = (self.scratch_key.clone(), self.syncs);
                tokio::spawn(async move {
                    let outcome = fresh_read(&kv, scratch)
                        .await
                        .map(|value| Payload::ReadOk { value });
                    net.reply_or_error(&msg, outcome, ErrorCode::TemporarilyUnavailable);
                });
            }
            Payload::AddOk | Payload::ReadOk { .. } => {}
        }
    }
}

async fn add(kv: &Kv, delta: u64) -> Result<(), KvError> {
    let deadline = Instant::now() + GIVE_UP_AFTER;
    loop {
        let attempt = async {
            let current = kv.read_opt::<u64>(COUNTER_KEY).await?.unwrap_or(0);
            kv.cas(COUNTER_KEY, current, current + delta, true).await
        };
        match attempt.await {
            Ok(()) => return Ok(()),
            Err(error) if Instant::now() >= deadline => return Err(error),
            Err(error) => tracing::debug!(%error, "add retrying"),
        }
    }
}

async fn fresh_read(kv: &Kv, (scratch_key, sync): (String, u64)) -> Result<u64, KvError> {
    kv.write(&scratch_key, sync).await?;
    Ok(kv.read_opt::<u64>(COUNTER_KEY).await?.unwrap_or(0))
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Counter>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use serde_json::json;

    #[tokio::test(start_paused = true)]
    async fn concurrent_adds_on_all_nodes_are_all_counted() {
        let cluster = Cluster::start::<Counter>(3, Duration::from_millis(5)).await;
        let mut adds = tokio::task::JoinSet::new();
        for i in 0..30u64 {
            let cluster = cluster.clone();
            adds.spawn(async move {
                let node = format!("n{}", i % 3);
                cluster
                    .request(&node, json!({"type": "add", "delta": i % 5}))
                    .await
            });
        }
        while let Some(reply) = adds.join_next().await {
            assert_eq!(reply.unwrap(), json!({"type": "add_ok"}));
        }
        let expected: u64 = (0..30u64).map(|i| i % 5).sum();
        for node in cluster.node_ids() {
            let reply = cluster.request(node, json!({"type": "read"})).await;
            assert_eq!(
                reply,
                json!({"type": "read_ok", "value": expected}),
                "{node}"
            );
        }
        assert_eq!(
            cluster.kv_value("seq-kv", &json!("counter")),
            Some(json!(expected))
        );
    }
}

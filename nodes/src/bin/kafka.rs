//! Challenges 5a/5b (kafka): replicated logs kept in `lin-kv`.
//!
//! Each key's log is one `lin-kv` entry `log/<key>` holding the array of its
//! messages, so a message's offset is its index. `send` appends with a read +
//! compare-and-set loop (the linearizable store makes offsets unique and
//! dense); `poll` reads the arrays; committed offsets live under
//! `commit/<key>`. Nodes keep no state of their own, so any node can serve any
//! request. Every request runs in its own task and is answered within a few
//! seconds, with an indefinite error if the store stayed unreachable.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::join_all;
use nodes::kv::{Kv, KvError};
use nodes::protocol::Kafka as Payload;
use nodes::{Ctx, ErrorCode, Event, Node};
use serde_json::Value;
use tokio::time::Instant;

/// Give up well before Maelstrom's 5 s client timeout.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3);
/// At most this many messages per key and poll, to keep replies small.
const POLL_LIMIT: usize = 100;

struct Kafka {
    kv: Kv,
}

impl Node for Kafka {
    type Payload = Payload;
    type Internal = ();

    fn init(ctx: &Ctx<()>) -> anyhow::Result<Self> {
        Ok(Kafka {
            kv: Kv::lin(ctx.net().clone()),
        })
    }

    fn handle(&mut self, ctx: &Ctx<()>, event: Event<Payload, ()>) {
        let Event::Message(msg) = event else { return };
        let (kv, net) = (self.kv.clone(), ctx.net().clone());
        tokio::spawn(async move {
            let outcome = match &msg.body.payload {
                Payload::Send { key, msg } => append(&kv, key, msg)
                    .await
                    .map(|offset| Payload::SendOk { offset }),
                Payload::Poll { offsets } => poll(&kv, offsets)
                    .await
                    .map(|msgs| Payload::PollOk { msgs }),
                Payload::CommitOffsets { offsets } => commit(&kv, offsets)
                    .await
                    .map(|()| Payload::CommitOffsetsOk),
                Payload::ListCommittedOffsets { keys } => committed(&kv, keys)
                    .await
                    .map(|offsets| Payload::ListCommittedOffsetsOk { offsets }),
                _ => return,
            };
            // Indefinite on purpose: a timed-out cas may still have applied.
            net.reply_or_error(&msg, outcome, ErrorCode::Timeout);
        });
    }
}

fn log_key(key: &str) -> String {
    format!("log/{key}")
}

fn commit_key(key: &str) -> String {
    format!("commit/{key}")
}

/// Appends `msg` to `key`'s log and returns its offset.
async fn append(kv: &Kv, key: &str, msg: &Value) -> Result<u64, KvError> {
    let deadline = Instant::now() + GIVE_UP_AFTER;
    loop {
        let attempt = async {
            let log = kv
                .read_opt::<Vec<Value>>(log_key(key))
                .await?
                .unwrap_or_default();
            let mut longer = log.clone();
            longer.push(msg.clone());
            kv.cas(log_key(key), &log, &longer, true).await?;
            Ok(log.len() as u64)
        };
        match attempt.await {
            Ok(offset) => return Ok(offset),
            Err(error) if Instant::now() >= deadline => return Err(error),
            Err(error) => tracing::debug!(%error, key, "append retrying"),
        }
    }
}

async fn poll(
    kv: &Kv,
    offsets: &BTreeMap<String, u64>,
) -> Result<BTreeMap<String, Vec<(u64, Value)>>, KvError> {
    let reads = offsets
        .keys()
        .map(|key| kv.read_opt::<Vec<Value>>(log_key(key)));
    let logs = join_all(reads).await;
    let mut msgs = BTreeMap::new();
    for ((key, &from), log) in offsets.iter().zip(logs) {
        let entries: Vec<(u64, Value)> = (log?.unwrap_or_default().into_iter().enumerate())
            .map(|(offset, msg)| (offset as u64, msg))
            .skip(from as usize)
            .take(POLL_LIMIT)
            .collect();
        if !entries.is_empty() {
            msgs.insert(key.clone(), entries);
        }
    }
    Ok(msgs)
}

async fn commit(kv: &Kv, offsets: &BTreeMap<String, u64>) -> Result<(), KvError> {
    let writes = offsets
        .iter()
        .map(|(key, offset)| kv.write(commit_key(key), offset));
    join_all(writes).await.into_iter().collect()
}

async fn committed(kv: &Kv, keys: &[String]) -> Result<BTreeMap<String, u64>, KvError> {
    let reads = keys.iter().map(|key| kv.read_opt::<u64>(commit_key(key)));
    let mut offsets = BTreeMap::new();
    for (key, offset) in keys.iter().zip(join_all(reads).await) {
        if let Some(offset) = offset? {
            offsets.insert(key.clone(), offset);
        }
    }
    Ok(offsets)
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Kafka>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use serde_json::json;

    #[tokio::test(start_paused = true)]
    async fn concurrent_sends_get_dense_increasing_offsets_per_key() {
        let cluster = Cluster::start::<Kafka>(2, Duration::from_millis(5)).await;
        let mut sends = tokio::task::JoinSet::new();
        for i in 0..20u64 {
            let cluster = cluster.clone();
            sends.spawn(async move {
                let node = format!("n{}", i % 2);
                let key = format!("{}", i % 3);
                let reply = cluster
                    .request(&node, json!({"type": "send", "key": key, "msg": i}))
                    .await;
                (
                    key,
                    i,
                    reply["offset"].as_u64().expect("send_ok with an offset"),
                )
            });
        }
        let mut by_key: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
        while let Some(sent) = sends.join_next().await {
            let (key, msg, offset) = sent.unwrap();
            by_key.entry(key).or_default().push((offset, msg));
        }
        for (key, mut sent) in by_key {
            sent.sort();
            let offsets: Vec<u64> = sent.iter().map(|(offset, _)| *offset).collect();
            assert_eq!(
                offsets,
                (0..sent.len() as u64).collect::<Vec<_>>(),
                "key {key}"
            );
            // Polling from offset 1 on the other node returns exactly the tail, in order.
            let reply = cluster
                .request("n1", json!({"type": "poll", "offsets": {key.clone(): 1}}))
                .await;
            let expected: Vec<Value> = sent.iter().skip(1).map(|(o, m)| json!([o, m])).collect();
            assert_eq!(reply["msgs"][&key], json!(expected));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn committed_offsets_are_listed_only_for_committed_keys() {
        let cluster = Cluster::start::<Kafka>(2, Duration::from_millis(5)).await;
        let commit = json!({"type": "commit_offsets", "offsets": {"k1": 3}});
        assert_eq!(
            cluster.request("n0", commit).await,
            json!({"type": "commit_offsets_ok"})
        );
        let list = json!({"type": "list_committed_offsets", "keys": ["k1", "k2"]});
        assert_eq!(
            cluster.request("n1", list).await,
            json!({"type": "list_committed_offsets_ok", "offsets": {"k1": 3}})
        );
        let empty = cluster
            .request("n1", json!({"type": "poll", "offsets": {"k1": 0}}))
            .await;
        assert_eq!(empty, json!({"type": "poll_ok", "msgs": {}}));
    }
}

//! Challenge 5c (kafka, efficient): logs owned by nodes, no services.
//!
//! Every key has one owner node (the key's number modulo the node count, or a
//! hash for non-numeric keys) that alone assigns its offsets, so offsets are
//! unique and dense without coordination. A `send` arriving elsewhere is
//! forwarded to the owner; forwards wait up to `GLOMERS_FORWARD_MS` (default
//! 20 ms) so that one message carries several sends. Owners replicate new
//! entries and commits to every other node over [`Links`] each tick, so
//! `poll` and `list_committed_offsets` are answered locally from a replica
//! that lags by about one tick. Replicas only ever expose gap-free prefixes.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use nodes::link::{Batch, LinkTimings, Links};
use nodes::protocol::{self, Kafka as Client};
use nodes::relay::Due;
use nodes::{Ctx, ErrorCode, ErrorReply, Event, Node, knob};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

const REPLICATE_EVERY: Duration = Duration::from_millis(100);
const TIMINGS: LinkTimings = LinkTimings {
    ack_delay: Duration::from_millis(500),
    retry: Duration::from_millis(1500),
};
const POLL_LIMIT: usize = 100;

/// What nodes send each other.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Peer {
    /// Sends forwarded to their keys' owner: `[key, msg]` pairs.
    Forward {
        sends: Vec<(String, Value)>,
    },
    /// The offsets of a `forward`'s sends, in order.
    ForwardOk {
        offsets: Vec<u64>,
    },
    Replicate(Batch<Entry>),
}

type Payload = protocol::Payload<Client, Peer>;

/// What replicas learn from owners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Entry {
    Msg {
        key: String,
        offset: u64,
        msg: Value,
    },
    Commit {
        key: String,
        offset: u64,
    },
}

/// A send waiting to be forwarded: who asked, and what.
struct Waiting {
    client: String,
    msg_id: u64,
    key: String,
    msg: Value,
}

#[derive(Clone)]
enum Internal {
    Replicate,
    Forward,
}

struct Kafka {
    logs: HashMap<String, Vec<Value>>,
    committed: HashMap<String, u64>,
    links: Links<Entry>,
    /// Sends to forward, per owner.
    forwards: HashMap<String, Vec<Waiting>>,
    forward_wait: Duration,
}

/// The node that assigns `key`'s offsets: numeric keys spread round-robin,
/// others by an FNV-1a hash.
fn owner<'a>(node_ids: &'a [String], key: &str) -> &'a str {
    let hash = key.parse::<u64>().unwrap_or_else(|_| {
        key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    });
    &node_ids[(hash % node_ids.len() as u64) as usize]
}

impl Kafka {
    /// Appends as the owner and queues the entry for every replica.
    fn append(&mut self, ctx: &Ctx<Internal>, key: &str, msg: Value) -> u64 {
        let log = self.logs.entry(key.to_owned()).or_default();
        let offset = log.len() as u64;
        log.push(msg.clone());
        let entry = Entry::Msg {
            key: key.to_owned(),
            offset,
            msg,
        };
        self.links.push_to(ctx.peers(), entry);
        offset
    }

    fn commit(&mut self, ctx: &Ctx<Internal>, key: &str, offset: u64) {
        if self.record_commit(key, offset) {
            let key = key.to_owned();
            self.links
                .push_to(ctx.peers(), Entry::Commit { key, offset });
        }
    }

    /// Keeps the highest commit; true if `offset` raised it.
    fn record_commit(&mut self, key: &str, offset: u64) -> bool {
        match self.committed.get(key) {
            Some(&current) if current >= offset => false,
            _ => {
                self.committed.insert(key.to_owned(), offset);
                true
            }
        }
    }

    fn apply(&mut self, entry: Entry) {
        match entry {
            Entry::Msg { key, offset, msg } => {
                let log = self.logs.entry(key).or_default();
                // Later offsets arrive again after the retransmission that fills the gap.
                if offset == log.len() as u64 {
                    log.push(msg);
                }
            }
            Entry::Commit { key, offset } => {
                self.record_commit(&key, offset);
            }
        }
    }

    fn poll(&self, offsets: &BTreeMap<String, u64>) -> BTreeMap<String, Vec<(u64, Value)>> {
        let mut msgs = BTreeMap::new();
        for (key, &from) in offsets {
            let Some(log) = self.logs.get(key) else {
                continue;
            };
            let entries: Vec<(u64, Value)> = (from..log.len() as u64)
                .take(POLL_LIMIT)
                .map(|offset| (offset, log[offset as usize].clone()))
                .collect();
            if !entries.is_empty() {
                msgs.insert(key.clone(), entries);
            }
        }
        msgs
    }

    fn flush_forwards(&mut self, ctx: &Ctx<Internal>) {
        for (owner, waiting) in self.forwards.drain() {
            let sends = waiting
                .iter()
                .map(|w| (w.key.clone(), w.msg.clone()))
                .collect();
            let call = ctx.rpc(&owner, Peer::Forward { sends });
            let net = ctx.net().clone();
            tokio::spawn(async move {
                let offsets = match call.await.map(|reply| reply.decode::<Peer>()) {
                    Ok(Ok(reply)) => match reply.body.payload {
                        Peer::ForwardOk { offsets } if offsets.len() == waiting.len() => {
                            Some(offsets)
                        }
                        _ => None,
                    },
                    Ok(Err(error)) => {
                        tracing::warn!(%error, %owner, "malformed forward_ok");
                        None
                    }
                    Err(error) => {
                        tracing::warn!(%error, %owner, "forward failed");
                        None
                    }
                };
                for (i, w) in waiting.iter().enumerate() {
                    match &offsets {
                        Some(offsets) => {
                            net.reply_to(&w.client, w.msg_id, Client::SendOk { offset: offsets[i] })
                        }
                        // Indefinite: the owner may have appended before the reply was lost.
                        None => net.reply_to(
                            &w.client,
                            w.msg_id,
                            ErrorReply::new(ErrorCode::Timeout, "owner unreachable"),
                        ),
                    }
                }
            });
        }
    }
}

impl Node for Kafka {
    type Payload = Payload;
    type Internal = Internal;

    fn init(ctx: &Ctx<Internal>) -> anyhow::Result<Self> {
        ctx.every_aligned(REPLICATE_EVERY, Internal::Replicate);
        Ok(Kafka {
            logs: HashMap::new(),
            committed: HashMap::new(),
            links: Links::new(TIMINGS),
            forwards: HashMap::new(),
            forward_wait: knob::millis("GLOMERS_FORWARD_MS", 20)?,
        })
    }

    fn handle(&mut self, ctx: &Ctx<Internal>, event: Event<Payload, Internal>) {
        let msg = match event {
            Event::Internal(Internal::Replicate) => {
                return self.links.send(ctx, Due::All, Peer::Replicate);
            }
            Event::Internal(Internal::Forward) => return self.flush_forwards(ctx),
            Event::Message(msg) => msg,
        };
        match &msg.body.payload {
            Payload::Client(Client::Send { key, msg: value }) => {
                let owner = owner(ctx.node_ids(), key);
                if owner == ctx.id() {
                    let offset = self.append(ctx, key, value.clone());
                    ctx.reply(&msg, Client::SendOk { offset });
                } else if let Some(msg_id) = msg.body.msg_id {
                    // The first waiting send starts the clock for the whole group.
                    if self.forwards.is_empty() {
                        ctx.after(self.forward_wait, Internal::Forward);
                    }
                    let waiting = Waiting {
                        client: msg.src.clone(),
                        msg_id,
                        key: key.clone(),
                        msg: value.clone(),
                    };
                    self.forwards
                        .entry(owner.to_owned())
                        .or_default()
                        .push(waiting);
                }
            }
            Payload::Peer(Peer::Forward { sends }) => {
                let offsets = sends
                    .iter()
                    .map(|(key, value)| self.append(ctx, key, value.clone()))
                    .collect();
                ctx.reply(&msg, Peer::ForwardOk { offsets });
            }
            Payload::Client(Client::Poll { offsets }) => {
                let msgs = self.poll(offsets);
                ctx.reply(&msg, Client::PollOk { msgs });
            }
            Payload::Client(Client::CommitOffsets { offsets }) => {
                for (key, &offset) in offsets {
                    self.commit(ctx, key, offset);
                }
                ctx.reply(&msg, Client::CommitOffsetsOk);
            }
            Payload::Client(Client::ListCommittedOffsets { keys }) => {
                let offsets = keys
                    .iter()
                    .filter_map(|key| Some((key.clone(), *self.committed.get(key)?)))
                    .collect();
                ctx.reply(&msg, Client::ListCommittedOffsetsOk { offsets });
            }
            Payload::Peer(Peer::Replicate(batch)) => {
                for entry in self.links.receive(&msg.src, batch.clone(), Instant::now()) {
                    self.apply(entry);
                }
            }
            Payload::Client(
                Client::SendOk { .. }
                | Client::PollOk { .. }
                | Client::CommitOffsetsOk
                | Client::ListCommittedOffsetsOk { .. },
            )
            | Payload::Peer(Peer::ForwardOk { .. }) => {}
        }
    }
}

fn main() -> anyhow::Result<()> {
    Ok(nodes::run::<Kafka>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::testkit::Cluster;
    use serde_json::json;

    async fn send(cluster: &Cluster, node: &str, key: &str, msg: u64) -> u64 {
        let reply = cluster
            .request(node, json!({"type": "send", "key": key, "msg": msg}))
            .await;
        reply["offset"]
            .as_u64()
            .unwrap_or_else(|| panic!("no offset in {reply}"))
    }

    #[tokio::test(start_paused = true)]
    async fn sends_anywhere_get_dense_offsets_and_replicas_serve_polls() {
        let cluster = Cluster::start::<Kafka>(2, Duration::from_millis(10)).await;
        let mut sends = tokio::task::JoinSet::new();
        for i in 0..40u64 {
            let cluster = cluster.clone();
            sends.spawn(async move {
                let key = format!("{}", i % 5);
                let offset = send(&cluster, &format!("n{}", i % 2), &key, i).await;
                (key, offset, i)
            });
        }
        let mut logs: BTreeMap<String, BTreeMap<u64, u64>> = BTreeMap::new();
        while let Some(sent) = sends.join_next().await {
            let (key, offset, msg) = sent.unwrap();
            assert!(
                logs.entry(key).or_default().insert(offset, msg).is_none(),
                "offset reused"
            );
        }
        cluster.settle(Duration::from_millis(500)).await;
        for (key, log) in &logs {
            assert_eq!(
                log.keys().copied().collect::<Vec<_>>(),
                (0..8).collect::<Vec<_>>()
            );
            let expected: Vec<_> = log.iter().map(|(o, m)| json!([o, m])).collect();
            for node in ["n0", "n1"] {
                let reply = cluster
                    .request(node, json!({"type": "poll", "offsets": {key.clone(): 0}}))
                    .await;
                assert_eq!(reply["msgs"][key], json!(expected), "{node} key {key}");
            }
        }
        assert!(cluster.problems().is_empty(), "{:?}", cluster.problems());
    }

    #[tokio::test(start_paused = true)]
    async fn commits_replicate_and_only_move_forward() {
        let cluster = Cluster::start::<Kafka>(2, Duration::from_millis(10)).await;
        for offset in [4, 2] {
            let commit = json!({"type": "commit_offsets", "offsets": {"7": offset}});
            assert_eq!(
                cluster.request("n0", commit).await["type"],
                "commit_offsets_ok"
            );
        }
        cluster.settle(Duration::from_millis(500)).await;
        let list = json!({"type": "list_committed_offsets", "keys": ["7", "8"]});
        let reply = cluster.request("n1", list).await;
        assert_eq!(
            reply,
            json!({"type": "list_committed_offsets_ok", "offsets": {"7": 4}})
        );
    }

    #[tokio::test(start_paused = true)]
    async fn forwarding_and_replication_stay_under_half_a_message_per_op() {
        let cluster = Cluster::start::<Kafka>(2, Duration::from_millis(1)).await;
        // 1000 ops/s: half sends (to both nodes, many keys), half polls.
        let mut clients = tokio::task::JoinSet::new();
        for i in 0..2000u64 {
            let client = cluster.clone();
            clients.spawn(async move {
                let cluster = client;
                let node = format!("n{}", i % 2);
                if i % 2 == 0 {
                    send(&cluster, &node, &format!("{}", i % 11), i).await;
                } else {
                    cluster
                        .request(&node, json!({"type": "poll", "offsets": {"3": 0}}))
                        .await;
                }
            });
            cluster.settle(Duration::from_millis(1)).await;
        }
        while clients.join_next().await.is_some() {}
        cluster.settle(Duration::from_secs(2)).await;
        let msgs_per_op = cluster.server_msgs() as f64 / 2000.0;
        assert!(msgs_per_op < 0.5, "{msgs_per_op}");
    }
}

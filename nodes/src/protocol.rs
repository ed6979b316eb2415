//! What Maelstrom's workloads send to nodes and accept back, one enum per
//! workload (bodies as in the workload schemas, tagged by `type`).
//!
//! A binary whose nodes also talk among themselves declares only those
//! internal messages and speaks [`Payload`]`<workload enum, its own enum>`;
//! a binary that only answers clients uses the workload enum directly. This
//! module holds no behaviour beyond (de)serialising the bodies.

use std::collections::{BTreeMap, HashMap};

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Challenge 1: `echo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Echo {
    Echo { echo: Value },
    EchoOk { echo: Value },
}

/// Challenge 2: `unique-ids`. Maelstrom accepts any JSON value as an id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UniqueIds {
    Generate,
    GenerateOk { id: Value },
}

/// Challenge 3: `broadcast`, with the `topology` the setup client sends once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Broadcast {
    Broadcast {
        message: u64,
    },
    BroadcastOk,
    Read,
    ReadOk {
        messages: Vec<u64>,
    },
    Topology {
        topology: HashMap<String, Vec<String>>,
    },
    TopologyOk,
}

/// Challenge 4: `g-counter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Counter {
    Add { delta: u64 },
    AddOk,
    Read,
    ReadOk { value: u64 },
}

/// Challenge 5: `kafka`. Logs are keyed by strings; offsets are dense per key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kafka {
    Send {
        key: String,
        msg: Value,
    },
    SendOk {
        offset: u64,
    },
    Poll {
        offsets: BTreeMap<String, u64>,
    },
    PollOk {
        msgs: BTreeMap<String, Vec<(u64, Value)>>,
    },
    CommitOffsets {
        offsets: BTreeMap<String, u64>,
    },
    CommitOffsetsOk,
    ListCommittedOffsets {
        keys: Vec<String>,
    },
    ListCommittedOffsetsOk {
        offsets: BTreeMap<String, u64>,
    },
}

/// A `txn-rw-register` key.
pub type TxnKey = i64;
/// A `txn-rw-register` value.
pub type TxnValue = i64;
/// `["r", key, value-or-null]` or `["w", key, value]`, as on the wire.
pub type MicroOp = (String, TxnKey, Option<TxnValue>);

/// Challenge 6: `txn-rw-register`. The reply carries the same micro-ops with
/// the reads filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Txn {
    Txn { txn: Vec<MicroOp> },
    TxnOk { txn: Vec<MicroOp> },
}

/// A body that is either one of the workload's messages or one of the
/// node's own messages between peers.
///
/// Decoding tries the workload first. A body whose `type` the workload does
/// not know is decoded as a peer message; a body of a known type with bad
/// fields keeps the workload's error, which names the field.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload<W, P> {
    Client(W),
    Peer(P),
}

impl<W: Serialize, P: Serialize> Serialize for Payload<W, P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Client(client) => client.serialize(serializer),
            Payload::Peer(peer) => peer.serialize(serializer),
        }
    }
}

impl<'de, W: DeserializeOwned, P: DeserializeOwned> Deserialize<'de> for Payload<W, P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = Value::deserialize(deserializer)?;
        match W::deserialize(&body) {
            Ok(client) => Ok(Payload::Client(client)),
            Err(error) if !is_unknown_type(&error) => Err(D::Error::custom(error)),
            Err(_) => P::deserialize(&body)
                .map(Payload::Peer)
                .map_err(D::Error::custom),
        }
    }
}

/// The runtime answers such errors with `not-supported` (code 10), so this
/// matches serde's wording for an unknown tag.
fn is_unknown_type(error: &serde_json::Error) -> bool {
    error.to_string().contains("unknown variant")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Gossip {
        Gossip { values: Vec<u64> },
    }

    type Both = Payload<Broadcast, Gossip>;

    #[test]
    fn client_and_peer_bodies_decode_to_their_side_and_render_unchanged() {
        let client: Both =
            serde_json::from_value(json!({"type": "broadcast", "message": 3})).unwrap();
        assert_eq!(client, Payload::Client(Broadcast::Broadcast { message: 3 }));
        let peer = json!({"type": "gossip", "values": [1, 2]});
        let decoded: Both = serde_json::from_value(peer.clone()).unwrap();
        assert_eq!(
            decoded,
            Payload::Peer(Gossip::Gossip { values: vec![1, 2] })
        );
        assert_eq!(serde_json::to_value(&decoded).unwrap(), peer);
    }

    #[test]
    fn a_known_type_with_bad_fields_names_the_field_and_unknown_types_stay_unknown() {
        let bad = serde_json::from_value::<Both>(json!({"type": "broadcast"})).unwrap_err();
        assert!(bad.to_string().contains("missing field `message`"), "{bad}");
        let unknown = serde_json::from_value::<Both>(json!({"type": "frobnicate"})).unwrap_err();
        assert!(is_unknown_type(&unknown), "{unknown}");
    }

    #[test]
    fn workload_bodies_match_the_maelstrom_schemas() {
        let poll = json!({"type": "poll_ok", "msgs": {"k": [[0, 5], [1, 6]]}});
        let decoded: Kafka = serde_json::from_value(poll.clone()).unwrap();
        assert_eq!(serde_json::to_value(decoded).unwrap(), poll);
        let txn = json!({"type": "txn", "txn": [["r", 1, null], ["w", 1, 2]]});
        let decoded: Txn = serde_json::from_value(txn.clone()).unwrap();
        assert_eq!(serde_json::to_value(decoded).unwrap(), txn);
        let generate_ok = json!({"type": "generate_ok", "id": "n0-1"});
        let decoded: UniqueIds = serde_json::from_value(generate_ok.clone()).unwrap();
        assert_eq!(serde_json::to_value(decoded).unwrap(), generate_ok);
    }
}

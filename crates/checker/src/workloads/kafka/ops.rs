//! Kafka history operations reduced to what the checker needs: the messages
//! each op sent (with offsets when acknowledged) and polled, per key.
//!
//! Keys are interned (any EDN value; Maelstrom uses strings) so the analysis
//! can index them densely. Messages must be integers; anything else is
//! dropped rather than guessed at.

use crate::workloads::txn::fast_hash::FastMap;

use edn::Value;

use crate::history::{Op, OpType};

pub type KeyId = usize;

/// Polled `(offset, message)` pairs of one key; the offset may be absent.
pub type Pairs = Vec<(Option<i64>, i64)>;

/// Interned keys, printed back as they appeared.
#[derive(Debug, Default)]
pub struct Keys {
    values: Vec<Value>,
    /// String keys (what Maelstrom sends) by their text, without allocating.
    strings: FastMap<String, KeyId>,
    /// Any other key by its debug form, so `1` and `"1"` stay distinct.
    others: FastMap<String, KeyId>,
}

impl Keys {
    pub fn intern(&mut self, key: &Value) -> KeyId {
        if let Some(id) = self.find(key) {
            return id;
        }
        let id = self.values.len();
        self.values.push(key.clone());
        match key {
            Value::Str(text) => self.strings.insert(text.clone(), id),
            other => self.others.insert(format!("{other:?}"), id),
        };
        id
    }

    pub fn find(&self, key: &Value) -> Option<KeyId> {
        match key {
            Value::Str(text) => self.strings.get(text.as_str()).copied(),
            other => self.others.get(&format!("{other:?}")).copied(),
        }
    }

    pub fn value(&self, id: KeyId) -> &Value {
        &self.values[id]
    }
}

/// One client op of the history with its sends and polls.
#[derive(Debug)]
pub struct KafkaOp<'h> {
    pub op: &'h Op,
    /// Position in the full history.
    pub pos: usize,
    /// Sends as `(key, offset if known, message)`, in op order.
    pub writes: Vec<(KeyId, Option<i64>, i64)>,
    /// Polled `(offset, message)` pairs per key, keys in first-seen order.
    pub reads: Vec<(KeyId, Pairs)>,
}

impl KafkaOp<'_> {
    pub fn kind(&self) -> OpType {
        self.op.kind
    }

    /// Messages polled for `key`, in order.
    pub fn read_values(&self, key: KeyId) -> impl Iterator<Item = i64> + '_ {
        self.reads
            .iter()
            .filter(move |(k, _)| *k == key)
            .flat_map(|(_, pairs)| pairs.iter().map(|&(_, v)| v))
    }

    /// Messages sent to `key`, in order.
    pub fn written_values(&self, key: KeyId) -> impl Iterator<Item = i64> + '_ {
        self.writes
            .iter()
            .filter(move |(k, _, _)| *k == key)
            .map(|&(_, _, v)| v)
    }

    /// Keys written, in first-written order.
    pub fn written_keys(&self) -> Vec<KeyId> {
        let mut keys: Vec<KeyId> = Vec::new();
        for &(k, _, _) in &self.writes {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys
    }
}

/// Client ops of the history (invocations included), parsed.
pub fn parse<'h>(history: &'h [Op], keys: &mut Keys) -> Vec<KafkaOp<'h>> {
    history
        .iter()
        .enumerate()
        .filter(|(_, op)| op.is_client())
        .map(|(pos, op)| {
            let mut parsed = KafkaOp {
                op,
                pos,
                writes: Vec::new(),
                reads: Vec::new(),
            };
            let mops = op.value.as_seq().unwrap_or(&[]);
            let sends = matches!(op.f.as_str(), "send" | "txn");
            let polls = matches!(op.f.as_str(), "poll" | "txn");
            for mop in mops {
                let Some(parts) = mop.as_seq() else { continue };
                match parts.first().and_then(Value::as_keyword) {
                    Some("send") if sends => {
                        if let Some(write) = parse_send(parts, keys) {
                            parsed.writes.push(write);
                        }
                    }
                    Some("poll") if polls => {
                        if let Some(Value::Map(entries)) = parts.get(1) {
                            for (key, pairs) in entries {
                                let id = keys.intern(key);
                                let pairs = parse_pairs(pairs);
                                match parsed.reads.iter_mut().find(|(k, _)| *k == id) {
                                    Some((_, existing)) => existing.extend(pairs),
                                    None => parsed.reads.push((id, pairs)),
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            parsed
        })
        .collect()
}

/// `[:send k v]` or `[:send k [offset v]]`.
fn parse_send(parts: &[Value], keys: &mut Keys) -> Option<(KeyId, Option<i64>, i64)> {
    let [_, key, sent] = parts else { return None };
    let (offset, message) = match sent {
        Value::Vector(pair) | Value::List(pair) => {
            let [offset, message] = pair.as_slice() else {
                return None;
            };
            (offset.as_i64(), message.as_i64()?)
        }
        other => (None, other.as_i64()?),
    };
    Some((keys.intern(key), offset, message))
}

fn parse_pairs(pairs: &Value) -> Pairs {
    pairs
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|pair| {
            let [offset, message] = pair.as_seq()? else {
                return None;
            };
            Some((offset.as_i64(), message.as_i64()?))
        })
        .collect()
}

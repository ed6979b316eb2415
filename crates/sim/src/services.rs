//! Maelstrom's built-in services: `lin-kv` (linearizable), `seq-kv`
//! (sequential, with a stale-read ring of 32 versions), `lww-kv` (two replicas
//! that never converge — Maelstrom's quirk, kept on purpose) and `lin-tso`
//! (timestamp oracle). Exact replies and error codes of protocol.md §9.
//!
//! Each service handles one request at a time, in delivery order, and answers
//! each with one reply; unknown request types get no reply at all.

use std::collections::HashMap;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;

use crate::console::Console;
use crate::net::{Message, Net};

/// The four service ids, registered in every run.
pub const SERVICE_IDS: [&str; 4] = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"];

/// Versions kept by `seq-kv`.
const SEQ_KV_VERSIONS: usize = 32;

/// One key-value store state. Keys are compared by their JSON text, so `1`
/// and `"1"` and `1.0` are different keys, as in Maelstrom.
pub type Store = HashMap<String, Json>;

/// What evaluating a request against a state produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The reply body without `in_reply_to`; `None` for unknown request types.
    pub reply: Option<Json>,
    /// The new state if the request changed it.
    pub changed: Option<Store>,
}

fn key_of(body: &Json) -> String {
    body.get("key").cloned().unwrap_or(Json::Null).to_string()
}

fn field(body: &Json, name: &str) -> Json {
    body.get(name).cloned().unwrap_or(Json::Null)
}

fn error(code: i64, text: String) -> Json {
    json!({"type": "error", "code": code, "text": text})
}

/// Evaluate a KV request. `lww` switches to lww-kv's rules (no
/// `create_if_not_exists`, the expected value printed raw).
pub fn eval_kv(state: &Store, body: &Json, lww: bool) -> Outcome {
    let key = key_of(body);
    let unchanged = |reply: Json| Outcome {
        reply: Some(reply),
        changed: None,
    };
    match body.get("type").and_then(Json::as_str) {
        Some("read") => match state.get(&key) {
            Some(v) => unchanged(json!({"type": "read_ok", "value": v})),
            None => unchanged(error(20, "key does not exist".into())),
        },
        Some("write") => {
            let value = field(body, "value");
            if state.get(&key) == Some(&value) {
                return unchanged(json!({"type": "write_ok"}));
            }
            let mut next = state.clone();
            next.insert(key, value);
            Outcome {
                reply: Some(json!({"type": "write_ok"})),
                changed: Some(next),
            }
        }
        Some("cas") => {
            let (from, to) = (field(body, "from"), field(body, "to"));
            let create =
                !lww && body.get("create_if_not_exists").and_then(Json::as_bool) == Some(true);
            match state.get(&key) {
                None if create => {
                    let mut next = state.clone();
                    next.insert(key, to);
                    Outcome {
                        reply: Some(json!({"type": "cas_ok"})),
                        changed: Some(next),
                    }
                }
                None => unchanged(error(20, "key does not exist".into())),
                Some(current) if *current == from => {
                    if *current == to {
                        return unchanged(json!({"type": "cas_ok"}));
                    }
                    let mut next = state.clone();
                    next.insert(key, to);
                    Outcome {
                        reply: Some(json!({"type": "cas_ok"})),
                        changed: Some(next),
                    }
                }
                Some(current) => {
                    let expected = match (&from, lww) {
                        (Json::String(s), true) => s.clone(),
                        _ => from.to_string(),
                    };
                    unchanged(error(
                        22,
                        format!("current value {current} is not {expected}"),
                    ))
                }
            }
        }
        _ => Outcome {
            reply: None,
            changed: None,
        },
    }
}

/// `seq-kv`: a ring of recent versions and a per-caller lower bound (protocol.md §9.4).
pub struct SeqKv {
    ring: Vec<Arc<Store>>,
    last: usize,
    seen: HashMap<String, usize>,
}

impl Default for SeqKv {
    fn default() -> Self {
        SeqKv {
            ring: (0..SEQ_KV_VERSIONS)
                .map(|_| Arc::new(Store::new()))
                .collect(),
            last: 0,
            seen: HashMap::new(),
        }
    }
}

impl SeqKv {
    /// Handle one request from `src`; `None` when the type is unknown.
    pub fn handle(&mut self, src: &str, body: &Json, rng: &mut impl Rng) -> Option<Json> {
        let floor = self.seen.get(src).copied().unwrap_or(0);
        let i = rng.random_range(floor..=self.last);
        // Older positions are read modulo the ring, even if overwritten since (Maelstrom's quirk).
        let outcome = eval_kv(&self.ring[i % SEQ_KV_VERSIONS], body, false);
        if outcome.changed.is_none() {
            self.seen.insert(src.to_string(), i);
            return outcome.reply;
        }
        let newest = eval_kv(&self.ring[self.last % SEQ_KV_VERSIONS], body, false);
        if let Some(next) = newest.changed {
            self.last += 1;
            self.ring[self.last % SEQ_KV_VERSIONS] = Arc::new(next);
        }
        self.seen.insert(src.to_string(), self.last);
        newest.reply
    }
}

/// Spawn the four services on `net`.
pub fn start(net: &Arc<Net>, console: &Arc<Console>, seed: u64) {
    for (n, id) in SERVICE_IDS.into_iter().enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        net.register_queued(id, tx);
        let rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(n as u64 + 1));
        tokio::spawn(serve(id, rx, Arc::clone(net), Arc::clone(console), rng));
    }
}

async fn serve(
    id: &'static str,
    mut rx: mpsc::UnboundedReceiver<Message>,
    net: Arc<Net>,
    console: Arc<Console>,
    mut rng: ChaCha8Rng,
) {
    let mut lin = Store::new();
    let mut seq = SeqKv::default();
    let mut lww = [Store::new(), Store::new()];
    let mut next_ts: u64 = 0;
    while let Some(message) = rx.recv().await {
        let body = &message.body;
        let reply = match id {
            "lin-kv" => {
                let out = eval_kv(&lin, body, false);
                if let Some(next) = out.changed {
                    lin = next;
                }
                out.reply
            }
            "seq-kv" => seq.handle(&message.src, body, &mut rng),
            "lww-kv" => {
                let replica = &mut lww[rng.random_range(0..2)];
                let out = eval_kv(replica, body, true);
                if let Some(next) = out.changed {
                    *replica = next;
                }
                out.reply
            }
            _ => (body.get("type").and_then(Json::as_str) == Some("ts")).then(|| {
                next_ts += 1;
                json!({"type": "ts_ok", "ts": next_ts - 1})
            }),
        };
        let Some(mut reply) = reply else {
            console.warn(
                &format!("{id} worker"),
                "maelstrom.service",
                &format!(
                    "Error in service worker! {id} does not understand the request {}",
                    message.to_line()
                ),
            );
            continue;
        };
        reply["in_reply_to"] = field(body, "msg_id");
        // The caller may have gone; a failed send is not the service's problem.
        let _ = net.send(id, &message.src, reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(v: i64) -> Json {
        json!({"type": "write", "key": "x", "value": v})
    }

    #[test]
    fn kv_errors_and_create_if_not_exists() {
        let s = Store::new();
        let r = eval_kv(&s, &json!({"type":"read","key":"x"}), false);
        assert_eq!(r.reply.unwrap()["code"], 20);
        let cas = json!({"type":"cas","key":"x","from":1,"to":2,"create_if_not_exists":true});
        assert!(eval_kv(&s, &cas, false).changed.is_some());
        assert_eq!(
            eval_kv(&s, &cas, true).reply.unwrap()["code"],
            20,
            "lww-kv ignores the flag"
        );
        let s = eval_kv(&s, &json!({"type":"write","key":"x","value":"a"}), false)
            .changed
            .unwrap();
        let r = eval_kv(
            &s,
            &json!({"type":"cas","key":"x","from":"b","to":"c"}),
            false,
        )
        .reply
        .unwrap();
        assert_eq!(r["text"], "current value \"a\" is not \"b\"");
        assert!(eval_kv(&s, &json!({"type":"frob"}), false).reply.is_none());
    }

    #[test]
    fn seq_kv_callers_never_go_backwards_and_writes_move_them_to_newest() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut kv = SeqKv::default();
        for v in 1..=20 {
            kv.handle("n0", &write(v), &mut rng);
        }
        // n0 wrote last, so it always reads the newest value.
        for _ in 0..50 {
            assert_eq!(
                kv.handle("n0", &json!({"type":"read","key":"x"}), &mut rng)
                    .unwrap()["value"],
                20
            );
        }
        // n1 has seen nothing: its reads may be stale, but never go backwards.
        let mut last = 0;
        let mut stale = false;
        for _ in 0..200 {
            let r = kv
                .handle("n1", &json!({"type":"read","key":"x"}), &mut rng)
                .unwrap();
            let v = r["value"].as_i64().unwrap_or(0);
            assert!(v >= last, "went back from {last} to {v}");
            stale |= v < 20;
            last = v;
        }
        assert!(stale, "a fresh caller should see stale values at first");
        // A state-changing request brings n2 to the newest version at once.
        kv.handle(
            "n2",
            &json!({"type":"write","key":"scratch","value":1}),
            &mut rng,
        );
        assert_eq!(
            kv.handle("n2", &json!({"type":"read","key":"x"}), &mut rng)
                .unwrap()["value"],
            20
        );
    }
}

//! kafka: `send`/`poll`(+`commit_offsets`)/`assign`(via `list_committed_offsets`)
//! and `crash` ops over string keys, the key-pool generator with periodic
//! crashes, and the final-phase helpers (workloads.md §7).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use edn::Value;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};
use tokio::time::Instant;

use super::keys::KeyPool;
use super::{Completion, Errors, OpSpec, Session, failed};
use crate::cli::TestOptions;
use crate::clients::{Field, json_to_edn};

/// How long the final phase may keep polling.
pub const FINAL_PHASE_CAP: Duration = Duration::from_secs(10);

pub struct Generator {
    pool: KeyPool,
    /// Mean seconds between crash ops (30 / concurrency).
    crash_interval: f64,
    next_crash: Option<Instant>,
}

impl Generator {
    pub fn new(opts: &TestOptions) -> Self {
        Generator {
            pool: KeyPool::new(opts.key_count.unwrap_or(10), opts.max_writes_per_key),
            crash_interval: 30.0 / opts.concurrency.max(1) as f64,
            next_crash: None,
        }
    }

    pub fn next_op(&mut self, rng: &mut ChaCha8Rng) -> OpSpec {
        let now = Instant::now();
        let next_crash = *self.next_crash.get_or_insert_with(|| {
            now + Duration::from_secs_f64(rng.random_range(0.0..2.0 * self.crash_interval))
        });
        if now >= next_crash {
            self.next_crash = Some(
                next_crash
                    + Duration::from_secs_f64(rng.random_range(0.0..2.0 * self.crash_interval)),
            );
            return OpSpec::new("crash", Value::Nil);
        }
        let key = self.pool.pick(rng);
        if rng.random_range(0..64) == 0 {
            return OpSpec::new("assign", Value::Vector(vec![Value::Str(key.to_string())]));
        }
        if rng.random_bool(0.5) {
            OpSpec::new(
                "poll",
                Value::Vector(vec![Value::Vector(vec![Value::kw("poll")])]),
            )
        } else {
            let v = self.pool.next_value(key);
            OpSpec::new(
                "send",
                Value::Vector(vec![Value::Vector(vec![
                    Value::kw("send"),
                    Value::Str(key.to_string()),
                    Value::Int(v),
                ])]),
            )
        }
    }
}

/// What the final phase needs from the main phase: keys seen and the highest
/// offset per key in any `:ok` send or poll.
#[derive(Default)]
pub struct Shared {
    highest: Mutex<BTreeMap<String, i64>>,
    frozen: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn note(&self, key: &str, offset: i64) {
        if self.frozen.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let mut h = self.highest.lock().expect("kafka lock");
        let e = h.entry(key.to_string()).or_insert(offset);
        *e = (*e).max(offset);
    }

    /// End of the main phase: later ops no longer move the targets.
    pub fn freeze(&self) {
        self.frozen
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn targets(&self) -> BTreeMap<String, i64> {
        self.highest.lock().expect("kafka lock").clone()
    }
}

/// `{:f :assign, :value <every key seen>, :seek-to-beginning? true}`.
pub fn final_assign(shared: &Shared) -> OpSpec {
    let mut keys: Vec<String> = shared.targets().into_keys().collect();
    keys.sort_by_key(|k| k.parse::<i64>().unwrap_or(i64::MAX));
    OpSpec::new(
        "assign",
        Value::Vector(keys.into_iter().map(Value::Str).collect()),
    )
    .with("seek-to-beginning?", Value::Bool(true))
}

pub fn final_poll() -> OpSpec {
    OpSpec::new(
        "poll",
        Value::Vector(vec![Value::Vector(vec![Value::kw("poll")])]),
    )
    .with("poll-ms", Value::Int(1000))
}

/// Record the highest offset per key returned by an `:ok` poll completion.
pub fn note_polled(completion: &Completion, polled: &mut BTreeMap<String, i64>) {
    for (key, offset) in polled_offsets(&completion.value) {
        let e = polled.entry(key).or_insert(offset);
        *e = (*e).max(offset);
    }
}

/// Whether this thread's own polls reached every target offset.
pub fn caught_up(targets: &BTreeMap<String, i64>, polled: &BTreeMap<String, i64>) -> bool {
    targets
        .iter()
        .all(|(k, t)| polled.get(k).is_some_and(|p| p >= t))
}

fn polled_offsets(value: &Value) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for mop in value.as_seq().unwrap_or_default() {
        let Some([_, Value::Map(msgs)]) = mop.as_seq() else {
            continue;
        };
        for (k, pairs) in msgs {
            let top = pairs
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.as_seq()?.first()?.as_i64())
                .max();
            if let (Some(k), Some(top)) = (k.as_str(), top) {
                out.push((k.to_string(), top));
            }
        }
    }
    out
}

fn offsets_json(offsets: &BTreeMap<String, i64>) -> Json {
    Json::Object(
        offsets
            .iter()
            .map(|(k, v)| (k.clone(), Json::from(*v)))
            .collect(),
    )
}

pub async fn invoke(session: &mut Session, op: &OpSpec, shared: &Shared) -> Completion {
    match op.f.as_str() {
        "send" => send(session, op, shared).await,
        "poll" => poll(session, op, shared).await,
        "assign" => assign(session, op).await,
        _ => Completion {
            kind: checker::history::OpType::Info,
            value: op.value.clone(),
            extra: Vec::new(),
        },
    }
}

async fn send(session: &mut Session, op: &OpSpec, shared: &Shared) -> Completion {
    let mop = op
        .value
        .as_seq()
        .and_then(|m| m.first())
        .and_then(Value::as_seq)
        .unwrap_or_default();
    let (Some(key), Some(msg)) = (
        mop.get(1).and_then(Value::as_str),
        mop.get(2).and_then(Value::as_i64),
    ) else {
        return Completion::indeterminate(op.value.clone(), "malformed send op");
    };
    let request = json!({"type": "send", "key": key, "msg": msg});
    match session
        .call(request, "send_ok", &[("offset", Field::Int)])
        .await
    {
        Ok(reply) => {
            let offset = reply["offset"].as_i64().unwrap_or(i64::MAX);
            shared.note(key, offset);
            Completion::ok(Value::Vector(vec![Value::Vector(vec![
                Value::kw("send"),
                Value::Str(key.to_string()),
                Value::Vector(vec![Value::Int(offset), Value::Int(msg)]),
            ])]))
        }
        Err(e) => failed(
            op.value.clone(),
            e,
            Errors::Translated { idempotent: false },
        ),
    }
}

/// Check `msgs` is `{key: [[offset, msg], ...]}` with integer offsets; returns it as EDN and
/// the highest offset per key.
fn read_msgs(msgs: &Json) -> Result<(Value, BTreeMap<String, i64>), String> {
    let Json::Object(map) = msgs else {
        return Err(format!("msgs is not an object: {msgs}"));
    };
    let mut entries = Vec::new();
    let mut highest = BTreeMap::new();
    for (key, pairs) in map {
        let Json::Array(pairs) = pairs else {
            return Err(format!("msgs for key {key} is not an array: {pairs}"));
        };
        let mut out = Vec::new();
        for pair in pairs {
            match pair.as_array().map(Vec::as_slice) {
                Some([offset, msg]) if offset.is_i64() => {
                    let o = offset.as_i64().unwrap_or_default();
                    let top = highest.entry(key.clone()).or_insert(o);
                    *top = (*top).max(o);
                    out.push(Value::Vector(vec![Value::Int(o), json_to_edn(msg, true)]));
                }
                _ => {
                    return Err(format!(
                        "poll pair for key {key} is not [integer-offset, msg]: {pair}"
                    ));
                }
            }
        }
        entries.push((Value::Str(key.clone()), Value::Vector(out)));
    }
    Ok((Value::Map(entries), highest))
}

async fn poll(session: &mut Session, op: &OpSpec, shared: &Shared) -> Completion {
    let request = json!({"type": "poll", "offsets": offsets_json(&session.kafka_offsets)});
    let reply = match session
        .call(request, "poll_ok", &[("msgs", Field::Object)])
        .await
    {
        Ok(r) => r,
        Err(e) => {
            return failed(
                op.value.clone(),
                e,
                Errors::Translated { idempotent: false },
            );
        }
    };
    let (msgs, highest) = match read_msgs(&reply["msgs"]) {
        Ok(m) => m,
        Err(why) => return Completion::indeterminate(op.value.clone(), &why),
    };
    for (k, top) in &highest {
        let next = session.kafka_offsets.entry(k.clone()).or_insert(top + 1);
        *next = (*next).max(top + 1);
    }
    if !highest.is_empty() {
        let commit = json!({"type": "commit_offsets", "offsets": offsets_json(&highest)});
        if let Err(e) = session.call(commit, "commit_offsets_ok", &[]).await {
            return failed(
                op.value.clone(),
                e,
                Errors::Translated { idempotent: false },
            );
        }
    }
    for (k, top) in &highest {
        shared.note(k, *top);
    }
    Completion::ok(Value::Vector(vec![Value::Vector(vec![
        Value::kw("poll"),
        msgs,
    ])]))
}

async fn assign(session: &mut Session, op: &OpSpec) -> Completion {
    let keys: Vec<String> = op
        .value
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|k| k.as_str().map(String::from))
        .collect();
    if op
        .extra
        .iter()
        .any(|(k, v)| k == "seek-to-beginning?" && v.is_truthy())
    {
        session.kafka_offsets = keys.iter().map(|k| (k.clone(), 0)).collect();
        return Completion::ok(op.value.clone());
    }
    let request = json!({"type": "list_committed_offsets", "keys": keys});
    match session
        .call(
            request,
            "list_committed_offsets_ok",
            &[("offsets", Field::Object)],
        )
        .await
    {
        Ok(reply) => {
            let committed = &reply["offsets"];
            let assigned: BTreeSet<&String> = keys.iter().collect();
            let mut next = BTreeMap::new();
            for k in assigned {
                let offset = session
                    .kafka_offsets
                    .get(k)
                    .copied()
                    .or_else(|| committed.get(k).and_then(Json::as_i64))
                    .unwrap_or(0);
                next.insert(k.clone(), offset);
            }
            session.kafka_offsets = next;
            Completion::ok(op.value.clone())
        }
        Err(e) => failed(op.value.clone(), e, Errors::Translated { idempotent: true }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_replies_need_integer_offset_pairs() {
        let (msgs, highest) = read_msgs(&json!({"1": [[0, 5], [1, 6]], "2": []})).unwrap();
        assert_eq!(highest.get("1"), Some(&1));
        assert!(!highest.contains_key("2"));
        let done = Completion::ok(Value::Vector(vec![Value::Vector(vec![
            Value::kw("poll"),
            msgs,
        ])]));
        let mut polled = BTreeMap::new();
        note_polled(&done, &mut polled);
        assert!(caught_up(&BTreeMap::from([("1".to_string(), 1)]), &polled));
        assert!(!caught_up(&BTreeMap::from([("1".to_string(), 2)]), &polled));
        assert!(read_msgs(&json!({"1": [[0.0, 5]]})).is_err());
        assert!(read_msgs(&json!({"1": [[0, 5, 6]]})).is_err());
    }
}

//! txn-rw-register: Elle's `wr-txns` generator (1..max-txn-length micro-ops,
//! half reads, half writes of never-reused values) and the `txn` RPC
//! (workloads.md §8).

use edn::Value;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value as Json, json};

use super::keys::KeyPool;
use super::{Completion, Errors, OpSpec, Session, failed};
use crate::cli::TestOptions;
use crate::clients::{Field, json_to_edn};

pub struct Generator {
    pool: KeyPool,
    max_len: usize,
}

impl Generator {
    pub fn new(opts: &TestOptions) -> Self {
        Generator {
            pool: KeyPool::new(opts.key_count.unwrap_or(10), opts.max_writes_per_key),
            max_len: opts.max_txn_length,
        }
    }

    pub fn next_op(&mut self, rng: &mut ChaCha8Rng) -> OpSpec {
        let len = rng.random_range(1..=self.max_len);
        let micro_ops = (0..len)
            .map(|_| {
                let key = self.pool.pick(rng);
                if rng.random_bool(0.5) {
                    Value::Vector(vec![Value::kw("r"), Value::Int(key), Value::Nil])
                } else {
                    let v = self.pool.next_value(key);
                    Value::Vector(vec![Value::kw("w"), Value::Int(key), Value::Int(v)])
                }
            })
            .collect();
        OpSpec::new("txn", Value::Vector(micro_ops))
    }
}

/// `[:r 1 nil]` → `["r", 1, null]`.
fn to_json(value: &Value) -> Json {
    let ops: Vec<Json> = value
        .as_seq()
        .unwrap_or_default()
        .iter()
        .map(|mop| {
            let parts = mop.as_seq().unwrap_or_default();
            let f = parts.first().and_then(Value::as_keyword).unwrap_or("r");
            let k = parts.get(1).and_then(Value::as_i64);
            let v = parts.get(2).and_then(Value::as_i64);
            json!([f, k, v])
        })
        .collect();
    Json::Array(ops)
}

/// `["r", 1, 3]` → `[:r 1 3]`; `None` if a micro-op is not a 3-element array with a string function.
fn from_json(txn: &Json) -> Option<Value> {
    let ops = txn.as_array()?;
    ops.iter()
        .map(|mop| match mop.as_array().map(Vec::as_slice) {
            Some([Json::String(f), k, v]) => Some(Value::Vector(vec![
                Value::kw(f),
                json_to_edn(k, true),
                json_to_edn(v, true),
            ])),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Value::Vector)
}

pub async fn invoke(session: &mut Session, op: &OpSpec) -> Completion {
    let request = json!({"type": "txn", "txn": to_json(&op.value)});
    match session
        .call(request, "txn_ok", &[("txn", Field::Array)])
        .await
    {
        Ok(reply) => match from_json(&reply["txn"]) {
            Some(value) => Completion::ok(value),
            None => Completion::indeterminate(
                op.value.clone(),
                &format!("Malformed txn in reply: {}", reply["txn"]),
            ),
        },
        Err(e) => failed(
            op.value.clone(),
            e,
            Errors::Translated { idempotent: false },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_ops_round_trip_between_edn_and_json() {
        let txn = Value::Vector(vec![
            Value::Vector(vec![Value::kw("r"), Value::Int(1), Value::Nil]),
            Value::Vector(vec![Value::kw("w"), Value::Int(2), Value::Int(3)]),
        ]);
        let json = to_json(&txn);
        assert_eq!(json, json!([["r", 1, null], ["w", 2, 3]]));
        assert_eq!(from_json(&json), Some(txn));
        assert_eq!(from_json(&json!([["r", 1]])), None);
    }
}

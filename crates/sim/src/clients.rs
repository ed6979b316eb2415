//! Maelstrom's RPC clients (`c0`, `c1`, ...): one outstanding request each,
//! per-client `msg_id` from 1, replies matched only by `in_reply_to`, timeouts,
//! closed-schema reply validation, and the error-code table that turns replies
//! into `:ok`/`:fail`/`:info` operations (protocol.md §5–§6).
//!
//! Clients do not retry and do not know workloads; `workloads/*` decide which
//! RPCs to send and how to record them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use edn::Value;
use serde_json::Value as Json;
use tokio::sync::mpsc;

use crate::net::{Message, Net, NetError};

/// Hands out client ids `c0`, `c1`, ... (never reused).
pub struct ClientFactory {
    net: Arc<Net>,
    next: AtomicU64,
}

impl ClientFactory {
    pub fn new(net: Arc<Net>) -> Arc<Self> {
        Arc::new(ClientFactory {
            net,
            next: AtomicU64::new(0),
        })
    }

    pub fn open(&self) -> Client {
        let id = format!("c{}", self.next.fetch_add(1, Ordering::Relaxed));
        let inbox = self.net.register_client(&id);
        Client {
            id,
            next_msg_id: 1,
            inbox,
            net: Arc::clone(&self.net),
        }
    }
}

/// One open client.
pub struct Client {
    pub id: String,
    next_msg_id: u64,
    inbox: mpsc::UnboundedReceiver<Message>,
    net: Arc<Net>,
}

/// How an RPC failed.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// No reply within the timeout.
    Timeout,
    /// The node answered `{"type":"error", ...}`.
    Error {
        code: i64,
        text: Option<String>,
        body: Json,
    },
    /// The reply did not match the closed schema, or the request could not be sent.
    Indeterminate(String),
}

impl Client {
    /// Send `body` (a JSON object) with the next `msg_id` and wait for the reply
    /// whose `in_reply_to` matches; anything else delivered meanwhile is ignored.
    pub async fn rpc(
        &mut self,
        dest: &str,
        mut body: Json,
        timeout: Duration,
    ) -> Result<Json, RpcError> {
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        if let Json::Object(map) = &mut body {
            map.insert("msg_id".to_string(), Json::from(msg_id));
        }
        self.net
            .send(&self.id, dest, body)
            .map_err(|e: NetError| RpcError::Indeterminate(e.to_string()))?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let message = match tokio::time::timeout_at(deadline, self.inbox.recv()).await {
                Ok(Some(m)) => m,
                Ok(None) | Err(_) => return Err(RpcError::Timeout),
            };
            if message.body.get("in_reply_to").and_then(Json::as_u64) != Some(msg_id) {
                continue;
            }
            let body = message.body;
            if body.get("type").and_then(Json::as_str) == Some("error") {
                return Err(RpcError::Error {
                    code: body.get("code").and_then(Json::as_i64).unwrap_or(-1),
                    text: body.get("text").and_then(Json::as_str).map(String::from),
                    body,
                });
            }
            return Ok(body);
        }
    }

    /// Unregister the id: later replies addressed to it silence their sender.
    pub fn close(self) {
        self.net.unregister(&self.id);
    }
}

/// Field types of closed reply schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Int,
    Any,
    Array,
    Object,
}

/// Check a reply against `{"type": expected_type, fields..., "in_reply_to": int, "msg_id"?: int}`
/// and nothing else (protocol.md §5.4). `request` is quoted in the error text.
pub fn validate(
    node: &str,
    request: &Json,
    reply: &Json,
    expected_type: &str,
    fields: &[(&str, Field)],
) -> Result<(), String> {
    let mut problems = Vec::new();
    let Json::Object(map) = reply else {
        return Err(malformed(
            node,
            request,
            reply,
            expected_type,
            fields,
            "not a map",
        ));
    };
    if map.get("type").and_then(Json::as_str) != Some(expected_type) {
        problems.push(format!(":type (not (= {expected_type:?} type))"));
    }
    if !map.get("in_reply_to").is_some_and(is_int) {
        problems.push(":in_reply_to (not (integer? in_reply_to))".to_string());
    }
    if map.get("msg_id").is_some_and(|v| !is_int(v)) {
        problems.push(":msg_id (not (integer? msg_id))".to_string());
    }
    for (name, kind) in fields {
        match map.get(*name) {
            None => problems.push(format!(":{name} missing-required-key")),
            Some(v) => {
                let ok = match kind {
                    Field::Int => is_int(v),
                    Field::Any => true,
                    Field::Array => v.is_array(),
                    Field::Object => v.is_object(),
                };
                if !ok {
                    problems.push(format!(":{name} has the wrong type: {v}"));
                }
            }
        }
    }
    for key in map.keys() {
        let known = matches!(key.as_str(), "type" | "in_reply_to" | "msg_id")
            || fields.iter().any(|(n, _)| n == key);
        if !known {
            problems.push(format!(":{key} disallowed-key"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(malformed(
            node,
            request,
            reply,
            expected_type,
            fields,
            &problems.join(", "),
        ))
    }
}

fn malformed(
    node: &str,
    request: &Json,
    reply: &Json,
    expected_type: &str,
    fields: &[(&str, Field)],
    why: &str,
) -> String {
    let shape: Vec<String> = std::iter::once(format!("\"type\": \"{expected_type}\""))
        .chain(fields.iter().map(|(n, k)| format!("\"{n}\": {k:?}")))
        .chain([
            "\"in_reply_to\": Int".to_string(),
            "\"msg_id\" (optional): Int".to_string(),
        ])
        .collect();
    format!(
        "Malformed RPC response. Maelstrom sent node {node} the following request:\n\n{request}\n\nAnd expected a response of the form:\n\n{{{}}}\n\n... but instead received\n\n{reply}\n\nThis is malformed because:\n\n{{{why}}}\n\nSee doc/protocol.md for more guidance.",
        shape.join(", ")
    )
}

/// A JSON integer of any size (`3.0` and `3e0` are not integers).
fn is_int(v: &Json) -> bool {
    v.is_number() && !v.to_string().contains(['.', 'e', 'E'])
}

/// The error-code registry (`resources/errors.edn`): name and whether it is definite.
pub fn error_code(code: i64) -> (&'static str, bool) {
    match code {
        0 => ("timeout", false),
        1 => ("node-not-found", true),
        10 => ("not-supported", true),
        11 => ("temporarily-unavailable", true),
        12 => ("malformed-request", true),
        13 => ("crash", false),
        14 => ("abort", true),
        20 => ("key-does-not-exist", true),
        21 => ("key-already-exists", true),
        22 => ("precondition-failed", true),
        30 => ("txn-conflict", true),
        _ => ("unknown", false),
    }
}

/// Convert JSON to EDN. Object keys become keywords when `keywordize` (reply
/// bodies in the history), strings otherwise (kafka keys stay strings).
pub fn json_to_edn(v: &Json, keywordize: bool) -> Value {
    match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else {
                let text = n.to_string();
                if text.contains(['.', 'e', 'E']) {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                } else {
                    Value::BigInt(text)
                }
            }
        }
        Json::String(s) => Value::Str(s.clone()),
        Json::Array(items) => {
            Value::Vector(items.iter().map(|i| json_to_edn(i, keywordize)).collect())
        }
        Json::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = if keywordize {
                        Value::Keyword(k.clone())
                    } else {
                        Value::Str(k.clone())
                    };
                    (key, json_to_edn(v, keywordize))
                })
                .collect(),
        ),
    }
}

/// A Jepsen-datafied exception for an `:info` op (`:exceptions` groups by `:via` type).
pub fn exception_edn(message: &str) -> Value {
    Value::Map(vec![
        (
            Value::kw("via"),
            Value::Vector(vec![Value::Map(vec![
                (
                    Value::kw("type"),
                    Value::Symbol("clojure.lang.ExceptionInfo".to_string()),
                ),
                (Value::kw("message"), Value::Str(message.to_string())),
            ])]),
        ),
        (Value::kw("trace"), Value::Vector(Vec::new())),
        (Value::kw("cause"), Value::Str(message.to_string())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn closed_schemas_reject_extra_keys_and_floats() {
        let req = json!({"type": "read", "msg_id": 1});
        let fields = [("value", Field::Int)];
        assert!(
            validate(
                "n0",
                &req,
                &json!({"type":"read_ok","value":3,"in_reply_to":1}),
                "read_ok",
                &fields
            )
            .is_ok()
        );
        assert!(
            validate(
                "n0",
                &req,
                &json!({"type":"read_ok","value":3,"in_reply_to":1,"msg_id":9}),
                "read_ok",
                &fields
            )
            .is_ok()
        );
        let extra = validate(
            "n0",
            &req,
            &json!({"type":"read_ok","value":3,"in_reply_to":1,"src":"n0"}),
            "read_ok",
            &fields,
        );
        assert!(extra.unwrap_err().contains(":src disallowed-key"));
        let float: Json =
            serde_json::from_str(r#"{"type":"read_ok","value":3.0,"in_reply_to":1}"#).unwrap();
        assert!(validate("n0", &req, &float, "read_ok", &fields).is_err());
        assert!(
            validate(
                "n0",
                &req,
                &json!({"type":"read_ok","value":3}),
                "read_ok",
                &fields
            )
            .is_err()
        );
    }

    #[test]
    fn error_codes_follow_the_registry() {
        assert_eq!(error_code(11), ("temporarily-unavailable", true));
        assert_eq!(error_code(13), ("crash", false));
        assert_eq!(error_code(1000), ("unknown", false));
    }
}

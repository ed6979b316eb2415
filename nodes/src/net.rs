//! Sending messages: `send`, `reply` and `rpc` with awaitable responses.
//!
//! [`Net`] is a cheap, cloneable handle shared by the node and any tasks it
//! spawns. Every outgoing line goes into one channel drained by a single
//! writer, so lines never interleave. Responses to [`Net::rpc`] are matched by
//! `in_reply_to` before the node sees them; this module does not read input.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::message::{Body, ErrorCode, ErrorReply, Message};

/// How long an [`Net::rpc`] waits by default: well under Maelstrom's 5 s
/// client timeout so a node can still answer its client after one retry.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_millis(1000);

/// Why an RPC produced no usable reply.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("rpc {msg_id} to {dest} timed out after {after:?}")]
    Timeout {
        dest: String,
        msg_id: u64,
        after: Duration,
    },
    #[error("{dest} answered with error {}: {}", .reply.code, .reply.text)]
    Remote { dest: String, reply: ErrorReply },
    #[error("reply from {dest} does not match the expected schema: {source}")]
    Decode {
        dest: String,
        source: serde_json::Error,
    },
    #[error("the node is shutting down")]
    Closed,
}

/// Handle for writing messages as this node.
#[derive(Clone)]
pub struct Net(Arc<Inner>);

struct Inner {
    id: String,
    node_ids: Vec<String>,
    out: mpsc::UnboundedSender<String>,
    next_msg_id: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Message<Value>>>>,
}

impl Net {
    pub(crate) fn new(
        id: String,
        node_ids: Vec<String>,
        out: mpsc::UnboundedSender<String>,
    ) -> Self {
        Net(Arc::new(Inner {
            id,
            node_ids,
            out,
            next_msg_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
        }))
    }

    /// This node's id (`n0`, ...).
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// Every node of the cluster, this one included, in Maelstrom's order.
    pub fn node_ids(&self) -> &[String] {
        &self.0.node_ids
    }

    /// Every other node.
    pub fn peers(&self) -> impl Iterator<Item = &String> {
        self.0.node_ids.iter().filter(|id| **id != self.0.id)
    }

    /// Position of this node in [`Net::node_ids`].
    pub fn index(&self) -> usize {
        self.0
            .node_ids
            .iter()
            .position(|id| *id == self.0.id)
            .unwrap_or(0)
    }

    /// A fresh, never reused message id.
    pub fn next_msg_id(&self) -> u64 {
        self.0.next_msg_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends a message that expects no reply (no `msg_id`).
    pub fn send(&self, dest: &str, payload: impl Serialize) {
        self.emit(dest, None, None, payload);
    }

    /// Answers `request`. Requests without a `msg_id` owe no reply, so
    /// nothing is sent for them.
    pub fn reply<P>(&self, request: &Message<P>, payload: impl Serialize) {
        match request.body.msg_id {
            Some(id) => self.reply_to(&request.src, id, payload),
            None => tracing::debug!(src = %request.src, "no msg_id, so no reply sent"),
        }
    }

    /// Replies with `outcome`'s payload, or, if it failed, with an error of
    /// `code` carrying the failure's text (logged, as the request is given up).
    pub fn reply_or_error<P>(
        &self,
        request: &Message<P>,
        outcome: Result<impl Serialize, impl std::fmt::Display>,
        code: ErrorCode,
    ) {
        match outcome {
            Ok(payload) => self.reply(request, payload),
            Err(error) => {
                tracing::warn!(%error, "giving up on a client request");
                self.reply(request, ErrorReply::new(code, error.to_string()));
            }
        }
    }

    /// Answers request `in_reply_to` of `dest`, for replies sent after the
    /// request itself is gone (e.g. once a forwarded request completes).
    pub fn reply_to(&self, dest: &str, in_reply_to: u64, payload: impl Serialize) {
        self.emit(dest, None, Some(in_reply_to), payload);
    }

    /// Sends a request and returns a future resolving to the reply.
    ///
    /// The request is written immediately, so calls are ordered as made, and
    /// the future is `'static` so it can be awaited in a spawned task.
    pub fn rpc(
        &self,
        dest: &str,
        payload: impl Serialize,
    ) -> impl Future<Output = Result<Message<Value>, RpcError>> + Send + 'static {
        self.rpc_with_timeout(dest, payload, DEFAULT_RPC_TIMEOUT)
    }

    /// [`Net::rpc`] with an explicit timeout.
    pub fn rpc_with_timeout(
        &self,
        dest: &str,
        payload: impl Serialize,
        after: Duration,
    ) -> impl Future<Output = Result<Message<Value>, RpcError>> + Send + 'static {
        let msg_id = self.next_msg_id();
        let (tx, rx) = oneshot::channel();
        self.pending().insert(msg_id, tx);
        self.emit(dest, Some(msg_id), None, payload);
        let net = self.clone();
        let dest = dest.to_owned();
        async move {
            let reply = match tokio::time::timeout(after, rx).await {
                Ok(Ok(reply)) => reply,
                Ok(Err(_)) => return Err(RpcError::Closed),
                Err(_) => {
                    net.pending().remove(&msg_id);
                    return Err(RpcError::Timeout {
                        dest,
                        msg_id,
                        after,
                    });
                }
            };
            if reply.kind() == Some("error") {
                let reply = serde_json::from_value(reply.body.payload).map_err(|source| {
                    RpcError::Decode {
                        dest: dest.clone(),
                        source,
                    }
                })?;
                return Err(RpcError::Remote { dest, reply });
            }
            Ok(reply)
        }
    }

    /// Hands a reply to the RPC waiting for it; gives the message back if no
    /// RPC is waiting (it may be an acknowledgement the node handles itself).
    pub(crate) fn complete(&self, msg: Message<Value>) -> Option<Message<Value>> {
        let Some(id) = msg.body.in_reply_to else {
            return Some(msg);
        };
        let waiter = self.pending().remove(&id);
        match waiter {
            // A dropped receiver means the caller stopped caring: nothing to do.
            Some(waiter) => {
                let _ = waiter.send(msg);
                None
            }
            None => Some(msg),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<Message<Value>>>> {
        // The map holds no invariants a panicking holder could break.
        self.0
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn emit(
        &self,
        dest: &str,
        msg_id: Option<u64>,
        in_reply_to: Option<u64>,
        payload: impl Serialize,
    ) {
        let msg = Message {
            src: self.0.id.clone(),
            dest: dest.to_owned(),
            body: Body {
                msg_id,
                in_reply_to,
                payload,
            },
        };
        match msg.to_line() {
            // A closed channel means the node is shutting down; dropping is fine.
            Ok(line) => {
                let _ = self.0.out.send(line);
            }
            Err(error) => tracing::error!(%dest, %error, "could not serialize an outgoing message"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn net() -> (Net, mpsc::UnboundedReceiver<String>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Net::new("n0".into(), vec!["n0".into(), "n1".into()], tx),
            rx,
        )
    }

    #[tokio::test]
    async fn rpc_resolves_with_the_matching_reply() {
        let (net, mut out) = net();
        let call = net.rpc("lin-kv", json!({"type": "read", "key": 1}));
        let sent = Message::parse_line(&out.recv().await.unwrap()).unwrap();
        let reply = Message::parse_line(&format!(
            r#"{{"src":"lin-kv","dest":"n0","body":{{"type":"read_ok","value":5,"in_reply_to":{}}}}}"#,
            sent.body.msg_id.unwrap()
        ))
        .unwrap();
        assert!(net.complete(reply).is_none());
        assert_eq!(call.await.unwrap().body.payload["value"], json!(5));
    }

    #[tokio::test(start_paused = true)]
    async fn rpc_times_out_and_a_late_reply_is_handed_back() {
        let (net, mut out) = net();
        let call = net.rpc("n1", json!({"type": "ping"}));
        let sent = Message::parse_line(&out.recv().await.unwrap()).unwrap();
        assert!(matches!(call.await, Err(RpcError::Timeout { .. })));
        let late = Message::parse_line(&format!(
            r#"{{"src":"n1","dest":"n0","body":{{"type":"pong","in_reply_to":{}}}}}"#,
            sent.body.msg_id.unwrap()
        ))
        .unwrap();
        assert!(net.complete(late).is_some());
    }

    #[tokio::test]
    async fn error_replies_become_remote_errors() {
        let (net, mut out) = net();
        let call = net.rpc("seq-kv", json!({"type": "read", "key": "k"}));
        let sent = Message::parse_line(&out.recv().await.unwrap()).unwrap();
        let reply = Message::parse_line(&format!(
            r#"{{"src":"seq-kv","dest":"n0","body":{{"type":"error","code":20,"text":"key does not exist","in_reply_to":{}}}}}"#,
            sent.body.msg_id.unwrap()
        ))
        .unwrap();
        net.complete(reply);
        match call.await {
            Err(RpcError::Remote { reply, .. }) => assert_eq!(reply.code, 20),
            other => panic!("unexpected {other:?}"),
        }
    }
}

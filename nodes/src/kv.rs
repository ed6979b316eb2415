//! Clients for Maelstrom's built-in services: `lin-kv`, `seq-kv`, `lww-kv`
//! (read / write / cas) and `lin-tso` (timestamps).
//!
//! Each call is one RPC with the [`Net`] default timeout; errors are typed by
//! Maelstrom error code so callers can retry on contention
//! ([`KvError::PreconditionFailed`]) or treat absence as a default value
//! ([`KvError::KeyDoesNotExist`]). No retries happen here.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::message::ErrorCode;
use crate::net::{Net, RpcError};

/// A failed KV or TSO call.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("{service}: key does not exist")]
    KeyDoesNotExist { service: &'static str },
    #[error("{service}: precondition failed: {text}")]
    PreconditionFailed { service: &'static str, text: String },
    #[error("{service}: {source}")]
    Rpc {
        service: &'static str,
        source: RpcError,
    },
}

/// One of the key-value services.
#[derive(Clone)]
pub struct Kv {
    net: Net,
    service: &'static str,
}

#[derive(Deserialize)]
struct ReadOk<T> {
    value: T,
}

impl Kv {
    /// The linearizable store.
    pub fn lin(net: Net) -> Self {
        Kv {
            net,
            service: "lin-kv",
        }
    }

    /// The sequentially consistent store: reads may be stale (protocol.md §9.4).
    pub fn seq(net: Net) -> Self {
        Kv {
            net,
            service: "seq-kv",
        }
    }

    /// The last-write-wins store (two diverging replicas in practice).
    pub fn lww(net: Net) -> Self {
        Kv {
            net,
            service: "lww-kv",
        }
    }

    /// Reads `key` as a `T`.
    pub async fn read<T: DeserializeOwned>(&self, key: impl Serialize) -> Result<T, KvError> {
        let reply = self.call(json!({"type": "read", "key": key})).await?;
        let read = reply
            .decode::<ReadOk<T>>()
            .map_err(|source| self.decode(source))?;
        Ok(read.body.payload.value)
    }

    /// Reads `key`, or `None` if it does not exist.
    pub async fn read_opt<T: DeserializeOwned>(
        &self,
        key: impl Serialize,
    ) -> Result<Option<T>, KvError> {
        match self.read(key).await {
            Ok(value) => Ok(Some(value)),
            Err(KvError::KeyDoesNotExist { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Writes `value` to `key` unconditionally.
    pub async fn write(&self, key: impl Serialize, value: impl Serialize) -> Result<(), KvError> {
        self.call(json!({"type": "write", "key": key, "value": value}))
            .await?;
        Ok(())
    }

    /// Sets `key` to `to` if it currently holds `from`; with
    /// `create_if_not_exists` a missing key is created with `to`.
    pub async fn cas(
        &self,
        key: impl Serialize,
        from: impl Serialize,
        to: impl Serialize,
        create_if_not_exists: bool,
    ) -> Result<(), KvError> {
        let request = json!({
            "type": "cas", "key": key, "from": from, "to": to,
            "create_if_not_exists": create_if_not_exists,
        });
        self.call(request).await?;
        Ok(())
    }

    async fn call(
        &self,
        request: serde_json::Value,
    ) -> Result<crate::message::Message<serde_json::Value>, KvError> {
        self.net
            .rpc(self.service, request)
            .await
            .map_err(|error| self.rpc(error))
    }

    fn decode(&self, source: serde_json::Error) -> KvError {
        self.rpc(RpcError::Decode {
            dest: self.service.to_owned(),
            source,
        })
    }

    fn rpc(&self, error: RpcError) -> KvError {
        classify(self.service, error)
    }
}

fn classify(service: &'static str, error: RpcError) -> KvError {
    match error {
        RpcError::Remote { reply, .. } if reply.code == ErrorCode::KeyDoesNotExist as u32 => {
            KvError::KeyDoesNotExist { service }
        }
        RpcError::Remote { reply, .. } if reply.code == ErrorCode::PreconditionFailed as u32 => {
            KvError::PreconditionFailed {
                service,
                text: reply.text,
            }
        }
        source => KvError::Rpc { service, source },
    }
}

/// The `lin-tso` timestamp oracle.
#[derive(Clone)]
pub struct Tso {
    net: Net,
}

#[derive(Deserialize)]
struct TsOk {
    ts: u64,
}

impl Tso {
    pub fn new(net: Net) -> Self {
        Tso { net }
    }

    /// A timestamp greater than every one handed out before.
    pub async fn ts(&self) -> Result<u64, KvError> {
        let service = "lin-tso";
        let reply = self
            .net
            .rpc(service, json!({"type": "ts"}))
            .await
            .map_err(|error| classify(service, error))?;
        let ts: TsOk = reply
            .decode::<TsOk>()
            .map_err(|source| {
                classify(
                    service,
                    RpcError::Decode {
                        dest: service.to_owned(),
                        source,
                    },
                )
            })?
            .body
            .payload;
        Ok(ts.ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Ctx, Event, Node};
    use crate::testkit::Cluster;
    use std::time::Duration;

    /// Answers any request with the outcomes of a fixed script of KV calls.
    struct Probe;

    impl Node for Probe {
        type Payload = serde_json::Value;
        type Internal = ();

        fn init(_: &Ctx<()>) -> anyhow::Result<Self> {
            Ok(Probe)
        }

        fn handle(&mut self, ctx: &Ctx<()>, event: Event<serde_json::Value, ()>) {
            let Event::Message(msg) = event else { return };
            let net = ctx.net().clone();
            tokio::spawn(async move {
                let (kv, tso) = (Kv::lin(net.clone()), Tso::new(net.clone()));
                let describe = |outcome: Result<(), KvError>| match outcome {
                    Ok(()) => "ok".to_owned(),
                    Err(KvError::KeyDoesNotExist { .. }) => "missing".to_owned(),
                    Err(KvError::PreconditionFailed { .. }) => "conflict".to_owned(),
                    Err(error) => error.to_string(),
                };
                let steps = vec![
                    describe(kv.read::<u64>("k").await.map(drop)),
                    describe(kv.cas("k", 0, 1, false).await),
                    describe(kv.cas("k", 0, 1, true).await),
                    describe(kv.cas("k", 0, 2, true).await),
                    describe(kv.write("k", 7).await),
                    format!("{:?}", kv.read_opt::<u64>("k").await.ok().flatten()),
                    format!("{:?}", (tso.ts().await.ok(), tso.ts().await.ok())),
                ];
                net.reply(&msg, json!({"type": "probe_ok", "steps": steps}));
            });
        }
    }

    #[tokio::test(start_paused = true)]
    async fn kv_and_tso_calls_map_error_codes_to_typed_errors() {
        let cluster = Cluster::start::<Probe>(1, Duration::from_millis(10)).await;
        let reply = cluster.request("n0", json!({"type": "probe"})).await;
        let expected = [
            "missing",
            "missing",
            "ok",
            "conflict",
            "ok",
            "Some(7)",
            "(Some(0), Some(1))",
        ];
        assert_eq!(reply["steps"], json!(expected));
    }
}

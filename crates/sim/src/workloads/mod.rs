//! Workload generators and client operations: what each client thread sends,
//! how replies become history completions, and each workload's final phase.
//!
//! Each workload module holds its generator (the op stream, released by the
//! runner at the global `--rate`) and its `invoke` (one op over one client).
//! Checking lives in the `checker` crate; scheduling lives in `runner`.

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod kafka;
pub mod keys;
pub mod set;
pub mod txn;
pub mod unique_ids;

use std::collections::BTreeMap;
use std::time::Duration;

use checker::history::OpType;
use edn::Value;
use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;

use crate::cli::TestOptions;
use crate::clients::{Client, Field, RpcError, error_code, exception_edn, validate};

/// Every workload RPC times out after 5 s (protocol.md §5.1).
pub const RPC_TIMEOUT: Duration = Duration::from_secs(5);

/// The workloads this simulator can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Echo,
    UniqueIds,
    Broadcast,
    GSet,
    GCounter,
    PnCounter,
    Kafka,
    TxnRwRegister,
}

impl Kind {
    /// `None` for workloads Maelstrom has but this simulator does not run.
    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "echo" => Kind::Echo,
            "unique-ids" => Kind::UniqueIds,
            "broadcast" => Kind::Broadcast,
            "g-set" => Kind::GSet,
            "g-counter" => Kind::GCounter,
            "pn-counter" => Kind::PnCounter,
            "kafka" => Kind::Kafka,
            "txn-rw-register" => Kind::TxnRwRegister,
            _ => return None,
        })
    }

    /// Whether a client survives an `:info` completion (protocol.md §5.2).
    pub fn reusable_clients(self) -> bool {
        matches!(self, Kind::UniqueIds | Kind::TxnRwRegister)
    }

    /// Workloads with heal + recovery wait + final ops (workloads.md §1.3).
    pub fn has_final_phase(self) -> bool {
        matches!(
            self,
            Kind::Broadcast | Kind::GSet | Kind::GCounter | Kind::PnCounter | Kind::Kafka
        )
    }
}

/// An operation released by a generator: `:f`, `:value` and extra invocation keys.
#[derive(Debug, Clone, PartialEq)]
pub struct OpSpec {
    pub f: String,
    pub value: Value,
    pub extra: Vec<(String, Value)>,
}

impl OpSpec {
    pub fn new(f: &str, value: Value) -> Self {
        OpSpec {
            f: f.to_string(),
            value,
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.push((key.to_string(), value));
        self
    }
}

/// How an op completed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub kind: OpType,
    pub value: Value,
    pub extra: Vec<(String, Value)>,
}

impl Completion {
    pub fn ok(value: Value) -> Self {
        Completion {
            kind: OpType::Ok,
            value,
            extra: Vec::new(),
        }
    }

    /// `:info` with an `"indeterminate: ..."` error and a datafied exception.
    pub fn indeterminate(value: Value, message: &str) -> Self {
        Completion {
            kind: OpType::Info,
            value,
            extra: vec![
                (
                    "error".to_string(),
                    Value::Str(format!("indeterminate: {message}")),
                ),
                ("exception".to_string(), exception_edn(message)),
            ],
        }
    }
}

/// How a workload client turns RPC failures into completions (protocol.md §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    /// Jepsen's `with-errors`: definite codes fail; timeouts and indefinite codes
    /// are `:info`, or `:fail` when the op is idempotent.
    Translated { idempotent: bool },
    /// g-set and the counters: every error and timeout throws → `:info` + exception.
    Thrown,
}

/// The completion for a failed RPC of an op whose invocation value is `value`.
pub fn failed(value: Value, error: RpcError, policy: Errors) -> Completion {
    let indefinite = match policy {
        Errors::Translated { idempotent: true } => OpType::Fail,
        _ => OpType::Info,
    };
    match (error, policy) {
        (RpcError::Indeterminate(message), _) => Completion::indeterminate(value, &message),
        (RpcError::Timeout, Errors::Thrown) => {
            Completion::indeterminate(value, "Client read timeout")
        }
        (RpcError::Error { code, text, .. }, Errors::Thrown) => Completion::indeterminate(
            value,
            &format!(
                "Node returned error {code} ({}): {}",
                error_code(code).0,
                text.unwrap_or_default()
            ),
        ),
        (RpcError::Timeout, Errors::Translated { .. }) => Completion {
            kind: indefinite,
            value,
            extra: vec![("error".to_string(), Value::kw("net-timeout"))],
        },
        (RpcError::Error { code, text, .. }, Errors::Translated { .. }) => {
            let (name, definite) = error_code(code);
            let error = Value::Vector(vec![Value::kw(name), text.map_or(Value::Nil, Value::Str)]);
            Completion {
                kind: if definite { OpType::Fail } else { indefinite },
                value,
                extra: vec![("error".to_string(), error)],
            }
        }
    }
}

/// One client thread's connection to its node, plus per-client workload state.
pub struct Session {
    pub client: Client,
    pub node: String,
    /// kafka: next offset to poll per key (empty for a new client).
    pub kafka_offsets: BTreeMap<String, i64>,
}

impl Session {
    /// Send `request`, wait for the reply and check it against the closed schema
    /// `expected_type` + `fields`.
    pub async fn call(
        &mut self,
        request: Json,
        expected_type: &str,
        fields: &[(&str, Field)],
    ) -> Result<Json, RpcError> {
        let reply = self
            .client
            .rpc(&self.node, request.clone(), RPC_TIMEOUT)
            .await?;
        let mut sent = request;
        if let Some(m) = reply.get("in_reply_to") {
            sent["msg_id"] = m.clone();
        }
        validate(&self.node, &sent, &reply, expected_type, fields)
            .map_err(RpcError::Indeterminate)?;
        Ok(reply)
    }
}

/// The main-phase op stream of one workload.
pub enum Generator {
    Echo,
    UniqueIds,
    Broadcast(broadcast::Generator),
    GSet(broadcast::Generator),
    Counter(counter::Generator),
    Kafka(Box<kafka::Generator>),
    Txn(Box<txn::Generator>),
}

impl Generator {
    pub fn new(kind: Kind, opts: &TestOptions) -> Self {
        match kind {
            Kind::Echo => Generator::Echo,
            Kind::UniqueIds => Generator::UniqueIds,
            Kind::Broadcast => Generator::Broadcast(broadcast::Generator::new("broadcast")),
            Kind::GSet => Generator::GSet(broadcast::Generator::new("add")),
            Kind::GCounter => Generator::Counter(counter::Generator { grow_only: true }),
            Kind::PnCounter => Generator::Counter(counter::Generator { grow_only: false }),
            Kind::Kafka => Generator::Kafka(Box::new(kafka::Generator::new(opts))),
            Kind::TxnRwRegister => Generator::Txn(Box::new(txn::Generator::new(opts))),
        }
    }

    pub fn next_op(&mut self, rng: &mut ChaCha8Rng) -> OpSpec {
        match self {
            Generator::Echo => echo::next_op(rng),
            Generator::UniqueIds => OpSpec::new("generate", Value::Nil),
            Generator::Broadcast(g) | Generator::GSet(g) => g.next_op(rng),
            Generator::Counter(g) => g.next_op(rng),
            Generator::Kafka(g) => g.next_op(rng),
            Generator::Txn(g) => g.next_op(rng),
        }
    }
}

/// Run one op over `session`.
pub async fn invoke(
    kind: Kind,
    session: &mut Session,
    op: &OpSpec,
    kafka: &kafka::Shared,
) -> Completion {
    match kind {
        Kind::Echo => echo::invoke(session, op).await,
        Kind::UniqueIds => unique_ids::invoke(session, op).await,
        Kind::Broadcast => broadcast::invoke(session, op).await,
        Kind::GSet => set::invoke(session, op).await,
        Kind::GCounter | Kind::PnCounter => counter::invoke(session, op).await,
        Kind::Kafka => kafka::invoke(session, op, kafka).await,
        Kind::TxnRwRegister => txn::invoke(session, op).await,
    }
}

/// The ops each client thread runs once in the final phase (kafka's are dynamic, see `kafka`).
pub fn final_ops(kind: Kind) -> Vec<OpSpec> {
    match kind {
        Kind::Broadcast | Kind::GCounter | Kind::PnCounter => {
            vec![OpSpec::new("read", Value::Nil).with("final?", Value::Bool(true))]
        }
        Kind::GSet => vec![OpSpec::new("read", Value::Nil)],
        _ => Vec::new(),
    }
}

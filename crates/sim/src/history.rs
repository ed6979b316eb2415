//! The run's operation history as it happens: dense indexes, monotonic
//! nanosecond times from the workload origin, and one `jepsen.util` console
//! line per entry (`0\t:invoke\t:echo\t"Please echo 35"`).
//!
//! It only records; `store` prints the files and `checker` judges them.

use std::sync::{Arc, Mutex};

use checker::history::{Op, OpType, Process};
use edn::Value;
use tokio::time::Instant;

use crate::console::Console;

/// Append-only history shared by workers and the nemesis.
pub struct Recorder {
    ops: Mutex<Vec<Op>>,
    origin: Instant,
    console: Arc<Console>,
}

impl Recorder {
    /// Start the clock: every op's `:time` counts from now.
    pub fn new(console: Arc<Console>) -> Arc<Self> {
        Arc::new(Recorder {
            ops: Mutex::new(Vec::new()),
            origin: Instant::now(),
            console,
        })
    }

    /// Append one entry and log it on `thread`; returns the entry.
    pub fn record(
        &self,
        thread: &str,
        process: Process,
        kind: OpType,
        f: &str,
        value: Value,
        extra: Vec<(String, Value)>,
    ) -> Op {
        let mut ops = self.ops.lock().expect("history lock");
        let op = Op {
            index: ops.len() as u64,
            time: self.origin.elapsed().as_nanos() as u64,
            kind,
            process,
            f: f.to_string(),
            value,
            extra,
        };
        ops.push(op.clone());
        drop(ops);
        self.console
            .info(thread, "jepsen.util", &op.to_history_txt());
        op
    }

    /// Number of client invocations so far (the denominator of msgs-per-op).
    pub fn client_invocations(&self) -> u64 {
        self.ops
            .lock()
            .expect("history lock")
            .iter()
            .filter(|o| o.kind == OpType::Invoke && o.is_client())
            .count() as u64
    }

    /// A copy of the whole history.
    pub fn snapshot(&self) -> Vec<Op> {
        self.ops.lock().expect("history lock").clone()
    }
}

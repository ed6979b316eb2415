//! The run's operation history as it happens: dense indexes, monotonic
//! nanosecond times from the workload origin, and one `jepsen.util` console
//! line per entry (`0\t:invoke\t:echo\t"Please echo 35"`).
//!
//! Each entry goes straight to `history.edn`/`history.txt` and to the
//! checkers' incremental state, so memory holds what the checkers need, not
//! the whole history (a broadcast history grows with the square of the run).

use std::sync::{Arc, Mutex};

use checker::history::{Op, OpType, Process};
use checker::{CheckOptions, Incremental};
use edn::Value;
use tokio::time::Instant;

use crate::console::Console;
use crate::store::HistoryWriter;

/// Append-only history shared by workers and the nemesis.
pub struct Recorder {
    state: Mutex<State>,
    origin: Instant,
    console: Arc<Console>,
}

struct State {
    next_index: u64,
    judge: Option<Incremental>,
    /// `None` once writing failed (reported once; the run goes on).
    files: Option<HistoryWriter>,
}

impl Recorder {
    /// Start the clock: every op's `:time` counts from now. `files` is
    /// where the history goes on disk, if it could be opened.
    pub fn new(
        console: Arc<Console>,
        options: CheckOptions,
        files: Option<HistoryWriter>,
    ) -> Arc<Self> {
        Arc::new(Recorder {
            state: Mutex::new(State {
                next_index: 0,
                judge: Some(Incremental::new(options)),
                files,
            }),
            origin: Instant::now(),
            console,
        })
    }

    /// The instant history times count from.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Append one entry and log it on `thread`.
    pub fn record(
        &self,
        thread: &str,
        process: Process,
        kind: OpType,
        f: &str,
        value: Value,
        extra: Vec<(String, Value)>,
    ) {
        let mut state = self.state.lock().expect("history lock");
        let op = Op {
            index: state.next_index,
            time: self.origin.elapsed().as_nanos() as u64,
            kind,
            process,
            f: f.to_string(),
            value,
            extra,
        };
        state.next_index += 1;
        let line = op.to_history_txt();
        if let Some(files) = state.files.as_mut()
            && let Err(e) = files.append(&op, &line)
        {
            state.files = None;
            self.console.warn(thread, "jepsen.store", &e.to_string());
        }
        if let Some(judge) = state.judge.as_mut() {
            judge.push(op);
        }
        // Logged under the lock so the console shows entries in index order.
        self.console.info(thread, "jepsen.util", &line);
    }

    /// Flush the history files; the run is over.
    pub fn close_files(&self) {
        let mut state = self.state.lock().expect("history lock");
        if let Some(mut files) = state.files.take()
            && let Err(e) = files.flush()
        {
            self.console.warn("jepsen", "jepsen.store", &e.to_string());
        }
    }

    /// Judge the history with the `:net` statistics, whose msgs-per-op
    /// needs the number of client invocations (given to `net`).
    pub fn results(&self, net: impl FnOnce(u64) -> Value) -> Value {
        let judge = self
            .state
            .lock()
            .expect("history lock")
            .judge
            .take()
            .expect("a run's history is judged once");
        let net = net(judge.client_invocations());
        judge.finish(net)
    }
}

//! Jepsen-style operation history: the one data type shared by the simulator's
//! clients (which write it), the store (which prints `history.edn`) and the
//! checkers (which judge it).

use edn::Value;

/// Whether an entry starts an operation or completes it, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpType {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// Who performed an operation: a client worker's process number, or the nemesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    Client(u64),
    Nemesis,
}

/// One history entry, as printed on one line of `history.edn`:
/// `{:index 0, :time 1830110, :type :invoke, :process 0, :f :echo, :value "Please echo 35"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Dense position in the history, from 0.
    pub index: u64,
    /// Nanoseconds since the workload's relative-time origin.
    pub time: u64,
    pub kind: OpType,
    pub process: Process,
    /// The `:f` keyword without its colon (`echo`, `add`, `read`, `txn`, ...).
    pub f: String,
    pub value: Value,
    /// Further keys in order (`error`, `final?`, `exception`, `seek-to-beginning?`, ...),
    /// keyword names without the colon.
    pub extra: Vec<(String, Value)>,
}

impl Op {
    /// The value of an extra key such as `error` or `final?`.
    pub fn extra(&self, key: &str) -> Option<&Value> {
        self.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// True for operations of client workers (not the nemesis).
    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }
}

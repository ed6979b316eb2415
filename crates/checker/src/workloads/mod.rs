//! The `:workload` checker of each Maelstrom workload, chosen by name.
//!
//! Each module mirrors one Maelstrom/Jepsen checker: same verdict rules,
//! same result keys and value types. Workloads we have no checker for
//! (`lin-kv`, `txn-list-append`, anything unknown) are judged `:unknown`
//! with an `:error`, as Jepsen reports a checker that cannot run.

pub mod counter;
pub mod echo;
pub mod kafka;
pub mod set_full;
pub mod txn;
pub mod unique_ids;

use edn::Value;

use crate::CheckOptions;
use crate::history::Op;

/// The `:workload` result for `options.workload`.
pub fn check(history: &[Op], options: &CheckOptions) -> Value {
    if let Some(add_f) = set_full::add_f(&options.workload) {
        return set_full::check(history, add_f);
    }
    match options.workload.as_str() {
        "echo" => echo::check(history),
        "unique-ids" => unique_ids::check(history),
        "g-counter" | "pn-counter" => counter::check(history),
        "kafka" => kafka::check(history),
        "txn-rw-register" => txn::check(history, &options.consistency_models),
        other => unknown(format!("no checker for workload {other:?}")),
    }
}

/// `{:valid? :unknown, :error message}`: what Jepsen reports when a checker
/// cannot judge the history (it threw).
pub(crate) fn unknown(message: String) -> Value {
    Value::kw_map([
        ("valid?", Value::kw("unknown")),
        ("error", Value::Str(message)),
    ])
}

//! The checkers every Maelstrom workload gets besides its own: `:perf`,
//! `:timeline`, `:exceptions`, `:stats` and `:availability`.
//!
//! `:perf` and `:timeline` only draw pictures in Jepsen, so here they are
//! their constant, always-valid result maps; nothing is rendered.

mod availability;
mod exceptions;
mod stats;

pub use availability::availability;
pub use exceptions::exceptions;
pub use stats::{StatsRule, stats};

use edn::Value;

/// `{:latency-graph {:valid? true}, :rate-graph {:valid? true}, :valid? true}`.
pub fn perf() -> Value {
    Value::kw_map([
        ("latency-graph", valid_only()),
        ("rate-graph", valid_only()),
        ("valid?", Value::Bool(true)),
    ])
}

/// `{:valid? true}`.
pub fn timeline() -> Value {
    valid_only()
}

fn valid_only() -> Value {
    Value::kw_map([("valid?", Value::Bool(true))])
}

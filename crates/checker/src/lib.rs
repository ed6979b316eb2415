//! Judges Jepsen-style histories the way Maelstrom's checkers do.
//!
//! Given a history of client and nemesis operations and the test's options,
//! `checker` produces the `results.edn` map (`:perf :timeline :exceptions
//! :stats :availability :net :workload :valid?`) with Maelstrom's keys, value
//! types and verdict rules, for the workloads the Gossip Glomers challenges use.
//! It does not run anything and knows nothing about networks: the simulator
//! passes the `:net` statistics in. It draws no graphs either.
//!
//! ```no_run
//! use checker::{CheckOptions, analyze, history::read_history};
//! # fn demo(text: &str, net: edn::Value) -> Result<(), checker::history::HistoryError> {
//! let history = read_history(text)?;
//! let options = CheckOptions::new("echo");
//! let results = analyze(&history, &options, net);
//! # Ok(()) }
//! ```
//!
//! Layout:
//! - `incremental`: the same results from ops fed one at a time, in bounded memory.
//! - `history`: the `Op` type; reading `history.edn`, printing ops; pairing invocations.
//! - `generic`: `:perf`, `:timeline`, `:exceptions`, `:stats`, `:availability`.
//! - `workloads`: one checker per workload (`:workload`).
//! - `validity`: the false > :unknown > true verdict merge.
//! - `order`: Clojure's `=` and `compare` on EDN values, for sorting and counting.
//! - `float32`: numbers Maelstrom prints as 32-bit floats.

mod float32;
pub mod generic;
pub mod history;
mod incremental;
pub mod order;
pub mod validity;
pub mod workloads;

use edn::Value;
use history::Op;

pub use float32::{float32_ratio, float32_value};
pub use incremental::Incremental;
pub use validity::Validity;

/// The test options that change how a history is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// Workload name as given to `-w` (`echo`, `unique-ids`, `broadcast`, `g-set`,
    /// `g-counter`, `pn-counter`, `kafka`, `txn-rw-register`).
    pub workload: String,
    /// `--availability`: absent, `total`, or a fraction in [0, 1].
    pub availability: Option<Availability>,
    /// `--consistency-models`, already split as Maelstrom splits it.
    pub consistency_models: Vec<String>,
}

impl CheckOptions {
    /// Options with Maelstrom's defaults: no availability target and the
    /// `strict-serializable` consistency model.
    pub fn new(workload: &str) -> CheckOptions {
        CheckOptions {
            workload: workload.to_string(),
            availability: None,
            consistency_models: vec![DEFAULT_CONSISTENCY_MODEL.to_string()],
        }
    }
}

/// Maelstrom's `--consistency-models` default.
pub const DEFAULT_CONSISTENCY_MODEL: &str = "strict-serializable";

/// `--availability`: every invocation must succeed, or at least a fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Availability {
    Total,
    AtLeast(f64),
}

impl Availability {
    /// Reads the flag's text: `total`, or a number in [0, 1]. `None` for
    /// anything else (Maelstrom rejects it at the command line).
    pub fn parse(text: &str) -> Option<Availability> {
        let text = text.trim();
        if text == "total" {
            return Some(Availability::Total);
        }
        let fraction = parse_clojure_number(text)?;
        (0.0..=1.0)
            .contains(&fraction)
            .then_some(Availability::AtLeast(fraction))
    }
}

/// A Clojure number literal as Maelstrom's flag reader accepts it: integer,
/// decimal or `a/b` ratio.
fn parse_clojure_number(text: &str) -> Option<f64> {
    if let Some((numerator, denominator)) = text.split_once('/') {
        let n = numerator.parse::<i64>().ok()? as f64;
        let d = denominator.parse::<i64>().ok()? as f64;
        return (d != 0.0).then_some(n / d);
    }
    let number = text.strip_suffix('M').unwrap_or(text);
    number.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Splits `--consistency-models` exactly as Maelstrom does: only at a comma
/// with whitespace on both sides (`read-committed , serializable`); a bare
/// `a,b` stays one (unknown) name. Trailing empty pieces are dropped, as
/// Java's `String.split` drops them.
pub fn split_consistency_models(text: &str) -> Vec<String> {
    let mut models = Vec::new();
    let mut rest = text;
    while let Some((before, after)) = split_at_spaced_comma(rest) {
        models.push(before.to_string());
        rest = after;
    }
    models.push(rest.to_string());
    while models.last().is_some_and(|m| m.is_empty()) {
        models.pop();
    }
    models
}

/// The text before the first `\s+,\s+` match and the text after it.
fn split_at_spaced_comma(text: &str) -> Option<(&str, &str)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(start, c)) in chars.iter().enumerate() {
        if !c.is_whitespace() {
            continue;
        }
        // Leftmost match: a whitespace run starting here, then a comma, then
        // at least one whitespace character (taken greedily).
        let mut j = i;
        while j < chars.len() && chars[j].1.is_whitespace() {
            j += 1;
        }
        if j < chars.len() && chars[j].1 == ',' {
            let mut k = j + 1;
            while k < chars.len() && chars[k].1.is_whitespace() {
                k += 1;
            }
            if k > j + 1 {
                let end = chars.get(k).map_or(text.len(), |&(pos, _)| pos);
                return Some((&text[..start], &text[end..]));
            }
        }
    }
    None
}

/// The full `results.edn` map for `history`, with `net` (the `:net` checker's map,
/// computed by the caller from its network journal) placed under `:net`.
///
/// Keys come in Maelstrom's order `:perf :timeline :exceptions :stats
/// :availability :net :workload :valid?`; the top-level `:valid?` merges the
/// seven checkers' verdicts (false > :unknown > true).
pub fn analyze(history: &[Op], options: &CheckOptions, net: Value) -> Value {
    assemble(history, options, net, workloads::check(history, options))
}

/// The result map around an already computed `:workload` result.
fn assemble(history: &[Op], options: &CheckOptions, net: Value, workload: Value) -> Value {
    let stats_rule = if options.workload == "kafka" {
        generic::StatsRule::Kafka
    } else {
        generic::StatsRule::EveryF
    };
    let checkers = [
        ("perf", generic::perf()),
        ("timeline", generic::timeline()),
        ("exceptions", generic::exceptions(history)),
        ("stats", generic::stats(history, stats_rule)),
        (
            "availability",
            generic::availability(history, options.availability),
        ),
        ("net", net),
        ("workload", workload),
    ];
    let valid = Validity::merge(
        checkers
            .iter()
            .map(|(_, result)| Validity::of_result(result)),
    );
    let mut entries: Vec<(&str, Value)> = checkers.into_iter().collect();
    entries.push(("valid?", valid.to_edn()));
    Value::kw_map(entries)
}

/// A count as an EDN integer.
pub(crate) fn count_value(n: u64) -> Value {
    history::int_value(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use history::{OpType, Process};

    fn echo_history() -> Vec<Op> {
        let op = |index: u64, kind: OpType, value: Value| Op {
            index,
            time: index,
            kind,
            process: Process::Client(0),
            f: "echo".to_string(),
            value,
            extra: Vec::new(),
        };
        let payload = Value::Str("Please echo 1".to_string());
        vec![
            op(0, OpType::Invoke, payload.clone()),
            op(1, OpType::Ok, Value::kw_map([("echo", payload)])),
        ]
    }

    fn keys(results: &Value) -> Vec<String> {
        results
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.to_string())
            .collect()
    }

    #[test]
    fn results_have_maelstrom_keys_in_order() {
        let net = Value::kw_map([("valid?", Value::Bool(true))]);
        let results = analyze(&echo_history(), &CheckOptions::new("echo"), net.clone());
        assert_eq!(
            keys(&results),
            [
                ":perf",
                ":timeline",
                ":exceptions",
                ":stats",
                ":availability",
                ":net",
                ":workload",
                ":valid?"
            ]
        );
        assert_eq!(results.get_kw("net"), Some(&net));
        assert_eq!(results.get_kw("valid?"), Some(&Value::Bool(true)));
    }

    #[test]
    fn verdict_merges_false_over_unknown() {
        let net = Value::kw_map([("valid?", Value::Bool(true))]);
        let unknown = analyze(&echo_history(), &CheckOptions::new("lin-kv"), net.clone());
        assert_eq!(
            unknown.path(&["workload", "valid?"]),
            Some(&Value::kw("unknown"))
        );
        assert_eq!(unknown.get_kw("valid?"), Some(&Value::kw("unknown")));

        let mut options = CheckOptions::new("lin-kv");
        options.availability = Some(Availability::AtLeast(1.0));
        let mut history = echo_history();
        history[1].kind = OpType::Info;
        let invalid = analyze(&history, &options, net);
        assert_eq!(
            invalid.path(&["availability", "valid?"]),
            Some(&Value::Bool(false))
        );
        assert_eq!(invalid.get_kw("valid?"), Some(&Value::Bool(false)));
    }

    #[test]
    fn consistency_models_split_only_at_spaced_commas() {
        assert_eq!(
            split_consistency_models("read-committed , serializable"),
            ["read-committed", "serializable"]
        );
        assert_eq!(
            split_consistency_models("read-committed, serializable"),
            ["read-committed, serializable"]
        );
        assert_eq!(
            split_consistency_models("read-committed,serializable"),
            ["read-committed,serializable"]
        );
        assert_eq!(split_consistency_models("a  ,  b , c"), ["a", "b", "c"]);
        assert_eq!(split_consistency_models("a , "), ["a"]);
    }

    #[test]
    fn availability_flag_values() {
        assert_eq!(Availability::parse("total"), Some(Availability::Total));
        assert_eq!(
            Availability::parse("0.99"),
            Some(Availability::AtLeast(0.99))
        );
        assert_eq!(Availability::parse("1/2"), Some(Availability::AtLeast(0.5)));
        assert_eq!(Availability::parse("1"), Some(Availability::AtLeast(1.0)));
        assert_eq!(Availability::parse("2"), None);
        assert_eq!(Availability::parse("most"), None);
    }
}

//! The g-counter / pn-counter checker: every final read must equal the sum of
//! the acknowledged adds plus any subset of the crashed (`:info`) adds.
//!
//! The acceptable sums are kept as a union of closed integer intervals, as
//! Maelstrom does with a range set; failed adds never count.

use edn::Value;

use super::unknown;
use crate::history::{Op, OpType};

/// Beyond this many disjoint intervals the acceptable set is not worth
/// computing (only adversarial deltas get here); the verdict is `:unknown`.
const MAX_INTERVALS: usize = 100_000;

/// `{:valid? :errors :final-reads :acceptable}`: `:errors` is nil or the
/// offending final reads (as ops), `:acceptable` the sums as `[lo hi]`.
pub fn check(history: &[Op]) -> Value {
    let mut definite: i128 = 0;
    let mut uncertain = Vec::new();
    for op in history.iter().filter(|op| op.f == "add") {
        let delta = || {
            integer(&op.value)
                .ok_or_else(|| format!("add op :index {} has a non-integer delta", op.index))
        };
        match op.kind {
            OpType::Ok => match delta() {
                Ok(d) => definite += d,
                Err(message) => return unknown(message),
            },
            OpType::Info => match delta() {
                Ok(d) => uncertain.push(d),
                Err(message) => return unknown(message),
            },
            OpType::Invoke | OpType::Fail => {}
        }
    }

    let mut acceptable = vec![(definite, definite)];
    for delta in uncertain {
        acceptable = with_optional(&acceptable, delta);
        if acceptable.len() > MAX_INTERVALS {
            return unknown(format!(
                "more than {MAX_INTERVALS} disjoint acceptable ranges"
            ));
        }
    }

    let mut final_reads = Vec::new();
    let mut errors = Vec::new();
    for op in history
        .iter()
        .filter(|op| op.kind == OpType::Ok && op.is_final())
    {
        let Some(read) = integer(&op.value) else {
            return unknown(format!(
                "final read :index {} returned a non-integer",
                op.index
            ));
        };
        if !acceptable.iter().any(|&(lo, hi)| lo <= read && read <= hi) {
            errors.push(op.to_tagged_edn());
        }
        final_reads.push(op.value.clone());
    }

    let valid = errors.is_empty();
    Value::kw_map([
        ("valid?", Value::Bool(valid)),
        (
            "errors",
            if valid {
                Value::Nil
            } else {
                Value::List(errors)
            },
        ),
        ("final-reads", Value::List(final_reads)),
        (
            "acceptable",
            Value::List(
                acceptable
                    .iter()
                    .map(|&(lo, hi)| Value::Vector(vec![bound(lo), bound(hi)]))
                    .collect(),
            ),
        ),
    ])
}

/// `S ∪ (S + delta)`, merged so intervals that overlap or touch become one.
fn with_optional(intervals: &[(i128, i128)], delta: i128) -> Vec<(i128, i128)> {
    let mut all: Vec<(i128, i128)> = intervals
        .iter()
        .copied()
        .chain(intervals.iter().map(|&(lo, hi)| (lo + delta, hi + delta)))
        .collect();
    all.sort_unstable();
    let mut merged: Vec<(i128, i128)> = Vec::with_capacity(all.len());
    for (lo, hi) in all {
        match merged.last_mut() {
            Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

fn integer(value: &Value) -> Option<i128> {
    match value {
        Value::Int(n) => Some(i128::from(*n)),
        Value::BigInt(digits) => digits.parse().ok(),
        _ => None,
    }
}

fn bound(n: i128) -> Value {
    i64::try_from(n).map_or_else(|_| Value::BigInt(n.to_string()), Value::Int)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn op(index: u64, kind: OpType, f: &str, value: Value) -> Op {
        Op {
            index,
            time: index,
            kind,
            process: Process::Client(index % 3),
            f: f.to_string(),
            value,
            extra: Vec::new(),
        }
    }

    fn add(index: u64, kind: OpType, delta: i64) -> Op {
        op(index, kind, "add", Value::Int(delta))
    }

    fn final_read(index: u64, value: i64) -> Op {
        let mut read = op(index, OpType::Ok, "read", Value::Int(value));
        read.extra.push(("final?".to_string(), Value::Bool(true)));
        read
    }

    fn pair(v: i64, w: i64) -> Value {
        Value::Vector(vec![Value::Int(v), Value::Int(w)])
    }

    #[test]
    fn exact_sum_of_acknowledged_adds_is_valid() {
        let history = [
            add(0, OpType::Ok, 3),
            add(1, OpType::Ok, 4),
            add(2, OpType::Fail, 100),
            final_read(3, 7),
            final_read(4, 7),
        ];
        let result = check(&history);
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert_eq!(result.get_kw("errors"), Some(&Value::Nil));
        assert_eq!(
            result.get_kw("final-reads"),
            Some(&Value::List(vec![Value::Int(7), Value::Int(7)]))
        );
        assert_eq!(
            result.get_kw("acceptable"),
            Some(&Value::List(vec![pair(7, 7)]))
        );
    }

    #[test]
    fn under_and_over_counts_are_invalid() {
        for wrong in [6, 8] {
            let history = [
                add(0, OpType::Ok, 3),
                add(1, OpType::Ok, 4),
                final_read(2, wrong),
            ];
            let result = check(&history);
            assert_eq!(
                result.get_kw("valid?"),
                Some(&Value::Bool(false)),
                "read {wrong}"
            );
            assert_eq!(
                result.get_kw("errors"),
                Some(&Value::List(vec![history[2].to_tagged_edn()]))
            );
        }
    }

    #[test]
    fn crashed_adds_may_or_may_not_count() {
        let history = [
            add(0, OpType::Ok, 10),
            add(1, OpType::Info, 5),
            add(2, OpType::Info, -2),
            final_read(3, 13),
        ];
        let result = check(&history);
        // {10} ∪ {15} → then ∪ {8, 13}: four separate points.
        assert_eq!(
            result.get_kw("acceptable"),
            Some(&Value::List(vec![
                pair(8, 8),
                pair(10, 10),
                pair(13, 13),
                pair(15, 15)
            ]))
        );
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
    }

    #[test]
    fn touching_ranges_merge() {
        assert_eq!(with_optional(&[(0, 0)], 1), [(0, 1)]);
        assert_eq!(with_optional(&[(0, 1)], 3), [(0, 1), (3, 4)]);
        assert_eq!(with_optional(&[(0, 1)], 2), [(0, 3)]);
    }

    #[test]
    fn non_final_reads_are_not_judged() {
        let history = [
            add(0, OpType::Ok, 1),
            op(1, OpType::Ok, "read", Value::Int(0)),
        ];
        let result = check(&history);
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert_eq!(result.get_kw("final-reads"), Some(&Value::List(vec![])));
    }
}

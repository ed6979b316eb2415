//! `:availability`: the fraction of invocations that completed `:ok`,
//! judged against `--availability`.

use edn::Value;

use crate::history::{Op, OpType};
use crate::{Availability, float32_ratio};

/// `{:valid? ..., :ok-fraction ...}` over the whole history. The fraction is
/// a 32-bit float, or the integer `1` when nothing was invoked; without a
/// target the result is always valid.
pub fn availability(history: &[Op], target: Option<Availability>) -> Value {
    let oks = history.iter().filter(|op| op.kind == OpType::Ok).count() as u64;
    let invokes = history
        .iter()
        .filter(|op| op.kind == OpType::Invoke)
        .count() as u64;
    let (ok_fraction, fraction) = if invokes == 0 {
        (Value::Int(1), 1.0)
    } else {
        // Judge the same 32-bit number that is printed.
        let fraction = (oks as f64 / invokes as f64) as f32;
        (float32_ratio(oks, invokes), f64::from(fraction))
    };
    let valid = match target {
        None => true,
        Some(Availability::Total) => fraction == 1.0,
        Some(Availability::AtLeast(minimum)) => minimum <= fraction,
    };
    Value::kw_map([("valid?", Value::Bool(valid)), ("ok-fraction", ok_fraction)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn op(index: u64, kind: OpType) -> Op {
        Op {
            index,
            time: index,
            kind,
            process: Process::Client(0),
            f: "echo".to_string(),
            value: Value::Nil,
            extra: Vec::new(),
        }
    }

    fn history(completions: &[OpType]) -> Vec<Op> {
        completions
            .iter()
            .enumerate()
            .flat_map(|(i, kind)| {
                [
                    op(2 * i as u64, OpType::Invoke),
                    op(2 * i as u64 + 1, *kind),
                ]
            })
            .collect()
    }

    fn fraction_and_valid(result: &Value) -> (Value, Value) {
        let Value::Map(entries) = result else {
            panic!("not a map")
        };
        (entries[1].1.clone(), entries[0].1.clone())
    }

    #[test]
    fn no_invocations_is_integer_one() {
        let result = availability(&[], Some(Availability::Total));
        assert_eq!(
            fraction_and_valid(&result),
            (Value::Int(1), Value::Bool(true))
        );
    }

    #[test]
    fn total_requires_every_invocation_ok() {
        let h = history(&[OpType::Ok, OpType::Ok, OpType::Ok, OpType::Info]);
        let result = availability(&h, Some(Availability::Total));
        assert_eq!(
            fraction_and_valid(&result),
            (Value::Float(0.75), Value::Bool(false))
        );
        let result = availability(&h, None);
        assert_eq!(fraction_and_valid(&result).1, Value::Bool(true));
    }

    #[test]
    fn fraction_threshold_is_inclusive() {
        let h = history(&[OpType::Ok, OpType::Fail]);
        let at_half = availability(&h, Some(Availability::AtLeast(0.5)));
        assert_eq!(fraction_and_valid(&at_half).1, Value::Bool(true));
        let above = availability(&h, Some(Availability::AtLeast(0.51)));
        assert_eq!(fraction_and_valid(&above).1, Value::Bool(false));
    }
}

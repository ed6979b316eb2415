//! The unique-ids checker (Jepsen's `unique-ids`): no id may be returned by
//! two `:ok` `:generate` operations.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use edn::Value;

use super::unknown;
use crate::count_value;
use crate::history::{Op, OpType};
use crate::order::{Key, clj_compare, clj_sorted, total_cmp};
use crate::validity::Validity;

/// At most this many duplicated ids are listed (the most frequent ones).
const MAX_DUPLICATES_SHOWN: usize = 48;

/// `{:valid? :attempted-count :acknowledged-count :duplicated-count
/// :duplicated {id times} :range [lowest highest]}`. Ids that cannot be
/// ordered against each other (maps, or mixed kinds) make the result
/// `:unknown`, as Jepsen's range computation throws on them.
pub fn check(history: &[Op]) -> Value {
    let generates = history.iter().filter(|op| op.f == "generate");
    let mut attempted = 0;
    let mut acknowledged = Vec::new();
    for op in generates {
        match op.kind {
            OpType::Invoke => attempted += 1,
            OpType::Ok => acknowledged.push(op.value.clone()),
            _ => {}
        }
    }
    let acknowledged_count = acknowledged.len() as u64;

    let Some(sorted) = clj_sorted(&acknowledged) else {
        return unknown("generated ids are not mutually comparable".to_string());
    };
    let range = Value::Vector(vec![
        sorted.first().cloned().unwrap_or(Value::Nil),
        sorted.last().cloned().unwrap_or(Value::Nil),
    ]);

    let mut times_seen: BTreeMap<Key, u64> = BTreeMap::new();
    for id in acknowledged {
        *times_seen.entry(Key(id)).or_default() += 1;
    }
    // In Clojure's key order, as Jepsen's sorted map holds them.
    let mut duplicated: Vec<(Value, u64)> = times_seen
        .into_iter()
        .filter(|(_, times)| *times > 1)
        .map(|(Key(id), times)| (id, times))
        .collect();
    duplicated.sort_by(|a, b| clj_order(&a.0, &b.0));
    let duplicated_count = duplicated.len() as u64;
    let shown = most_frequent(duplicated);

    Value::kw_map([
        (
            "valid?",
            Validity::from_bool(duplicated_count == 0).to_edn(),
        ),
        ("attempted-count", count_value(attempted)),
        ("acknowledged-count", count_value(acknowledged_count)),
        ("duplicated-count", count_value(duplicated_count)),
        (
            "duplicated",
            Value::Map(
                shown
                    .into_iter()
                    .map(|(id, times)| (id, count_value(times)))
                    .collect(),
            ),
        ),
        ("range", range),
    ])
}

/// Jepsen's `(->> dups (sort-by val) reverse (take 48) (into (sorted-map)))`
/// over key-sorted `dups`: the most frequent ids, ties won by the larger id,
/// listed in id order.
fn most_frequent(mut by_id: Vec<(Value, u64)>) -> Vec<(Value, u64)> {
    by_id.sort_by_key(|(_, times)| *times);
    by_id.reverse();
    by_id.truncate(MAX_DUPLICATES_SHOWN);
    by_id.sort_by(|a, b| clj_order(&a.0, &b.0));
    by_id
}

/// Clojure's order where defined (the ids were already checked to be
/// comparable), else the consistent total order.
fn clj_order(a: &Value, b: &Value) -> Ordering {
    clj_compare(a, b).unwrap_or_else(|| total_cmp(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn generate(index: u64, process: u64, kind: OpType, id: Value) -> Op {
        Op {
            index,
            time: index,
            kind,
            process: Process::Client(process),
            f: "generate".to_string(),
            value: id,
            extra: Vec::new(),
        }
    }

    /// Invoke/ok pairs returning `ids` in order.
    fn history(ids: &[Value]) -> Vec<Op> {
        ids.iter()
            .enumerate()
            .flat_map(|(i, id)| {
                let i = i as u64;
                [
                    generate(2 * i, 0, OpType::Invoke, Value::Nil),
                    generate(2 * i + 1, 0, OpType::Ok, id.clone()),
                ]
            })
            .collect()
    }

    fn s(text: &str) -> Value {
        Value::Str(text.to_string())
    }

    #[test]
    fn distinct_ids_are_valid_with_their_range() {
        let result = check(&history(&[Value::Int(5), Value::Int(-2), Value::Int(9)]));
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert_eq!(result.get_kw("attempted-count"), Some(&Value::Int(3)));
        assert_eq!(result.get_kw("acknowledged-count"), Some(&Value::Int(3)));
        assert_eq!(result.get_kw("duplicated-count"), Some(&Value::Int(0)));
        assert_eq!(result.get_kw("duplicated"), Some(&Value::Map(vec![])));
        assert_eq!(
            result.get_kw("range"),
            Some(&Value::Vector(vec![Value::Int(-2), Value::Int(9)]))
        );
    }

    #[test]
    fn duplicate_ids_are_invalid_and_listed() {
        let ids = [
            s("n1-2"),
            s("n0-10"),
            s("n1-2"),
            s("n0-9"),
            s("n0-10"),
            s("n1-2"),
        ];
        let result = check(&history(&ids));
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
        assert_eq!(result.get_kw("duplicated-count"), Some(&Value::Int(2)));
        assert_eq!(
            result.get_kw("duplicated"),
            Some(&Value::Map(vec![
                (s("n0-10"), Value::Int(2)),
                (s("n1-2"), Value::Int(3)),
            ]))
        );
        assert_eq!(
            result.get_kw("range"),
            Some(&Value::Vector(vec![s("n0-10"), s("n1-2")]))
        );
    }

    #[test]
    fn unacknowledged_generates_count_only_as_attempts() {
        let mut ops = history(&[Value::Int(1)]);
        ops.push(generate(2, 1, OpType::Invoke, Value::Nil));
        ops.push(generate(3, 1, OpType::Info, Value::Nil));
        let result = check(&ops);
        assert_eq!(result.get_kw("attempted-count"), Some(&Value::Int(2)));
        assert_eq!(result.get_kw("acknowledged-count"), Some(&Value::Int(1)));
    }

    #[test]
    fn only_the_48_most_frequent_duplicates_are_shown() {
        let mut ids: Vec<Value> = (0..50)
            .flat_map(|i| [Value::Int(i), Value::Int(i)])
            .collect();
        ids.push(Value::Int(0));
        let result = check(&history(&ids));
        assert_eq!(result.get_kw("duplicated-count"), Some(&Value::Int(50)));
        let Some(Value::Map(shown)) = result.get_kw("duplicated") else {
            panic!("no :duplicated map");
        };
        assert_eq!(shown.len(), 48);
        // 0 was seen three times; among the ties the larger ids win.
        assert_eq!(shown[0], (Value::Int(0), Value::Int(3)));
        assert_eq!(shown[1].0, Value::Int(3));
    }

    #[test]
    fn incomparable_ids_are_unknown() {
        let result = check(&history(&[Value::Int(1), s("one")]));
        assert_eq!(result.get_kw("valid?"), Some(&Value::kw("unknown")));
    }
}

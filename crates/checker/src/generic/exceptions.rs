//! `:exceptions`: crashed (`:info`) operations that carry a Java exception,
//! grouped by the exception's outermost class.

use edn::Value;

use crate::count_value;
use crate::history::{Op, OpType};
use crate::order::clj_eq;

/// `{:valid? true}`, or `{:valid? true, :exceptions ({:count n, :class c,
/// :example op} ...)}` with the most frequent class first (ties keep the
/// order in which classes first appear).
pub fn exceptions(history: &[Op]) -> Value {
    // (class, first op with it, count)
    let mut groups: Vec<(Value, &Op, u64)> = Vec::new();
    for op in history.iter().filter(|op| op.kind == OpType::Info) {
        let Some(exception) = op.extra("exception").filter(|e| e.is_truthy()) else {
            continue;
        };
        let class = outer_class(exception);
        match groups.iter_mut().find(|(c, _, _)| clj_eq(c, &class)) {
            Some(group) => group.2 += 1,
            None => groups.push((class, op, 1)),
        }
    }
    if groups.is_empty() {
        return Value::kw_map([("valid?", Value::Bool(true))]);
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.2));
    let listed = groups
        .into_iter()
        .map(|(class, example, count)| {
            Value::kw_map([
                ("count", count_value(count)),
                ("class", class),
                ("example", example.to_tagged_edn()),
            ])
        })
        .collect();
    Value::kw_map([
        ("valid?", Value::Bool(true)),
        ("exceptions", Value::List(listed)),
    ])
}

/// `(-> exception :via first :type)`, nil when the shape differs.
fn outer_class(exception: &Value) -> Value {
    let first_via = match exception.get_kw("via") {
        Some(Value::Vector(via) | Value::List(via)) => via.first(),
        _ => None,
    };
    first_via
        .and_then(|entry| entry.get_kw("type"))
        .cloned()
        .unwrap_or(Value::Nil)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn crashed(index: u64, class: &str) -> Op {
        let via = Value::kw_map([("type", Value::Symbol(class.to_string()))]);
        Op {
            index,
            time: index,
            kind: OpType::Info,
            process: Process::Client(index),
            f: "add".to_string(),
            value: Value::Int(1),
            extra: vec![(
                "exception".to_string(),
                Value::kw_map([("via", Value::Vector(vec![via]))]),
            )],
        }
    }

    #[test]
    fn without_exceptions_only_valid() {
        assert_eq!(
            exceptions(&[]),
            Value::kw_map([("valid?", Value::Bool(true))])
        );
    }

    #[test]
    fn groups_by_outer_class_most_frequent_first() {
        let history = [
            crashed(0, "java.net.SocketTimeoutException"),
            crashed(1, "clojure.lang.ExceptionInfo"),
            crashed(2, "clojure.lang.ExceptionInfo"),
        ];
        let result = exceptions(&history);
        let Some(Value::List(groups)) = result.get_kw("exceptions") else {
            panic!("no :exceptions list in {result:?}");
        };
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].get_kw("count"), Some(&Value::Int(2)));
        assert_eq!(
            groups[0].get_kw("class"),
            Some(&Value::Symbol("clojure.lang.ExceptionInfo".to_string()))
        );
        assert_eq!(
            groups[0].get_kw("example"),
            Some(&history[1].to_tagged_edn())
        );
        assert_eq!(groups[1].get_kw("count"), Some(&Value::Int(1)));
    }
}

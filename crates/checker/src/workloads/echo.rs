//! The echo checker: every `:ok` (or `:fail`) completion must carry the
//! invoked payload back under `:echo`.

use edn::Value;

use crate::history::{Op, OpType, completions};
use crate::order::clj_eq;
use crate::validity::Validity;

/// `{:valid? (no errors), :errors (["Expected a message with :echo" sent
/// "But received" completion-value] ...)}`, errors in invocation order.
/// Crashed (`:info`) and never-completed invocations are not judged.
pub fn check(history: &[Op]) -> Value {
    let completion = completions(history);
    let mut errors = Vec::new();
    for (pos, invocation) in history.iter().enumerate() {
        if invocation.kind != OpType::Invoke {
            continue;
        }
        let Some(done) = completion[pos].map(|c| &history[c]) else {
            continue;
        };
        if !matches!(done.kind, OpType::Ok | OpType::Fail) {
            continue;
        }
        let echoed = done.value.get_kw("echo").unwrap_or(&Value::Nil);
        if !clj_eq(&invocation.value, echoed) {
            errors.push(Value::Vector(vec![
                Value::Str("Expected a message with :echo".to_string()),
                invocation.value.clone(),
                Value::Str("But received".to_string()),
                done.value.clone(),
            ]));
        }
    }
    Value::kw_map([
        ("valid?", Validity::from_bool(errors.is_empty()).to_edn()),
        ("errors", Value::List(errors)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn op(index: u64, kind: OpType, value: Value) -> Op {
        Op {
            index,
            time: index * 1000,
            kind,
            process: Process::Client(0),
            f: "echo".to_string(),
            value,
            extra: Vec::new(),
        }
    }

    fn reply(echo: &str) -> Value {
        Value::kw_map([
            ("type", Value::Str("echo_ok".to_string())),
            ("echo", Value::Str(echo.to_string())),
        ])
    }

    fn text(s: &str) -> Value {
        Value::Str(s.to_string())
    }

    fn errors(result: &Value) -> &[Value] {
        match result.get_kw("errors") {
            Some(Value::List(errors)) => errors,
            other => panic!("no :errors list: {other:?}"),
        }
    }

    #[test]
    fn matching_replies_are_valid() {
        let history = [
            op(0, OpType::Invoke, text("Please echo 1")),
            op(1, OpType::Ok, reply("Please echo 1")),
        ];
        let result = check(&history);
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert!(errors(&result).is_empty());
    }

    #[test]
    fn mismatched_reply_is_an_error() {
        let history = [
            op(0, OpType::Invoke, text("Please echo 1")),
            op(1, OpType::Ok, reply("Please echo 2")),
        ];
        let result = check(&history);
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
        let expected = Value::Vector(vec![
            text("Expected a message with :echo"),
            text("Please echo 1"),
            text("But received"),
            reply("Please echo 2"),
        ]);
        assert_eq!(errors(&result), [expected]);
    }

    #[test]
    fn failed_completion_is_an_error_but_crash_is_not() {
        let failed = [
            op(0, OpType::Invoke, text("Please echo 1")),
            op(1, OpType::Fail, text("Please echo 1")),
        ];
        assert_eq!(errors(&check(&failed)).len(), 1);
        let crashed = [
            op(0, OpType::Invoke, text("Please echo 1")),
            op(1, OpType::Info, text("Please echo 1")),
            op(2, OpType::Invoke, text("Please echo 3")),
        ];
        let result = check(&crashed);
        assert!(errors(&result).is_empty());
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
    }
}

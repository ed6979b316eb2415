//! Hand-built kafka histories, each with one planted bug, and the exact
//! error types the checker must report for it.

use checker::history::{Op, OpType, Process};
use checker::workloads::kafka;
use edn::Value;

/// One history step: process, type, `:f`, value (EDN text).
type Step<'a> = (u64, OpType, &'a str, &'a str);

fn history(steps: &[Step<'_>]) -> Vec<Op> {
    steps
        .iter()
        .enumerate()
        .map(|(i, &(process, kind, f, value))| Op {
            index: i as u64,
            time: i as u64 * 1_000_000,
            kind,
            process: Process::Client(process),
            f: f.to_string(),
            value: edn::parse(value).unwrap(),
            extra: Vec::new(),
        })
        .collect()
}

fn error_types(result: &Value) -> Vec<String> {
    result
        .get_kw("error-types")
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(|v| v.as_keyword().unwrap().to_string())
        .collect()
}

use OpType::{Invoke, Ok};

/// An acknowledged send of `msg` to key "x" at `offset`, by process 0.
fn send(msg: i64, offset: i64) -> [(u64, OpType, &'static str, String); 2] {
    [
        (0, Invoke, "send", format!("[[:send \"x\" {msg}]]")),
        (0, Ok, "send", format!("[[:send \"x\" [{offset} {msg}]]]")),
    ]
}

fn build(sends: &[(i64, i64)], rest: &[Step<'_>]) -> Vec<Op> {
    let owned: Vec<(u64, OpType, &str, String)> =
        sends.iter().flat_map(|&(m, o)| send(m, o)).collect();
    let mut steps: Vec<Step<'_>> = owned
        .iter()
        .map(|(p, k, f, v)| (*p, *k, *f, v.as_str()))
        .collect();
    steps.extend_from_slice(rest);
    history(&steps)
}

const POLL: &str = "[[:poll]]";

#[test]
fn clean_log_is_valid() {
    let h = build(
        &[(1, 0), (2, 1)],
        &[
            (1, Invoke, "assign", "[\"x\"]"),
            (1, Ok, "assign", "[\"x\"]"),
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[0 1] [1 2]]}]]"),
        ],
    );
    let result = kafka::check(&h);
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
    assert!(error_types(&result).is_empty());
}

#[test]
fn lost_message_is_a_lost_write_and_unseen() {
    // Message 2 was acknowledged at offset 1 but polls jump from 1 to 3.
    let h = build(
        &[(1, 0), (2, 1), (3, 2)],
        &[
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[0 1] [2 3]]}]]"),
        ],
    );
    let result = kafka::check(&h);
    assert_eq!(
        error_types(&result),
        ["int-poll-skip", "lost-write", "unseen"]
    );
    let lost = &result
        .path(&["lost-write", "errs"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    assert_eq!(lost.get_kw("value"), Some(&Value::Int(2)));
    assert_eq!(
        result.path(&["unseen", "messages"]),
        Some(&Value::Map(vec![(
            Value::Str("x".into()),
            Value::List(vec![Value::Int(2)])
        )]))
    );
}

#[test]
fn reused_offset_is_inconsistent() {
    // Two different messages acknowledged at offset 0.
    let h = build(
        &[(1, 0), (2, 0)],
        &[
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[0 1]]}]]"),
        ],
    );
    let result = kafka::check(&h);
    assert_eq!(
        error_types(&result),
        ["inconsistent-offsets", "lost-write", "unseen"]
    );
    let case = &result
        .path(&["inconsistent-offsets", "errs"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    assert_eq!(
        case.get_kw("values"),
        Some(&Value::Set(vec![Value::Int(1), Value::Int(2)]))
    );
}

#[test]
fn out_of_order_offsets_in_one_poll_are_int_nonmonotonic() {
    let h = build(
        &[(1, 0), (2, 1)],
        &[
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[1 2] [0 1]]}]]"),
        ],
    );
    let result = kafka::check(&h);
    assert_eq!(error_types(&result), ["int-nonmonotonic-poll"]);
    let case = &result
        .path(&["int-nonmonotonic-poll", "errs"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    assert_eq!(case.get_kw("delta"), Some(&Value::Int(-1)));
}

#[test]
fn committed_offset_regression_is_a_nonmonotonic_poll() {
    // After reading through offset 1, a re-assign (whose committed offset went
    // back) makes the same process poll offset 0 again.
    let h = build(
        &[(1, 0), (2, 1)],
        &[
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[0 1] [1 2]]}]]"),
            (1, Invoke, "assign", "[\"x\"]"),
            (1, Ok, "assign", "[\"x\"]"),
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[0 1] [1 2]]}]]"),
        ],
    );
    let result = kafka::check(&h);
    assert_eq!(error_types(&result), ["nonmonotonic-poll"]);
}

#[test]
fn committed_offset_jump_is_a_poll_skip() {
    // A re-assign resumes past an offset this process never polled.
    let h = build(
        &[(1, 0), (2, 1), (3, 2)],
        &[
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[0 1]]}]]"),
            (2, Invoke, "poll", POLL),
            (2, Ok, "poll", "[[:poll {\"x\" [[0 1] [1 2]]}]]"),
            (1, Invoke, "poll", POLL),
            (1, Ok, "poll", "[[:poll {\"x\" [[2 3]]}]]"),
        ],
    );
    let result = kafka::check(&h);
    assert_eq!(error_types(&result), ["poll-skip"]);
}

#[test]
fn message_polled_before_it_was_sent_is_a_realtime_cycle() {
    let h = history(&[
        (1, Invoke, "poll", POLL),
        (1, Ok, "poll", "[[:poll {\"x\" [[0 7]]}]]"),
        (0, Invoke, "send", "[[:send \"x\" 7]]"),
        (0, Ok, "send", "[[:send \"x\" [0 7]]]"),
    ]);
    let result = kafka::check(&h);
    assert_eq!(error_types(&result), ["G1c-realtime"]);
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
    let cycle = &result
        .path(&["G1c-realtime", "errs"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    let steps = cycle.get_kw("steps").and_then(Value::as_seq).unwrap();
    // One write-read step (send to poll) and one real-time step (poll
    // completed before the send began), in whichever rotation.
    let step = |kind: &str| {
        steps
            .iter()
            .find(|s| s.get_kw("type") == Some(&Value::kw(kind)))
            .unwrap()
    };
    assert_eq!(steps.len(), 2);
    assert_eq!(step("wr").get_kw("b-mop-index"), Some(&Value::Int(0)));
    assert_eq!(
        step("realtime").path(&["a'", "f"]),
        Some(&Value::kw("poll"))
    );
}

#[test]
fn indeterminate_sends_are_listed_as_causes() {
    let mut h = history(&[
        (0, Invoke, "send", "[[:send \"x\" 1]]"),
        (0, OpType::Info, "send", "[[:send \"x\" 1]]"),
    ]);
    h[1].extra.push(("error".into(), Value::kw("net-timeout")));
    let result = kafka::check(&h);
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
    assert_eq!(
        result.get_kw("info-txn-causes"),
        Some(&Value::List(vec![Value::kw("net-timeout")]))
    );
}

#[test]
fn malformed_values_are_skipped_without_panicking() {
    let h = history(&[
        (0, Invoke, "send", "[[:send \"x\" \"not a number\"]]"),
        (0, Ok, "send", "[[:send \"x\" [-5 1]] [:send] 42]"),
        (1, Invoke, "poll", POLL),
        (
            1,
            Ok,
            "poll",
            "[[:poll {\"x\" [[9223372036854775807 1] [nil 2] [3]]}] [:poll \"junk\"]]",
        ),
        (1, Invoke, "assign", "\"not a list\""),
        (1, Ok, "assign", "\"not a list\""),
        (1, Invoke, "poll", POLL),
        (1, Ok, "poll", "nil"),
    ]);
    let result = kafka::check(&h);
    assert!(result.get_kw("valid?").is_some());
    assert!(result.get_kw("worst-realtime-lag").is_some());
}

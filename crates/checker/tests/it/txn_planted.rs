//! Hand-built txn-rw-register histories, each with one planted bug, and the
//! exact anomaly the checker must name for it.

use checker::history::{Op, OpType, Process};
use checker::workloads::txn;
use edn::Value;

/// Builds a history from `(process, type, txn)` steps; `:invoke` steps carry
/// the transaction as sent, completions as returned. Times follow positions.
fn history(steps: &[(u64, OpType, &str)]) -> Vec<Op> {
    steps
        .iter()
        .enumerate()
        .map(|(i, &(process, kind, value))| Op {
            index: i as u64,
            time: i as u64 * 1_000_000,
            kind,
            process: Process::Client(process),
            f: "txn".to_string(),
            value: edn::parse(value).unwrap(),
            extra: Vec::new(),
        })
        .collect()
}

fn types(result: &Value) -> Vec<String> {
    result
        .get_kw("anomaly-types")
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(|v| v.as_keyword().unwrap().to_string())
        .collect()
}

fn models(list: &[&str]) -> Vec<String> {
    list.iter().map(|m| m.to_string()).collect()
}

use OpType::{Fail, Invoke, Ok};

#[test]
fn aborted_read_is_g1a() {
    let h = history(&[
        (0, Invoke, "[[:w 1 1]]"),
        (0, Fail, "[[:w 1 1]]"),
        (1, Invoke, "[[:r 1 nil]]"),
        (1, Ok, "[[:r 1 1]]"),
        // Unrelated traffic, so the dependency graph is not empty.
        (2, Invoke, "[[:w 2 1]]"),
        (2, Ok, "[[:w 2 1]]"),
        (2, Invoke, "[[:r 2 nil]]"),
        (2, Ok, "[[:r 2 1]]"),
    ]);
    let result = txn::check(&h, &models(&["read-committed"]));
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
    assert_eq!(types(&result), ["G1a"]);
    let case = &result
        .path(&["anomalies", "G1a"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    assert_eq!(case.path(&["writer", "index"]), Some(&Value::Int(1)));
}

#[test]
fn intermediate_read_is_g1b() {
    let h = history(&[
        (0, Invoke, "[[:w 1 1] [:w 1 2]]"),
        (0, Ok, "[[:w 1 1] [:w 1 2]]"),
        (1, Invoke, "[[:r 1 nil]]"),
        (1, Ok, "[[:r 1 1]]"),
        (2, Invoke, "[[:r 1 nil]]"),
        (2, Ok, "[[:r 1 2]]"),
    ]);
    let result = txn::check(&h, &models(&["read-committed"]));
    assert_eq!(types(&result), ["G1b"]);
}

#[test]
fn circular_information_flow_is_g1c() {
    // Each transaction reads the other's write: neither can be first.
    let h = history(&[
        (0, Invoke, "[[:w 1 1] [:r 2 nil]]"),
        (1, Invoke, "[[:w 2 1] [:r 1 nil]]"),
        (0, Ok, "[[:w 1 1] [:r 2 1]]"),
        (1, Ok, "[[:w 2 1] [:r 1 1]]"),
    ]);
    let result = txn::check(&h, &models(&["read-committed"]));
    assert_eq!(types(&result), ["G1c"]);
    let cycle = &result
        .path(&["anomalies", "G1c"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    let steps = cycle.get_kw("steps").and_then(Value::as_seq).unwrap();
    assert!(
        steps
            .iter()
            .all(|s| s.get_kw("type") == Some(&Value::kw("wr")))
    );
    assert_eq!(
        result.get_kw("not"),
        Some(&Value::Set(vec![Value::kw("read-committed")]))
    );
}

#[test]
fn lost_update_fails_serializable_only() {
    let h = history(&[
        (0, Invoke, "[[:w 1 1]]"),
        (0, Ok, "[[:w 1 1]]"),
        (1, Invoke, "[[:r 1 nil] [:w 1 2]]"),
        (2, Invoke, "[[:r 1 nil] [:w 1 3]]"),
        (1, Ok, "[[:r 1 1] [:w 1 2]]"),
        (2, Ok, "[[:r 1 1] [:w 1 3]]"),
    ]);
    let serializable = txn::check(&h, &models(&["serializable"]));
    assert_eq!(types(&serializable), ["G2-item", "lost-update"]);
    let read_committed = txn::check(&h, &models(&["read-committed"]));
    assert_eq!(read_committed.get_kw("valid?"), Some(&Value::Bool(true)));
}

#[test]
fn internal_inconsistency_names_the_expected_value() {
    let h = history(&[
        (0, Invoke, "[[:w 1 1] [:r 1 nil]]"),
        (0, Ok, "[[:w 1 1] [:r 1 5]]"),
        (1, Invoke, "[[:r 1 nil]]"),
        (1, Ok, "[[:r 1 1]]"),
    ]);
    let result = txn::check(&h, &models(&["serializable"]));
    assert_eq!(types(&result), ["internal"]);
    let case = &result
        .path(&["anomalies", "internal"])
        .and_then(Value::as_seq)
        .unwrap()[0];
    assert_eq!(case.get_kw("expected"), Some(&Value::Int(1)));
}

#[test]
fn blind_dirty_write_is_a_strict_note_not_a_failure() {
    // Two concurrent blind writers of keys 1 and 2; a later reader sees key 1
    // from the second writer and key 2 from the first: the writes interleaved.
    let h = history(&[
        (0, Invoke, "[[:w 1 1] [:w 2 1]]"),
        (1, Invoke, "[[:w 1 2] [:w 2 2]]"),
        (0, Ok, "[[:w 1 1] [:w 2 1]]"),
        (1, Ok, "[[:w 1 2] [:w 2 2]]"),
        (2, Invoke, "[[:r 1 nil] [:r 2 nil]]"),
        (2, Ok, "[[:r 1 2] [:r 2 1]]"),
    ]);
    let result = txn::check(&h, &models(&["read-uncommitted"]));
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
    let notes = result
        .path(&["strict-notes", "G0"])
        .and_then(Value::as_seq)
        .unwrap();
    assert_eq!(notes.len(), 1);
    let steps = notes[0].get_kw("steps").and_then(Value::as_seq).unwrap();
    assert_eq!(steps.len(), 2);
    assert!(
        steps
            .iter()
            .all(|s| s.get_kw("type") == Some(&Value::kw("ww")))
    );
}

#[test]
fn serial_history_is_valid_without_notes() {
    let h = history(&[
        (0, Invoke, "[[:w 1 1]]"),
        (0, Ok, "[[:w 1 1]]"),
        (1, Invoke, "[[:r 1 nil] [:w 1 2]]"),
        (1, Ok, "[[:r 1 1] [:w 1 2]]"),
        (0, Invoke, "[[:r 1 nil]]"),
        (0, Ok, "[[:r 1 2]]"),
    ]);
    let result = txn::check(&h, &[]);
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
    assert_eq!(result.get_kw("strict-notes"), None);
}

#[test]
fn stale_read_fails_strict_serializable_as_realtime_cycle() {
    // Key 1 is read as nil after a write of it completed.
    let h = history(&[
        (0, Invoke, "[[:w 1 1]]"),
        (0, Ok, "[[:w 1 1]]"),
        (1, Invoke, "[[:r 1 nil]]"),
        (1, Ok, "[[:r 1 nil]]"),
    ]);
    let strict = txn::check(&h, &[]);
    assert_eq!(types(&strict), ["G-single-realtime"]);
    let serializable = txn::check(&h, &models(&["serializable"]));
    assert_eq!(serializable.get_kw("valid?"), Some(&Value::Bool(true)));
}

#[test]
fn lone_transaction_is_an_empty_graph_and_fails() {
    let h = history(&[(0, Invoke, "[[:w 1 1]]"), (0, Ok, "[[:w 1 1]]")]);
    let result = txn::check(&h, &[]);
    assert_eq!(types(&result), ["empty-transaction-graph"]);
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
}

#[test]
fn malformed_micro_ops_are_ignored_not_fatal() {
    let h = history(&[
        (0, Invoke, "[[:w 1 1] [:x 1] \"junk\"]"),
        (0, Ok, "[[:w 1 1] [:x 1] \"junk\"]"),
        (1, Invoke, "[[:r 1 nil]]"),
        (1, Ok, "[[:r 1 1]]"),
    ]);
    let result = txn::check(&h, &[]);
    assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
}

#[test]
fn unknown_model_is_unknown() {
    let h = history(&[(0, Invoke, "[[:w 1 1]]"), (0, Ok, "[[:w 1 1]]")]);
    let result = txn::check(&h, &models(&["bogus"]));
    assert_eq!(result.get_kw("valid?"), Some(&Value::kw("unknown")));
}

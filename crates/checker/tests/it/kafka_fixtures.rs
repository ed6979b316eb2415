//! The kafka checker against real Maelstrom 0.2.4 runs: verdict, error types
//! and the per-error counts must equal what Maelstrom wrote to `results.edn`
//! for exactly that history.

use checker::workloads::kafka;
use edn::Value;

use crate::fixture::{expected_workload, history};

/// Checks verdict, error-type lists, info causes and every error entry's
/// `:count`; returns our result for further assertions.
fn assert_matches_maelstrom(case: &str) -> Value {
    let ours = kafka::check(&history(case));
    let theirs = expected_workload(case);
    for key in [
        "valid?",
        "error-types",
        "bad-error-types",
        "info-txn-causes",
    ] {
        assert_eq!(ours.get_kw(key), theirs.get_kw(key), "{case}: {key}");
    }
    // The worst lag's poll (time, process) and size; the key is a tie-break
    // Jepsen makes in hash order.
    for field in ["time", "process", "lag"] {
        let path = ["worst-realtime-lag", field];
        assert_eq!(ours.path(&path), theirs.path(&path), "{case}: lag {field}");
    }
    for error in theirs
        .get_kw("error-types")
        .and_then(Value::as_seq)
        .unwrap()
    {
        let name = error.as_keyword().unwrap();
        if name == "unseen" {
            assert_eq!(
                ours.get_kw("unseen"),
                theirs.get_kw("unseen"),
                "{case}: unseen"
            );
        } else {
            assert_eq!(
                ours.path(&[name, "count"]),
                theirs.path(&[name, "count"]),
                "{case}: {name} count"
            );
        }
    }
    ours
}

#[test]
fn correct_runs_are_valid() {
    for case in ["kafka-valid", "kafka-2node-valid"] {
        let ours = assert_matches_maelstrom(case);
        let lag = ours
            .path(&["worst-realtime-lag", "lag"])
            .and_then(Value::as_f64);
        assert_eq!(lag, Some(0.0), "{case}");
    }
}

#[test]
fn lossy_node_loses_writes() {
    let ours = assert_matches_maelstrom("kafka-invalid");
    let theirs = expected_workload("kafka-invalid");
    for entry in ["lost-write", "int-poll-skip"] {
        assert_eq!(ours.get_kw(entry), theirs.get_kw(entry), "{entry}");
    }
}

#[test]
fn duplicated_message_is_reported_at_both_offsets() {
    let ours = assert_matches_maelstrom("kafka-duplicate");
    let theirs = expected_workload("kafka-duplicate");
    for entry in ["duplicate", "int-nonmonotonic-poll", "int-poll-skip"] {
        assert_eq!(ours.get_kw(entry), theirs.get_kw(entry), "{entry}");
    }
}

#[test]
fn reversed_polls_are_internally_nonmonotonic() {
    let ours = assert_matches_maelstrom("kafka-int-nonmonotonic-poll");
    let theirs = expected_workload("kafka-int-nonmonotonic-poll");
    assert_eq!(ours.get_kw("poll-skip"), theirs.get_kw("poll-skip"));
}

#[test]
fn rewound_polls_are_nonmonotonic() {
    let ours = assert_matches_maelstrom("kafka-nonmonotonic-poll");
    let theirs = expected_workload("kafka-nonmonotonic-poll");
    assert_eq!(
        ours.get_kw("nonmonotonic-poll"),
        theirs.get_kw("nonmonotonic-poll")
    );
}

#[test]
fn polled_failed_send_is_g1a() {
    let ours = assert_matches_maelstrom("kafka-g1a");
    let theirs = expected_workload("kafka-g1a");
    assert_eq!(ours.get_kw("G1a"), theirs.get_kw("G1a"));
}

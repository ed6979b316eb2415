//! The txn-rw-register checker against real Maelstrom 0.2.4 runs: for each
//! fixture, the verdict, anomaly types and ruled-out models must equal what
//! Maelstrom wrote to `results.edn` for exactly that history.

use checker::workloads::txn;
use edn::Value;

use crate::fixture::{expected_workload, fixture_dir, history};

/// `--consistency-models` from the fixture's command line (default when absent).
fn models(case: &str) -> Vec<String> {
    let command = std::fs::read_to_string(fixture_dir(case).join("command.txt")).unwrap();
    let words: Vec<&str> = command.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[0] == "--consistency-models")
        .map(|w| w[1].split(',').map(str::to_string).collect())
        .unwrap_or_default()
}

fn keywords(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| v.as_keyword().map(str::to_string))
        .collect()
}

fn sorted_keywords(value: Option<&Value>) -> Vec<String> {
    let mut names = keywords(value);
    names.sort();
    names
}

fn assert_matches_maelstrom(case: &str) -> Value {
    let ours = txn::check(&history(case), &models(case));
    let theirs = expected_workload(case);
    assert_eq!(
        ours.get_kw("valid?"),
        theirs.get_kw("valid?"),
        "{case}: valid?"
    );
    assert_eq!(
        keywords(ours.get_kw("anomaly-types")),
        keywords(theirs.get_kw("anomaly-types")),
        "{case}: anomaly-types"
    );
    for key in ["not", "also-not"] {
        assert_eq!(
            sorted_keywords(ours.get_kw(key)),
            sorted_keywords(theirs.get_kw(key)),
            "{case}: {key}"
        );
    }
    ours
}

#[test]
fn valid_runs_are_valid() {
    for case in ["txn-rw-register-valid", "txn-lost-update-read-committed"] {
        let ours = assert_matches_maelstrom(case);
        assert_eq!(ours.get_kw("anomalies"), Some(&Value::Nil), "{case}");
    }
}

#[test]
fn dirty_read_is_g1a_with_the_same_cases() {
    let ours = assert_matches_maelstrom("txn-rw-register-invalid");
    let theirs = expected_workload("txn-rw-register-invalid");
    assert_eq!(
        ours.path(&["anomalies", "G1a"]),
        theirs.path(&["anomalies", "G1a"])
    );
}

#[test]
fn intermediate_read_is_g1b() {
    let ours = assert_matches_maelstrom("txn-g1b");
    let count = |v: &Value| {
        v.path(&["anomalies", "G1b"])
            .and_then(Value::as_seq)
            .map(<[Value]>::len)
    };
    assert_eq!(count(&ours), count(&expected_workload("txn-g1b")));
}

#[test]
fn late_reads_are_g1c_cycles() {
    let ours = assert_matches_maelstrom("txn-g1c");
    let cycles = ours
        .path(&["anomalies", "G1c"])
        .and_then(Value::as_seq)
        .unwrap();
    let theirs = expected_workload("txn-g1c");
    let their_cycles = theirs
        .path(&["anomalies", "G1c"])
        .and_then(Value::as_seq)
        .unwrap();
    assert_eq!(cycles.len(), their_cycles.len());
}

#[test]
fn internal_inconsistency_is_reported_as_maelstrom_does() {
    let ours = assert_matches_maelstrom("txn-internal");
    let theirs = expected_workload("txn-internal");
    assert_eq!(
        ours.path(&["anomalies", "internal"]),
        theirs.path(&["anomalies", "internal"])
    );
}

#[test]
fn lost_update_fails_serializable() {
    let ours = assert_matches_maelstrom("txn-lost-update-serializable");
    let count = |v: &Value, kind: &str| {
        v.path(&["anomalies", kind])
            .and_then(Value::as_seq)
            .map(<[Value]>::len)
    };
    let theirs = expected_workload("txn-lost-update-serializable");
    assert_eq!(count(&ours, "lost-update"), count(&theirs, "lost-update"));
}

#[test]
fn replicated_partitioned_runs_are_valid() {
    for case in ["txn-6b-valid", "txn-6c-valid"] {
        assert_matches_maelstrom(case);
    }
}

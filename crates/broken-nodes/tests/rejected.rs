//! End-to-end: the deliberately broken nodes of this crate through the
//! embedded simulator (shortened: `--time-limit 5`, `--recovery-wait 2`),
//! whose checkers must reject every one of them, each for its own fault.
//!
//! Run with `cargo test -p broken-nodes` (~30 s on 2 cores).

use edn::Value;

/// Runs `bin` on `workload` and returns the results of a run judged invalid.
fn assert_rejected(bin: &str, workload: &str, args: &str) -> Value {
    let base = tempfile::tempdir().expect("temp dir");
    let run = sim::testing::shortened_run(base.path(), bin, workload, args);
    assert_eq!(
        run.exit_code, 1,
        "{bin} {workload} {args}: expected an invalid run"
    );
    run.results.expect("an invalid run writes results.edn")
}

#[test]
fn broadcast_that_drops_values_is_rejected() {
    let results = assert_rejected(
        env!("CARGO_BIN_EXE_broken-broadcast"),
        "broadcast",
        "--node-count 1 --rate 10",
    );
    let lost = results
        .path(&["workload", "lost-count"])
        .and_then(Value::as_i64);
    assert!(lost.is_some_and(|lost| lost > 0), "{lost:?}");
}

#[test]
fn unique_ids_with_duplicates_are_rejected() {
    assert_rejected(
        env!("CARGO_BIN_EXE_broken-unique-ids"),
        "unique-ids",
        "--rate 100 --node-count 3",
    );
}

#[test]
fn counter_that_undercounts_is_rejected() {
    assert_rejected(
        env!("CARGO_BIN_EXE_broken-counter"),
        "g-counter",
        "--node-count 3 --rate 100",
    );
}

#[test]
fn kafka_that_loses_a_message_is_rejected() {
    let args = "--node-count 1 --concurrency 2n --rate 1000";
    assert_rejected(env!("CARGO_BIN_EXE_broken-kafka"), "kafka", args);
}

#[test]
fn txn_with_aborted_reads_is_rejected() {
    let args = "--node-count 1 --concurrency 2n --rate 1000 --consistency-models read-committed";
    let results = assert_rejected(env!("CARGO_BIN_EXE_broken-txn"), "txn-rw-register", args);
    let anomalies = results
        .path(&["workload", "anomaly-types"])
        .and_then(Value::as_seq);
    let g1a = Value::Keyword("G1a".into());
    assert!(
        anomalies.is_some_and(|types| types.contains(&g1a)),
        "{anomalies:?}"
    );
}

//! unique-ids, broadcast, g-counter, kafka and txn-rw-register end to end,
//! with correct nodes and broken ones, under partitions where it matters.

mod common;
use common::{node, sim};
use edn::Value;

fn run(workload: &str, bin: &str, extra: &[&str]) -> common::Run {
    let bin = node(bin);
    let mut args = vec![
        "test",
        "-w",
        workload,
        "--bin",
        &bin,
        "--recovery-wait",
        "1",
        "--seed",
        "7",
    ];
    args.extend_from_slice(extra);
    sim(&args)
}

fn history(run: &common::Run, workload: &str) -> String {
    std::fs::read_to_string(run.latest(workload).join("history.edn")).unwrap()
}

#[test]
fn unique_ids_survive_partitions() {
    let r = run(
        "unique-ids",
        "unique_ids.py",
        &[
            "--node-count",
            "3",
            "--time-limit",
            "3",
            "--rate",
            "50",
            "--availability",
            "total",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        history(&r, "unique-ids")
            .contains(":process :nemesis, :f :start-partition, :value [:isolated {")
    );
}

#[test]
fn duplicated_unique_ids_are_invalid() {
    let r = run(
        "unique-ids",
        "unique_ids_dup.py",
        &["--node-count", "3", "--time-limit", "2", "--rate", "50"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let dups = r
        .results("unique-ids")
        .path(&["workload", "duplicated-count"])
        .and_then(Value::as_i64)
        .unwrap();
    assert!(dups > 0);
}

#[test]
fn gossiping_broadcast_recovers_from_partitions() {
    let r = run(
        "broadcast",
        "broadcast.py",
        &[
            "--node-count",
            "5",
            "--time-limit",
            "3",
            "--rate",
            "10",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("Waiting for recovery..."));
    let h = history(&r, "broadcast");
    let finals = h
        .lines()
        .filter(|l| l.contains(":type :ok") && l.contains(":final? true"))
        .count();
    assert_eq!(finals, 5, "one final read per node");
    assert!(h.contains(":f :stop-partition, :value :network-healed"));
    let results = r.results("broadcast");
    let servers = results
        .path(&["net", "servers", "send-count"])
        .and_then(Value::as_i64)
        .unwrap();
    assert!(servers > 0, "gossip is server traffic");
}

#[test]
fn sends_to_peers_already_torn_down_are_not_warned_about() {
    let r = run(
        "broadcast",
        "broadcast_chatty.py",
        &["--node-count", "3", "--time-limit", "2", "--rate", "10"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("Tearing down n2"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("Invalid dest") && !r.stdout.contains("Error!"),
        "the test is over once teardown starts: {}",
        r.stdout
    );
}

#[test]
fn broadcast_that_never_gossips_loses_values() {
    let r = run(
        "broadcast",
        "broadcast_drop.py",
        &["--node-count", "3", "--time-limit", "3", "--rate", "10"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let lost = r
        .results("broadcast")
        .path(&["workload", "lost-count"])
        .and_then(Value::as_i64)
        .unwrap();
    assert!(lost > 0);
}

#[test]
fn g_counter_over_seq_kv_is_exact_after_partitions() {
    let r = run(
        "g-counter",
        "g_counter.py",
        &[
            "--node-count",
            "3",
            "--time-limit",
            "3",
            "--rate",
            "30",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let results = r.results("g-counter");
    let reads = results
        .path(&["workload", "final-reads"])
        .and_then(Value::as_seq)
        .unwrap();
    assert_eq!(reads.len(), 3);
    assert!(reads.iter().all(|v| v == &reads[0]));
}

#[test]
fn g_counter_that_undercounts_is_invalid() {
    let r = run(
        "g-counter",
        "g_counter_under.py",
        &["--node-count", "3", "--time-limit", "3", "--rate", "30"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn single_node_kafka_runs_main_and_final_phase() {
    let r = run(
        "kafka",
        "kafka.py",
        &[
            "--node-count",
            "1",
            "--concurrency",
            "2n",
            "--time-limit",
            "3",
            "--rate",
            "50",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let h = history(&r, "kafka");
    assert!(
        h.lines()
            .any(|l| l.contains(":type :ok") && l.contains(":f :send, :value [[:send \""))
    );
    assert!(
        h.lines()
            .any(|l| l.contains(":type :ok") && l.contains(":f :poll, :value [[:poll {\""))
    );
    assert!(h.contains(":f :crash"));
    assert!(h.contains(":seek-to-beginning? true"));
    assert!(h.contains(":poll-ms 1000"));
}

#[test]
fn kafka_that_acknowledges_unstored_sends_is_invalid() {
    let r = run(
        "kafka",
        "kafka_lossy.py",
        &[
            "--node-count",
            "1",
            "--concurrency",
            "2n",
            "--time-limit",
            "3",
            "--rate",
            "50",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn single_node_txn_store_is_valid() {
    let r = run(
        "txn-rw-register",
        "txn.py",
        &[
            "--node-count",
            "1",
            "--concurrency",
            "2n",
            "--time-limit",
            "2",
            "--rate",
            "50",
            "--consistency-models",
            "read-committed",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(history(&r, "txn-rw-register").contains(":type :ok, :process"));
}

#[test]
fn stale_txn_reads_are_not_strict_serializable() {
    let r = run(
        "txn-rw-register",
        "txn_stale.py",
        &[
            "--node-count",
            "1",
            "--concurrency",
            "2n",
            "--time-limit",
            "2",
            "--rate",
            "50",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let anomalies = r
        .results("txn-rw-register")
        .path(&["workload", "anomaly-types"])
        .and_then(Value::as_seq)
        .map(<[Value]>::len);
    assert!(anomalies.is_some_and(|n| n > 0));
}

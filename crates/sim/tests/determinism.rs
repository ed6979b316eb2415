//! One seed, one schedule: two runs with the same `--seed` invoke the same
//! client operations (f and value) and the same nemesis events. Node timing
//! is not the simulator's to decide, so completions, latencies and the order
//! of operations invoked at nearly the same moment may differ; everything
//! the simulator decides may not.

mod common;
use common::{node, sim};

/// What the run's history scheduled (see [`sim::testing::schedule`]).
fn schedule(run: &common::Run, workload: &str) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(run.latest(workload).join("history.edn")).unwrap();
    sim::testing::schedule(&text)
}

fn twice(workload: &str, bin: &str, args: &[&str]) -> [(Vec<String>, Vec<String>); 2] {
    let bin = node(bin);
    let mut argv = vec![
        "test",
        "-w",
        workload,
        "--bin",
        &bin,
        "--recovery-wait",
        "1",
    ];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&[
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
        "--seed",
        "42",
    ]);
    [(); 2].map(|()| {
        let run = sim(&argv);
        assert!(
            run.stdout.contains(", seed 42, in "),
            "the console names the seed"
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        schedule(&run, workload)
    })
}

fn assert_same_schedule(runs: &[(Vec<String>, Vec<String>); 2], window: usize) {
    let [(ops_a, nemesis_a), (ops_b, nemesis_b)] = runs;
    assert!(ops_a.len() > 20, "a real workload ran: {ops_a:?}");
    assert!(
        nemesis_a.len() >= 2,
        "partitions were injected: {nemesis_a:?}"
    );
    assert_eq!(nemesis_a, nemesis_b, "same nemesis events");
    sim::testing::same_up_to_neighbour_swaps(ops_a, ops_b, window).unwrap();
}

#[test]
fn partitioned_broadcast_repeats_its_operations_and_partitions() {
    let runs = twice(
        "broadcast",
        "broadcast.py",
        &["--node-count", "5", "--time-limit", "4", "--rate", "20"],
    );
    assert_same_schedule(&runs, 5);
}

#[test]
fn partitioned_txn_rw_register_repeats_its_transactions_and_partitions() {
    let runs = twice(
        "txn-rw-register",
        "txn.py",
        &[
            "--node-count",
            "2",
            "--concurrency",
            "2n",
            "--time-limit",
            "3",
            "--rate",
            "50",
            "--consistency-models",
            "read-uncommitted",
            "--availability",
            "total",
        ],
    );
    assert_same_schedule(&runs, 4);
}

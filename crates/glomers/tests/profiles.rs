//! A quick run is the official test with a shorter main phase, on every
//! backend: recovery and final reads stay Maelstrom's (issue 18). Proved with
//! two scripted Python nodes on the simulator: a broadcast that retries until
//! acknowledged (3c) and one that gossips on a timer (3b). Each quick run
//! gives the verdict and msgs/op (within 10 %) of the same test started from
//! Maelstrom's own command line; the explicit short recovery does not, and is
//! labelled custom.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;

fn node(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sim/tests/nodes")
        .join(name)
}

/// `glomers run <id> --quick` on the simulator: (exit code, the run's JSON).
fn quick_run(dir: &Path, id: &str, bin: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .args([
            "run",
            id,
            "--quick",
            "--ci",
            "--json",
            "--backend",
            "sim",
            "--work-dir",
        ])
        .arg(dir)
        .arg("--bin")
        .arg(node(bin))
        .args(extra)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap(), doc["runs"][0].clone())
}

/// The same test from Maelstrom's command line (`glomers maelstrom test`,
/// no simulator-only option): (exit code, `:net :servers :msgs-per-op`).
fn maelstrom_line(dir: &Path, bin: &str, params: &str) -> (i32, f64) {
    let status = Command::cargo_bin("glomers")
        .unwrap()
        .args(["maelstrom", "test", "-w", "broadcast", "--bin"])
        .arg(node(bin))
        .args(params.split(' '))
        .current_dir(dir)
        .output()
        .unwrap()
        .status;
    let results = runner::results::RunResults::read(&dir.join("store/current/results.edn"))
        .expect("results.edn");
    (
        status.code().unwrap(),
        results.msgs_per_op_servers.expect("msgs-per-op"),
    )
}

fn assert_within_10_percent(quick: f64, reference: f64, what: &str) {
    assert!(
        (quick - reference).abs() <= 0.1 * reference,
        "{what}: quick {quick} msgs/op, Maelstrom's command line {reference}"
    );
}

#[test]
fn quick_runs_of_retrying_and_gossiping_nodes_mean_what_maelstrom_means() {
    let dirs: Vec<tempfile::TempDir> = (0..5).map(|_| tempfile::tempdir().unwrap()).collect();
    let [retry, retry_ref, short, gossip, gossip_ref] = [0, 1, 2, 3, 4].map(|i| dirs[i].path());
    // msgs/op moves with the operations and partitions drawn (a timer's
    // traffic is per second; a retry's depends on what was cut off), so one
    // seed gives each pair the same draw and leaves the node's behaviour.
    let three_c = "--node-count 5 --time-limit 5 --rate 10 --nemesis partition --seed 7";
    let three_b = "--node-count 5 --time-limit 5 --rate 10 --seed 7";
    std::thread::scope(|s| {
        let retry =
            s.spawn(|| quick_run(retry, "3c", "broadcast_retry.py", &["--", "--seed", "7"]));
        let retry_ref = s.spawn(|| maelstrom_line(retry_ref, "broadcast_retry.py", three_c));
        let short =
            s.spawn(|| quick_run(short, "3c", "broadcast_retry.py", &["--recovery-wait", "2"]));
        let gossip = s.spawn(|| quick_run(gossip, "3b", "broadcast.py", &["--", "--seed", "7"]));
        let gossip_ref = s.spawn(|| maelstrom_line(gossip_ref, "broadcast.py", three_b));

        let ((code, run), (ref_code, ref_msgs)) =
            (retry.join().unwrap(), retry_ref.join().unwrap());
        assert_eq!((code, ref_code), (0, 0), "both pass: {run}");
        assert_eq!(
            run["label"]["differs"],
            serde_json::json!(["time-limit 5", "args --seed 7"]),
            "quick but for the seed"
        );
        assert_within_10_percent(run["msgs_per_op"].as_f64().unwrap(), ref_msgs, "3c retry");

        let (code, run) = short.join().unwrap();
        assert_eq!(code, 1, "a retry 12 s away misses a 2 s recovery: {run}");
        let reasons = run["reasons"].as_array().unwrap();
        assert!(
            reasons
                .iter()
                .any(|r| r.as_str().unwrap().starts_with("lost-count")),
            "{run}"
        );
        assert_eq!(
            run["label"],
            serde_json::json!({"kind": "custom", "differs": ["time-limit 5", "recovery-wait 2 (simulator only)"]})
        );

        let ((code, run), (ref_code, ref_msgs)) =
            (gossip.join().unwrap(), gossip_ref.join().unwrap());
        assert_eq!((code, ref_code), (0, 0), "both pass: {run}");
        assert_within_10_percent(run["msgs_per_op"].as_f64().unwrap(), ref_msgs, "3b gossip");
    });
}

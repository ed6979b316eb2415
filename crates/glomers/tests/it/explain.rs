//! `glomers explain` on simulator runs of the deliberately broken nodes
//! (`crates/broken-nodes`): every finding names exactly the values, offsets
//! and transactions the run's `results.edn` lists; broadcast findings carry
//! the message trace from the simulator's `net-journal.jsonl`; and
//! `glomers run` prints the first findings under its FAIL. `scripted` runs
//! small Python nodes written for one fault each.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use edn::Value;
use serde_json::Value as Json;

mod scripted;

/// Build one broken node (cheap when it is fresh) and return its path.
fn broken(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "-q",
            "-p",
            "broken-nodes",
            "--bin",
            &format!("broken-{name}"),
        ])
        .status()
        .unwrap();
    assert!(status.success(), "building broken-{name}");
    let glomers = PathBuf::from(env!("CARGO_BIN_EXE_glomers"));
    glomers.with_file_name(format!("broken-{name}"))
}

/// `glomers maelstrom test -w WORKLOAD --bin BIN ARGS` in `dir`; returns the run's store.
fn sim_run(dir: &Path, workload: &str, bin: &Path, args: &str) -> PathBuf {
    let (code, stdout, store) = sim_any(dir, workload, bin, args);
    assert_eq!(code, Some(1), "expected an invalid run: {stdout}");
    store
}

/// Like [`sim_run`], whatever the verdict: the exit code, stdout and the store.
fn sim_any(dir: &Path, workload: &str, bin: &Path, args: &str) -> (Option<i32>, String, PathBuf) {
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .current_dir(dir)
        .args(["maelstrom", "test", "-w", workload, "--bin"])
        .arg(bin)
        .args(args.split_whitespace())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let store = std::fs::canonicalize(dir.join("store/latest"))
        .unwrap_or_else(|e| panic!("no store/latest ({e}): {stdout}"));
    (output.status.code(), stdout, store)
}

fn explain_json(store: &Path) -> Json {
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .arg("explain")
        .arg(store)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn explain_text(store: &Path) -> String {
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .arg("explain")
        .arg(store)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn results(store: &Path) -> Value {
    edn::parse(&std::fs::read_to_string(store.join("results.edn")).unwrap()).unwrap()
}

/// Every `:index` of an op `results.edn` cites under `value`.
fn cited(value: &Value, out: &mut BTreeSet<u64>) {
    match value {
        Value::Tagged(_, inner) => {
            if let Some(i) = inner.get_kw("index").and_then(Value::as_i64) {
                out.insert(i as u64);
            }
        }
        Value::List(items) | Value::Vector(items) | Value::Set(items) => {
            items.iter().for_each(|i| cited(i, out))
        }
        Value::Map(pairs) => pairs.iter().for_each(|(_, v)| cited(v, out)),
        _ => {}
    }
}

fn findings<'a>(doc: &'a Json, kind: &str) -> Vec<&'a Json> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

fn ops_of(findings: &[&Json]) -> BTreeSet<u64> {
    findings
        .iter()
        .flat_map(|f| {
            f["ops"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_u64().unwrap())
        })
        .collect()
}

#[test]
fn broken_broadcast_lost_values_come_with_their_messages() {
    let bin = broken("broadcast");
    let dir = tempfile::tempdir().unwrap();
    let args =
        "--node-count 3 --time-limit 3 --rate 10 --nemesis partition --recovery-wait 1 --seed 7";
    let store = sim_run(dir.path(), "broadcast", &bin, args);
    let r = results(&store);
    let doc = explain_json(&store);
    assert_eq!(doc["valid"], Json::Bool(false));
    let lost: BTreeSet<String> = r
        .path(&["workload", "lost"])
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let found = findings(&doc, "lost-value");
    let values: BTreeSet<String> = found.iter().map(|f| f["values"][0].to_string()).collect();
    assert!(!lost.is_empty());
    assert_eq!(values, lost);
    let history = std::fs::read_to_string(store.join("history.edn")).unwrap();
    for f in found {
        // The acknowledgement is the ok broadcast of exactly this value.
        let index = f["ops"][0].as_u64().unwrap();
        let line = history.lines().nth(index as usize).unwrap();
        let op = edn::parse(line).unwrap();
        assert_eq!(
            op.get_kw("type").and_then(Value::as_keyword),
            Some("ok"),
            "{line}"
        );
        assert_eq!(
            op.get_kw("value").map(ToString::to_string),
            Some(f["values"][0].to_string()),
            "{line}"
        );
        // The trace starts with the client's request, delivered to the acknowledging node.
        let first = &f["messages"][0];
        assert_eq!(first["type"], "broadcast", "{f}");
        assert_eq!(first["fate"], "delivered");
        assert_eq!(first["dest"], f["nodes"][0]);
        assert!(first["time_ms"].as_f64().unwrap() >= 0.0);
    }
    // The journal holds every send `:net` counts.
    let journal = std::fs::read_to_string(store.join("net-journal.jsonl")).unwrap();
    let sends = journal
        .lines()
        .filter(|l| l.contains("\"ev\":\"send\""))
        .count() as i64;
    assert_eq!(
        Some(sends),
        r.path(&["net", "all", "send-count"])
            .and_then(Value::as_i64)
    );
    assert!(journal.lines().any(|l| l.contains("\"ev\":\"origin\"")));
}

#[test]
fn broken_kafka_findings_cite_exactly_results_ops() {
    let bin = broken("kafka");
    let dir = tempfile::tempdir().unwrap();
    let store = sim_run(
        dir.path(),
        "kafka",
        &bin,
        "--node-count 1 --concurrency 2n --rate 200 --time-limit 3 --recovery-wait 1",
    );
    let r = results(&store);
    let doc = explain_json(&store);
    let workload = r.get_kw("workload").unwrap();
    let types: Vec<String> = workload
        .get_kw("error-types")
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(|k| k.as_keyword().unwrap().to_string())
        .collect();
    assert!(!types.is_empty());
    for kind in &types {
        let mut want = BTreeSet::new();
        cited(workload.get_kw(kind).unwrap(), &mut want);
        let found = findings(&doc, kind);
        assert!(!found.is_empty(), "{kind}");
        assert_eq!(ops_of(&found), want, "{kind}");
    }
}

#[test]
fn broken_counter_names_its_final_reads() {
    let bin = broken("counter");
    let dir = tempfile::tempdir().unwrap();
    let store = sim_run(
        dir.path(),
        "g-counter",
        &bin,
        "--node-count 3 --rate 100 --time-limit 3 --recovery-wait 1",
    );
    let r = results(&store);
    let doc = explain_json(&store);
    let found = findings(&doc, "counter-mismatch");
    assert_eq!(found.len(), 1);
    let mut want = BTreeSet::new();
    cited(r.path(&["workload", "errors"]).unwrap(), &mut want);
    assert_eq!(ops_of(&found), want);
    let reads: Vec<String> = r
        .path(&["workload", "final-reads"])
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let values: Vec<String> = found[0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(values, reads);
}

#[test]
fn broken_unique_ids_lists_every_duplicate() {
    let bin = broken("unique-ids");
    let dir = tempfile::tempdir().unwrap();
    let store = sim_run(
        dir.path(),
        "unique-ids",
        &bin,
        "--node-count 3 --rate 100 --time-limit 3",
    );
    let r = results(&store);
    let doc = explain_json(&store);
    let want: BTreeSet<String> = r
        .path(&["workload", "duplicated"])
        .and_then(Value::as_map)
        .unwrap()
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    let found = findings(&doc, "duplicate-id");
    let got: BTreeSet<String> = found.iter().map(|f| f["values"][0].to_string()).collect();
    assert_eq!(got, want);
    assert!(
        found
            .iter()
            .all(|f| f["ops"].as_array().unwrap().len() >= 2)
    );
}

#[test]
fn broken_txn_anomalies_match_results() {
    let bin = broken("txn");
    let dir = tempfile::tempdir().unwrap();
    let args = "--node-count 1 --concurrency 2n --rate 300 --time-limit 3 --consistency-models read-committed";
    let store = sim_run(dir.path(), "txn-rw-register", &bin, args);
    let r = results(&store);
    let doc = explain_json(&store);
    let workload = r.get_kw("workload").unwrap();
    for kind in workload
        .get_kw("anomaly-types")
        .and_then(Value::as_seq)
        .unwrap()
    {
        let kind = kind.as_keyword().unwrap();
        let listed = workload.path(&["anomalies", kind]).unwrap();
        let mut want = BTreeSet::new();
        cited(listed, &mut want);
        let found = findings(&doc, kind);
        assert_eq!(found.len(), listed.as_seq().unwrap().len(), "{kind}");
        assert_eq!(ops_of(&found), want, "{kind}");
    }
}

#[test]
fn run_prints_findings_under_fail() {
    let bin = broken("broadcast");
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .args([
            "run",
            "3b",
            "--ci",
            "--backend",
            "sim",
            "--time-limit",
            "3",
            "--work-dir",
        ])
        .arg(dir.path().join("glomers"))
        .arg("--bin")
        .arg(&bin)
        .args(["--", "--recovery-wait", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("FAIL 3b"), "{stdout}");
    let why: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  why: value "))
        .collect();
    assert_eq!(why.len(), 3, "{stdout}");
    let more = stdout
        .lines()
        .find(|l| l.starts_with("  … "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(more.contains(" more: glomers explain "), "{more}");
    // `show` prints the same lines.
    let run_id = more.rsplit(' ').next().unwrap();
    let show = Command::cargo_bin("glomers")
        .unwrap()
        .args(["show", run_id, "--work-dir"])
        .arg(dir.path().join("glomers"))
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&show.stdout);
    for line in why {
        assert!(shown.contains(line), "{shown}");
    }
}

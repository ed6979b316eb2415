//! Explanations of the real-Maelstrom fixtures: every finding names exactly
//! the values, offsets and transactions `results.edn` lists.

use std::collections::BTreeSet;
use std::path::PathBuf;

use edn::Value;
use explain::{Explanation, Fate, Finding, Validity};
use serde_json::{Value as Json, json};

/// A real Maelstrom store in `testdata/maelstrom/`, or with a `sim/` prefix
/// one of our simulator's in `testdata/sim/`.
fn fixture(name: &str) -> PathBuf {
    let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    match name.strip_prefix("sim/") {
        Some(sim) => testdata.join("sim").join(sim),
        None => testdata.join("maelstrom").join(name),
    }
}

fn explained(name: &str) -> Explanation {
    explain::explain(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn results(name: &str) -> Value {
    edn::parse(&std::fs::read_to_string(fixture(name).join("results.edn")).unwrap()).unwrap()
}

fn of_kind<'a>(e: &'a Explanation, kind: &str) -> Vec<&'a Finding> {
    e.findings.iter().filter(|f| f.kind == kind).collect()
}

fn keywords(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_seq)
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_keyword().map(str::to_string))
        .collect()
}

#[test]
fn broadcast_lost_values_are_exactly_results_lost() {
    for name in ["broadcast-invalid", "broadcast-lost-partition-store"] {
        let e = explained(name);
        let lost: BTreeSet<String> = results(name)
            .path(&["workload", "lost"])
            .and_then(Value::as_seq)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        let found: BTreeSet<String> = of_kind(&e, "lost-value")
            .iter()
            .map(|f| {
                assert_eq!(f.values.len(), 1);
                f.values[0].to_string()
            })
            .collect();
        assert_eq!(found, lost, "{name}");
    }
}

#[test]
fn broadcast_without_a_journal_explains_from_the_history() {
    let e = explained("broadcast-invalid");
    assert_eq!(e.journal, None);
    let f = &of_kind(&e, "lost-value")[0];
    assert_eq!(f.values, vec![json!(24)]);
    assert_eq!(f.ops, vec![119]);
    assert_eq!(
        f.summary,
        "value 24: acknowledged by n0 at 4.93 s; n1, n2, n3 and n4 missed it in 22 reads up to 20.03 s"
    );
    assert!(f.messages.is_empty());
}

#[test]
fn maelstrom_store_traces_lost_values_through_the_fressian_journal() {
    let e = explained("broadcast-lost-partition-store");
    let source = e.journal.clone().unwrap();
    assert_eq!(source.file, "net-journal/*.fressian");
    assert!(source.complete, "{source:?}");
    let lost = of_kind(&e, "lost-value");
    let v30 = lost.iter().find(|f| f.values == vec![json!(30)]).unwrap();
    assert_eq!(v30.ops, vec![107]);
    assert_eq!(v30.nodes, ["n0", "n1", "n2", "n3", "n4"]);
    assert!(
        v30.summary.starts_with(
            "value 30: acknowledged by n0 at 5.62 s; never sent to n1, n2, n3 or n4 (n0 sent it to 0 of its 4 peers)"
        ),
        "{}",
        v30.summary
    );
    // The one message that carried 30: the client's request, delivered to n0.
    assert_eq!(v30.messages.len(), 1);
    let m = &v30.messages[0];
    assert_eq!(
        (m.src.as_str(), m.dest.as_str(), m.kind.as_str(), m.msg_id),
        ("c14", "n0", "broadcast", Some(17))
    );
    assert_eq!(m.fate, Fate::Delivered);
    // Aligned on the history's clock: sent just after op #106 invoked it.
    let sent = m.time_ns.unwrap();
    assert!((5_600_000_000..5_630_000_000).contains(&sent), "{sent}");
    let v47 = lost.iter().find(|f| f.values == vec![json!(47)]).unwrap();
    assert_eq!(v47.ops, vec![173]);
    assert!(
        v47.summary.contains("acknowledged by n2 at 8.76 s"),
        "{}",
        v47.summary
    );
}

#[test]
fn fressian_journal_holds_every_message_results_counts() {
    let run = explain::Run::read(&fixture("broadcast-lost-partition-store")).unwrap();
    let journal = run.journal.as_ref().unwrap();
    let net = results("broadcast-lost-partition-store");
    let count = |k: &str| {
        net.path(&["net", "all", k])
            .and_then(Value::as_i64)
            .unwrap() as usize
    };
    assert_eq!(journal.messages.len(), count("send-count"));
    let delivered = journal
        .messages
        .iter()
        .filter(|m| m.fate == Fate::Delivered)
        .count();
    assert_eq!(delivered, count("recv-count"));
    // The first message is the first node's init.
    let first = &journal.messages[0];
    assert_eq!(first.kind, "init");
    assert_eq!(
        first.body["node_ids"],
        json!(["n0", "n1", "n2", "n3", "n4"])
    );
}

#[test]
fn messages_svg_is_the_fallback_and_says_it_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture("broadcast-lost-partition-store");
    for file in ["history.edn", "results.edn", "messages.svg"] {
        std::fs::copy(store.join(file), dir.path().join(file)).unwrap();
    }
    let e = explain::explain(dir.path()).unwrap();
    let source = e.journal.unwrap();
    assert_eq!(source.file, "messages.svg");
    assert!(!source.complete);
    let v30 = e
        .findings
        .iter()
        .find(|f| f.values == vec![json!(30)])
        .unwrap();
    assert_eq!(v30.messages.len(), 1);
    assert_eq!(v30.messages[0].time_ns, None);
    assert!(
        v30.summary.contains("never sent to n1, n2, n3 or n4"),
        "{}",
        v30.summary
    );
}

#[test]
fn counter_mismatch_names_the_final_reads() {
    let e = explained("g-counter-invalid");
    let [f] = of_kind(&e, "counter-mismatch")[..] else {
        panic!("{:?}", e.findings)
    };
    assert_eq!(f.ops, vec![1973, 1974, 1975]);
    assert_eq!(f.values, vec![json!(582), json!(582), json!(582)]);
    assert!(
        f.summary
            .contains("acknowledged adds sum to 660, so at least 78"),
        "{}",
        f.summary
    );
}

#[test]
fn duplicate_ids_are_exactly_results_duplicated() {
    let e = explained("unique-ids-invalid");
    let r = results("unique-ids-invalid");
    let dups: BTreeSet<String> = r
        .path(&["workload", "duplicated"])
        .and_then(Value::as_map)
        .unwrap()
        .iter()
        .map(|(k, _)| json!(k.as_str().unwrap()).to_string())
        .collect();
    let found = of_kind(&e, "duplicate-id");
    assert_eq!(found.len(), 47);
    assert_eq!(
        found
            .iter()
            .map(|f| f.values[0].to_string())
            .collect::<BTreeSet<_>>(),
        dups
    );
    let f = found
        .iter()
        .find(|f| f.values == vec![json!("n0-108")])
        .unwrap();
    assert_eq!(f.ops, vec![503, 505]);
    assert_eq!(
        f.summary,
        "id \"n0-108\" returned 2 times: #503 on n0, #505 on n0"
    );
}

#[test]
fn kafka_findings_cover_every_error_type_with_its_offsets() {
    for name in [
        "kafka-invalid",
        "kafka-duplicate",
        "kafka-g1a",
        "kafka-int-nonmonotonic-poll",
        "kafka-nonmonotonic-poll",
    ] {
        let e = explained(name);
        let types = keywords(results(name).path(&["workload", "error-types"]));
        let kinds: BTreeSet<String> = e
            .findings
            .iter()
            .filter(|f| f.kind != "unavailable")
            .map(|f| f.kind.clone())
            .collect();
        assert_eq!(kinds, types, "{name}");
    }
    let e = explained("kafka-invalid");
    let [lost] = of_kind(&e, "lost-write")[..] else {
        panic!()
    };
    assert_eq!(lost.ops, vec![91, 193]);
    assert_eq!(lost.values, vec![json!(7), json!(6), json!(15)]);
    assert!(
        lost.summary
            .starts_with("lost-write on key \"8\": value 7, index 6, max-read-index 15"),
        "{}",
        lost.summary
    );
    let e = explained("kafka-duplicate");
    let [dup] = of_kind(&e, "duplicate")[..] else {
        panic!()
    };
    assert_eq!(dup.values, vec![json!(10), json!(9), json!(10)]);
    assert!(
        dup.ops.is_empty(),
        "results.edn cites no op for a duplicate"
    );
    assert_eq!(
        dup.evidence,
        ["10 written at offset 9 by #77 ok send by process 2 on n0 at 0.33 s"]
    );
    let e = explained("kafka-g1a");
    let g1a = of_kind(&e, "G1a");
    assert_eq!(g1a.len(), 4);
    assert_eq!(g1a[0].ops, vec![105, 356]);
    let e = explained("kafka-nonmonotonic-poll");
    assert_eq!(of_kind(&e, "nonmonotonic-poll")[0].ops, vec![1515, 1522]);
}

#[test]
fn txn_anomalies_name_their_transactions_and_edges() {
    for name in [
        "txn-rw-register-invalid",
        "txn-g1b",
        "txn-g1c",
        "txn-internal",
        "txn-lost-update-serializable",
    ] {
        let e = explained(name);
        let w = results(name);
        let types = keywords(w.path(&["workload", "anomaly-types"]));
        let kinds: BTreeSet<String> = e
            .findings
            .iter()
            .filter(|f| f.kind != "unavailable")
            .map(|f| f.kind.clone())
            .collect();
        assert_eq!(kinds, types, "{name}");
        for kind in &types {
            let listed = w
                .path(&["workload", "anomalies", kind])
                .and_then(Value::as_seq)
                .unwrap()
                .len();
            assert_eq!(of_kind(&e, kind).len(), listed, "{name} {kind}");
        }
    }
    let e = explained("txn-g1c");
    let first = &e.findings[0];
    assert_eq!(first.ops, vec![796, 798]);
    assert!(
        first
            .summary
            .starts_with("G1c: cycle T796 -wr key 36 = 7→ T798 -wr key 35 = 7→ T796;"),
        "{}",
        first.summary
    );
    let e = explained("txn-rw-register-invalid");
    assert_eq!(e.findings[0].ops, vec![21, 24]);
    assert!(
        e.findings[0]
            .summary
            .contains("saw the write of T21 (process 1 on n0, fail:"),
        "{}",
        e.findings[0].summary
    );
}

#[test]
fn valid_runs_say_so_in_one_line() {
    for name in [
        "echo-valid",
        "broadcast-partition-valid",
        "kafka-valid",
        "g-counter-valid",
        "unique-ids-valid",
        "txn-lost-update-read-committed",
    ] {
        let e = explained(name);
        assert_eq!(e.valid, Validity::Valid, "{name}");
        assert!(e.findings.is_empty(), "{name}: {:?}", e.findings);
        assert!(e.headline().starts_with("valid: "), "{}", e.headline());
        assert!(!e.headline().contains('\n'));
    }
}

#[test]
fn a_crashed_run_without_results_is_still_explained() {
    let e = explained("echo-crash");
    assert_eq!(e.valid, Validity::NoResults);
    assert!(e.findings.iter().any(|f| f.kind == "crash"));
    let timeouts = of_kind(&e, "unavailable");
    assert_eq!(timeouts[0].ops, vec![11]);
}

#[test]
fn a_node_that_printed_garbage_gets_a_protocol_finding_though_maelstrom_passed_it() {
    let e = explained("echo-garbage");
    assert_eq!(e.valid, Validity::Valid);
    let [finding] = e.findings.as_slice() else {
        panic!("{:?}", e.findings)
    };
    assert_eq!(finding.kind, "protocol");
    assert_eq!(finding.nodes, ["n0"]);
    assert_eq!(
        finding.values,
        [json!("debug: three echoes served, all good here")]
    );
    assert!(
        finding
            .summary
            .starts_with("n0 printed a line that is not JSON: "),
        "{}",
        finding.summary
    );
    assert_eq!(e.headline(), "echo run echo-garbage: valid, 1 finding");
}

#[test]
fn a_crashed_node_is_named_with_its_exit_status_and_stderr() {
    let e = explained("echo-crash");
    let crashes = of_kind(&e, "crash");
    assert_eq!(crashes.len(), 1, "{:?}", e.findings);
    assert_eq!(crashes[0].nodes, ["n0"]);
    assert_eq!(
        crashes[0].summary,
        "n0 crashed with exit status 1: crashing after 5 echoes"
    );
    assert_eq!(e.findings[0].kind, "crash", "the crash comes first");
}

#[test]
fn json_has_exactly_the_documented_schema() {
    let j = explain::to_json(&explained("broadcast-lost-partition-store"));
    let keys = |v: &Json| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    let set = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        keys(&j),
        set(&["schema_version", "run_id", "workload", "valid", "findings"])
    );
    assert_eq!(j["schema_version"], json!(1));
    assert_eq!(j["valid"], json!(false));
    assert_eq!(j["workload"], json!("broadcast"));
    let finding = &j["findings"][0];
    assert_eq!(
        keys(finding),
        set(&[
            "kind",
            "summary",
            "ops",
            "values",
            "nodes",
            "messages",
            "partitions"
        ])
    );
    assert_eq!(finding["kind"], json!("lost-value"));
    let message = &finding["messages"][0];
    assert_eq!(
        keys(message),
        set(&["time_ms", "src", "dest", "type", "msg_id", "fate"])
    );
    assert_eq!(message["type"], json!("broadcast"));
    assert_eq!(message["fate"], json!("delivered"));
    assert!(message["time_ms"].is_number());
}

#[test]
fn a_partition_that_cuts_no_link_is_no_partition() {
    // 3 nodes, `:minority-third`: the nemesis' grudge drops nothing.
    let e = explained("unique-ids-invalid");
    assert!(e.findings.iter().all(|f| f.partitions.is_empty()));
    assert!(
        e.findings
            .iter()
            .all(|f| f.evidence.iter().all(|l| !l.starts_with("partition "))),
    );
}

/// The history line with index `index`, parsed.
fn history_op(name: &str, index: u64) -> Value {
    let history = std::fs::read_to_string(fixture(name).join("history.edn")).unwrap();
    edn::parse(history.lines().nth(index as usize).unwrap()).unwrap()
}

#[test]
fn missing_values_are_acknowledged_values_absent_from_a_last_read_and_not_lost() {
    let name = "sim/broadcast-partition-store";
    let e = explained(name);
    let lost: BTreeSet<i64> = results(name)
        .path(&["workload", "lost"])
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let missing = of_kind(&e, "missing-value");
    let values: Vec<i64> = missing
        .iter()
        .map(|f| f.values[0].as_i64().unwrap())
        .collect();
    // Read off the fixture's history: n0's final read (#183) was invoked last
    // of all, so only what it lacks is lost; these are the acknowledged values
    // it holds that another node's final read (#180, #182, #184, #185) lacks.
    assert_eq!(values, [0, 4, 29, 45, 47]);
    let v45 = missing.iter().find(|f| f.values == [json!(45)]).unwrap();
    assert_eq!(v45.ops, [163, 180, 185, 184]);
    for f in missing {
        let value = f.values[0].as_i64().unwrap();
        assert!(!lost.contains(&value), "{}", f.summary);
        let ack = history_op(name, f.ops[0]);
        assert_eq!(
            ack.get_kw("f").and_then(Value::as_keyword),
            Some("broadcast")
        );
        assert_eq!(ack.get_kw("value").and_then(Value::as_i64), Some(value));
        assert!(f.ops.len() > 1, "{}", f.summary);
        for read in &f.ops[1..] {
            let read = history_op(name, *read);
            assert_eq!(read.get_kw("f").and_then(Value::as_keyword), Some("read"));
            let held = read.get_kw("value").and_then(Value::as_seq).unwrap();
            assert!(!held.contains(&Value::Int(value)), "{}", f.summary);
        }
        assert!(
            f.summary.contains("but not counted lost (#"),
            "{}",
            f.summary
        );
    }
}

#[test]
fn findings_carry_the_partitions_in_force_during_their_messages() {
    let name = "sim/broadcast-partition-store";
    let e = explained(name);
    // A partition runs from the nemesis' invocation to the completed heal.
    let nemesis_times = |f: &str, keep: &dyn Fn(&str) -> bool| -> Vec<u64> {
        std::fs::read_to_string(fixture(name).join("history.edn"))
            .unwrap()
            .lines()
            .filter(|l| l.contains(&format!(":f :{f}")) && keep(l))
            .map(|l| {
                edn::parse(l)
                    .unwrap()
                    .get_kw("time")
                    .and_then(Value::as_i64)
                    .unwrap() as u64
            })
            .collect()
    };
    let starts = nemesis_times("start-partition", &|l| !l.contains("{\"n"));
    let ends = nemesis_times("stop-partition", &|l| l.contains(":network-healed"));
    for f in of_kind(&e, "lost-value") {
        let sent = f.messages[0].time_ns.unwrap();
        let [p] = f.partitions.as_slice() else {
            panic!("one partition per trace here: {:?}", f.partitions)
        };
        assert!(p.covers(sent), "{}", f.summary);
        assert!(starts.contains(&p.start_ns));
        assert!(ends.contains(&p.end_ns.unwrap()));
        let groups = p.groups.as_ref().unwrap();
        // Every node drops messages from exactly the nodes outside its group.
        for (node, dropped) in &p.grudge {
            let own = groups.iter().find(|g| g.contains(node)).unwrap();
            let others: Vec<String> = groups
                .iter()
                .filter(|g| *g != own)
                .flatten()
                .cloned()
                .collect();
            assert_eq!(dropped, &others);
        }
        let line = format!(
            "partition {:.2} s to {:.2} s: {}",
            p.start_ns as f64 / 1e9,
            p.end_ns.unwrap() as f64 / 1e9,
            p.label()
        );
        assert!(f.evidence.contains(&line), "{:?}", f.evidence);
    }
    let late = of_kind(&e, "lost-value")
        .into_iter()
        .find(|f| f.values == [json!(46)])
        .unwrap();
    assert_eq!(late.partitions[0].label(), "n0 n1 | n2 n3 n4");
    let j = explain::to_json(&e);
    let p = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["values"] == json!([46]))
        .unwrap()["partitions"][0]
        .clone();
    assert_eq!(p["groups"], json!([["n0", "n1"], ["n2", "n3", "n4"]]));
    assert_eq!(p["grudge"]["n2"], json!(["n0", "n1"]));
    assert!(p["start_ms"].as_f64().unwrap() < p["end_ms"].as_f64().unwrap());
}

/// `cargo test --release -p explain --test fixtures -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run in release"]
fn benchmark_official_25_node_broadcast() {
    let started = std::time::Instant::now();
    let e = explained("broadcast-25-official");
    let elapsed = started.elapsed();
    println!(
        "explained broadcast-25-official in {:.1} ms ({} findings)",
        elapsed.as_secs_f64() * 1e3,
        e.findings.len()
    );
    assert!(elapsed.as_secs_f64() < 1.0);
}

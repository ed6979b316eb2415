//! Reads real Maelstrom 0.2.4 outputs (the workspace's `testdata/maelstrom/`):
//! every `results.edn` and a few small `history.edn` files.

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use edn::{Value, parse, parse_all, to_pretty};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/maelstrom")
}

/// The small histories whose every line is also checked for a compact reprint.
const SMALL_HISTORIES: [&str; 4] = [
    "broadcast-invalid",
    "echo-valid",
    "kafka-g1a",
    "unique-ids-valid",
];

/// `(case.file, contents)` of every fixture case that has `file`.
fn fixtures(file: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir(fixture_dir())
        .expect("fixture directory")
        .map(|entry| entry.expect("fixture entry").path().join(file))
        .filter(|path| path.is_file())
        .map(|path| {
            let case = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy();
            let name = format!("{case}.{file}");
            (name, fs::read_to_string(&path).expect("readable fixture"))
        })
        .collect();
    files.sort();
    files
}

fn small_histories() -> Vec<(String, String)> {
    fixtures("history.edn")
        .into_iter()
        .filter(|(name, _)| {
            SMALL_HISTORIES
                .iter()
                .any(|case| name == &format!("{case}.history.edn"))
        })
        .collect()
}

fn results(case: &str) -> Value {
    let path = fixture_dir().join(case).join("results.edn");
    parse(&fs::read_to_string(path).unwrap()).unwrap()
}

fn kw(name: &str) -> Value {
    Value::kw(name)
}

#[test]
fn every_results_file_parses_with_the_eight_top_level_keys() {
    let files = fixtures("results.edn");
    assert_eq!(files.len(), 27);
    for (name, text) in files {
        let value = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let keys: Vec<_> = value.as_map().unwrap().iter().map(|(k, _)| k).collect();
        let expected = [
            "perf",
            "timeline",
            "exceptions",
            "stats",
            "availability",
            "net",
            "workload",
            "valid?",
        ];
        assert_eq!(keys, expected.map(kw).iter().collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn every_history_file_parses_one_op_per_line() {
    let files = small_histories();
    assert_eq!(files.len(), 4);
    for (name, text) in files {
        let ops = parse_all(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ops.len(), text.lines().count(), "{name}");
        for (index, op) in ops.iter().enumerate() {
            assert_eq!(
                op.get_kw("index").and_then(Value::as_i64),
                Some(index as i64)
            );
        }
    }
}

#[test]
fn reads_net_and_verdicts() {
    let echo = results("echo-valid");
    let msgs_per_op = echo
        .path(&["net", "all", "msgs-per-op"])
        .and_then(Value::as_f64);
    assert!((msgs_per_op.unwrap() - 2.0769231).abs() < 1e-9);
    assert_eq!(
        echo.path(&["stats", "by-f", "echo", "ok-count"]),
        Some(&Value::Int(26))
    );
    assert_eq!(
        echo.path(&["workload", "errors"]),
        Some(&Value::List(vec![]))
    );
    assert_eq!(echo.get_kw("valid?").and_then(Value::as_bool), Some(true));

    let broadcast = results("broadcast-25-official");
    let servers = broadcast.path(&["net", "servers"]).unwrap();
    assert_eq!(
        servers.get_kw("msg-count").and_then(Value::as_i64),
        Some(33936)
    );
    assert_eq!(
        servers.get_kw("msgs-per-op"),
        Some(&Value::Float(33.533596))
    );

    let invalid = results("unique-ids-invalid");
    assert_eq!(invalid.get_kw("valid?"), Some(&Value::Bool(false)));
    let duplicated = invalid.path(&["workload", "duplicated-count"]);
    assert_eq!(duplicated.and_then(Value::as_i64), Some(47));
    let dups = invalid.path(&["workload", "duplicated"]).unwrap();
    assert_eq!(dups.get(&Value::from("n0-108")), Some(&Value::Int(2)));
}

#[test]
fn reads_stable_latencies_keyed_by_numbers() {
    let broadcast = results("broadcast-25-official");
    let latencies = broadcast.path(&["workload", "stable-latencies"]).unwrap();
    assert_eq!(latencies.get(&Value::Int(0)), Some(&Value::Int(0)));
    assert_eq!(latencies.get(&Value::Float(0.5)), Some(&Value::Int(150)));
    assert_eq!(latencies.get(&Value::Float(0.99)), Some(&Value::Int(282)));
    assert_eq!(latencies.get(&Value::Int(1)), Some(&Value::Int(292)));
    // 1 and 1.0 are different keys, as in Clojure.
    assert_eq!(latencies.get(&Value::Float(1.0)), None);
}

#[test]
fn reads_lists_of_keywords_and_integers() {
    let kafka = results("kafka-invalid");
    let errors = kafka
        .path(&["workload", "error-types"])
        .and_then(Value::as_seq);
    let names: Vec<_> = errors
        .unwrap()
        .iter()
        .filter_map(Value::as_keyword)
        .collect();
    assert_eq!(names, ["int-poll-skip", "lost-write", "unseen"]);
    assert!(matches!(
        kafka.path(&["workload", "error-types"]),
        Some(Value::List(_))
    ));

    let lost = results("broadcast-invalid");
    let lost = lost
        .path(&["workload", "lost"])
        .and_then(Value::as_seq)
        .unwrap();
    assert_eq!(lost, [24, 36, 50].map(Value::Int));

    let counter = results("g-counter-invalid");
    let acceptable = counter.path(&["workload", "acceptable"]).unwrap();
    let expected = Value::List(vec![Value::Vector(vec![Value::Int(660), Value::Int(660)])]);
    assert_eq!(acceptable, &expected);

    let txn = results("txn-g1b");
    let anomalies = txn
        .path(&["workload", "anomaly-types"])
        .and_then(Value::as_seq);
    assert_eq!(anomalies, Some(&[kw("G1b")][..]));
}

#[test]
fn reads_tagged_history_ops() {
    let broadcast = results("broadcast-25-official");
    let worst = broadcast
        .path(&["workload", "worst-stale"])
        .and_then(Value::as_seq);
    let first = &worst.unwrap()[0];
    let Some(Value::Tagged(tag, _)) = first.get_kw("known") else {
        panic!("known is not a tagged record: {first}");
    };
    assert_eq!(tag, "jepsen.history.Op");
    assert_eq!(first.path(&["known", "f"]), Some(&kw("add")));
    assert_eq!(first.path(&["known", "index"]), Some(&Value::Int(567)));
    assert_eq!(first.path(&["last-absent", "value"]), Some(&Value::Nil));
}

#[test]
fn reads_failed_ops_with_error_vectors() {
    let text = fs::read_to_string(fixture_dir().join("kafka-g1a/history.edn")).unwrap();
    let ops = parse_all(&text).unwrap();
    let failed = ops
        .iter()
        .find(|op| op.get_kw("type") == Some(&kw("fail")))
        .expect("a failed op");
    let error = failed.get_kw("error").and_then(Value::as_seq).unwrap();
    assert_eq!(error[0], kw("temporarily-unavailable"));
    assert_eq!(error[1], Value::from("temporarily unavailable"));
}

#[test]
fn pretty_reproduces_jepsen_layout_byte_for_byte() {
    for (name, text) in fixtures("results.edn") {
        let value = parse(&text).unwrap();
        let pretty = to_pretty(&value) + "\n";
        assert!(
            pretty == text,
            "{name}: pretty output differs from Jepsen's"
        );
        assert_eq!(parse(&pretty), Ok(value), "{name}");
    }
}

#[test]
fn compact_display_reproduces_history_lines() {
    for (name, text) in small_histories() {
        for line in text.lines() {
            let op = parse(line).unwrap();
            assert_eq!(op.to_string(), line, "{name}");
            assert_eq!(parse(&to_pretty(&op)), Ok(op), "{name}");
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "(", "{", "#{", "#_", "#tag "] {
        let text = open.repeat(100_000);
        let error = parse(&text).unwrap_err();
        assert_eq!(error.kind, edn::ErrorKind::TooDeep, "{open}");
        assert_eq!(error.offset, open.len() * edn::MAX_DEPTH, "{open}");
    }
}

/// Measures parsing of a ~2 MB history. Run with
/// `cargo test -p edn --release --test it fixtures -- --ignored --nocapture`.
#[test]
#[ignore]
fn parse_speed_of_a_2mb_history() {
    let text = fs::read_to_string(fixture_dir().join("kafka-g1a/history.edn")).unwrap();
    let big = text.repeat(2_000_000 / text.len() + 1);
    let started = Instant::now();
    let ops = parse_all(&big).unwrap();
    let elapsed = started.elapsed();
    println!(
        "parsed {} ops, {:.2} MB in {elapsed:?}",
        ops.len(),
        big.len() as f64 / 1e6
    );
    assert!(elapsed.as_secs_f64() < 1.0);
}

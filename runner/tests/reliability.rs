//! Hostile `results.edn` and console input fed to the runner's parsers:
//! truncated, non-UTF-8, huge, deeply nested and arbitrary bytes. Each must
//! give a clear error naming the file (and the byte offset where it applies)
//! or a sensible reading, and never panic. The matrix of all reliability
//! cases lives in `docs/reliability.md`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use checker::Validity;
use proptest::prelude::*;
use runner::event::ConsoleTracker;
use runner::results::{CrashReport, ResultsError, RunResults};

fn fixture(case: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/maelstrom")
        .join(case)
        .join("results.edn");
    std::fs::read(path).expect("fixture results.edn")
}

fn write(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join("results.edn");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn truncated_results_are_a_positioned_parse_error() {
    let full = fixture("echo-valid");
    let dir = tempfile::tempdir().unwrap();
    assert!(RunResults::read(&write(dir.path(), &full)).is_ok());
    let end = full.trim_ascii_end().len();
    for cut in (0..end).step_by(97).chain([1, end - 1]) {
        let path = write(dir.path(), &full[..cut]);
        match RunResults::read(&path) {
            Err(ResultsError::Parse { path: p, source }) => {
                assert_eq!(p, path);
                assert!(source.offset <= cut, "cut {cut}: {source}");
                let message = ResultsError::Parse { path: p, source }.to_string();
                assert!(message.contains("results.edn: line "), "{message}");
            }
            other => panic!("cut at {cut} of {end}: {other:?}"),
        }
    }
}

#[test]
fn non_utf8_results_name_the_byte_offset() {
    let mut bytes = fixture("echo-valid");
    let at = bytes.len() / 2;
    bytes[at] = 0xff;
    let dir = tempfile::tempdir().unwrap();
    let err = RunResults::read(&write(dir.path(), &bytes)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&format!("(byte {at})")) && message.contains("results.edn"),
        "{message}"
    );
}

#[test]
fn deeply_nested_results_hit_the_depth_limit() {
    let depth = 200_000;
    let mut text = String::from("{:valid? true, :workload ");
    text.push_str(&"[".repeat(depth));
    text.push_str(&"]".repeat(depth));
    text.push('}');
    let dir = tempfile::tempdir().unwrap();
    let err = RunResults::read(&write(dir.path(), text.as_bytes())).unwrap_err();
    assert!(err.to_string().contains("nesting deeper than"), "{err}");
    // Just under the limit is fine.
    let ok = format!(
        "{{:valid? true, :workload {}{}}}",
        "[".repeat(edn::MAX_DEPTH - 2),
        "]".repeat(edn::MAX_DEPTH - 2)
    );
    let results = RunResults::read(&write(dir.path(), ok.as_bytes())).unwrap();
    assert_eq!(results.valid, Validity::Valid);
}

#[test]
fn huge_results_parse_in_bounded_time() {
    // About 20 MB: a long latency series and a 4 MB string, as a long kafka run could write.
    let mut text = String::from("{:perf {:latency-graph {:points [");
    for i in 0..1_000_000u32 {
        text.push_str(&format!("[{i} {}] ", i % 977));
    }
    text.push_str("]}}, :workload {:valid? false, :note \"");
    text.push_str(&"x".repeat(4 << 20));
    text.push_str("\"}, :valid? false}");
    assert!(text.len() > 15 << 20);
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let results = RunResults::read(&write(dir.path(), text.as_bytes())).unwrap();
    assert_eq!(results.valid, Validity::Invalid);
    assert_eq!(results.invalid_checkers, ["workload"]);
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn results_without_valid_key_are_a_shape_error() {
    let dir = tempfile::tempdir().unwrap();
    for text in ["[1 2 3]", "{:stats {:valid? true}}", "nil", "\"valid?\""] {
        let err = RunResults::read(&write(dir.path(), text.as_bytes())).unwrap_err();
        assert!(matches!(err, ResultsError::Shape { .. }), "{text}: {err}");
        assert!(err.to_string().contains(":valid?"));
    }
}

#[test]
fn missing_results_file_is_a_read_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere/results.edn");
    let err = RunResults::read(&path).unwrap_err();
    assert!(matches!(err, ResultsError::Read { .. }));
    assert!(err.to_string().contains("nowhere/results.edn"), "{err}");
}

#[test]
fn crash_report_survives_binary_and_huge_node_logs() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("node-logs");
    std::fs::create_dir(&logs).unwrap();
    let mut binary = vec![0xff, 0xfe, b'\n'];
    binary.extend_from_slice(b"last words\n");
    std::fs::write(logs.join("n0.log"), binary).unwrap();
    let mut huge = "y".repeat(8 << 20);
    huge.push_str("\nfinal line\n");
    std::fs::write(logs.join("n1.log"), huge).unwrap();
    let console = [
        "\u{0}\u{7f}garbage".to_string(),
        "WARN jepsen.core Test crashed!".to_string(),
        "Node n0 crashed with exit status 139.".to_string(),
    ];
    let report = CrashReport::gather(&console, Some(dir.path()));
    assert_eq!(
        report.headline(),
        Some("Node n0 crashed with exit status 139.")
    );
    assert_eq!(report.node_log_tails["n0"].last().unwrap(), "last words");
    assert_eq!(report.node_log_tails["n1"].last().unwrap(), "final line");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_the_results_reader(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        let _ = RunResults::read(&write(dir.path(), &bytes));
    }

    #[test]
    fn mutated_fixture_never_panics_the_results_reader(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = fixture("g-counter-valid");
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let dir = tempfile::tempdir().unwrap();
        let _ = RunResults::read(&write(dir.path(), &bytes));
    }

    #[test]
    fn arbitrary_console_lines_never_panic_the_tracker(lines in proptest::collection::vec(".{0,200}", 0..50)) {
        let mut tracker = ConsoleTracker::new(Duration::from_secs(1));
        let mut last = tracker.phase();
        for line in &lines {
            if let Some(phase) = tracker.observe(line) {
                // Phases only move forward.
                prop_assert!(phase > last);
                last = phase;
            }
        }
        let _ = CrashReport::gather(&lines, None).headline();
    }
}

/// Test files whose every test must appear in `docs/reliability.md`.
const SUITES: [&str; 5] = [
    "crates/sim/tests/misbehaviour.rs",
    "runner/tests/reliability.rs",
    "crates/glomers/tests/reliability/interrupts.rs",
    "crates/glomers/tests/reliability/hostile_input.rs",
    "crates/glomers/tests/reliability/environment.rs",
];

/// Names of the `#[test]` functions in `source` (plain and proptest ones).
fn test_names(source: &str) -> Vec<String> {
    let test_fn = regex::Regex::new(r"#\[test\]\s*(?:#\[ignore[^\]]*\]\s*)?fn (\w+)").unwrap();
    test_fn
        .captures_iter(source)
        .map(|c| c[1].to_string())
        .collect()
}

#[test]
fn reliability_doc_matches_the_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/reliability.md")).unwrap();
    let reference = regex::Regex::new(r"`([\w/.-]+\.rs)::(\w+)`").unwrap();
    let mut named = Vec::new();
    for c in reference.captures_iter(&doc) {
        let source = std::fs::read_to_string(root.join(&c[1]))
            .unwrap_or_else(|e| panic!("docs/reliability.md names {}: {e}", &c[1]));
        assert!(
            test_names(&source).iter().any(|t| t == &c[2]),
            "docs/reliability.md names {}::{}, which is not a test there",
            &c[1],
            &c[2]
        );
        named.push(format!("{}::{}", &c[1], &c[2]));
    }
    for suite in SUITES {
        let source = std::fs::read_to_string(root.join(suite)).unwrap();
        let names = test_names(&source);
        assert!(!names.is_empty(), "no tests found in {suite}");
        for name in names {
            let full = format!("{suite}::{name}");
            assert!(
                named.contains(&full),
                "{full} is missing from docs/reliability.md"
            );
        }
    }
}

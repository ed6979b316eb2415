//! Reading and printing the history files of real Maelstrom runs: every
//! `history.edn` line must read as an op and print back byte for byte, and
//! `history.txt` must come out as Maelstrom wrote it.

use std::fs;

use checker::history::{Op, read_history};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/maelstrom");

#[test]
fn every_fixture_history_line_prints_back_identically() {
    let mut lines_checked = 0;
    for entry in fs::read_dir(FIXTURES).expect("fixtures directory") {
        let dir = entry.expect("fixture entry").path();
        if !dir.is_dir() {
            continue;
        }
        let text = fs::read_to_string(dir.join("history.edn")).expect("history.edn");
        let ops = read_history(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(ops.len(), lines.len(), "{}", dir.display());
        for (op, line) in ops.iter().zip(&lines) {
            assert_eq!(&op.to_edn().to_string(), line, "{}", dir.display());
            assert_eq!(Op::from_edn(&op.to_tagged_edn()).as_ref(), Ok(op));
        }
        lines_checked += lines.len();
    }
    assert!(lines_checked > 60_000, "only {lines_checked} lines checked");
}

#[test]
fn history_txt_matches_maelstrom() {
    let dir = format!("{FIXTURES}/echo-crash");
    let ops = read_history(&fs::read_to_string(format!("{dir}/history.edn")).unwrap()).unwrap();
    let expected = fs::read_to_string(format!("{dir}/history.txt")).unwrap();
    let ours: Vec<String> = ops.iter().map(Op::to_history_txt).collect();
    assert_eq!(ours, expected.lines().collect::<Vec<_>>());
}

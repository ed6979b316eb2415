//! Reading one real Maelstrom run of `testdata/maelstrom/`: its history and
//! the `:workload` result Maelstrom wrote for it.

use std::path::PathBuf;

use checker::history::{Op, read_history};
use edn::Value;

pub fn fixture_dir(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/maelstrom")
        .join(case)
}

pub fn history(case: &str) -> Vec<Op> {
    let text = std::fs::read_to_string(fixture_dir(case).join("history.edn")).unwrap();
    read_history(&text).unwrap()
}

pub fn expected_workload(case: &str) -> Value {
    let text = std::fs::read_to_string(fixture_dir(case).join("results.edn")).unwrap();
    edn::parse(&text)
        .unwrap()
        .get_kw("workload")
        .unwrap()
        .clone()
}

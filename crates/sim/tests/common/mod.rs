//! Helpers for the simulator's integration tests: run the real `glomers-sim`
//! binary in a fresh directory against the python test nodes in `tests/nodes/`.
// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// One finished `glomers-sim` invocation.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub dir: tempfile::TempDir,
}

impl Run {
    /// The run directory `store/<workload>/latest` (resolved).
    pub fn latest(&self, workload: &str) -> PathBuf {
        std::fs::canonicalize(self.dir.path().join("store").join(workload).join("latest"))
            .expect("latest link")
    }

    pub fn results(&self, workload: &str) -> edn::Value {
        let text = std::fs::read_to_string(self.latest(workload).join("results.edn"))
            .expect("results.edn");
        edn::parse(&text).expect("results.edn parses")
    }
}

pub fn node(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/nodes")
        .join(name)
        .display()
        .to_string()
}

pub fn sim(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_glomers-sim"))
        .args(args)
        .current_dir(dir.path())
        .output()
        .expect("glomers-sim runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        dir,
    }
}

/// Whether a process is still running (zombies count as gone).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

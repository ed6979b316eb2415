//! glomers itself under stress: interrupted by SIGINT, SIGTERM and SIGKILL
//! during the build, launch, run and analysis (in a loop), fed hostile `results.edn`
//! through a fake `maelstrom`, and started in a hostile environment (no
//! cargo, no Maelstrom, unwritable work dir, two glomers in one work dir).
//!
//! The loops run 5 times per case; `GLOMERS_SOAK=20 cargo test -p glomers
//! --test reliability` runs them 20 times. The matrix of all cases lives in
//! `docs/reliability.md`.
//!
//! - `interrupts`: SIGINT, SIGTERM, SIGKILL and a panic at each moment of a run.
//! - `hostile_input`: a hostile `results.edn` and a damaged run log.
//! - `environment`: missing tools, a full disk, an unwritable or shared work dir, a closed pipe.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use runner::run_log::RunLog;
use support::{ECHO_NODE, write_executable};

mod environment;
mod hostile_input;
mod interrupts;
#[path = "../support/mod.rs"]
mod support;

/// Lays out one Maelstrom-like run whose `results.edn` is a copy of
/// `$FAKE_RESULTS`, then exits 0.
const FAKE_MAELSTROM: &str = r#"#!/bin/sh
run="store/echo/20260101T000000.000Z"
mkdir -p "$run/node-logs"
ln -s "echo/20260101T000000.000Z" store/current
echo "n0 started" > "$run/node-logs/n0.log"
echo "INFO [2026-01-01 00:00:00,000] jepsen test runner - jepsen.core Running test with fake"
echo "INFO [2026-01-01 00:00:05,000] jepsen test runner - jepsen.core Analyzing..."
cp "$FAKE_RESULTS" "$run/results.edn"
echo "Everything looks good!"
exit 0
"#;

fn soak_iterations() -> usize {
    std::env::var("GLOMERS_SOAK")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
}

/// A fresh temp dir holding the echo node; every process this test starts
/// has the dir in its command line, which is how survivors are found.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        write_executable(&dir.path().join("echo.py"), ECHO_NODE);
        Sandbox { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn work_dir(&self) -> PathBuf {
        self.path("glomers")
    }

    fn run(&self, time_limit: &str) -> Command {
        let mut cmd = Command::cargo_bin("glomers").unwrap();
        cmd.args(["run", "1", "--ci", "--backend", "sim", "--time-limit"])
            .arg(time_limit)
            .arg("--work-dir")
            .arg(self.work_dir())
            .arg("--bin")
            .arg(self.path("echo.py"));
        cmd
    }

    /// Runs in the run log; every line must parse.
    fn run_log_len(&self) -> usize {
        let loaded = RunLog::new(&self.work_dir())
            .load()
            .unwrap_or_else(|e| panic!("the run log no longer reads: {e}"));
        assert_eq!(loaded.skipped, [], "run-log lines no longer parse");
        loaded.runs.len()
    }

    /// `glomers <args> --work-dir <sandbox>`, run to its end.
    fn glomers(&self, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("glomers")
            .unwrap()
            .args(args)
            .arg("--work-dir")
            .arg(self.work_dir())
            .output()
            .unwrap()
    }

    /// Live processes whose command line mentions this sandbox.
    fn survivors(&self) -> Vec<String> {
        support::survivors(self.dir.path())
    }

    fn assert_no_survivors(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let left = self.survivors();
            if left.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "survived glomers: {left:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Waits up to `limit` for `child` to exit; kills it and fails if it hangs.
fn wait_bounded(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("glomers did not exit within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

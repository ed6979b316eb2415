//! glomers itself under stress: interrupted by SIGINT, SIGTERM and SIGKILL
//! during launch and during a run (in a loop), fed hostile `results.edn`
//! through a fake `maelstrom`, and started in a hostile environment (no
//! cargo, no Maelstrom, unwritable work dir, two glomers in one work dir).
//!
//! The loops run 5 times per case; `GLOMERS_SOAK=20 cargo test -p glomers
//! --test reliability` runs them 20 times. The matrix of all cases lives in
//! `docs/reliability.md`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use runner::history::History;

const ECHO_NODE: &str = r#"#!/usr/bin/env python3
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"in_reply_to": body["msg_id"]}
    if body["type"] == "init":
        reply["type"] = "init_ok"
    else:
        reply.update(type="echo_ok", echo=body["echo"])
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)
"#;

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

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
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

    fn history_len(&self) -> usize {
        History::new(&self.work_dir())
            .load()
            .unwrap_or_else(|e| panic!("history no longer parses: {e}"))
            .len()
    }

    /// Live processes whose command line mentions this sandbox (zombies excluded).
    fn survivors(&self) -> Vec<String> {
        let needle = self.dir.path().to_str().unwrap();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let zombie = std::fs::read_to_string(entry.path().join("stat")).map_or(true, |s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z'))
            });
            if cmdline.contains(needle) && !zombie {
                found.push(cmdline);
            }
        }
        found
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

#[derive(Clone, Copy)]
enum Moment {
    /// While glomers starts the simulator and the simulator starts the node.
    Launch,
    /// Once the simulator reports its main phase.
    Run,
}

/// Starts a long run, signals it at `moment`, and checks the aftermath, in a loop.
fn interrupt_in_a_loop(signal: Signal, moment: Moment) {
    let sandbox = Sandbox::new();
    // A finished run first, so there is a history that must survive the interrupts.
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    assert_eq!(sandbox.history_len(), 1);
    for i in 0..soak_iterations() {
        let mut child = sandbox
            .run("60")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (running_tx, running) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if line.contains("[1] running") {
                    let _ = running_tx.send(());
                }
            }
        });
        match moment {
            // Spread the signal over the first 300 ms: before the simulator,
            // while it spawns, and while the node starts.
            Moment::Launch => std::thread::sleep(Duration::from_millis(30 + 67 * (i as u64 % 5))),
            Moment::Run => running
                .recv_timeout(Duration::from_secs(15))
                .expect("the run never reached its main phase"),
        }
        kill(Pid::from_raw(child.id() as i32), signal).unwrap();
        let status = wait_bounded(&mut child, Duration::from_secs(10));
        // Once its handler is installed glomers stops everything and exits 130;
        // a signal in its first milliseconds kills it outright, before it has
        // started anything.
        let by_signal = status.signal() == Some(signal as i32);
        assert!(
            status.code() == Some(130) || by_signal,
            "iteration {i}: {status:?}"
        );
        sandbox.assert_no_survivors(Duration::from_secs(6));
        // Interrupted runs are not recorded, and the earlier one is intact.
        assert_eq!(sandbox.history_len(), 1, "iteration {i}");
    }
}

#[test]
fn sigint_during_launch_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Launch);
}

#[test]
fn sigint_during_run_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Run);
}

#[test]
fn sigterm_during_launch_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Launch);
}

#[test]
fn sigterm_during_run_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Run);
}

#[test]
fn sigkill_during_launch_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Launch);
}

#[test]
fn sigkill_during_run_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Run);
}

/// `glomers run` on a fake Maelstrom whose `results.edn` holds `results`.
fn run_with_results(results: &[u8]) -> (Option<i32>, String) {
    let sandbox = Sandbox::new();
    write_executable(&sandbox.path("maelstrom"), FAKE_MAELSTROM);
    std::fs::write(sandbox.path("results.edn"), results).unwrap();
    let out = Command::cargo_bin("glomers")
        .unwrap()
        .args(["run", "1", "--ci", "--backend", "maelstrom", "--maelstrom"])
        .arg(sandbox.path("maelstrom"))
        .arg("--bin")
        .arg(sandbox.path("echo.py"))
        .arg("--work-dir")
        .arg(sandbox.work_dir())
        .env("FAKE_RESULTS", sandbox.path("results.edn"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "{text}");
    sandbox.history_len();
    (out.status.code(), text)
}

#[test]
fn hostile_results_edn_is_a_clear_error() {
    let deep = format!("{{:valid? true, :workload {}}}", "[".repeat(100_000));
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "truncated",
            b"{:perf {:latency-graph {:valid? true}}, :valid? tr".to_vec(),
            "unterminated map",
        ),
        (
            "non-UTF-8",
            b"{:valid? true, :note \"\xff\xfe\"}".to_vec(),
            "(byte 22)",
        ),
        ("deeply nested", deep.into_bytes(), "nesting deeper than"),
        ("not a results map", b"[1 2 3]".to_vec(), ":valid?"),
    ];
    for (case, bytes, why) in cases {
        let (code, text) = run_with_results(&bytes);
        assert_eq!(code, Some(2), "{case}: {text}");
        assert!(
            text.contains("results.edn") && text.contains(why),
            "{case}: {text}"
        );
    }
}

#[test]
fn huge_results_edn_is_read() {
    let mut text = String::from("{:perf {:points [");
    for i in 0..500_000u32 {
        text.push_str(&format!("[{i} {}] ", i % 89));
    }
    text.push_str("]}, :workload {:valid? true}, :valid? true}");
    let (code, out) = run_with_results(text.as_bytes());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("PASS 1 Echo"), "{out}");
}

#[test]
fn corrupt_history_is_reported_not_a_panic() {
    let sandbox = Sandbox::new();
    assert!(
        sandbox
            .run("1")
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let history = sandbox.work_dir().join("history.jsonl");
    let good = std::fs::read(&history).unwrap();
    let cases: [(&[u8], &str); 2] = [
        (b"{\"run_id\": \"cut", "history.jsonl:2: not a run summary"),
        (
            b"{\"run_id\": \"\xff\"}",
            "history.jsonl: stream did not contain valid UTF-8",
        ),
    ];
    for (tail, why) in cases {
        std::fs::write(&history, [good.as_slice(), tail, b"\n"].concat()).unwrap();
        for args in [&["show", "1"][..], &["history"]] {
            let out = Command::cargo_bin("glomers")
                .unwrap()
                .args(args)
                .arg("--work-dir")
                .arg(sandbox.work_dir())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert_ne!(out.status.code(), Some(0), "{args:?}: {stderr}");
            assert!(stderr.contains(why), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn missing_cargo_is_a_build_error_with_exit_2() {
    let sandbox = Sandbox::new();
    let out = Command::cargo_bin("glomers")
        .unwrap()
        .args(["run", "1", "--ci", "--time-limit", "1", "--work-dir"])
        .arg(sandbox.work_dir())
        .env("PATH", "/nonexistent")
        // cargo test sets $CARGO, which the build step would use instead of PATH.
        .env_remove("CARGO")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("BUILD FAILED 1 Echo"), "{text}");
    assert!(text.contains("is cargo on PATH?"), "{text}");
}

#[test]
fn missing_maelstrom_names_what_to_install() {
    let sandbox = Sandbox::new();
    let out = Command::cargo_bin("glomers")
        .unwrap()
        .args(["run", "1", "--ci", "--backend", "maelstrom", "--work-dir"])
        .arg(sandbox.work_dir())
        .arg("--bin")
        .arg(sandbox.path("echo.py"))
        .env("PATH", "/usr/bin:/bin")
        .env_remove("MAELSTROM")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("real Maelstrom was requested but not found")
            && stderr.contains("github.com/jepsen-io/maelstrom/releases"),
        "{stderr}"
    );
}

#[test]
fn unwritable_work_dir_is_an_error_with_exit_2() {
    let sandbox = Sandbox::new();
    // A path below a regular file cannot be created, even by root.
    std::fs::write(sandbox.path("file"), "").unwrap();
    let out = Command::cargo_bin("glomers")
        .unwrap()
        .args(["run", "1", "--ci", "--time-limit", "1", "--work-dir"])
        .arg(sandbox.path("file/glomers"))
        .arg("--bin")
        .arg(sandbox.path("echo.py"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot create the run directory") && text.contains("Not a directory"),
        "{text}"
    );
    sandbox.assert_no_survivors(Duration::from_secs(5));
}

/// Starts two `glomers run` at once in the sandbox's work dir and returns their store dirs.
fn run_pair(sandbox: &Sandbox) -> Vec<PathBuf> {
    let start = || {
        sandbox
            .run("1")
            .arg("--json")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    };
    let (first, second) = (start(), start());
    [first, second]
        .map(|c| c.unwrap().wait_with_output().unwrap())
        .iter()
        .map(|out| {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            PathBuf::from(doc["runs"][0]["store_dir"].as_str().unwrap())
        })
        .collect()
}

fn distinct_run_ids(sandbox: &Sandbox) -> usize {
    let runs = History::new(&sandbox.work_dir()).load().unwrap();
    let ids: std::collections::BTreeSet<_> = runs.iter().map(|r| r.run_id.clone()).collect();
    ids.len()
}

#[test]
fn runs_in_an_older_work_dir_are_added_alongside() {
    let sandbox = Sandbox::new();
    for expected in 1..=2 {
        assert!(
            sandbox
                .run("1")
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success()
        );
        assert_eq!(sandbox.history_len(), expected);
        assert_eq!(distinct_run_ids(&sandbox), expected);
    }
    let runs = std::fs::read_dir(sandbox.work_dir().join("runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 2, "one directory per run");
}

#[test]
fn two_glomers_in_one_work_dir_do_not_clobber() {
    let sandbox = Sandbox::new();
    // Collisions need both starts in one millisecond: 1 pair in ~6 on a busy machine.
    for pair in 1..=4 * soak_iterations() {
        let stores = run_pair(&sandbox);
        assert_ne!(stores[0], stores[1], "pair {pair} shared a run directory");
        assert_eq!(sandbox.history_len(), 2 * pair);
        assert_eq!(distinct_run_ids(&sandbox), 2 * pair);
    }
}

#[test]
fn output_into_a_closed_pipe_is_not_a_panic() {
    let sandbox = Sandbox::new();
    assert!(
        sandbox
            .run("1")
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::cargo_bin("glomers")
        .unwrap()
        .args(["show", "1", "--work-dir"])
        .arg(sandbox.work_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before glomers writes, as `| head -0` would.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

//! `glomers run` on the embedded simulator, end to end: glomers launches
//! itself as `glomers maelstrom test ...`, which runs a real node process.
//!
//! The fast tests use a tiny Python echo node (`--bin`), so they need no
//! cargo build. `run_1_builds_our_echo_and_passes` is the first milestone,
//! whole: it builds our nodes in release mode (a minute or two on a cold
//! target dir), runs challenge 1 on the simulator and checks the verdict.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;

const ECHO_NODE: &str = r#"#!/usr/bin/env python3
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    print("got", body["type"], file=sys.stderr, flush=True)
    reply = {"in_reply_to": body["msg_id"]}
    if body["type"] == "init":
        reply["type"] = "init_ok"
    else:
        reply.update(type="echo_ok", echo=body["echo"])
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)
"#;

fn echo_node(dir: &Path) -> PathBuf {
    let path = dir.join("echo.py");
    std::fs::write(&path, ECHO_NODE).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn glomers_run(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("glomers").unwrap();
    cmd.args(["run", "1", "--ci", "--backend", "sim", "--work-dir"])
        .arg(dir.join("glomers"))
        .arg("--bin")
        .arg(echo_node(dir))
        .args(args);
    cmd
}

#[test]
fn echo_passes_on_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let output = glomers_run(dir.path(), &["--time-limit", "2", "--json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(
        (run["passed"].as_bool(), run["backend"].as_str()),
        (Some(true), Some("sim"))
    );
    assert!(run["availability"].as_f64() == Some(1.0), "{run}");
    let store = PathBuf::from(run["store_dir"].as_str().unwrap());
    assert!(store.join("results.edn").is_file());
    let log = std::fs::read_to_string(store.join("node-logs/n0.log")).unwrap();
    assert!(log.contains("got echo"), "{log}");
    assert!(
        stderr.contains("[1] running"),
        "phases come from the simulator's console: {stderr}"
    );
}

/// Processes whose command line mentions `needle` (our temp dir), zombies excluded.
fn survivors(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .map(|s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(true);
        if cmdline.contains(needle) && !zombie {
            found.push(cmdline);
        }
    }
    found
}

/// Starts a long run and returns once the simulator reports its main phase.
fn start_running(dir: &Path) -> std::process::Child {
    let mut cmd = glomers_run(dir, &["--time-limit", "60"]);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (running_tx, running) = std::sync::mpsc::channel();
    // Keep draining stderr after the marker, as a terminal would.
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if line.contains("[1] running") {
                let _ = running_tx.send(());
            }
        }
    });
    running
        .recv_timeout(Duration::from_secs(20))
        .expect("the run never reached its main phase");
    child
}

fn assert_no_survivors(dir: &Path, limit: Duration) {
    let needle = dir.to_str().unwrap();
    let deadline = Instant::now() + limit;
    loop {
        let left = survivors(needle);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "survived glomers: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_stops_simulator_and_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut glomers = start_running(dir.path());
    assert!(
        !survivors(dir.path().to_str().unwrap()).is_empty(),
        "the node should be running"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(glomers.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    assert_eq!(glomers.wait().unwrap().code(), Some(130));
    assert_no_survivors(dir.path(), Duration::from_secs(2));
}

#[test]
fn sigkill_of_glomers_stops_simulator_and_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut glomers = start_running(dir.path());
    glomers.kill().unwrap();
    glomers.wait().unwrap();
    assert_no_survivors(dir.path(), Duration::from_secs(6));
}

#[test]
fn run_1_builds_our_echo_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("glomers")
        .unwrap()
        .args(["run", "1", "--quick", "--ci", "--work-dir"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("PASS 1 Echo"));
}

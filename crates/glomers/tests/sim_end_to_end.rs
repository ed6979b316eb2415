//! `glomers run` on the embedded simulator, end to end: glomers launches
//! itself as `glomers maelstrom test ...`, which runs a real node process.
//!
//! The fast tests use a tiny Python echo node (`--bin`), so they need no
//! cargo build. `run_1_builds_our_echo_and_passes` is the first milestone,
//! whole: it builds our nodes in release mode (a minute or two on a cold
//! target dir), runs challenge 1 on the simulator and checks the verdict.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;
use support::{echo_node, survivors};

mod support;

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

/// Starts a long run and returns once the simulator reports its main phase.
fn start_running(dir: &Path) -> std::process::Child {
    let (child, running) =
        support::spawn_with_running_signal(&mut glomers_run(dir, &["--time-limit", "60"]));
    running
        .recv_timeout(Duration::from_secs(20))
        .expect("the run never reached its main phase");
    child
}

fn assert_no_survivors(dir: &Path, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = survivors(dir);
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
        !survivors(dir.path()).is_empty(),
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

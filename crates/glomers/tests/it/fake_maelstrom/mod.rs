//! `glomers run` against a fake `maelstrom` script: proves the real-Maelstrom
//! path (argv, store discovery, results parsing, exit codes, JSON, JUnit,
//! history, crash reports) and that cancelling glomers leaves no process
//! behind. The script replays real Maelstrom 0.2.4 outputs from
//! `testdata/maelstrom/<case>/` at the workspace root.
//!
//! - `cancel`: Ctrl-C and SIGKILL of glomers leave no Maelstrom process behind.
//! - `past_runs`: `runs`, `show` and `compare` of recorded runs, and their labels.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::prelude::*;

mod cancel;
mod past_runs;

/// Writes argv, lays out `store/` like Maelstrom, prints the console, and
/// exits with the case's status. `FAKE_SLEEP=1` makes it hang in a child
/// `sleep` (recording both pids) instead of finishing.
const FAKE_MAELSTROM: &str = r#"#!/bin/bash
printf '%s\n' "$@" > "$FAKE_OUT/argv"
env | grep '^GLOMERS_' | sort > "$FAKE_OUT/env"
workload=""
while [ $# -gt 0 ]; do
  if [ "$1" = "-w" ]; then workload="$2"; fi
  shift
done
run="store/$workload/20260101T000000.000Z"
mkdir -p "$run/node-logs"
ln -s "$workload/20260101T000000.000Z" store/current
echo "INFO [2026-01-01 00:00:00,000] jepsen test runner - jepsen.core Running test with fake"
printf 'INFO [..] jepsen worker 0 - jepsen.util 0\t:invoke\t:echo\t"Please echo 1"\n'
printf 'INFO [..] jepsen worker 0 - jepsen.util 0\t:ok\t:echo\t"Please echo 1"\n'
if [ -f "$FAKE_CASE/n0.log" ]; then cp "$FAKE_CASE/n0.log" "$run/node-logs/n0.log"; else echo "n0 started" > "$run/node-logs/n0.log"; fi
if [ -n "$FAKE_SLEEP" ]; then
  echo $$ > "$FAKE_OUT/script.pid"
  sleep 300 &
  echo $! > "$FAKE_OUT/sleep.pid"
  wait
fi
echo "INFO [2026-01-01 00:00:05,000] jepsen test runner - jepsen.core Analyzing..."
if [ -f "$FAKE_CASE/results.edn" ]; then cp "$FAKE_CASE/results.edn" "$run/results.edn"; fi
cat "$FAKE_CASE/console.txt"
exit "$(cat "$FAKE_CASE/exit-code.txt")"
"#;

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        write_executable(&dir.path().join("maelstrom"), FAKE_MAELSTROM);
        // Any executable will do as the node: the fake never starts it.
        write_executable(&dir.path().join("node"), "#!/bin/sh\nexit 0\n");
        std::fs::create_dir(dir.path().join("out")).unwrap();
        Fake { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `glomers run <args> --backend maelstrom` replaying fixture `case`.
    fn glomers(&self, case: &str, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("glomers").unwrap();
        cmd.arg("run")
            .args(["--backend", "maelstrom", "--ci"])
            .arg("--maelstrom")
            .arg(self.path("maelstrom"))
            .arg("--bin")
            .arg(self.path("node"))
            .arg("--work-dir")
            .arg(self.path("glomers"))
            .env("FAKE_OUT", self.path("out"))
            .env("FAKE_CASE", fixture(case))
            .env_remove("FAKE_SLEEP")
            // Last, so a test's `-- extra` stays last.
            .args(args);
        cmd
    }

    fn argv(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("out/argv"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    }
}

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/maelstrom")
        .join(case)
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn valid_echo_run_passes_with_exact_argv_json_junit_and_history() {
    let fake = Fake::new();
    let junit = fake.path("junit.xml");
    let output = fake
        .glomers(
            "echo-valid",
            &["1", "--json", "--junit", junit.to_str().unwrap()],
        )
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let node = fake.path("node").display().to_string();
    let expected = [
        "test",
        "-w",
        "echo",
        "--bin",
        &node,
        "--node-count",
        "1",
        "--time-limit",
        "10",
    ];
    assert_eq!(fake.argv(), expected);

    let doc = json(&output);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["passed"], true);
    let run = &doc["runs"][0];
    assert_eq!(run["challenge"], "1");
    assert_eq!(run["id"], "1", "schema 1 keeps the old name");
    assert_eq!(run["passed"], true);
    assert_eq!(run["valid"], "true");
    assert_eq!(run["backend"], "maelstrom");
    assert_eq!(run["reasons"].as_array().unwrap().len(), 0);
    assert_eq!(run["availability"].as_f64(), Some(1.0));
    assert_eq!(run["msgs_per_op"].as_f64(), Some(0.0));
    assert!(run["latency_median_ms"].is_null() && run["latency_max_ms"].is_null());
    assert!(run["wall_s"].as_f64().unwrap() > 0.0);
    let store = run["store_dir"].as_str().unwrap();
    assert!(Path::new(store).join("results.edn").is_file(), "{store}");

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"1\" failures=\"0\" errors=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"glomers.echo\" name=\"1 Echo\""),
        "{xml}"
    );

    let history = std::fs::read_to_string(fake.path("glomers/runs.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);
    show_1(&fake).stdout(predicates::str::contains("verdict   PASS"));
}

/// `glomers show 1` on the fake's work dir, which must succeed.
fn show_1(fake: &Fake) -> assert_cmd::assert::Assert {
    Command::cargo_bin("glomers")
        .unwrap()
        .args(["show", "1", "--work-dir"])
        .arg(fake.path("glomers"))
        .assert()
        .success()
}

#[test]
fn invalid_broadcast_fails_with_maelstrom_reasons() {
    let fake = Fake::new();
    let output = fake
        .glomers("broadcast-invalid", &["3b", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let run = &json(&output)["runs"][0];
    assert_eq!(run["valid"], "false");
    let reasons: Vec<&str> = run["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"lost-count 3"), "{reasons:?}");
}

#[test]
fn node_warnings_from_the_console_explain_a_passing_run() {
    let fake = Fake::new();
    let junit = fake.path("junit.xml");
    let output = fake
        .glomers("echo-garbage", &["1", "--junit", junit.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "a warning never changes Maelstrom's verdict"
    );
    let warning = "n0 printed a line to STDOUT which was not well-formed JSON: debug: three echoes served, all good here";
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdict_at = stdout.find("PASS 1 Echo").expect("verdict line");
    let warning_at = stdout
        .find(&format!("\n    warning: {warning}\n"))
        .unwrap_or_else(|| panic!("no warning line in {stdout}"));
    assert!(verdict_at < warning_at, "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(&format!("warning: {warning}")), "{xml}");
    let history = std::fs::read_to_string(fake.path("glomers/runs.jsonl")).unwrap();
    let run: serde_json::Value = serde_json::from_str(history.trim()).unwrap();
    assert_eq!(
        run["node_warnings"],
        serde_json::json!([{"node": "n0", "kind": "not-json", "message": warning}])
    );
    show_1(&fake).stdout(predicates::str::contains(format!("warning   {warning}\n")));
}

#[test]
fn valid_run_over_threshold_fails_3d_with_margin() {
    let fake = Fake::new();
    let junit = fake.path("junit.xml");
    let output = fake
        .glomers(
            "broadcast-25-official",
            &["3d", "--json", "--junit", junit.to_str().unwrap()],
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let run = &json(&output)["runs"][0];
    assert_eq!(
        (run["valid"].as_str(), run["passed"].as_bool()),
        (Some("true"), Some(false))
    );
    assert_eq!(run["reasons"][0], "msgs-per-op 33.5336 ≥ 30");
    assert_eq!(run["msgs_per_op"].as_f64(), Some(33.533596));
    assert!(run["latency_median_ms"].as_f64().is_some());
    let argv = fake.argv().join(" ");
    assert!(
        argv.contains("--node-count 25")
            && argv.contains("--latency 100")
            && argv.contains("--rate 100"),
        "{argv}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<failure message=\"msgs-per-op 33.5336 ≥ 30\""),
        "{xml}"
    );
}

#[test]
fn crash_without_results_reports_the_node_crash_and_its_log() {
    let fake = Fake::new();
    let output = fake
        .glomers("echo-crash", &["1", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a crashed node is the challenge failing"
    );
    let run = &json(&output)["runs"][0];
    assert_eq!(run["status"], "crashed");
    assert!(run["valid"].is_null());
    let reason = run["reasons"][0].as_str().unwrap();
    assert!(
        reason.contains("exit 255") && reason.contains("Node n0 crashed with exit status 1"),
        "{reason}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("n0.log (last lines):") && stderr.contains("crashing after 5 echoes"),
        "{stderr}"
    );
}

#[test]
fn quick_profile_and_overrides_reach_the_backend() {
    let fake = Fake::new();
    fake.glomers(
        "echo-valid",
        &[
            "3c",
            "--quick",
            "--rate",
            "7",
            "--nemesis",
            "none",
            "--node-env",
            "GLOMERS_BATCH_MS=1600",
            "--",
            "--topology",
            "tree4",
        ],
    )
    .output()
    .unwrap();
    let env = std::fs::read_to_string(fake.path("out/env")).unwrap();
    assert!(
        env.lines().any(|l| l == "GLOMERS_BATCH_MS=1600"),
        "node knobs reach the backend (and so the nodes) as environment: {env}"
    );
    let argv = fake.argv().join(" ");
    assert!(
        argv.ends_with("--node-count 5 --time-limit 5 --rate 7 --topology tree4"),
        "{argv}"
    );
    assert!(
        !argv.contains("recovery-wait"),
        "quick keeps Maelstrom's recovery: {argv}"
    );
}

#[test]
fn infrastructure_errors_exit_2_with_what_to_do() {
    let fake = Fake::new();
    Command::cargo_bin("glomers")
        .unwrap()
        .args([
            "run",
            "1",
            "--ci",
            "--backend",
            "maelstrom",
            "--maelstrom",
            "/nonexistent/maelstrom",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/nonexistent/maelstrom"));
    // The backend rejecting its arguments (exit 254) is ours to fix, not the node's.
    std::fs::create_dir(fake.path("usage")).unwrap();
    std::fs::write(fake.path("usage/exit-code.txt"), "254\n").unwrap();
    std::fs::write(
        fake.path("usage/console.txt"),
        "Unknown option: \"--foo\"\n",
    )
    .unwrap();
    let mut cmd = fake.glomers("echo-valid", &["1"]);
    cmd.env("FAKE_CASE", fake.path("usage"));
    cmd.assert()
        .code(2)
        .stdout(predicates::str::contains("Unknown option"));
    Command::cargo_bin("glomers")
        .unwrap()
        .args(["run", "9z", "--ci"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown challenge `9z`"));
}

#[test]
fn parallel_jobs_keep_challenge_order_and_6b_means_both_runs() {
    let fake = Fake::new();
    let output = fake
        .glomers("echo-valid", &["1", "6b", "--jobs", "3", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = json(&output);
    let ids: Vec<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "6b-i", "6b-ii"]);
    let dirs: std::collections::BTreeSet<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["store_dir"].as_str().unwrap())
        .collect();
    assert_eq!(dirs.len(), 3, "each run has its own working directory");
}

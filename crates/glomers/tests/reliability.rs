//! glomers itself under stress: interrupted by SIGINT, SIGTERM and SIGKILL
//! during the build, launch, run and analysis (in a loop), fed hostile `results.edn`
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
use runner::run_log::RunLog;

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

    /// Runs in the history; every line must parse.
    fn history_len(&self) -> usize {
        let loaded = RunLog::new(&self.work_dir())
            .load()
            .unwrap_or_else(|e| panic!("history no longer reads: {e}"));
        assert_eq!(loaded.skipped, [], "history lines no longer parse");
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
    /// While cargo builds the nodes (a stand-in cargo with a compiler-like child).
    Build,
    /// While glomers starts the simulator and the simulator starts the node.
    Launch,
    /// Once the simulator reports its main phase.
    Run,
    /// While the backend analyses (a stand-in Maelstrom that analyses for minutes).
    Analysis,
}

/// Stands in for a long `cargo build`: a compiler-like child, then waits.
/// The child's command line names the sandbox, so a survivor is found.
const SLOW_CARGO: &str = r#"#!/bin/sh
python3 -c 'import time; time.sleep(300)' "$0" &
: > "$0.busy"
wait
"#;

/// Stands in for Maelstrom stuck in analysis, with a JVM-like child.
const SLOW_ANALYSIS: &str = r#"#!/bin/sh
echo "INFO [2026-01-01 00:00:00,000] jepsen test runner - jepsen.core Running test with fake"
echo "INFO [2026-01-01 00:00:05,000] jepsen test runner - jepsen.core Analyzing..."
python3 -c 'import time; time.sleep(300)' "$0" &
: > "$0.busy"
wait
"#;

impl Sandbox {
    /// `glomers run 1` that will be busy in `moment` for minutes.
    fn long_run(&self, moment: Moment) -> Command {
        match moment {
            Moment::Launch | Moment::Run => self.run("60"),
            Moment::Build => {
                write_executable(&self.path("cargo"), SLOW_CARGO);
                let mut cmd = Command::cargo_bin("glomers").unwrap();
                cmd.args(["run", "1", "--ci", "--backend", "sim", "--work-dir"])
                    .arg(self.work_dir())
                    .env("CARGO", self.path("cargo"));
                cmd
            }
            Moment::Analysis => {
                write_executable(&self.path("maelstrom"), SLOW_ANALYSIS);
                let mut cmd = Command::cargo_bin("glomers").unwrap();
                // --bin: no node build first (minutes on a cold target dir).
                cmd.args(["run", "1", "--ci", "--backend", "maelstrom", "--maelstrom"])
                    .arg(self.path("maelstrom"))
                    .arg("--bin")
                    .arg(self.path("echo.py"))
                    .arg("--work-dir")
                    .arg(self.work_dir());
                cmd
            }
        }
    }

    /// Waits until the stand-in says it is busy, and resets the mark.
    fn wait_busy(&self, name: &str) {
        let mark = self.path(&format!("{name}.busy"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::fs::remove_file(&mark).is_err() {
            assert!(Instant::now() < deadline, "{name} never got busy");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
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
            .long_run(moment)
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
            Moment::Build => sandbox.wait_busy("cargo"),
            Moment::Analysis => sandbox.wait_busy("maelstrom"),
        }
        kill(Pid::from_raw(child.id() as i32), signal).unwrap();
        let status = wait_bounded(&mut child, Duration::from_secs(10));
        // Once its handler is installed glomers stops everything and exits
        // 128 + the signal (130 for SIGINT, 143 for SIGTERM); a signal in its
        // first milliseconds kills it outright, before it has started anything.
        let by_signal = status.signal() == Some(signal as i32);
        let handled = signal != Signal::SIGKILL && status.code() == Some(128 + signal as i32);
        assert!(handled || by_signal, "iteration {i}: {status:?}");
        sandbox.assert_no_survivors(Duration::from_secs(6));
        // Interrupted runs are not recorded, and the earlier one is intact.
        assert_eq!(sandbox.history_len(), 1, "iteration {i}");
    }
}

#[test]
fn sigint_during_build_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Build);
}

#[test]
fn sigterm_during_build_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Build);
}

#[test]
fn sigkill_during_build_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Build);
}

#[test]
fn sigint_during_analysis_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGINT, Moment::Analysis);
}

#[test]
fn sigterm_during_analysis_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGTERM, Moment::Analysis);
}

#[test]
fn sigkill_during_analysis_leaves_nothing_behind() {
    interrupt_in_a_loop(Signal::SIGKILL, Moment::Analysis);
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

/// A panic in glomers mid-run (debug builds panic on `GLOMERS_PANIC_AT`):
/// the run is an infrastructure error (exit 2) in bounded time, recorded,
/// nothing left running, the history intact.
#[test]
fn panic_during_run_leaves_nothing_behind() {
    let sandbox = Sandbox::new();
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    for i in 0..soak_iterations() {
        let mut child = sandbox
            .run("60")
            .env("GLOMERS_PANIC_AT", "Running")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait_bounded(&mut child, Duration::from_secs(20));
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        // The panicking run becomes an infrastructure error (exit 2) and is recorded.
        assert_eq!(status.code(), Some(2), "iteration {i}: {stderr}");
        assert!(
            stderr.contains("a deliberate panic"),
            "iteration {i}: {stderr}"
        );
        sandbox.assert_no_survivors(Duration::from_secs(6));
        assert_eq!(sandbox.history_len(), 2 + i, "iteration {i}");
        let runs = RunLog::new(&sandbox.work_dir()).load().unwrap().runs;
        let reasons = &runs.last().unwrap().reasons;
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("internal error in glomers: GLOMERS_PANIC_AT=Running")),
            "iteration {i}: {reasons:?}"
        );
    }
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

/// A sandbox whose history holds one real run of challenge 1, and that line.
fn sandbox_with_one_run() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    let history = sandbox.work_dir().join("runs.jsonl");
    let line = std::fs::read_to_string(history).unwrap();
    (sandbox, line.trim_end().to_string())
}

#[test]
fn corrupt_run_log_lines_are_skipped_with_a_warning() {
    let (sandbox, good) = sandbox_with_one_run();
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    let run_id = doc["run_id"].as_str().unwrap().to_string();
    // A newer glomers adds fields (the schema only grows): still readable.
    doc["run_id"] = format!("{run_id}-future").into();
    doc["added_later"] = serde_json::json!({"nested": [1, 2]});
    let future = doc.to_string();
    // An older or foreign line lacks a field: skipped.
    doc["run_id"] = format!("{run_id}-old").into();
    doc.as_object_mut().unwrap().remove("started_at");
    let old = doc.to_string();
    let cut = &good[..good.len() / 2];
    let non_utf8 = [&good.as_bytes()[..7], b"\xff\xfe", &good.as_bytes()[7..]].concat();
    let lines: [&[u8]; 7] = [
        good.as_bytes(),
        cut.as_bytes(),
        b"",
        &non_utf8,
        future.as_bytes(),
        old.as_bytes(),
        good.as_bytes(),
    ];
    let history = sandbox.work_dir().join("runs.jsonl");
    let bytes: Vec<u8> = lines.iter().flat_map(|l| [*l, b"\n"].concat()).collect();
    std::fs::write(&history, bytes).unwrap();
    let non_utf8_at = good.len() + 1 + cut.len() + 1 + 1 + 7;
    let warnings = [
        "runs.jsonl:2: skipped: not a run summary: EOF while parsing".to_string(),
        format!(
            "runs.jsonl:4: skipped: not UTF-8: invalid byte at offset {non_utf8_at} of the file (byte 7 of the line)"
        ),
        "runs.jsonl:6: skipped: not a run summary: missing field `started_at`".to_string(),
    ];
    let compare = ["compare", &run_id, &format!("{run_id}-future")];
    for args in [
        &["show", "1"][..],
        &["runs"],
        &compare,
        &["show", "nothing"],
    ] {
        let out = sandbox.glomers(args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        for warning in &warnings {
            assert_eq!(
                stderr.matches(warning.as_str()).count(),
                1,
                "{args:?}: {stderr}"
            );
        }
        assert_eq!(
            stderr.matches("skipped").count(),
            warnings.len(),
            "blank lines and the future line are not warned about: {args:?}: {stderr}"
        );
        if args == ["show", "nothing"] {
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains("no run matches `nothing`"), "{stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stdout.contains(&run_id), "{args:?}: {stdout}");
    }
    let listed = String::from_utf8_lossy(&sandbox.glomers(&["runs"]).stdout).into_owned();
    assert_eq!(
        listed.matches(&run_id).count(),
        3,
        "both good lines and the future one: {listed}"
    );
    assert!(
        listed.contains("-future") && !listed.contains("-old"),
        "{listed}"
    );
}

#[test]
fn unreadable_run_log_is_an_error_naming_it_once() {
    let sandbox = Sandbox::new();
    // A directory where the file should be cannot be read, even by root.
    std::fs::create_dir_all(sandbox.work_dir().join("runs.jsonl")).unwrap();
    for args in [&["runs"][..], &["show", "1"]] {
        let out = sandbox.glomers(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.matches("Is a directory").count(),
            1,
            "the cause once, not \"…: X: X\": {stderr}"
        );
        assert!(stderr.contains("runs.jsonl: Is a directory"), "{stderr}");
    }
}

#[test]
fn a_run_after_a_cut_run_log_line_is_recorded_on_its_own_line() {
    let (sandbox, good) = sandbox_with_one_run();
    let history = sandbox.work_dir().join("runs.jsonl");
    // A writer killed mid-line: no final newline.
    let cut = &good[..good.len() / 3];
    std::fs::write(&history, format!("{good}\n{cut}")).unwrap();
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    let loaded = RunLog::new(&sandbox.work_dir()).load().unwrap();
    assert_eq!(loaded.runs.len(), 2, "the earlier run and the new one");
    let skipped: Vec<usize> = loaded.skipped.iter().map(|s| s.line).collect();
    assert_eq!(skipped, [2], "only the cut line is lost");
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

/// A `maelstrom` that only leaves `$MARKER` behind, to show it was started.
const MARKING_MAELSTROM: &str = "#!/bin/sh\n: > \"$MARKER\"\n";

/// A full disk when the run log is written (`runs.jsonl` → `/dev/full`):
/// the verdict stands, the failure is named, the run's store is kept.
#[test]
fn full_disk_for_the_run_log_is_reported_and_the_run_kept() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.work_dir()).unwrap();
    std::os::unix::fs::symlink("/dev/full", sandbox.work_dir().join("runs.jsonl")).unwrap();
    let output = sandbox.run("1").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS 1 Echo"), "{stdout}");
    assert!(
        stdout.contains("not recorded in the run log") && stdout.contains("runs.jsonl"),
        "{stdout}"
    );
    assert!(stdout.contains("No space left on device"), "{stdout}");
    let runs: Vec<_> = std::fs::read_dir(sandbox.work_dir().join("runs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(runs.len(), 1);
    let results = runs[0].path().join("store/latest/results.edn");
    assert!(results.exists(), "{} missing", results.display());
}

#[test]
fn unwritable_work_dir_is_an_error_with_exit_2() {
    let sandbox = Sandbox::new();
    write_executable(&sandbox.path("maelstrom"), MARKING_MAELSTROM);
    // A path below a regular file cannot be created, even by root.
    std::fs::write(sandbox.path("file"), "").unwrap();
    let work_dir = sandbox.path("file/glomers");
    // Without --bin glomers would build the nodes first (cargo is not on PATH
    // here, so a build would fail loudly); with it, it would start the backend.
    for with_bin in [false, true] {
        let mut cmd = Command::cargo_bin("glomers").unwrap();
        cmd.args([
            "run",
            "1",
            "--ci",
            "--time-limit",
            "1",
            "--backend",
            "maelstrom",
        ])
        .arg("--maelstrom")
        .arg(sandbox.path("maelstrom"))
        .arg("--work-dir")
        .arg(&work_dir)
        .env("MARKER", sandbox.path("backend-started"))
        .env("PATH", "/nonexistent")
        .env_remove("CARGO");
        if with_bin {
            cmd.arg("--bin").arg(sandbox.path("echo.py"));
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let runs_dir = work_dir.join("runs");
        assert!(
            text.contains(&format!(
                "cannot create the run directory {}: Not a directory",
                runs_dir.display()
            )),
            "{text}"
        );
        assert!(
            !text.contains("building node binaries"),
            "built first: {text}"
        );
        assert!(
            !sandbox.path("backend-started").exists(),
            "the backend was started: {text}"
        );
    }
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
    let runs = RunLog::new(&sandbox.work_dir()).load().unwrap().runs;
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

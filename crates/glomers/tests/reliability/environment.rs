//! A hostile environment: missing tools, a full disk, an unwritable or
//! shared work dir, a closed stdout.

use super::*;

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
        assert_eq!(sandbox.run_log_len(), expected);
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
        assert_eq!(sandbox.run_log_len(), 2 * pair);
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

//! Input glomers did not write: a hostile `results.edn`, a damaged run log.

use super::*;

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
    sandbox.run_log_len();
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

/// A sandbox whose run log holds one real run of challenge 1, and that line.
fn sandbox_with_one_run() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    let run_log = sandbox.work_dir().join("runs.jsonl");
    let line = std::fs::read_to_string(run_log).unwrap();
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
    let run_log = sandbox.work_dir().join("runs.jsonl");
    let bytes: Vec<u8> = lines.iter().flat_map(|l| [*l, b"\n"].concat()).collect();
    std::fs::write(&run_log, bytes).unwrap();
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
    let run_log = sandbox.work_dir().join("runs.jsonl");
    // A writer killed mid-line: no final newline.
    let cut = &good[..good.len() / 3];
    std::fs::write(&run_log, format!("{good}\n{cut}")).unwrap();
    let status = sandbox.run("1").stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    let loaded = RunLog::new(&sandbox.work_dir()).load().unwrap();
    assert_eq!(loaded.runs.len(), 2, "the earlier run and the new one");
    let skipped: Vec<usize> = loaded.skipped.iter().map(|s| s.line).collect();
    assert_eq!(skipped, [2], "only the cut line is lost");
}

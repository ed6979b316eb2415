use super::*;

fn summary(id: &str, run_id: &str, msgs: f64) -> RunSummary {
    RunSummary {
        challenge: id.into(),
        run_id: run_id.into(),
        passed: true,
        status: RunStatus::Passed,
        reasons: vec![],
        valid: Some(Validity::Valid),
        msgs_per_op: Some(msgs),
        msgs_per_op_all: Some(msgs + 2.0),
        latency_median_ms: Some(300.0),
        latency_max_ms: Some(500.0),
        availability: Some(1.0),
        margins: vec![],
        wall_s: 1.5,
        store_dir: None,
        work_dir: PathBuf::from("/w"),
        backend: BackendKind::Sim,
        profile: Profile::Quick,
        params: Params::default(),
        label: Some(RunLabel::of(id, &Params::default())),
        backend_exit_code: Some(0),
        started_at: "2026-01-01T00:00:00.000Z".into(),
        node_warnings: vec![],
        seed: None,
        bin: None,
        bin_sha256: None,
    }
}

#[test]
fn append_load_find_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::new(dir.path());
    assert!(log.load().unwrap().runs.is_empty());
    log.append(&summary("3d", "r1-3d", 25.0)).unwrap();
    log.append(&summary("3e", "r2-3e", 15.0)).unwrap();
    log.append(&summary("3d", "r3-3d", 27.0)).unwrap();
    let loaded = log.load().unwrap();
    assert_eq!((loaded.runs.len(), loaded.skipped.len()), (3, 0));
    assert_eq!(
        loaded.find("3d").unwrap().run_id,
        "r3-3d",
        "latest run of a challenge"
    );
    assert_eq!(loaded.find("r1-3d").unwrap().msgs_per_op, Some(25.0));
    assert_eq!(loaded.find("r2").unwrap().challenge, "3e", "unique prefix");
    assert!(
        matches!(loaded.find("r"), Err(RunLogError::NotFound(_))),
        "ambiguous prefix"
    );
}

#[test]
fn parallel_appends_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let log = RunLog::new(dir.path());
            std::thread::spawn(move || {
                for i in 0..20 {
                    log.append(&summary("1", &format!("{t}-{i}"), i as f64))
                        .unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let loaded = RunLog::new(dir.path()).load().unwrap();
    assert_eq!((loaded.runs.len(), loaded.skipped.len()), (160, 0));
}

/// The log file holding `lines`, each ended by a newline.
fn log_of(dir: &Path, lines: &[&[u8]]) -> RunLog {
    let log = RunLog::new(dir);
    let bytes: Vec<u8> = lines.iter().flat_map(|l| [*l, b"\n"].concat()).collect();
    std::fs::write(log.path(), bytes).unwrap();
    log
}

#[test]
fn bad_lines_are_skipped_and_named_and_good_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let good = |run_id| serde_json::to_string(&summary("1", run_id, 0.0)).unwrap();
    let (a, b, c) = (good("a"), good("b"), good("c"));
    let mut future: serde_json::Value = serde_json::from_str(&c).unwrap();
    future["added_in_v2"] = serde_json::json!({"x": 1});
    let future = future.to_string();
    let mut old: serde_json::Value = serde_json::from_str(&b).unwrap();
    old.as_object_mut().unwrap().remove("wall_s");
    let old = old.to_string();
    // Cut inside the run id's string, as a writer killed mid-line leaves it.
    let cut = &a[..a.find(r#""run_id":""#).unwrap() + 11];
    let non_utf8 = [&b.as_bytes()[..10], b"\xff", &b.as_bytes()[10..]].concat();
    let log = log_of(
        dir.path(),
        &[
            a.as_bytes(),
            cut.as_bytes(),
            b"",
            &non_utf8,
            old.as_bytes(),
            b"   ",
            future.as_bytes(),
            b.as_bytes(),
        ],
    );
    let loaded = log.load().unwrap();
    let ids: Vec<&str> = loaded.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(
        ids,
        ["a", "c", "b"],
        "good lines and the future one survive"
    );
    let skipped: Vec<(usize, String)> = loaded
        .skipped
        .iter()
        .map(|s| (s.line, s.cause.clone()))
        .collect();
    let non_utf8_at = a.len() + 1 + cut.len() + 1 + 1 + 10;
    assert_eq!(
        skipped,
        [
            (
                2,
                format!(
                    "not a run summary: EOF while parsing a string at column {}",
                    cut.len()
                )
            ),
            (
                4,
                format!(
                    "not UTF-8: invalid byte at offset {non_utf8_at} of the file (byte 10 of the line)"
                )
            ),
            (
                5,
                format!(
                    "not a run summary: missing field `wall_s` at column {}",
                    old.len()
                )
            ),
        ]
    );
    let message = loaded.skipped[0].to_string();
    assert!(
        message.starts_with(&format!("{}:2: skipped: ", log.path().display())),
        "{message}"
    );
}

#[test]
fn node_warnings_round_trip_and_lines_without_them_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut warned = summary("1", "warned", 0.0);
    warned.node_warnings = vec![NodeWarning {
        node: "n0".into(),
        kind: crate::event::WarningKind::ClosedStdout,
        message: "n0 closed its STDOUT".into(),
    }];
    let mut old: serde_json::Value = serde_json::to_value(summary("1", "old", 0.0)).unwrap();
    old.as_object_mut().unwrap().remove("node_warnings");
    let log = log_of(
        dir.path(),
        &[
            serde_json::to_string(&warned).unwrap().as_bytes(),
            old.to_string().as_bytes(),
        ],
    );
    let loaded = log.load().unwrap();
    assert_eq!(loaded.skipped, []);
    assert_eq!(loaded.runs, [warned, summary("1", "old", 0.0)]);
    let line = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        line.contains(r#""node_warnings":[{"node":"n0","kind":"closed-stdout","message":"n0 closed its STDOUT"}]"#),
        "{line}"
    );
}

/// A line as written before labels, node binaries and `backend_exit_code`.
#[test]
fn lines_from_before_labels_load_with_their_label_worked_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut old = serde_json::to_value(summary("3c", "old", 3.0)).unwrap();
    let fields = old.as_object_mut().unwrap();
    fields.remove("label");
    fields.remove("bin");
    let code = fields.remove("backend_exit_code").unwrap();
    fields.insert("exit_code".into(), code);
    let mut params = catalog::find("3c").unwrap().official;
    params.time_limit_s = 5;
    params.recovery_wait_s = Some(2);
    fields.insert("params".into(), serde_json::to_value(&params).unwrap());
    let log = log_of(dir.path(), &[old.to_string().as_bytes()]);
    let loaded = log.load().unwrap();
    assert_eq!(loaded.skipped, []);
    let run = &loaded.runs[0];
    assert_eq!(run.backend_exit_code, Some(0));
    assert_eq!(run.bin, None);
    assert_eq!(
        run.label.as_ref().map(ToString::to_string).as_deref(),
        Some("custom: time-limit 5, recovery-wait 2 (simulator only)"),
        "the old quick profile's short recovery was not the quick test"
    );
}

#[test]
fn append_after_a_cut_line_starts_a_new_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::new(dir.path());
    log.append(&summary("1", "a", 0.0)).unwrap();
    let mut bytes = std::fs::read(log.path()).unwrap();
    bytes.extend_from_slice(b"{\"id\": \"cut");
    std::fs::write(log.path(), bytes).unwrap();
    log.append(&summary("1", "b", 0.0)).unwrap();
    let loaded = log.load().unwrap();
    let ids: Vec<&str> = loaded.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(loaded.skipped.len(), 1);
    assert_eq!(loaded.skipped[0].line, 2);
}

#[test]
fn unreadable_file_is_an_error_and_missing_file_an_empty_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::new(&dir.path().join("nowhere"));
    assert!(log.load().unwrap().runs.is_empty());
    std::fs::create_dir_all(log.path()).unwrap();
    let err = log.load().unwrap_err();
    assert!(matches!(err, RunLogError::Io { .. }), "{err}");
    assert!(err.to_string().contains("runs.jsonl: "), "{err}");
}

#[test]
fn compare_3d_and_3e_with_their_thresholds() {
    let rows = compare(&summary("3d", "a", 25.0), &summary("3e", "b", 15.0));
    assert_eq!(rows[0].metric, "msgs-per-op");
    assert_eq!(
        (rows[0].a, rows[0].b, rows[0].limit_a, rows[0].limit_b),
        (Some(25.0), Some(15.0), Some(30.0), Some(20.0))
    );
    assert_eq!(
        (rows[2].limit_a, rows[2].limit_b),
        (Some(600.0), Some(2000.0))
    );
    assert_eq!(rows[3].limit_a, None);
}

#[test]
fn a_log_under_the_old_name_is_taken_over_whole() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("history.jsonl");
    let mut bytes = serde_json::to_vec(&summary("1", "a", 0.0)).unwrap();
    bytes.push(b'\n');
    std::fs::write(&old, &bytes).unwrap();
    let log = RunLog::new(dir.path());
    log.append(&summary("1", "b", 0.0)).unwrap();
    let ids: Vec<_> = log
        .load()
        .unwrap()
        .runs
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert!(!old.exists(), "the old file is renamed, not copied");
    assert!(log.path().ends_with("runs.jsonl"));
}

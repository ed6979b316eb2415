//! Recorded runs of the fake Maelstrom read back: `runs`, `show`, `compare` and labels.

use super::*;

#[test]
fn runs_and_compare_show_3d_and_3e_against_their_thresholds() {
    let fake = Fake::new();
    for id in ["3d", "3e"] {
        fake.glomers("broadcast-25-official", &[id])
            .assert()
            .code(1);
    }
    let glomers = |args: &[&str]| {
        let mut cmd = Command::cargo_bin("glomers").unwrap();
        cmd.args(args).arg("--work-dir").arg(fake.path("glomers"));
        cmd
    };
    let compare = glomers(&["compare", "3d", "3e"]).output().unwrap();
    let text = String::from_utf8(compare.stdout).unwrap();
    let msgs = text.lines().find(|l| l.starts_with("msgs-per-op")).unwrap();
    assert!(
        msgs.contains("33.5336 ≥ 30") && msgs.contains("33.5336 ≥ 20"),
        "{text}"
    );
    let history = glomers(&["history", "--json"]).output().unwrap();
    assert_eq!(
        String::from_utf8(history.stdout).unwrap().lines().count(),
        2
    );
    glomers(&["show", "no-such-run"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no run matches"));

    // `plot` (alias `report`) draws the run's own history into its store.
    let shown = glomers(&["show", "3d", "--json"]).output().unwrap();
    let store = PathBuf::from(json(&shown)["store_dir"].as_str().unwrap());
    std::fs::copy(
        fixture("broadcast-25-official").join("history.edn"),
        store.join("history.edn"),
    )
    .unwrap();
    for command in ["plot", "report"] {
        let out = glomers(&[command, "3d"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}: {text}");
        let written: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("wrote "))
            .collect();
        assert_eq!(written.len(), 6, "three plots, PNG and SVG: {text}");
        for path in written {
            assert!(
                path.starts_with(store.to_str().unwrap()),
                "{path} is not in the store"
            );
            assert!(
                std::fs::metadata(path).unwrap().len() > 1000,
                "{path} is empty"
            );
        }
    }
}

#[test]
fn labels_tell_official_quick_and_custom_apart_everywhere() {
    let fake = Fake::new();
    let junit = fake.path("junit.xml");
    let run = |args: &[&str]| {
        let output = fake.glomers("echo-valid", args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };
    let official = run(&["1", "--json"]);
    assert_eq!(
        json(&official)["runs"][0]["label"],
        serde_json::json!({"kind": "official", "differs": []})
    );
    assert_eq!(json(&official)["runs"][0]["backend_exit_code"], 0);
    let quick = run(&["1", "--quick", "--json"]);
    assert_eq!(json(&quick)["runs"][0]["label"]["kind"], "quick");
    let custom = run(&["1", "--time-limit", "7", "--junit", junit.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&custom.stdout);
    assert!(
        stdout.contains("· maelstrom · custom: time-limit 7\n"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(r#"<property name="backend" value="maelstrom"/><property name="label" value="custom: time-limit 7"/>"#),
        "{xml}"
    );
    let glomers = |args: &[&str]| {
        let output = Command::cargo_bin("glomers")
            .unwrap()
            .args(args)
            .arg("--work-dir")
            .arg(fake.path("glomers"))
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let history = glomers(&["runs"]);
    let rows: Vec<Vec<&str>> = history
        .lines()
        .map(|l| l.split_whitespace().take(5).collect())
        .collect();
    assert_eq!(
        rows[0],
        ["run", "id", "backend", "profile", "wall"],
        "{history}"
    );
    let columns: Vec<(&str, &str)> = rows[1..].iter().map(|r| (r[2], r[3])).collect();
    assert_eq!(
        columns,
        [
            ("maelstrom", "official"),
            ("maelstrom", "quick"),
            ("maelstrom", "custom")
        ],
        "{history}"
    );
    assert!(glomers(&["show", "1"]).contains("\nprofile   custom: time-limit 7\n"));
    let ids: Vec<String> = history
        .lines()
        .skip(1)
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    let unlike = glomers(&["compare", &ids[0], &ids[1]]);
    assert_eq!(
        unlike.lines().next(),
        Some(
            "warning: the runs differ in profile (official / quick), parameters (time-limit 10 / time-limit 5)"
        ),
        "{unlike}"
    );
    assert!(
        unlike
            .lines()
            .any(|l| l.starts_with("verdict") && l.matches("PASS").count() == 2),
        "{unlike}"
    );
    let alike = glomers(&["compare", &ids[0], &ids[0]]);
    assert!(!alike.contains("warning"), "{alike}");
}

#[test]
fn the_short_recovery_is_refused_on_real_maelstrom() {
    let fake = Fake::new();
    fake.glomers("echo-valid", &["1", "--quick", "--recovery-wait", "2"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--recovery-wait is a simulator-only option",
        ));
    assert!(!fake.path("out/argv").exists(), "the backend never started");
}

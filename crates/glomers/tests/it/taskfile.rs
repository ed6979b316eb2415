//! The Taskfile is a thin wrapper: every task must delegate to a real
//! `glomers` subcommand (with a real challenge id) or to a real node binary's
//! tests, so it cannot drift from the CLI without this test failing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `cmds` lines of the Taskfile, without the YAML list marker and quotes.
fn commands() -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join("Taskfile.yml")).expect("Taskfile.yml");
    text.lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix("- "))
        .map(|cmd| cmd.trim_matches('"').to_string())
        .collect()
}

fn challenge_ids() -> Vec<String> {
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .arg("list")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next().map(String::from))
        .collect()
}

#[test]
fn every_task_delegates_to_something_that_exists() {
    let ids = challenge_ids();
    let commands = commands();
    assert!(
        commands.len() >= 30,
        "expected run-* and test-* tasks for every challenge"
    );
    for cmd in &commands {
        if let Some(rest) = cmd.strip_prefix("{{.GLOMERS}}") {
            let words: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| !w.starts_with("{{"))
                .collect();
            if let Some(&subcommand) = words.first() {
                Command::cargo_bin("glomers")
                    .unwrap()
                    .args([subcommand, "--help"])
                    .assert()
                    .success();
            }
            if words.first() == Some(&"run") {
                for arg in words[1..].iter().filter(|w| !w.starts_with('-')) {
                    let known = ids
                        .iter()
                        .any(|id| id == arg || id.starts_with(&format!("{arg}-")));
                    assert!(known, "task `{cmd}` names unknown challenge `{arg}`");
                }
            }
        } else if let Some(bin) = cmd.strip_prefix("cargo test -p nodes --bin ") {
            let source = workspace().join("nodes/src/bin").join(format!("{bin}.rs"));
            assert!(
                source.exists(),
                "task `{cmd}` names a node binary without {}",
                source.display()
            );
        } else {
            assert!(
                cmd.starts_with("cargo "),
                "task command `{cmd}` is neither glomers nor cargo"
            );
        }
    }
}

#[test]
fn every_challenge_has_a_run_task() {
    let commands = commands();
    for id in challenge_ids() {
        // 6b's two official runs share one task, `glomers run 6b`.
        let id = id
            .strip_suffix("-i")
            .or(id.strip_suffix("-ii"))
            .unwrap_or(&id)
            .to_string();
        let wanted = format!("{{{{.GLOMERS}}}} run {id} ");
        assert!(
            commands.iter().any(|c| c.starts_with(&wanted)),
            "no task runs challenge {id}"
        );
    }
}

//! The commands that need no backend run: help, list, completions, and the
//! `maelstrom` pass-through's exit codes.

use assert_cmd::Command;
use predicates::str::contains;

#[test]
fn no_arguments_prints_help() {
    Command::cargo_bin("glomers")
        .unwrap()
        .assert()
        .success()
        .stdout(contains("Usage: glomers"));
}

#[test]
fn list_shows_every_challenge_with_its_official_command() {
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .arg("list")
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for id in ["1", "2", "3a", "3e", "4-seqkv", "5c", "6b-ii", "6c"] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} missing:\n{text}"
        );
    }
    assert!(
        text.contains("msgs/op < 30, median < 400 ms, max < 600 ms"),
        "{text}"
    );
    assert!(
        text.contains("–-nemesis"),
        "the 6c en-dash quirk stays visible"
    );
}

#[test]
fn completions_are_generated_from_the_flags() {
    Command::cargo_bin("glomers")
        .unwrap()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(contains("--time-limit"));
}

#[test]
fn maelstrom_passes_arguments_and_exit_code_through() {
    let dir = tempfile::tempdir().unwrap();
    // Maelstrom's usage error: no --bin, exit 254.
    Command::cargo_bin("glomers")
        .unwrap()
        .current_dir(dir.path())
        .args(["maelstrom", "test", "-w", "echo", "--node-count", "1"])
        .assert()
        .code(254)
        .stdout(contains("Expected a --bin PATH_TO_BINARY to test"));
}

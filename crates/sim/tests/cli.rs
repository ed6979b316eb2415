//! Command-line behaviour of `glomers-sim`: validation messages and exit codes.

mod common;
use common::{node, sim};

#[test]
fn bad_arguments_exit_254_with_maelstroms_messages() {
    let run = sim(&["test", "-w", "foo", "--bin", "x", "--rate", "-1", "--foo"]);
    assert_eq!(run.code, 254);
    assert!(
        run.stdout.contains("Unknown option: \"--foo\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Failed to validate \"--rate -1\": Can't be negative")
    );
    assert!(
        run.stdout
            .contains("Failed to validate \"--workload foo\": Must be one of broadcast, echo")
    );

    let run = sim(&["test", "-w", "echo"]);
    assert_eq!(run.code, 254);
    assert_eq!(run.stdout.trim(), "Expected a --bin PATH_TO_BINARY to test");

    let run = sim(&["frobnicate"]);
    assert_eq!(run.code, 254);
    assert!(
        run.stdout
            .contains("Commands: analyze, demo, doc, serve, test")
    );
    assert!(
        !run.dir.path().join("store").exists(),
        "no store for rejected arguments"
    );
}

#[test]
fn help_lists_the_extras_and_exits_0() {
    let run = sim(&["test", "--help"]);
    assert_eq!(run.code, 0);
    for option in [
        "--seed",
        "--recovery-wait",
        "--nemesis-interval",
        "--consistency-models",
    ] {
        assert!(run.stdout.contains(option), "help lacks {option}");
    }
}

#[test]
fn missing_binary_exits_255_naming_the_node() {
    let run = sim(&[
        "test",
        "-w",
        "echo",
        "--bin",
        "./no-such-node",
        "--node-count",
        "1",
        "--time-limit",
        "1",
    ]);
    assert_eq!(run.code, 255);
    assert!(
        run.stdout.contains("Couldn't start node n0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Oh jeez, I'm sorry, Jepsen broke. Here's why:")
    );
}

#[test]
fn en_dash_option_is_passed_to_nodes_as_arguments() {
    let bin = node("echo.py");
    let run = sim(&[
        "test",
        "-w",
        "echo",
        "--bin",
        &bin,
        "--node-count",
        "1",
        "--time-limit",
        "1",
        "–-nemesis",
        "partition",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let log = std::fs::read_to_string(run.latest("echo").join("node-logs/n0.log")).unwrap();
    assert!(
        log.contains(r#"argv: ["\u2013-nemesis", "partition"]"#),
        "{log}"
    );
    let history = std::fs::read_to_string(run.latest("echo").join("history.edn")).unwrap();
    assert!(
        !history.contains(":nemesis"),
        "no partition may be injected"
    );
}

#[test]
fn test_count_runs_the_test_repeatedly_in_separate_directories() {
    let bin = node("echo.py");
    let run = sim(&[
        "test",
        "-w",
        "echo",
        "--bin",
        &bin,
        "--node-count",
        "1",
        "--time-limit",
        "1",
        "--test-count",
        "2",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let runs = std::fs::read_dir(run.dir.path().join("store/echo"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != "latest")
        .count();
    assert_eq!(runs, 2);
    assert_eq!(run.stdout.matches("Everything looks good!").count(), 2);
}

//! echo end to end, with a correct node and with deliberately broken ones.

mod common;
use common::{alive, node, sim};

const VALID: &str = "Everything looks good! ヽ(‘ー`)ノ";
const INVALID: &str = "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻";

fn echo(bin: &str, time_limit: &str) -> common::Run {
    let bin = node(bin);
    sim(&[
        "test",
        "-w",
        "echo",
        "--bin",
        &bin,
        "--node-count",
        "1",
        "--time-limit",
        time_limit,
        "--rate",
        "5",
    ])
}

#[test]
fn valid_echo_writes_maelstroms_store_and_verdict() {
    let run = echo("echo.py", "2");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with(VALID));
    assert!(
        !run.stdout.contains("closed its STDOUT"),
        "teardown is not a node closing its output"
    );
    let store = run.dir.path().join("store");
    let current = std::fs::read_link(store.join("current")).unwrap();
    assert!(
        current.starts_with("echo") && current.is_relative(),
        "{current:?}"
    );
    assert_eq!(std::fs::read_link(store.join("latest")).unwrap(), current);
    let time = current.file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(
        std::fs::read_link(store.join("echo/latest"))
            .unwrap()
            .to_str(),
        Some(time.as_str())
    );
    assert!(time.len() >= 20 && time.as_bytes()[8] == b'T', "{time}");
    let dir = run.latest("echo");
    for file in [
        "jepsen.log",
        "history.edn",
        "history.txt",
        "results.edn",
        "messages.svg",
        "node-logs/n0.log",
    ] {
        assert!(dir.join(file).exists(), "missing {file}");
    }
    let diagram = std::fs::read_to_string(dir.join("messages.svg")).unwrap();
    assert!(diagram.starts_with("<svg") && diagram.contains(r#">echo {&quot;echo&quot;:"#));
    let results = run.results("echo");
    let keys: Vec<String> = results
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, _)| k.as_keyword().unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "perf",
            "timeline",
            "exceptions",
            "stats",
            "availability",
            "net",
            "workload",
            "valid?"
        ]
    );
    let ops = results
        .path(&["stats", "ok-count"])
        .and_then(edn::Value::as_i64)
        .unwrap();
    assert!(ops >= 3, "about 5 echoes per second: {ops}");
    // Every op is one request and one reply; plus init and init_ok.
    let sent = results
        .path(&["net", "all", "send-count"])
        .and_then(edn::Value::as_i64)
        .unwrap();
    assert_eq!(sent, 2 * ops + 2);
    let history = std::fs::read_to_string(dir.join("history.txt")).unwrap();
    assert!(
        history
            .lines()
            .next()
            .unwrap()
            .starts_with("0\t:invoke\t:echo\t\"Please echo ")
    );
    assert!(
        run.stdout
            .contains("jepsen worker 0 - jepsen.util 0\t:invoke\t:echo\t\"Please echo ")
    );
}

#[test]
fn wrong_echo_is_invalid() {
    let run = echo("echo_wrong.py", "2");
    assert_eq!(run.code, 1);
    assert!(run.stdout.trim_end().ends_with(INVALID));
    let results = run.results("echo");
    assert_eq!(
        results.path(&["workload", "valid?"]),
        Some(&edn::Value::Bool(false))
    );
}

#[test]
fn garbage_on_stdout_silences_the_node_and_names_it() {
    let run = echo("echo_garbage.py", "3");
    assert!(run.stdout.contains("Node n0 printed a line to STDOUT which was not well-formed JSON:\ndebug: three echoes served"), "{}", run.stdout);
    let history = std::fs::read_to_string(run.latest("echo").join("history.txt")).unwrap();
    assert!(history.contains(":info\t:echo"), "later echoes time out");
    // :info echoes are not checked, so the run stays valid, as in Maelstrom.
    assert_eq!(run.code, 0);
}

#[test]
fn crashed_node_exits_255_after_writing_the_history() {
    let run = echo("echo_crash.py", "3");
    assert_eq!(run.code, 255, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Node n0 crashed with exit status 1. Before crashing, it wrote to STDOUT:")
    );
    assert!(
        run.stdout
            .contains("And to STDERR:\n\nargv: []\ncrashing after 5 echoes")
    );
    assert!(
        run.stdout
            .contains("Full STDERR logs are available in store/echo/")
    );
    let dir = run.latest("echo");
    assert!(dir.join("history.edn").exists());
    assert!(!dir.join("results.edn").exists());
    assert!(
        !dir.join("messages.svg").exists(),
        "drawn during analysis only"
    );
}

#[test]
fn node_that_never_answers_init_aborts_the_test() {
    let run = echo("echo_no_init.py", "1");
    assert_eq!(run.code, 255);
    assert!(
        run.stdout
            .contains("Expected node n0 to respond to an init message, but node did not respond.")
    );
}

#[test]
fn hung_node_and_its_children_are_killed() {
    let run = echo("echo_hang.py", "1");
    // No echo ever succeeds, so :stats is invalid.
    assert_eq!(run.code, 1, "{}", run.stdout);
    let log = std::fs::read_to_string(run.latest("echo").join("node-logs/n0.log")).unwrap();
    let pids: Vec<u32> = log
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "pid")
        .filter_map(|w| w[1].parse().ok())
        .collect();
    assert_eq!(pids.len(), 2, "{log}");
    for pid in pids {
        assert!(!alive(pid), "process {pid} survived the run");
    }
}

#[test]
fn flooding_node_is_silenced_and_the_run_ends() {
    let started = std::time::Instant::now();
    let run = echo("echo_flood.py", "1");
    assert!(
        run.stdout
            .contains("Node n0 printed a line to STDOUT which was not well-formed JSON")
    );
    assert_eq!(run.code, 1);
    assert!(started.elapsed().as_secs() < 15);
}

#[test]
fn late_reply_to_a_retired_client_silences_the_node() {
    let run = echo("echo_late.py", "6");
    assert!(
        run.stdout
            .contains("Node n0 tried to send a message via STDOUT, but: Invalid dest for message"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"dest\":\"c2\""),
        "the retired client is named"
    );
    let history = std::fs::read_to_string(run.latest("echo").join("history.txt")).unwrap();
    assert!(
        history
            .lines()
            .next_back()
            .is_some_and(|l| l.contains(":info")),
        "ops after the late reply time out"
    );
}

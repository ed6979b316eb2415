use super::*;

#[test]
fn phases_and_ops_from_maelstrom_console_lines() {
    let mut t = ConsoleTracker::new(Duration::from_secs(10));
    assert_eq!(t.phase(), Phase::Starting);
    assert_eq!(t.observe("INFO [2024-03-07 14:15:03,207] jepsen test runner - jepsen.core Running test with 1 node"), Some(Phase::Running));
    for line in [
        "INFO [..] jepsen worker 0 - jepsen.util 0\t:invoke\t:echo\t\"Please echo 1\"",
        "INFO [..] jepsen worker 0 - jepsen.util 0\t:ok\t:echo\t{:type \"echo_ok\"}",
        "INFO [..] jepsen worker 1 - jepsen.util 11\t:invoke\t:read\tnil",
        "INFO [..] jepsen worker 1 - jepsen.util 11\t:info\t:read\tnil\t:net-timeout",
        "INFO [..] jepsen worker 2 - jepsen.util 2\t:fail\t:send\t[\"0\" 1]",
        "INFO [..] jepsen nemesis - jepsen.util :nemesis\t:info\t:start-partition\t:majority",
    ] {
        assert_eq!(t.observe(line), None);
    }
    let p = t.progress();
    assert_eq!(
        (p.ops_invoked, p.ops_ok, p.ops_fail, p.ops_info),
        (2, 1, 1, 1)
    );
    assert_eq!(
        t.observe("INFO [..] jepsen.generator.interpreter Waiting for recovery..."),
        Some(Phase::Recovery)
    );
    assert_eq!(
        t.observe("INFO [..] jepsen test runner - jepsen.core Analyzing..."),
        Some(Phase::Analysing)
    );
    assert_eq!(
        t.observe("Running test again?"),
        None,
        "phases never go back"
    );
    assert_eq!(t.finish(), Phase::Done);
    assert_eq!(t.seed(), None, "real Maelstrom names no seed");
}

#[test]
fn the_simulator_names_its_seed_on_the_running_line() {
    let mut t = ConsoleTracker::new(Duration::from_secs(5));
    t.observe("INFO [2026-12-03 07:40:00,000] jepsen test runner - jepsen.core Running test with 3 nodes [\"n0\" \"n1\" \"n2\"], seed 18446744073709551615, in store/broadcast/x");
    assert_eq!(t.seed(), Some(u64::MAX));
    t.observe("INFO [..] jepsen worker 0 - jepsen.util 0\t:invoke\t:broadcast\t7 seed 3");
    assert_eq!(t.seed(), Some(u64::MAX), "only the running line counts");
}

/// Real Maelstrom's report of a node printing a non-JSON line.
const GARBAGE_CONSOLE: &str = include_str!("../../../testdata/maelstrom/echo-garbage/console.txt");

fn warnings_of(console: &str) -> Vec<NodeWarning> {
    let mut t = ConsoleTracker::new(Duration::from_secs(5));
    console.lines().for_each(|line| {
        t.observe(line);
    });
    t.warnings().to_vec()
}

#[test]
fn maelstrom_not_json_report_becomes_one_warning_with_the_offending_line() {
    assert_eq!(
            warnings_of(GARBAGE_CONSOLE),
            [NodeWarning {
                node: "n0".into(),
                kind: WarningKind::NotJson,
                message: "n0 printed a line to STDOUT which was not well-formed JSON: debug: three echoes served, all good here".into(),
            }]
        );
}

/// The simulator's records, as `crates/sim/src/process.rs` prints them.
const SIM_CONSOLE: &str = "\
INFO [2026-11-25 16:45:37,000] jepsen test runner - jepsen.core Running test with 3 nodes
WARN [2026-11-25 16:45:37,479] n1 stdout - maelstrom.process Error!
Malformed network message. Node n1 tried to send the following message via STDOUT:

{\"src\":\"n1\",\"body\":{}}

This is malformed because:

{:dest missing-required-key}

See doc/protocol.md for more guidance.
Maelstrom will ignore all further STDOUT output from node n1 for the rest of this test.
WARN [2026-11-25 16:45:37,480] n2 stdout - maelstrom.process Error!
Node n2 tried to send a message via STDOUT, but: Invalid dest for message {:src \"n2\", :dest \"n9\"}
Maelstrom will ignore all further STDOUT output from node n2 for the rest of this test.
WARN [2026-11-25 16:45:37,481] n0 stdout - maelstrom.process Node n0 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out.
WARN [2026-11-25 16:45:37,482] n0 stdout - maelstrom.process Node n0 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out.
INFO [2026-11-25 16:45:38,000] jepsen worker 0 - jepsen.util 0\t:info\t:echo\t\"Please echo 22\"\t:net-timeout
";

#[test]
fn simulator_records_become_one_warning_per_node_and_kind() {
    let got: Vec<(String, WarningKind, String)> = warnings_of(SIM_CONSOLE)
        .into_iter()
        .map(|w| (w.node, w.kind, w.message))
        .collect();
    let want = [
            ("n1", WarningKind::Malformed, "Malformed network message. Node n1 tried to send the following message via STDOUT: {\"src\":\"n1\",\"body\":{}}"),
            ("n2", WarningKind::SendRejected, "n2 tried to send a message via STDOUT, but: Invalid dest for message {:src \"n2\", :dest \"n9\"}"),
            ("n0", WarningKind::ClosedStdout, "n0 closed its STDOUT: nothing it sends can arrive any more, so its requests will time out."),
        ]
        .map(|(n, k, m)| (n.to_string(), k, m.to_string()));
    assert_eq!(got, want);
}

/// Maelstrom 0.2.4's record of a send to an unregistered id: the `Error!`
/// header and the assertion line as real Maelstrom printed them (quoted
/// in issue 18), with its stack-trace lines after.
fn maelstrom_invalid_dest(src: &str, dest: &str) -> String {
    format!(
        "WARN [2026-11-30 10:12:41,553] {src} stdout - maelstrom.process Error!\n\
             java.lang.AssertionError: Assert failed: Invalid dest for message \
             #maelstrom.net.message.Message{{:id 16145, :src \"{src}\", :dest \"{dest}\", :body {{:type \"gossip\", :msg_id 812}}}}\n\
             (get (clojure.core/deref queues) dest)\n\
             \tat maelstrom.net$validate_msg.invokeStatic(net.clj:93)\n"
    )
}

#[test]
fn maelstrom_invalid_dest_assertion_is_a_send_rejected_warning_of_the_sender() {
    let console = format!(
        "INFO [..] jepsen test runner - jepsen.core Running test with 25 nodes\n{}",
        maelstrom_invalid_dest("n9", "c31")
    );
    assert_eq!(
        warnings_of(&console),
        [NodeWarning {
            node: "n9".into(),
            kind: WarningKind::SendRejected,
            message: cut(
                "n9: Assert failed: Invalid dest for message #maelstrom.net.message.Message{:id 16145, :src \"n9\", :dest \"c31\", :body {:type \"gossip\", :msg_id 812}}"
            ),
        }]
    );
}

#[test]
fn sends_to_nodes_already_torn_down_are_not_the_senders_fault_on_either_backend() {
    let teardown = "\
INFO [2026-11-30 10:12:41,500] jepsen test runner - jepsen.db Tearing down DB
INFO [2026-11-30 10:12:41,501] jepsen test runner - jepsen.core Run complete, writing
INFO [2026-11-30 10:12:41,540] jepsen node n7 - maelstrom.db Tearing down n7
";
    let sim_late = "WARN [..] n3 stdout - maelstrom.process Error!\n\
            Node n3 tried to send a message via STDOUT, but: Invalid dest for message \
            {\"id\":9,\"src\":\"n3\",\"dest\":\"n7\",\"body\":{}}: n7 is not a registered node, client or service\n";
    let console = format!(
        "{}{teardown}{}{sim_late}{}",
        maelstrom_invalid_dest("n2", "n7"),
        maelstrom_invalid_dest("n9", "n7"),
        maelstrom_invalid_dest("n4", "c12"),
    );
    let warned: Vec<(String, WarningKind)> = warnings_of(&console)
        .into_iter()
        .map(|w| (w.node, w.kind))
        .collect();
    assert_eq!(
        warned,
        [
            ("n2".to_string(), WarningKind::SendRejected),
            ("n4".to_string(), WarningKind::SendRejected),
        ],
        "before teardown, and to an id teardown did not remove, it is a warning"
    );
}

#[test]
fn long_lines_are_cut_and_echoed_output_is_not_a_warning() {
    let head = "x".repeat(300);
    let console = format!(
        "WARN [..] n3 stdout - maelstrom.process Error!\n\
             Node n3 printed a line to STDOUT longer than 1048576 bytes, starting: {head}\n\
             Ignoring all further output from n3.\n\
             WARN [..] n4 stdout - maelstrom.process Error!\n\
             clojure.lang.ExceptionInfo: Node n4 printed a line to STDOUT which was not well-formed JSON:\n\
             Node n5 closed its STDOUT\n\
             Node n6 closed its STDOUT, said a log line that is no WARN\n\
             WARN [..] n7 stdout - maelstrom.process Error!\n\
             Node n7 printed a line to STDOUT which was not well-formed JSON:\n\
             \x1b[2Jcleared\tscreen\n"
    );
    let warnings = warnings_of(&console);
    let nodes: Vec<&str> = warnings.iter().map(|w| w.node.as_str()).collect();
    assert_eq!(nodes, ["n3", "n4", "n7"], "{warnings:?}");
    let long = &warnings[0];
    assert_eq!(long.kind, WarningKind::LineTooLong);
    assert_eq!(long.message.chars().count(), WARNING_CHARS);
    assert!(
        long.message
            .starts_with("n3 printed a line to STDOUT longer than 1048576 bytes, starting: xxx")
            && long.message.ends_with("x…"),
        "{}",
        long.message
    );
    assert_eq!(
        warnings[1].message,
        "n4 printed a line to STDOUT which was not well-formed JSON: Node n5 closed its STDOUT"
    );
    assert_eq!(
        warnings[2].message,
        "n7 printed a line to STDOUT which was not well-formed JSON:  [2Jcleared screen"
    );
}

#[test]
fn cut_keeps_exactly_the_limit_and_marks_anything_longer() {
    let exact = "é".repeat(WARNING_CHARS);
    assert_eq!(cut(&exact), exact);
    let over = format!("{exact}x");
    assert_eq!(cut(&over), format!("{}…", "é".repeat(WARNING_CHARS - 1)));
}

#[test]
fn warnings_are_bounded() {
    let console: String = (0..MAX_WARNINGS + 5)
        .map(|i| format!("WARN [..] - maelstrom.process Node n{i} closed its STDOUT: gone.\n"))
        .collect();
    let warnings = warnings_of(&console);
    assert_eq!(warnings.len(), MAX_WARNINGS);
    assert_eq!(
        warnings.last().unwrap().node,
        format!("n{}", MAX_WARNINGS - 1)
    );
}

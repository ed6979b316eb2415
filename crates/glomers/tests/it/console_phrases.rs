//! The node-warning phrases the runner reads (`runner::event::WARNING_PHRASES`)
//! against the simulator that prints them. Neither crate imports the other, so
//! only running the simulator can show that they still agree: one short run
//! of `glomers maelstrom test` in which each node misbehaves in the way that
//! provokes one kind of warning. Every warning the simulator prints must be
//! classified as the kind its node provoked, and every kind must turn up, so a
//! changed phrase on either side fails here.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use assert_cmd::Command;
use runner::event::{ConsoleTracker, WARNING_PHRASES, WarningKind};

/// What a node does, right after answering `init`, to earn `kind`
/// (Python, with `me` the node's id and `out` its stdout). The match is
/// exhaustive, so a new kind cannot be added without a way to provoke it.
fn misbehaviour(kind: WarningKind) -> &'static str {
    match kind {
        WarningKind::NotJson => "out.write('this line is not JSON\\n')",
        WarningKind::Malformed => "out.write(json.dumps({'src': me, 'body': {}}) + '\\n')",
        WarningKind::SendRejected => {
            "out.write(json.dumps({'src': me, 'dest': 'n99', 'body': {'type': 'gossip'}}) + '\\n')"
        }
        // The simulator's limit is 64 MiB.
        WarningKind::LineTooLong => "out.write('x' * (65 << 20) + '\\n')",
        WarningKind::ClosedStdout => "out.flush(); os.close(1)",
    }
}

/// A node that answers `init`, misbehaves as its id says (`n<i>` does what
/// the i-th entry of `kinds` asks), then stays alive, reading, until killed.
fn node_script(kinds: &[WarningKind]) -> String {
    let mut script = String::from(
        "#!/usr/bin/env python3
import json, os, sys
out = sys.stdout
init = json.loads(sys.stdin.readline())
me = init['body']['node_id']
reply = {'type': 'init_ok', 'in_reply_to': init['body']['msg_id']}
out.write(json.dumps({'src': me, 'dest': init['src'], 'body': reply}) + '\\n')
out.flush()
",
    );
    for (i, kind) in kinds.iter().enumerate() {
        script.push_str(&format!("if me == 'n{i}':\n    {}\n", misbehaviour(*kind)));
    }
    script.push_str(
        "try:
    out.flush()
except (OSError, ValueError):
    pass
for _ in sys.stdin:
    pass
",
    );
    script
}

/// One node warning as the simulator printed it: the node its stdout thread
/// names, and the record's lines (an `Error!` header and the cause under it,
/// or a single line).
struct Record {
    node: String,
    lines: Vec<String>,
}

/// The simulator's node warnings: `WARN` records of `maelstrom.process`
/// from a `<node> stdout` thread, read without the runner's rules.
fn node_warning_records(console: &str) -> Vec<Record> {
    let lines: Vec<&str> = console.lines().collect();
    let mut records = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("WARN [") else {
            continue;
        };
        let Some((thread, message)) = rest
            .split_once("] ")
            .and_then(|(_, rest)| rest.split_once(" - maelstrom.process "))
        else {
            continue;
        };
        let Some(node) = thread.strip_suffix(" stdout") else {
            continue;
        };
        let mut record = vec![line.to_string()];
        if message.trim_end() == "Error!" {
            record.extend(lines.get(i + 1).map(|cause| cause.to_string()));
        }
        records.push(Record {
            node: node.to_string(),
            lines: record,
        });
    }
    records
}

#[test]
fn every_warning_the_simulator_prints_is_classified_by_the_runners_phrases() {
    let kinds: Vec<WarningKind> = WARNING_PHRASES.iter().map(|&(_, kind)| kind).collect();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("misbehaving-node");
    std::fs::write(&script, node_script(&kinds)).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let node_count = kinds.len().to_string();
    let output = Command::cargo_bin("glomers")
        .unwrap()
        .current_dir(dir.path())
        .args(["maelstrom", "test", "-w", "echo", "--bin"])
        .arg(&script)
        .args(["--node-count", &node_count, "--rate", "0"])
        .args(["--time-limit", "3", "--recovery-wait", "0"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&output.stdout);
    let records = node_warning_records(&console);

    let mut provoked = BTreeSet::new();
    for record in &records {
        let i: usize = record
            .node
            .strip_prefix('n')
            .and_then(|i| i.parse().ok())
            .unwrap_or_else(|| panic!("unexpected node {:?}", record.node));
        let expected = kinds[i];
        let mut tracker = ConsoleTracker::new(Duration::from_secs(1));
        for line in &record.lines {
            tracker.observe(line);
        }
        let classified: Vec<(&str, WarningKind)> = tracker
            .warnings()
            .iter()
            .map(|w| (w.node.as_str(), w.kind))
            .collect();
        assert_eq!(
            classified,
            [(record.node.as_str(), expected)],
            "the runner misreads this simulator warning:\n{}",
            record.lines.join("\n")
        );
        provoked.insert(format!("{expected:?}"));
    }
    let every_kind: BTreeSet<String> = kinds.iter().map(|k| format!("{k:?}")).collect();
    assert_eq!(
        provoked, every_kind,
        "some kinds were never printed; console:\n{console}"
    );
}

//! `glomers explain` on simulator runs of small Python nodes written for
//! one fault each: a node that gossips once under partitions, one that skips
//! a peer (values Maelstrom counts stable but a last read lacks), a wrong
//! echo, and echo nodes that break the protocol in each way Maelstrom names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use edn::Value;
use serde_json::Value as Json;

use super::{explain_json, explain_text, findings, results, sim_any, sim_run};

/// Gossips each value once, with no retry: a partition loses values for good.
/// The node that wrote the `testdata/sim/broadcast-partition-store` fixture.
const GOSSIP_ONCE: &str =
    include_str!("../../../../../testdata/sim/broadcast-partition-store/gossip_once.py");

#[test]
fn values_dropped_by_a_partition_say_so_with_the_dropped_messages() {
    let dir = tempfile::tempdir().unwrap();
    let node = script(dir.path(), "gossip_once.py", GOSSIP_ONCE);
    let args = "--node-count 5 --time-limit 4 --rate 20 --nemesis partition --nemesis-interval 1 --recovery-wait 1 --seed 3";
    let store = sim_run(dir.path(), "broadcast", &node, args);
    let doc = explain_json(&store);
    let lost = findings(&doc, "lost-value");
    let dropped: Vec<&&Json> = lost
        .iter()
        .filter(|f| {
            f["summary"]
                .as_str()
                .unwrap()
                .contains("all dropped by the partition")
        })
        .collect();
    assert!(!dropped.is_empty(), "{doc:#}");
    for f in dropped {
        let messages = f["messages"].as_array().unwrap();
        let fates: BTreeSet<&str> = messages
            .iter()
            .map(|m| m["fate"].as_str().unwrap())
            .collect();
        assert!(fates.contains("dropped"), "{f}");
        // Each dropped gossip went from the acknowledging node, across a
        // partition the finding names: the receiver's grudge holds the sender.
        for m in messages.iter().filter(|m| m["fate"] == "dropped") {
            assert_eq!(
                (m["src"].clone(), m["type"].as_str()),
                (f["nodes"][0].clone(), Some("gossip")),
                "{f}"
            );
            let sent = m["time_ms"].as_f64().unwrap();
            let cut_by = f["partitions"].as_array().unwrap().iter().find(|p| {
                p["start_ms"].as_f64().unwrap() <= sent
                    && p["end_ms"].as_f64().is_none_or(|end| sent < end)
            });
            let grudge = &cut_by.unwrap_or_else(|| panic!("no partition at {sent}: {f}"))["grudge"]
                [m["dest"].as_str().unwrap()];
            assert!(
                grudge.as_array().unwrap().contains(&m["src"]),
                "{grudge} {m}"
            );
        }
    }
}

/// Echoes the wrong text.
const WRONG_ECHO: &str = r#"#!/usr/bin/env python3
import json, sys
for line in sys.stdin:
    m = json.loads(line); b = m["body"]
    reply = {"in_reply_to": b["msg_id"]}
    if b["type"] == "init":
        reply["type"] = "init_ok"
    else:
        reply.update(type="echo_ok", echo="something else")
    print(json.dumps({"src": m["dest"], "dest": m["src"], "body": reply}), flush=True)
"#;

#[test]
fn wrong_echo_names_request_and_reply() {
    let dir = tempfile::tempdir().unwrap();
    let node = script(dir.path(), "echo_wrong.py", WRONG_ECHO);
    let store = sim_run(dir.path(), "echo", &node, "--node-count 1 --time-limit 2");
    let doc = explain_json(&store);
    let found = findings(&doc, "echo-mismatch");
    let errors = results(&store)
        .path(&["workload", "errors"])
        .and_then(Value::as_seq)
        .unwrap()
        .len();
    assert_eq!(found.len(), errors);
    let history = std::fs::read_to_string(store.join("history.edn")).unwrap();
    let lines: Vec<&str> = history.lines().collect();
    for f in found {
        let [invoke, done] = f["ops"].as_array().unwrap().as_slice() else {
            panic!("{f}")
        };
        let invoke = edn::parse(lines[invoke.as_u64().unwrap() as usize]).unwrap();
        let done = edn::parse(lines[done.as_u64().unwrap() as usize]).unwrap();
        assert_eq!(
            invoke.get_kw("type").and_then(Value::as_keyword),
            Some("invoke")
        );
        assert_eq!(
            Json::from(invoke.get_kw("value").unwrap().as_str().unwrap()),
            f["values"][0]
        );
        assert_eq!(
            done.path(&["value", "echo"]).and_then(Value::as_str),
            Some("something else")
        );
        assert!(
            f["summary"]
                .as_str()
                .unwrap()
                .ends_with("whose echo is \"something else\""),
            "{f}"
        );
    }
}

/// Gossips every value to all peers but the next node in `node_ids`: each
/// value misses exactly one node for good.
const SKIP_NEXT: &str = r#"#!/usr/bin/env python3
import json, sys
node, peers, seen = None, [], set()
def send(dest, body):
    print(json.dumps({"src": node, "dest": dest, "body": body}), flush=True)
for line in sys.stdin:
    m = json.loads(line); b = m["body"]; t = b["type"]
    if t == "init":
        node = b["node_id"]; ids = b["node_ids"]
        skip = ids[(ids.index(node) + 1) % len(ids)]
        peers = [n for n in ids if n not in (node, skip)]
        send(m["src"], {"type": "init_ok", "in_reply_to": b["msg_id"]})
    elif t == "topology":
        send(m["src"], {"type": "topology_ok", "in_reply_to": b["msg_id"]})
    elif t == "broadcast":
        if b["message"] not in seen:
            seen.add(b["message"])
            for p in peers:
                send(p, {"type": "gossip", "message": b["message"]})
        send(m["src"], {"type": "broadcast_ok", "in_reply_to": b["msg_id"]})
    elif t == "gossip":
        seen.add(b["message"])
    elif t == "read":
        send(m["src"], {"type": "read_ok", "messages": sorted(seen), "in_reply_to": b["msg_id"]})
"#;

/// Write `text` to `dir/name` as an executable.
fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let node = dir.join(name);
    std::fs::write(&node, text).unwrap();
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o755)).unwrap();
    node
}

/// Values acknowledged before some node's last read was invoked and absent from it,
/// computed straight from `history.edn`: node → values.
fn absent_from_last_reads(store: &Path, nodes: i64) -> BTreeSet<(String, i64)> {
    let history: Vec<Value> = std::fs::read_to_string(store.join("history.edn"))
        .unwrap()
        .lines()
        .map(|l| edn::parse(l).unwrap())
        .collect();
    let kw = |op: &Value, k: &str| op.get_kw(k).and_then(Value::as_keyword).map(str::to_string);
    let process = |op: &Value| op.get_kw("process").and_then(Value::as_i64);
    let mut out = BTreeSet::new();
    for n in 0..nodes {
        let Some(last) = history.iter().rposition(|op| {
            kw(op, "type").as_deref() == Some("ok")
                && kw(op, "f").as_deref() == Some("read")
                && process(op).is_some_and(|p| p % nodes == n)
        }) else {
            continue;
        };
        let invoked = history[..last]
            .iter()
            .rposition(|op| process(op) == process(&history[last]))
            .unwrap();
        let held: BTreeSet<i64> = history[last]
            .get_kw("value")
            .and_then(Value::as_seq)
            .unwrap()
            .iter()
            .filter_map(Value::as_i64)
            .collect();
        for op in &history[..invoked] {
            if kw(op, "type").as_deref() == Some("ok")
                && kw(op, "f").as_deref() == Some("broadcast")
            {
                let v = op.get_kw("value").and_then(Value::as_i64).unwrap();
                if !held.contains(&v) {
                    out.insert((format!("n{n}"), v));
                }
            }
        }
    }
    out
}

#[test]
fn values_stable_for_maelstrom_but_absent_from_a_last_read_are_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    let node = script(dir.path(), "skip_next.py", SKIP_NEXT);
    let args = "--node-count 3 --time-limit 3 --rate 20 --recovery-wait 1 --seed 5";
    let store = sim_run(dir.path(), "broadcast", &node, args);
    let lost: BTreeSet<i64> = results(&store)
        .path(&["workload", "lost"])
        .and_then(Value::as_seq)
        .unwrap()
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    let want: BTreeSet<(String, i64)> = absent_from_last_reads(&store, 3)
        .into_iter()
        .filter(|(_, v)| !lost.contains(v))
        .collect();
    assert!(
        !want.is_empty(),
        "some node's last read lacks a stable value"
    );
    let doc = explain_json(&store);
    let missing = findings(&doc, "missing-value");
    let mut got = BTreeSet::new();
    for f in &missing {
        let value = f["values"][0].as_i64().unwrap();
        assert!(!lost.contains(&value), "{f}");
        let summary = f["summary"].as_str().unwrap();
        // The node missing it is the one its acknowledging node skips.
        let acked_by = f["nodes"][0].as_str().unwrap();
        let skipped = format!("n{}", (acked_by[1..].parse::<u32>().unwrap() + 1) % 3);
        assert!(
            summary.starts_with(&format!(
                "value {value}: missing from the last read of {skipped} (#"
            )),
            "{summary}"
        );
        assert!(
            summary.contains(&format!("never sent to {skipped} ")),
            "{summary}"
        );
        let absent_at = summary
            .split("missing from the last read of ")
            .nth(1)
            .and_then(|rest| rest.split(" but ").next())
            .unwrap();
        for n in ["n0", "n1", "n2"] {
            if absent_at.contains(&format!("{n} (#")) {
                got.insert((n.to_string(), value));
            }
        }
    }
    assert_eq!(got, want);
    // Lost values keep their own kind, exactly as results.edn lists them.
    let lost_found: BTreeSet<i64> = findings(&doc, "lost-value")
        .iter()
        .map(|f| f["values"][0].as_i64().unwrap())
        .collect();
    assert_eq!(lost_found, lost);
}

/// An echo node that serves two requests, then breaks the protocol the way
/// its file name says.
const MISBEHAVING_ECHO: &str = r#"#!/usr/bin/env python3
import json, os, sys
mode = os.path.basename(sys.argv[0]).split(".")[0]
node, served = None, 0
def out(text):
    sys.stdout.write(text + "\n"); sys.stdout.flush()
def send(dest, body):
    out(json.dumps({"src": node, "dest": dest, "body": body}))
for line in sys.stdin:
    m = json.loads(line); b = m["body"]
    if b["type"] == "init":
        node = b["node_id"]
        send(m["src"], {"type": "init_ok", "in_reply_to": b["msg_id"]})
        continue
    reply = {"type": "echo_ok", "echo": b["echo"], "in_reply_to": b["msg_id"]}
    if served == 2:
        if mode == "garbage":
            out("debug: two echoes served")
        elif mode == "malformed":
            out(json.dumps({"src": node, "body": reply}))
        elif mode == "unknown_dest":
            send("n9", reply)
        elif mode == "closed":
            os.close(1)
        elif mode == "crash":
            print("giving up after 2 echoes", file=sys.stderr, flush=True)
            sys.exit(3)
    if mode == "no_reply_id" and served >= 2:
        del reply["in_reply_to"]
    if mode == "malformed_reply" and served >= 2:
        reply["note"] = "not in the schema"
    served += 1
    if mode != "closed" or served <= 2:
        send(m["src"], reply)
"#;

#[test]
fn nodes_that_break_the_protocol_are_named_with_their_problem() {
    let cases = [
        (
            "garbage",
            "protocol",
            "n0 printed a line that is not JSON: `debug: two echoes served`",
        ),
        (
            "malformed",
            "protocol",
            "n0 sent a malformed message ({:dest missing-required-key}): `{\"src\": \"n0\", \"body\": {\"type\": \"echo_ok\"",
        ),
        (
            "unknown_dest",
            "protocol",
            "n0 sent a message to n9, which is not a registered node, client or service: `{",
        ),
        ("malformed_reply", "protocol", "n0 answered "),
        (
            "no_reply_id",
            "protocol",
            "n0 sent 1 reply to clients without in_reply_to (the first, echo_ok to c",
        ),
        ("closed", "protocol", "n0 closed its STDOUT"),
        (
            "crash",
            "crash",
            "n0 crashed with exit status 3: giving up after 2 echoes",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    // The runs mostly wait for timeouts: run them side by side.
    let docs: Vec<(Option<i32>, Json, PathBuf)> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|(mode, _, _)| {
                let run_dir = dir.path().join(mode);
                std::fs::create_dir(&run_dir).unwrap();
                let node = script(&run_dir, &format!("{mode}.py"), MISBEHAVING_ECHO);
                scope.spawn(move || {
                    let args = "--node-count 1 --time-limit 2 --rate 5";
                    let (code, _, store) = sim_any(&run_dir, "echo", &node, args);
                    (code, explain_json(&store), store)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for ((mode, kind, summary), (code, doc, store)) in cases.iter().zip(docs) {
        let found = findings(&doc, kind);
        assert_eq!(found.len(), 1, "{mode}: {doc:#}");
        assert_eq!(found[0]["nodes"], serde_json::json!(["n0"]), "{mode}");
        let text = found[0]["summary"].as_str().unwrap();
        assert!(text.starts_with(summary), "{mode}: {text}");
        // The problem comes first, before the timeouts it caused.
        assert_eq!(doc["findings"][0]["kind"], *kind, "{mode}");
        if *mode == "malformed_reply" {
            // Exactly the ops Maelstrom's client gave up on for the reply's shape.
            let want: BTreeSet<u64> = std::fs::read_to_string(store.join("history.edn"))
                .unwrap()
                .lines()
                .filter(|l| l.contains("Malformed RPC response"))
                .map(|l| {
                    edn::parse(l)
                        .unwrap()
                        .get_kw("index")
                        .and_then(Value::as_i64)
                        .unwrap() as u64
                })
                .collect();
            let got: BTreeSet<u64> = found[0]["ops"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_u64().unwrap())
                .collect();
            assert!(!want.is_empty());
            assert_eq!(got, want);
            assert!(text.contains("({:note disallowed-key})"), "{text}");
        }
        if *mode == "crash" {
            assert_eq!(code, Some(255), "a crashed node crashes the test");
            assert!(doc["valid"].is_null());
            let evidence =
                std::fs::read_to_string(dir.path().join("crash/store/latest/node-logs/n0.log"))
                    .unwrap();
            assert_eq!(evidence.trim(), "giving up after 2 echoes");
            assert_eq!(
                explain_text(&dir.path().join("crash/store/latest"))
                    .lines()
                    .filter(|l| l.trim() == "n0.log: giving up after 2 echoes")
                    .count(),
                1,
                "the crash quotes the end of n0's log"
            );
        }
    }
}

//! Any workload: nodes that broke Maelstrom's protocol or crashed, from the
//! warnings in the store's `jepsen.log` (both backends write the same
//! phrases there; a fixture that kept only the console has `console.txt`),
//! from the history (ops whose reply broke the RPC's schema) and from the
//! journal (replies to clients without `in_reply_to`). Each finding names
//! the node, the problem and the last lines of its log.
//!
//! The runner classifies the same warnings for its live view; explain keeps
//! its own reading because it depends on nothing but the store.

use std::collections::BTreeMap;

use checker::history::{Op, OpType};
use edn::Value;
use serde_json::Value as Json;

use crate::Finding;
use crate::broadcast::message_line;
use crate::journal::Traced;
use crate::store::{Run, node_order};

/// Lines of a node's log quoted under its finding.
const LOG_TAIL: usize = 5;
/// Offending messages kept per node.
const MESSAGES_KEPT: usize = 10;
/// Said of every problem after which Maelstrom reads nothing more from the node.
const SILENCED: &str = "Maelstrom ignored everything it printed after that";

/// What a node did wrong, as the backends' warnings say it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Problem {
    NotJson { line: String },
    Malformed { line: String, why: String },
    UnknownDest { dest: String, message: String },
    SendRejected { reason: String },
    LineTooLong { limit: String },
    ClosedStdout,
    Crashed { status: String, stderr: Vec<String> },
}

impl Problem {
    fn kind(&self) -> &'static str {
        match self {
            Problem::Crashed { .. } => "crash",
            _ => "protocol",
        }
    }

    fn summary(&self, node: &str, times: usize) -> String {
        let again = if times > 1 {
            format!(" ({times} times)")
        } else {
            String::new()
        };
        match self {
            Problem::NotJson { line } => format!(
                "{node} printed a line that is not JSON{again}: {}; {SILENCED}",
                quoted(line)
            ),
            Problem::Malformed { line, why } => format!(
                "{node} sent a malformed message{again} ({why}): {}; {SILENCED}",
                quoted(line)
            ),
            Problem::UnknownDest { dest, message } => format!(
                "{node} sent a message to {dest}, which is not a registered node, client or service{again}: {}; {SILENCED}",
                quoted(message)
            ),
            Problem::SendRejected { reason } => {
                format!("{node} sent a message Maelstrom refused{again}: {reason}; {SILENCED}")
            }
            Problem::LineTooLong { limit } => {
                format!("{node} printed a line longer than {limit} bytes{again}; {SILENCED}")
            }
            Problem::ClosedStdout => format!(
                "{node} closed its STDOUT: nothing it sent afterwards could arrive, so its requests timed out"
            ),
            Problem::Crashed { status, stderr } => match stderr.last() {
                Some(last) => format!("{node} crashed with exit status {status}: {last}"),
                None => format!("{node} crashed with exit status {status}"),
            },
        }
    }

    /// The offending line itself, for `values`.
    fn quote(&self) -> Option<&str> {
        match self {
            Problem::NotJson { line } | Problem::Malformed { line, .. } => Some(line),
            Problem::UnknownDest { message, .. } => Some(message),
            _ => None,
        }
    }
}

pub fn findings(run: &Run) -> Vec<Finding> {
    let mut found: BTreeMap<(String, Problem), usize> = BTreeMap::new();
    for record in warnings(&console_text(run)) {
        if let Some((node, problem)) = problem_of(&record) {
            *found.entry((node, problem)).or_default() += 1;
        }
    }
    // A crashed node's closed STDOUT follows from the crash.
    let crashed: Vec<String> = found
        .keys()
        .filter(|(_, p)| matches!(p, Problem::Crashed { .. }))
        .map(|(n, _)| n.clone())
        .collect();
    found.retain(|(node, p), _| !(*p == Problem::ClosedStdout && crashed.contains(node)));
    let mut out: Vec<((String, u8), Finding)> = found
        .into_iter()
        .map(|((node, problem), times)| {
            let mut finding = Finding::new(problem.kind(), problem.summary(&node, times));
            finding.values.extend(problem.quote().map(Json::from));
            let tail = log_tail(run, &node);
            if let (Problem::Crashed { stderr, .. }, true) = (&problem, tail.is_empty()) {
                finding.evidence.extend(
                    stderr
                        .iter()
                        .map(|l| format!("its STDERR before the crash: {l}")),
                );
            }
            finding.evidence.extend(tail);
            finding.nodes.push(node.clone());
            ((node, 0), finding)
        })
        .collect();
    // Per node: the log's warnings, then malformed replies, then replies nobody can match.
    for (order, found) in [(1, malformed_replies(run)), (2, unanswerable_replies(run))] {
        out.extend(found.into_iter().map(|f| ((f.nodes[0].clone(), order), f)));
    }
    out.sort_by_key(|((node, order), _)| (node_order(node), *order));
    out.into_iter().map(|(_, f)| f).collect()
}

/// `jepsen.log`, else the console output a fixture kept beside the store.
fn console_text(run: &Run) -> String {
    ["jepsen.log", "console.txt"]
        .iter()
        .find_map(|name| std::fs::read_to_string(run.dir.join(name)).ok())
        .unwrap_or_default()
}

/// The warnings among the log records: a header line
/// (`2026-12-03 06:05:23,651{GMT}\tWARN\t…` in `jepsen.log`, `WARN [2026-…] …`
/// on the console) and its continuation lines. Other levels only echo
/// history ops, whose text may quote a node's output.
fn warnings(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Whether the record being read is a warning (its lines are kept).
    let mut keeping = false;
    for line in text.lines() {
        match level(line) {
            Some(level) => {
                keeping = matches!(level, "WARN" | "ERROR");
                if keeping {
                    out.push(line.to_string());
                }
            }
            None if keeping => {
                if let Some(record) = out.last_mut() {
                    record.push('\n');
                    record.push_str(line);
                }
            }
            None => {}
        }
    }
    out
}

/// The level word of a record's header line; `None` for a continuation line.
fn level(line: &str) -> Option<&str> {
    const LEVELS: [&str; 5] = ["INFO", "WARN", "ERROR", "DEBUG", "TRACE"];
    let dated = line.len() > 10
        && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && line.as_bytes()[4] == b'-';
    if dated {
        let word = line.split('\t').nth(1)?;
        return LEVELS.contains(&word).then_some(word);
    }
    let word = line.split(' ').next()?;
    (LEVELS.contains(&word) && line[word.len()..].starts_with(" [")).then_some(word)
}

/// The node and problem a warning record reports, if it reports one.
fn problem_of(record: &str) -> Option<(String, Problem)> {
    let after = |phrase: &str| {
        record
            .find(phrase)
            .map(|at| (node_before(record, at), &record[at + phrase.len()..]))
    };
    if let Some((node, rest)) = after(" printed a line to STDOUT which was not well-formed JSON:") {
        let line = first_line(rest);
        return Some((node?, Problem::NotJson { line }));
    }
    if let Some((node, rest)) = after(" tried to send the following message via STDOUT:") {
        let (line, why) = rest
            .split_once("This is malformed because:")
            .unwrap_or((rest, ""));
        let problem = Problem::Malformed {
            line: first_line(line),
            why: first_line(why),
        };
        return Some((node?, problem));
    }
    if let Some((node, rest)) = after(" tried to send a message via STDOUT, but:") {
        let reason = first_line(rest);
        // The simulator's `Invalid dest for message {json}: n9 is not a registered …`.
        let unknown = reason
            .strip_prefix("Invalid dest for message ")
            .and_then(|r| r.rsplit_once(": "))
            .map(|(message, why)| Problem::UnknownDest {
                dest: why.split_whitespace().next().unwrap_or("?").to_string(),
                message: message.to_string(),
            });
        return Some((node?, unknown.unwrap_or(Problem::SendRejected { reason })));
    }
    if let Some(at) = record.find("Invalid dest for message ") {
        // Maelstrom's assertion names the sender only inside the message.
        let text = &record[at..];
        let field = |key: &str| {
            let start = text.find(key)? + key.len();
            let end = text[start..].find('"')?;
            Some(text[start..start + end].to_string())
        };
        let node = field(":src \"")?;
        let dest = field(":dest \"").unwrap_or_else(|| "?".into());
        let message = first_line(&text["Invalid dest for message ".len()..]);
        return Some((node, Problem::UnknownDest { dest, message }));
    }
    if let Some((node, rest)) = after(" printed a line to STDOUT longer than ") {
        let limit = rest.split_whitespace().next().unwrap_or("?").to_string();
        return Some((node?, Problem::LineTooLong { limit }));
    }
    if let Some((node, _)) = after(" closed its STDOUT") {
        return Some((node?, Problem::ClosedStdout));
    }
    if let Some((node, rest)) = after(" crashed with exit status ") {
        let status = rest
            .split(|c: char| !c.is_ascii_digit() && c != '-')
            .next()
            .unwrap_or("?")
            .to_string();
        let stderr = section(rest, "And to STDERR:", "Full STDERR logs");
        return Some((node?, Problem::Crashed { status, stderr }));
    }
    None
}

/// `Node n3` right before byte `at`.
fn node_before(record: &str, at: usize) -> Option<String> {
    let head = record[..at]
        .strip_suffix(|c: char| c.is_whitespace())
        .unwrap_or(&record[..at]);
    let (rest, node) = head.rsplit_once(' ')?;
    rest.ends_with("Node").then(|| node.to_string())
}

/// The first non-empty line of `text`, trimmed.
fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// The non-empty lines between `from` and `to`.
fn section(text: &str, from: &str, to: &str) -> Vec<String> {
    let Some((_, rest)) = text.split_once(from) else {
        return Vec::new();
    };
    let body = rest.split_once(to).map_or(rest, |(b, _)| b);
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `` `debug: …` ``, cut at 120 characters.
fn quoted(line: &str) -> String {
    let cut: String = line.chars().take(120).collect();
    if cut.len() < line.len() {
        format!("`{cut}…`")
    } else {
        format!("`{cut}`")
    }
}

/// The last lines of `node-logs/<node>.log` (the node's STDERR).
fn log_tail(run: &Run, node: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(run.dir.join("node-logs").join(format!("{node}.log")))
    else {
        return Vec::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL)..]
        .iter()
        .map(|l| format!("{node}.log: {l}"))
        .collect()
}

/// Ops that ended indeterminate because the node's reply broke the RPC's
/// closed schema (Maelstrom's `Malformed RPC response`), per node and reason.
fn malformed_replies(run: &Run) -> Vec<Finding> {
    const OPENING: &str = "Malformed RPC response. Maelstrom sent node ";
    let mut groups: BTreeMap<(String, String), (String, Vec<&Op>)> = BTreeMap::new();
    for op in run.history.iter().filter(|op| op.kind != OpType::Ok) {
        let Some(text) = op.extra("error").and_then(Value::as_str) else {
            continue;
        };
        let Some((_, rest)) = text.split_once(OPENING) else {
            continue;
        };
        let node = rest.split_whitespace().next().unwrap_or("?").to_string();
        let reply = section(rest, "but instead received", "This is malformed because:").join(" ");
        let why = rest
            .split_once("This is malformed because:")
            .map_or(String::new(), |(_, w)| first_line(w));
        groups
            .entry((node, why))
            .or_insert_with(|| (reply, Vec::new()))
            .1
            .push(op);
    }
    groups
        .into_iter()
        .map(|((node, why), (reply, ops))| {
            let mut finding = Finding::new(
                "protocol",
                format!(
                    "{node} answered {} request{} with a reply that breaks the RPC's schema ({why}), so {} indeterminate; the first: {}",
                    ops.len(),
                    if ops.len() == 1 { "" } else { "s" },
                    if ops.len() == 1 { "it ended" } else { "they ended" },
                    quoted(&reply)
                ),
            );
            finding.evidence.extend(
                ops.iter()
                    .take(MESSAGES_KEPT)
                    .map(|op| run.describe(op)),
            );
            finding.evidence.extend(log_tail(run, &node));
            finding.ops = ops.iter().map(|op| op.index).collect();
            finding.values.push(Json::from(reply));
            finding.nodes.push(node);
            finding
        })
        .collect()
}

/// Per node, its messages to clients that carry no `in_reply_to`: no client
/// can match them, so the requests they answered time out.
fn unanswerable_replies(run: &Run) -> Vec<Finding> {
    let mut by_node: BTreeMap<&str, Vec<&Traced>> = BTreeMap::new();
    for m in run.journal.iter().flat_map(|j| &j.messages) {
        if m.src.starts_with('n') && m.dest.starts_with('c') && m.body.get("in_reply_to").is_none()
        {
            by_node.entry(m.src.as_str()).or_default().push(m);
        }
    }
    by_node
        .into_iter()
        .map(|(node, messages)| {
            let first = messages[0];
            let mut finding = Finding::new(
                "protocol",
                format!(
                    "{node} sent {} repl{} to clients without in_reply_to (the first, {} to {}, at {}): no client can match them, so those requests timed out",
                    messages.len(),
                    if messages.len() == 1 { "y" } else { "ies" },
                    first.kind,
                    first.dest,
                    first
                        .time_ns
                        .map_or("an unknown time".to_string(), crate::store::secs),
                ),
            );
            finding.values.push(first.body.clone());
            finding
                .evidence
                .extend(messages.iter().take(MESSAGES_KEPT).map(|m| message_line(m)));
            finding.evidence.extend(log_tail(run, node));
            finding.nodes.push(node.to_string());
            finding.messages = messages.into_iter().take(MESSAGES_KEPT).cloned().collect();
            finding
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(log: &str) -> Option<(String, Problem)> {
        warnings(log).iter().find_map(|r| problem_of(r))
    }

    #[test]
    fn warnings_of_both_backends_name_node_and_problem() {
        let sim = "2026-12-03 10:00:00,001{GMT}\tWARN\t[n1 stdout] maelstrom.process: Error!\nMalformed network message. Node n1 tried to send the following message via STDOUT:\n\n{\"src\":\"n1\"}\n\nThis is malformed because:\n\n{:dest missing-required-key}\n\nSee doc/protocol.md for more guidance.\n2026-12-03 10:00:00,002{GMT}\tINFO\t[x] y: z";
        assert_eq!(
            problem(sim),
            Some((
                "n1".into(),
                Problem::Malformed {
                    line: "{\"src\":\"n1\"}".into(),
                    why: "{:dest missing-required-key}".into()
                }
            ))
        );
        let maelstrom = "WARN [2026-11-25 16:45:58,154] n9 stdout - maelstrom.process Error!\njava.lang.AssertionError: Assert failed: Invalid dest for message #maelstrom.net.message.Message{:id 16145, :src \"n9\", :dest \"n7\", :body {}}";
        assert_eq!(
            problem(maelstrom),
            Some((
                "n9".into(),
                Problem::UnknownDest {
                    dest: "n7".into(),
                    message: "#maelstrom.net.message.Message{:id 16145, :src \"n9\", :dest \"n7\", :body {}}".into()
                }
            ))
        );
        assert_eq!(
            problem("INFO [2026-11-25 16:45:58,154] Node n1 is fine"),
            None
        );
        // An INFO record only echoes a history op, which may quote a warning.
        let echoed = "2026-12-03 10:00:00,001{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:info\t:echo\t\"x\"\tNode n0 closed its STDOUT";
        assert_eq!(problem(echoed), None);
        let warned = "2026-12-03 10:00:00,001{GMT}\tWARN\t[n0 stdout] maelstrom.process: Node n0 closed its STDOUT: nothing…";
        assert_eq!(problem(warned), Some(("n0".into(), Problem::ClosedStdout)));
    }
}

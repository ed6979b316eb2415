//! Node subprocesses: spawning in their own process group, the stdin writer,
//! stdout reader (with Maelstrom's "one bad line silences the node" rule),
//! stderr logging to `node-logs/<id>.log`, and teardown with crash detection.
//!
//! It does not speak the workload protocols; accepted stdout messages are
//! handed to the [`Net`] unchanged apart from Maelstrom's envelope rules.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::console::Console;
use crate::net::{Message, Net, NetError};

/// Lines of stdout/stderr kept for the crash report, as in Maelstrom.
const TAIL_LINES: usize = 32;
/// Longest stdout line accepted before the node is treated as printing garbage
/// (Maelstrom has no limit; this keeps a runaway node from exhausting memory).
const MAX_LINE_BYTES: usize = 64 << 20;

/// Process groups of every node started by this process, killed on exit or signal.
#[derive(Debug, Clone, Default)]
pub struct ProcessGroups(Arc<Mutex<Vec<i32>>>);

impl ProcessGroups {
    fn add(&self, pgid: i32) {
        self.0.lock().expect("groups lock").push(pgid);
    }

    fn remove(&self, pgid: i32) {
        self.0.lock().expect("groups lock").retain(|g| *g != pgid);
    }

    /// SIGKILL every remaining group (used on SIGINT/SIGTERM and as a last resort).
    pub fn kill_all(&self) {
        for pgid in self.0.lock().expect("groups lock").drain(..) {
            kill_group(pgid);
        }
    }
}

fn kill_group(pgid: i32) {
    use nix::sys::signal::{Signal, killpg};
    let _ = killpg(nix::unistd::Pid::from_raw(pgid), Signal::SIGKILL);
}

/// Why a node could not be started or ended badly.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("Couldn't start node {node}: {bin} could not be executed: {source}")]
    Spawn {
        node: String,
        bin: String,
        source: std::io::Error,
    },
    #[error("Couldn't create the log file {path} for node {node}: {source}")]
    LogFile {
        node: String,
        path: String,
        source: std::io::Error,
    },
    #[error(
        "Node {node} crashed with exit status {status}. Before crashing, it wrote to STDOUT:\n\n{stdout}\n\nAnd to STDERR:\n\n{stderr}\n\nFull STDERR logs are available in {log}"
    )]
    Crashed {
        node: String,
        status: i32,
        stdout: String,
        stderr: String,
        log: String,
    },
}

type Tail = Arc<Mutex<VecDeque<String>>>;

fn push_tail(tail: &Tail, line: &str) {
    let mut t = tail.lock().expect("tail lock");
    if t.len() == TAIL_LINES {
        t.pop_front();
    }
    t.push_back(line.to_string());
}

fn tail_text(tail: &Tail) -> String {
    tail.lock()
        .expect("tail lock")
        .iter()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a running node needs to know about its surroundings.
pub struct SpawnSpec<'a> {
    pub id: &'a str,
    pub bin: &'a Path,
    pub args: &'a [String],
    /// `node-logs/<id>.log` in the run directory.
    pub log_path: PathBuf,
    /// The log path as shown to the user (relative to the base directory).
    pub log_display: String,
    pub log_stderr: bool,
}

/// One running node binary.
pub struct NodeProcess {
    pub id: String,
    child: tokio::process::Child,
    pgid: i32,
    groups: ProcessGroups,
    stdout_tail: Tail,
    stderr_tail: Tail,
    log_display: String,
    readers: Vec<JoinHandle<()>>,
    /// Set before the simulator kills the node, so the end of its stdout is expected.
    stopping: Arc<AtomicBool>,
}

impl NodeProcess {
    /// Start the node, register it on the network and begin pumping its pipes.
    pub fn spawn(
        spec: SpawnSpec<'_>,
        net: &Arc<Net>,
        console: &Arc<Console>,
        groups: &ProcessGroups,
    ) -> Result<NodeProcess, ProcessError> {
        let id = spec.id.to_string();
        let log_file =
            std::fs::File::create(&spec.log_path).map_err(|source| ProcessError::LogFile {
                node: id.clone(),
                path: spec.log_display.clone(),
                source,
            })?;
        let mut cmd = tokio::process::Command::new(spec.bin);
        cmd.args(spec.args)
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        crate::platform::die_with_parent(&mut cmd);
        let mut child = cmd.spawn().map_err(|source| ProcessError::Spawn {
            node: id.clone(),
            bin: spec.bin.display().to_string(),
            source,
        })?;
        let pgid = child.id().map(|p| p as i32).unwrap_or(0);
        groups.add(pgid);

        let (stdin_tx, stdin_rx) = mpsc::unbounded_channel();
        net.register_queued(&id, stdin_tx);
        let stdout_tail = Tail::default();
        let stderr_tail = Tail::default();
        let stdin = child.stdin.take().expect("stdin piped");
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
        let stopping = Arc::new(AtomicBool::new(false));
        let readers = vec![
            tokio::spawn(write_stdin(stdin, stdin_rx)),
            tokio::spawn(read_stdout(
                id.clone(),
                stdout,
                Arc::clone(net),
                Arc::clone(console),
                Arc::clone(&stdout_tail),
                Arc::clone(&stopping),
            )),
            tokio::spawn(read_stderr(
                id.clone(),
                stderr,
                log_file,
                spec.log_stderr.then(|| Arc::clone(console)),
                Arc::clone(&stderr_tail),
            )),
        ];
        Ok(NodeProcess {
            id,
            child,
            pgid,
            groups: groups.clone(),
            stdout_tail,
            stderr_tail,
            log_display: spec.log_display,
            readers,
            stopping,
        })
    }

    /// Kill the node's process group. If the node had already exited — with any
    /// status, as Maelstrom sees it — report it as a crash (protocol.md §1.2).
    pub async fn teardown(mut self, net: &Net) -> Result<(), ProcessError> {
        let exited = self.child.try_wait().ok().flatten();
        self.stopping.store(true, Ordering::Relaxed);
        kill_group(self.pgid);
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        self.groups.remove(self.pgid);
        net.tear_down(&self.id);
        // Let the pipe readers reach end of file so the tails are complete.
        for mut reader in self.readers.drain(..) {
            if tokio::time::timeout(Duration::from_millis(500), &mut reader)
                .await
                .is_err()
            {
                // A grandchild kept the pipe open; stop reading it.
                reader.abort();
            }
        }
        match exited {
            Some(status) => Err(ProcessError::Crashed {
                node: self.id.clone(),
                status: exit_status_number(status),
                stdout: tail_text(&self.stdout_tail),
                stderr: tail_text(&self.stderr_tail),
                log: self.log_display.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Kill without any crash check (`--leave-db-running` is not honoured beyond skipping the check).
    pub fn forget(self) {
        self.groups.remove(self.pgid);
    }
}

/// Java reports death-by-signal as 128 + the signal number.
fn exit_status_number(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

async fn write_stdin(
    mut stdin: tokio::process::ChildStdin,
    mut rx: mpsc::UnboundedReceiver<Message>,
) {
    let mut broken = false;
    while let Some(message) = rx.recv().await {
        if broken {
            continue;
        }
        let mut line = message.to_line();
        line.push('\n');
        // A dead node cannot be written to; Maelstrom ignores that silently.
        if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
            broken = true;
        }
    }
}

/// Read one `\n`-terminated line (a trailing `\r` is dropped); `None` at end of
/// file. Lines longer than [`MAX_LINE_BYTES`] are cut and reported as `Err`.
async fn next_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    buf: &mut Vec<u8>,
) -> Option<Result<String, String>> {
    buf.clear();
    loop {
        let available = match reader.fill_buf().await {
            Ok(b) => b,
            Err(_) => return None,
        };
        if available.is_empty() {
            return (!buf.is_empty()).then(|| Ok(String::from_utf8_lossy(buf).into_owned()));
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if buf.len() + chunk.len() <= MAX_LINE_BYTES {
            buf.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(available.len());
        let overlong = buf.len() + chunk.len() > MAX_LINE_BYTES && done.is_none();
        reader.consume(consumed);
        if done.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Some(Ok(String::from_utf8_lossy(buf).into_owned()));
        }
        if overlong && buf.len() >= MAX_LINE_BYTES {
            let head: String = String::from_utf8_lossy(&buf[..200.min(buf.len())]).into_owned();
            // Skip the rest of the runaway line.
            loop {
                let rest = match reader.fill_buf().await {
                    Ok(b) if !b.is_empty() => b,
                    _ => break,
                };
                match rest.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        reader.consume(i + 1);
                        break;
                    }
                    None => {
                        let n = rest.len();
                        reader.consume(n);
                    }
                }
            }
            return Some(Err(head));
        }
    }
}

async fn read_stdout(
    id: String,
    stdout: tokio::process::ChildStdout,
    net: Arc<Net>,
    console: Arc<Console>,
    tail: Tail,
    stopping: Arc<AtomicBool>,
) {
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut buf = Vec::new();
    let mut silenced = false;
    let thread = format!("{id} stdout");
    while let Some(line) = next_line(&mut reader, &mut buf).await {
        let line = match line {
            Ok(line) => line,
            Err(head) => {
                if !silenced {
                    silenced = true;
                    console.warn(&thread, "maelstrom.process", &format!(
                        "Error!\nNode {id} printed a line to STDOUT longer than {MAX_LINE_BYTES} bytes, starting: {head}\nIgnoring all further output from {id}."
                    ));
                }
                continue;
            }
        };
        push_tail(&tail, &line);
        // After one bad line Maelstrom never reads this node's output again (protocol.md §3).
        if silenced {
            continue;
        }
        let outcome = parse_node_line(&id, &line).and_then(|(src, dest, body)| {
            match net.send(&src, &dest, body) {
                // Teardown is under way: a send that only fails because of
                // it is no fault of the node, so it is not reported.
                Err(NetError::TornDown { .. }) => Ok(()),
                sent => sent
                    .map_err(|e| format!("Node {id} tried to send a message via STDOUT, but: {e}")),
            }
        });
        if let Err(why) = outcome {
            silenced = true;
            console.warn(&thread, "maelstrom.process", &format!(
                "Error!\n{why}\nMaelstrom will ignore all further STDOUT output from node {id} for the rest of this test."
            ));
        }
    }
    // Maelstrom says nothing here; without this line a node that closed its
    // stdout (or died) shows up only as requests timing out.
    if !stopping.load(Ordering::Relaxed) {
        console.warn(&thread, "maelstrom.process", &format!(
            "Node {id} closed its STDOUT: nothing it sends can arrive any more, so its requests will time out."
        ));
    }
}

/// Validate one stdout line against Maelstrom's message schema and return
/// `(src, dest, body)`; a missing or null body becomes `{}`.
pub fn parse_node_line(node: &str, line: &str) -> Result<(String, String, Json), String> {
    let mut stream = serde_json::Deserializer::from_str(line).into_iter::<Json>();
    let value = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) if !e.is_eof() => {
            return Err(format!(
                "Node {node} printed a line to STDOUT which was not well-formed JSON:\n{line}\nDid you mean to encode this line as JSON? Or was this line intended for STDERR? See doc/protocol.md for more guidance."
            ));
        }
        _ => Json::Null,
    };
    let malformed = |why: &str| {
        format!(
            "Malformed network message. Node {node} tried to send the following message via STDOUT:\n\n{line}\n\nThis is malformed because:\n\n{why}\n\nSee doc/protocol.md for more guidance."
        )
    };
    let Json::Object(mut map) = value else {
        return Err(malformed(
            "{:src missing-required-key, :dest missing-required-key}",
        ));
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if !matches!(key.as_str(), "src" | "dest" | "body" | "id") {
            problems.push(format!(":{key} disallowed-key"));
        }
    }
    let mut text_field = |name: &str| match map.get(name) {
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => {
            problems.push(format!(":{name} (not (instance? java.lang.String))"));
            None
        }
        None => {
            problems.push(format!(":{name} missing-required-key"));
            None
        }
    };
    let src = text_field("src");
    let dest = text_field("dest");
    if map
        .get("id")
        .is_some_and(|id| !(id.is_i64() || id.is_u64()))
    {
        problems.push(":id (not (integer? id))".to_string());
    }
    let body = match map.remove("body") {
        None | Some(Json::Null) => Json::Object(Default::default()),
        Some(b @ Json::Object(_)) => b,
        Some(_) => {
            problems.push(":body (not (map? body))".to_string());
            Json::Null
        }
    };
    match (src, dest) {
        (Some(src), Some(dest)) if problems.is_empty() => Ok((src, dest, body)),
        _ => Err(malformed(&format!("{{{}}}", problems.join(", ")))),
    }
}

async fn read_stderr(
    id: String,
    stderr: tokio::process::ChildStderr,
    mut log: std::fs::File,
    console: Option<Arc<Console>>,
    tail: Tail,
) {
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    let thread = format!("{id} stderr");
    while let Some(line) = next_line(&mut reader, &mut buf).await {
        let line = line.unwrap_or_else(|head| format!("{head}... (line cut)"));
        // Unbuffered file writes: each line reaches disk as soon as it is read.
        let _ = writeln!(log, "{line}");
        push_tail(&tail, &line);
        if let Some(c) = &console {
            c.info(&thread, "maelstrom.process", &line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_node_line;

    #[test]
    fn stdout_lines_follow_maelstroms_table() {
        let ok = parse_node_line(
            "n0",
            r#"{"src":"n0","dest":"c1","body":{"type":"echo_ok"}}"#,
        )
        .unwrap();
        assert_eq!(ok.1, "c1");
        let (_, _, body) = parse_node_line("n0", r#"{"src":"n0","dest":"c1","id":4}"#).unwrap();
        assert_eq!(body, serde_json::json!({}));
        let (_, _, body) = parse_node_line(
            "n0",
            r#"{"src":"n0","dest":"n1","body":{"a":1}}{"garbage":true}"#,
        )
        .unwrap();
        assert_eq!(body, serde_json::json!({"a": 1}));
        for bad in [
            "hello",
            "",
            "   ",
            "42",
            "[1]",
            r#"{"src":"n0"}"#,
            r#"{"src":"n0","dest":"n1","x":1}"#,
            r#"{"src":"n0","dest":"n1","body":3}"#,
            r#"{"src":1,"dest":"n1"}"#,
            r#"{"src":"n0","dest":"n1","id":1.5}"#,
        ] {
            let err = parse_node_line("n0", bad).unwrap_err();
            assert!(err.contains("n0"), "{err}");
        }
        assert!(
            parse_node_line("n3", "hello")
                .unwrap_err()
                .contains("not well-formed JSON:\nhello")
        );
    }
}

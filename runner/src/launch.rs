//! Runs one backend process and turns its output into [`RunEvent`]s.
//!
//! The backend runs supervised ([`crate::supervise`]): its process group is
//! stopped on cancel, on drop and when glomers dies, so no JVM or node
//! outlives glomers. Nodes the backend puts in other process groups (the
//! simulator does) must be stopped by the backend on SIGTERM and die with it
//! (the simulator sets their parent-death signal).

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeekExt, BufReader};
use tokio::sync::{mpsc, watch};

use crate::event::{ConsoleTracker, RunEvent};
use crate::supervise::{self, Supervised};

/// Console lines kept for the crash report.
const CONSOLE_TAIL_LINES: usize = 200;
/// Longest line forwarded as an event; the rest is cut.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// Most bytes read from one node log per poll, to bound memory under heavy logging.
const MAX_LOG_CHUNK: u64 = 256 * 1024;
const LOG_POLL: Duration = Duration::from_millis(200);

/// How the backend process ended.
#[derive(Debug, Clone)]
pub struct LaunchExit {
    /// Exit status; `None` when cancelled.
    pub code: Option<i32>,
    pub cancelled: bool,
    /// The last console lines (stdout and stderr interleaved).
    pub console_tail: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot create the run directory {dir}: {source}")]
    WorkDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("lost track of {program}: {source}")]
    Wait {
        program: PathBuf,
        source: std::io::Error,
    },
}

/// Starts `program args` in `work_dir` and streams its events until it
/// exits or `cancel` turns true.
pub async fn launch(
    program: &Path,
    args: &[String],
    node_env: &[(String, String)],
    work_dir: &Path,
    tracker: &mut ConsoleTracker,
    events: &mpsc::Sender<RunEvent>,
    mut cancel: watch::Receiver<bool>,
) -> Result<LaunchExit, LaunchError> {
    std::fs::create_dir_all(work_dir).map_err(|source| LaunchError::WorkDir {
        dir: work_dir.into(),
        source,
    })?;
    let Supervised {
        mut child,
        mut guard,
    } = supervise::spawn(program, args, node_env, work_dir).map_err(|source| {
        LaunchError::Spawn {
            program: program.into(),
            source,
        }
    })?;

    let (line_tx, mut lines) = mpsc::channel::<String>(256);
    let readers = [
        child
            .stdout
            .take()
            .map(|out| tokio::spawn(forward_lines(out, line_tx.clone()))),
        child
            .stderr
            .take()
            .map(|err| tokio::spawn(forward_lines(err, line_tx.clone()))),
    ];
    drop(line_tx);

    let mut logs = NodeLogTail::new(work_dir);
    let mut console_tail = VecDeque::with_capacity(CONSOLE_TAIL_LINES);
    let mut poll = tokio::time::interval(LOG_POLL);
    let mut last_progress = tracker.progress();
    let mut status = None;
    let mut cancelled = *cancel.borrow();
    let mut lines_open = true;
    let mut cancel_open = true;

    // Run until the process exited and its output is drained, or a cancel.
    while !cancelled && (status.is_none() || lines_open) {
        tokio::select! {
            exit = child.wait(), if status.is_none() => {
                status = Some(exit.map_err(|source| LaunchError::Wait { program: program.into(), source })?);
                // Reaped: the group id may be reused now, except by leftovers we still own.
                guard.reaped();
            }
            line = lines.recv(), if lines_open => match line {
                Some(line) => {
                    if let Some(phase) = tracker.observe(&line) {
                        panic_if_asked(phase);
                        let _ = events.send(RunEvent::Phase(phase)).await;
                    }
                    if console_tail.len() == CONSOLE_TAIL_LINES {
                        console_tail.pop_front();
                    }
                    console_tail.push_back(line.clone());
                    let _ = events.send(RunEvent::HarnessLine(line)).await;
                }
                None => lines_open = false,
            },
            _ = poll.tick() => {
                logs.poll(events).await;
                let progress = tracker.progress();
                if progress != last_progress {
                    last_progress = progress;
                    let _ = events.send(RunEvent::Progress(progress)).await;
                }
            }
            changed = cancel.changed(), if cancel_open => {
                // A dropped sender means nobody can cancel any more, not a cancel.
                cancel_open = changed.is_ok();
                cancelled = cancel_open && *cancel.borrow();
            }
        }
    }

    if cancelled {
        guard.stop(&mut child).await;
    }
    for reader in readers.into_iter().flatten() {
        reader.abort();
    }
    logs.poll(events).await;
    let _ = events.send(RunEvent::Progress(tracker.progress())).await;
    Ok(LaunchExit {
        code: if cancelled {
            None
        } else {
            status.and_then(|s| s.code())
        },
        cancelled,
        console_tail: console_tail.into(),
    })
}

/// Debug builds only: `GLOMERS_PANIC_AT=Running` (any [`crate::event::Phase`]
/// name) panics when a run reaches that phase, so the reliability suite can
/// prove that a panic in glomers leaves no process behind.
fn panic_if_asked(phase: crate::event::Phase) {
    if cfg!(debug_assertions)
        && std::env::var("GLOMERS_PANIC_AT").is_ok_and(|at| at == format!("{phase:?}"))
    {
        panic!("GLOMERS_PANIC_AT={phase:?}: a deliberate panic");
    }
}

/// Sends each line of `stream` (lossily decoded, cut at [`MAX_LINE_BYTES`]).
async fn forward_lines(stream: impl AsyncRead + Unpin, lines: mpsc::Sender<String>) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match (&mut reader)
            .take(MAX_LINE_BYTES as u64 * 64)
            .read_until(b'\n', &mut buf)
            .await
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = decode_line(&buf);
                if lines.send(text).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn decode_line(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_LINE_BYTES)]).into_owned();
    if bytes.len() > MAX_LINE_BYTES {
        text.push_str(" …");
    }
    text
}

/// The directory of the run under `work_dir/store`: `store/current` when the
/// backend set it, else the newest `store/<workload>/<time>/`.
pub fn find_store_dir(work_dir: &Path) -> Option<PathBuf> {
    let store = work_dir.join("store");
    let current = store.join("current");
    if current.is_dir() {
        return std::fs::canonicalize(&current).ok();
    }
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&store)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .flat_map(|workload| {
            std::fs::read_dir(workload.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    // `<time>` names sort chronologically.
    runs.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    runs.pop()
}

/// Follows every `node-logs/*.log` of the run, including files that appear late.
struct NodeLogTail {
    work_dir: PathBuf,
    /// Node id → bytes consumed and an unfinished last line.
    files: BTreeMap<String, (u64, Vec<u8>)>,
}

impl NodeLogTail {
    fn new(work_dir: &Path) -> Self {
        NodeLogTail {
            work_dir: work_dir.to_path_buf(),
            files: BTreeMap::new(),
        }
    }

    async fn poll(&mut self, events: &mpsc::Sender<RunEvent>) {
        let Some(dir) = find_store_dir(&self.work_dir).map(|d| d.join("node-logs")) else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut nodes: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_suffix(".log")
                    .map(String::from)
            })
            .collect();
        nodes.sort();
        for node in nodes {
            let (offset, partial) = self.files.entry(node.clone()).or_default();
            let Ok(chunk) = read_from(&dir.join(format!("{node}.log")), *offset).await else {
                continue;
            };
            *offset += chunk.len() as u64;
            partial.extend_from_slice(&chunk);
            let complete = partial
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let text: Vec<u8> = partial.drain(..complete).collect();
            if partial.len() > MAX_LINE_BYTES {
                // An endless line: emit what we have rather than grow without bound.
                let line = decode_line(&std::mem::take(partial));
                let _ = events
                    .send(RunEvent::NodeLog {
                        node: node.clone(),
                        line,
                    })
                    .await;
            }
            for line in text.split_inclusive(|&b| b == b'\n') {
                let line = decode_line(line);
                let _ = events
                    .send(RunEvent::NodeLog {
                        node: node.clone(),
                        line,
                    })
                    .await;
            }
        }
    }
}

async fn read_from(path: &Path, offset: u64) -> std::io::Result<Vec<u8>> {
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut chunk = Vec::new();
    file.take(MAX_LOG_CHUNK).read_to_end(&mut chunk).await?;
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_invalid_lines_are_bounded_and_decoded() {
        assert_eq!(decode_line(b"abc\r\n"), "abc");
        assert_eq!(decode_line(b"\xffx\n"), "\u{fffd}x");
        let long = vec![b'a'; MAX_LINE_BYTES + 10];
        assert_eq!(decode_line(&long).chars().count(), MAX_LINE_BYTES + 2);
    }

    #[test]
    fn store_dir_prefers_current_then_newest_run() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_store_dir(dir.path()), None);
        let old = dir.path().join("store/echo/20240101T000000.000Z");
        let new = dir.path().join("store/echo/20250101T000000.000Z");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::create_dir_all(&new).unwrap();
        assert_eq!(find_store_dir(dir.path()), Some(new));
        std::os::unix::fs::symlink(
            "echo/20240101T000000.000Z",
            dir.path().join("store/current"),
        )
        .unwrap();
        assert_eq!(
            find_store_dir(dir.path()),
            Some(std::fs::canonicalize(old).unwrap())
        );
    }

    #[tokio::test]
    async fn node_logs_are_tailed_including_late_files_and_partial_lines() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("store/echo/20240101T000000.000Z/node-logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::write(logs.join("n0.log"), "one\ntw").unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let mut tail = NodeLogTail::new(dir.path());
        tail.poll(&tx).await;
        std::fs::write(logs.join("n0.log"), "one\ntwo\n").unwrap();
        std::fs::write(logs.join("n1.log"), "late\n").unwrap();
        tail.poll(&tx).await;
        drop(tx);
        let mut got = Vec::new();
        while let Some(RunEvent::NodeLog { node, line }) = rx.recv().await {
            got.push(format!("{node}:{line}"));
        }
        assert_eq!(got, ["n0:one", "n0:two", "n1:late"]);
    }
}

//! The complete network journal, `net-journal.jsonl` in the run's store:
//! every send, delivery and partition drop, one JSON object per line, with
//! nanosecond times since the network was created (the format is documented,
//! and read, by the `explain` crate's `journal::sim`).
//!
//! The router only clones the message into a channel; a writer thread turns
//! events into lines through a buffered file, off the router's locks. At most
//! [`MAX_EVENTS`] events are written (a `truncated` line then says so), which
//! bounds the file at a few hundred MB even for runs far longer than the
//! official ones (a 25-node 3d run writes about 80 000 events).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde_json::json;
use tokio::time::Instant;

use crate::net::Message;

/// Events written at most.
pub const MAX_EVENTS: u64 = 2_000_000;
pub const FILE_NAME: &str = "net-journal.jsonl";

enum Entry {
    Send(Instant, Message),
    Recv(Instant, u64),
    Drop(Instant, u64),
    Origin(Instant),
    Truncated(Instant),
    Close,
}

/// The writer's handle; events after [`NetLog::close`] are ignored.
pub struct NetLog {
    sender: mpsc::Sender<Entry>,
    events: AtomicU64,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl NetLog {
    /// Create `dir/net-journal.jsonl` and start its writer.
    pub fn create(dir: &Path) -> std::io::Result<NetLog> {
        let file = std::fs::File::create(dir.join(FILE_NAME))?;
        let (sender, rx) = mpsc::channel();
        let start = Instant::now();
        let writer = std::thread::Builder::new()
            .name("net-journal".into())
            .spawn(move || write_lines(std::io::BufWriter::new(file), rx, start))?;
        Ok(NetLog {
            sender,
            events: AtomicU64::new(0),
            writer: Mutex::new(Some(writer)),
        })
    }

    fn push(&self, entry: impl FnOnce(Instant) -> Entry) {
        let now = Instant::now();
        let n = self.events.fetch_add(1, Ordering::Relaxed);
        if n < MAX_EVENTS {
            let _ = self.sender.send(entry(now));
        } else if n == MAX_EVENTS {
            let _ = self.sender.send(Entry::Truncated(now));
        }
    }

    pub fn sent(&self, message: &Message) {
        self.push(|at| Entry::Send(at, message.clone()));
    }

    pub fn received(&self, id: u64) {
        self.push(|at| Entry::Recv(at, id));
    }

    pub fn dropped(&self, id: u64) {
        self.push(|at| Entry::Drop(at, id));
    }

    /// The history's time 0, so readers can put both on one clock.
    pub fn origin(&self, at: Instant) {
        let _ = self.sender.send(Entry::Origin(at));
    }

    /// Flush the file and stop the writer (at the end of the run).
    pub fn close(&self) {
        let _ = self.sender.send(Entry::Close);
        if let Some(writer) = self.writer.lock().expect("net log lock").take() {
            let _ = writer.join();
        }
    }
}

fn write_lines(mut out: impl Write, rx: mpsc::Receiver<Entry>, start: Instant) {
    let ns = |at: Instant| at.saturating_duration_since(start).as_nanos() as u64;
    while let Ok(entry) = rx.recv() {
        let line = match entry {
            Entry::Send(at, m) => {
                json!({"ev": "send", "t": ns(at), "id": m.id, "src": m.src, "dest": m.dest, "body": m.body})
            }
            Entry::Recv(at, id) => json!({"ev": "recv", "t": ns(at), "id": id}),
            Entry::Drop(at, id) => json!({"ev": "drop", "t": ns(at), "id": id}),
            Entry::Origin(at) => json!({"ev": "origin", "t": ns(at)}),
            Entry::Close => break,
            Entry::Truncated(at) => json!({"ev": "truncated", "t": ns(at), "cap": MAX_EVENTS}),
        };
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

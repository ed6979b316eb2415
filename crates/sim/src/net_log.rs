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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    fn message(id: u64) -> Message {
        Message {
            id,
            src: "n0".into(),
            dest: "n1".into(),
            body: json!({"type": "gossip", "messages": [30]}),
        }
    }

    #[test]
    fn every_event_becomes_one_line_in_order_and_close_flushes() {
        let dir = tempfile::tempdir().unwrap();
        let log = NetLog::create(dir.path()).unwrap();
        log.origin(Instant::now());
        log.sent(&message(4));
        log.received(4);
        log.sent(&message(5));
        log.dropped(5);
        log.close();
        log.sent(&message(6)); // after close: ignored, no panic
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        let lines: Vec<Json> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let events: Vec<(&str, Option<u64>)> = lines
            .iter()
            .map(|l| (l["ev"].as_str().unwrap(), l["id"].as_u64()))
            .collect();
        assert_eq!(
            events,
            [
                ("origin", None),
                ("send", Some(4)),
                ("recv", Some(4)),
                ("send", Some(5)),
                ("drop", Some(5))
            ]
        );
        assert_eq!(lines[1]["body"]["messages"], json!([30]));
        assert_eq!(
            (lines[1]["src"].as_str(), lines[1]["dest"].as_str()),
            (Some("n0"), Some("n1"))
        );
        let times: Vec<u64> = lines.iter().map(|l| l["t"].as_u64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }
}

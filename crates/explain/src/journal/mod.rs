//! Network journals of both backends, read into one list of messages with
//! their send times and fates: the simulator's `net-journal.jsonl`, real
//! Maelstrom's `net-journal/*.fressian`, or, failing both, the message titles
//! of `messages.svg` (delivered messages only, without times).

mod fressian;
mod sim;
mod svg;

use std::collections::HashMap;
use std::path::Path;

use checker::history::{Op, OpType};
use serde_json::Value as Json;

use crate::store::ExplainError;

pub use sim::FILE_NAME as SIM_JOURNAL;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// Dropped by a partition (the simulator records this; for Maelstrom's
    /// journal it is inferred: no receive while the partition cut the link).
    Dropped,
    /// Still queued when the run ended (or its destination was gone).
    Undelivered,
    /// Not yet decided (only while reading).
    Unknown,
}

impl Fate {
    pub fn name(self) -> &'static str {
        match self {
            Fate::Delivered => "delivered",
            Fate::Dropped => "dropped",
            Fate::Undelivered => "undelivered",
            Fate::Unknown => "unknown",
        }
    }
}

/// One message of the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Traced {
    /// Send time in ns on the history's clock; `None` when the source has no times.
    pub time_ns: Option<i64>,
    pub src: String,
    pub dest: String,
    /// The body's `type`.
    pub kind: String,
    /// The body's `msg_id`.
    pub msg_id: Option<u64>,
    pub fate: Fate,
    /// When it was delivered or dropped.
    pub fate_ns: Option<i64>,
    pub body: Json,
}

/// Which journal a run had, and how complete it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalSource {
    /// `net-journal.jsonl`, `net-journal/*.fressian` or `messages.svg`.
    pub file: String,
    pub complete: bool,
    /// What is missing, in words, when not complete.
    pub note: Option<String>,
}

/// Every message of a run, in send order.
#[derive(Debug, Clone, PartialEq)]
pub struct Journal {
    pub messages: Vec<Traced>,
    pub source: JournalSource,
}

/// A send or receive event as a journal records it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    Send {
        time_ns: i64,
        id: u64,
        src: String,
        dest: String,
        body: Json,
    },
    Recv {
        time_ns: i64,
        id: u64,
    },
    Drop {
        time_ns: i64,
        id: u64,
    },
}

/// The journal in `dir`, if it has one.
pub fn read(dir: &Path, history: &[Op]) -> Result<Option<Journal>, ExplainError> {
    let jsonl = dir.join(SIM_JOURNAL);
    if jsonl.exists() {
        return sim::read(&jsonl).map(Some);
    }
    let stripes = dir.join("net-journal");
    if stripes.is_dir() {
        return fressian::read_dir(&stripes, history).map(Some);
    }
    let svg = dir.join("messages.svg");
    if svg.exists() {
        return svg::read(&svg).map(Some);
    }
    Ok(None)
}

/// Pair sends with their receive or drop; `shift_ns` is added to every time.
pub(crate) fn assemble(events: Vec<Event>, shift_ns: i64, source: JournalSource) -> Journal {
    let mut messages = Vec::new();
    let mut position: HashMap<u64, usize> = HashMap::new();
    let mut fates = Vec::new();
    for event in events {
        match event {
            Event::Send {
                time_ns,
                id,
                src,
                dest,
                body,
            } => {
                position.insert(id, messages.len());
                messages.push(traced(Some(time_ns + shift_ns), src, dest, body));
            }
            Event::Recv { time_ns, id } => fates.push((id, Fate::Delivered, time_ns + shift_ns)),
            Event::Drop { time_ns, id } => fates.push((id, Fate::Dropped, time_ns + shift_ns)),
        }
    }
    for (id, fate, at) in fates {
        if let Some(&i) = position.get(&id) {
            messages[i].fate = fate;
            messages[i].fate_ns = Some(at);
        }
    }
    messages.sort_by_key(|m| m.time_ns);
    Journal { messages, source }
}

pub(crate) fn traced(time_ns: Option<i64>, src: String, dest: String, body: Json) -> Traced {
    Traced {
        time_ns,
        kind: body
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string(),
        msg_id: body.get("msg_id").and_then(Json::as_u64),
        src,
        dest,
        fate: Fate::Unknown,
        fate_ns: None,
        body,
    }
}

/// Maelstrom's journal runs on the JVM's monotonic clock; the history on the
/// test's. The first client request is sent just after the first client op is
/// invoked, which gives the offset to well under a millisecond.
pub(crate) fn history_shift(events: &[Event], history: &[Op]) -> i64 {
    let first_send = events.iter().find_map(|e| match e {
        Event::Send {
            time_ns, src, body, ..
        } if src.starts_with('c')
            && !matches!(
                body.get("type").and_then(Json::as_str),
                Some("init" | "topology")
            ) =>
        {
            Some(*time_ns)
        }
        _ => None,
    });
    let first_invoke = history
        .iter()
        .find(|op| op.kind == OpType::Invoke && op.is_client())
        .map(|op| op.time as i64);
    match (first_send, first_invoke) {
        (Some(send), Some(invoke)) => invoke - send,
        _ => 0,
    }
}

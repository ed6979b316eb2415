//! The first network events of a run, kept to draw `messages.svg`, the
//! Lamport diagram Maelstrom writes (network.md §5.3): one column per
//! participant, one row per send or receive event, one arrow per delivered
//! message. Only the first [`DRAWN_EVENTS`] events are kept, so a long run
//! costs a fixed amount of memory; the diagram then says that more happened.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value as Json;

use crate::net::{Message, is_client};

/// Events drawn at most, as Maelstrom.
pub const DRAWN_EVENTS: usize = 10_000;
/// Characters of a label, as Maelstrom.
const LABEL_CHARS: usize = 48;
/// Characters of the hover text kept per message (bounds memory).
const TITLE_CHARS: usize = 400;
const WIDTH: usize = 1200;
const ROW: usize = 20;
const HEADER: usize = 40;

#[derive(Debug)]
struct Sent {
    src: String,
    dest: String,
    label: String,
    title: String,
    error: bool,
    row: usize,
    received_row: Option<usize>,
}

#[derive(Debug, Default)]
struct Events {
    rows: usize,
    sent: Vec<Sent>,
    /// Message id → position in `sent`, for messages not yet received.
    in_flight: HashMap<u64, usize>,
}

/// Send and receive events in the order they happen.
#[derive(Debug, Default)]
pub struct Journal {
    events: Mutex<Events>,
    /// All [`DRAWN_EVENTS`] rows are taken: every later send and receive,
    /// on the router's hot path, only notes that more happened, lock-free.
    full: AtomicBool,
    more: AtomicBool,
}

/// `init` traffic is left out of the diagram, as Maelstrom does.
fn drawn(message: &Message) -> bool {
    !matches!(
        message.body.get("type").and_then(Json::as_str),
        Some("init" | "init_ok")
    )
}

impl Journal {
    pub fn sent(&self, message: &Message) {
        if !drawn(message) || self.noted_as_more() {
            return;
        }
        let mut events = self.events.lock().expect("journal lock");
        let Some(row) = self.take_row(&mut events) else {
            return;
        };
        let position = events.sent.len();
        events.in_flight.insert(message.id, position);
        events.sent.push(Sent {
            src: message.src.clone(),
            dest: message.dest.clone(),
            label: label(&message.body),
            title: truncate(
                &format!("{} → {}: {}", message.src, message.dest, message.body),
                TITLE_CHARS,
            ),
            error: message.body.get("type").and_then(Json::as_str) == Some("error"),
            row,
            received_row: None,
        });
    }

    pub fn received(&self, message: &Message) {
        if self.noted_as_more() {
            return;
        }
        let mut events = self.events.lock().expect("journal lock");
        let Some(position) = events.in_flight.remove(&message.id) else {
            return;
        };
        if let Some(row) = self.take_row(&mut events) {
            events.sent[position].received_row = Some(row);
        }
    }

    /// When the journal is full, notes that an event went undrawn.
    fn noted_as_more(&self) -> bool {
        let full = self.full.load(Ordering::Relaxed);
        if full {
            self.more.store(true, Ordering::Relaxed);
        }
        full
    }

    /// The next row, if any is left (the last one fills the journal).
    fn take_row(&self, events: &mut Events) -> Option<usize> {
        if events.rows >= DRAWN_EVENTS {
            self.more.store(true, Ordering::Relaxed);
            return None;
        }
        events.rows += 1;
        if events.rows == DRAWN_EVENTS {
            self.full.store(true, Ordering::Relaxed);
        }
        Some(events.rows - 1)
    }

    /// The diagram as an SVG document.
    pub fn to_svg(&self) -> String {
        let events = self.events.lock().expect("journal lock");
        let more = self.more.load(Ordering::Relaxed);
        let columns = participants(&events.sent);
        let step = WIDTH / (columns.len() + 1);
        let x_of = |id: &str| step * (1 + columns.iter().position(|c| c == id).unwrap_or(0));
        let y_of = |row: usize| HEADER + ROW * (row + 1);
        let height = y_of(events.rows) + if more { 3 * ROW } else { ROW };
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
             font-family=\"sans-serif\" font-size=\"11\">\n\
             <defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">\
             <path d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>\n"
        );
        for id in &columns {
            let x = x_of(id);
            let _ = writeln!(
                svg,
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\
                 <line x1=\"{x}\" y1=\"{HEADER}\" x2=\"{x}\" y2=\"{height}\" stroke=\"#ccc\"/>",
                HEADER - 15,
                escape(id)
            );
        }
        for message in &events.sent {
            let Some(received) = message.received_row else {
                continue;
            };
            let colour = if message.error {
                "#FF1E90"
            } else if is_client(&message.src) || is_client(&message.dest) {
                "#81BFFC"
            } else {
                "black"
            };
            let (x1, y1, x2, y2) = (
                x_of(&message.src),
                y_of(message.row),
                x_of(&message.dest),
                y_of(received),
            );
            let _ = writeln!(
                svg,
                "<g><title>{}</title><line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" \
                 stroke=\"{colour}\" marker-end=\"url(#head)\"/><text x=\"{}\" y=\"{}\" \
                 text-anchor=\"middle\" fill=\"{colour}\">{}</text></g>",
                escape(&message.title),
                (x1 + x2) / 2,
                (y1 + y2) / 2 - 3,
                escape(&message.label)
            );
        }
        if more {
            let _ = writeln!(
                svg,
                "<text x=\"10\" y=\"{}\" fill=\"orange\">Additional network events not shown</text>",
                height - ROW
            );
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// Clients in numeric order, then nodes, then services.
fn participants(sent: &[Sent]) -> Vec<String> {
    let mut ids: Vec<String> = sent
        .iter()
        .flat_map(|m| [m.src.clone(), m.dest.clone()])
        .collect();
    ids.sort_by_key(|id| {
        let number = id.get(1..).and_then(|n| n.parse::<u64>().ok());
        let rank = if is_client(id) {
            0
        } else if id.starts_with('n') && number.is_some() {
            1
        } else {
            2
        };
        let number = number.unwrap_or(u64::MAX);
        (rank, number, id.clone())
    });
    ids.dedup();
    ids
}

/// `<type> <rest of the body>`, or an error's text.
fn label(body: &Json) -> String {
    let kind = body.get("type").and_then(Json::as_str).unwrap_or("?");
    let text = if kind == "error" {
        let text = body.get("text").and_then(Json::as_str).unwrap_or("");
        format!("error {text}")
    } else {
        let mut rest = body.as_object().cloned().unwrap_or_default();
        for key in ["type", "msg_id", "in_reply_to"] {
            rest.remove(key);
        }
        if rest.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} {}", Json::Object(rest))
        }
    };
    truncate(&text, LABEL_CHARS)
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(id: u64, src: &str, dest: &str, body: Json) -> Message {
        Message {
            id,
            src: src.into(),
            dest: dest.into(),
            body,
        }
    }

    #[test]
    fn delivered_messages_become_coloured_labelled_arrows_between_ordered_columns() {
        let journal = Journal::default();
        let init = message(0, "c1", "n0", json!({"type": "init", "msg_id": 1}));
        journal.sent(&init);
        journal.received(&init);
        let gossip = message(
            1,
            "n1",
            "n0",
            json!({"type": "gossip", "msg_id": 2, "m": [1, 2]}),
        );
        let error = message(
            2,
            "seq-kv",
            "n1",
            json!({"type": "error", "code": 20, "text": "key does not exist"}),
        );
        let read = message(3, "c10", "n1", json!({"type": "read", "msg_id": 3}));
        let lost = message(4, "n0", "n1", json!({"type": "gossip", "m": [3]}));
        for m in [&gossip, &error, &read, &lost] {
            journal.sent(m);
        }
        for m in [&gossip, &error, &read] {
            journal.received(m);
        }
        let svg = journal.to_svg();
        assert!(!svg.contains("init"), "init traffic is not drawn");
        let columns: Vec<usize> = ["c10", "n0", "n1", "seq-kv"]
            .iter()
            .map(|id| svg.find(&format!(">{id}</text>")).unwrap())
            .collect();
        assert!(columns.is_sorted(), "clients, nodes, then services");
        assert!(svg.contains(r#"stroke="black" marker-end="url(#head)"/><text x="#));
        assert!(svg.contains(r##"fill="#FF1E90">error key does not exist</text>"##));
        assert!(svg.contains(r##"fill="#81BFFC">read</text>"##));
        assert!(svg.contains(r#">gossip {&quot;m&quot;:[1,2]}</text>"#));
        assert_eq!(
            svg.matches("<line x1").count() - 4,
            3,
            "one arrow per delivered message"
        );
        assert!(!svg.contains("not shown"));
    }

    #[test]
    fn only_the_first_events_are_kept_and_the_rest_is_noted() {
        let journal = Journal::default();
        for id in 0..DRAWN_EVENTS as u64 {
            let m = message(
                id,
                "n0",
                "n1",
                json!({"type": "gossip", "payload": "x".repeat(100)}),
            );
            journal.sent(&m);
            journal.received(&m);
        }
        let svg = journal.to_svg();
        assert_eq!(svg.matches("<g>").count(), DRAWN_EVENTS / 2);
        assert!(svg.contains("Additional network events not shown"));
        assert!(
            svg.contains("gossip {&quot;payload&quot;:&quot;xxxxxxxxxxxxxxxxxxxxxxxxxxxxx…</text>")
        );
    }
}

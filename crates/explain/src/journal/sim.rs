//! The simulator's journal, `net-journal.jsonl`: one JSON object per line.
//!
//! - `{"ev":"origin","t":T}`: the history's time 0 is journal time `T`.
//! - `{"ev":"send","t":T,"id":N,"src":..,"dest":..,"body":{..}}`
//! - `{"ev":"recv","t":T,"id":N}` and `{"ev":"drop","t":T,"id":N}` (dropped by a partition).
//! - `{"ev":"truncated","t":T,"cap":C}`: the cap of `C` events was reached; nothing follows.
//!
//! Times are nanoseconds since the network was created. The writer lives in
//! `sim` (`net_log`); this is the one reader, and the format's documentation.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value as Json;

use super::{Event, Journal, JournalSource, assemble};
use crate::store::ExplainError;

pub const FILE_NAME: &str = "net-journal.jsonl";

pub(super) fn read(path: &Path) -> Result<Journal, ExplainError> {
    let fail = |line: usize, message: String| ExplainError::Journal {
        path: path.to_path_buf(),
        message: format!("line {line}: {message}"),
    };
    let file = std::fs::File::open(path).map_err(|source| ExplainError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut events = Vec::new();
    let mut origin = 0;
    let mut note = None;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| ExplainError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Json = serde_json::from_str(&line).map_err(|e| fail(i + 1, e.to_string()))?;
        let t = v
            .get("t")
            .and_then(Json::as_i64)
            .ok_or_else(|| fail(i + 1, "no \"t\"".into()))?;
        let id = || {
            v.get("id")
                .and_then(Json::as_u64)
                .ok_or_else(|| fail(i + 1, "no \"id\"".into()))
        };
        let text = |key: &str| {
            v.get(key)
                .and_then(Json::as_str)
                .map(str::to_string)
                .ok_or_else(|| fail(i + 1, format!("no \"{key}\"")))
        };
        match v.get("ev").and_then(Json::as_str) {
            Some("origin") => origin = t,
            Some("send") => events.push(Event::Send {
                time_ns: t,
                id: id()?,
                src: text("src")?,
                dest: text("dest")?,
                body: v.get("body").cloned().unwrap_or(Json::Null),
            }),
            Some("recv") => events.push(Event::Recv {
                time_ns: t,
                id: id()?,
            }),
            Some("drop") => events.push(Event::Drop {
                time_ns: t,
                id: id()?,
            }),
            Some("truncated") => {
                note = Some(format!(
                    "the journal stops at its cap of {} events, {:.2} s into the run",
                    v.get("cap").and_then(Json::as_u64).unwrap_or_default(),
                    (t - origin) as f64 / 1e9
                ));
            }
            other => return Err(fail(i + 1, format!("unknown event {other:?}"))),
        }
    }
    let source = JournalSource {
        file: FILE_NAME.to_string(),
        complete: note.is_none(),
        note,
    };
    Ok(assemble(events, -origin, source))
}

//! The last resort: `messages.svg` draws each delivered message with a
//! `<title>` reading `src → dest {body}` (EDN on Maelstrom, JSON on the
//! simulator). It has no times and no dropped messages, and Maelstrom draws
//! only the run's first messages.

use std::path::Path;

use serde_json::Value as Json;

use super::{Fate, Journal, JournalSource, traced};
use crate::ops::edn_json;
use crate::store::ExplainError;

pub(super) fn read(path: &Path) -> Result<Journal, ExplainError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExplainError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut messages = Vec::new();
    for chunk in text.split("<title").skip(1) {
        let Some(title) = chunk
            .split_once('>')
            .and_then(|(_, rest)| rest.split_once("</title>"))
        else {
            continue;
        };
        let title = unescape(title.0);
        let Some((src, rest)) = title.split_once(" → ") else {
            continue;
        };
        let Some((dest, body)) = rest.split_once(' ') else {
            continue;
        };
        let dest = dest.trim_end_matches(':');
        let Some(body) = body_json(body.trim()) else {
            continue;
        };
        let mut message = traced(None, src.trim().to_string(), dest.to_string(), body);
        message.fate = Fate::Delivered;
        messages.push(message);
    }
    Ok(Journal {
        messages,
        source: JournalSource {
            file: "messages.svg".to_string(),
            complete: false,
            note: Some(
                "messages.svg only: delivered messages of the diagram, no times, no drops"
                    .to_string(),
            ),
        },
    })
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn body_json(text: &str) -> Option<Json> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| edn::parse(text).ok().map(|v| edn_json(&v)))
}

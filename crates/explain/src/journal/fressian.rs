//! A minimal Fressian reader for Maelstrom's `net-journal/<stripe>.fressian`:
//! only the encodings Jepsen's journal writes (packed ints, strings, keywords,
//! lists, maps, sets, structs, the priority and struct caches). Each stripe is
//! a stream of `ev` structs `{id, time, type, message}` whose message is a
//! `msg` struct `{id, src, dest, body}`.

use std::path::Path;

use checker::history::Op;
use serde_json::Value as Json;

use super::{Event, Journal, JournalSource, assemble, history_shift};
use crate::store::ExplainError;

/// A decoded Fressian value (only what the journal uses).
#[derive(Debug, Clone, PartialEq)]
enum Fv {
    Nil,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    Key(String),
    List(Vec<Fv>),
    Map(Vec<(Fv, Fv)>),
    Struct(String, Vec<Fv>),
    Bytes,
}

/// What a top-level read produced.
enum Item {
    Value(Fv),
    /// The footer or the end of the file.
    End,
}

struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    priority: Vec<Fv>,
    structs: Vec<(String, usize)>,
}

type Result<T> = std::result::Result<T, String>;

impl<'a> Decoder<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Decoder {
            bytes,
            at: 0,
            priority: Vec::new(),
            structs: Vec::new(),
        }
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        self.at += 1;
        Ok(b)
    }

    fn unsigned(&mut self, n: usize) -> Result<i64> {
        let mut v: i64 = 0;
        for _ in 0..n {
            v = (v << 8) | i64::from(self.byte()?);
        }
        Ok(v)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn int(&mut self) -> Result<i64> {
        match self.value()? {
            Fv::Int(n) => Ok(n),
            other => Err(format!(
                "expected an int before byte {}, found {other:?}",
                self.at
            )),
        }
    }

    fn count(&mut self) -> Result<usize> {
        usize::try_from(self.int()?).map_err(|_| format!("negative length before byte {}", self.at))
    }

    fn top(&mut self) -> Result<Item> {
        if self.at >= self.bytes.len() || self.bytes[self.at] == 0xCF {
            return Ok(Item::End);
        }
        self.value().map(Item::Value)
    }

    fn value(&mut self) -> Result<Fv> {
        let start = self.at;
        let code = self.byte()?;
        let v = match code {
            0x00..=0x3F => Fv::Int(i64::from(code)),
            0xFF => Fv::Int(-1),
            0x40..=0x5F => Fv::Int(((i64::from(code) - 0x50) << 8) | self.unsigned(1)?),
            0x60..=0x6F => Fv::Int(((i64::from(code) - 0x68) << 16) | self.unsigned(2)?),
            0x70..=0x73 => Fv::Int(((i64::from(code) - 0x72) << 24) | self.unsigned(3)?),
            0x74..=0x77 => Fv::Int(((i64::from(code) - 0x76) << 32) | self.unsigned(4)?),
            0x78..=0x7B => Fv::Int(((i64::from(code) - 0x7A) << 40) | self.unsigned(5)?),
            0x7C..=0x7F => Fv::Int(((i64::from(code) - 0x7E) << 48) | self.unsigned(6)?),
            0xF8 => Fv::Int(self.unsigned(8)?),
            0x80..=0x9F => self.cached(usize::from(code - 0x80))?,
            0xCC => {
                let index = self.count()?;
                self.cached(index)?
            }
            0xCD => {
                let index = self.priority.len();
                self.priority.push(Fv::Nil);
                let v = self.value()?;
                self.priority[index] = v.clone();
                v
            }
            0xCE => {
                let v = self.value()?;
                self.priority.push(v);
                self.value()?
            }
            0xFE => {
                self.priority.clear();
                self.structs.clear();
                self.value()?
            }
            0xEF => {
                let tag = match self.value()? {
                    Fv::Str(s) => s,
                    other => return Err(format!("struct tag at byte {start} is {other:?}")),
                };
                let fields = self.count()?;
                self.structs.push((tag, fields));
                self.fields(self.structs.len() - 1)?
            }
            0xF0 => {
                let index = self.count()?;
                self.fields(index)?
            }
            0xA0..=0xAF => self.fields(usize::from(code - 0xA0))?,
            0xC0 => match self.value()? {
                Fv::List(items) => {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut items = items.into_iter();
                    while let (Some(k), Some(v)) = (items.next(), items.next()) {
                        pairs.push((k, v));
                    }
                    Fv::Map(pairs)
                }
                other => return Err(format!("map at byte {start} holds {other:?}")),
            },
            0xC1 => self.value()?,
            0xC9 | 0xCA => {
                let _namespace = self.value()?;
                match self.value()? {
                    Fv::Str(name) => Fv::Key(name),
                    other => return Err(format!("keyword name at byte {start} is {other:?}")),
                }
            }
            0xDA..=0xE1 => self.string(usize::from(code - 0xDA))?,
            0xE3 => {
                let n = self.count()?;
                self.string(n)?
            }
            0xE2 => {
                let n = self.count()?;
                let Fv::Str(head) = self.string(n)? else {
                    unreachable!("string() returns a string")
                };
                match self.value()? {
                    Fv::Str(tail) => Fv::Str(head + &tail),
                    other => return Err(format!("string chunk at byte {start} ends in {other:?}")),
                }
            }
            0xD0..=0xD7 => {
                self.take(usize::from(code - 0xD0))?;
                Fv::Bytes
            }
            0xD9 => {
                let n = self.count()?;
                self.take(n)?;
                Fv::Bytes
            }
            0xE4..=0xEB => self.list(usize::from(code - 0xE4))?,
            0xEC => {
                let n = self.count()?;
                self.list(n)?
            }
            0xED | 0xEE => {
                let mut items = Vec::new();
                while self.at < self.bytes.len() && self.bytes[self.at] != 0xFD {
                    items.push(self.value()?);
                }
                if code == 0xED && self.at >= self.bytes.len() {
                    return Err(format!("list at byte {start} is never closed"));
                }
                self.at += 1;
                Fv::List(items)
            }
            0xF5 => Fv::Bool(true),
            0xF6 => Fv::Bool(false),
            0xF7 => Fv::Nil,
            0xF9 => Fv::Double(f64::from(f32::from_bits(self.unsigned(4)? as u32))),
            0xFA => Fv::Double(f64::from_bits(self.unsigned(8)? as u64)),
            0xFB => Fv::Double(0.0),
            0xFC => Fv::Double(1.0),
            0xC8 => Fv::Int(self.int()?),
            other => {
                return Err(format!(
                    "unsupported Fressian code 0x{other:02X} at byte {start}"
                ));
            }
        };
        Ok(v)
    }

    fn cached(&self, index: usize) -> Result<Fv> {
        self.priority
            .get(index)
            .cloned()
            .ok_or_else(|| format!("cache index {index} unset before byte {}", self.at))
    }

    fn fields(&mut self, index: usize) -> Result<Fv> {
        let (tag, n) = self
            .structs
            .get(index)
            .cloned()
            .ok_or_else(|| format!("struct type {index} unset before byte {}", self.at))?;
        Ok(Fv::Struct(tag, self.list(n)?.into_list()))
    }

    fn list(&mut self, n: usize) -> Result<Fv> {
        let mut items = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            items.push(self.value()?);
        }
        Ok(Fv::List(items))
    }

    fn string(&mut self, n: usize) -> Result<Fv> {
        Ok(Fv::Str(String::from_utf8_lossy(self.take(n)?).into_owned()))
    }
}

impl Fv {
    fn into_list(self) -> Vec<Fv> {
        match self {
            Fv::List(items) => items,
            other => vec![other],
        }
    }

    fn to_json(&self) -> Json {
        match self {
            Fv::Nil | Fv::Bytes => Json::Null,
            Fv::Bool(b) => Json::Bool(*b),
            Fv::Int(n) => Json::from(*n),
            Fv::Double(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Fv::Str(s) | Fv::Key(s) => Json::String(s.clone()),
            Fv::List(items) => Json::Array(items.iter().map(Fv::to_json).collect()),
            Fv::Map(pairs) => Json::Object(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Fv::Str(s) | Fv::Key(s) => s.clone(),
                            other => other.to_json().to_string(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
            Fv::Struct(_, fields) => Json::Array(fields.iter().map(Fv::to_json).collect()),
        }
    }
}

/// One journal event from an `ev` struct: `[id time type message]`.
fn event(value: Fv) -> Option<Event> {
    let Fv::Struct(tag, fields) = value else {
        return None;
    };
    let [_, Fv::Int(time_ns), Fv::Key(kind), Fv::Struct(_, message)] = fields.as_slice() else {
        return None;
    };
    if tag != "ev" {
        return None;
    }
    let [Fv::Int(id), Fv::Str(src), Fv::Str(dest), body] = message.as_slice() else {
        return None;
    };
    let id = u64::try_from(*id).ok()?;
    Some(match kind.as_str() {
        "send" => Event::Send {
            time_ns: *time_ns,
            id,
            src: src.clone(),
            dest: dest.clone(),
            body: body.to_json(),
        },
        "recv" => Event::Recv {
            time_ns: *time_ns,
            id,
        },
        _ => return None,
    })
}

/// Every event of one stripe file.
fn read_stripe(bytes: &[u8]) -> Result<Vec<Event>> {
    let mut decoder = Decoder::new(bytes);
    let mut events = Vec::new();
    while let Item::Value(value) = decoder.top()? {
        events.extend(event(value));
    }
    Ok(events)
}

/// All stripes of `net-journal/`, on the history's clock.
pub(super) fn read_dir(dir: &Path, history: &[Op]) -> std::result::Result<Journal, ExplainError> {
    let io = |source| ExplainError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "fressian"))
        .collect();
    paths.sort();
    let mut events = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|source| ExplainError::Io {
            path: path.clone(),
            source,
        })?;
        match read_stripe(&bytes) {
            Ok(stripe) => events.extend(stripe),
            Err(why) => unreadable.push(format!(
                "{}: {why}",
                path.file_name().unwrap_or_default().to_string_lossy()
            )),
        }
    }
    events.sort_by_key(|e| match e {
        Event::Send { time_ns, .. } | Event::Recv { time_ns, .. } | Event::Drop { time_ns, .. } => {
            *time_ns
        }
    });
    let shift = history_shift(&events, history);
    let source = JournalSource {
        file: "net-journal/*.fressian".to_string(),
        complete: unreadable.is_empty(),
        note: (!unreadable.is_empty())
            .then(|| format!("stripes not read: {}", unreadable.join("; "))),
    };
    Ok(assemble(events, shift, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_ints_decode_as_the_spec_lays_them_out() {
        let cases: &[(&[u8], i64)] = &[
            (&[0x05], 5),
            (&[0xFF], -1),
            (&[0x51, 0x02], 258),
            (&[0x4F, 0xFF], -1),
            (&[0x69, 0x00, 0x01], 65537),
            (
                &[0x7E, 0x09, 0xDA, 0x57, 0x1B, 0x48, 0x4D],
                0x09DA_571B_484D,
            ),
            (&[0xF8, 0, 0, 0, 0, 0, 0, 1, 0], 256),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                Decoder::new(bytes).value().unwrap(),
                Fv::Int(*want),
                "{bytes:02X?}"
            );
        }
    }

    #[test]
    fn caches_structs_and_maps_round_trip_a_journal_event() {
        // ev{1, 2, :send, msg{0, "c0", "n1", {:type "init"}}}, then the same shape from the caches.
        let mut bytes = vec![0xEF, 0xDC, b'e', b'v', 0x04, 0x01, 0x02];
        bytes.extend([0xCD, 0xCA, 0xF7, 0xCD, 0xDE, b's', b'e', b'n', b'd']);
        bytes.extend([0xEF, 0xDD, b'm', b's', b'g', 0x04, 0x00]);
        bytes.extend([0xDC, b'c', b'0', 0xDC, b'n', b'1']);
        bytes.extend([0xC0, 0xED, 0xCA, 0xF7, 0xDE, b't', b'y', b'p', b'e']);
        bytes.extend([0xDE, b'i', b'n', b'i', b't', 0xFD]);
        bytes.extend([
            0xA0, 0x03, 0x04, 0x80, 0xA1, 0x07, 0xDC, b'n', b'1', 0xDC, b'c', b'0', 0xC0, 0xE4,
        ]);
        let events = read_stripe(&bytes).unwrap();
        assert_eq!(
            events,
            vec![
                Event::Send {
                    time_ns: 2,
                    id: 0,
                    src: "c0".into(),
                    dest: "n1".into(),
                    body: serde_json::json!({"type": "init"}),
                },
                Event::Send {
                    time_ns: 4,
                    id: 7,
                    src: "n1".into(),
                    dest: "c0".into(),
                    body: serde_json::json!({}),
                },
            ]
        );
    }

    #[test]
    fn a_cut_stripe_is_an_error_naming_the_byte() {
        let err = read_stripe(&[0xEF, 0xDC, b'e']).unwrap_err();
        assert!(err.contains("truncated at byte 2"), "{err}");
    }
}

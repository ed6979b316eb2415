//! The Maelstrom wire format: one JSON envelope per line.
//!
//! A [`Message`] is `{src, dest, body}`; the body's `msg_id` and `in_reply_to`
//! are lifted out into [`Body`] so that node payloads can be plain serde enums
//! tagged by `type`. This module only converts between lines and values; it
//! does not route or send anything (see [`crate::net`]).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One message on the simulated network.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<P> {
    pub src: String,
    pub dest: String,
    pub body: Body<P>,
}

/// A message body: the correlation ids plus the node-specific payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Body<P> {
    pub msg_id: Option<u64>,
    pub in_reply_to: Option<u64>,
    pub payload: P,
}

/// Why a line could not be read as a message.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("line is not a JSON message envelope: {source}")]
    Envelope { source: serde_json::Error },
    #[error("message from {src}: body is not a JSON object")]
    BodyNotObject { src: String },
    #[error("message from {src}: `{field}` is not an unsigned integer")]
    BadId { src: String, field: &'static str },
}

/// The standard Maelstrom error codes nodes send or receive (protocol.md §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    Timeout = 0,
    NodeNotFound = 1,
    NotSupported = 10,
    TemporarilyUnavailable = 11,
    MalformedRequest = 12,
    Crash = 13,
    Abort = 14,
    KeyDoesNotExist = 20,
    KeyAlreadyExists = 21,
    PreconditionFailed = 22,
    TxnConflict = 30,
}

/// The `{"type":"error","code":..,"text":..}` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "error")]
pub struct ErrorReply {
    pub code: u32,
    #[serde(default)]
    pub text: String,
}

impl ErrorReply {
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        Self {
            code: code as u32,
            text: text.into(),
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    src: String,
    dest: String,
    // Maelstrom delivers a missing or null body as `{}`.
    #[serde(default)]
    body: Value,
}

impl Message<Value> {
    /// Parses one input line. The payload keeps every body key except the ids.
    pub fn parse_line(line: &str) -> Result<Self, ParseError> {
        let envelope: Envelope =
            serde_json::from_str(line).map_err(|source| ParseError::Envelope { source })?;
        let src = envelope.src;
        let mut fields = match envelope.body {
            Value::Object(fields) => fields,
            Value::Null => Map::new(),
            _ => return Err(ParseError::BodyNotObject { src }),
        };
        let msg_id = take_id(&mut fields, "msg_id", &src)?;
        let in_reply_to = take_id(&mut fields, "in_reply_to", &src)?;
        Ok(Message {
            src,
            dest: envelope.dest,
            body: Body {
                msg_id,
                in_reply_to,
                payload: Value::Object(fields),
            },
        })
    }

    /// The body's `type`, if it has a string one.
    pub fn kind(&self) -> Option<&str> {
        self.body.payload.get("type").and_then(Value::as_str)
    }

    /// Converts the payload into a node's typed payload.
    pub fn decode<P: DeserializeOwned>(self) -> Result<Message<P>, serde_json::Error> {
        let payload = serde_json::from_value(self.body.payload)?;
        Ok(Message {
            src: self.src,
            dest: self.dest,
            body: Body {
                msg_id: self.body.msg_id,
                in_reply_to: self.body.in_reply_to,
                payload,
            },
        })
    }
}

impl<P: Serialize> Message<P> {
    /// Renders the message as one compact JSON line (without the newline).
    ///
    /// Fails only if the payload does not serialize to a JSON object, which is
    /// a bug in the node rather than bad input.
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        let mut body = match serde_json::to_value(&self.body.payload)? {
            Value::Object(fields) => fields,
            other => {
                return Err(serde::ser::Error::custom(format!(
                    "message body must be a JSON object, got {other}"
                )));
            }
        };
        if let Some(id) = self.body.msg_id {
            body.insert("msg_id".into(), id.into());
        }
        if let Some(id) = self.body.in_reply_to {
            body.insert("in_reply_to".into(), id.into());
        }
        let envelope = serde_json::json!({ "src": self.src, "dest": self.dest, "body": body });
        serde_json::to_string(&envelope)
    }
}

fn take_id(
    fields: &mut Map<String, Value>,
    field: &'static str,
    src: &str,
) -> Result<Option<u64>, ParseError> {
    match fields.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| ParseError::BadId {
            src: src.to_owned(),
            field,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_ids_out_of_the_body_and_ignores_the_network_id() {
        let msg = Message::parse_line(
            r#"{"id":17,"src":"c4","dest":"n1","body":{"echo":"hi","type":"echo","msg_id":3}}"#,
        )
        .unwrap();
        assert_eq!(msg.src, "c4");
        assert_eq!(msg.body.msg_id, Some(3));
        assert_eq!(msg.body.in_reply_to, None);
        assert_eq!(msg.body.payload, json!({"type": "echo", "echo": "hi"}));
    }

    #[test]
    fn missing_body_is_an_empty_object_and_bad_bodies_are_errors() {
        let msg = Message::parse_line(r#"{"src":"a","dest":"b"}"#).unwrap();
        assert_eq!(msg.body.payload, json!({}));
        assert!(matches!(
            Message::parse_line(r#"{"src":"a","dest":"b","body":3}"#),
            Err(ParseError::BodyNotObject { .. })
        ));
        assert!(matches!(
            Message::parse_line(r#"{"src":"a","dest":"b","body":{"msg_id":-1}}"#),
            Err(ParseError::BadId {
                field: "msg_id",
                ..
            })
        ));
        assert!(matches!(
            Message::parse_line("hello"),
            Err(ParseError::Envelope { .. })
        ));
    }

    #[test]
    fn big_integers_survive_a_round_trip_exactly() {
        let line =
            r#"{"src":"c1","dest":"n0","body":{"type":"x","v":123456789012345678901234567890}}"#;
        let msg = Message::parse_line(line).unwrap();
        let out = msg.to_line().unwrap();
        assert!(out.contains("123456789012345678901234567890"), "{out}");
    }

    #[test]
    fn renders_ids_inside_the_body() {
        let msg = Message {
            src: "n0".to_owned(),
            dest: "c1".to_owned(),
            body: Body {
                msg_id: Some(4),
                in_reply_to: Some(1),
                payload: ErrorReply::new(ErrorCode::NotSupported, "nope"),
            },
        };
        let value: Value = serde_json::from_str(&msg.to_line().unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"src": "n0", "dest": "c1", "body":
                {"type": "error", "code": 10, "text": "nope", "msg_id": 4, "in_reply_to": 1}})
        );
    }
}

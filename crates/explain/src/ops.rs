//! Reading the ops and fields `results.edn` cites.

use checker::history::OP_TAG;
use edn::Value;
use serde_json::Value as Json;

/// History indexes of every op cited anywhere inside `value`, in order of appearance.
pub fn cited_ops(value: &Value) -> Vec<u64> {
    let mut out = Vec::new();
    collect(value, &mut out);
    out
}

fn collect(value: &Value, out: &mut Vec<u64>) {
    match value {
        Value::Tagged(tag, inner) if tag == OP_TAG => {
            if let Some(index) = inner.get_kw("index").and_then(Value::as_i64) {
                out.push(index as u64);
            }
        }
        Value::Tagged(_, inner) => collect(inner, out),
        Value::List(items) | Value::Vector(items) | Value::Set(items) => {
            items.iter().for_each(|i| collect(i, out));
        }
        Value::Map(pairs) => pairs.iter().for_each(|(_, v)| collect(v, out)),
        _ => {}
    }
}

/// `key "8", values [6 8], skipped (7)`: the plain fields of an error map (ops left out).
pub fn plain_fields(value: &Value, except: &[&str]) -> String {
    let Some(pairs) = value.as_map() else {
        return value.to_string();
    };
    pairs
        .iter()
        .filter(|(k, v)| {
            cited_ops(v).is_empty() && !except.contains(&k.as_keyword().unwrap_or_default())
        })
        .map(|(k, v)| format!("{} {v}", k.as_keyword().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The keyword names in a list like `(:G1a :lost-write)`.
pub fn keywords(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_seq)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_keyword().map(str::to_string))
        .collect()
}

/// EDN to JSON the way Maelstrom maps bodies: keywords become strings.
pub fn edn_json(value: &edn::Value) -> Json {
    use edn::Value as V;
    match value {
        V::Nil => Json::Null,
        V::Bool(b) => Json::Bool(*b),
        V::Int(n) => Json::from(*n),
        V::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        V::Str(s) | V::Keyword(s) | V::Symbol(s) | V::BigInt(s) | V::Decimal(s) => {
            Json::String(s.clone())
        }
        V::Char(c) => Json::String(c.to_string()),
        V::Ratio(a, b) => {
            serde_json::Number::from_f64(*a as f64 / *b as f64).map_or(Json::Null, Json::Number)
        }
        V::List(items) | V::Vector(items) | V::Set(items) => {
            Json::Array(items.iter().map(edn_json).collect())
        }
        V::Map(pairs) => Json::Object(
            pairs
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        V::Str(s) | V::Keyword(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (key, edn_json(v))
                })
                .collect(),
        ),
        V::Tagged(_, inner) => edn_json(inner),
    }
}

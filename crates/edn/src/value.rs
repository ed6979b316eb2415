//! The EDN value tree.

/// One EDN value. Maps and sets keep insertion order (Jepsen's own order is
/// not guaranteed, so lookups go by key, never by position).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    /// An integer beyond 64 bits (`123N`, or Java's `...BIGINT`), kept as its decimal digits.
    BigInt(String),
    Float(f64),
    /// `numerator/denominator`.
    Ratio(i64, i64),
    /// `1.5M`, kept as written without the suffix.
    Decimal(String),
    Str(String),
    Char(char),
    /// Keyword without the leading colon, e.g. `valid?` or `maelstrom.client/timeout`.
    Keyword(String),
    Symbol(String),
    List(Vec<Value>),
    Vector(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
    /// `#tag form`, e.g. `#jepsen.history.Op{...}` (tag without the `#`).
    Tagged(String, Box<Value>),
}

impl Value {
    /// Shorthand for a keyword value.
    pub fn kw(name: &str) -> Value {
        Value::Keyword(name.to_string())
    }
}

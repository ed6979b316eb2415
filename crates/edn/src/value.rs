//! The EDN value tree, its constructors and the lookup helpers checkers use
//! to walk `results.edn` and history ops by key rather than by position.

/// One EDN value. Maps and sets keep insertion order (Jepsen's own order is
/// not guaranteed, so lookups go by key, never by position). Duplicate map
/// keys or set members are kept as written, not rejected.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    /// An integer written with a big-integer suffix (`123N`, or Java's
    /// `...BIGINT`) or beyond 64 bits, kept as its decimal digits (sign
    /// included, no suffix).
    BigInt(String),
    Float(f64),
    /// `numerator/denominator`, as written (not reduced).
    Ratio(i64, i64),
    /// `1.5M`, kept as written without the suffix (or a leading `+`).
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

    /// A map from any key/value pairs, in the given order.
    pub fn map(entries: impl IntoIterator<Item = (Value, Value)>) -> Value {
        Value::Map(entries.into_iter().collect())
    }

    /// A map keyed by keywords, the shape of nearly every map in `results.edn`:
    /// `Value::kw_map([("valid?", true.into())])` is `{:valid? true}`.
    pub fn kw_map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| (Value::kw(key), value))
                .collect(),
        )
    }

    /// The value stored under `key` in a map or a tagged map (a Jepsen record).
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The value stored under the keyword `:name`; `name` has no colon.
    pub fn get_kw(&self, name: &str) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| matches!(k, Value::Keyword(k) if k == name))
            .map(|(_, v)| v)
    }

    /// Follows keyword keys from this value: `path(&["net", "all", "msgs-per-op"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |value, key| value.get_kw(key))
    }

    /// An integer that fits in 64 bits (a `BigInt` too, if it fits).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::BigInt(digits) => digits.parse().ok(),
            _ => None,
        }
    }

    /// Any number as a float: ints, floats, ratios, big integers and decimals.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            Value::Ratio(num, den) => Some(*num as f64 / *den as f64),
            Value::BigInt(text) | Value::Decimal(text) => text.parse().ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The keyword's name without the colon.
    pub fn as_keyword(&self) -> Option<&str> {
        match self {
            Value::Keyword(name) => Some(name),
            _ => None,
        }
    }

    /// The items of a list, vector or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Vector(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map or of a tagged map (a Jepsen record such as
    /// `#jepsen.history.Op{...}`, which Jepsen treats as a map).
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(entries) => Some(entries),
            Value::Tagged(_, inner) => match inner.as_ref() {
                Value::Map(entries) => Some(entries),
                _ => None,
            },
            _ => None,
        }
    }

    /// Clojure truthiness: everything except `nil` and `false`.
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes `nil`, as Jepsen writes absent values.
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Nil, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::kw_map([
            (
                "net",
                Value::kw_map([("all", Value::kw_map([("msgs-per-op", 2.5.into())]))]),
            ),
            (
                "stable-latencies",
                Value::map([
                    (Value::Int(0), Value::Int(0)),
                    (Value::Float(0.5), Value::Int(88)),
                ]),
            ),
            ("valid?", Value::kw("unknown")),
        ])
    }

    #[test]
    fn path_follows_keyword_keys() {
        let v = sample();
        assert_eq!(
            v.path(&["net", "all", "msgs-per-op"])
                .and_then(Value::as_f64),
            Some(2.5)
        );
        assert_eq!(v.path(&["net", "servers"]), None);
        assert_eq!(v.path(&[]), Some(&v));
        assert_eq!(
            v.get_kw("valid?").and_then(Value::as_keyword),
            Some("unknown")
        );
    }

    #[test]
    fn get_matches_numeric_keys_by_type() {
        let lat = sample().get_kw("stable-latencies").cloned().unwrap();
        assert_eq!(
            lat.get(&Value::Float(0.5)).and_then(Value::as_i64),
            Some(88)
        );
        assert_eq!(lat.get(&Value::Int(0)).and_then(Value::as_i64), Some(0));
        assert_eq!(lat.get(&Value::Float(0.0)), None);
    }

    #[test]
    fn tagged_maps_are_maps() {
        let op = Value::Tagged(
            "jepsen.history.Op".into(),
            Box::new(Value::kw_map([("f", Value::kw("add"))])),
        );
        assert_eq!(op.get_kw("f").and_then(Value::as_keyword), Some("add"));
        let obj = Value::Tagged("object".into(), Box::new(Value::Vector(vec![])));
        assert_eq!(obj.as_map(), None);
        assert_eq!(obj.get_kw("f"), None);
    }

    #[test]
    fn numbers_convert() {
        assert_eq!(Value::Ratio(11, 2).as_f64(), Some(5.5));
        assert_eq!(Value::BigInt("-12".into()).as_i64(), Some(-12));
        assert_eq!(Value::BigInt("123456789012345678901".into()).as_i64(), None);
        assert_eq!(Value::Decimal("1.5".into()).as_f64(), Some(1.5));
        assert_eq!(Value::Float(1.0).as_i64(), None);
        assert_eq!(Value::from("x").as_f64(), None);
    }

    #[test]
    fn truthiness_and_sequences() {
        assert!(!Value::Nil.is_truthy());
        assert!(!Value::Bool(false).is_truthy());
        assert!(Value::Int(0).is_truthy());
        assert!(Value::List(vec![]).is_truthy());
        let set = Value::Set(vec![Value::from("n3")]);
        assert_eq!(set.as_seq().map(<[Value]>::len), Some(1));
        assert_eq!(Value::from(None::<i64>), Value::Nil);
        assert_eq!(Value::Nil.as_seq(), None);
    }
}

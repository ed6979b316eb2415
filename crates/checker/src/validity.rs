//! Jepsen's three-valued verdict (`true`, `false`, `:unknown`) and the rule
//! that merges several into one: false beats :unknown beats true.

use edn::Value;

/// One checker's `:valid?`, and a whole run's: the one type for it in the
/// workspace. Serialized as `"true"`, `"false"` and `"unknown"` (the run log's
/// spelling since its first line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Validity {
    #[serde(rename = "true")]
    Valid,
    #[serde(rename = "unknown")]
    Unknown,
    #[serde(rename = "false")]
    Invalid,
}

impl Validity {
    /// `true`/`false` as booleans; anything else (`:unknown`, a missing key)
    /// counts as unknown, as Jepsen's `merge-valid` treats it.
    pub fn from_edn(value: Option<&Value>) -> Validity {
        match value {
            Some(Value::Bool(true)) => Validity::Valid,
            Some(Value::Bool(false)) => Validity::Invalid,
            _ => Validity::Unknown,
        }
    }

    /// `Some(true)`/`Some(false)`; `None` for unknown.
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Validity::Valid => Some(true),
            Validity::Invalid => Some(false),
            Validity::Unknown => None,
        }
    }

    pub fn from_bool(valid: bool) -> Validity {
        if valid {
            Validity::Valid
        } else {
            Validity::Invalid
        }
    }

    pub fn to_edn(self) -> Value {
        match self {
            Validity::Valid => Value::Bool(true),
            Validity::Invalid => Value::Bool(false),
            Validity::Unknown => Value::kw("unknown"),
        }
    }

    /// Merges verdicts: any invalid → invalid, else any unknown → unknown,
    /// else valid (also for no verdicts at all).
    pub fn merge(verdicts: impl IntoIterator<Item = Validity>) -> Validity {
        verdicts
            .into_iter()
            .fold(Validity::Valid, |acc, v| match (acc, v) {
                (Validity::Invalid, _) | (_, Validity::Invalid) => Validity::Invalid,
                (Validity::Unknown, _) | (_, Validity::Unknown) => Validity::Unknown,
                _ => Validity::Valid,
            })
    }

    /// The `:valid?` of a checker's result map.
    pub fn of_result(result: &Value) -> Validity {
        let valid = match result {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::Keyword(name) if name == "valid?"))
                .map(|(_, v)| v),
            _ => None,
        };
        Validity::from_edn(valid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn false_beats_unknown_beats_true() {
        use Validity::*;
        assert_eq!(Validity::merge([Valid, Unknown, Valid]), Unknown);
        assert_eq!(Validity::merge([Unknown, Invalid, Valid]), Invalid);
        assert_eq!(Validity::merge([Valid, Valid]), Valid);
        assert_eq!(Validity::merge([]), Valid);
    }

    #[test]
    fn reads_valid_key_of_a_result_map() {
        let result = Value::Map(vec![(Value::kw("valid?"), Value::kw("unknown"))]);
        assert_eq!(Validity::of_result(&result), Validity::Unknown);
        let result = Value::Map(vec![(Value::kw("valid?"), Value::Bool(false))]);
        assert_eq!(Validity::of_result(&result), Validity::Invalid);
    }
}

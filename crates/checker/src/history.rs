//! Jepsen-style operation history: the one data type shared by the simulator's
//! clients (which write it), the store (which prints `history.edn` and
//! `history.txt`) and the checkers (which judge it).
//!
//! This module reads and prints single ops and whole `history.edn` files, and
//! pairs completions with their invocations. It does not judge anything.

use edn::Value;
use thiserror::Error;

/// Whether an entry starts an operation or completes it, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpType {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl OpType {
    /// The keyword name Jepsen uses (`invoke`, `ok`, `fail`, `info`).
    pub fn name(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }

    fn from_name(name: &str) -> Option<OpType> {
        Some(match name {
            "invoke" => OpType::Invoke,
            "ok" => OpType::Ok,
            "fail" => OpType::Fail,
            "info" => OpType::Info,
            _ => return None,
        })
    }
}

/// Who performed an operation: a client worker's process number, or the nemesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    Client(u64),
    Nemesis,
}

impl Process {
    fn to_edn(self) -> Value {
        match self {
            Process::Client(n) => int_value(n),
            Process::Nemesis => Value::kw("nemesis"),
        }
    }
}

/// One history entry, as printed on one line of `history.edn`:
/// `{:index 0, :time 1830110, :type :invoke, :process 0, :f :echo, :value "Please echo 35"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Dense position in the history, from 0.
    pub index: u64,
    /// Nanoseconds since the workload's relative-time origin.
    pub time: u64,
    pub kind: OpType,
    pub process: Process,
    /// The `:f` keyword without its colon (`echo`, `add`, `read`, `txn`, ...).
    pub f: String,
    pub value: Value,
    /// Further keys in order (`error`, `final?`, `exception`, `seek-to-beginning?`, ...),
    /// keyword names without the colon.
    pub extra: Vec<(String, Value)>,
}

/// Why a history line or op map could not be read.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum HistoryError {
    #[error("history.edn line {line}: not valid EDN: {source}")]
    Syntax {
        line: usize,
        #[source]
        source: edn::Error,
    },
    #[error("history.edn line {line}: {source}")]
    AtLine {
        line: usize,
        #[source]
        source: Box<HistoryError>,
    },
    #[error("{at}: expected an op map, found {found}")]
    NotAMap { at: String, found: &'static str },
    #[error("{at}: missing key :{key}")]
    MissingKey { at: String, key: &'static str },
    #[error("{at}: key :{key} should be {expected}, found {found}")]
    WrongType {
        at: String,
        key: String,
        expected: &'static str,
        found: String,
    },
}

impl Op {
    /// The value of an extra key such as `error` or `final?`.
    pub fn extra(&self, key: &str) -> Option<&Value> {
        self.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// True for operations of client workers (not the nemesis).
    pub fn is_client(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }

    /// True when the op carries a truthy `:final?` (counters judge only these reads).
    pub fn is_final(&self) -> bool {
        self.extra("final?").is_some_and(Value::is_truthy)
    }

    /// Reads one op from its EDN map (plain, or tagged `#jepsen.history.Op{...}`).
    /// Errors name the op's `:index` when it has one, and the offending key.
    pub fn from_edn(value: &Value) -> Result<Op, HistoryError> {
        let Some(entries) = value.as_map() else {
            return Err(HistoryError::NotAMap {
                at: "op".to_string(),
                found: kind_name(value),
            });
        };
        let at = match value.get_kw("index") {
            Some(Value::Int(i)) => format!("op :index {i}"),
            _ => "op".to_string(),
        };
        let required = |key: &'static str| {
            value.get_kw(key).ok_or_else(|| HistoryError::MissingKey {
                at: at.clone(),
                key,
            })
        };
        let wrong = |key: &str, expected: &'static str, found: &Value| HistoryError::WrongType {
            at: at.clone(),
            key: key.to_string(),
            expected,
            found: kind_name(found).to_string(),
        };

        let index = match required("index")? {
            Value::Int(i) if *i >= 0 => *i as u64,
            other => return Err(wrong("index", "a non-negative integer", other)),
        };
        let time = match required("time")? {
            Value::Int(t) if *t >= 0 => *t as u64,
            other => return Err(wrong("time", "a non-negative integer", other)),
        };
        let type_value = required("type")?;
        let Some(kind) = type_value.as_keyword().and_then(OpType::from_name) else {
            return Err(wrong("type", "one of :invoke :ok :fail :info", type_value));
        };
        let process = match required("process")? {
            Value::Int(p) if *p >= 0 => Process::Client(*p as u64),
            Value::Keyword(name) if name == "nemesis" => Process::Nemesis,
            other => return Err(wrong("process", "an integer or :nemesis", other)),
        };
        let f = match required("f")? {
            Value::Keyword(name) => name.clone(),
            other => return Err(wrong("f", "a keyword", other)),
        };
        // Jepsen treats an absent :value like nil.
        let value = value.get_kw("value").cloned().unwrap_or(Value::Nil);

        let mut extra = Vec::new();
        for (key, v) in entries {
            let Value::Keyword(name) = key else {
                return Err(wrong("<key>", "a keyword", key));
            };
            if !CORE_KEYS.contains(&name.as_str()) {
                extra.push((name.clone(), v.clone()));
            }
        }
        Ok(Op {
            index,
            time,
            kind,
            process,
            f,
            value,
            extra,
        })
    }

    /// The op as a plain map, keys in Jepsen's order:
    /// `:index :time :type :process :f :value`, then the extras.
    pub fn to_edn(&self) -> Value {
        let mut entries = vec![
            (Value::kw("index"), int_value(self.index)),
            (Value::kw("time"), int_value(self.time)),
            (Value::kw("type"), Value::kw(self.kind.name())),
            (Value::kw("process"), self.process.to_edn()),
            (Value::kw("f"), Value::kw(&self.f)),
            (Value::kw("value"), self.value.clone()),
        ];
        entries.extend(self.extra.iter().map(|(k, v)| (Value::kw(k), v.clone())));
        Value::Map(entries)
    }

    /// The op as Jepsen embeds it in results: `#jepsen.history.Op{...}`.
    pub fn to_tagged_edn(&self) -> Value {
        Value::Tagged(OP_TAG.to_string(), Box::new(self.to_edn()))
    }

    /// One `history.txt` line (without newline): process, type, f and value,
    /// tab separated, then the `:error` if any, printed the way Clojure's `str`
    /// does (a string error appears without quotes).
    pub fn to_history_txt(&self) -> String {
        let process = match self.process {
            Process::Client(n) => n.to_string(),
            Process::Nemesis => ":nemesis".to_string(),
        };
        let mut line = format!(
            "{process}\t:{}\t:{}\t{}",
            self.kind.name(),
            self.f,
            self.value
        );
        match self.extra("error") {
            None | Some(Value::Nil) => {}
            Some(Value::Str(text)) => {
                line.push('\t');
                line.push_str(text);
            }
            Some(error) => {
                line.push('\t');
                line.push_str(&error.to_string());
            }
        }
        line
    }
}

/// The record tag Jepsen prints before an op embedded in `results.edn`.
pub const OP_TAG: &str = "jepsen.history.Op";

const CORE_KEYS: [&str; 6] = ["index", "time", "type", "process", "f", "value"];

/// Reads a `history.edn` text: one op map per line; blank lines are skipped.
/// Errors name the 1-based line.
pub fn read_history(text: &str) -> Result<Vec<Op>, HistoryError> {
    let mut ops = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value = edn::parse(raw).map_err(|source| HistoryError::Syntax { line, source })?;
        let op = Op::from_edn(&value).map_err(|e| HistoryError::AtLine {
            line,
            source: Box::new(e),
        })?;
        ops.push(op);
    }
    Ok(ops)
}

/// For each op, the position (in `history`) of its invocation if it is a
/// completion, found as Jepsen does: the latest open invocation of the same
/// process. Invocations, nemesis ops and unmatched completions get `None`.
pub fn invocations(history: &[Op]) -> Vec<Option<usize>> {
    let mut open: std::collections::HashMap<Process, usize> = Default::default();
    history
        .iter()
        .enumerate()
        .map(|(pos, op)| {
            if !op.is_client() {
                return None;
            }
            if op.kind == OpType::Invoke {
                open.insert(op.process, pos);
                None
            } else {
                open.remove(&op.process)
            }
        })
        .collect()
}

/// For each op, the position of its completion if it is an invocation that
/// completed (the inverse of [`invocations`]).
pub fn completions(history: &[Op]) -> Vec<Option<usize>> {
    let mut completion = vec![None; history.len()];
    for (pos, invocation) in invocations(history).into_iter().enumerate() {
        if let Some(inv) = invocation {
            completion[inv] = Some(pos);
        }
    }
    completion
}

/// An unsigned count or time as an EDN integer (saturating: histories never
/// come near `i64::MAX`).
pub(crate) fn int_value(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A short name for a value's kind, for error messages.
pub(crate) fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::BigInt(_) => "an integer",
        Value::Float(_) | Value::Ratio(..) | Value::Decimal(_) => "a non-integer number",
        Value::Str(_) => "a string",
        Value::Char(_) => "a character",
        Value::Keyword(_) => "a keyword",
        Value::Symbol(_) => "a symbol",
        Value::List(_) => "a list",
        Value::Vector(_) => "a vector",
        Value::Map(_) => "a map",
        Value::Set(_) => "a set",
        Value::Tagged(..) => "a tagged value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECHO: &str = r#"{:index 0, :time 11335304, :type :invoke, :process 0, :f :echo, :value "Please echo 54"}
{:index 1, :time 20358701, :type :ok, :process 0, :f :echo, :value {:type "echo_ok", :echo "Please echo 54", :msg_id 2, :in_reply_to 1}}

{:index 2, :time 25000000, :type :info, :process :nemesis, :f :start-partition, :value :majority}
{:index 3, :time 30000000, :type :invoke, :process 0, :f :echo, :value "Please echo 22"}
{:index 4, :time 5728354837, :type :info, :process 0, :f :echo, :value "Please echo 22", :error :net-timeout}
"#;

    #[test]
    fn reads_ops_with_extras_and_nemesis() {
        let ops = read_history(ECHO).expect("valid history");
        assert_eq!(ops.len(), 5);
        assert_eq!(ops[1].kind, OpType::Ok);
        assert_eq!(
            ops[1].value.get_kw("echo"),
            Some(&Value::Str("Please echo 54".into()))
        );
        assert_eq!(ops[2].process, Process::Nemesis);
        assert!(!ops[2].is_client());
        assert_eq!(ops[4].time, 5_728_354_837);
        assert_eq!(ops[4].extra("error"), Some(&Value::kw("net-timeout")));
    }

    #[test]
    fn printing_round_trips_with_key_order() {
        for (op, line) in read_history(ECHO)
            .unwrap()
            .iter()
            .zip(ECHO.lines().filter(|l| !l.is_empty()))
        {
            assert_eq!(op.to_edn().to_string(), line);
            assert_eq!(Op::from_edn(&op.to_tagged_edn()).as_ref(), Ok(op));
        }
    }

    #[test]
    fn history_txt_lines() {
        let ops = read_history(ECHO).unwrap();
        assert_eq!(
            ops[0].to_history_txt(),
            "0\t:invoke\t:echo\t\"Please echo 54\""
        );
        assert_eq!(
            ops[2].to_history_txt(),
            ":nemesis\t:info\t:start-partition\t:majority"
        );
        assert_eq!(
            ops[4].to_history_txt(),
            "0\t:info\t:echo\t\"Please echo 22\"\t:net-timeout"
        );
        let mut failed = ops[4].clone();
        failed.extra = vec![("error".into(), Value::Str("no leader".into()))];
        assert!(failed.to_history_txt().ends_with("\tno leader"));
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let text = "{:index 0, :time 1, :type :invoke, :process 0, :f :read, :value nil}\n\
                    {:index 1, :time 2, :type :done, :process 0, :f :read}\n";
        let err = read_history(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "history.edn line 2: op :index 1: key :type should be one of :invoke :ok :fail :info, found a keyword"
        );

        let err = read_history("{:index 0, :time 1, :type :ok, :f :read}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "history.edn line 1: op :index 0: missing key :process"
        );

        let err = read_history("{:index 0, :time 1,").unwrap_err();
        assert!(
            matches!(err, HistoryError::Syntax { line: 1, .. }),
            "{err:?}"
        );

        let err = Op::from_edn(&Value::Vector(vec![])).unwrap_err();
        assert_eq!(err.to_string(), "op: expected an op map, found a vector");
    }

    #[test]
    fn completions_pair_with_their_process_invocation() {
        let ops = read_history(ECHO).unwrap();
        assert_eq!(invocations(&ops), [None, Some(0), None, None, Some(3)]);
        assert_eq!(completions(&ops), [Some(1), None, None, Some(4), None]);
    }
}

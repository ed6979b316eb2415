//! `:stats`: how many client completions were ok, failed or crashed, overall
//! and per `:f`.

use std::collections::BTreeMap;

use edn::Value;

use crate::count_value;
use crate::history::{Op, OpType};
use crate::validity::Validity;

/// Which `:f`s may go without any `:ok` completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsRule {
    /// Jepsen's plain rule: every `:f` needs at least one `:ok`.
    EveryF,
    /// Kafka's wrapper: `:crash` and `:debug-topic-partitions` never complete
    /// `:ok`, so they are left out of the verdict (but still listed).
    Kafka,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    ok: u64,
    fail: u64,
    info: u64,
}

impl Counts {
    fn add(&mut self, kind: OpType) {
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
            OpType::Invoke => {}
        }
    }

    /// Counts in Jepsen's key order, with `:valid?` = at least one ok.
    fn entries(self) -> Vec<(&'static str, Value)> {
        vec![
            ("valid?", Value::Bool(self.ok > 0)),
            ("count", count_value(self.ok + self.fail + self.info)),
            ("ok-count", count_value(self.ok)),
            ("fail-count", count_value(self.fail)),
            ("info-count", count_value(self.info)),
        ]
    }
}

/// The `:stats` map over client completions (invocations and nemesis ops are
/// not counted): totals, then `:by-f` sorted by `:f`.
pub fn stats(history: &[Op], rule: StatsRule) -> Value {
    let mut all = Counts::default();
    let mut by_f: BTreeMap<&str, Counts> = BTreeMap::new();
    for op in history
        .iter()
        .filter(|op| op.is_client() && op.kind != OpType::Invoke)
    {
        all.add(op.kind);
        by_f.entry(op.f.as_str()).or_default().add(op.kind);
    }

    let exempt =
        |f: &str| rule == StatsRule::Kafka && matches!(f, "crash" | "debug-topic-partitions");
    let valid = Validity::merge(
        by_f.iter()
            .filter(|(f, _)| !exempt(f))
            .map(|(_, counts)| Validity::from_bool(counts.ok > 0)),
    );

    let mut entries = all.entries();
    entries[0].1 = valid.to_edn();
    let by_f_map = Value::Map(
        by_f.into_iter()
            .map(|(f, counts)| (Value::kw(f), Value::kw_map(counts.entries())))
            .collect(),
    );
    entries.push(("by-f", by_f_map));
    Value::kw_map(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn op(index: u64, kind: OpType, process: Process, f: &str) -> Op {
        Op {
            index,
            time: index,
            kind,
            process,
            f: f.to_string(),
            value: Value::Nil,
            extra: Vec::new(),
        }
    }

    fn kafka_like() -> Vec<Op> {
        let c = Process::Client(0);
        vec![
            op(0, OpType::Invoke, c, "send"),
            op(1, OpType::Ok, c, "send"),
            op(2, OpType::Info, Process::Nemesis, "start-partition"),
            op(3, OpType::Invoke, c, "crash"),
            op(4, OpType::Info, c, "crash"),
            op(5, OpType::Invoke, Process::Client(2), "poll"),
            op(6, OpType::Fail, Process::Client(2), "poll"),
        ]
    }

    #[test]
    fn counts_client_completions_by_f() {
        let result = stats(&kafka_like(), StatsRule::EveryF);
        assert_eq!(result.get_kw("count"), Some(&Value::Int(3)));
        assert_eq!(result.get_kw("ok-count"), Some(&Value::Int(1)));
        assert_eq!(result.get_kw("fail-count"), Some(&Value::Int(1)));
        assert_eq!(result.get_kw("info-count"), Some(&Value::Int(1)));
        let by_f = result
            .get_kw("by-f")
            .and_then(Value::as_map)
            .expect("by-f map");
        let fs: Vec<&Value> = by_f.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fs,
            [&Value::kw("crash"), &Value::kw("poll"), &Value::kw("send")]
        );
        assert_eq!(
            result.path(&["by-f", "poll", "valid?"]),
            Some(&Value::Bool(false))
        );
        // poll and crash never succeeded.
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
    }

    #[test]
    fn kafka_rule_exempts_only_crash() {
        let mut history = kafka_like();
        history.truncate(5);
        assert_eq!(
            stats(&history, StatsRule::Kafka).get_kw("valid?"),
            Some(&Value::Bool(true))
        );
        assert_eq!(
            stats(&history, StatsRule::EveryF).get_kw("valid?"),
            Some(&Value::Bool(false))
        );
        assert_eq!(
            stats(&kafka_like(), StatsRule::Kafka).get_kw("valid?"),
            Some(&Value::Bool(false))
        );
    }

    #[test]
    fn empty_history_is_valid() {
        let result = stats(&[], StatsRule::EveryF);
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert_eq!(result.get_kw("count"), Some(&Value::Int(0)));
    }
}

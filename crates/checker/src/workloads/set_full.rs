//! Jepsen's "set-full" checker (non-linearizable mode), used by broadcast and
//! g-set: every added element must, after some point, be in every read.
//!
//! Each element's fate is decided by three ops: when it became *known* (its
//! add's `:ok`, or the first read that returned it), the latest read
//! invocation that saw it, and the latest one that missed it. An element is
//! *stable* if the last read to see it began after the last read to miss it,
//! *lost* if a read that began after it was known missed it and no later read
//! saw it, and *never read* otherwise.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use edn::Value;

use crate::count_value;
use crate::history::{Op, OpType, Process};
use crate::order::Key;

/// Elements shown under `:worst-stale`.
const WORST_STALE_SHOWN: usize = 8;

/// Quantiles of the latency maps (`0` and `1` print as integers).
const QUANTILES: [f64; 5] = [0.0, 0.5, 0.95, 0.99, 1.0];

/// Where an element stands, as positions in the history.
#[derive(Default)]
struct Element {
    known: Option<usize>,
    last_present: Option<usize>,
    last_absent: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Stable,
    Lost,
    NeverRead,
}

struct Fate<'a> {
    element: &'a Value,
    outcome: Outcome,
    /// Whole milliseconds; only for stable elements.
    stable_latency: Option<i64>,
    /// Whole milliseconds; only for lost elements.
    lost_latency: Option<i64>,
    known: Option<usize>,
    last_absent: Option<usize>,
}

/// The `:f` of additions for the workloads judged by set-full. Maelstrom's
/// broadcast checker is set-full with `:broadcast` read as `:add`.
pub fn add_f(workload: &str) -> Option<&'static str> {
    match workload {
        "broadcast" => Some("broadcast"),
        "g-set" => Some("add"),
        _ => None,
    }
}

/// The set-full result map. `add_f` is the `:f` of additions (`add` for
/// g-set, `broadcast` for broadcast, which Maelstrom renames to `:add`
/// before checking, so ops shown in the result say `:add`).
pub fn check(history: &[Op], add_f: &str) -> Value {
    let mut fold = Fold::new(add_f);
    for pos in 0..history.len() {
        fold.observe(history, pos);
    }
    fold.finish(history)
}

/// The checker as a fold over a history that is still being written: after
/// an op is observed, its value is only needed again if [`Fold::observe`]
/// says so, which lets a long run drop the (ever growing) read values.
pub struct Fold {
    add_f: String,
    elements: BTreeMap<Key, Element>,
    /// Position of each client process's pending invocation.
    open: HashMap<Process, usize>,
}

impl Fold {
    pub fn new(add_f: &str) -> Fold {
        Fold {
            add_f: add_f.to_string(),
            elements: BTreeMap::new(),
            open: HashMap::new(),
        }
    }

    /// Takes `history[pos]` into account. Earlier ops must be in `history`,
    /// but only their index and time are read, so their values may have been
    /// dropped. Returns whether `history[pos]`'s value is needed by
    /// [`Fold::finish`] (a read that first revealed some element).
    pub fn observe(&mut self, history: &[Op], pos: usize) -> bool {
        let op = &history[pos];
        if !op.is_client() {
            return true;
        }
        let invocation = if op.kind == OpType::Invoke {
            self.open.insert(op.process, pos);
            None
        } else {
            self.open.remove(&op.process)
        };
        if op.f == self.add_f {
            let key = Key(op.value.clone());
            if op.kind == OpType::Invoke {
                // A repeated add of the same value starts tracking afresh.
                self.elements.insert(key, Element::default());
            } else if op.kind == OpType::Ok
                && let Some(element) = self.elements.get_mut(&key)
            {
                element.known.get_or_insert(pos);
            }
            return true;
        }
        if op.f != "read" || op.kind != OpType::Ok {
            return true;
        }
        let Some(inv) = invocation else {
            return false;
        };
        let seen: BTreeSet<Key> = op
            .value
            .as_seq()
            .unwrap_or_default()
            .iter()
            .map(|v| Key(v.clone()))
            .collect();
        let later =
            |current: Option<usize>| current.is_none_or(|c| history[c].index < history[inv].index);
        let mut revealed = false;
        for (key, element) in self.elements.iter_mut() {
            if seen.contains(key) {
                if element.known.is_none() {
                    element.known = Some(pos);
                    revealed = true;
                }
                if later(element.last_present) {
                    element.last_present = Some(inv);
                }
            } else if later(element.last_absent) {
                element.last_absent = Some(inv);
            }
        }
        revealed
    }

    /// The result map, once every op has been observed.
    pub fn finish(&self, history: &[Op]) -> Value {
        let fates: Vec<Fate<'_>> = self
            .elements
            .iter()
            .map(|(Key(value), element)| fate(history, value, element))
            .collect();
        summarize(history, &self.add_f, &fates)
    }
}

fn fate<'a>(history: &[Op], value: &'a Value, e: &Element) -> Fate<'a> {
    let index = |pos: Option<usize>| pos.map_or(-1, |p| history[p].index as i128);
    let stable = e.last_present.is_some() && index(e.last_absent) < index(e.last_present);
    let lost = e.known.is_some()
        && e.last_absent.is_some()
        && index(e.last_present) < index(e.last_absent)
        && index(e.known) < index(e.last_absent);
    let outcome = if stable {
        Outcome::Stable
    } else if lost {
        Outcome::Lost
    } else {
        Outcome::NeverRead
    };
    // Latency from "known" to just after the invocation of the last read that
    // contradicted the outcome; 0 when no read did.
    let latency = |until: Option<usize>| {
        let known_time = e.known.map_or(0, |k| history[k].time as i128);
        let until_time = until.map_or(0, |u| history[u].time as i128 + 1);
        ((until_time - known_time).max(0) / 1_000_000) as i64
    };
    Fate {
        element: value,
        outcome,
        stable_latency: stable.then(|| latency(e.last_absent)),
        lost_latency: lost.then(|| latency(e.last_present)),
        known: e.known,
        last_absent: e.last_absent,
    }
}

fn summarize(history: &[Op], add_f: &str, fates: &[Fate<'_>]) -> Value {
    let with = |outcome: Outcome| fates.iter().filter(move |f| f.outcome == outcome);
    let elements_of =
        |fates: Vec<&Fate<'_>>| Value::List(fates.into_iter().map(|f| f.element.clone()).collect());
    let stable_count = with(Outcome::Stable).count() as u64;
    let lost_count = with(Outcome::Lost).count() as u64;
    let stale: Vec<&Fate<'_>> = with(Outcome::Stable)
        .filter(|f| f.stable_latency.is_some_and(|l| l > 0))
        .collect();

    // Jepsen sorts stale elements by latency (stably, in element order) and
    // reverses: the worst first, ties with the larger element first.
    let mut worst = stale.clone();
    worst.sort_by_key(|f| f.stable_latency);
    worst.reverse();
    worst.truncate(WORST_STALE_SHOWN);
    let show = |pos: Option<usize>| pos.map_or(Value::Nil, |p| shown_op(&history[p], add_f));
    let worst_stale = worst
        .iter()
        .map(|f| {
            Value::kw_map([
                ("element", f.element.clone()),
                ("outcome", Value::kw("stable")),
                ("stable-latency", latency_value(f.stable_latency)),
                ("lost-latency", latency_value(f.lost_latency)),
                ("known", show(f.known)),
                ("last-absent", show(f.last_absent)),
            ])
        })
        .collect();

    let valid = if lost_count > 0 {
        Value::Bool(false)
    } else if stable_count == 0 {
        Value::kw("unknown")
    } else {
        Value::Bool(true)
    };
    let stable_latencies: Vec<i64> = fates.iter().filter_map(|f| f.stable_latency).collect();
    let lost_latencies: Vec<i64> = fates.iter().filter_map(|f| f.lost_latency).collect();

    // Keys in the order Jepsen's hash map prints them.
    let mut entries = vec![
        ("worst-stale", Value::List(worst_stale)),
        ("duplicated-count", Value::Int(0)),
        ("valid?", valid),
        ("lost-count", count_value(lost_count)),
        ("lost", elements_of(with(Outcome::Lost).collect())),
        ("stable-count", count_value(stable_count)),
        ("stale-count", count_value(stale.len() as u64)),
        ("stale", elements_of(stale)),
        (
            "never-read-count",
            count_value(with(Outcome::NeverRead).count() as u64),
        ),
    ];
    if let Some(quantiles) = quantiles(stable_latencies) {
        entries.push(("stable-latencies", quantiles));
    }
    entries.push(("attempt-count", count_value(fates.len() as u64)));
    if let Some(quantiles) = quantiles(lost_latencies) {
        entries.push(("lost-latencies", quantiles));
    }
    entries.push((
        "never-read",
        elements_of(with(Outcome::NeverRead).collect()),
    ));
    // Jepsen's duplicate detection can never fire (it keeps counts below 1).
    entries.push(("duplicated", Value::Map(Vec::new())));
    Value::kw_map(entries)
}

/// An op as shown in the result: tagged, with the add `:f` renamed `:add`.
fn shown_op(op: &Op, add_f: &str) -> Value {
    if op.f == add_f && add_f != "add" {
        let mut renamed = op.clone();
        renamed.f = "add".to_string();
        renamed.to_tagged_edn()
    } else {
        op.to_tagged_edn()
    }
}

fn latency_value(latency: Option<i64>) -> Value {
    latency.map_or(Value::Nil, Value::Int)
}

/// `{0 l, 0.5 l, 0.95 l, 0.99 l, 1 l}` where the value for quantile `p` of
/// the sorted latencies `L` is `L[min(n-1, floor(n*p))]`; `None` when empty.
fn quantiles(mut latencies: Vec<i64>) -> Option<Value> {
    if latencies.is_empty() {
        return None;
    }
    latencies.sort_unstable();
    let n = latencies.len();
    let entries = QUANTILES
        .iter()
        .map(|&p| {
            let at = ((n as f64 * p).floor() as usize).min(n - 1);
            let key = if p.fract() == 0.0 {
                Value::Int(p as i64)
            } else {
                Value::Float(p)
            };
            (key, Value::Int(latencies[at]))
        })
        .collect();
    Some(Value::Map(entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    const MS: u64 = 1_000_000;

    /// Builds a history op by op; times are in milliseconds.
    struct Builder(Vec<Op>);

    impl Builder {
        fn push(
            &mut self,
            ms: u64,
            kind: OpType,
            process: u64,
            f: &str,
            value: Value,
        ) -> &mut Self {
            let index = self.0.len() as u64;
            self.0.push(Op {
                index,
                time: ms * MS,
                kind,
                process: Process::Client(process),
                f: f.to_string(),
                value,
                extra: Vec::new(),
            });
            self
        }

        fn broadcast(&mut self, ms: u64, process: u64, element: i64) -> &mut Self {
            self.push(
                ms,
                OpType::Invoke,
                process,
                "broadcast",
                Value::Int(element),
            )
            .push(
                ms + 1,
                OpType::Ok,
                process,
                "broadcast",
                Value::Int(element),
            )
        }

        fn read(&mut self, ms: u64, process: u64, seen: &[i64]) -> &mut Self {
            let seen = Value::Vector(seen.iter().map(|&e| Value::Int(e)).collect());
            self.push(ms, OpType::Invoke, process, "read", Value::Nil)
                .push(ms + 1, OpType::Ok, process, "read", seen)
        }
    }

    fn ints(values: &[i64]) -> Value {
        Value::List(values.iter().map(|&v| Value::Int(v)).collect())
    }

    #[test]
    fn every_element_eventually_read_is_valid() {
        let mut h = Builder(Vec::new());
        h.broadcast(0, 0, 1)
            .broadcast(10, 1, 2)
            .read(20, 2, &[1, 2]);
        let result = check(&h.0, "broadcast");
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert_eq!(result.get_kw("stable-count"), Some(&Value::Int(2)));
        assert_eq!(result.get_kw("lost"), Some(&ints(&[])));
        assert_eq!(result.get_kw("stale-count"), Some(&Value::Int(0)));
        assert_eq!(result.get_kw("attempt-count"), Some(&Value::Int(2)));
        assert_eq!(result.get_kw("lost-latencies"), None);
    }

    #[test]
    fn element_missing_from_later_reads_is_lost() {
        let mut h = Builder(Vec::new());
        h.broadcast(0, 0, 1)
            .broadcast(0, 1, 2)
            .read(10, 2, &[1, 2])
            .read(20, 2, &[2]);
        let result = check(&h.0, "broadcast");
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
        assert_eq!(result.get_kw("lost-count"), Some(&Value::Int(1)));
        assert_eq!(result.get_kw("lost"), Some(&ints(&[1])));
        // Known at 1 ms (the add's ok), last seen by the read invoked at 10 ms.
        let lost_latencies = result.get_kw("lost-latencies").expect("lost latencies");
        assert_eq!(lost_latencies.get(&Value::Int(1)), Some(&Value::Int(9)));
    }

    #[test]
    fn acknowledged_element_never_seen_after_ack_is_lost() {
        let mut h = Builder(Vec::new());
        h.broadcast(0, 0, 7).read(5, 1, &[]);
        let result = check(&h.0, "broadcast");
        assert_eq!(result.get_kw("lost"), Some(&ints(&[7])));
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(false)));
    }

    #[test]
    fn late_arrival_is_stale_with_its_latency() {
        let mut h = Builder(Vec::new());
        h.broadcast(0, 0, 3).read(100, 1, &[]).read(200, 1, &[3]);
        let result = check(&h.0, "broadcast");
        assert_eq!(result.get_kw("valid?"), Some(&Value::Bool(true)));
        assert_eq!(result.get_kw("stale"), Some(&ints(&[3])));
        // From the ack (1 ms) to just after the missing read's invocation (100 ms).
        let Some(Value::List(worst)) = result.get_kw("worst-stale") else {
            panic!("no worst-stale");
        };
        assert_eq!(worst[0].get_kw("stable-latency"), Some(&Value::Int(99)));
        let known = worst[0].get_kw("known").expect("known op");
        assert_eq!(known.get_kw("f"), Some(&Value::kw("add")));
        let Value::Tagged(tag, _) = known else {
            panic!("untagged op")
        };
        assert_eq!(tag, "jepsen.history.Op");
        let last_absent = worst[0].get_kw("last-absent").expect("last-absent op");
        assert_eq!(last_absent.get_kw("index"), Some(&Value::Int(2)));
        assert_eq!(
            result
                .get_kw("stable-latencies")
                .and_then(|q| q.get(&Value::Float(0.5))),
            Some(&Value::Int(99))
        );
    }

    #[test]
    fn unread_elements_make_the_verdict_unknown() {
        let mut h = Builder(Vec::new());
        h.push(0, OpType::Invoke, 0, "add", Value::Int(1)).push(
            1,
            OpType::Info,
            0,
            "add",
            Value::Int(1),
        );
        let result = check(&h.0, "add");
        assert_eq!(result.get_kw("valid?"), Some(&Value::kw("unknown")));
        assert_eq!(result.get_kw("never-read"), Some(&ints(&[1])));
    }

    #[test]
    fn quantiles_index_by_floor_of_n_times_p() {
        let q = quantiles((1..=10).collect()).expect("non-empty");
        assert_eq!(q.get(&Value::Int(0)), Some(&Value::Int(1)));
        assert_eq!(q.get(&Value::Float(0.5)), Some(&Value::Int(6)));
        assert_eq!(q.get(&Value::Float(0.95)), Some(&Value::Int(10)));
        assert_eq!(q.get(&Value::Int(1)), Some(&Value::Int(10)));
        assert_eq!(quantiles(Vec::new()), None);
    }
}

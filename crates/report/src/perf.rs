//! The numbers behind the per-run plots, computed from a history the way
//! Jepsen's `perf` checker does: each client invocation paired with its
//! completion gives one latency sample; time is cut into buckets of equal
//! width for quantiles and rates; nemesis `start-*`/`stop-*` ops give the
//! intervals during which a fault (for Maelstrom: a partition) was in force.
//!
//! Nothing here draws; `run_plots` turns these into pictures.

use checker::history::{Op, OpType, Process, completions};

/// How an invoked operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Ok,
    Fail,
    /// Indeterminate: timed out or crashed; it may or may not have happened.
    Info,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::Info => "info",
        }
    }

    fn of(kind: OpType) -> Option<Outcome> {
        match kind {
            OpType::Ok => Some(Outcome::Ok),
            OpType::Fail => Some(Outcome::Fail),
            OpType::Info => Some(Outcome::Info),
            OpType::Invoke => None,
        }
    }
}

/// One completed client operation.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySample {
    /// The operation's `:f` (`echo`, `broadcast`, `read`, `send`, ...).
    pub f: String,
    pub outcome: Outcome,
    /// When it was invoked, in seconds since the run's time origin.
    pub invoked_s: f64,
    /// When it completed, in seconds since the run's time origin.
    pub completed_s: f64,
    /// Completion time minus invocation time, in milliseconds.
    pub latency_ms: f64,
}

/// Pairs every client invocation with its completion (the latest open
/// invocation of the same process, as Jepsen pairs them). Invocations that
/// never completed give no sample: they have no latency to show.
pub fn latency_samples(history: &[Op]) -> Vec<LatencySample> {
    completions(history)
        .into_iter()
        .enumerate()
        .filter_map(|(pos, completion)| {
            let invoke = &history[pos];
            let done = &history[completion?];
            Some(LatencySample {
                f: invoke.f.clone(),
                outcome: Outcome::of(done.kind)?,
                invoked_s: seconds(invoke.time),
                completed_s: seconds(done.time),
                latency_ms: done.time.saturating_sub(invoke.time) as f64 / 1e6,
            })
        })
        .collect()
}

/// A time interval during which the nemesis had a fault in force.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultInterval {
    /// The fault's name: the nemesis `:f` without its `start-` prefix (`partition`).
    pub fault: String,
    pub start_s: f64,
    pub end_s: f64,
}

/// The intervals between nemesis `start-X` and `stop-X` ops. Jepsen records
/// each nemesis action twice (an `:info` invocation and an `:info`
/// completion, back to back); the interval runs from the `start-X`
/// completion, when the fault is in place, to the `stop-X` completion, when
/// it is healed. A fault never stopped lasts until the last op of the history.
pub fn fault_intervals(history: &[Op]) -> Vec<FaultInterval> {
    let mut intervals: Vec<FaultInterval> = Vec::new();
    let mut open: Option<FaultInterval> = None;
    let mut previous_f: Option<&str> = None;
    for op in history.iter().filter(|op| op.process == Process::Nemesis) {
        let at = seconds(op.time);
        let repeated = previous_f == Some(op.f.as_str());
        if let Some(fault) = op.f.strip_prefix("start-") {
            match &mut open {
                Some(interval) if repeated => interval.start_s = at,
                Some(_) => {}
                None => {
                    open = Some(FaultInterval {
                        fault: fault.to_string(),
                        start_s: at,
                        end_s: at,
                    })
                }
            }
        } else if op.f.starts_with("stop-") {
            match open.take() {
                Some(mut interval) => {
                    interval.end_s = at;
                    intervals.push(interval);
                }
                None if repeated => {
                    if let Some(last) = intervals.last_mut() {
                        last.end_s = at;
                    }
                }
                None => {}
            }
        }
        previous_f = Some(op.f.as_str());
    }
    if let Some(mut interval) = open {
        interval.end_s = history
            .last()
            .map_or(interval.start_s, |op| seconds(op.time));
        intervals.push(interval);
    }
    intervals
}

/// The quantiles drawn on `latency-quantiles`: median, 95th, 99th, maximum.
pub const PLOTTED_QUANTILES: [f64; 4] = [0.5, 0.95, 0.99, 1.0];

/// The `q` quantile of `sorted` by Maelstrom's rule: the element at
/// `min(n - 1, floor(n * q))`. `None` for an empty slice.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let index = ((sorted.len() as f64 * q).floor() as usize).min(last);
    Some(sorted[index])
}

/// Groups `(time_s, value)` points into buckets `[k·dt, (k+1)·dt)` and returns
/// each non-empty bucket's midpoint with its values, in time order (Jepsen
/// plots a bucket at its midpoint).
pub fn buckets(points: impl IntoIterator<Item = (f64, f64)>, dt: f64) -> Vec<(f64, Vec<f64>)> {
    let mut grouped: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
    for (time_s, value) in points {
        let index = (time_s.max(0.0) / dt).floor() as u64;
        grouped.entry(index).or_default().push(value);
    }
    grouped
        .into_iter()
        .map(|(index, values)| ((index as f64 + 0.5) * dt, values))
        .collect()
}

/// A bucket width giving about `target` buckets over `span_s` seconds, rounded
/// to 1, 2 or 5 times a power of ten. Jepsen uses fixed 10 s and 30 s buckets,
/// which leave a 10-20 s Maelstrom run with one or two points.
pub fn bucket_width(span_s: f64, target: usize) -> f64 {
    let raw = (span_s / target.max(1) as f64).max(1e-3);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|width| *width >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// One line of the quantile plot: for one `:f` and one quantile, the latency
/// at each bucket's midpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSeries {
    pub f: String,
    pub q: f64,
    /// `(bucket midpoint s, latency ms)`.
    pub points: Vec<(f64, f64)>,
}

/// Latency quantiles per `:f` and time bucket (by invocation time, as Jepsen
/// buckets them), over all completed operations whatever their outcome.
pub fn latency_quantiles(samples: &[LatencySample], dt: f64) -> Vec<QuantileSeries> {
    let mut series = Vec::new();
    for f in distinct_fs(samples) {
        let bucketed = buckets(
            samples
                .iter()
                .filter(|s| s.f == f)
                .map(|s| (s.invoked_s, s.latency_ms)),
            dt,
        );
        let sorted: Vec<(f64, Vec<f64>)> = bucketed
            .into_iter()
            .map(|(mid, mut values)| {
                values.sort_by(f64::total_cmp);
                (mid, values)
            })
            .collect();
        for q in PLOTTED_QUANTILES {
            let points = sorted
                .iter()
                .filter_map(|(mid, values)| Some((*mid, quantile(values, q)?)))
                .collect();
            series.push(QuantileSeries {
                f: f.clone(),
                q,
                points,
            });
        }
    }
    series
}

/// One line of the rate plot: completions per second of one `:f` with one
/// outcome, per time bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSeries {
    pub f: String,
    pub outcome: Outcome,
    /// `(bucket midpoint s, operations per second)`.
    pub points: Vec<(f64, f64)>,
}

/// Throughput per `:f` and outcome, counting completions in the bucket of
/// their completion time, as Jepsen's rate graph does. Unlike Jepsen, empty
/// buckets between a series' first and last are kept as zero, so a stall
/// shows as a drop rather than a line drawn across it. Series with no
/// operations are left out.
pub fn rates(samples: &[LatencySample], dt: f64) -> Vec<RateSeries> {
    let mut keys: Vec<(&str, Outcome)> =
        samples.iter().map(|s| (s.f.as_str(), s.outcome)).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|(f, outcome)| {
            let completed = samples
                .iter()
                .filter(|s| s.f == f && s.outcome == outcome)
                .map(|s| (s.completed_s, 1.0));
            let per_second = buckets(completed, dt)
                .into_iter()
                .map(|(mid, ops)| (mid, ops.len() as f64 / dt))
                .collect();
            RateSeries {
                f: f.to_string(),
                outcome,
                points: zero_filled(per_second, dt),
            }
        })
        .collect()
}

/// `points` at bucket midpoints, with a zero for each bucket missing
/// between the first and the last.
fn zero_filled(points: Vec<(f64, f64)>, dt: f64) -> Vec<(f64, f64)> {
    let bucket = |mid: f64| (mid / dt - 0.5).round() as u64;
    let mut filled = Vec::with_capacity(points.len());
    for (mid, value) in points {
        if let Some(&(previous, _)) = filled.last() {
            for missing in bucket(previous) + 1..bucket(mid) {
                filled.push(((missing as f64 + 0.5) * dt, 0.0));
            }
        }
        filled.push((mid, value));
    }
    filled
}

/// The distinct `:f`s of `samples`, sorted, so colours are stable between runs.
pub fn distinct_fs(samples: &[LatencySample]) -> Vec<String> {
    let mut fs: Vec<String> = samples.iter().map(|s| s.f.clone()).collect();
    fs.sort();
    fs.dedup();
    fs
}

fn seconds(time_ns: u64) -> f64 {
    time_ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;
    use checker::history::read_history;

    fn op(index: u64, time_ms: u64, kind: &str, process: &str, f: &str) -> String {
        format!(
            "{{:index {index}, :time {}, :type :{kind}, :process {process}, :f :{f}, :value nil}}\n",
            time_ms * 1_000_000
        )
    }

    fn history(lines: &[(u64, &str, &str, &str)]) -> Vec<Op> {
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(i, (t, kind, process, f))| op(i as u64, *t, kind, process, f))
            .collect();
        read_history(&text).expect("test history parses")
    }

    #[test]
    fn pairs_completions_with_their_process_invocation() {
        let ops = history(&[
            (0, "invoke", "0", "read"),
            (5, "invoke", "1", "add"),
            (12, "ok", "0", "read"),
            (20, "invoke", "0", "read"),
            (25, "fail", "1", "add"),
            (40, "info", "0", "read"),
            (50, "invoke", "2", "add"),
        ]);
        let samples = latency_samples(&ops);
        let summary: Vec<(&str, Outcome, f64, f64)> = samples
            .iter()
            .map(|s| (s.f.as_str(), s.outcome, s.invoked_s, s.latency_ms))
            .collect();
        // The never-completed invocation of process 2 gives no sample.
        assert_eq!(
            summary,
            [
                ("read", Outcome::Ok, 0.0, 12.0),
                ("add", Outcome::Fail, 0.005, 20.0),
                ("read", Outcome::Info, 0.02, 20.0),
            ]
        );
        assert_eq!(samples[2].completed_s, 0.04);
    }

    #[test]
    fn nemesis_pairs_become_intervals_from_completion_to_completion() {
        let ops = history(&[
            (100, "info", ":nemesis", "start-partition"),
            (110, "info", ":nemesis", "start-partition"),
            (500, "invoke", "0", "read"),
            (2000, "info", ":nemesis", "stop-partition"),
            (2050, "info", ":nemesis", "stop-partition"),
            (3000, "info", ":nemesis", "start-partition"),
            (3010, "info", ":nemesis", "start-partition"),
            (4000, "ok", "0", "read"),
        ]);
        let intervals: Vec<(String, f64, f64)> = fault_intervals(&ops)
            .into_iter()
            .map(|i| (i.fault, i.start_s, i.end_s))
            .collect();
        assert_eq!(
            intervals,
            [
                ("partition".to_string(), 0.11, 2.05),
                ("partition".to_string(), 3.01, 4.0),
            ]
        );
        assert!(fault_intervals(&history(&[(1, "invoke", "0", "read")])).is_empty());
    }

    #[test]
    fn quantiles_follow_maelstroms_index_rule() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(quantile(&sorted, 0.0), Some(1.0));
        assert_eq!(quantile(&sorted, 0.5), Some(6.0));
        assert_eq!(quantile(&sorted, 0.95), Some(10.0));
        assert_eq!(quantile(&sorted, 1.0), Some(10.0));
        assert_eq!(quantile(&[7.0, 9.0, 11.0], 0.5), Some(9.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn buckets_group_by_width_and_report_midpoints() {
        let grouped = buckets([(0.1, 1.0), (0.9, 2.0), (2.5, 3.0), (1.0, 4.0)], 1.0);
        assert_eq!(
            grouped,
            [(0.5, vec![1.0, 2.0]), (1.5, vec![4.0]), (2.5, vec![3.0])]
        );
    }

    #[test]
    fn bucket_width_rounds_to_one_two_five() {
        assert_eq!(bucket_width(20.0, 20), 1.0);
        assert_eq!(bucket_width(30.0, 20), 2.0);
        assert_eq!(bucket_width(70.0, 20), 5.0);
        assert_eq!(bucket_width(300.0, 20), 20.0);
        assert!((bucket_width(2.0, 20) - 0.1).abs() < 1e-12);
        assert!(bucket_width(0.0, 20) > 0.0);
    }

    #[test]
    fn quantile_series_per_f_and_bucket() {
        let ops = history(&[
            (0, "invoke", "0", "read"),
            (10, "ok", "0", "read"),
            (100, "invoke", "0", "read"),
            (130, "ok", "0", "read"),
            (200, "invoke", "1", "add"),
            (1200, "info", "1", "add"),
            (1500, "invoke", "0", "read"),
            (1502, "ok", "0", "read"),
        ]);
        let series = latency_quantiles(&latency_samples(&ops), 1.0);
        let read_median = series
            .iter()
            .find(|s| s.f == "read" && s.q == 0.5)
            .expect("read median");
        // Bucket [0,1) holds 10 and 30 ms: index floor(2·0.5) = 1 → 30.
        assert_eq!(read_median.points, [(0.5, 30.0), (1.5, 2.0)]);
        let add_max = series.iter().find(|s| s.f == "add" && s.q == 1.0).unwrap();
        assert_eq!(add_max.points, [(0.5, 1000.0)]);
        assert_eq!(series.len(), 2 * PLOTTED_QUANTILES.len());
    }

    #[test]
    fn rates_count_completions_per_second_by_outcome() {
        let ops = history(&[
            (0, "invoke", "0", "read"),
            (100, "ok", "0", "read"),
            (200, "invoke", "0", "read"),
            (300, "ok", "0", "read"),
            (400, "invoke", "1", "read"),
            (1100, "fail", "1", "read"),
            (1200, "invoke", "0", "read"),
            (1300, "ok", "0", "read"),
        ]);
        let series = rates(&latency_samples(&ops), 0.5);
        assert_eq!(series.len(), 2);
        assert_eq!(
            (series[0].f.as_str(), series[0].outcome),
            ("read", Outcome::Ok)
        );
        // The stall between 0.5 s and 1 s is a zero, not a gap.
        assert_eq!(series[0].points, [(0.25, 4.0), (0.75, 0.0), (1.25, 2.0)]);
        assert_eq!(
            (series[1].f.as_str(), series[1].outcome),
            ("read", Outcome::Fail)
        );
        assert_eq!(series[1].points, [(1.25, 2.0)]);
    }
}

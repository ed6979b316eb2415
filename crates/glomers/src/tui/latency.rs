//! The latency-over-time series of the Results screen's chart, computed
//! from a run's `history.edn` text with `report::perf`. Pure: the event
//! loop reads the file and hands the text here; `ui::results` draws the
//! outcome. Unlike the `latency-quantiles` plot it does not split by `:f`:
//! one line per quantile, over every client operation.

use ::report::perf;
use checker::history::read_history;

/// About this many time buckets across the run: enough points for a
/// terminal-wide line without one-sample buckets on a short run.
const BUCKETS: usize = 40;

/// The `:f` every sample is renamed to, so `latency_quantiles` pools them.
const ALL_OPS: &str = "all";

/// One chart line: a quantile's latency at each bucket's midpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileLine {
    /// 0.5, 0.95, 0.99 or 1.0 (the maximum).
    pub q: f64,
    /// `(seconds since the run's start, milliseconds)`.
    pub points: Vec<(f64, f64)>,
}

impl QuantileLine {
    /// The legend name: `p50`, `p95`, `p99` or `max`.
    pub fn name(&self) -> String {
        if self.q >= 1.0 {
            "max".into()
        } else {
            format!("p{}", (self.q * 100.0).round())
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LatencyChart {
    /// One line per plotted quantile, median first.
    pub lines: Vec<QuantileLine>,
    /// Time of the last completion, seconds: the x axis runs from 0 to here.
    pub span_s: f64,
    /// Highest latency of any line, ms: the top of the y axis.
    pub max_ms: f64,
    /// Bucket width, seconds.
    pub bucket_s: f64,
}

/// Reads `history_edn` (one op per line) and buckets its client
/// latencies. Nemesis ops are left out: their "latency" is the time a fault
/// took to apply. Errors name the history line.
pub fn latency_chart(history_edn: &str) -> Result<LatencyChart, String> {
    let ops: Vec<_> = read_history(history_edn)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|op| op.is_client())
        .collect();
    let mut samples = perf::latency_samples(&ops);
    for sample in &mut samples {
        sample.f = ALL_OPS.into();
    }
    let span_s = samples.iter().map(|s| s.completed_s).fold(0.0, f64::max);
    let bucket_s = perf::bucket_width(span_s, BUCKETS);
    let lines: Vec<QuantileLine> = perf::latency_quantiles(&samples, bucket_s)
        .into_iter()
        .map(|series| QuantileLine {
            q: series.q,
            points: series.points,
        })
        .collect();
    let max_ms = lines
        .iter()
        .flat_map(|line| line.points.iter().map(|(_, ms)| *ms))
        .fold(0.0, f64::max);
    Ok(LatencyChart {
        lines,
        span_s,
        max_ms,
        bucket_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A history line; `time_ms` in milliseconds.
    fn op(index: usize, time_ms: u64, kind: &str, process: &str, f: &str) -> String {
        format!(
            "{{:index {index}, :time {}, :type :{kind}, :process {process}, :f :{f}, :value nil}}\n",
            time_ms * 1_000_000
        )
    }

    #[test]
    fn quantiles_pool_every_client_f_and_skip_the_nemesis() {
        // Second 0: echo 10 ms and read 30 ms; second 3: echo 200 ms (4 s span → 0.1 s buckets).
        let history = [
            op(0, 0, "invoke", "0", "echo"),
            op(1, 10, "ok", "0", "echo"),
            op(2, 20, "invoke", "1", "read"),
            op(3, 50, "ok", "1", "read"),
            op(4, 60, "info", ":nemesis", "start-partition"),
            op(5, 3_000, "info", ":nemesis", "start-partition"),
            op(6, 3_800, "invoke", "0", "echo"),
            op(7, 4_000, "fail", "0", "echo"),
        ]
        .concat();
        let chart = latency_chart(&history).expect("valid history");
        assert_eq!(chart.span_s, 4.0);
        assert_eq!(chart.bucket_s, 0.1);
        let names: Vec<String> = chart.lines.iter().map(QuantileLine::name).collect();
        assert_eq!(names, ["p50", "p95", "p99", "max"]);
        let max = &chart.lines[3];
        assert_eq!(max.points.len(), 2, "one point per non-empty bucket");
        assert_eq!(
            max.points[0].1, 30.0,
            "echo and read share the first bucket"
        );
        assert!((3.7..3.9).contains(&max.points[1].0), "{:?}", max.points);
        assert_eq!(max.points[1].1, 200.0, "failed ops have a latency too");
        assert_eq!(chart.max_ms, 200.0);
    }

    #[test]
    fn an_empty_history_gives_no_lines_and_a_bad_one_names_its_line() {
        let chart = latency_chart("").expect("empty is valid");
        assert!(chart.lines.iter().all(|l| l.points.is_empty()));
        let error = latency_chart(&(op(0, 0, "invoke", "0", "echo") + "{:index 1")).unwrap_err();
        assert!(error.contains("line 2"), "{error}");
    }
}

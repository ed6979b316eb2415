//! Pass or fail for one run: Maelstrom's `:valid?` plus the challenge's own
//! thresholds, with a human reason for every failed criterion and the margin
//! left on every threshold.

use crate::catalog::Thresholds;
use crate::results::RunResults;
use checker::Validity;

/// One threshold checked against a measured value (all thresholds are strict `<`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Margin {
    /// `msgs-per-op`, `median-latency` or `max-latency`.
    pub metric: String,
    pub value: Option<f64>,
    pub limit: f64,
    /// `limit - value`: headroom when positive, overshoot when zero or negative.
    pub margin: Option<f64>,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    pub passed: bool,
    /// Why it failed, one line per failed criterion; empty when passed.
    pub reasons: Vec<String>,
    pub margins: Vec<Margin>,
}

impl Verdict {
    /// A failure that happened before any results existed (build, launch, crash).
    pub fn failed(reason: impl Into<String>) -> Verdict {
        Verdict {
            passed: false,
            reasons: vec![reason.into()],
            margins: Vec::new(),
        }
    }
}

/// Judges `results` against Maelstrom's verdict and `thresholds`.
pub fn judge(results: &RunResults, thresholds: &Thresholds) -> Verdict {
    let mut reasons = Vec::new();
    match results.valid {
        Validity::Valid => {}
        Validity::Invalid => reasons.push(format!(
            "Maelstrom: invalid ({})",
            results.invalid_checkers.join(", ")
        )),
        Validity::Unknown => reasons.push(format!(
            "Maelstrom: errors during analysis, validity unknown ({})",
            results.invalid_checkers.join(", ")
        )),
    }
    if results.valid != Validity::Valid {
        reasons.extend(anomaly_reasons(results));
    }
    let checks = [
        (
            "msgs-per-op",
            results.msgs_per_op_servers,
            thresholds.msgs_per_op,
            "",
        ),
        (
            "median-latency",
            results.latency_median_ms(),
            thresholds.latency_median_ms,
            " ms",
        ),
        (
            "max-latency",
            results.latency_max_ms(),
            thresholds.latency_max_ms,
            " ms",
        ),
    ];
    let mut margins = Vec::new();
    for (metric, value, limit, unit) in checks {
        let Some(limit) = limit else { continue };
        let passed = value.is_some_and(|v| v < limit);
        match value {
            Some(v) if !passed => reasons.push(format!(
                "{metric} {}{unit} ≥ {}{unit}",
                show(v),
                show(limit)
            )),
            None => reasons.push(format!(
                "{metric} missing from results.edn (limit < {}{unit})",
                show(limit)
            )),
            Some(_) => {}
        }
        margins.push(Margin {
            metric: metric.into(),
            value,
            limit,
            margin: value.map(|v| limit - v),
            passed,
        });
    }
    Verdict {
        passed: reasons.is_empty(),
        reasons,
        margins,
    }
}

fn anomaly_reasons(results: &RunResults) -> Vec<String> {
    let a = &results.anomalies;
    let mut reasons = Vec::new();
    if let Some(lost) = a.lost_count.filter(|&n| n > 0) {
        reasons.push(format!("lost-count {lost}"));
    }
    if let Some(dup) = a.duplicated_count.filter(|&n| n > 0) {
        reasons.push(format!("duplicated-count {dup}"));
    }
    let list = |label: &str, names: &[String]| {
        (!names.is_empty()).then(|| format!("{label}: {}", names.join(" ")))
    };
    reasons.extend(list("bad-error-types", &a.bad_error_types));
    if a.bad_error_types.is_empty() {
        reasons.extend(list("error-types", &a.error_types));
    }
    reasons.extend(list("anomaly-types", &a.anomaly_types));
    if results.invalid_checkers.iter().any(|c| c == "availability")
        && let Some(ok) = results.availability
    {
        reasons.push(format!("availability {}", show(ok)));
    }
    reasons
}

/// Numbers as people write them: `30`, `31.2`, `0.9837`.
pub fn show(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::results::{Anomalies, OpStats};

    fn results(valid: Validity, msgs: Option<f64>, median: f64, max: f64) -> RunResults {
        RunResults {
            valid,
            invalid_checkers: if valid == Validity::Valid {
                vec![]
            } else {
                vec!["workload".into()]
            },
            msgs_per_op_servers: msgs,
            msgs_per_op_all: msgs,
            stable_latencies: vec![(0.0, 0.0), (0.5, median), (1.0, max)],
            availability: Some(1.0),
            stats: OpStats::default(),
            stats_by_f: Default::default(),
            anomalies: Anomalies::default(),
        }
    }

    #[test]
    fn thresholds_are_strict_and_reported_with_margins() {
        let t = catalog::find("3d").unwrap().thresholds;
        let v = judge(&results(Validity::Valid, Some(31.2), 399.0, 600.0), &t);
        assert!(!v.passed);
        assert_eq!(
            v.reasons,
            ["msgs-per-op 31.2 ≥ 30", "max-latency 600 ms ≥ 600 ms"]
        );
        let margins: Vec<(&str, Option<f64>, bool)> = v
            .margins
            .iter()
            .map(|m| (m.metric.as_str(), m.margin, m.passed))
            .collect();
        assert_eq!(
            margins,
            [
                ("msgs-per-op", Some(30.0 - 31.2), false),
                ("median-latency", Some(1.0), true),
                ("max-latency", Some(0.0), false)
            ]
        );
        assert!(judge(&results(Validity::Valid, Some(29.9), 399.0, 599.0), &t).passed);
    }

    #[test]
    fn missing_metric_fails_a_threshold() {
        let t = catalog::find("3e").unwrap().thresholds;
        let v = judge(&results(Validity::Valid, None, 10.0, 20.0), &t);
        assert_eq!(
            v.reasons,
            ["msgs-per-op missing from results.edn (limit < 20)"]
        );
    }

    #[test]
    fn invalid_runs_name_checkers_and_anomalies() {
        let mut r = results(Validity::Invalid, Some(1.0), 1.0, 1.0);
        r.anomalies.lost_count = Some(3);
        r.anomalies.anomaly_types = vec!["G1a".into()];
        let v = judge(&r, &Thresholds::default());
        assert_eq!(
            v.reasons,
            [
                "Maelstrom: invalid (workload)",
                "lost-count 3",
                "anomaly-types: G1a"
            ]
        );
        assert!(v.margins.is_empty());
    }

    #[test]
    fn no_thresholds_means_maelstrom_decides() {
        assert!(
            judge(
                &results(Validity::Valid, None, 0.0, 0.0),
                &Thresholds::default()
            )
            .passed
        );
        assert!(
            !judge(
                &results(Validity::Unknown, None, 0.0, 0.0),
                &Thresholds::default()
            )
            .passed
        );
    }

    #[test]
    fn numbers_print_plainly() {
        assert_eq!(
            (show(30.0), show(31.2), show(0.98372), show(2.0769231)),
            ("30".into(), "31.2".into(), "0.9837".into(), "2.0769".into())
        );
    }
}

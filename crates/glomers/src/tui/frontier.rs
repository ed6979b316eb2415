//! The broadcast knob frontier for the Compare screen: the latest run of
//! each (challenge, node environment) setting of 3d and 3e, so runs made
//! with `--node-env GLOMERS_BATCH_MS=…` (or by `glomers frontier`) line up
//! as msgs/op against latency.

use std::collections::{BTreeMap, BTreeSet};

use report::{FrontierPoint, PointKind};
use runner::catalog::{self, Thresholds};
use runner::run_log::RunSummary;

/// The challenges whose nodes have knobs that trade messages for latency.
const BROADCAST: [&str; 2] = ["3d", "3e"];

/// A node environment: (variable, value) pairs.
type Env = Vec<(String, String)>;

/// The thresholds the frontier is drawn against.
pub const LIMITS_OF: &str = "3e";

/// The latest run of one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub challenge: String,
    /// The node environment sorted by name; empty means the node's defaults.
    pub node_env: Env,
    pub passed: bool,
    /// Its figures; `None` when the run lacks any of them (listed, not plotted).
    pub point: Option<FrontierPoint>,
}

impl Setting {
    pub fn msgs_per_op(&self) -> Option<f64> {
        self.point.as_ref().map(|p| p.msgs_per_op)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    /// Sorted by msgs/op, fewest first; runs without a figure last.
    pub settings: Vec<Setting>,
    /// The one variable every tuned setting sets, when there is exactly one:
    /// then rows show only its value and the title names it.
    pub knob: Option<String>,
    /// 3e's thresholds.
    pub limits: Thresholds,
}

impl Frontier {
    /// `3e 200` under a common knob, `3e A=1 B=2` otherwise, `3d defaults` untuned.
    pub fn label(&self, setting: &Setting) -> String {
        label(self.knob.as_deref(), &setting.challenge, &setting.node_env)
    }
}

fn label(knob: Option<&str>, challenge: &str, node_env: &Env) -> String {
    let env = match (knob, node_env.as_slice()) {
        (_, []) => "defaults".to_string(),
        (Some(_), [(_, value)]) => value.clone(),
        (_, pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
    };
    format!("{challenge} {env}")
}

/// The frontier of `runs` (oldest first), or `None` unless its 3d/3e
/// runs were made with more than one node environment.
pub fn frontier(runs: &[RunSummary]) -> Option<Frontier> {
    // Later runs replace earlier ones of the same setting.
    let mut latest: BTreeMap<(String, Env), &RunSummary> = BTreeMap::new();
    for run in runs
        .iter()
        .filter(|r| BROADCAST.contains(&r.challenge.as_str()))
    {
        let mut env = run.params.node_env.clone();
        env.sort();
        latest.insert((run.challenge.clone(), env), run);
    }
    let envs: BTreeSet<&Env> = latest.keys().map(|(_, env)| env).collect();
    if envs.len() < 2 {
        return None;
    }
    let knobs: BTreeSet<&str> = envs
        .iter()
        .flat_map(|env| env.iter().map(|(k, _)| k.as_str()))
        .collect();
    let knob = match knobs.into_iter().collect::<Vec<_>>()[..] {
        [only] if envs.iter().all(|env| env.len() <= 1) => Some(only.to_string()),
        _ => None,
    };
    let mut settings: Vec<Setting> = latest
        .into_iter()
        .map(|((challenge, node_env), run)| {
            let kind = PointKind::Ours {
                default: node_env.is_empty(),
            };
            let point = FrontierPoint::from_summary(
                &label(knob.as_deref(), &challenge, &node_env),
                kind,
                run,
            );
            Setting {
                challenge,
                node_env,
                passed: run.passed,
                point,
            }
        })
        .collect();
    // Sorting is stable: equal figures keep the (challenge, env) order of the map.
    settings.sort_by(|a, b| match (a.msgs_per_op(), b.msgs_per_op()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let limits = catalog::find(LIMITS_OF)
        .map(|c| c.thresholds)
        .unwrap_or_default();
    Some(Frontier {
        settings,
        knob,
        limits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support::{frontier_runs, summary_with_env};

    #[test]
    fn keeps_the_latest_run_of_each_setting_sorted_by_msgs_per_op() {
        let runs = frontier_runs();
        let f = frontier(&runs).expect("several settings");
        let rows: Vec<(String, Option<f64>)> = f
            .settings
            .iter()
            .map(|s| (f.label(s), s.msgs_per_op()))
            .collect();
        let row = |label: &str, msgs: Option<f64>| (label.to_string(), msgs);
        assert_eq!(
            rows,
            [
                row("3e 1600", Some(0.32)),
                row("3e defaults", Some(0.72)),
                row("3e 600", Some(0.74)),
                row("3e 200", Some(1.9)),
                row("3d defaults", Some(11.99)),
                row("3e 100", None),
            ],
            "the rerun of 200 replaced the first, echo is left out, the run without figures is last"
        );
        assert_eq!(f.knob.as_deref(), Some("GLOMERS_BATCH_MS"));
        assert_eq!(f.limits.msgs_per_op, Some(20.0));
        let rerun = &f.settings[3];
        let point = rerun.point.as_ref().expect("figures");
        assert_eq!(
            (point.median_ms, point.max_ms, rerun.passed),
            (1300.0, 2400.0, false),
            "the latest 200 run (not the 1.70 msgs/op one) counts even though it failed"
        );
    }

    #[test]
    fn needs_more_than_one_node_environment() {
        let runs = frontier_runs();
        let untuned: Vec<RunSummary> = runs
            .iter()
            .filter(|r| r.params.node_env.is_empty())
            .cloned()
            .collect();
        assert!(
            untuned.iter().any(|r| r.challenge == "3d")
                && untuned.iter().any(|r| r.challenge == "3e"),
            "3d and 3e at their defaults are one setting only"
        );
        assert_eq!(frontier(&untuned), None);
        assert_eq!(frontier(&[]), None);
    }

    #[test]
    fn environments_match_whatever_their_order_and_mixed_knobs_show_in_full() {
        let runs = vec![
            summary_with_env("3e", "a", &[("B", "2"), ("A", "1")], Some(3.0)),
            summary_with_env("3e", "b", &[("A", "1"), ("B", "2")], Some(2.0)),
            summary_with_env("3e", "c", &[("A", "5")], Some(1.0)),
        ];
        let f = frontier(&runs).expect("two settings");
        assert_eq!(f.knob, None, "two knobs");
        let labels: Vec<String> = f.settings.iter().map(|s| f.label(s)).collect();
        assert_eq!(labels, ["3e A=5", "3e A=1 B=2"]);
        assert_eq!(
            f.settings[1].msgs_per_op(),
            Some(2.0),
            "same setting, the later run"
        );
    }
}

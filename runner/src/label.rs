//! What a run's parameters mean: `official`, `quick` or `custom` (with the
//! parameters that differ), and how two runs differ in what they tested.
//!
//! Both the CLI and the dashboard label runs and warn about unlike
//! comparisons with these functions, so the two always agree.

use std::fmt;

use crate::catalog::{self, Overrides, Params, Profile};
use crate::run_log::RunSummary;

/// What a run's parameters amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    /// Exactly the challenge page's parameters.
    Official,
    /// The quick profile: the official parameters with a shorter main phase.
    Quick,
    /// Anything else.
    Custom,
}

/// A run's label; `differs` lists what departs from the official parameters
/// (`time-limit 7`) and is empty unless the run is custom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunLabel {
    pub kind: LabelKind,
    pub differs: Vec<String>,
}

impl RunLabel {
    /// The label of a run of challenge `id` with `params`. The node's
    /// environment is part of the node under test, not of the test, and the
    /// seed is part of the schedule, so neither makes a run custom. An id the catalog does not know is custom.
    pub fn of(id: &str, params: &Params) -> RunLabel {
        let Some(challenge) = catalog::find(id) else {
            return RunLabel {
                kind: LabelKind::Custom,
                differs: vec![format!("challenge {id} is not in the catalog")],
            };
        };
        // The seed fixes the simulator's schedule, not the test: every
        // simulator run records one, and a seeded run is still official.
        let test = |p: &Params| Params {
            node_env: Vec::new(),
            seed: None,
            ..p.clone()
        };
        let quick = challenge.params(Profile::Quick, true, &Overrides::default());
        let (kind, differs) = if test(params) == test(&challenge.official) {
            (LabelKind::Official, Vec::new())
        } else if test(params) == test(&quick) {
            (LabelKind::Quick, Vec::new())
        } else {
            (LabelKind::Custom, param_values(&challenge.official, params))
        };
        RunLabel { kind, differs }
    }
}

impl fmt::Display for LabelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LabelKind::Official => "official",
            LabelKind::Quick => "quick",
            LabelKind::Custom => "custom",
        })
    }
}

impl fmt::Display for RunLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.differs.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.differs.join(", "))
        }
    }
}

/// Each test parameter of `params` that differs from `base`, as `name value`
/// (`time-limit 7`, `nemesis none`); the simulator-only recovery wait says so.
pub fn param_values(base: &Params, params: &Params) -> Vec<String> {
    fn text<T: ToString>(value: &Option<T>) -> String {
        value
            .as_ref()
            .map_or_else(|| "none".to_string(), ToString::to_string)
    }
    let mut out = Vec::new();
    let mut differ = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name} {b}"));
        }
    };
    differ(
        "node-count",
        base.node_count.to_string(),
        params.node_count.to_string(),
    );
    differ(
        "time-limit",
        base.time_limit_s.to_string(),
        params.time_limit_s.to_string(),
    );
    differ("rate", text(&base.rate), text(&params.rate));
    differ("latency", text(&base.latency_ms), text(&params.latency_ms));
    differ(
        "concurrency",
        text(&base.concurrency),
        text(&params.concurrency),
    );
    differ("nemesis", text(&base.nemesis), text(&params.nemesis));
    differ(
        "availability",
        text(&base.availability),
        text(&params.availability),
    );
    differ(
        "consistency-models",
        text(&base.consistency_models),
        text(&params.consistency_models),
    );
    if params.recovery_wait_s != base.recovery_wait_s {
        out.push(match params.recovery_wait_s {
            Some(s) => format!("recovery-wait {s} (simulator only)"),
            None => "recovery-wait 10".to_string(),
        });
    }
    if params.extra_args != base.extra_args {
        out.push(format!("args {}", params.extra_args.join(" ")));
    }
    out
}

/// One way in which two runs did not test the same thing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// `backend`, `profile`, `parameters` or `node binary`.
    pub what: &'static str,
    pub a: String,
    pub b: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} / {})", self.what, self.a, self.b)
    }
}

/// How runs `a` and `b` differ in backend, profile, parameters or node
/// binary; empty when their numbers can be set side by side as they are.
/// Two challenges each run with their own node (3d against 3e) compare nodes
/// by design, so that is no difference; any other change of binary is.
pub fn differences(a: &RunSummary, b: &RunSummary) -> Vec<Difference> {
    let mut out = Vec::new();
    if a.backend != b.backend {
        out.push(Difference {
            what: "backend",
            a: a.backend.to_string(),
            b: b.backend.to_string(),
        });
    }
    let (label_a, label_b) = (a.label(), b.label());
    if label_a.kind != label_b.kind {
        out.push(Difference {
            what: "profile",
            a: label_a.kind.to_string(),
            b: label_b.kind.to_string(),
        });
    }
    let (only_a, only_b) = (
        param_values(&b.params, &a.params),
        param_values(&a.params, &b.params),
    );
    if !only_b.is_empty() || !only_a.is_empty() {
        let none = |v: Vec<String>| {
            if v.is_empty() {
                "-".into()
            } else {
                v.join(", ")
            }
        };
        out.push(Difference {
            what: "parameters",
            a: none(only_a),
            b: none(only_b),
        });
    }
    let own_nodes = a.challenge != b.challenge && own_node(a) && own_node(b);
    let (node_a, node_b) = (node_text(a), node_text(b));
    if node_a != node_b && !own_nodes {
        out.push(Difference {
            what: "node binary",
            a: node_a,
            b: node_b,
        });
    }
    out
}

/// `differs in backend (sim / maelstrom), profile (quick / official)`, or
/// `None` when the runs are alike.
pub fn differences_line(a: &RunSummary, b: &RunSummary) -> Option<String> {
    let all = differences(a, b);
    (!all.is_empty()).then(|| {
        let parts: Vec<String> = all.iter().map(ToString::to_string).collect();
        format!("the runs differ in {}", parts.join(", "))
    })
}

/// The node binary and its environment, as far as the run log knows them.
fn node_text(r: &RunSummary) -> String {
    let bin = r
        .bin
        .as_deref()
        .map_or("unknown binary".to_string(), |b| b.display().to_string());
    let env: Vec<String> = r
        .params
        .node_env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if env.is_empty() {
        bin
    } else {
        format!("{bin} {}", env.join(" "))
    }
}

/// The run tested the challenge's own node from the `nodes` crate.
fn own_node(r: &RunSummary) -> bool {
    let file_name = r
        .bin
        .as_deref()
        .and_then(|b| b.file_name())
        .and_then(|f| f.to_str());
    catalog::find(&r.challenge).is_some_and(|c| file_name == Some(c.node_bin))
        && r.params.node_env.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendKind;

    fn params(id: &str, profile: Profile, simulator: bool, overrides: Overrides) -> Params {
        catalog::find(id)
            .unwrap()
            .params(profile, simulator, &overrides)
    }

    #[test]
    fn official_quick_and_custom_follow_the_parameters_not_the_profile_asked_for() {
        let label = |p: &Params| RunLabel::of("3c", p).to_string();
        let none = Overrides::default;
        assert_eq!(
            label(&params("3c", Profile::Official, true, none())),
            "official"
        );
        assert_eq!(label(&params("3c", Profile::Quick, false, none())), "quick");
        // Every simulator run records the seed it drew: still the official test.
        let mut seeded = params("3c", Profile::Official, true, none());
        seeded.seed = Some(42);
        assert_eq!(label(&seeded), "official");
        // The dashboard's form: a changed time limit is no longer official.
        let seven = Overrides {
            time_limit_s: Some(7),
            ..none()
        };
        assert_eq!(
            label(&params("3c", Profile::Official, true, seven)),
            "custom: time-limit 7"
        );
        let short_recovery = Overrides {
            recovery_wait_s: Some(2),
            ..none()
        };
        assert_eq!(
            label(&params("3c", Profile::Quick, true, short_recovery)),
            "custom: time-limit 5, recovery-wait 2 (simulator only)"
        );
        let several = Overrides {
            nemesis: Some("none".into()),
            rate: Some(50.0),
            extra_args: vec!["--topology".into(), "tree4".into()],
            ..none()
        };
        assert_eq!(
            label(&params("3c", Profile::Official, false, several)),
            "custom: rate 50, nemesis none, args --topology tree4"
        );
        // Asking for quick with the official time limit runs the official test.
        let twenty = Overrides {
            time_limit_s: Some(20),
            ..none()
        };
        assert_eq!(
            label(&params("3c", Profile::Quick, true, twenty)),
            "official"
        );
        // A node's knob changes the node, not the test.
        let knob = Overrides {
            node_env: vec![("GLOMERS_BATCH_MS".into(), "900".into())],
            ..none()
        };
        let batched = params("3e", Profile::Official, true, knob);
        assert_eq!(RunLabel::of("3e", &batched).to_string(), "official");
    }

    fn run(id: &str, backend: BackendKind, profile: Profile, bin: &str) -> RunSummary {
        let params = params(id, profile, true, Overrides::default());
        let mut summary: RunSummary = serde_json::from_value(serde_json::json!({
            "id": id, "run_id": format!("r-{id}"), "passed": true, "status": "passed",
            "reasons": [], "valid": "true", "msgs_per_op": 1.0, "msgs_per_op_all": 1.0,
            "latency_median_ms": null, "latency_max_ms": null, "availability": 1.0,
            "margins": [], "wall_s": 1.0, "store_dir": null, "work_dir": "/w",
            "backend": backend, "profile": profile, "params": params,
            "backend_exit_code": 0, "started_at": "2026-01-01T00:00:00.000Z",
        }))
        .unwrap();
        summary.bin = Some(bin.into());
        summary
    }

    #[test]
    fn differences_name_backend_profile_parameters_and_binary() {
        let ours = "/ws/target/release/broadcast";
        let a = run("3c", BackendKind::Sim, Profile::Quick, ours);
        assert_eq!(differences(&a, &a), []);
        assert_eq!(differences_line(&a, &a), None);
        let b = run(
            "3c",
            BackendKind::Maelstrom,
            Profile::Official,
            "/tmp/their-node",
        );
        assert_eq!(
            differences_line(&a, &b).unwrap(),
            "the runs differ in backend (sim / maelstrom), profile (quick / official), \
             parameters (time-limit 5 / time-limit 20), node binary (/ws/target/release/broadcast / /tmp/their-node)"
        );
        // 3d against 3e, each with its own node, is the comparison made on purpose.
        let d = run(
            "3d",
            BackendKind::Sim,
            Profile::Official,
            "/ws/target/release/broadcast-latency",
        );
        let mut e = run(
            "3e",
            BackendKind::Sim,
            Profile::Official,
            "/ws/target/release/broadcast-batched",
        );
        assert_eq!(differences(&d, &e), []);
        e.params.node_env = vec![("GLOMERS_BATCH_MS".into(), "1600".into())];
        assert_eq!(
            differences(&d, &e)[0].to_string(),
            "node binary (/ws/target/release/broadcast-latency / /ws/target/release/broadcast-batched GLOMERS_BATCH_MS=1600)"
        );
    }
}

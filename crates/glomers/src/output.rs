//! What a finished run looks like to people (text), to scripts (`--json`)
//! and to CI dashboards (JUnit XML).
//!
//! JSON schema (`schema_version` 1; fields are only ever added):
//! `{"schema_version": 1, "passed": bool, "runs": [RunSummary...], "skipped":
//! [{"challenge", "reason"}]}` (`skipped`: what `--all` left out for want of a
//! node; never counted as failed) where each run has at least `challenge`
//! (also as `id`, its name before), `passed`, `reasons`, `valid` (`"true"`, `"false"`,
//! `"unknown"` or null), `msgs_per_op`, `latency_median_ms`, `latency_max_ms`,
//! `availability` (numbers or null), `wall_s`, `store_dir`, `backend`
//! (`"sim"` or `"maelstrom"`), plus `status`, `run_id`, `margins`, `params`,
//! `node_warnings` (`[{"node", "kind", "message"}]`: what the backend said a
//! node did wrong, e.g. `"kind": "closed-stdout"`; it explains, never decides),
//! `seed` (the simulator's seed, null on real Maelstrom), `bin` and
//! `bin_sha256` (the node executable tested and its content hash then),
//! `label` (`{"kind": "official" | "quick" | "custom", "differs": ["time-limit 7"]}`:
//! what the parameters amount to), and `backend_exit_code`: the
//! backend's own exit status, 0 for a valid run even when it missed a
//! threshold; `passed` is the verdict. (Before labels it was called `exit_code`.)

use std::fmt::Write;

use runner::catalog;
use runner::run_log::RunSummary;
use runner::session::{RunOutcome, RunStatus};
use runner::verdict::show;

/// A few lines per run: verdict, metrics against thresholds, why it failed.
pub fn outcome_text(o: &RunOutcome) -> String {
    let summary = RunSummary::from(o);
    let label = status_label(o.status);
    let mut text = format!(
        "{label} {} {} ({:.1} s) · {} · {}\n",
        o.challenge.id,
        o.challenge.title,
        o.wall.as_secs_f64(),
        o.backend,
        summary.label(),
    );
    let metrics = metrics_line(&summary);
    if !metrics.is_empty() {
        let _ = writeln!(text, "    {metrics}");
    }
    for reason in &o.verdict.reasons {
        let _ = writeln!(text, "    - {reason}");
    }
    for warning in &o.node_warnings {
        let _ = writeln!(text, "    warning: {}", warning.message);
    }
    if let Some(crash) = &o.crash {
        for line in crash.console.iter().take(12) {
            let _ = writeln!(text, "    | {line}");
        }
        for (node, lines) in &crash.node_log_tails {
            let _ = writeln!(text, "    {node}.log (last lines):");
            for line in lines {
                let _ = writeln!(text, "    | {line}");
            }
        }
    }
    if let Some(store) = &o.store_dir {
        let _ = writeln!(text, "    store: {}", store.display());
    }
    if let Some(seed) = o.params.seed {
        let _ = writeln!(
            text,
            "    seed: {seed} (`glomers rerun {}` repeats this run)",
            o.run_id
        );
    }
    text
}

/// The word a run's status is shown as.
pub fn status_label(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Passed => "PASS",
        RunStatus::Failed | RunStatus::Crashed => "FAIL",
        RunStatus::BuildFailed => "BUILD FAILED",
        RunStatus::InfraError => "ERROR",
        RunStatus::Cancelled => "CANCELLED",
    }
}

/// `msgs-per-op 17.2 < 30 · median-latency 88 ms < 400 ms · ...`, thresholds where the challenge has them.
pub fn metrics_line(s: &RunSummary) -> String {
    let mut parts = Vec::new();
    let limit = |metric: &str| {
        s.margins
            .iter()
            .find(|m| m.metric == metric)
            .map(|m| m.limit)
    };
    let mut add = |metric: &str, value: Option<f64>, unit: &str| {
        if let Some(v) = value {
            let bound = limit(metric)
                .map(|l| format!(" (< {}{unit})", show(l)))
                .unwrap_or_default();
            parts.push(format!("{metric} {}{unit}{bound}", show(v)));
        }
    };
    add("msgs-per-op", s.msgs_per_op, "");
    add("median-latency", s.latency_median_ms, " ms");
    add("max-latency", s.latency_max_ms, " ms");
    add("availability", s.availability, "");
    parts.join(" · ")
}

/// The `--json` document.
pub fn json_summary(outcomes: &[RunOutcome], skipped: &[String]) -> serde_json::Value {
    let runs: Vec<RunSummary> = outcomes.iter().map(RunSummary::from).collect();
    let skipped: Vec<_> = skipped
        .iter()
        .map(|id| serde_json::json!({"challenge": id, "reason": SKIPPED_REASON}))
        .collect();
    serde_json::json!({
        "schema_version": 1,
        "passed": !runs.is_empty() && runs.iter().all(|r| r.passed),
        "runs": runs.iter().map(run_json).collect::<Vec<_>>(),
        "skipped": skipped,
    })
}

/// Why `--all` skips a challenge.
const SKIPPED_REASON: &str = "no node configured";

/// One run as every `--json` output prints it: the run-log line plus `id`,
/// the challenge's field name in schema 1 before it was called `challenge`.
pub fn run_json(run: &RunSummary) -> serde_json::Value {
    let mut value = serde_json::to_value(run).expect("a RunSummary always serialises");
    value["id"] = run.challenge.clone().into();
    value
}

/// JUnit XML: one testcase per run; failures for the node's faults, errors for ours.
/// Challenges `--all` skipped are `<skipped/>` testcases: visible, never failures.
pub fn junit(outcomes: &[RunOutcome], skipped: &[String]) -> String {
    let failures = outcomes
        .iter()
        .filter(|o| matches!(o.status, RunStatus::Failed | RunStatus::Crashed))
        .count();
    let errors = outcomes
        .iter()
        .filter(|o| o.status.is_infrastructure() || o.status == RunStatus::Cancelled)
        .count();
    let total: f64 = outcomes.iter().map(|o| o.wall.as_secs_f64()).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let tests = outcomes.len() + skipped.len();
    let skips = skipped.len();
    let _ = writeln!(
        xml,
        "<testsuites name=\"glomers\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skips}\" time=\"{total:.3}\">"
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"gossip-glomers\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skips}\" time=\"{total:.3}\">"
    );
    for o in outcomes {
        let summary = RunSummary::from(o);
        let _ = write!(
            xml,
            "    <testcase classname=\"glomers.{}\" name=\"{} {}\" time=\"{:.3}\"",
            escape(o.challenge.workload),
            escape(o.challenge.id),
            escape(o.challenge.title),
            o.wall.as_secs_f64()
        );
        let element = match o.status {
            RunStatus::Passed => None,
            RunStatus::Failed | RunStatus::Crashed => Some("failure"),
            _ => Some("error"),
        };
        xml.push_str(">\n");
        let _ = writeln!(
            xml,
            "      <properties><property name=\"backend\" value=\"{}\"/><property name=\"label\" value=\"{}\"/></properties>",
            o.backend,
            escape(&summary.label().to_string())
        );
        if let Some(element) = element {
            let message = o
                .verdict
                .reasons
                .first()
                .map(String::as_str)
                .unwrap_or("failed");
            let _ = writeln!(
                xml,
                "      <{element} message=\"{}\" type=\"{:?}\">{}</{element}>",
                escape(message),
                o.status,
                escape(&o.verdict.reasons.join("\n"))
            );
        }
        let mut out = format!(
            "{} · {}\n{}",
            o.backend,
            summary.label(),
            metrics_line(&summary)
        );
        for warning in &o.node_warnings {
            let _ = write!(out, "\nwarning: {}", warning.message);
        }
        if let Some(store) = &o.store_dir {
            let _ = write!(out, "\nstore: {}", store.display());
        }
        let _ = writeln!(xml, "      <system-out>{}</system-out>", escape(&out));
        xml.push_str("    </testcase>\n");
    }
    for id in skipped {
        let (workload, title) = catalog::find(id).map_or(("", ""), |c| (c.workload, c.title));
        let _ = writeln!(
            xml,
            "    <testcase classname=\"glomers.{}\" name=\"{} {}\" time=\"0\">\n      <skipped message=\"{SKIPPED_REASON}\"/>\n    </testcase>",
            escape(workload),
            escape(id),
            escape(title)
        );
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newline are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            escape("a<b & \"c\"\u{1b}"),
            "a&lt;b &amp; &quot;c&quot;\u{fffd}"
        );
    }
}

//! Commands that read rather than run: `list`, `runs`, `show`, `compare`, `plot`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use runner::catalog::{self, Overrides, Profile};
use runner::label;
use runner::project::NodePlan;
use runner::run_log::{self, Loaded, RunLog, RunSummary};
use runner::verdict::show as num;

use crate::output::{self, metrics_line};

pub fn list(nodes: &NodePlan) -> anyhow::Result<ExitCode> {
    println!(
        "{:<8} {:<16} {:<18} {:<54} thresholds",
        "id", "workload", "node binary", "title"
    );
    for c in catalog::all() {
        let t = c.thresholds;
        let thresholds: Vec<String> = [
            t.msgs_per_op.map(|v| format!("msgs/op < {}", num(v))),
            t.latency_median_ms
                .map(|v| format!("median < {} ms", num(v))),
            t.latency_max_ms.map(|v| format!("max < {} ms", num(v))),
        ]
        .into_iter()
        .flatten()
        .collect();
        println!(
            "{:<8} {:<16} {:<18} {:<54} {}",
            c.id,
            c.workload,
            c.node_bin,
            c.title,
            thresholds.join(", ")
        );
        let args = c
            .params(Profile::Official, false, &Overrides::default())
            .test_args(c.workload, "<bin>");
        println!("         maelstrom {}", args.join(" "));
        println!("         node: {}", crate::project::node_text(nodes, &c));
        if let Some(note) = c.note {
            println!("         note: {note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The run log, with each line it had to skip reported once on stderr.
pub fn load_run_log(glomers_dir: &Path) -> anyhow::Result<Loaded> {
    let loaded = RunLog::new(glomers_dir).load()?;
    for skipped in &loaded.skipped {
        let _ = writeln!(std::io::stderr(), "glomers: warning: {skipped}");
    }
    Ok(loaded)
}

pub fn runs(glomers_dir: &Path, challenge: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let runs: Vec<RunSummary> = load_run_log(glomers_dir)?
        .runs
        .into_iter()
        .filter(|r| challenge.is_none_or(|c| r.challenge == c))
        .collect();
    if json {
        for run in &runs {
            println!("{}", output::run_json(run));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if runs.is_empty() {
        println!(
            "no runs yet in {} (try `glomers run 1`)",
            RunLog::new(glomers_dir).path().display()
        );
    }
    if !runs.is_empty() {
        println!(
            "{:<34} {:<7} {:<9} {:<9} {:<4} {:>9}  metrics",
            "run", "id", "backend", "profile", "", "wall"
        );
    }
    for r in &runs {
        let verdict = if r.passed { "PASS" } else { "FAIL" };
        println!(
            "{:<34} {:<7} {:<9} {:<9} {verdict:<4} {:>7.1} s  {}",
            r.run_id,
            r.challenge,
            r.backend.to_string(),
            r.label().kind.to_string(),
            r.wall_s,
            metrics_line(r)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(glomers_dir: &Path, selector: &str, json: bool) -> anyhow::Result<ExitCode> {
    let log = load_run_log(glomers_dir)?;
    let r = log.find(selector)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&output::run_json(r))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("run       {}", r.run_id);
    println!("challenge {}", r.challenge);
    println!(
        "verdict   {} ({:?})",
        if r.passed { "PASS" } else { "FAIL" },
        r.status
    );
    println!(
        "backend   {}, started {}, {:.1} s",
        r.backend, r.started_at, r.wall_s
    );
    println!("profile   {}", r.label());
    println!("metrics   {}", metrics_line(r));
    for m in &r.margins {
        let margin = m.margin.map(num).unwrap_or_else(|| "n/a".into());
        println!(
            "          {} limit < {}: margin {margin}",
            m.metric,
            num(m.limit)
        );
    }
    for reason in &r.reasons {
        println!("reason    {reason}");
    }
    for warning in &r.node_warnings {
        println!("warning   {}", warning.message);
    }
    if let Some(store) = &r.store_dir {
        println!("store     {}", store.display());
        if !r.passed {
            for line in crate::explain::under_fail(store, &r.run_id) {
                println!("{line}");
            }
        }
    }
    if let Some(bin) = &r.bin {
        println!("node      {}", bin.display());
    }
    if let Some(seed) = r.seed {
        println!("seed      {seed} (`glomers rerun {}` repeats it)", r.run_id);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn compare(glomers_dir: &Path, a: &str, b: &str, json: bool) -> anyhow::Result<ExitCode> {
    let log = load_run_log(glomers_dir)?;
    let (ra, rb) = (log.find(a)?, log.find(b)?);
    let rows = run_log::compare(ra, rb);
    if json {
        let doc = serde_json::json!({
            "a": ra.run_id,
            "b": rb.run_id,
            "differences": label::differences(ra, rb),
            "rows": rows,
            "passed": [ra.passed, rb.passed],
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    let cell = |value: Option<f64>, limit: Option<f64>| {
        let v = value.map(num).unwrap_or_else(|| "-".into());
        match (value, limit) {
            (Some(x), Some(l)) => format!("{v} {} {}", if x < l { "<" } else { "≥" }, num(l)),
            (None, Some(l)) => format!("{v} (< {})", num(l)),
            _ => v,
        }
    };
    let (head_a, head_b) = (
        format!("{} ({})", ra.challenge, ra.run_id),
        format!("{} ({})", rb.challenge, rb.run_id),
    );
    if let Some(line) = label::differences_line(ra, rb) {
        println!("warning: {line}");
    }
    let w = head_a.len().max(head_b.len()) + 2;
    println!("{:<20} {head_a:<w$} {head_b:<w$}", "");
    for row in rows {
        let (a, b) = (cell(row.a, row.limit_a), cell(row.b, row.limit_b));
        println!("{:<20} {a:<w$} {b:<w$}", row.metric);
    }
    let verdict = |r: &RunSummary| if r.passed { "PASS" } else { "FAIL" };
    println!("{:<20} {:<w$} {:<w$}", "verdict", verdict(ra), verdict(rb));
    Ok(ExitCode::SUCCESS)
}

/// `glomers plot <run>`: Maelstrom-like latency and rate plots in the run's store directory.
pub fn plot(glomers_dir: &Path, selector: &str) -> anyhow::Result<ExitCode> {
    let log = load_run_log(glomers_dir)?;
    let run = log.find(selector)?;
    let store = run.store_dir.as_ref().with_context(|| {
        format!(
            "run {} has no store directory (it never started)",
            run.run_id
        )
    })?;
    for path in ::report::run_plots(store)? {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

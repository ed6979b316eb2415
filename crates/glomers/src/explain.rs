//! `glomers explain [RUN|CHALLENGE|STORE_PATH] [--json]`, and the few lines of
//! findings `run` and `show` print under a FAIL. The findings come from the
//! `explain` crate; this module only finds the store and prints.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

/// Findings printed under a FAIL before pointing at `glomers explain`.
pub const SHOWN_UNDER_FAIL: usize = 3;

/// The store a selector names: an existing directory, else a run id or challenge id
/// from the run log (the latest run when there is no selector).
fn store_of(
    glomers_dir: &Path,
    selector: Option<&str>,
) -> anyhow::Result<(PathBuf, Option<String>)> {
    if let Some(path) = selector
        .map(Path::new)
        .filter(|p| p.join("history.edn").is_file())
    {
        return Ok((path.to_path_buf(), None));
    }
    if let Some(path) = selector.filter(|s| s.contains('/')) {
        anyhow::bail!("{path} is not a store directory (it holds no history.edn)");
    }
    let log = crate::past::load_run_log(glomers_dir)?;
    let run = match selector {
        Some(selector) => log.find(selector)?,
        None => log.runs.last().context("no runs in the run log yet")?,
    };
    let store = run
        .store_dir
        .clone()
        .with_context(|| format!("run {} has no store directory", run.run_id))?;
    Ok((store, Some(run.run_id.clone())))
}

pub fn explain(glomers_dir: &Path, selector: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let (store, run_id) = store_of(glomers_dir, selector)?;
    let mut explanation =
        explain::explain(&store).with_context(|| format!("explaining {}", store.display()))?;
    if let Some(run_id) = run_id {
        explanation.run_id = run_id;
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&explain::to_json(&explanation))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", explanation.headline());
    if let Some(source) = &explanation.journal
        && !explanation.findings.is_empty()
    {
        let state = match &source.note {
            Some(note) => format!("incomplete: {note}"),
            None => "complete".to_string(),
        };
        println!("journal: {} ({state})", source.file);
    }
    for finding in &explanation.findings {
        println!("\n- {}", finding.summary);
        for line in &finding.evidence {
            println!("    {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first findings of a failed run's store, then where to see the rest;
/// nothing when the store cannot be explained (the FAIL line already says why).
pub fn under_fail(store: &Path, run_id: &str) -> Vec<String> {
    let Ok(explanation) = explain::explain(store) else {
        return Vec::new();
    };
    let findings = &explanation.findings;
    let mut lines: Vec<String> = findings
        .iter()
        .take(SHOWN_UNDER_FAIL)
        .map(|f| format!("  why: {}", f.summary))
        .collect();
    if findings.len() > SHOWN_UNDER_FAIL {
        lines.push(format!(
            "  … {} more: glomers explain {run_id}",
            findings.len() - SHOWN_UNDER_FAIL
        ));
    }
    lines
}

//! `glomers watch` and `glomers rerun`: the edit–save–see loop on the
//! terminal, and repeating a recorded run.
//!
//! The loop itself is `runner::watch`; this module prints its cycle events,
//! one line per challenge per cycle with the change since the previous
//! cycle, and turns Ctrl-C and SIGTERM into a stop (exit 130 and 143).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use runner::backend::{Backend, BackendChoice, BackendKind};
use runner::event::{Phase, RunEvent, SessionEvent};
use runner::run_log::{RunLog, RunSummary};
use runner::session::RunStatus;
use runner::watch::{WatchEvent, WatchSpec};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

use crate::cli::WatchArgs;
use crate::output::status_label;
use crate::project::Place;
use crate::run::{self, StopSignal};

pub async fn watch(args: WatchArgs, place: &Place) -> anyhow::Result<ExitCode> {
    let config = run::session_config(&args.run_args(), place)?;
    let spec = spec(args.bin.as_deref(), place)?;
    let what = match &args.bin {
        Some(bin) => bin.display().to_string(),
        None => format!("{}/", spec.root().display()),
    };
    note(&format!(
        "glomers: watching {what}; every change rebuilds and reruns (Ctrl-C stops)"
    ));
    let (events_tx, mut events) = mpsc::channel(4096);
    let (stop_tx, stop_rx) = watch::channel(false);
    let looping = tokio::spawn(runner::watch::watch(spec, config, events_tx, stop_rx));
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let mut printer = Printer::default();
    let mut stopped_by = None;
    loop {
        let signal = tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    printer.show(event);
                    continue;
                }
                None => break,
            },
            _ = interrupt.recv() => StopSignal::Interrupt,
            _ = terminate.recv() => StopSignal::Terminate,
        };
        if stopped_by.is_none() {
            note("glomers: stopping (the current cycle, its backend and every node)…");
        }
        stopped_by.get_or_insert(signal);
        let _ = stop_tx.send(true);
    }
    looping.await.context("the watch loop panicked")??;
    Ok(ExitCode::from(match stopped_by {
        Some(StopSignal::Terminate) => run::EXIT_TERMINATED,
        _ => run::EXIT_INTERRUPTED,
    }))
}

/// What a watch follows: the `--bin` file, else the project's `watch`
/// globs, else our nodes crate (the dashboard's `w` makes the same choice).
pub fn spec(bin: Option<&Path>, place: &Place) -> anyhow::Result<WatchSpec> {
    let spec = match (bin, &place.project, &place.workspace) {
        (Some(bin), _, _) => WatchSpec::file(bin),
        (None, Some(project), _) => WatchSpec::project(project.dir(), &project.watch),
        (None, None, Some(workspace)) => WatchSpec::nodes_crate(workspace),
        (None, None, None) => anyhow::bail!(
            "nothing to watch: no glomers.toml here or above, and not inside the glomers workspace; \
             run `glomers init` or pass `--bin PATH`"
        ),
    }?;
    Ok(spec.ignoring(&place.glomers_dir))
}

/// Prints watch events: verdict lines on stdout, everything else on stderr.
#[derive(Default)]
struct Printer {
    /// Challenge ids of the current cycle's runs, by index.
    ids: Vec<String>,
    /// Each challenge's last verdict, for the change since.
    previous: HashMap<String, RunSummary>,
}

impl Printer {
    fn show(&mut self, event: WatchEvent) {
        match event {
            WatchEvent::CycleStarted { cycle, changed } if cycle > 1 => {
                let names: Vec<String> = changed.iter().map(|p| short(p)).collect();
                note(&format!("── cycle {cycle}: {} changed", names.join(", ")));
            }
            WatchEvent::CycleStarted { .. } | WatchEvent::CycleFinished { .. } => {}
            WatchEvent::CycleCancelled { cycle } => note(&format!(
                "cycle {cycle} cancelled (its build or runs were stopped)"
            )),
            WatchEvent::WatcherTrouble(trouble) => note(&format!("glomers: watcher: {trouble}")),
            WatchEvent::Session { event, .. } => self.session_event(event),
        }
    }

    fn session_event(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::BuildStarted { step } => note(&format!("building node binaries: {step}")),
            SessionEvent::BuildFinished { ok: false, output } => {
                note(&output);
                note("waiting for the next change");
            }
            SessionEvent::BuildOutput { .. }
            | SessionEvent::BuildFinished { ok: true, .. }
            | SessionEvent::Done => {}
            SessionEvent::Run { index, event } => match event {
                RunEvent::Started { challenge, .. } => {
                    self.ids
                        .resize(self.ids.len().max(index + 1), String::new());
                    self.ids[index] = challenge;
                }
                RunEvent::Phase(Phase::Running) => {
                    let id = self.ids.get(index).cloned().unwrap_or_default();
                    note(&format!("[{id}] running"));
                }
                RunEvent::Finished(outcome) if outcome.status != RunStatus::Cancelled => {
                    let now = RunSummary::from(outcome.as_ref());
                    let line = cycle_line(&now, self.previous.get(&now.challenge));
                    let mut out = std::io::stdout();
                    let _ = writeln!(out, "{line}").and_then(|_| out.flush());
                    self.previous.insert(now.challenge.clone(), now);
                }
                _ => {}
            },
        }
    }
}

/// One cycle's verdict for one challenge, with the change since `before`:
/// `PASS 3d 11.9 msgs/op (−0.4) · median 79 ms (+2) · max 99 ms` or
/// `FAIL 3c lost 2 values (was PASS) · glomers explain <run-id>`.
pub fn cycle_line(now: &RunSummary, before: Option<&RunSummary>) -> String {
    let label = status_label(now.status);
    let mut line = format!("{label} {}", now.challenge);
    if now.passed {
        let figure = |value: Option<f64>, earlier: Option<f64>, unit: &str, decimals: usize| {
            let value = value?;
            let delta = earlier
                .map(|e| value - e)
                .filter(|d| d.abs() * 10f64.powi(decimals as i32) >= 0.5)
                .map(|d| {
                    let sign = if d < 0.0 { '−' } else { '+' };
                    format!(" ({sign}{:.decimals$})", d.abs())
                })
                .unwrap_or_default();
            Some(format!("{value:.decimals$}{unit}{delta}"))
        };
        let was = |pick: fn(&RunSummary) -> Option<f64>| before.and_then(pick);
        let parts: Vec<String> = [
            figure(now.msgs_per_op, was(|s| s.msgs_per_op), " msgs/op", 1),
            figure(
                now.latency_median_ms,
                was(|s| s.latency_median_ms),
                " ms",
                0,
            )
            .map(|f| format!("median {f}")),
            figure(now.latency_max_ms, was(|s| s.latency_max_ms), " ms", 0)
                .map(|f| format!("max {f}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            line = format!("{line} {}", parts.join(" · "));
        }
    } else if let Some(reason) = now.reasons.first() {
        line = format!("{line} {reason}");
    }
    if let Some(before) = before.filter(|b| status_label(b.status) != label) {
        line = format!("{line} (was {})", status_label(before.status));
    }
    if !now.passed && !now.status.is_infrastructure() {
        line = format!("{line} · glomers explain {}", now.run_id);
    }
    line
}

/// `glomers rerun <run>`: the recorded run again, on its backend, with its seed.
pub async fn rerun(selector: &str, json: bool, place: &Place) -> anyhow::Result<ExitCode> {
    let glomers_dir = place.glomers_dir.clone();
    let loaded = RunLog::new(&glomers_dir).load()?;
    let recorded = loaded.find(selector)?;
    let backend = match recorded.backend {
        BackendKind::Sim => Backend::sim_from_current_exe()?,
        BackendKind::Maelstrom => Backend::resolve(
            BackendChoice::Maelstrom,
            None,
            Backend::sim_from_current_exe,
        )?,
    };
    let plan = runner::rerun::plan(recorded, backend, glomers_dir)?;
    match recorded.seed {
        Some(seed) if plan.config.backend.kind == BackendKind::Sim => note(&format!(
            "glomers: rerunning {} with seed {seed}",
            recorded.run_id
        )),
        _ => note(&format!("glomers: rerunning {}", recorded.run_id)),
    }
    for warning in &plan.warnings {
        note(&format!("warning: {warning}"));
    }
    let driven = run::drive(plan.config, false, json).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&crate::output::json_summary(&driven.outcomes, &[]))?
        );
    }
    Ok(ExitCode::from(run::exit_code(
        &driven.outcomes,
        driven.stopped_by,
    )))
}

/// A changed path by its file name (its directory is the watched one).
fn short(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Status lines never kill the loop: a closed terminal is ignored.
fn note(line: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "{line}").and_then(|_| err.flush());
}

#[cfg(test)]
mod tests {
    use super::*;
    use runner::catalog::{Params, Profile};
    use std::path::PathBuf;

    fn summary(status: RunStatus, msgs: f64, median: f64, max: f64) -> RunSummary {
        RunSummary {
            challenge: "3d".into(),
            run_id: "r-3d".into(),
            passed: status == RunStatus::Passed,
            status,
            reasons: match status {
                RunStatus::Passed => vec![],
                _ => vec!["lost 2 values".into()],
            },
            valid: None,
            msgs_per_op: Some(msgs),
            msgs_per_op_all: None,
            latency_median_ms: Some(median),
            latency_max_ms: Some(max),
            availability: Some(1.0),
            margins: vec![],
            wall_s: 7.0,
            store_dir: None,
            work_dir: PathBuf::from("/w"),
            backend: BackendKind::Sim,
            profile: Profile::Quick,
            params: Params::default(),
            label: None,
            backend_exit_code: Some(0),
            started_at: String::new(),
            node_warnings: vec![],
            seed: Some(1),
            bin: None,
            bin_sha256: None,
        }
    }

    #[test]
    fn a_pass_shows_its_figures_and_their_change_since_the_last_cycle() {
        let before = summary(RunStatus::Passed, 12.3, 77.0, 99.2);
        let now = summary(RunStatus::Passed, 11.9, 79.0, 99.0);
        assert_eq!(
            cycle_line(&now, None),
            "PASS 3d 11.9 msgs/op · median 79 ms · max 99 ms"
        );
        assert_eq!(
            cycle_line(&now, Some(&before)),
            "PASS 3d 11.9 msgs/op (−0.4) · median 79 ms (+2) · max 99 ms"
        );
    }

    #[test]
    fn a_change_of_verdict_says_what_it_was_and_a_failure_where_to_look() {
        let pass = summary(RunStatus::Passed, 3.0, 1.0, 2.0);
        let fail = summary(RunStatus::Failed, 3.0, 1.0, 2.0);
        assert_eq!(
            cycle_line(&fail, Some(&pass)),
            "FAIL 3d lost 2 values (was PASS) · glomers explain r-3d"
        );
        assert_eq!(
            cycle_line(&pass, Some(&fail)),
            "PASS 3d 3.0 msgs/op · median 1 ms · max 2 ms (was FAIL)"
        );
        let mut broken = summary(RunStatus::BuildFailed, 0.0, 0.0, 0.0);
        broken.reasons = vec!["the nodes crate does not compile".into()];
        assert_eq!(
            cycle_line(&broken, Some(&pass)),
            "BUILD FAILED 3d the nodes crate does not compile (was PASS)"
        );
    }
}

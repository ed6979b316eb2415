//! `glomers bench` and `glomers frontier`: repeated runs summarised into
//! tables, the broadcast frontier plot, and per-run plots. Tables and plots go
//! to `<work dir>/bench/` unless `--out` names a directory (the README's
//! figures are written with `--out bench/results`).
//!
//! Runs go through the same session as `glomers run`; this module only
//! repeats them and hands the recorded `results.edn` to the `report` crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use runner::session::RunOutcome;

use crate::cli::RunArgs;
use crate::project::Place;
use crate::run;
use report::{BenchReport, BenchRow, BenchSample, FrontierPoint, PointKind};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Runs per challenge; the tables give the median and the min–max spread.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    pub runs: u16,

    /// Directory for the Markdown and JSON tables (default: `bench/` in the work dir).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FrontierArgs {
    /// Values of the knob to sweep for the 3e node, besides one run with the
    /// node's own default (the 3d node runs once, with its defaults).
    #[arg(long, value_delimiter = ',', default_values_t = [200u32, 400, 1000, 1600])]
    pub batch_ms: Vec<u32>,

    /// The environment variable the 3e node reads its batching period from.
    #[arg(long, value_name = "NAME", default_value = "GLOMERS_BATCH_MS")]
    pub knob: String,

    /// More environment for both nodes, e.g. `FANOUT=4` (repeatable).
    #[arg(long = "node-env", value_name = "KEY=VALUE", value_parser = crate::cli::parse_key_value)]
    pub node_env: Vec<(String, String)>,

    /// Directory for `frontier.png`, `frontier.svg` and `frontier.md` (default: `bench/` in the work dir).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Backend to measure on (default: glomers.toml's, else sim).
    #[arg(long, value_enum)]
    pub backend: Option<crate::cli::BackendArg>,

    /// Path to the real `maelstrom` launcher.
    #[arg(long, value_name = "PATH")]
    pub maelstrom: Option<PathBuf>,
}

pub async fn bench(args: BenchArgs, place: &Place) -> anyhow::Result<ExitCode> {
    let root = place.root();
    let revision = git_revision(&root);
    let out = output_dir(args.out.as_deref(), &place.glomers_dir);
    let config = run::session_config(&args.run, place)?;
    let mut samples: Vec<Vec<BenchSample>> = vec![Vec::new(); config.challenges.len()];
    let mut all_outcomes = Vec::new();
    for round in 1..=args.runs {
        eprintln!("glomers bench: round {round} of {}", args.runs);
        let driven = run::drive(config.clone(), true, false).await?;
        if let Some(code) = driven.cancelled_exit() {
            return Ok(ExitCode::from(code));
        }
        let outcomes = driven.outcomes;
        for (row, outcome) in samples.iter_mut().zip(&outcomes) {
            row.push(sample(outcome));
        }
        all_outcomes.extend(outcomes);
    }
    let backend = config.backend.kind.to_string();
    let rows: Vec<BenchRow> = config
        .challenges
        .iter()
        .zip(samples)
        .map(|(challenge, runs)| BenchRow {
            challenge: challenge.id.to_string(),
            backend: backend.clone(),
            runs,
        })
        .collect();
    let report = BenchReport::new(&revision, rows);
    let ids: Vec<&str> = config.challenges.iter().map(|c| c.id).collect();
    let stem = table_stem(&backend, &ids, args.run.all);
    let written = report.write(&out, &stem)?;
    println!("{}", report.to_markdown());
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::from(run::exit_code(&all_outcomes, None)))
}

/// Sweeps the efficient broadcast nodes at the official 3d/3e parameters and
/// plots msgs/op against latency with the target boxes and reference points.
pub async fn frontier(args: FrontierArgs, place: &Place) -> anyhow::Result<ExitCode> {
    let out = output_dir(args.out.as_deref(), &place.glomers_dir);
    // `None` runs a node with its own defaults, which only the node knows:
    // those runs are the ones marked as shipped on the plot.
    let mut settings: Vec<(&str, Option<u32>)> = vec![("3d", None), ("3e", None)];
    settings.extend(args.batch_ms.iter().map(|&ms| ("3e", Some(ms))));
    let mut points = Vec::new();
    let mut table = String::from(
        "| node | setting | valid | msgs/op | median ms | max ms |\n|---|---|---|---|---|---|\n",
    );
    for (id, batch_ms) in settings {
        let mut run_args = RunArgs::for_challenges(vec![id.to_string()]);
        run_args.backend = args.backend;
        run_args.maelstrom = args.maelstrom.clone();
        run_args.node_env = args.node_env.clone();
        if let Some(ms) = batch_ms {
            run_args.node_env.push((args.knob.clone(), ms.to_string()));
        }
        let config = run::session_config(&run_args, place)?;
        let node = config
            .nodes
            .source(&config.challenges[0])
            .map_or_else(String::new, |s| s.display());
        let driven = run::drive(config, true, false).await?;
        if let Some(code) = driven.cancelled_exit() {
            return Ok(ExitCode::from(code));
        }
        let Some(outcome) = driven.outcomes.first() else {
            continue;
        };
        let setting = batch_ms.map_or("defaults".to_string(), |ms| format!("{}={ms}", args.knob));
        let default = batch_ms.is_none();
        let label = match batch_ms {
            Some(ms) => format!("{id} node, {ms} ms rounds"),
            None => format!("{id} node, its defaults"),
        };
        let results = outcome.results.as_ref();
        let point = results
            .and_then(|r| FrontierPoint::from_results(&label, PointKind::Ours { default }, r));
        let figure = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.2}"));
        let valid = results
            .and_then(|r| r.valid.as_bool())
            .map_or("–".to_string(), |v| v.to_string());
        table.push_str(&format!(
            "| {node} | {setting} | {valid} | {} | {} | {} |\n",
            figure(point.as_ref().map(|p| p.msgs_per_op)),
            figure(point.as_ref().map(|p| p.median_ms)),
            figure(point.as_ref().map(|p| p.max_ms)),
        ));
        points.extend(point);
    }
    points.extend(report::frontier::reference_points());
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = report::frontier_plot(&points, &out.join("frontier"))?;
    let table_path = out.join("frontier.md");
    std::fs::write(&table_path, &table)
        .with_context(|| format!("cannot write {}", table_path.display()))?;
    written.push(table_path);
    println!("{table}");
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn sample(outcome: &RunOutcome) -> BenchSample {
    let wall_s = outcome.wall.as_secs_f64();
    let overhead_s = wall_s - outcome.params.time_limit_s as f64 - recovery_wait_s(outcome);
    match &outcome.results {
        Some(results) => BenchSample::from_results(results, wall_s, overhead_s),
        None => BenchSample {
            valid: None,
            msgs_per_op: None,
            median_ms: None,
            max_ms: None,
            availability: None,
            wall_s: Some(wall_s),
            overhead_s: None,
        },
    }
}

/// The quiet period before final reads: part of the workload, not backend overhead.
fn recovery_wait_s(outcome: &RunOutcome) -> f64 {
    let has_final_phase = sim::workloads::Kind::from_name(outcome.challenge.workload)
        .is_some_and(sim::workloads::Kind::has_final_phase);
    if has_final_phase {
        outcome
            .params
            .recovery_wait_s
            .unwrap_or(runner::catalog::MAELSTROM_RECOVERY_WAIT_S) as f64
    } else {
        0.0
    }
}

/// `sim-3d-3e`, or `sim-all` for `--all`: reruns of the same set overwrite their table.
fn table_stem(backend: &str, ids: &[&str], all: bool) -> String {
    if all {
        format!("{backend}-all")
    } else {
        format!("{backend}-{}", ids.join("-"))
    }
}

/// `--out` as given (relative to the current directory, like any path
/// argument), else `bench/` in the work dir: never the tracked tables by default.
fn output_dir(out: Option<&Path>, glomers_dir: &Path) -> PathBuf {
    out.map_or_else(|| glomers_dir.join("bench"), Path::to_path_buf)
}

fn git_revision(root: &Path) -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_named_after_backend_and_challenges() {
        assert_eq!(table_stem("sim", &["3d", "3e"], false), "sim-3d-3e");
        assert_eq!(table_stem("maelstrom", &["1"], true), "maelstrom-all");
    }

    #[test]
    fn tables_go_to_the_work_dir_unless_out_is_given() {
        let work = Path::new("/p/.glomers");
        assert_eq!(output_dir(None, work), Path::new("/p/.glomers/bench"));
        assert_eq!(
            output_dir(Some(Path::new("bench/results")), work),
            Path::new("bench/results")
        );
    }
}

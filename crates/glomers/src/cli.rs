//! Every command-line flag of `glomers`, defined once: `--help`, completions
//! and parsing all come from these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run and judge the Fly.io "Gossip Glomers" distributed-systems challenges
/// on an embedded Maelstrom-compatible simulator or on real Maelstrom.
#[derive(Debug, Parser)]
#[command(name = "glomers", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub action: Option<Action>,

    /// Directory for run directories and the run log (default: `.glomers` beside
    /// `glomers.toml`, else in the glomers workspace when run inside it, else here).
    #[arg(long, global = true, env = "GLOMERS_DIR", value_name = "DIR")]
    pub work_dir: Option<PathBuf>,

    /// Cargo workspace holding our `nodes` crate (default: the one around the current directory).
    #[arg(long, global = true, env = "GLOMERS_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// List the challenges with their official parameters, thresholds and the node each runs.
    List,
    /// Write a commented `glomers.toml` for the project in the current directory.
    Init,
    /// Build the nodes, run challenges, and judge them.
    Run(RunArgs),
    /// Rebuild and rerun challenges on every change to the node's sources (quick profile).
    Watch(WatchArgs),
    /// Repeat a past run: same challenge, parameters, node environment, binary and simulator seed.
    Rerun {
        /// A run id (or unique prefix), or a challenge id for its latest run.
        run: String,
        /// Print a JSON summary on stdout (progress goes to stderr).
        #[arg(long)]
        json: bool,
    },
    /// List past runs from the run log, newest last (formerly `history`).
    #[command(visible_alias = "history")]
    Runs {
        /// Only runs of this challenge.
        #[arg(long, value_name = "ID")]
        challenge: Option<String>,
        /// Print the run summaries as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Show one past run: a run id (or unique prefix), or a challenge id for its latest run.
    Show {
        run: String,
        /// Print the run summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Why a run failed: findings from its store (a run id, a challenge id, or a store directory).
    Explain {
        /// Run id (or unique prefix), challenge id for its latest run, or a store path; default: the latest run.
        run: Option<String>,
        /// Print the findings as JSON (schema in docs/explain.md).
        #[arg(long)]
        json: bool,
    },
    /// Compare two runs side by side (e.g. `glomers compare 3d 3e`) with their thresholds.
    Compare {
        a: String,
        b: String,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run challenges several times and write median/spread tables to `bench/results/`.
    Bench(crate::bench::BenchArgs),
    /// Sweep the efficient broadcast nodes' batching and plot msgs/op against latency.
    Frontier(crate::bench::FrontierArgs),
    /// Write latency and rate plots (PNG and SVG) into a past run's store directory.
    #[command(visible_alias = "report")]
    Plot {
        /// A run id (or unique prefix), or a challenge id for its latest run.
        run: String,
    },
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
    /// Run the embedded simulator with Maelstrom's command line, e.g. `glomers maelstrom test -w echo --bin ./echo`.
    #[command(disable_help_flag = true)]
    Maelstrom {
        /// Arguments passed verbatim, as to `maelstrom`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// Which program runs the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// The embedded simulator (no Java needed).
    Sim,
    /// Real Maelstrom (needs Java).
    Maelstrom,
    /// Real Maelstrom if found, else the simulator.
    Auto,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Challenge ids (see `glomers list`); `6b` runs both of its official commands.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub challenges: Vec<String>,

    /// Run every configured challenge (all of ours inside the glomers workspace).
    #[arg(long)]
    pub all: bool,

    /// CI mode: plain progress lines, no live display; exit 0 only if every run passes,
    /// 1 if a challenge fails, 2 on infrastructure errors (build, backend, arguments,
    /// work dir), 130 when cancelled by Ctrl-C (SIGINT), 143 by SIGTERM.
    #[arg(long)]
    pub ci: bool,

    /// The official test with the main phase cut to 5 s; recovery and final
    /// reads stay Maelstrom's, so it means the same on every backend.
    #[arg(long, conflicts_with = "official")]
    pub quick: bool,

    /// The exact parameters of the challenge pages (the default).
    #[arg(long)]
    pub official: bool,

    /// Print a JSON summary on stdout (progress goes to stderr).
    #[arg(long)]
    pub json: bool,

    /// Write a JUnit XML report, one testcase per run.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Run up to N challenges at once (timings get noisier).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,

    /// Test this node executable (any language) for every challenge given, instead of
    /// glomers.toml's or our own nodes.
    #[arg(long, value_name = "PATH")]
    pub bin: Option<PathBuf>,

    /// Override the main phase length, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<u64>,

    /// Override the number of nodes.
    #[arg(long, value_name = "N")]
    pub node_count: Option<u32>,

    /// Override the client request rate, per second.
    #[arg(long, value_name = "RATE")]
    pub rate: Option<f64>,

    /// Override the mean node-to-node latency, in milliseconds.
    #[arg(long, value_name = "MILLIS")]
    pub latency: Option<u64>,

    /// Override fault injection: `partition`, or `none`.
    #[arg(long, value_name = "FAULTS")]
    pub nemesis: Option<String>,

    /// Seed the simulator's decisions (operations, nemesis schedule, latencies);
    /// without it the simulator draws a seed and glomers records it.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Simulator only: seconds of quiet before the final reads (Maelstrom's is a
    /// fixed 10 s). Shortens runs; they are labelled custom everywhere.
    #[arg(long, value_name = "SECONDS")]
    pub recovery_wait: Option<u64>,

    /// Backend to run the tests on (default: `[defaults] backend` of glomers.toml, else sim).
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,

    /// Path to the real `maelstrom` launcher (else $MAELSTROM, else `maelstrom` on PATH);
    /// giving it selects the Maelstrom backend unless `--backend` says otherwise.
    #[arg(long, value_name = "PATH")]
    pub maelstrom: Option<PathBuf>,

    /// Environment variable for the node binaries, e.g. `GLOMERS_BATCH_MS=1600` (repeatable);
    /// this is how the nodes' tuning knobs are set.
    #[arg(long = "node-env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub node_env: Vec<(String, String)>,

    /// Extra arguments appended verbatim to every `maelstrom test` command (after `--`).
    #[arg(last = true, value_name = "MAELSTROM_ARGS")]
    pub extra: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Challenge ids (see `glomers list`), run one at a time each cycle.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub challenges: Vec<String>,

    /// Every challenge.
    #[arg(long)]
    pub all: bool,

    /// The challenge pages' parameters instead of the quick profile.
    #[arg(long)]
    pub official: bool,

    /// Watch and test this node executable or script instead of our nodes crate.
    #[arg(long, value_name = "PATH")]
    pub bin: Option<PathBuf>,

    /// Override the main phase length, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<u64>,

    /// Environment variable for the node binaries (repeatable).
    #[arg(long = "node-env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub node_env: Vec<(String, String)>,
}

impl WatchArgs {
    /// The `glomers run` flags of one cycle.
    pub fn run_args(&self) -> RunArgs {
        let mut args = RunArgs::for_challenges(vec!["1".into()]);
        args.challenges = self.challenges.clone();
        args.all = self.all;
        args.quick = !self.official;
        args.official = self.official;
        args.bin = self.bin.clone();
        args.time_limit = self.time_limit;
        args.node_env = self.node_env.clone();
        args
    }
}

impl RunArgs {
    /// The flags of `glomers run <ids>` with nothing else given.
    pub fn for_challenges(ids: Vec<String>) -> RunArgs {
        let argv = ["glomers", "run"].into_iter().map(String::from).chain(ids);
        match Cli::parse_from(argv).action {
            Some(Action::Run(args)) => args,
            _ => unreachable!("`glomers run <ids>` always parses as the run command"),
        }
    }
}

/// `KEY=VALUE` → `(KEY, VALUE)`; the key must be non-empty.
pub fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn maelstrom_args_pass_through_verbatim() {
        let cli = Cli::try_parse_from([
            "glomers",
            "maelstrom",
            "test",
            "-w",
            "echo",
            "--bin",
            "./x",
            "--help",
        ])
        .unwrap();
        match cli.action {
            Some(Action::Maelstrom { args }) => {
                assert_eq!(args, ["test", "-w", "echo", "--bin", "./x", "--help"])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn watch_runs_quick_cycles_unless_official() {
        let parse = |argv: &[&str]| match Cli::try_parse_from(argv).unwrap().action {
            Some(Action::Watch(watch)) => watch.run_args(),
            other => panic!("{other:?}"),
        };
        let quick = parse(&["glomers", "watch", "1", "3a", "--bin", "n.py"]);
        assert_eq!(quick.challenges, ["1", "3a"]);
        assert!(quick.quick && !quick.official && !quick.all);
        assert_eq!(quick.bin.as_deref(), Some(std::path::Path::new("n.py")));
        let official = parse(&["glomers", "watch", "--all", "--official"]);
        assert!(official.all && official.official && !official.quick);
        assert!(Cli::try_parse_from(["glomers", "watch"]).is_err());
    }

    #[test]
    fn run_needs_ids_or_all() {
        assert!(Cli::try_parse_from(["glomers", "run"]).is_err());
        assert!(Cli::try_parse_from(["glomers", "run", "--all", "1"]).is_err());
        let cli = Cli::try_parse_from([
            "glomers",
            "run",
            "3d",
            "3e",
            "--quick",
            "-j",
            "2",
            "--",
            "--topology",
            "tree4",
        ])
        .unwrap();
        let Some(Action::Run(run)) = cli.action else {
            panic!()
        };
        assert_eq!(
            (run.challenges, run.jobs, run.quick, run.extra),
            (
                vec!["3d".to_string(), "3e".to_string()],
                2,
                true,
                vec!["--topology".to_string(), "tree4".to_string()]
            )
        );
    }
}

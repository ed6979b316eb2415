//! `maelstrom`-compatible command-line parsing: subcommands, the `test`
//! options with Maelstrom's defaults, validation messages (exit 254) and the
//! positional arguments that become every node's argv.
//!
//! One table ([`options::OPTIONS`]) names every `test` option with its help
//! line, default and check: parsing, defaults, `--help` and the validation
//! messages all read it, so none of them can say something the others do not.
//!
//! Parsing follows Clojure `tools.cli` as Maelstrom uses it: `--opt value` and
//! `--opt=value`, `--` ends options, and any token not starting with an ASCII
//! `-` (including the en-dash `–-nemesis` trap) is a positional node argument.

mod draft;
mod options;
mod parse;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use options::OPTIONS;

/// Every workload name `-w` accepts (sorted, as Maelstrom prints them).
pub const WORKLOADS: [&str; 10] = [
    "broadcast",
    "echo",
    "g-counter",
    "g-set",
    "kafka",
    "lin-kv",
    "pn-counter",
    "txn-list-append",
    "txn-rw-register",
    "unique-ids",
];

/// Broadcast topology names accepted by `--topology`.
pub const TOPOLOGIES: [&str; 7] = ["grid", "line", "total", "tree", "tree2", "tree3", "tree4"];

/// What a `maelstrom …` command line asks the simulator to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// Run `test_count` tests with these options.
    Test(Box<TestOptions>),
    /// Print this text and exit 0.
    Help(String),
    /// Print these lines and exit 254.
    Usage(Vec<String>),
}

/// The shape of per-message latency (`--latency-dist`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyDist {
    Constant,
    Uniform,
    Exponential,
}

/// `--availability`: absent means always valid.
pub use checker::Availability;

/// All options of `maelstrom test`, resolved and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOptions {
    /// `--bin` exactly as given (relative paths resolve against the base directory).
    pub bin: PathBuf,
    pub workload: String,
    /// Node ids after resolving `--node-count`, `--nodes`, `--nodes-file` and `-n`.
    pub nodes: Vec<String>,
    /// Client worker threads (`--concurrency`, with `Kn` multiplied out).
    pub concurrency: usize,
    pub rate: f64,
    pub latency_ms: u64,
    pub latency_dist: LatencyDist,
    /// `--nemesis partition` given.
    pub partition: bool,
    pub nemesis_interval_s: f64,
    pub topology: String,
    pub availability: Option<Availability>,
    pub consistency_models: Vec<String>,
    pub key_count: Option<usize>,
    pub max_txn_length: usize,
    pub max_writes_per_key: usize,
    pub log_stderr: bool,
    pub log_net_send: bool,
    pub log_net_recv: bool,
    pub time_limit_s: u64,
    pub test_count: u32,
    pub leave_db_running: bool,
    /// Positional arguments passed to every node.
    pub node_args: Vec<String>,
    /// Extra (not in Maelstrom): RNG seed for a reproducible run.
    pub seed: Option<u64>,
    /// Extra (not in Maelstrom): seconds of quiet before the final phase (Maelstrom: 10).
    pub recovery_wait_s: f64,
    /// The raw arguments, kept for `jepsen.log`.
    pub argv: Vec<String>,
}

/// Parse a full command line (without the program name).
pub fn parse(args: &[String]) -> Invocation {
    match args.first().map(String::as_str) {
        Some("test") => parse::parse_test(&args[1..]),
        Some(cmd @ ("analyze" | "demo" | "doc" | "serve")) => {
            if args[1..].iter().any(|a| a == "-h" || a == "--help") {
                return Invocation::Help(format!(
                    "glomers-sim {cmd}: not provided by the embedded simulator\n"
                ));
            }
            Invocation::Usage(vec![format!(
                "The {cmd} command is not provided by the embedded simulator; only test is."
            )])
        }
        _ => Invocation::Usage(vec![
            "Usage: lein run -- COMMAND [OPTIONS ...]".to_string(),
            "Commands: analyze, demo, doc, serve, test".to_string(),
        ]),
    }
}

/// The option summary printed by `test --help`: one line per table entry,
/// its default appended.
pub fn test_help() -> String {
    let mut out =
        String::from("Usage: glomers-sim test [OPTIONS ...] [-- NODE_ARGS ...]\n\nOptions:\n");
    for spec in OPTIONS {
        let names = match spec.short {
            Some(short) => format!("{short}, {}", spec.long),
            None => format!("    {}", spec.long),
        };
        let left = match spec.kind.value_name() {
            Some(meta) => format!("{names} {meta}"),
            None => names,
        };
        let default = spec
            .default
            .map(|d| format!(" (default {d})"))
            .unwrap_or_default();
        out.push_str(&format!("  {left:<36} {}{default}\n", spec.help));
    }
    out
}

/// Numbers as Clojure reads them on the command line: integers, decimals and ratios (`1/2`).
pub fn parse_clojure_number(raw: &str) -> Option<f64> {
    let raw = raw.trim();
    if let Some((n, d)) = raw.split_once('/') {
        let (n, d) = (n.parse::<f64>().ok()?, d.parse::<f64>().ok()?);
        return (d != 0.0).then_some(n / d);
    }
    raw.parse::<f64>().ok().filter(|v| v.is_finite())
}

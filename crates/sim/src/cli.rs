//! `maelstrom`-compatible command-line parsing: subcommands, the `test`
//! options with Maelstrom's defaults, validation messages (exit 254) and the
//! positional arguments that become every node's argv.
//!
//! Parsing follows Clojure `tools.cli` as Maelstrom uses it: `--opt value` and
//! `--opt=value`, `--` ends options, and any token not starting with an ASCII
//! `-` (including the en-dash `–-nemesis` trap) is a positional node argument.

use std::path::PathBuf;

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

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
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

/// How an option takes its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    Value,
}

/// (long name, short name, metavariable or "" for flags, help line).
const OPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "--bin",
        "",
        "FILE",
        "Path to the node binary to test (required)",
    ),
    (
        "--workload",
        "-w",
        "NAME",
        "Workload to run (default lin-kv)",
    ),
    (
        "--node-count",
        "",
        "NUM",
        "Number of nodes, named n0..n{NUM-1}",
    ),
    (
        "--rate",
        "",
        "RATE",
        "Client operations per second, across all clients (default 5)",
    ),
    (
        "--latency",
        "",
        "MILLIS",
        "Mean one-way node<->node latency in ms (default 0)",
    ),
    (
        "--latency-dist",
        "",
        "TYPE",
        "constant, uniform or exponential (default constant)",
    ),
    (
        "--nemesis",
        "",
        "FAULTS",
        "Comma-separated faults; only partition exists",
    ),
    (
        "--nemesis-interval",
        "",
        "SECONDS",
        "Mean seconds between nemesis operations (default 10)",
    ),
    (
        "--topology",
        "",
        "SPEC",
        "Broadcast topology: grid line total tree tree2 tree3 tree4 (default grid)",
    ),
    (
        "--availability",
        "",
        "EXPECTED",
        "total, or the minimum fraction of ok operations",
    ),
    (
        "--consistency-models",
        "",
        "MODELS",
        "Models for txn checkers, split on ' , ' (default strict-serializable)",
    ),
    (
        "--key-count",
        "",
        "INT",
        "Active keys for txn and kafka workloads",
    ),
    (
        "--max-txn-length",
        "",
        "INT",
        "Maximum micro-operations per transaction (default 4)",
    ),
    (
        "--max-writes-per-key",
        "",
        "INT",
        "Values written per key (default 16)",
    ),
    (
        "--log-stderr",
        "",
        "",
        "Also log node stderr to the console",
    ),
    ("--log-net-send", "", "", "Log every message send"),
    ("--log-net-recv", "", "", "Log every message delivery"),
    (
        "--time-limit",
        "",
        "SECONDS",
        "Length of the main phase (default 60)",
    ),
    (
        "--concurrency",
        "",
        "NUMBER",
        "Client threads: K, or Kn for K per node (default 1n)",
    ),
    (
        "--node",
        "-n",
        "HOSTNAME",
        "A node id; repeatable (default n1 n2 n3 n4 n5)",
    ),
    ("--nodes", "", "NODE_LIST", "Comma-separated node ids"),
    (
        "--nodes-file",
        "",
        "FILENAME",
        "File with one node id per line",
    ),
    (
        "--test-count",
        "",
        "NUMBER",
        "How many times to run the test (default 1)",
    ),
    (
        "--leave-db-running",
        "",
        "",
        "Do not kill nodes at the end (crashes go undetected)",
    ),
    (
        "--logging-json",
        "",
        "",
        "Accepted for compatibility; ignored",
    ),
    (
        "--username",
        "",
        "USER",
        "Accepted for compatibility; ignored",
    ),
    (
        "--password",
        "",
        "PASS",
        "Accepted for compatibility; ignored",
    ),
    (
        "--strict-host-key-checking",
        "",
        "",
        "Accepted for compatibility; ignored",
    ),
    ("--no-ssh", "", "", "Accepted for compatibility; ignored"),
    (
        "--ssh-private-key",
        "",
        "FILE",
        "Accepted for compatibility; ignored",
    ),
    (
        "--seed",
        "",
        "N",
        "glomers-sim extra: seed the random generators for a reproducible run",
    ),
    (
        "--recovery-wait",
        "",
        "SECONDS",
        "glomers-sim extra: quiet period before final reads (default 10, as Maelstrom)",
    ),
    ("--help", "-h", "", "Print this help"),
];

fn lookup(token: &str) -> Option<(&'static str, Arity)> {
    OPTIONS
        .iter()
        .find(|(long, short, _, _)| *long == token || (!short.is_empty() && *short == token))
        .map(|(long, _, meta, _)| {
            (
                *long,
                if meta.is_empty() {
                    Arity::Flag
                } else {
                    Arity::Value
                },
            )
        })
}

/// The option summary printed by `test --help`.
pub fn test_help() -> String {
    let mut out =
        String::from("Usage: glomers-sim test [OPTIONS ...] [-- NODE_ARGS ...]\n\nOptions:\n");
    for (long, short, meta, help) in OPTIONS {
        let names = if short.is_empty() {
            format!("    {long}")
        } else {
            format!("{short}, {long}")
        };
        let left = if meta.is_empty() {
            names
        } else {
            format!("{names} {meta}")
        };
        out.push_str(&format!("  {left:<36} {help}\n"));
    }
    out
}

fn usage_lines() -> Vec<String> {
    vec![
        "Usage: lein run -- COMMAND [OPTIONS ...]".to_string(),
        "Commands: analyze, demo, doc, serve, test".to_string(),
    ]
}

/// Parse a full command line (without the program name).
pub fn parse(args: &[String]) -> Command {
    match args.first().map(String::as_str) {
        Some("test") => parse_test(&args[1..]),
        Some(cmd @ ("analyze" | "demo" | "doc" | "serve")) => {
            if args[1..].iter().any(|a| a == "-h" || a == "--help") {
                return Command::Help(format!(
                    "glomers-sim {cmd}: not provided by the embedded simulator\n"
                ));
            }
            Command::Usage(vec![format!(
                "The {cmd} command is not provided by the embedded simulator; only test is."
            )])
        }
        _ => Command::Usage(usage_lines()),
    }
}

fn parse_test(args: &[String]) -> Command {
    let mut values: Vec<(&'static str, String)> = Vec::new();
    let mut flags: Vec<&'static str> = Vec::new();
    let mut positional = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let token = &args[i];
        i += 1;
        if token == "--" {
            positional.extend(args[i..].iter().cloned());
            break;
        }
        if !token.starts_with('-') {
            positional.push(token.clone());
            continue;
        }
        let (name, inline) = match token.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (token.as_str(), None),
        };
        let Some((long, arity)) = lookup(name) else {
            errors.push(format!("Unknown option: \"{token}\""));
            continue;
        };
        if long == "--help" {
            return Command::Help(test_help());
        }
        match arity {
            Arity::Flag => flags.push(long),
            Arity::Value => {
                let value = match inline {
                    Some(v) => v,
                    None if i < args.len() => {
                        i += 1;
                        args[i - 1].clone()
                    }
                    None => {
                        errors.push(format!(
                            "Missing required argument for \"{long} {}\"",
                            meta_of(long)
                        ));
                        continue;
                    }
                };
                values.push((long, value));
            }
        }
    }
    let mut builder = Builder {
        values,
        errors,
        flags,
    };
    let opts = builder.build(args, positional);
    if !builder.errors.is_empty() {
        return Command::Usage(builder.errors);
    }
    match opts {
        Some(opts) => Command::Test(Box::new(opts)),
        None => Command::Usage(vec!["Expected a --bin PATH_TO_BINARY to test".to_string()]),
    }
}

fn meta_of(long: &str) -> &'static str {
    OPTIONS
        .iter()
        .find(|o| o.0 == long)
        .map(|o| o.2)
        .unwrap_or("")
}

struct Builder {
    values: Vec<(&'static str, String)>,
    errors: Vec<String>,
    flags: Vec<&'static str>,
}

impl Builder {
    /// The last value given for `long` (tools.cli keeps the last one).
    fn last(&self, long: &str) -> Option<String> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| *k == long)
            .map(|(_, v)| v.clone())
    }

    fn all(&self, long: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(k, _)| *k == long)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn flag(&self, long: &str) -> bool {
        self.flags.contains(&long)
    }

    fn fail(&mut self, long: &str, raw: &str, why: &str) {
        self.errors
            .push(format!("Failed to validate \"{long} {raw}\": {why}"));
    }

    fn parse_err(&mut self, long: &str, raw: &str, why: &str) {
        self.errors.push(format!(
            "Error while parsing option \"{long} {raw}\": {why}"
        ));
    }

    /// An integer option checked by `ok`; `default` when absent.
    fn int(
        &mut self,
        long: &str,
        default: Option<i64>,
        ok: fn(i64) -> bool,
        why: &str,
    ) -> Option<i64> {
        let Some(raw) = self.last(long) else {
            return default;
        };
        match raw.trim().parse::<i64>() {
            Ok(v) if ok(v) => Some(v),
            Ok(_) => {
                self.fail(long, &raw, why);
                default
            }
            Err(_) => {
                self.parse_err(
                    long,
                    &raw,
                    &format!("java.lang.NumberFormatException: For input string: \"{raw}\""),
                );
                default
            }
        }
    }

    fn one_of(&mut self, long: &str, default: &str, choices: &[&str]) -> String {
        let Some(raw) = self.last(long) else {
            return default.to_string();
        };
        if choices.contains(&raw.as_str()) {
            raw
        } else {
            let mut sorted = choices.to_vec();
            sorted.sort_unstable();
            self.fail(long, &raw, &format!("Must be one of {}", sorted.join(", ")));
            default.to_string()
        }
    }

    fn build(&mut self, argv: &[String], node_args: Vec<String>) -> Option<TestOptions> {
        let workload = self.one_of("--workload", "lin-kv", &WORKLOADS);
        let node_count = self.int("--node-count", None, |v| v > 0, "Must be positive");
        let rate = match self.last("--rate") {
            None => 5.0,
            Some(raw) => match parse_clojure_number(&raw) {
                Some(v) if v >= 0.0 => v,
                Some(_) => {
                    self.fail("--rate", &raw, "Can't be negative");
                    5.0
                }
                None => {
                    self.parse_err(
                        "--rate",
                        &raw,
                        &format!("java.lang.NumberFormatException: For input string: \"{raw}\""),
                    );
                    5.0
                }
            },
        };
        let latency = self
            .int("--latency", Some(0), |v| v >= 0, "Must be non-negative")
            .unwrap_or(0);
        let latency_dist = match self
            .one_of(
                "--latency-dist",
                "constant",
                &["constant", "uniform", "exponential"],
            )
            .as_str()
        {
            "uniform" => LatencyDist::Uniform,
            "exponential" => LatencyDist::Exponential,
            _ => LatencyDist::Constant,
        };
        let mut partition = false;
        if let Some(raw) = self.last("--nemesis") {
            let faults: Vec<&str> = split_trimmed_commas(&raw);
            if faults.iter().all(|f| *f == "partition") {
                partition = faults.contains(&"partition");
            } else {
                self.fail("--nemesis", &raw, "Must be one of partition");
            }
        }
        let nemesis_interval_s = match self.last("--nemesis-interval") {
            None => 10.0,
            Some(raw) => match parse_clojure_number(&raw) {
                Some(v) if v > 0.0 => v,
                _ => {
                    self.fail("--nemesis-interval", &raw, "Must be a positive number");
                    10.0
                }
            },
        };
        let topology = self.one_of("--topology", "grid", &TOPOLOGIES);
        let availability = match self.last("--availability") {
            None => None,
            Some(raw) if raw.trim() == "total" => Some(Availability::Total),
            Some(raw) => match parse_clojure_number(&raw) {
                Some(v) if (0.0..=1.0).contains(&v) => Some(Availability::AtLeast(v)),
                _ => {
                    self.fail(
                        "--availability",
                        &raw,
                        "must be either 'total' or a number between 0 and 1.",
                    );
                    None
                }
            },
        };
        let consistency_models = match self.last("--consistency-models") {
            None => vec![checker::DEFAULT_CONSISTENCY_MODEL.to_string()],
            Some(raw) => split_spaced_commas(&raw),
        };
        let key_count = self
            .int("--key-count", None, |v| v > 0, "Must be positive")
            .map(|v| v as usize);
        let max_txn_length = self
            .int("--max-txn-length", Some(4), |v| v > 0, "Must be positive")
            .unwrap_or(4) as usize;
        let max_writes_per_key = self
            .int(
                "--max-writes-per-key",
                Some(16),
                |v| v > 0,
                "Must be positive",
            )
            .unwrap_or(16) as usize;
        let time_limit_s = self
            .int("--time-limit", Some(60), |v| v > 0, "Must be positive")
            .unwrap_or(60) as u64;
        let test_count = self
            .int("--test-count", Some(1), |v| v > 0, "Must be positive")
            .unwrap_or(1) as u32;
        let concurrency_raw = self
            .last("--concurrency")
            .unwrap_or_else(|| "1n".to_string());
        let concurrency_spec = parse_concurrency(&concurrency_raw);
        if concurrency_spec.is_none() {
            self.fail(
                "--concurrency",
                &concurrency_raw,
                "Must be an integer, optionally followed by n",
            );
        }
        let seed = self
            .last("--seed")
            .and_then(|raw| match raw.trim().parse::<u64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    self.fail("--seed", &raw, "Must be a non-negative integer");
                    None
                }
            });
        let recovery_wait_s = match self.last("--recovery-wait") {
            None => 10.0,
            Some(raw) => match parse_clojure_number(&raw) {
                Some(v) if v >= 0.0 => v,
                _ => {
                    self.fail(
                        "--recovery-wait",
                        &raw,
                        "Must be a non-negative number of seconds",
                    );
                    10.0
                }
            },
        };
        let nodes = self.resolve_nodes(node_count);
        let bin = self.last("--bin")?;
        if !self.errors.is_empty() {
            return None;
        }
        let (k, per_node) = concurrency_spec?;
        let concurrency = if per_node { k * nodes.len() } else { k };
        Some(TestOptions {
            bin: PathBuf::from(bin),
            workload,
            nodes,
            concurrency,
            rate,
            latency_ms: latency as u64,
            latency_dist,
            partition,
            nemesis_interval_s,
            topology,
            availability,
            consistency_models,
            key_count,
            max_txn_length,
            max_writes_per_key,
            log_stderr: self.flag("--log-stderr"),
            log_net_send: self.flag("--log-net-send"),
            log_net_recv: self.flag("--log-net-recv"),
            time_limit_s,
            test_count,
            leave_db_running: self.flag("--leave-db-running"),
            node_args,
            seed,
            recovery_wait_s,
            argv: argv.to_vec(),
        })
    }

    fn resolve_nodes(&mut self, node_count: Option<i64>) -> Vec<String> {
        let explicit = self.all("--node");
        if let Some(n) = node_count {
            let mut nodes: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
            nodes.extend(explicit);
            return nodes;
        }
        let mut nodes = Vec::new();
        if let Some(file) = self.last("--nodes-file") {
            match std::fs::read_to_string(&file) {
                Ok(text) => nodes.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(String::from),
                ),
                Err(e) => self.fail("--nodes-file", &file, &format!("cannot read: {e}")),
            }
        }
        if let Some(list) = self.last("--nodes") {
            nodes.extend(regex_split(&list, r",\s*"));
        }
        nodes.extend(explicit);
        if nodes.is_empty() {
            nodes = (1..=5).map(|i| format!("n{i}")).collect();
        }
        nodes
    }
}

/// `K` or `Kn` → (K, per node).
fn parse_concurrency(raw: &str) -> Option<(usize, bool)> {
    let (digits, per_node) = match raw.strip_suffix('n') {
        Some(d) => (d, true),
        None => (raw, false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(|k| (k, per_node))
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

fn regex_split(raw: &str, pattern: &str) -> Vec<String> {
    let re = regex::Regex::new(pattern).expect("static pattern");
    re.split(raw)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn split_trimmed_commas(raw: &str) -> Vec<&str> {
    raw.split(',').map(str::trim).collect()
}

/// Maelstrom splits `--consistency-models` on `\s+,\s+`: only a comma with
/// whitespace on both sides separates names.
fn split_spaced_commas(raw: &str) -> Vec<String> {
    regex_split(raw, r"\s+,\s+")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn test_opts(s: &[&str]) -> TestOptions {
        match parse(&args(s)) {
            Command::Test(o) => *o,
            other => panic!("expected a test command, got {other:?}"),
        }
    }

    #[test]
    fn defaults_match_maelstrom() {
        let o = test_opts(&["test", "--bin", "./x"]);
        assert_eq!(o.workload, "lin-kv");
        assert_eq!(o.nodes, ["n1", "n2", "n3", "n4", "n5"]);
        assert_eq!(o.concurrency, 5);
        assert_eq!(o.rate, 5.0);
        assert_eq!(o.time_limit_s, 60);
        assert_eq!(o.topology, "grid");
        assert_eq!(o.consistency_models, ["strict-serializable"]);
        assert!(!o.partition);
    }

    #[test]
    fn node_count_names_from_zero_and_concurrency_multiplies() {
        let o = test_opts(&[
            "test",
            "--bin=./x",
            "--node-count",
            "2",
            "--concurrency",
            "2n",
        ]);
        assert_eq!(o.nodes, ["n0", "n1"]);
        assert_eq!(o.concurrency, 4);
        let o = test_opts(&[
            "test",
            "--bin",
            "./x",
            "--nodes",
            "a, b,c",
            "--concurrency",
            "3",
        ]);
        assert_eq!(o.nodes, ["a", "b", "c"]);
        assert_eq!(o.concurrency, 3);
    }

    #[test]
    fn en_dash_option_becomes_node_arguments() {
        let o = test_opts(&[
            "test",
            "--bin",
            "./x",
            "–-nemesis",
            "partition",
            "--rate",
            "7",
        ]);
        assert!(!o.partition);
        assert_eq!(o.node_args, ["–-nemesis", "partition"]);
        assert_eq!(o.rate, 7.0);
        let o = test_opts(&["test", "--bin", "./x", "--", "--verbose", "3"]);
        assert_eq!(o.node_args, ["--verbose", "3"]);
    }

    #[test]
    fn consistency_models_split_only_on_spaced_commas() {
        let o = test_opts(&[
            "test",
            "--bin",
            "x",
            "--consistency-models",
            "read-committed , serializable",
        ]);
        assert_eq!(o.consistency_models, ["read-committed", "serializable"]);
        let o = test_opts(&[
            "test",
            "--bin",
            "x",
            "--consistency-models",
            "read-committed, serializable",
        ]);
        assert_eq!(o.consistency_models, ["read-committed, serializable"]);
    }

    #[test]
    fn validation_messages_are_maelstroms() {
        let Command::Usage(lines) = parse(&args(&[
            "test",
            "--bin",
            "x",
            "-w",
            "foo",
            "--rate",
            "-1",
            "--latency",
            "-5",
            "--nemesis",
            "kill",
            "--topology",
            "ring",
            "--availability",
            "2",
            "--foo",
        ])) else {
            panic!("expected usage errors")
        };
        for expected in [
            "Unknown option: \"--foo\"",
            "Failed to validate \"--workload foo\": Must be one of broadcast, echo, g-counter, g-set, kafka, lin-kv, pn-counter, txn-list-append, txn-rw-register, unique-ids",
            "Failed to validate \"--rate -1\": Can't be negative",
            "Failed to validate \"--latency -5\": Must be non-negative",
            "Failed to validate \"--nemesis kill\": Must be one of partition",
            "Failed to validate \"--topology ring\": Must be one of grid, line, total, tree, tree2, tree3, tree4",
            "Failed to validate \"--availability 2\": must be either 'total' or a number between 0 and 1.",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "missing {expected:?} in {lines:?}"
            );
        }
        assert_eq!(
            parse(&args(&["test", "-w", "echo"])),
            Command::Usage(vec!["Expected a --bin PATH_TO_BINARY to test".to_string()])
        );
        assert!(matches!(parse(&args(&[])), Command::Usage(_)));
        assert!(matches!(parse(&args(&["test", "-h"])), Command::Help(_)));
    }

    #[test]
    fn nemesis_interval_accepts_ratios() {
        let o = test_opts(&[
            "test",
            "--bin",
            "x",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "1/2",
        ]);
        assert!(o.partition);
        assert_eq!(o.nemesis_interval_s, 0.5);
    }
}

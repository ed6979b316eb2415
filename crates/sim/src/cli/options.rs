//! The table of `maelstrom test` options. Each entry is one option's whole
//! story: its names, how it takes a value, its help line, its default (as it
//! would be typed) and the check that turns its text into a field of the
//! [`Draft`]. Defaults go through the same check as given values, so a default
//! is valid by construction and `--help` shows exactly what is applied.

use std::path::PathBuf;

use super::draft::Draft;
use super::{Availability, LatencyDist, TOPOLOGIES, WORKLOADS, parse_clojure_number};

/// How an option takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No value: given or not.
    Flag,
    /// One value, shown as this metavariable; the last one given counts (as
    /// in tools.cli), and only it is checked.
    Value(&'static str),
    /// One value per occurrence, all kept, in order. Its default is the list
    /// used when the whole node list comes out empty.
    Repeated(&'static str),
}

impl Kind {
    /// The metavariable shown in `--help`; `None` for a flag.
    pub fn value_name(self) -> Option<&'static str> {
        match self {
            Kind::Flag => None,
            Kind::Value(meta) | Kind::Repeated(meta) => Some(meta),
        }
    }
}

/// What is wrong with a value, in one of Maelstrom's two wordings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The value parsed but is out of range or not a known name.
    Invalid(String),
    /// The value is not even of the right type (Clojure's parse exception).
    Unparsable(String),
}

impl Problem {
    /// The line Maelstrom prints for this problem with `long` given `raw`.
    pub fn message(&self, long: &str, raw: &str) -> String {
        match self {
            Problem::Invalid(why) => format!("Failed to validate \"{long} {raw}\": {why}"),
            Problem::Unparsable(why) => {
                format!("Error while parsing option \"{long} {raw}\": {why}")
            }
        }
    }
}

/// One option of `maelstrom test`.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    pub long: &'static str,
    pub short: Option<&'static str>,
    pub kind: Kind,
    /// The help line; `--help` appends the default.
    pub help: &'static str,
    /// What an absent option stands for, as it would be typed.
    pub default: Option<&'static str>,
    /// Checks one value (a flag gets `""`) and stores it in the draft.
    pub apply: fn(&mut Draft, &str) -> Result<(), Problem>,
}

/// The options in `--help` order, which is also the order their problems are reported in.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        long: "--bin",
        short: None,
        kind: Kind::Value("FILE"),
        help: "Path to the node binary to test (required)",
        default: None,
        apply: |d, raw| {
            d.bin = Some(PathBuf::from(raw));
            Ok(())
        },
    },
    OptionSpec {
        long: "--workload",
        short: Some("-w"),
        kind: Kind::Value("NAME"),
        help: "Workload to run",
        default: Some("lin-kv"),
        apply: |d, raw| {
            d.workload = one_of(raw, &WORKLOADS)?.to_string();
            Ok(())
        },
    },
    OptionSpec {
        long: "--node-count",
        short: None,
        kind: Kind::Value("NUM"),
        help: "Number of nodes, named n0..n{NUM-1}",
        default: None,
        apply: |d, raw| {
            d.node_count = Some(positive(raw)? as usize);
            Ok(())
        },
    },
    OptionSpec {
        long: "--rate",
        short: None,
        kind: Kind::Value("RATE"),
        help: "Client operations per second, across all clients",
        default: Some("5"),
        apply: |d, raw| {
            d.rate = match parse_clojure_number(raw) {
                Some(v) if v >= 0.0 => v,
                Some(_) => return Err(Problem::Invalid("Can't be negative".into())),
                None => return Err(not_a_number(raw)),
            };
            Ok(())
        },
    },
    OptionSpec {
        long: "--latency",
        short: None,
        kind: Kind::Value("MILLIS"),
        help: "Mean one-way node<->node latency in ms",
        default: Some("0"),
        apply: |d, raw| {
            d.latency_ms = int(raw, |v| v >= 0, "Must be non-negative")? as u64;
            Ok(())
        },
    },
    OptionSpec {
        long: "--latency-dist",
        short: None,
        kind: Kind::Value("TYPE"),
        help: "constant, uniform or exponential",
        default: Some("constant"),
        apply: |d, raw| {
            d.latency_dist = Some(
                match one_of(raw, &["constant", "uniform", "exponential"])? {
                    "uniform" => LatencyDist::Uniform,
                    "exponential" => LatencyDist::Exponential,
                    _ => LatencyDist::Constant,
                },
            );
            Ok(())
        },
    },
    OptionSpec {
        long: "--nemesis",
        short: None,
        kind: Kind::Value("FAULTS"),
        help: "Comma-separated faults; only partition exists",
        default: None,
        apply: |d, raw| {
            let faults: Vec<&str> = raw.split(',').map(str::trim).collect();
            if !faults.iter().all(|f| *f == "partition") {
                return Err(Problem::Invalid("Must be one of partition".into()));
            }
            d.partition = faults.contains(&"partition");
            Ok(())
        },
    },
    OptionSpec {
        long: "--nemesis-interval",
        short: None,
        kind: Kind::Value("SECONDS"),
        help: "Mean seconds between nemesis operations",
        default: Some("10"),
        apply: |d, raw| {
            d.nemesis_interval_s = number(raw, |v| v > 0.0, "Must be a positive number")?;
            Ok(())
        },
    },
    OptionSpec {
        long: "--topology",
        short: None,
        kind: Kind::Value("SPEC"),
        help: "Broadcast topology: grid line total tree tree2 tree3 tree4",
        default: Some("grid"),
        apply: |d, raw| {
            d.topology = one_of(raw, &TOPOLOGIES)?.to_string();
            Ok(())
        },
    },
    OptionSpec {
        long: "--availability",
        short: None,
        kind: Kind::Value("EXPECTED"),
        help: "total, or the minimum fraction of ok operations",
        default: None,
        apply: |d, raw| {
            d.availability = Some(if raw.trim() == "total" {
                Availability::Total
            } else {
                Availability::AtLeast(number(
                    raw,
                    |v| (0.0..=1.0).contains(&v),
                    "must be either 'total' or a number between 0 and 1.",
                )?)
            });
            Ok(())
        },
    },
    OptionSpec {
        long: "--consistency-models",
        short: None,
        kind: Kind::Value("MODELS"),
        help: "Models for txn checkers, split on ' , '",
        default: Some(checker::DEFAULT_CONSISTENCY_MODEL),
        apply: |d, raw| {
            // Maelstrom splits on `\s+,\s+`: only a comma with whitespace on
            // both sides separates names.
            d.consistency_models = regex_split(raw, r"\s+,\s+");
            Ok(())
        },
    },
    OptionSpec {
        long: "--key-count",
        short: None,
        kind: Kind::Value("INT"),
        help: "Active keys for txn and kafka workloads",
        default: None,
        apply: |d, raw| {
            d.key_count = Some(positive(raw)? as usize);
            Ok(())
        },
    },
    OptionSpec {
        long: "--max-txn-length",
        short: None,
        kind: Kind::Value("INT"),
        help: "Maximum micro-operations per transaction",
        default: Some("4"),
        apply: |d, raw| {
            d.max_txn_length = positive(raw)? as usize;
            Ok(())
        },
    },
    OptionSpec {
        long: "--max-writes-per-key",
        short: None,
        kind: Kind::Value("INT"),
        help: "Values written per key",
        default: Some("16"),
        apply: |d, raw| {
            d.max_writes_per_key = positive(raw)? as usize;
            Ok(())
        },
    },
    OptionSpec {
        long: "--log-stderr",
        short: None,
        kind: Kind::Flag,
        help: "Also log node stderr to the console",
        default: None,
        apply: |d, _| {
            d.log_stderr = true;
            Ok(())
        },
    },
    OptionSpec {
        long: "--log-net-send",
        short: None,
        kind: Kind::Flag,
        help: "Log every message send",
        default: None,
        apply: |d, _| {
            d.log_net_send = true;
            Ok(())
        },
    },
    OptionSpec {
        long: "--log-net-recv",
        short: None,
        kind: Kind::Flag,
        help: "Log every message delivery",
        default: None,
        apply: |d, _| {
            d.log_net_recv = true;
            Ok(())
        },
    },
    OptionSpec {
        long: "--time-limit",
        short: None,
        kind: Kind::Value("SECONDS"),
        help: "Length of the main phase",
        default: Some("60"),
        apply: |d, raw| {
            d.time_limit_s = positive(raw)? as u64;
            Ok(())
        },
    },
    OptionSpec {
        long: "--test-count",
        short: None,
        kind: Kind::Value("NUMBER"),
        help: "How many times to run the test",
        default: Some("1"),
        apply: |d, raw| {
            d.test_count = positive(raw)? as u32;
            Ok(())
        },
    },
    OptionSpec {
        long: "--concurrency",
        short: None,
        kind: Kind::Value("NUMBER"),
        help: "Client threads: K, or Kn for K per node",
        default: Some("1n"),
        apply: |d, raw| {
            let (digits, per_node) = match raw.strip_suffix('n') {
                Some(digits) => (digits, true),
                None => (raw, false),
            };
            let k = Some(digits)
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| {
                    Problem::Invalid("Must be an integer, optionally followed by n".into())
                })?;
            d.concurrency = Some((k, per_node));
            Ok(())
        },
    },
    NODE,
    OptionSpec {
        long: "--nodes",
        short: None,
        kind: Kind::Value("NODE_LIST"),
        help: "Comma-separated node ids",
        default: None,
        apply: |d, raw| {
            d.node_list = regex_split(raw, r",\s*");
            Ok(())
        },
    },
    NODES_FILE,
    OptionSpec {
        long: "--leave-db-running",
        short: None,
        kind: Kind::Flag,
        help: "Do not kill nodes at the end (crashes go undetected)",
        default: None,
        apply: |d, _| {
            d.leave_db_running = true;
            Ok(())
        },
    },
    ignored("--logging-json", Kind::Flag),
    ignored("--username", Kind::Value("USER")),
    ignored("--password", Kind::Value("PASS")),
    ignored("--strict-host-key-checking", Kind::Flag),
    ignored("--no-ssh", Kind::Flag),
    ignored("--ssh-private-key", Kind::Value("FILE")),
    OptionSpec {
        long: "--seed",
        short: None,
        kind: Kind::Value("N"),
        help: "glomers-sim extra: seed the random generators for a reproducible run",
        default: None,
        apply: |d, raw| {
            let seed = raw.trim().parse::<u64>();
            d.seed =
                Some(seed.map_err(|_| Problem::Invalid("Must be a non-negative integer".into()))?);
            Ok(())
        },
    },
    OptionSpec {
        long: "--recovery-wait",
        short: None,
        kind: Kind::Value("SECONDS"),
        help: "glomers-sim extra: quiet period before final reads, as long as Maelstrom's",
        default: Some("10"),
        apply: |d, raw| {
            d.recovery_wait_s = number(
                raw,
                |v| v >= 0.0,
                "Must be a non-negative number of seconds",
            )?;
            Ok(())
        },
    },
    HELP,
];

/// `-n`: named in [`Draft::resolve_nodes`], which applies its default.
pub(super) const NODE: OptionSpec = OptionSpec {
    long: "--node",
    short: Some("-n"),
    kind: Kind::Repeated("HOSTNAME"),
    help: "A node id; repeatable",
    default: Some("n1 n2 n3 n4 n5"),
    apply: |d, raw| {
        d.named_nodes.push(raw.to_string());
        Ok(())
    },
};

/// Read only when `--node-count` is absent (as Maelstrom does), so its problem comes last.
pub(super) const NODES_FILE: OptionSpec = OptionSpec {
    long: "--nodes-file",
    short: None,
    kind: Kind::Value("FILENAME"),
    help: "File with one node id per line",
    default: None,
    apply: |d, raw| {
        d.nodes_file = Some(raw.to_string());
        Ok(())
    },
};

/// Answered by the parser before any value is checked.
pub const HELP: OptionSpec = OptionSpec {
    long: "--help",
    short: Some("-h"),
    kind: Kind::Flag,
    help: "Print this help",
    default: None,
    apply: |_, _| Ok(()),
};

/// An option Maelstrom has for running on real hosts, accepted and ignored.
const fn ignored(long: &'static str, kind: Kind) -> OptionSpec {
    OptionSpec {
        long,
        short: None,
        kind,
        help: "Accepted for compatibility; ignored",
        default: None,
        apply: |_, _| Ok(()),
    }
}

/// `raw` if it is one of `choices`; the message lists them sorted.
fn one_of<'a>(raw: &str, choices: &[&'a str]) -> Result<&'a str, Problem> {
    if let Some(found) = choices.iter().find(|c| **c == raw) {
        return Ok(found);
    }
    let mut sorted = choices.to_vec();
    sorted.sort_unstable();
    Err(Problem::Invalid(format!(
        "Must be one of {}",
        sorted.join(", ")
    )))
}

fn positive(raw: &str) -> Result<i64, Problem> {
    int(raw, |v| v > 0, "Must be positive")
}

/// An integer accepted by `ok`; `why` says what `ok` wants.
fn int(raw: &str, ok: fn(i64) -> bool, why: &str) -> Result<i64, Problem> {
    match raw.trim().parse::<i64>() {
        Ok(v) if ok(v) => Ok(v),
        Ok(_) => Err(Problem::Invalid(why.to_string())),
        Err(_) => Err(not_a_number(raw)),
    }
}

/// A Clojure number accepted by `ok`; anything else fails with `why`.
fn number(raw: &str, ok: fn(f64) -> bool, why: &str) -> Result<f64, Problem> {
    parse_clojure_number(raw)
        .filter(|v| ok(*v))
        .ok_or_else(|| Problem::Invalid(why.to_string()))
}

fn not_a_number(raw: &str) -> Problem {
    Problem::Unparsable(format!(
        "java.lang.NumberFormatException: For input string: \"{raw}\""
    ))
}

fn regex_split(raw: &str, pattern: &str) -> Vec<String> {
    let re = regex::Regex::new(pattern).expect("static pattern");
    re.split(raw)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

//! Every Gossip Glomers challenge as data: what to run, with which official
//! parameters, and what counts as passing.
//!
//! The official parameters are those printed on fly.io/dist-sys (see
//! `challenges.md` in the project's reference notes). Challenge 6b has two
//! official commands; it is modelled as two challenges, `6b-i` and `6b-ii`,
//! so each run has exactly one command, one verdict and one history line;
//! [`select`] expands `6b` to both.

use std::fmt;

/// Which parameter set to run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The exact parameters of the challenge page.
    Official,
    /// The official parameters with a main phase of at most
    /// [`QUICK_TIME_LIMIT_S`]; recovery and final reads stay Maelstrom's,
    /// so a quick run is the same test on every backend, only shorter.
    Quick,
}

/// Time limit of the quick profile, in seconds.
pub const QUICK_TIME_LIMIT_S: u64 = 5;
/// Maelstrom's fixed quiet period before the final reads, in seconds, when
/// the parameters set none (the simulator's default too: a glomers test
/// checks that the two agree, since neither crate may import the other).
pub const MAELSTROM_RECOVERY_WAIT_S: u64 = 10;

/// One challenge.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub id: &'static str,
    pub title: &'static str,
    /// Maelstrom workload name (`-w`).
    pub workload: &'static str,
    /// Node binary built from the `nodes` crate.
    pub node_bin: &'static str,
    pub official: Params,
    pub thresholds: Thresholds,
    /// A quirk of the official command worth knowing, if any.
    pub note: Option<&'static str>,
}

/// The Maelstrom parameters of one run (everything but `-w` and `--bin`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Params {
    pub node_count: u32,
    pub time_limit_s: u64,
    pub rate: Option<f64>,
    pub latency_ms: Option<u64>,
    pub concurrency: Option<String>,
    pub nemesis: Option<String>,
    pub availability: Option<String>,
    pub consistency_models: Option<String>,
    /// Simulator-only: seconds of quiet before final reads (Maelstrom: fixed
    /// 10 s). Only ever set by an explicit override; such runs are custom.
    pub recovery_wait_s: Option<u64>,
    /// Anything else, appended verbatim.
    pub extra_args: Vec<String>,
    /// Environment for the node binaries (their tuning knobs, e.g. `GLOMERS_BATCH_MS`);
    /// both backends pass their environment on to the nodes they start.
    #[serde(default)]
    pub node_env: Vec<(String, String)>,
    /// Simulator-only: the seed asked for with `--seed` (Maelstrom's schedule cannot be seeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Performance thresholds beyond Maelstrom's `:valid?`; all strict `<`.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    /// `:net :servers :msgs-per-op`.
    pub msgs_per_op: Option<f64>,
    /// `:workload :stable-latencies` at 0.5, in ms.
    pub latency_median_ms: Option<f64>,
    /// `:workload :stable-latencies` at 1, in ms.
    pub latency_max_ms: Option<f64>,
}

/// Per-run parameter overrides from the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub time_limit_s: Option<u64>,
    pub node_count: Option<u32>,
    pub rate: Option<f64>,
    pub latency_ms: Option<u64>,
    pub nemesis: Option<String>,
    /// Simulator-only: a shorter quiet period before final reads.
    pub recovery_wait_s: Option<u64>,
    pub extra_args: Vec<String>,
    pub node_env: Vec<(String, String)>,
    /// The simulator's seed; ignored for real Maelstrom.
    pub seed: Option<u64>,
}

impl Challenge {
    /// The parameters for `profile` with `overrides` applied; the
    /// simulator-only recovery wait is dropped unless `simulator` is true.
    pub fn params(&self, profile: Profile, simulator: bool, overrides: &Overrides) -> Params {
        let mut params = self.official.clone();
        if profile == Profile::Quick {
            params.time_limit_s = params.time_limit_s.min(QUICK_TIME_LIMIT_S);
        }
        if simulator {
            params.recovery_wait_s = overrides.recovery_wait_s;
        }
        if let Some(t) = overrides.time_limit_s {
            params.time_limit_s = t;
        }
        if let Some(n) = overrides.node_count {
            params.node_count = n;
        }
        if let Some(r) = overrides.rate {
            params.rate = Some(r);
        }
        if let Some(l) = overrides.latency_ms {
            params.latency_ms = Some(l);
        }
        if let Some(n) = &overrides.nemesis {
            params.nemesis = (!n.is_empty() && n != "none").then(|| n.clone());
        }
        params
            .extra_args
            .extend(overrides.extra_args.iter().cloned());
        params.node_env.extend(overrides.node_env.iter().cloned());
        if simulator {
            params.seed = overrides.seed;
        }
        params
    }
}

impl Params {
    /// `maelstrom test` arguments for `workload` and `bin`, identical for
    /// every backend (the simulator accepts Maelstrom's command line).
    pub fn test_args(&self, workload: &str, bin: &str) -> Vec<String> {
        let mut args: Vec<String> = ["test", "-w", workload, "--bin", bin]
            .map(String::from)
            .into();
        let mut opt = |name: &str, value: String| {
            args.push(format!("--{name}"));
            args.push(value);
        };
        opt("node-count", self.node_count.to_string());
        opt("time-limit", self.time_limit_s.to_string());
        if let Some(rate) = self.rate {
            opt("rate", rate.to_string());
        }
        if let Some(latency) = self.latency_ms {
            opt("latency", latency.to_string());
        }
        if let Some(c) = &self.concurrency {
            opt("concurrency", c.clone());
        }
        if let Some(m) = &self.consistency_models {
            opt("consistency-models", m.clone());
        }
        if let Some(a) = &self.availability {
            opt("availability", a.clone());
        }
        if let Some(n) = &self.nemesis {
            opt("nemesis", n.clone());
        }
        if let Some(w) = self.recovery_wait_s {
            opt("recovery-wait", w.to_string());
        }
        if let Some(seed) = self.seed {
            opt("seed", seed.to_string());
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Official => "official",
            Profile::Quick => "quick",
        })
    }
}

fn params(node_count: u32, time_limit_s: u64, rate: Option<f64>) -> Params {
    Params {
        node_count,
        time_limit_s,
        rate,
        ..Params::default()
    }
}

fn broadcast(node_count: u32, nemesis: bool) -> Params {
    Params {
        nemesis: nemesis.then(|| "partition".into()),
        ..params(node_count, 20, Some(10.0))
    }
}

fn efficient_broadcast() -> Params {
    Params {
        latency_ms: Some(100),
        ..params(25, 20, Some(100.0))
    }
}

fn kafka(node_count: u32) -> Params {
    Params {
        concurrency: Some("2n".into()),
        ..params(node_count, 20, Some(1000.0))
    }
}

fn txn(node_count: u32, models: &str, total: bool, nemesis: bool) -> Params {
    Params {
        concurrency: Some("2n".into()),
        consistency_models: Some(models.into()),
        availability: total.then(|| "total".into()),
        nemesis: nemesis.then(|| "partition".into()),
        ..params(node_count, 20, Some(1000.0))
    }
}

const NONE: Thresholds = Thresholds {
    msgs_per_op: None,
    latency_median_ms: None,
    latency_max_ms: None,
};

/// All challenges in page order.
pub fn all() -> Vec<Challenge> {
    let c = |id, title, workload, node_bin, official, thresholds, note| Challenge {
        id,
        title,
        workload,
        node_bin,
        official,
        thresholds,
        note,
    };
    vec![
        c("1", "Echo", "echo", "echo", params(1, 10, None), NONE, None),
        c(
            "2",
            "Unique ID Generation",
            "unique-ids",
            "unique-ids",
            Params {
                availability: Some("total".into()),
                nemesis: Some("partition".into()),
                ..params(3, 30, Some(1000.0))
            },
            NONE,
            None,
        ),
        c(
            "3a",
            "Single-Node Broadcast",
            "broadcast",
            "broadcast",
            broadcast(1, false),
            NONE,
            None,
        ),
        c(
            "3b",
            "Multi-Node Broadcast",
            "broadcast",
            "broadcast",
            broadcast(5, false),
            NONE,
            None,
        ),
        c(
            "3c",
            "Fault Tolerant Broadcast",
            "broadcast",
            "broadcast",
            broadcast(5, true),
            NONE,
            None,
        ),
        c(
            "3d",
            "Efficient Broadcast, Part I",
            "broadcast",
            "broadcast-latency",
            efficient_broadcast(),
            Thresholds {
                msgs_per_op: Some(30.0),
                latency_median_ms: Some(400.0),
                latency_max_ms: Some(600.0),
            },
            None,
        ),
        c(
            "3e",
            "Efficient Broadcast, Part II",
            "broadcast",
            "broadcast-batched",
            efficient_broadcast(),
            Thresholds {
                msgs_per_op: Some(20.0),
                latency_median_ms: Some(1000.0),
                latency_max_ms: Some(2000.0),
            },
            None,
        ),
        c(
            "4",
            "Grow-Only Counter",
            "g-counter",
            "g-counter",
            Params {
                nemesis: Some("partition".into()),
                ..params(3, 20, Some(100.0))
            },
            NONE,
            None,
        ),
        c(
            "4-seqkv",
            "Grow-Only Counter (seq-kv)",
            "g-counter",
            "g-counter-seqkv",
            Params {
                nemesis: Some("partition".into()),
                ..params(3, 20, Some(100.0))
            },
            NONE,
            Some("second counter variant built on Maelstrom's seq-kv service; same command as 4"),
        ),
        c(
            "5a",
            "Single-Node Kafka-Style Log",
            "kafka",
            "kafka",
            kafka(1),
            NONE,
            None,
        ),
        c(
            "5b",
            "Multi-Node Kafka-Style Log",
            "kafka",
            "kafka",
            kafka(2),
            NONE,
            None,
        ),
        c(
            "5c",
            "Efficient Kafka-Style Log",
            "kafka",
            "kafka-efficient",
            kafka(2),
            NONE,
            Some("the page asks for fewer msgs/op than 5b but sets no number; compare 5b 5c"),
        ),
        c(
            "6a",
            "Single-Node, Totally-Available Transactions",
            "txn-rw-register",
            "txn",
            txn(1, "read-uncommitted", true, false),
            NONE,
            None,
        ),
        c(
            "6b-i",
            "Totally-Available, Read Uncommitted Transactions (i)",
            "txn-rw-register",
            "txn",
            txn(2, "read-uncommitted", false, false),
            NONE,
            Some("6b has two official runs; this is the first, without partitions"),
        ),
        c(
            "6b-ii",
            "Totally-Available, Read Uncommitted Transactions (ii)",
            "txn-rw-register",
            "txn",
            txn(2, "read-uncommitted", true, true),
            NONE,
            Some(
                "6b has two official runs; this is the second, with total availability and partitions",
            ),
        ),
        c(
            "6c",
            "Totally-Available, Read Committed Transactions",
            "txn-rw-register",
            "txn",
            txn(2, "read-committed", true, true),
            NONE,
            Some(SIX_C_EN_DASH),
        ),
    ]
}

/// Why 6c runs with `--nemesis partition` although the page prints otherwise.
pub const SIX_C_EN_DASH: &str = "the page prints `–-nemesis partition` with an en dash, which Maelstrom \
     passes to the nodes as arguments, so no partition is injected; glomers runs the intended \
     `--nemesis partition`";

/// The challenge with `id`, if any.
pub fn find(id: &str) -> Option<Challenge> {
    all().into_iter().find(|c| c.id == id)
}

/// Challenges for the ids given on the command line, in the given order;
/// `6b` means both of its runs.
pub fn select(ids: &[String]) -> Result<Vec<Challenge>, UnknownChallenge> {
    let mut selected = Vec::new();
    for id in ids {
        let id = id.trim();
        let matching: Vec<Challenge> = match find(id) {
            Some(c) => vec![c],
            None => all()
                .into_iter()
                .filter(|c| c.id.starts_with(&format!("{id}-")))
                .collect(),
        };
        if matching.is_empty() {
            return Err(UnknownChallenge(id.to_string()));
        }
        selected.extend(matching);
    }
    Ok(selected)
}

/// A challenge id that is not in the catalog.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown challenge `{0}`; `glomers list` shows the ids (1, 2, 3a … 3e, 4, 4-seqkv, 5a … 5c, 6a, 6b, 6c)"
)]
pub struct UnknownChallenge(pub String);

#[cfg(test)]
mod tests;

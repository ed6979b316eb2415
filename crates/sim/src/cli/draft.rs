//! The options while they are being checked: what the table's checks
//! store, and how they become [`TestOptions`] (node list, concurrency, the
//! required `--bin`).

use std::path::PathBuf;

use super::options::{NODE, NODES_FILE, Problem};
use super::{Availability, LatencyDist, TestOptions};

/// The options as the table's checks leave them. Fields start empty and the
/// parser applies every default before [`Draft::finish`], so no default is
/// spelled here (the `defaults_come_from_the_table` test holds this).
#[derive(Debug, Default)]
pub struct Draft {
    pub(super) bin: Option<PathBuf>,
    pub(super) workload: String,
    pub(super) node_count: Option<usize>,
    pub(super) rate: f64,
    pub(super) latency_ms: u64,
    pub(super) latency_dist: Option<LatencyDist>,
    pub(super) partition: bool,
    pub(super) nemesis_interval_s: f64,
    pub(super) topology: String,
    pub(super) availability: Option<Availability>,
    pub(super) consistency_models: Vec<String>,
    pub(super) key_count: Option<usize>,
    pub(super) max_txn_length: usize,
    pub(super) max_writes_per_key: usize,
    pub(super) log_stderr: bool,
    pub(super) log_net_send: bool,
    pub(super) log_net_recv: bool,
    pub(super) time_limit_s: u64,
    pub(super) test_count: u32,
    /// `K` and whether it is per node (`Kn`).
    pub(super) concurrency: Option<(usize, bool)>,
    pub(super) named_nodes: Vec<String>,
    pub(super) node_list: Vec<String>,
    pub(super) nodes_file: Option<String>,
    pub(super) leave_db_running: bool,
    pub(super) seed: Option<u64>,
    pub(super) recovery_wait_s: f64,
}

/// Maelstrom's message when `--bin` is missing and nothing else is wrong.
const MISSING_BIN: &str = "Expected a --bin PATH_TO_BINARY to test";

impl Draft {
    /// The finished options, or every line to print before exiting 254.
    pub fn finish(
        self,
        mut errors: Vec<String>,
        argv: &[String],
        node_args: Vec<String>,
    ) -> Result<TestOptions, Vec<String>> {
        let nodes = self.resolve_nodes(&mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        // Every other field here has a table default; only `--bin` can be missing.
        let (Some(bin), Some(latency_dist), Some((k, per_node))) =
            (self.bin, self.latency_dist, self.concurrency)
        else {
            return Err(vec![MISSING_BIN.to_string()]);
        };
        Ok(TestOptions {
            bin,
            workload: self.workload,
            concurrency: if per_node { k * nodes.len() } else { k },
            nodes,
            rate: self.rate,
            latency_ms: self.latency_ms,
            latency_dist,
            partition: self.partition,
            nemesis_interval_s: self.nemesis_interval_s,
            topology: self.topology,
            availability: self.availability,
            consistency_models: self.consistency_models,
            key_count: self.key_count,
            max_txn_length: self.max_txn_length,
            max_writes_per_key: self.max_writes_per_key,
            log_stderr: self.log_stderr,
            log_net_send: self.log_net_send,
            log_net_recv: self.log_net_recv,
            time_limit_s: self.time_limit_s,
            test_count: self.test_count,
            leave_db_running: self.leave_db_running,
            node_args,
            seed: self.seed,
            recovery_wait_s: self.recovery_wait_s,
            argv: argv.to_vec(),
        })
    }

    /// Jepsen's rule: `--node-count` names `n0..`, followed by any `-n`;
    /// otherwise the file's ids, then `--nodes`, then `-n`; nothing at all
    /// means `-n`'s default list.
    fn resolve_nodes(&self, errors: &mut Vec<String>) -> Vec<String> {
        if let Some(n) = self.node_count {
            let mut nodes: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
            nodes.extend(self.named_nodes.iter().cloned());
            return nodes;
        }
        let mut nodes = Vec::new();
        if let Some(file) = &self.nodes_file {
            match std::fs::read_to_string(file) {
                Ok(text) => nodes.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(String::from),
                ),
                Err(e) => errors.push(
                    Problem::Invalid(format!("cannot read: {e}")).message(NODES_FILE.long, file),
                ),
            }
        }
        nodes.extend(self.node_list.iter().cloned());
        nodes.extend(self.named_nodes.iter().cloned());
        if nodes.is_empty() {
            let fallback = NODE.default.unwrap_or_default();
            nodes = fallback.split_whitespace().map(String::from).collect();
        }
        nodes
    }
}

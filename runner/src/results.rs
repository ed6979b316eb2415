//! Typed view of a run's `results.edn`, and the crash report used when there
//! is none.
//!
//! Only the quantities the verdict, the CLI and the TUI need are extracted;
//! every lookup goes by key (Jepsen's key order is not stable). Missing keys
//! become `None`, never errors: which keys exist depends on the workload.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use checker::Validity;
use edn::Value;

/// Op counts of `:stats` (overall or for one `:f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct OpStats {
    pub count: u64,
    pub ok_count: u64,
    pub fail_count: u64,
    pub info_count: u64,
}

/// Workload-specific anomaly summary (each field only where the workload reports it).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Anomalies {
    /// broadcast: elements acknowledged but never read.
    pub lost_count: Option<u64>,
    /// unique-ids / broadcast: duplicated ids or elements.
    pub duplicated_count: Option<u64>,
    /// kafka: every error type found.
    pub error_types: Vec<String>,
    /// kafka: the fatal ones.
    pub bad_error_types: Vec<String>,
    /// txn: Elle anomaly types.
    pub anomaly_types: Vec<String>,
}

/// What a finished run's checkers said.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunResults {
    pub valid: Validity,
    /// Top-level checkers (`workload`, `availability`, `stats`, ...) that were not valid.
    pub invalid_checkers: Vec<String>,
    /// `:net :servers :msgs-per-op`.
    pub msgs_per_op_servers: Option<f64>,
    /// `:net :all :msgs-per-op`.
    pub msgs_per_op_all: Option<f64>,
    /// `:workload :stable-latencies`: (quantile, ms), ascending by quantile.
    pub stable_latencies: Vec<(f64, f64)>,
    /// `:availability :ok-fraction`.
    pub availability: Option<f64>,
    pub stats: OpStats,
    pub stats_by_f: BTreeMap<String, OpStats>,
    pub anomalies: Anomalies,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: edn::Error },
    #[error("{path}: top level is not a map with :valid?")]
    Shape { path: PathBuf },
}

impl RunResults {
    /// Reads and interprets `path` (a `results.edn`).
    pub fn read(path: &Path) -> Result<RunResults, ResultsError> {
        let bytes = std::fs::read(path).map_err(|source| ResultsError::Read {
            path: path.into(),
            source,
        })?;
        let value = edn::parse_bytes(&bytes).map_err(|source| ResultsError::Parse {
            path: path.into(),
            source,
        })?;
        RunResults::from_edn(&value).ok_or_else(|| ResultsError::Shape { path: path.into() })
    }

    /// Interprets a parsed results map; `None` if it has no top-level `:valid?`.
    pub fn from_edn(results: &Value) -> Option<RunResults> {
        let valid = Validity::from_edn(Some(results.get_kw("valid?")?));
        let invalid_checkers = results
            .as_map()?
            .iter()
            .filter(|(_, checker)| {
                checker
                    .get_kw("valid?")
                    .is_some_and(|v| Validity::from_edn(Some(v)) != Validity::Valid)
            })
            .filter_map(|(key, _)| key.as_keyword().map(String::from))
            .collect();
        let workload = results.get_kw("workload");
        let stats_by_f = results
            .path(&["stats", "by-f"])
            .and_then(Value::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(f, stats)| Some((name(f)?, op_stats(stats))))
            .collect();
        Some(RunResults {
            valid,
            invalid_checkers,
            msgs_per_op_servers: number(results.path(&["net", "servers", "msgs-per-op"])),
            msgs_per_op_all: number(results.path(&["net", "all", "msgs-per-op"])),
            stable_latencies: quantiles(workload.and_then(|w| w.get_kw("stable-latencies"))),
            availability: number(results.path(&["availability", "ok-fraction"])),
            stats: results.get_kw("stats").map(op_stats).unwrap_or_default(),
            stats_by_f,
            anomalies: Anomalies {
                lost_count: count(workload.and_then(|w| w.get_kw("lost-count"))),
                duplicated_count: count(workload.and_then(|w| w.get_kw("duplicated-count"))),
                error_types: names(workload.and_then(|w| w.get_kw("error-types"))),
                bad_error_types: names(workload.and_then(|w| w.get_kw("bad-error-types"))),
                anomaly_types: names(workload.and_then(|w| w.get_kw("anomaly-types"))),
            },
        })
    }

    /// Stable latency at quantile `q` (ms), if reported.
    pub fn latency_at(&self, q: f64) -> Option<f64> {
        self.stable_latencies
            .iter()
            .find(|(quantile, _)| *quantile == q)
            .map(|(_, ms)| *ms)
    }

    pub fn latency_median_ms(&self) -> Option<f64> {
        self.latency_at(0.5)
    }

    pub fn latency_max_ms(&self) -> Option<f64> {
        self.latency_at(1.0)
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    value.and_then(Value::as_f64).filter(|x| x.is_finite())
}

fn count(value: Option<&Value>) -> Option<u64> {
    value
        .and_then(Value::as_i64)
        .and_then(|n| u64::try_from(n).ok())
}

/// A keyword's or string's text (`:read` → `read`).
fn name(value: &Value) -> Option<String> {
    value
        .as_keyword()
        .or_else(|| value.as_str())
        .map(String::from)
}

fn names(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(name)
        .collect()
}

fn op_stats(stats: &Value) -> OpStats {
    let n = |key| count(stats.get_kw(key)).unwrap_or(0);
    OpStats {
        count: n("count"),
        ok_count: n("ok-count"),
        fail_count: n("fail-count"),
        info_count: n("info-count"),
    }
}

fn quantiles(map: Option<&Value>) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = map
        .and_then(Value::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|(q, ms)| Some((q.as_f64()?, ms.as_f64()?)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// What is known about a run that ended without `results.edn`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct CrashReport {
    /// The console from the crash message on (or its last lines).
    pub console: Vec<String>,
    /// Last lines of each node's log.
    pub node_log_tails: BTreeMap<String, Vec<String>>,
}

const CRASH_CONSOLE_LINES: usize = 40;
const CRASH_NODE_LOG_LINES: usize = 10;

impl CrashReport {
    /// Builds the report from the console tail and the run's store directory.
    pub fn gather(console_tail: &[String], store_dir: Option<&Path>) -> CrashReport {
        let start = console_tail
            .iter()
            .position(|l| l.contains("Test crashed!") || l.contains("Jepsen broke"))
            .unwrap_or(console_tail.len().saturating_sub(CRASH_CONSOLE_LINES));
        let console = console_tail[start..]
            .iter()
            .take(CRASH_CONSOLE_LINES)
            .cloned()
            .collect();
        let mut node_log_tails = BTreeMap::new();
        if let Some(entries) = store_dir.and_then(|d| std::fs::read_dir(d.join("node-logs")).ok()) {
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(node) = path
                    .file_name()
                    .and_then(|n| n.to_str()?.strip_suffix(".log"))
                else {
                    continue;
                };
                let text =
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
                let lines: Vec<String> = text.lines().map(String::from).collect();
                let tail = lines[lines.len().saturating_sub(CRASH_NODE_LOG_LINES)..].to_vec();
                node_log_tails.insert(node.to_string(), tail);
            }
        }
        CrashReport {
            console,
            node_log_tails,
        }
    }

    /// The most telling single line: the exception message, if any.
    pub fn headline(&self) -> Option<&str> {
        let non_empty = |l: &&String| !l.trim().is_empty();
        let after_crash = self
            .console
            .iter()
            .position(|l| l.contains("Test crashed!"))
            .and_then(|i| self.console[i + 1..].iter().find(non_empty));
        after_crash
            .or_else(|| self.console.iter().find(|l| l.contains("Exception")))
            .or_else(|| self.console.iter().rev().find(non_empty))
            .map(|l| l.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/maelstrom")
    }

    fn fixture(case: &str) -> RunResults {
        RunResults::read(&fixtures().join(case).join("results.edn")).unwrap()
    }

    /// Every fixture parses, and its verdict agrees with Maelstrom's exit code.
    #[test]
    fn every_fixture_parses_and_matches_its_exit_code() {
        let mut parsed = 0;
        for entry in std::fs::read_dir(fixtures()).unwrap().flatten() {
            let results = entry.path().join("results.edn");
            if !results.exists() {
                continue;
            }
            let r = RunResults::read(&results).unwrap_or_else(|e| panic!("{e}"));
            let code: i32 = std::fs::read_to_string(entry.path().join("exit-code.txt"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            let expected = match code {
                0 => Validity::Valid,
                1 => Validity::Invalid,
                _ => Validity::Unknown,
            };
            assert_eq!(r.valid, expected, "{}", entry.path().display());
            assert_eq!(
                r.valid == Validity::Valid,
                r.invalid_checkers.is_empty(),
                "{}",
                entry.path().display()
            );
            assert!(
                r.msgs_per_op_all.is_some() && r.stats.count > 0,
                "{}",
                entry.path().display()
            );
            parsed += 1;
        }
        assert!(parsed >= 25, "only {parsed} fixtures parsed");
    }

    #[test]
    fn echo_valid_figures() {
        let r = fixture("echo-valid");
        assert_eq!(r.valid, Validity::Valid);
        assert_eq!(r.msgs_per_op_all, Some(2.0769231));
        assert_eq!(r.msgs_per_op_servers, Some(0.0));
        assert_eq!(r.availability, Some(1.0));
        assert_eq!(
            r.stats,
            OpStats {
                count: 26,
                ok_count: 26,
                fail_count: 0,
                info_count: 0
            }
        );
        assert_eq!(r.stats_by_f["echo"].ok_count, 26);
        assert!(r.stable_latencies.is_empty());
    }

    #[test]
    fn broadcast_25_has_server_msgs_and_stable_latencies() {
        let r = fixture("broadcast-25-official");
        assert_eq!(r.msgs_per_op_servers, Some(33.533596));
        assert_eq!(
            r.stable_latencies.iter().map(|p| p.0).collect::<Vec<_>>(),
            [0.0, 0.5, 0.95, 0.99, 1.0]
        );
        assert!(r.latency_median_ms().unwrap() <= r.latency_max_ms().unwrap());
        assert_eq!(r.anomalies.lost_count, Some(0));
    }

    #[test]
    fn anomalies_of_invalid_runs() {
        let b = fixture("broadcast-invalid");
        assert_eq!(
            (b.valid, b.anomalies.lost_count),
            (Validity::Invalid, Some(3))
        );
        assert!(b.invalid_checkers.contains(&"workload".to_string()));
        assert_eq!(
            fixture("unique-ids-invalid").anomalies.duplicated_count,
            Some(47)
        );
        assert_eq!(
            fixture("kafka-invalid").anomalies.error_types,
            ["int-poll-skip", "lost-write", "unseen"]
        );
        assert!(
            !fixture("kafka-invalid")
                .anomalies
                .bad_error_types
                .is_empty()
        );
        assert_eq!(
            fixture("txn-rw-register-invalid").anomalies.anomaly_types,
            ["G1a"]
        );
        assert_eq!(
            fixture("txn-lost-update-serializable")
                .anomalies
                .anomaly_types,
            ["G2-item", "lost-update"]
        );
    }

    #[test]
    fn unknown_validity_and_missing_keys() {
        let v = edn::parse("{:valid? :unknown, :workload {:valid? :unknown, :error \"boom\"}}")
            .unwrap();
        let r = RunResults::from_edn(&v).unwrap();
        assert_eq!(r.valid, Validity::Unknown);
        assert_eq!(r.invalid_checkers, ["workload"]);
        assert_eq!((r.msgs_per_op_servers, r.availability), (None, None));
        assert!(RunResults::from_edn(&edn::parse("[1 2]").unwrap()).is_none());
    }

    #[test]
    fn bad_edn_names_file_and_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.edn");
        std::fs::write(&path, "{:valid? true,\n :net {").unwrap();
        let message = RunResults::read(&path).unwrap_err().to_string();
        assert!(
            message.contains("results.edn") && message.contains("line"),
            "{message}"
        );
    }

    #[test]
    fn crash_report_from_console_and_node_logs() {
        let case = fixtures().join("echo-crash");
        let console: Vec<String> = std::fs::read_to_string(case.join("console.txt"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let store = tempfile::tempdir().unwrap();
        std::fs::create_dir(store.path().join("node-logs")).unwrap();
        std::fs::copy(case.join("n0.log"), store.path().join("node-logs/n0.log")).unwrap();
        let report = CrashReport::gather(&console, Some(store.path()));
        assert!(report.console[0].contains("Test crashed!"));
        assert!(
            report
                .headline()
                .unwrap()
                .contains("Node n0 crashed with exit status 1"),
            "{:?}",
            report.headline()
        );
        assert_eq!(report.node_log_tails["n0"], ["crashing after 5 echoes"]);
    }
}

//! The run history: one [`RunSummary`] per line in `.glomers/history.jsonl`,
//! plus lookup and side-by-side comparison of two runs.
//!
//! [`RunSummary`] is also the stable `--json` schema of the CLI; fields are
//! only ever added.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::backend::BackendKind;
use crate::catalog::{self, Params, Profile, Thresholds};
use crate::results::Validity;
use crate::session::{RunOutcome, RunStatus};
use crate::verdict::Margin;

/// The summary of one run, as stored and as printed by `--json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunSummary {
    /// Challenge id (`3d`).
    pub id: String,
    pub run_id: String,
    pub passed: bool,
    pub status: RunStatus,
    /// Why it failed; empty when passed.
    pub reasons: Vec<String>,
    /// Maelstrom's top-level `:valid?`; absent when there were no results.
    pub valid: Option<Validity>,
    /// `:net :servers :msgs-per-op`.
    pub msgs_per_op: Option<f64>,
    /// `:net :all :msgs-per-op`.
    pub msgs_per_op_all: Option<f64>,
    pub latency_median_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    /// `:availability :ok-fraction`.
    pub availability: Option<f64>,
    pub margins: Vec<Margin>,
    pub wall_s: f64,
    pub store_dir: Option<PathBuf>,
    pub work_dir: PathBuf,
    pub backend: BackendKind,
    pub profile: Profile,
    pub params: Params,
    pub exit_code: Option<i32>,
    /// RFC 3339 UTC start time.
    pub started_at: String,
}

impl From<&RunOutcome> for RunSummary {
    fn from(o: &RunOutcome) -> RunSummary {
        let r = o.results.as_ref();
        RunSummary {
            id: o.challenge.id.to_string(),
            run_id: o.run_id.clone(),
            passed: o.verdict.passed,
            status: o.status,
            reasons: o.verdict.reasons.clone(),
            valid: r.map(|r| r.valid),
            msgs_per_op: r.and_then(|r| r.msgs_per_op_servers),
            msgs_per_op_all: r.and_then(|r| r.msgs_per_op_all),
            latency_median_ms: r.and_then(|r| r.latency_median_ms()),
            latency_max_ms: r.and_then(|r| r.latency_max_ms()),
            availability: r.and_then(|r| r.availability),
            margins: o.verdict.margins.clone(),
            wall_s: (o.wall.as_secs_f64() * 1000.0).round() / 1000.0,
            store_dir: o.store_dir.clone(),
            work_dir: o.work_dir.clone(),
            backend: o.backend,
            profile: o.profile,
            params: o.params.clone(),
            exit_code: o.exit_code,
            started_at: o.started_at.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a run summary: {source}")]
    BadLine {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    #[error(
        "no run matches `{0}` in the history (give a run id or a challenge id; `glomers history` lists them)"
    )]
    NotFound(String),
}

/// The history file under a glomers directory.
#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
}

impl History {
    pub fn new(glomers_dir: &Path) -> History {
        History {
            path: glomers_dir.join("history.jsonl"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line under an exclusive lock, in one write, so parallel
    /// runs and parallel glomers processes never interleave.
    pub fn append(&self, summary: &RunSummary) -> Result<(), HistoryError> {
        let io = |source| HistoryError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut line = serde_json::to_string(summary).map_err(|e| io(e.into()))?;
        line.push('\n');
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        let mut locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| io(errno.into()))?;
        locked.write_all(line.as_bytes()).map_err(io)?;
        locked.flush().map_err(io)
    }

    /// Every run, oldest first; a missing file is an empty history.
    pub fn load(&self) -> Result<Vec<RunSummary>, HistoryError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(HistoryError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|source| HistoryError::BadLine {
                    path: self.path.clone(),
                    line: i + 1,
                    source,
                })
            })
            .collect()
    }

    /// A run by run id (or unique run-id prefix), or the latest run of a challenge id.
    pub fn find(&self, selector: &str) -> Result<RunSummary, HistoryError> {
        let runs = self.load()?;
        let found = runs
            .iter()
            .rev()
            .find(|r| r.run_id == selector)
            .or_else(|| runs.iter().rev().find(|r| r.id == selector))
            .or_else(|| {
                let mut prefixed = runs.iter().filter(|r| r.run_id.starts_with(selector));
                prefixed.next().filter(|_| prefixed.next().is_none())
            });
        found
            .cloned()
            .ok_or_else(|| HistoryError::NotFound(selector.to_string()))
    }
}

/// One metric of two runs side by side, with each run's limit if its challenge has one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CompareRow {
    pub metric: &'static str,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub limit_a: Option<f64>,
    pub limit_b: Option<f64>,
}

/// msgs/op, median, max and availability of two runs.
pub fn compare(a: &RunSummary, b: &RunSummary) -> Vec<CompareRow> {
    let limits = |r: &RunSummary| {
        catalog::find(&r.id)
            .map(|c| c.thresholds)
            .unwrap_or_default()
    };
    let (ta, tb): (Thresholds, Thresholds) = (limits(a), limits(b));
    vec![
        CompareRow {
            metric: "msgs-per-op",
            a: a.msgs_per_op,
            b: b.msgs_per_op,
            limit_a: ta.msgs_per_op,
            limit_b: tb.msgs_per_op,
        },
        CompareRow {
            metric: "median-latency-ms",
            a: a.latency_median_ms,
            b: b.latency_median_ms,
            limit_a: ta.latency_median_ms,
            limit_b: tb.latency_median_ms,
        },
        CompareRow {
            metric: "max-latency-ms",
            a: a.latency_max_ms,
            b: b.latency_max_ms,
            limit_a: ta.latency_max_ms,
            limit_b: tb.latency_max_ms,
        },
        CompareRow {
            metric: "availability",
            a: a.availability,
            b: b.availability,
            limit_a: None,
            limit_b: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str, run_id: &str, msgs: f64) -> RunSummary {
        RunSummary {
            id: id.into(),
            run_id: run_id.into(),
            passed: true,
            status: RunStatus::Passed,
            reasons: vec![],
            valid: Some(Validity::True),
            msgs_per_op: Some(msgs),
            msgs_per_op_all: Some(msgs + 2.0),
            latency_median_ms: Some(300.0),
            latency_max_ms: Some(500.0),
            availability: Some(1.0),
            margins: vec![],
            wall_s: 1.5,
            store_dir: None,
            work_dir: PathBuf::from("/w"),
            backend: BackendKind::Sim,
            profile: Profile::Quick,
            params: Params::default(),
            exit_code: Some(0),
            started_at: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn append_load_find_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path());
        assert!(history.load().unwrap().is_empty());
        history.append(&summary("3d", "r1-3d", 25.0)).unwrap();
        history.append(&summary("3e", "r2-3e", 15.0)).unwrap();
        history.append(&summary("3d", "r3-3d", 27.0)).unwrap();
        assert_eq!(history.load().unwrap().len(), 3);
        assert_eq!(
            history.find("3d").unwrap().run_id,
            "r3-3d",
            "latest run of a challenge"
        );
        assert_eq!(history.find("r1-3d").unwrap().msgs_per_op, Some(25.0));
        assert_eq!(history.find("r2").unwrap().id, "3e", "unique prefix");
        assert!(
            matches!(history.find("r"), Err(HistoryError::NotFound(_))),
            "ambiguous prefix"
        );
    }

    #[test]
    fn parallel_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let history = History::new(dir.path());
                std::thread::spawn(move || {
                    for i in 0..20 {
                        history
                            .append(&summary("1", &format!("{t}-{i}"), i as f64))
                            .unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(History::new(dir.path()).load().unwrap().len(), 160);
    }

    #[test]
    fn bad_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(dir.path());
        history.append(&summary("1", "a", 0.0)).unwrap();
        std::fs::write(
            history.path(),
            format!(
                "{}{{oops\n",
                std::fs::read_to_string(history.path()).unwrap()
            ),
        )
        .unwrap();
        let message = history.load().unwrap_err().to_string();
        assert!(message.contains("history.jsonl:2"), "{message}");
    }

    #[test]
    fn compare_3d_and_3e_with_their_thresholds() {
        let rows = compare(&summary("3d", "a", 25.0), &summary("3e", "b", 15.0));
        assert_eq!(rows[0].metric, "msgs-per-op");
        assert_eq!(
            (rows[0].a, rows[0].b, rows[0].limit_a, rows[0].limit_b),
            (Some(25.0), Some(15.0), Some(30.0), Some(20.0))
        );
        assert_eq!(
            (rows[2].limit_a, rows[2].limit_b),
            (Some(600.0), Some(2000.0))
        );
        assert_eq!(rows[3].limit_a, None);
    }
}

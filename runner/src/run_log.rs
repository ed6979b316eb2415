//! The run log: one [`RunSummary`] per line in `.glomers/runs.jsonl`, plus
//! lookup and side-by-side comparison of two runs. ("History" is left to the
//! Jepsen operation history in each store, `history.edn`.)
//!
//! [`RunSummary`] is also the stable `--json` schema of the CLI; fields are
//! only ever added.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::backend::BackendKind;
use crate::catalog::{self, Params, Profile, Thresholds};
use crate::event::NodeWarning;
use crate::label::RunLabel;
use crate::session::{RunOutcome, RunStatus};
use crate::verdict::Margin;
use checker::Validity;

/// The run log's file name in a glomers directory.
pub const RUN_LOG_FILE: &str = "runs.jsonl";
/// Its name in earlier glomers; [`RunLog`] renames such a file on first use.
const OLD_RUN_LOG_FILE: &str = "history.jsonl";

/// The summary of one run, as stored and as printed by `--json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunSummary {
    /// Challenge id (`3d`); lines written before the rename call it `id`.
    #[serde(alias = "id")]
    pub challenge: String,
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
    /// The profile asked for; [`RunSummary::label`] says what was really run.
    pub profile: Profile,
    pub params: Params,
    /// `official`, `quick` or `custom` with what differs; absent in lines
    /// written before labels, which [`RunLog::load`] then works out.
    #[serde(default)]
    pub label: Option<RunLabel>,
    /// The backend's own exit status: 0 for a valid run even when it missed
    /// a threshold (see `passed`), 1 invalid, 255 crashed; none if it never ran.
    #[serde(alias = "exit_code")]
    pub backend_exit_code: Option<i32>,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// Absent in lines written before warnings were recorded.
    #[serde(default)]
    pub node_warnings: Vec<NodeWarning>,
    /// The simulator's seed (`glomers rerun` repeats it); absent on real
    /// Maelstrom and in lines written before seeds were recorded.
    #[serde(default)]
    pub seed: Option<u64>,
    /// The node executable tested and the SHA-256 of its content at the time.
    #[serde(default)]
    pub bin: Option<PathBuf>,
    #[serde(default)]
    pub bin_sha256: Option<String>,
}

impl From<&RunOutcome> for RunSummary {
    fn from(o: &RunOutcome) -> RunSummary {
        let r = o.results.as_ref();
        RunSummary {
            challenge: o.challenge.id.to_string(),
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
            label: Some(RunLabel::of(o.challenge.id, &o.params)),
            backend_exit_code: o.exit_code,
            started_at: o.started_at.clone(),
            node_warnings: o.node_warnings.clone(),
            seed: o.params.seed,
            bin: o.node.as_ref().map(|n| n.path.clone()),
            bin_sha256: o.node.as_ref().and_then(|n| n.sha256.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunLogError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no run matches `{0}` in the run log (give a run id or a challenge id; `glomers runs` lists them)"
    )]
    NotFound(String),
}

/// A line of `runs.jsonl` that [`RunLog::load`] left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: skipped: {cause}", path.display())]
pub struct SkippedLine {
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    pub cause: String,
}

/// What [`RunLog::load`] read: every run it could, oldest first, and the
/// lines it could not use.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub runs: Vec<RunSummary>,
    pub skipped: Vec<SkippedLine>,
}

impl RunSummary {
    /// What the run's parameters amount to, worked out for lines written
    /// before labels were recorded.
    pub fn label(&self) -> RunLabel {
        self.label
            .clone()
            .unwrap_or_else(|| RunLabel::of(&self.challenge, &self.params))
    }
}

impl Loaded {
    /// A run by run id (or unique run-id prefix), or the latest run of a challenge id.
    pub fn find(&self, selector: &str) -> Result<&RunSummary, RunLogError> {
        let runs = &self.runs;
        runs.iter()
            .rev()
            .find(|r| r.run_id == selector)
            .or_else(|| runs.iter().rev().find(|r| r.challenge == selector))
            .or_else(|| {
                let mut prefixed = runs.iter().filter(|r| r.run_id.starts_with(selector));
                prefixed.next().filter(|_| prefixed.next().is_none())
            })
            .ok_or_else(|| RunLogError::NotFound(selector.to_string()))
    }
}

/// The run log file under a glomers directory.
#[derive(Debug, Clone)]
pub struct RunLog {
    path: PathBuf,
}

impl RunLog {
    pub fn new(glomers_dir: &Path) -> RunLog {
        RunLog {
            path: glomers_dir.join(RUN_LOG_FILE),
        }
    }

    /// Earlier glomers kept the same lines in `history.jsonl`:
    /// take that file over once, so no recorded run is lost. When two
    /// processes race, one rename wins and the other finds nothing to move.
    fn adopt_old_file(&self) {
        let Some(dir) = self.path.parent() else {
            return;
        };
        let old = dir.join(OLD_RUN_LOG_FILE);
        if !self.path.exists() && old.is_file() {
            let _ = std::fs::rename(old, &self.path);
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line under an exclusive lock, in one write, so parallel
    /// runs and parallel glomers processes never interleave.
    pub fn append(&self, summary: &RunSummary) -> Result<(), RunLogError> {
        self.adopt_old_file();
        let io = |source| RunLogError::Io {
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
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        let mut locked = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| io(errno.into()))?;
        // A writer killed mid-line leaves no final newline; ending that line
        // first keeps the new one whole (the cut one is skipped on load).
        let len = locked.metadata().map_err(io)?.len();
        let mut last = [b'\n'];
        if len > 0 {
            std::os::unix::fs::FileExt::read_exact_at(&*locked, &mut last, len - 1).map_err(io)?;
        }
        if last[0] != b'\n' {
            line.insert(0, '\n');
        }
        locked.write_all(line.as_bytes()).map_err(io)?;
        locked.flush().map_err(io)
    }

    /// Every run that parses, oldest first, plus the lines that do not (cut
    /// or non-UTF-8 lines, missing fields); blank lines hold no run and are
    /// passed over. A missing file is an empty run log; only an unreadable
    /// one is an error.
    pub fn load(&self) -> Result<Loaded, RunLogError> {
        self.adopt_old_file();
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::default()),
            Err(source) => {
                return Err(RunLogError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let mut loaded = Loaded::default();
        let mut offset = 0;
        for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_start = offset;
            offset += raw.len() + 1;
            let parsed = match std::str::from_utf8(raw) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => serde_json::from_str::<RunSummary>(text).map_err(|e| not_a_summary(&e)),
                Err(e) => Err(format!(
                    "not UTF-8: invalid byte at offset {} of the file (byte {} of the line)",
                    line_start + e.valid_up_to(),
                    e.valid_up_to()
                )),
            };
            match parsed {
                Ok(mut run) => {
                    run.label = Some(run.label());
                    loaded.runs.push(run)
                }
                Err(cause) => loaded.skipped.push(SkippedLine {
                    path: self.path.clone(),
                    line: index + 1,
                    cause,
                }),
            }
        }
        Ok(loaded)
    }
}

/// serde's message with the column; its "line 1" would clash with the file's line number.
fn not_a_summary(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(message) => format!("not a run summary: {message} at column {}", e.column()),
        None => format!("not a run summary: {text}"),
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
        catalog::find(&r.challenge)
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
mod tests;

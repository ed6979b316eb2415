//! Bench tables: N runs of each challenge on one backend, summarised per
//! column as median and spread (min–max), rendered as Markdown for the
//! README and as JSON for tools. Running the challenges is the caller's job.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ReportError;
use runner::results::RunResults;

/// The figures of one run. A figure the run did not produce (no
/// `:stable-latencies` outside broadcast, no results after a crash) is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchSample {
    /// The verdict: `None` when Maelstrom says `:unknown` or the run crashed.
    pub valid: Option<bool>,
    pub msgs_per_op: Option<f64>,
    pub median_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// Fraction of operations that succeeded, 0 to 1.
    pub availability: Option<f64>,
    /// Wall-clock time of the whole run.
    pub wall_s: Option<f64>,
    /// Wall time minus time limit and recovery wait: what the backend itself costs.
    pub overhead_s: Option<f64>,
}

impl BenchSample {
    /// A sample from a run's results plus the timings only the caller knows.
    pub fn from_results(results: &RunResults, wall_s: f64, overhead_s: f64) -> BenchSample {
        BenchSample {
            valid: results.valid.as_bool(),
            msgs_per_op: results.msgs_per_op_servers,
            median_ms: results.latency_median_ms(),
            max_ms: results.latency_max_ms(),
            availability: results.availability,
            wall_s: Some(wall_s),
            overhead_s: Some(overhead_s),
        }
    }
}

/// All runs of one challenge on one backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    /// Challenge id as the CLI names it (`3d`, `5b`, ...).
    pub challenge: String,
    /// `sim` or `maelstrom`.
    pub backend: String,
    pub runs: Vec<BenchSample>,
}

/// Median and range of one column over the runs that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// How many runs had this figure.
    pub count: usize,
}

impl Spread {
    /// `None` when no value is present. The median of an even count is the
    /// mean of the two middle values.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Option<Spread> {
        let mut sorted: Vec<f64> = values
            .into_iter()
            .flatten()
            .filter(|v| v.is_finite())
            .collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            count: n,
        })
    }
}

/// How many runs were judged valid, invalid, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Verdicts {
    pub valid: usize,
    pub invalid: usize,
    pub unknown: usize,
}

/// A row's summary: verdict counts and each figure's spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSummary {
    pub verdicts: Verdicts,
    pub msgs_per_op: Option<Spread>,
    pub median_ms: Option<Spread>,
    pub max_ms: Option<Spread>,
    pub availability: Option<Spread>,
    pub wall_s: Option<Spread>,
    pub overhead_s: Option<Spread>,
}

impl BenchRow {
    pub fn summary(&self) -> RowSummary {
        let column = |pick: fn(&BenchSample) -> Option<f64>| Spread::of(self.runs.iter().map(pick));
        let mut verdicts = Verdicts::default();
        for run in &self.runs {
            match run.valid {
                Some(true) => verdicts.valid += 1,
                Some(false) => verdicts.invalid += 1,
                None => verdicts.unknown += 1,
            }
        }
        RowSummary {
            verdicts,
            msgs_per_op: column(|r| r.msgs_per_op),
            median_ms: column(|r| r.median_ms),
            max_ms: column(|r| r.max_ms),
            availability: column(|r| r.availability),
            wall_s: column(|r| r.wall_s),
            overhead_s: column(|r| r.overhead_s),
        }
    }
}

/// A whole bench: the machine and revision it ran on, and each row with its
/// raw runs and summary. This is what the JSON holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// Revision of the code benchmarked, as the caller read it (e.g. `git describe`).
    pub git_revision: String,
    /// Cores available to the process (`std::thread::available_parallelism`).
    pub cores: usize,
    pub rows: Vec<SummarisedRow>,
}

/// A row with its summary. (Not `#[serde(flatten)]`: flattening breaks
/// reading numbers back under serde_json's `arbitrary_precision`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummarisedRow {
    pub challenge: String,
    pub backend: String,
    pub runs: Vec<BenchSample>,
    pub summary: RowSummary,
}

impl BenchReport {
    /// Summarises `rows`, recording this machine's core count.
    pub fn new(git_revision: &str, rows: Vec<BenchRow>) -> BenchReport {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        BenchReport::with_cores(git_revision, cores, rows)
    }

    /// As [`BenchReport::new`] with an explicit core count (for reports of
    /// another machine, and for tests).
    pub fn with_cores(git_revision: &str, cores: usize, rows: Vec<BenchRow>) -> BenchReport {
        BenchReport {
            git_revision: git_revision.to_string(),
            cores,
            rows: rows
                .into_iter()
                .map(|row| SummarisedRow {
                    summary: row.summary(),
                    challenge: row.challenge,
                    backend: row.backend,
                    runs: row.runs,
                })
                .collect(),
        }
    }

    /// A Markdown table: one line per challenge and backend, each figure as
    /// `median (min–max)` over the runs, `–` where no run produced it.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "Machine: {} cores · revision `{}` · each figure is the median (min–max) of the runs\n\n",
            self.cores, self.git_revision
        );
        out.push_str(
            "| challenge | backend | runs | valid | msgs/op | median ms | max ms | availability | wall s | overhead s |\n",
        );
        out.push_str("|---|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
        for row in &self.rows {
            let summary = &row.summary;
            let cells = [
                row.challenge.clone(),
                row.backend.clone(),
                row.runs.len().to_string(),
                verdict_cell(&summary.verdicts, row.runs.len()),
                spread_cell(summary.msgs_per_op, 2),
                spread_cell(summary.median_ms, 0),
                spread_cell(summary.max_ms, 0),
                spread_cell(summary.availability, 3),
                spread_cell(summary.wall_s, 1),
                spread_cell(summary.overhead_s, 1),
            ];
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }

    /// Pretty-printed JSON of the whole report.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes `<dir>/<stem>.md` and `<dir>/<stem>.json`, creating `dir`.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportError> {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut written = Vec::new();
        for (extension, contents) in [("md", self.to_markdown()), ("json", self.to_json())] {
            let path = dir.join(format!("{stem}.{extension}"));
            std::fs::write(&path, contents).map_err(|source| ReportError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

/// `3/3`, or `2/3 (1 invalid)`, `2/3 (1 unknown)`.
fn verdict_cell(verdicts: &Verdicts, runs: usize) -> String {
    let mut cell = format!("{}/{runs}", verdicts.valid);
    let others: Vec<String> = [(verdicts.invalid, "invalid"), (verdicts.unknown, "unknown")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !others.is_empty() {
        cell.push_str(&format!(" ({})", others.join(", ")));
    }
    cell
}

/// `12.34 (11.90–13.02)`; a single value, or an empty spread, alone.
fn spread_cell(spread: Option<Spread>, decimals: usize) -> String {
    match spread {
        None => "–".to_string(),
        Some(s) if s.min == s.max => format!("{:.decimals$}", s.median),
        Some(s) => format!(
            "{:.decimals$} ({:.decimals$}–{:.decimals$})",
            s.median, s.min, s.max
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(valid: Option<bool>, msgs: f64, median: f64, max: f64, wall: f64) -> BenchSample {
        BenchSample {
            valid,
            msgs_per_op: Some(msgs),
            median_ms: Some(median),
            max_ms: Some(max),
            availability: Some(1.0),
            wall_s: Some(wall),
            overhead_s: Some(wall - 30.0),
        }
    }

    #[test]
    fn spread_takes_median_and_range_of_present_values() {
        let odd = Spread::of([Some(3.0), None, Some(1.0), Some(2.0)]).unwrap();
        assert_eq!(
            (odd.median, odd.min, odd.max, odd.count),
            (2.0, 1.0, 3.0, 3)
        );
        let even = Spread::of([Some(4.0), Some(1.0), Some(2.0), Some(10.0)]).unwrap();
        assert_eq!((even.median, even.min, even.max), (3.0, 1.0, 10.0));
        assert_eq!(Spread::of([None, Some(f64::NAN)]), None);
    }

    #[test]
    fn summary_counts_verdicts() {
        let row = BenchRow {
            challenge: "3d".into(),
            backend: "sim".into(),
            runs: vec![
                sample(Some(true), 12.0, 80.0, 130.0, 31.0),
                sample(Some(false), 11.0, 90.0, 150.0, 32.0),
                sample(None, 13.0, 70.0, 120.0, 33.0),
            ],
        };
        let summary = row.summary();
        assert_eq!(
            summary.verdicts,
            Verdicts {
                valid: 1,
                invalid: 1,
                unknown: 1
            }
        );
        assert_eq!(summary.msgs_per_op.map(|s| s.median), Some(12.0));
        assert_eq!(summary.max_ms.map(|s| (s.min, s.max)), Some((120.0, 150.0)));
    }

    #[test]
    fn markdown_has_header_and_one_line_per_row() {
        let rows = vec![
            BenchRow {
                challenge: "3d".into(),
                backend: "sim".into(),
                runs: vec![
                    sample(Some(true), 11.5, 84.0, 105.0, 31.3),
                    sample(Some(true), 12.25, 80.0, 110.0, 31.0),
                    sample(Some(true), 11.75, 88.0, 104.0, 32.5),
                ],
            },
            BenchRow {
                challenge: "1".into(),
                backend: "maelstrom".into(),
                runs: vec![BenchSample {
                    valid: None,
                    msgs_per_op: None,
                    median_ms: None,
                    max_ms: None,
                    availability: Some(0.5),
                    wall_s: Some(12.0),
                    overhead_s: Some(2.0),
                }],
            },
        ];
        let markdown = BenchReport::with_cores("abc1234", 2, rows).to_markdown();
        let lines: Vec<&str> = markdown.lines().collect();
        assert_eq!(
            lines[0],
            "Machine: 2 cores · revision `abc1234` · each figure is the median (min–max) of the runs"
        );
        assert!(lines[2].starts_with("| challenge | backend | runs | valid | msgs/op |"));
        assert_eq!(
            lines[4],
            "| 3d | sim | 3 | 3/3 | 11.75 (11.50–12.25) | 84 (80–88) | 105 (104–110) | 1.000 | 31.3 (31.0–32.5) | 1.3 (1.0–2.5) |"
        );
        assert_eq!(
            lines[5],
            "| 1 | maelstrom | 1 | 0/1 (1 unknown) | – | – | – | 0.500 | 12.0 | 2.0 |"
        );
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn json_round_trips_and_is_written_with_markdown() {
        let report = BenchReport::with_cores(
            "rev",
            4,
            vec![BenchRow {
                challenge: "3e".into(),
                backend: "sim".into(),
                runs: vec![sample(Some(true), 4.0, 700.0, 1500.0, 40.0)],
            }],
        );
        let json = report.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["cores"], 4);
        assert_eq!(value["rows"][0]["challenge"], "3e");
        assert_eq!(value["rows"][0]["summary"]["verdicts"]["valid"], 1);
        let back: BenchReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);

        let dir = tempfile::tempdir().unwrap();
        let written = report.write(&dir.path().join("results"), "bench").unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(
            std::fs::read_to_string(&written[0]).unwrap(),
            report.to_markdown()
        );
        assert_eq!(std::fs::read_to_string(&written[1]).unwrap(), json);
    }
}

//! Maelstrom's `store/` layout: `store/<workload>/<yyyyMMdd'T'HHmmss.SSS><zone>/`
//! with `jepsen.log`, `history.edn`, `history.txt`, `results.edn` and
//! `node-logs/`, plus the relative `current` and `latest` symlinks
//! (results.md §1), and `messages.svg`. The network journal
//! (`net-journal.jsonl`) is written by `net_log`; binary Jepsen files and
//! plots are not written.

use std::io::Write;
use std::path::{Path, PathBuf};

use checker::history::Op;

/// Why the store could not be written.
#[derive(Debug, thiserror::Error)]
#[error("Couldn't write {path}: {source}")]
pub struct StoreError {
    path: String,
    source: std::io::Error,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError {
        path: path.display().to_string(),
        source,
    }
}

/// One run's directory.
#[derive(Debug, Clone)]
pub struct RunStore {
    /// Absolute path of the run directory.
    pub dir: PathBuf,
    /// The path as Maelstrom prints it, relative to the base directory (`store/echo/2024...Z`).
    pub display: String,
    base: PathBuf,
    workload: String,
    time: String,
}

/// Maelstrom's directory timestamp: local time, then `Z` or `+HHmm`.
pub fn run_timestamp(now: chrono::DateTime<chrono::Local>) -> String {
    let offset = now.offset().local_minus_utc();
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        now.format("%z").to_string()
    };
    format!("{}{zone}", now.format("%Y%m%dT%H%M%S%.3f"))
}

impl RunStore {
    /// Create the run directory and its `node-logs/`, and point `store/current` at it.
    pub fn create(base: &Path, workload: &str) -> Result<RunStore, StoreError> {
        let mut time = run_timestamp(chrono::Local::now());
        let mut dir = base.join("store").join(workload).join(&time);
        // Two runs within the same millisecond (--test-count) must not share a directory.
        while dir.exists() {
            std::thread::sleep(std::time::Duration::from_millis(1));
            time = run_timestamp(chrono::Local::now());
            dir = base.join("store").join(workload).join(&time);
        }
        let logs = dir.join("node-logs");
        std::fs::create_dir_all(&logs).map_err(io_err(&logs))?;
        let store = RunStore {
            display: format!("store/{workload}/{time}"),
            dir,
            base: base.to_path_buf(),
            workload: workload.to_string(),
            time,
        };
        relink(
            &store.base.join("store").join("current"),
            &format!("{}/{}", store.workload, store.time),
        )?;
        Ok(store)
    }

    pub fn node_log(&self, node: &str) -> PathBuf {
        self.dir.join("node-logs").join(format!("{node}.log"))
    }

    pub fn node_log_display(&self, node: &str) -> String {
        format!("{}/node-logs/{node}.log", self.display)
    }

    pub fn jepsen_log(&self) -> PathBuf {
        self.dir.join("jepsen.log")
    }

    /// Open `history.edn` and `history.txt` for ops written as they happen.
    pub fn history_writer(&self) -> Result<HistoryWriter, StoreError> {
        let open = |name: &str| {
            let path = self.dir.join(name);
            let file = std::fs::File::create(&path).map_err(io_err(&path))?;
            Ok::<_, StoreError>((std::io::BufWriter::new(file), path))
        };
        Ok(HistoryWriter {
            edn: open("history.edn")?,
            txt: open("history.txt")?,
        })
    }

    /// Point the `latest` links at this run (once its history is complete).
    pub fn mark_latest(&self) -> Result<(), StoreError> {
        let store = self.base.join("store");
        relink(
            &store.join("latest"),
            &format!("{}/{}", self.workload, self.time),
        )?;
        relink(&store.join(&self.workload).join("latest"), &self.time)
    }

    /// Write the Lamport diagram (during analysis, so not after a crash).
    pub fn write_messages_svg(&self, svg: &str) -> Result<(), StoreError> {
        let path = self.dir.join("messages.svg");
        std::fs::write(&path, svg).map_err(io_err(&path))
    }

    /// Write the pretty-printed `results.edn`; returns its path for the log line.
    pub fn write_results(&self, results: &edn::Value) -> Result<String, StoreError> {
        let path = self.dir.join("results.edn");
        let mut text = edn::to_pretty(results);
        text.push('\n');
        std::fs::write(&path, text).map_err(io_err(&path))?;
        Ok(format!("{}/results.edn", self.display))
    }
}

/// `history.edn` and `history.txt`, appended op by op so that a long run
/// keeps its history on disk rather than in memory.
pub struct HistoryWriter {
    edn: (std::io::BufWriter<std::fs::File>, PathBuf),
    txt: (std::io::BufWriter<std::fs::File>, PathBuf),
}

impl HistoryWriter {
    /// Append `op`, whose `history.txt` line (`op.to_history_txt()`) the caller already has.
    pub fn append(&mut self, op: &Op, txt_line: &str) -> Result<(), StoreError> {
        writeln!(self.edn.0, "{}", op.to_edn()).map_err(io_err(&self.edn.1))?;
        writeln!(self.txt.0, "{txt_line}").map_err(io_err(&self.txt.1))
    }

    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.edn.0.flush().map_err(io_err(&self.edn.1))?;
        self.txt.0.flush().map_err(io_err(&self.txt.1))
    }
}

/// Replace the symlink `link` with one pointing at the relative `target`.
fn relink(link: &Path, target: &str) -> Result<(), StoreError> {
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(link).map_err(io_err(link))?;
    }
    std::os::unix::fs::symlink(target, link).map_err(io_err(link))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_use_z_only_for_utc() {
        let t = chrono::Local
            .with_ymd_and_hms(2024, 3, 7, 13, 15, 3)
            .unwrap();
        let s = run_timestamp(t);
        assert!(s.starts_with("20240307T131503.000"), "{s}");
        let offset = t.offset().local_minus_utc();
        assert_eq!(s.ends_with('Z'), offset == 0, "{s}");
    }
}

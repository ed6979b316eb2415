//! Maelstrom-like log lines on stdout and in `jepsen.log`.
//!
//! Console: `INFO [yyyy-MM-dd HH:mm:ss,SSS] <thread> - <logger> <message>`;
//! `jepsen.log`: `<yyyy-MM-dd HH:mm:ss,SSS>{GMT}\t<LEVEL>\t[<thread>] <logger>: <message>`.
//! Thread and logger names imitate Jepsen's so that tools reading Maelstrom's
//! output read ours too. This is not a logging framework: no levels filter.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// Log level words as Jepsen prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// Shared log sink; cheap to call from any task.
#[derive(Debug, Default)]
pub struct Console {
    log_file: Mutex<Option<File>>,
}

impl Console {
    pub fn new() -> Self {
        Self::default()
    }

    /// Start copying every line to `path` (the run's `jepsen.log`).
    pub fn attach_log_file(&self, path: &Path) -> std::io::Result<()> {
        let file = File::create(path)?;
        *self.log_file.lock().expect("console lock") = Some(file);
        Ok(())
    }

    /// Stop writing to the run's `jepsen.log` (between runs of `--test-count`).
    pub fn detach_log_file(&self) {
        *self.log_file.lock().expect("console lock") = None;
    }

    pub fn info(&self, thread: &str, logger: &str, message: &str) {
        self.log(Level::Info, thread, logger, message);
    }

    pub fn warn(&self, thread: &str, logger: &str, message: &str) {
        self.log(Level::Warn, thread, logger, message);
    }

    pub fn log(&self, level: Level, thread: &str, logger: &str, message: &str) {
        let now = chrono::Local::now();
        let stamp = now.format("%Y-%m-%d %H:%M:%S,%3f");
        let console_line = format!("{} [{stamp}] {thread} - {logger} {message}\n", level.word());
        // Holding the lock while printing keeps multi-line records contiguous.
        let mut file = self.log_file.lock().expect("console lock");
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(console_line.as_bytes());
        let _ = stdout.flush();
        if let Some(f) = file.as_mut() {
            let gmt = now
                .with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S,%3f");
            let _ = writeln!(
                f,
                "{gmt}{{GMT}}\t{}\t[{thread}] {logger}: {message}",
                level.word()
            );
        }
    }

    /// Print text verbatim (no prefix) to the console and the log file.
    pub fn raw(&self, text: &str) {
        let mut file = self.log_file.lock().expect("console lock");
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
        if let Some(f) = file.as_mut() {
            let _ = f.write_all(text.as_bytes());
        }
    }
}

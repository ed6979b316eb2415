//! The one error type of this crate: every variant names the file involved.

use std::path::PathBuf;

use checker::history::HistoryError;
use thiserror::Error;

/// Why a plot or table could not be produced.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    History {
        path: PathBuf,
        #[source]
        source: HistoryError,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Plotters reports drawing and encoding failures through a type generic
    /// over its backend; they are kept as text.
    #[error("drawing {path}: {message}")]
    Draw { path: PathBuf, message: String },
    #[error("the embedded font could not be loaded")]
    Font,
}

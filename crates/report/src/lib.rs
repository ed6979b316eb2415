//! Plots and tables from recorded glomers runs.
//!
//! `report` turns what a run left behind into pictures and tables: per-run
//! latency and throughput plots like Maelstrom's (without gnuplot), the
//! broadcast frontier (msgs-per-op against latency with the 3d/3e target
//! boxes), and bench summaries (median and spread of N runs) as Markdown and
//! JSON. It does not run, judge or parse `results.edn`: histories come from
//! the simulator or Maelstrom, figures from `runner::results::RunResults`
//! (the one reader of `results.edn`), bench samples from the caller.
//!
//! ```no_run
//! # fn demo() -> Result<(), report::ReportError> {
//! let written = report::run_plots(std::path::Path::new("store/broadcast/latest"))?;
//! # Ok(()) }
//! ```
//!
//! Layout:
//! - `perf`: latency samples, fault intervals, time buckets, quantiles, rates.
//! - `run_plots`: `latency-raw`, `latency-quantiles`, `rate` (PNG + SVG) for one run.
//! - `frontier`: msgs-per-op against median/max latency, with reference points.
//! - `bench`: bench samples, their summaries, Markdown and JSON tables.
//! - `figure`: one drawing written as both PNG and SVG; shared colours and text.
//! - `font`: the embedded DejaVu Sans font, so text renders everywhere.
//! - `error`: [`ReportError`].

pub mod bench;
mod error;
mod figure;
mod font;
pub mod frontier;
pub mod perf;
mod run_plots;

pub use bench::{BenchReport, BenchRow, BenchSample, Spread};
pub use error::ReportError;
pub use frontier::{FrontierPoint, PointKind, REFERENCE_POINTS, frontier_plot};
pub use run_plots::{RUN_PLOT_STEMS, run_plots, write_run_plots};

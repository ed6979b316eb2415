//! The glomers runner: turns "run challenge 3d" into a build, a backend
//! process, a live event stream, typed results, a verdict and a history line.
//!
//! Both the headless CLI and the TUI drive [`session::run_session`] and
//! consume the same [`event::SessionEvent`] stream; neither reads backend
//! output or judges results itself. The runner does not simulate anything:
//! the embedded simulator lives in the `sim` crate and is launched as a
//! subprocess (`glomers maelstrom test ...`), exactly like real Maelstrom.
//!
//! ```no_run
//! # async fn demo() {
//! use runner::{backend::Backend, catalog, session};
//! let (events, _rx) = tokio::sync::mpsc::channel(1024);
//! let (_cancel, cancelled) = tokio::sync::watch::channel(false);
//! let here = std::env::current_dir().unwrap();
//! let config = session::SessionConfig {
//!     challenges: catalog::select(&["1".into()]).unwrap(),
//!     profile: catalog::Profile::Quick,
//!     overrides: Default::default(),
//!     backend: Backend::sim_from_current_exe().unwrap(),
//!     nodes: runner::project::NodePlan {
//!         workspace: runner::build::find_workspace(&here),
//!         ..Default::default()
//!     },
//!     glomers_dir: here.join(".glomers"),
//!     jobs: 1,
//! };
//! let outcomes = session::run_session(config, events, cancelled).await;
//! assert!(outcomes[0].verdict.passed);
//! # }
//! ```
//!
//! Layout, in the order data flows:
//! - `catalog`: every challenge as data: workload, node binary, official and quick parameters, thresholds.
//! - `backend`: simulator or real Maelstrom; same `test ...` argv for both.
//! - `project`: `glomers.toml`, and which node each challenge runs (ours, the project's, `--bin`).
//! - `build`: finding our workspace; `cargo build --release -p nodes --bins` or the project's
//!   build command, once per invocation.
//! - `launch`: the backend in its own run directory; console and node-log tailing; cancel.
//! - `supervise`: child process groups (cargo, backends) that die with glomers.
//! - `platform`: the Linux-only process control and its portable (macOS) counterpart.
//! - `event`: the `RunEvent`/`SessionEvent` stream and console-line interpretation (phase, progress).
//! - `results`: `results.edn` into typed `RunResults`; the crash report when it is missing.
//! - `verdict`: pass/fail with reasons and per-threshold margins.
//! - `session`: one invocation tying the above together, `jobs` runs at a time; every run
//!   directory is claimed before the build, so an unusable work dir fails at once.
//! - `history`: `.glomers/history.jsonl` (lines that do not parse are skipped and reported),
//!   lookup, and run comparison.
//! - `rerun`: each run's node-binary fingerprint, and the session repeating a recorded run
//!   (same parameters, node environment, binary and simulator seed).
//! - `watch`: watch mode: a session per debounced source change, as a stream of cycle events.
//! - `label`: `official`, `quick` or `custom` for a run's parameters, and how two runs differ
//!   (backend, profile, parameters, node binary); the CLI and the dashboard both use it.

pub mod backend;
pub mod build;
pub mod catalog;
pub mod event;
pub mod label;
pub mod launch;
mod platform;
pub mod project;
pub mod rerun;
pub mod results;
pub mod run_log;
pub mod session;
pub mod supervise;
pub mod verdict;
pub mod watch;

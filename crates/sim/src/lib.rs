//! An embedded, JVM-free simulator that is command-line and output compatible
//! with `maelstrom test` for the workloads the Gossip Glomers challenges use.
//!
//! It runs node binaries as subprocesses, routes their JSON messages through a
//! simulated network (latency, partitions, services), drives client workloads,
//! records a Jepsen-style history, checks it with [`checker::Incremental`], and
//! writes Maelstrom's `store/` layout and `results.edn`. It is not a general
//! Jepsen: only Maelstrom's network model and the workloads in [`workloads`]
//! exist (no `lin-kv` or `txn-list-append` workload, no `serve`, no plots).
//!
//! ```no_run
//! let args: Vec<String> = ["test", "-w", "echo", "--bin", "./echo.py", "--node-count", "1", "--time-limit", "5"]
//!     .iter().map(|s| s.to_string()).collect();
//! let outcome = sim::run_cli(&args, std::path::Path::new("."));
//! std::process::exit(outcome.exit_code);
//! ```
//!
//! Differences from Maelstrom, all deliberate:
//! - Extra `test` options `--seed N` (reproducible generators, latencies and
//!   partitions) and `--recovery-wait SECS` (the quiet period before final
//!   reads, Maelstrom's fixed 10 s by default).
//! - Not written: `test.jepsen`, plots and `timeline.html`; the network
//!   journal is `net-journal.jsonl` (JSON lines) instead of `net-journal/*.fressian`;
//!   `--logging-json` is accepted and ignored. `messages.svg` is drawn from
//!   the first 10 000 network events with our own layout.
//! - `history.edn`/`history.txt` are written as ops happen, not at the end,
//!   so memory stays bounded (and a killed run keeps its history).
//! - A node that prints garbage is still drained (its output is dropped) rather
//!   than left blocked on a full pipe; stdout lines over 64 MiB count as garbage.
//! - `--leave-db-running` skips crash detection, but nodes still die with the
//!   simulator (how depends on the platform: see `platform`).
//! - Replies to clients are counted as received when sent (Maelstrom counts them
//!   when the client next reads), which only matters for late replies.
//! - Kafka `assign` ops never carry the debug `:unseen` map.
//! - A send to or from a node that teardown has already removed is dropped
//!   without Maelstrom's `Invalid dest` warning: the test is over, and it is
//!   not the node's fault (glomers ignores Maelstrom's warning then, too).
//!
//! Layout:
//! - [`cli`]: option parsing and validation (exit 254), defaults, node argv.
//! - [`test_run`]: one test, phase by phase, ending in analysis and the verdict.
//! - [`process`]: node subprocesses, their pipes, stdout rules, teardown and crash reports.
//! - [`net`]: message ids, latency, per-destination deadline queues, partitions, `:net` counts.
//! - [`clients`]: Maelstrom's RPC clients, reply schemas and the error-code table.
//! - [`services`]: `lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`.
//! - [`nemesis`]: the partition schedule and shapes.
//! - [`workloads`]: generators and client ops per workload, final phases.
//! - [`history`]: the op recorder; [`store`]: `store/` files and links; [`console`]: log lines.
//! - `journal`: the first network events and their Lamport diagram (`messages.svg`).
//! - `platform`: the Linux-only process control and its portable (macOS) counterpart.
//! - `net_log`: every network event, written to `net-journal.jsonl` (capped; see there).
//! - [`testing`]: one shortened test and its verdict, for test suites of node binaries.

pub mod cli;
pub mod clients;
pub mod console;
pub mod history;
mod journal;
pub mod nemesis;
pub mod net;
mod net_log;
mod platform;
pub mod process;
pub mod services;
pub mod store;
pub mod test_run;
pub mod testing;
pub mod workloads;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cli::Invocation;
use console::Console;
use process::ProcessGroups;

/// How a `run_cli` call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Maelstrom's exit status: 0 valid, 1 invalid, 2 unknown, 254 bad arguments, 255 crashed.
    pub exit_code: i32,
    /// The last run's store directory, if one was created.
    pub run_dir: Option<PathBuf>,
}

/// Exit status after SIGINT/SIGTERM (128 + signal number, as a shell reports it).
const SIGINT_EXIT: i32 = 130;
const SIGTERM_EXIT: i32 = 143;

/// Behave like `maelstrom <args>` started in `base_dir`: relative `--bin`
/// paths resolve against it and `store/` is written under it. Output goes to
/// stdout. Synchronous: builds and drops its own tokio runtime.
pub fn run_cli(args: &[String], base_dir: &Path) -> Outcome {
    let opts = match cli::parse(args) {
        Invocation::Help(text) => {
            print!("{text}");
            return Outcome {
                exit_code: 0,
                run_dir: None,
            };
        }
        Invocation::Usage(lines) => {
            for line in lines {
                println!("{line}");
            }
            return Outcome {
                exit_code: 254,
                run_dir: None,
            };
        }
        Invocation::Test(opts) => Arc::new(*opts),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            println!("Couldn't start the simulator runtime: {e}");
            return Outcome {
                exit_code: 255,
                run_dir: None,
            };
        }
    };
    let console = Arc::new(Console::new());
    let groups = ProcessGroups::default();
    // Orphaned (glomers or the shell that started us is gone): no one will
    // read the verdict, so stop the nodes and exit as if terminated.
    let _parent_watch = platform::watch_parent({
        let groups = groups.clone();
        move || {
            groups.kill_all();
            std::process::exit(SIGTERM_EXIT);
        }
    });
    let outcome = runtime.block_on(run_tests(
        opts,
        base_dir,
        Arc::clone(&console),
        groups.clone(),
    ));
    // Whatever happened, no node outlives the call.
    groups.kill_all();
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    outcome
}

async fn run_tests(
    opts: Arc<cli::TestOptions>,
    base: &Path,
    console: Arc<Console>,
    groups: ProcessGroups,
) -> Outcome {
    let mut last = Outcome {
        exit_code: 0,
        run_dir: None,
    };
    for _ in 0..opts.test_count {
        let run = test_run::run(
            Arc::clone(&opts),
            base,
            Arc::clone(&console),
            groups.clone(),
        );
        let interrupted = tokio::select! {
            outcome = run => {
                last = Outcome { exit_code: outcome.exit_code, run_dir: outcome.run_dir };
                None
            }
            code = interrupted() => Some(code),
        };
        if let Some(code) = interrupted {
            groups.kill_all();
            console.warn("main", "jepsen.cli", "Interrupted; killed every node.");
            return Outcome {
                exit_code: code,
                run_dir: last.run_dir,
            };
        }
        // Maelstrom stops at the first invalid or unknown run.
        if last.exit_code != 0 {
            break;
        }
    }
    last
}

/// Resolves with the exit status once SIGINT or SIGTERM arrives.
async fn interrupted() -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => SIGINT_EXIT,
            _ = term.recv() => SIGTERM_EXIT,
        },
        _ => std::future::pending().await,
    }
}

//! `glomers run`: builds the session from flags, shows its events, cancels it
//! on Ctrl-C or SIGTERM, writes the reports, and maps outcomes to an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use runner::backend::{Backend, BackendChoice, BackendKind};
use runner::catalog::{self, Overrides, Profile};
use runner::event::{Phase, Progress, RunEvent, SessionEvent};
use runner::project::NodePlan;
use runner::session::{self, RunOutcome, RunStatus, SessionConfig};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};

use crate::cli::{BackendArg, RunArgs};
use crate::output;
use crate::project::Place;

/// Every run passed.
pub const EXIT_PASS: u8 = 0;
/// At least one challenge failed (invalid, over a threshold, or crashed).
pub const EXIT_FAIL: u8 = 1;
/// Glomers could not do its job: bad flags, build failure, backend missing or rejecting arguments.
pub const EXIT_INFRA: u8 = 2;
/// Cancelled by Ctrl-C (SIGINT): 128 + 2, as a shell reports a process the signal ended.
pub const EXIT_INTERRUPTED: u8 = 130;
/// Cancelled by SIGTERM: 128 + 15.
pub const EXIT_TERMINATED: u8 = 143;

/// Seconds between plain progress lines in CI mode.
const CI_PROGRESS_EVERY: Duration = Duration::from_secs(5);

pub async fn run(args: RunArgs, place: &Place) -> anyhow::Result<ExitCode> {
    let config = session_config(&args, place)?;
    let skipped = skipped_by_all(&args, &config.nodes);
    let Driven {
        outcomes,
        stopped_by,
    } = drive(config, args.ci, args.json).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&output::json_summary(&outcomes, &skipped))?
        );
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, output::junit(&outcomes, &skipped))
            .with_context(|| format!("cannot write the JUnit report to {}", path.display()))?;
    }
    Ok(ExitCode::from(exit_code(&outcomes, stopped_by)))
}

/// The challenges `--all` leaves out because no node is configured for them;
/// they are reported (stderr, `--json`, JUnit), never run and never failed.
fn skipped_by_all(args: &RunArgs, nodes: &NodePlan) -> Vec<String> {
    if !args.all {
        return Vec::new();
    }
    catalog::all()
        .into_iter()
        .filter(|c| nodes.source(c).is_none())
        .map(|c| c.id.to_string())
        .collect()
}

/// What `args` asks to run: challenges and their nodes, profile, overrides
/// and backend. Every node is checked first, so a bad one runs nothing; with
/// `--all`, challenges without a node are listed as skipped on stderr.
pub fn session_config(args: &RunArgs, place: &Place) -> anyhow::Result<SessionConfig> {
    let nodes = place.plan(args.bin.as_deref());
    let challenges = if args.all {
        let configured: Vec<_> = catalog::all()
            .into_iter()
            .filter(|c| nodes.source(c).is_some())
            .collect();
        if configured.is_empty() {
            let first = catalog::all().remove(0);
            anyhow::bail!(
                "--all: nothing to run; {}",
                runner::session::not_configured(&first, &nodes)
            );
        }
        let skipped = skipped_by_all(args, &nodes);
        if !skipped.is_empty() {
            eprintln!(
                "glomers: skipped (no node configured): {}",
                skipped.join(", ")
            );
        }
        configured
    } else {
        catalog::select(&args.challenges)?
    };
    for challenge in &challenges {
        crate::project::check_node(&nodes, challenge)?;
    }
    let defaults = place
        .project
        .as_ref()
        .map(|p| p.defaults.clone())
        .unwrap_or_default();
    let choice = match args.backend {
        Some(BackendArg::Sim) => BackendChoice::Sim,
        Some(BackendArg::Maelstrom) => BackendChoice::Maelstrom,
        Some(BackendArg::Auto) => BackendChoice::Auto,
        None => defaults.backend.unwrap_or_default(),
    };
    // An explicit --maelstrom means real Maelstrom unless --backend says otherwise.
    let choice = if args.maelstrom.is_some() && args.backend.is_none() {
        BackendChoice::Maelstrom
    } else {
        choice
    };
    let maelstrom = args.maelstrom.clone().or(defaults.maelstrom);
    let backend = Backend::resolve(choice, maelstrom.as_deref(), Backend::sim_from_current_exe)?;
    if args.seed.is_some() && backend.kind == BackendKind::Maelstrom {
        anyhow::bail!("--seed: real Maelstrom's schedule cannot be seeded (only the simulator's)");
    }
    if args.recovery_wait.is_some() && backend.kind != BackendKind::Sim {
        anyhow::bail!(
            "--recovery-wait is a simulator-only option: real Maelstrom always waits 10 s \
             before the final reads (drop it, or run with --backend sim)"
        );
    }
    Ok(SessionConfig {
        challenges,
        profile: if args.quick {
            Profile::Quick
        } else {
            Profile::Official
        },
        overrides: Overrides {
            time_limit_s: args.time_limit,
            node_count: args.node_count,
            rate: args.rate,
            latency_ms: args.latency,
            nemesis: args.nemesis.clone(),
            recovery_wait_s: args.recovery_wait,
            extra_args: args.extra.clone(),
            node_env: args.node_env.clone(),
            seed: args.seed,
        },
        backend,
        nodes,
        glomers_dir: place.glomers_dir.clone(),
        jobs: usize::from(args.jobs),
    })
}

/// The signal that cancelled a session; it decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
}

/// A finished session: its outcomes, and the signal that cancelled it, if any.
pub struct Driven {
    pub outcomes: Vec<RunOutcome>,
    pub stopped_by: Option<StopSignal>,
}

impl Driven {
    /// The exit status of a cancelled session, `None` when nothing was cancelled.
    pub fn cancelled_exit(&self) -> Option<u8> {
        let cancelled = self
            .outcomes
            .iter()
            .any(|o| o.status == RunStatus::Cancelled);
        cancelled.then(|| exit_code(&self.outcomes, self.stopped_by))
    }
}

/// Runs one session while showing its events; Ctrl-C and SIGTERM cancel it
/// (the first signal decides the exit status).
pub async fn drive(config: SessionConfig, ci: bool, json: bool) -> anyhow::Result<Driven> {
    let ids: Vec<String> = config.challenges.iter().map(|c| c.id.to_string()).collect();
    let (events_tx, mut events) = mpsc::channel(4096);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let session = tokio::spawn(session::run_session(config, events_tx, cancel_rx));
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let live = !ci && std::io::stderr().is_terminal();
    let mut display = Display::new(ids, live, json);
    let mut stopped_by = None;
    loop {
        let signal = tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    display.show(event);
                    continue;
                }
                None => break,
            },
            _ = interrupt.recv() => StopSignal::Interrupt,
            _ = terminate.recv() => StopSignal::Terminate,
        };
        stopped_by.get_or_insert(signal);
        display.cancel(&cancel_tx);
    }
    let outcomes = session.await.context("the run session panicked")?;
    display.totals(&outcomes);
    Ok(Driven {
        outcomes,
        stopped_by,
    })
}

/// Infrastructure errors win over failures; a cancel wins over both, with
/// 130 for Ctrl-C and 143 for SIGTERM.
pub fn exit_code(outcomes: &[RunOutcome], stopped_by: Option<StopSignal>) -> u8 {
    if outcomes.iter().any(|o| o.status == RunStatus::Cancelled) {
        match stopped_by {
            Some(StopSignal::Terminate) => EXIT_TERMINATED,
            Some(StopSignal::Interrupt) | None => EXIT_INTERRUPTED,
        }
    } else if outcomes.iter().any(|o| o.status.is_infrastructure()) {
        EXIT_INFRA
    } else if outcomes.iter().all(|o| o.status == RunStatus::Passed) {
        EXIT_PASS
    } else {
        EXIT_FAIL
    }
}

/// Turns session events into terminal output: a redrawn status line on a
/// TTY, plain lines otherwise. Results go to stdout unless `--json` owns it.
struct Display {
    ids: Vec<String>,
    live: bool,
    json: bool,
    /// Per run: phase, progress and when the last CI progress line was printed.
    runs: Vec<(Option<Phase>, Progress, Duration)>,
    status_line_shown: bool,
}

impl Display {
    fn new(ids: Vec<String>, live: bool, json: bool) -> Display {
        let runs = vec![(None, Progress::default(), Duration::ZERO); ids.len()];
        Display {
            ids,
            live,
            json,
            runs,
            status_line_shown: false,
        }
    }

    fn note(&mut self, line: &str) {
        self.clear_status();
        write_ignoring_closed(&mut std::io::stderr(), &format!("{line}\n"));
    }

    fn result(&mut self, text: &str) {
        self.clear_status();
        if self.json {
            write_ignoring_closed(&mut std::io::stderr(), text);
        } else {
            write_ignoring_closed(&mut std::io::stdout(), text);
        }
    }

    fn cancel(&mut self, cancel: &watch::Sender<bool>) {
        self.note("glomers: cancelling (stopping the backend and every node)…");
        let _ = cancel.send(true);
    }

    fn show(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::BuildStarted { step } => {
                self.note(&format!("building node binaries: {step}"))
            }
            // A failed build's output comes whole with its verdict; a good
            // build's chatter would only bury the runs.
            SessionEvent::BuildFinished { ok: false, output } => self.note(&output),
            SessionEvent::BuildOutput { .. }
            | SessionEvent::BuildFinished { ok: true, .. }
            | SessionEvent::Done => {}
            SessionEvent::Run { index, event } => self.run_event(index, event),
        }
    }

    fn run_event(&mut self, index: usize, event: RunEvent) {
        let id = self.ids[index].clone();
        match event {
            RunEvent::Started {
                backend,
                program,
                argv,
                work_dir,
                ..
            } => {
                let command = format!("{} {}", program.display(), argv.join(" "));
                self.note(&format!(
                    "[{id}] {backend} in {}: {command}",
                    work_dir.display()
                ));
            }
            RunEvent::Phase(phase) => {
                self.runs[index].0 = Some(phase);
                if self.live {
                    self.draw_status();
                } else if phase != Phase::Done {
                    self.note(&format!("[{id}] {}", phase_name(phase)));
                }
            }
            RunEvent::Progress(progress) => {
                let run = &mut self.runs[index];
                run.1 = progress;
                if self.live {
                    self.draw_status();
                } else if run.0 == Some(Phase::Running)
                    && progress.elapsed >= run.2 + CI_PROGRESS_EVERY
                {
                    run.2 = progress.elapsed;
                    let line = format!("[{id}] {}", progress_text(&progress));
                    self.note(&line);
                }
            }
            RunEvent::Finished(outcome) => {
                self.runs[index].0 = Some(Phase::Done);
                let mut text = output::outcome_text(&outcome);
                if matches!(outcome.status, RunStatus::Failed | RunStatus::Crashed)
                    && let Some(store) = &outcome.store_dir
                {
                    for line in crate::explain::under_fail(store, &outcome.run_id) {
                        text.push_str(&line);
                        text.push('\n');
                    }
                }
                self.result(&text);
            }
            RunEvent::HarnessLine(_) | RunEvent::NodeLog { .. } => {}
        }
    }

    /// One line with every active run, redrawn in place.
    fn draw_status(&mut self) {
        let active: Vec<String> = self
            .runs
            .iter()
            .zip(&self.ids)
            .filter_map(|((phase, progress, _), id)| match phase {
                Some(Phase::Done) | None => None,
                Some(Phase::Running) => Some(format!("[{id}] {}", progress_text(progress))),
                Some(phase) => Some(format!("[{id}] {}", phase_name(*phase))),
            })
            .collect();
        write_ignoring_closed(
            &mut std::io::stderr(),
            &format!("\r\x1b[K{}", active.join("  ")),
        );
        self.status_line_shown = true;
    }

    fn clear_status(&mut self) {
        if self.status_line_shown {
            write_ignoring_closed(&mut std::io::stderr(), "\r\x1b[K");
            self.status_line_shown = false;
        }
    }

    fn totals(&mut self, outcomes: &[RunOutcome]) {
        let passed = outcomes
            .iter()
            .filter(|o| o.status == RunStatus::Passed)
            .count();
        self.note(&format!("{passed}/{} passed", outcomes.len()));
    }
}

/// Progress output must never kill a run: a closed terminal or pipe is ignored.
fn write_ignoring_closed(out: &mut impl Write, text: &str) {
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Starting => "starting",
        Phase::Running => "running",
        Phase::Recovery => "recovery: quiet period and final reads",
        Phase::Analysing => "analysing",
        Phase::Done => "done",
    }
}

fn progress_text(p: &Progress) -> String {
    format!(
        "running {:.0}/{} s · {} ops invoked (ok {}, fail {}, info {})",
        p.elapsed.as_secs_f64(),
        p.time_limit.as_secs(),
        p.ops_invoked,
        p.ops_ok,
        p.ops_fail,
        p.ops_info
    )
}

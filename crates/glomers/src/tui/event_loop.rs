//! The dashboard's one loop: terminal input, the running session's events
//! and termination signals become [`Action`]s; [`Effect`]s from `update`
//! are carried out here; the screen is redrawn at once after a key, and
//! otherwise only when something changed, at most once per [`FRAME`].

use std::io::Stdout;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use runner::backend::{Backend, BackendChoice, BackendKind};
use runner::event::SessionEvent;
use runner::results::RunResults;
use runner::run_log::{RunLog, SkippedLine};
use runner::session::{self, SessionConfig};
use runner::watch::{WatchEvent, WatchSpec};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::Effect;
use super::app::{self, Action, App, SessionRequest};
use super::{latency, ui};

/// Minimum time between two redraws (20 fps).
const FRAME: Duration = Duration::from_millis(50);

/// Where sessions build and record.
pub struct Setup {
    /// Which node each challenge runs (the project's, or ours).
    pub nodes: runner::project::NodePlan,
    pub glomers_dir: PathBuf,
    /// What watch mode watches (the same choice as `glomers watch`), or why nothing can be.
    pub watch: Result<WatchSpec, String>,
}

/// The session or watch loop being run, from the loop's side.
struct Running {
    events: Feed,
    /// A session's cancel, or watch mode's stop.
    cancel: watch::Sender<bool>,
    task: JoinHandle<()>,
}

enum Feed {
    Session(mpsc::Receiver<SessionEvent>),
    Watch(mpsc::Receiver<WatchEvent>),
}

pub async fn run(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    setup: &Setup,
) -> anyhow::Result<()> {
    let mut input = EventStream::new();
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let mut seconds = tokio::time::interval(Duration::from_secs(1));
    seconds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut frames = tokio::time::interval(FRAME);
    frames.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut running: Option<Running> = None;
    // Answers of work done off the loop (reading a run's large files).
    let (background, mut answers) = mpsc::unbounded_channel::<Action>();
    let mut pending = App::startup();
    let mut dirty = true;
    let result = loop {
        for command in std::mem::take(&mut pending) {
            if let Some(action) = execute(command, setup, &mut running, &background) {
                pending.extend(app::update(app, action));
                dirty = true;
            }
        }
        if app.should_quit() {
            break Ok(());
        }
        let action = tokio::select! {
            biased;
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => Action::Key(key),
                // Clicks and wheel notches only: moves and drags would redraw for nothing.
                Some(Ok(Event::Mouse(mouse)))
                    if matches!(
                        mouse.kind,
                        MouseEventKind::Down(MouseButton::Left)
                            | MouseEventKind::ScrollUp
                            | MouseEventKind::ScrollDown
                    ) =>
                {
                    match terminal.size() {
                        Ok(size) => Action::Mouse(mouse, size),
                        Err(e) => break Err(anyhow::Error::new(e).context("cannot read the terminal size")),
                    }
                }
                Some(Ok(Event::Resize(..))) => {
                    dirty = true;
                    continue;
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => break Err(anyhow::Error::new(e).context("cannot read the terminal")),
                None => break Ok(()),
            },
            _ = interrupt.recv() => Action::Terminate,
            _ = terminate.recv() => Action::Terminate,
            Some(answer) = answers.recv() => answer,
            // The Run screen's countdowns move even when the backend is quiet.
            now = seconds.tick(), if running.is_some() => Action::Tick(now.into_std()),
            // Before session events, so a flood of log lines cannot starve redraws.
            _ = frames.tick(), if dirty => {
                if let Err(e) = terminal.draw(|frame| ui::draw(frame, app)) {
                    break Err(anyhow::Error::new(e).context("cannot draw the dashboard"));
                }
                dirty = false;
                continue;
            }
            event = next_event(&mut running) => match event {
                Some(event) => event,
                None => {
                    // The session or watch loop returned and dropped its sender: reap the task.
                    let Some(done) = running.take() else { continue };
                    let _ = done.task.await;
                    match done.events {
                        Feed::Session(_) => continue,
                        Feed::Watch(_) => Action::WatchEnded,
                    }
                }
            },
        };
        let typed = matches!(action, Action::Key(_) | Action::Mouse(..));
        pending.extend(app::update(app, action));
        if typed && !app.should_quit() {
            // Keys and clicks come at human pace: answer them now rather than at the next frame.
            if let Err(e) = terminal.draw(|frame| ui::draw(frame, app)) {
                break Err(anyhow::Error::new(e).context("cannot draw the dashboard"));
            }
            frames.reset();
            dirty = false;
        } else {
            dirty = true;
        }
    };
    if let Some(left) = running.take() {
        // Leaving with a session still running (terminal error): stop it and its processes.
        let _ = left.cancel.send(true);
        let _ = left.task.await;
    }
    result
}

async fn next_event(running: &mut Option<Running>) -> Option<Action> {
    match running.as_mut().map(|r| &mut r.events) {
        Some(Feed::Session(events)) => events.recv().await.map(Action::Session),
        Some(Feed::Watch(events)) => events.recv().await.map(Action::Watch),
        None => std::future::pending().await,
    }
}

/// The status line for run-log lines that could not be read, if any: the
/// first one in full, the others counted (the CLI lists each on stderr).
fn skipped_notice(skipped: &[SkippedLine]) -> Option<String> {
    let first = skipped.first()?;
    let first = format!("runs.jsonl:{} skipped: {}", first.line, first.cause);
    Some(match skipped.len() {
        1 => first,
        n => format!("{first} (and {} more lines)", n - 1),
    })
}

/// Carries out one command; returns its answer, if it has one.
/// Answers that take long (a run log can be tens of thousands of lines) come
/// later through `background` instead, so keys and redraws are not held up.
fn execute(
    command: Effect,
    setup: &Setup,
    running: &mut Option<Running>,
    background: &mpsc::UnboundedSender<Action>,
) -> Option<Action> {
    match command {
        Effect::LoadRuns => {
            let loaded = RunLog::new(&setup.glomers_dir).load();
            if let Some(notice) = loaded
                .as_ref()
                .ok()
                .and_then(|l| skipped_notice(&l.skipped))
            {
                let _ = background.send(Action::Notice(notice));
            }
            Some(Action::RunsLoaded(
                loaded.map(|l| l.runs).map_err(|e| e.to_string()),
            ))
        }
        Effect::LoadResults { run_id, store_dir } => {
            let results =
                RunResults::read(&store_dir.join("results.edn")).map_err(|e| e.to_string());
            Some(Action::ResultsLoaded { run_id, results })
        }
        Effect::LoadRunFiles { run_id, store_dir } => {
            let background = background.clone();
            tokio::task::spawn_blocking(move || {
                let latency = read_text(&store_dir.join("history.edn"))
                    .and_then(|text| latency::latency_chart(&text));
                let tree = read_text(&store_dir.join("results.edn"))
                    .and_then(|text| edn::parse(&text).map_err(|e| format!("results.edn: {e}")));
                // The loop has ended when nobody listens: nothing left to show.
                let _ = background.send(Action::RunFilesLoaded {
                    run_id,
                    latency,
                    tree,
                });
            });
            None
        }
        Effect::Explain { run_id, store_dir } => {
            let background = background.clone();
            tokio::task::spawn_blocking(move || {
                let explanation = explain::explain(&store_dir)
                    .map(|mut e| {
                        e.run_id = run_id.clone();
                        e
                    })
                    .map_err(|e| e.to_string());
                let _ = background.send(Action::Explained {
                    run_id,
                    explanation,
                });
            });
            None
        }
        Effect::Cancel => {
            if let Some(running) = running {
                let _ = running.cancel.send(true);
            }
            None
        }
        Effect::OpenDir { program, dir } => open_dir(&program, &dir, background),
        Effect::StartSession(request) => match session_config(request, setup) {
            Ok(config) => {
                *running = Some(start_session(config));
                None
            }
            Err(e) => Some(Action::Failed(e.to_string())),
        },
        Effect::StartWatch(request) => {
            let started = setup.watch.clone().and_then(|spec| {
                let config = session_config(request, setup).map_err(|e| e.to_string())?;
                Ok(start_watch(spec, config))
            });
            match started {
                Ok(started) => {
                    *running = Some(started);
                    None
                }
                Err(e) => Some(Action::Failed(e)),
            }
        }
    }
}

/// Starts `program dir` in its own process group with no terminal I/O, so it
/// can neither draw over the dashboard nor get its keys, and lives on after
/// it. A thread reaps it and reports a failure; the loop never waits.
fn open_dir(
    program: &std::path::Path,
    dir: &std::path::Path,
    background: &mpsc::UnboundedSender<Action>,
) -> Option<Action> {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let spawned = std::process::Command::new(program)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return Some(Action::Notice(format!(
                "cannot run {}: {e}; store: {}",
                program.display(),
                dir.display()
            )));
        }
    };
    let (background, program, dir) = (background.clone(), program.to_owned(), dir.to_owned());
    // A plain thread, not the runtime's blocking pool: quitting must not wait for a file manager.
    std::thread::spawn(move || {
        let failed = match child.wait() {
            Ok(status) if status.success() => return,
            Ok(status) => status.to_string(),
            Err(e) => e.to_string(),
        };
        let _ = background.send(Action::Notice(format!(
            "cannot open with {} ({failed}): {}",
            program.display(),
            dir.display()
        )));
    });
    None
}

/// A whole file as text; the error names the file.
fn read_text(path: &std::path::Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The SessionConfig a run of `request` gets (watch mode's cycles get the same).
fn session_config(
    request: SessionRequest,
    setup: &Setup,
) -> Result<SessionConfig, runner::backend::BackendError> {
    let choice = match request.backend {
        BackendKind::Sim => BackendChoice::Sim,
        BackendKind::Maelstrom => BackendChoice::Maelstrom,
    };
    // glomers.toml's `[defaults] maelstrom`, as `glomers run` honours it.
    let maelstrom = setup
        .nodes
        .project
        .as_ref()
        .and_then(|p| p.defaults.maelstrom.as_deref());
    let backend = Backend::resolve(choice, maelstrom, Backend::sim_from_current_exe)?;
    let config = SessionConfig {
        challenges: request.challenges,
        profile: request.profile,
        overrides: request.overrides,
        backend,
        nodes: setup.nodes.clone(),
        glomers_dir: setup.glomers_dir.clone(),
        jobs: 1,
    };
    Ok(config)
}

fn start_session(config: SessionConfig) -> Running {
    let (events_tx, events) = mpsc::channel(4096);
    let (cancel, cancelled) = watch::channel(false);
    let task = tokio::spawn(async move {
        session::run_session(config, events_tx, cancelled).await;
    });
    Running {
        events: Feed::Session(events),
        cancel,
        task,
    }
}

/// Starts the watch loop; a failure to watch arrives as watcher trouble
/// before its feed ends.
fn start_watch(spec: WatchSpec, config: SessionConfig) -> Running {
    let (events_tx, events) = mpsc::channel(4096);
    let (stop, stopped) = watch::channel(false);
    let trouble = events_tx.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = runner::watch::watch(spec, config, events_tx, stopped).await {
            let _ = trouble
                .send(WatchEvent::WatcherTrouble(e.to_string()))
                .await;
        }
    });
    Running {
        events: Feed::Watch(events),
        cancel: stop,
        task,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(line: usize) -> SkippedLine {
        SkippedLine {
            path: "/x/runs.jsonl".into(),
            line,
            cause: "not a run summary".into(),
        }
    }

    #[test]
    fn skipped_history_lines_become_one_notice() {
        assert_eq!(skipped_notice(&[]), None);
        assert_eq!(
            skipped_notice(&[skipped(2)]).as_deref(),
            Some("runs.jsonl:2 skipped: not a run summary")
        );
        assert_eq!(
            skipped_notice(&[skipped(2), skipped(5), skipped(9)]).as_deref(),
            Some("runs.jsonl:2 skipped: not a run summary (and 2 more lines)")
        );
    }
}

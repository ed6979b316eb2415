//! The dashboard's side of a session: starting it, cancelling or quitting
//! it, following its events on the Run screen and opening the results when
//! it ends. The session itself runs in `runner`; the event loop carries it.

use runner::backend::BackendKind;
use runner::catalog::Challenge;
use runner::event::{RunEvent, SessionEvent};
use runner::results::RunResults;
use runner::run_log::RunSummary;
use runner::session::RunStatus;

use super::app::{App, Effect, Screen, SessionRequest, run_files};
use super::live::{self, Change, LiveSession};
use super::screens::results::ResultsView;
use super::screens::run::RunView;

/// The backend's reason, with what to do about it in the dashboard, which
/// (unlike `glomers run`) takes no `--maelstrom` flag.
pub fn explain_failure(message: String) -> String {
    let message = message.replace("pass --maelstrom PATH, set $MAELSTROM", "set $MAELSTROM");
    if message.contains("$MAELSTROM") {
        format!(
            "{message}\n\nThe dashboard reads $MAELSTROM when it starts: quit, then \
             `MAELSTROM=/path/to/maelstrom glomers`. Or press b to go back to the simulator."
        )
    } else {
        message
    }
}

/// Leaves, stopping a running session first.
pub fn quit(app: &mut App) -> Vec<Effect> {
    app.quitting = true;
    let stopping = cancel(app);
    app.interrupted |= !stopping.is_empty();
    stopping
}

pub fn cancel(app: &mut App) -> Vec<Effect> {
    if let Some(watch) = app.watch.as_mut() {
        if watch.stopping {
            return Vec::new();
        }
        watch.stopping = true;
        if let Some(session) = app.session.as_mut().filter(|s| s.active()) {
            session.cancelling = true;
        }
        app.notice = Some("stopping watch mode: its cycle, the backend and every node…".into());
        return vec![Effect::Cancel];
    }
    match app.session.as_mut() {
        Some(session) if session.active() && !session.cancelling => {
            session.cancelling = true;
            app.notice = Some("cancelling: stopping the backend and every node…".into());
            vec![Effect::Cancel]
        }
        _ => Vec::new(),
    }
}

/// Starts a session of `challenges` and shows it on the Run screen.
pub fn start(app: &mut App, challenges: Vec<Challenge>) -> Vec<Effect> {
    if app.session_active() || app.watch.is_some() {
        app.notice = Some("a session is still running: cancel it first (2, then c)".into());
        return Vec::new();
    }
    show_new(app, &challenges);
    open_run(app);
    vec![Effect::StartSession(SessionRequest {
        challenges,
        profile: app.profile,
        backend: app.backend,
        overrides: app.overrides.clone(),
    })]
}

/// A fresh session of `challenges` on the Run screen.
pub fn show_new(app: &mut App, challenges: &[Challenge]) {
    let mut session = LiveSession::new(challenges.iter().map(|c| c.id.to_string()));
    let simulator = app.backend == BackendKind::Sim;
    for (run, challenge) in session.runs.iter_mut().zip(challenges) {
        run.recovery_s =
            live::recovery_s(&challenge.params(app.profile, simulator, &app.overrides));
    }
    app.session = Some(session);
    app.run_view = RunView::default();
}

/// Starts showing a session (or watch mode's first cycle) on the Run screen.
pub fn open_run(app: &mut App) {
    app.challenges_view.selected.clear();
    app.go(Screen::Run);
}

pub fn on_event(app: &mut App, event: SessionEvent) -> Vec<Effect> {
    let Some(session) = app.session.as_mut() else {
        return Vec::new();
    };
    let new_phase = match &event {
        SessionEvent::Run {
            index,
            event: RunEvent::Phase(_),
        } => Some(*index),
        _ => None,
    };
    let change = session.apply(event);
    if let Some(run) = new_phase.and_then(|i| session.runs.get_mut(i)) {
        run.phase_since = app.now;
    }
    let view = &mut app.run_view;
    match change {
        Change::RunStarted(run) => view.select_run(run),
        Change::NodeAdded { run, position }
            if run == view.run && position <= view.node && session.runs[run].nodes.len() > 1 =>
        {
            // Keep showing the same node when one sorts in before it.
            view.node += 1;
        }
        Change::NodeLine { run, position }
            if run == view.run && position == view.node && !view.follow =>
        {
            // Scrolled back: keep the same lines in view while new ones arrive.
            let newest = session.runs[run].nodes[position]
                .1
                .lines()
                .last()
                .unwrap_or_default();
            if view.shows(newest) {
                view.scroll += 1;
            }
        }
        Change::SessionDone => return session_done(app),
        _ => {}
    }
    Vec::new()
}

/// Shows the last run's results (and a comparison when two runs finished),
/// unless the build failed, and reloads the run log.
fn session_done(app: &mut App) -> Vec<Effect> {
    let Some(session) = app.session.as_ref() else {
        return Vec::new();
    };
    let summaries: Vec<(RunSummary, Option<RunResults>)> = session
        .runs
        .iter()
        .filter_map(|r| r.outcome.as_ref())
        .map(|o| (RunSummary::from(o.as_ref()), o.results.clone()))
        .collect();
    if let [(a, _), (b, _)] = summaries.as_slice() {
        app.compare = Some((a.clone(), b.clone()));
    }
    let mut commands = Vec::new();
    // In watch mode the Results screen follows each cycle; a cycle cut short by a change shows nothing.
    let following =
        app.screen == Screen::Run || (app.watch.is_some() && app.screen == Screen::Results);
    // A failed build stays on Run, where its output is: Results would only
    // repeat the first line of it.
    if let Some((summary, results)) = summaries.last().cloned()
        && following
        && session.build_error.is_none()
        && !session.cancelling
        && summary.status != RunStatus::Cancelled
    {
        app.run_view.run = session.runs.len() - 1;
        commands = run_files(&summary);
        app.results = Some(ResultsView::new(summary, results));
        app.go(Screen::Results);
    }
    let passed = summaries.iter().filter(|(s, _)| s.passed).count();
    app.notice = Some(match &app.watch {
        Some(watch) => format!(
            "watch cycle {}: {passed}/{} passed · waiting for a change",
            watch.cycle,
            summaries.len()
        ),
        None => format!("session finished: {passed}/{} passed", summaries.len()),
    });
    commands.push(Effect::LoadRuns);
    commands
}

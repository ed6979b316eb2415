//! Watch mode in the dashboard: `w` starts `runner::watch` for the chosen
//! challenges, each cycle becomes a fresh session on the Run screen (its
//! events go through `session::on_event`, like any run), and `w`, `c` or
//! quitting stop it through the same cancel path as a session.

use runner::catalog::Challenge;
use runner::watch::WatchEvent;

use super::app::{App, Effect, SessionRequest};
use super::session;

/// Watch mode is on: the loop runs cycles until stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchMode {
    pub challenges: Vec<Challenge>,
    /// The current (or last) cycle, 0 before the first starts.
    pub cycle: u32,
    /// Asked to stop; the loop is cancelling its cycle.
    pub stopping: bool,
}

/// `w`: stops watch mode when it is on, else starts it for `challenges`.
pub fn toggle(app: &mut App, challenges: Vec<Challenge>) -> Vec<Effect> {
    if app.watch.is_some() {
        return session::cancel(app);
    }
    if app.session_active() {
        app.notice = Some("a session is still running: cancel it first (2, then c)".into());
        return Vec::new();
    }
    let ids: Vec<&str> = challenges.iter().map(|c| c.id).collect();
    app.notice = Some(format!(
        "watching for changes: every save reruns {} (w stops)",
        ids.join(", ")
    ));
    let request = SessionRequest {
        challenges: challenges.clone(),
        profile: app.profile,
        backend: app.backend,
        overrides: app.overrides.clone(),
    };
    // The Run screen shows the first cycle as soon as it starts.
    session::show_new(app, &challenges);
    session::open_run(app);
    app.watch = Some(WatchMode {
        challenges,
        cycle: 0,
        stopping: false,
    });
    vec![Effect::StartWatch(request)]
}

/// One event of the watch loop.
pub fn on_event(app: &mut App, event: WatchEvent) -> Vec<Effect> {
    let Some(watch) = app.watch.as_mut() else {
        return Vec::new();
    };
    match event {
        WatchEvent::CycleStarted { cycle, changed } => {
            watch.cycle = cycle;
            let challenges = watch.challenges.clone();
            if cycle > 1 {
                session::show_new(app, &challenges);
                let names: Vec<String> = changed
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                app.notice = Some(format!("watch cycle {cycle}: {} changed", names.join(", ")));
            }
            Vec::new()
        }
        WatchEvent::Session { event, .. } => session::on_event(app, event),
        WatchEvent::CycleFinished { .. } | WatchEvent::CycleCancelled { .. } => Vec::new(),
        WatchEvent::WatcherTrouble(trouble) => {
            app.notice = Some(format!("watcher: {trouble}"));
            Vec::new()
        }
    }
}

/// The watch loop returned (stopped, or it could not watch).
pub fn ended(app: &mut App) -> Vec<Effect> {
    app.watch = None;
    if let Some(session) = app.session.as_mut() {
        session.done = true;
    }
    if !app.quitting {
        app.notice = Some("watch mode stopped".into());
    }
    Vec::new()
}

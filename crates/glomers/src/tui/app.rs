//! The dashboard's state, the [`Action`]s that change it and the pure
//! [`update`] function: routing between screens, the overlays that take the
//! keyboard (help, confirmations and popups in `overlay`, typed input, the
//! parameter form). Each screen's own state, keys, clicks and drawing live
//! in `screens`; starting and following the session, in `session`.
//! `update` does no I/O: what needs the outside world (start or cancel a
//! session, read the run log or a results file) comes back as [`Effect`]s
//! for the event loop to carry out.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Rect, Size};
use regex::Regex;
use runner::backend::BackendKind;
use runner::catalog::{self, Challenge, Overrides, Profile};
use runner::event::SessionEvent;
use runner::results::RunResults;
use runner::run_log::RunSummary;
use runner::watch::WatchEvent;

use super::form::{Form, FormOutcome};
use super::frontier::{self, Frontier};
use super::latency::LatencyChart;
use super::live::LiveSession;
use super::open::{self, OpenPlan};
use super::overlay::{self, Confirmed, Overlay};
use super::screens::challenges::{self, ChallengesView};
use super::screens::results::{self, ResultsView};
use super::screens::run::{self, RunView};
use super::screens::runs::{self, RunsView};
use super::screens::why;
use super::screens::{WHEEL_LINES, compare};
use super::session;
use super::ui;
use super::watching::{self, WatchMode};

/// The header row starts with this, then the tabs.
pub const BRAND: &str = " glomers ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Challenges,
    Run,
    Results,
    Compare,
    Runs,
}

impl Screen {
    pub const ALL: [Screen; 5] = [
        Screen::Challenges,
        Screen::Run,
        Screen::Results,
        Screen::Compare,
        Screen::Runs,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Challenges => "Challenges",
            Screen::Run => "Run",
            Screen::Results => "Results",
            Screen::Compare => "Compare",
            Screen::Runs => "Runs",
        }
    }

    /// The label of its tab in the header; `1`-`5` selects it.
    pub fn tab(self) -> String {
        format!(" {} {} ", self.number(), self.title())
    }

    /// The tab when the header is short of room: the number alone.
    pub fn short_tab(self) -> String {
        format!(" {} ", self.number())
    }

    fn number(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

/// Something that happened: a key, a session event, or the answer to an [`Effect`].
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    /// A click or wheel notch, with the terminal's size to place it.
    Mouse(MouseEvent, Size),
    Session(SessionEvent),
    /// An event of watch mode's loop.
    Watch(WatchEvent),
    /// Watch mode's loop returned.
    WatchEnded,
    RunsLoaded(Result<Vec<RunSummary>, String>),
    ResultsLoaded {
        run_id: String,
        results: Result<RunResults, String>,
    },
    /// The answer to [`Effect::LoadRunFiles`].
    RunFilesLoaded {
        run_id: String,
        latency: Result<LatencyChart, String>,
        tree: Result<edn::Value, String>,
    },
    /// The answer to [`Effect::Explain`].
    Explained {
        run_id: String,
        explanation: Result<explain::Explanation, String>,
    },
    /// A command could not be carried out (e.g. real Maelstrom is missing).
    Failed(String),
    /// Something for the status line that changes nothing else.
    Notice(String),
    /// SIGTERM or SIGINT from outside.
    Terminate,
    /// The clock, once a second while a session runs (for countdowns).
    Tick(Instant),
}

/// Work for the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    StartSession(SessionRequest),
    /// Start watch mode: a session like this one on every change.
    StartWatch(SessionRequest),
    /// Stop the running session or watch mode (its cycle too).
    Cancel,
    LoadRuns,
    LoadResults {
        run_id: String,
        store_dir: PathBuf,
    },
    /// Read the store's `history.edn` (latency chart) and `results.edn` (tree).
    LoadRunFiles {
        run_id: String,
        store_dir: PathBuf,
    },
    /// Draw the findings of a failed run from its store (`explain`).
    Explain {
        run_id: String,
        store_dir: PathBuf,
    },
    /// Run `program dir` detached, without waiting for it.
    OpenDir {
        program: PathBuf,
        dir: PathBuf,
    },
}

/// What to run; the event loop adds the paths and resolves the backend.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRequest {
    pub challenges: Vec<Challenge>,
    pub profile: Profile,
    pub backend: BackendKind,
    pub overrides: Overrides,
}

/// What a line of typed text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    /// Regex over the node-log pane.
    LogFilter,
    /// Challenge id filter of the Runs screen.
    RunsFilter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub purpose: InputPurpose,
    pub text: String,
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct App {
    pub challenges: Vec<Challenge>,
    /// Every past run, oldest first.
    pub runs: Vec<RunSummary>,
    pub screen: Screen,
    /// Where esc goes back to, most recent last.
    pub back: Vec<Screen>,
    /// Help, confirmation or popup over the screen; it has the keyboard.
    pub overlay: Option<Overlay>,
    pub color: bool,
    pub backend: BackendKind,
    pub profile: Profile,
    pub overrides: Overrides,
    pub challenges_view: ChallengesView,
    pub form: Option<Form>,
    pub input: Option<Input>,
    pub session: Option<LiveSession>,
    /// On while `w` watch mode runs; `session` is its current cycle.
    pub watch: Option<WatchMode>,
    pub run_view: RunView,
    pub results: Option<ResultsView>,
    pub compare: Option<(RunSummary, RunSummary)>,
    /// 3d/3e runs per node setting, when the run log has several settings.
    pub frontier: Option<Frontier>,
    pub runs_view: RunsView,
    /// What opens a store directory (see [`open::find_opener`]).
    pub opener: Result<PathBuf, String>,
    /// For the status line (wrapped when long): an error or what just happened.
    pub notice: Option<String>,
    pub quitting: bool,
    /// Quitting stopped a running session (exit status 130, like `glomers run`).
    pub interrupted: bool,
    /// The latest [`Action::Tick`].
    pub now: Option<Instant>,
}

impl App {
    pub fn new(color: bool) -> App {
        App {
            challenges: catalog::all(),
            runs: Vec::new(),
            screen: Screen::Challenges,
            back: Vec::new(),
            overlay: None,
            color,
            backend: BackendKind::Sim,
            profile: Profile::Official,
            overrides: Overrides::default(),
            challenges_view: ChallengesView::default(),
            form: None,
            input: None,
            session: None,
            watch: None,
            run_view: RunView::default(),
            results: None,
            compare: None,
            frontier: None,
            runs_view: RunsView::default(),
            opener: Err("no opener looked up".into()),
            notice: None,
            quitting: false,
            interrupted: false,
            now: None,
        }
    }

    /// Shows `screen`, remembering this one for esc.
    pub fn go(&mut self, screen: Screen) {
        /// Enough to retrace any path through five screens.
        const REMEMBERED: usize = 16;
        if screen != self.screen {
            if self.back.len() == REMEMBERED {
                self.back.remove(0);
            }
            self.back.push(self.screen);
            self.screen = screen;
        }
    }

    /// Esc: the screen this one was opened from (Challenges at the start).
    pub fn go_back(&mut self) {
        self.screen = self.back.pop().unwrap_or(Screen::Challenges);
    }

    /// 130 when quitting interrupted a running session, as `glomers run` does.
    pub fn exit_code(&self) -> ExitCode {
        if self.interrupted {
            ExitCode::from(130)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// The commands to run once at start-up.
    pub fn startup() -> Vec<Effect> {
        vec![Effect::LoadRuns]
    }

    /// True once the user asked to quit and no session is still stopping.
    pub fn should_quit(&self) -> bool {
        self.quitting && !self.session_active() && self.watch.is_none()
    }

    pub fn session_active(&self) -> bool {
        self.session.as_ref().is_some_and(LiveSession::active)
    }

    /// The newest recorded run of challenge `id`.
    pub fn latest_run(&self, id: &str) -> Option<&RunSummary> {
        self.runs.iter().rev().find(|r| r.challenge == id)
    }

    /// Runs shown on the Runs screen: newest first, filtered.
    pub fn run_rows(&self) -> Vec<&RunSummary> {
        let filter = self.runs_view.filter.as_str();
        self.runs
            .iter()
            .rev()
            .filter(|r| r.challenge.contains(filter))
            .collect()
    }
}

/// Applies one action; returns the work it needs done outside.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => on_key(app, key),
        Action::Mouse(mouse, size) => on_mouse(app, mouse, size),
        Action::Session(event) => session::on_event(app, event),
        Action::Watch(event) => watching::on_event(app, event),
        Action::WatchEnded => watching::ended(app),
        Action::RunsLoaded(Ok(runs)) => {
            app.runs = runs;
            app.frontier = frontier::frontier(&app.runs);
            let shown = app.run_rows().len();
            app.runs_view.cursor = app.runs_view.cursor.min(shown.saturating_sub(1));
            Vec::new()
        }
        Action::RunsLoaded(Err(e)) => {
            app.notice = Some(format!("cannot read the run log: {e}"));
            Vec::new()
        }
        Action::ResultsLoaded { run_id, results } => {
            if let Some(view) = app.results.as_mut().filter(|v| v.summary.run_id == run_id) {
                match results {
                    Ok(results) => view.results = Some(results),
                    Err(e) => view.load_error = Some(e),
                }
            }
            Vec::new()
        }
        Action::RunFilesLoaded {
            run_id,
            latency,
            tree,
        } => {
            if let Some(view) = app.results.as_mut().filter(|v| v.summary.run_id == run_id) {
                view.latency = Some(latency);
                view.tree = Some(tree);
            }
            Vec::new()
        }
        Action::Explained {
            run_id,
            explanation,
        } => {
            why::loaded(app, &run_id, explanation);
            Vec::new()
        }
        Action::Failed(message) => {
            if app
                .session
                .as_ref()
                .is_some_and(|s| s.runs.iter().all(|r| r.run_id.is_none()))
            {
                app.session = None;
                app.watch = None;
                app.back.clear();
                app.screen = Screen::Challenges;
            }
            app.overlay = Some(Overlay::popup(
                "could not start",
                session::explain_failure(message),
            ));
            Vec::new()
        }
        Action::Notice(message) => {
            app.notice = Some(message);
            Vec::new()
        }
        Action::Terminate => session::quit(app),
        Action::Tick(now) => {
            app.now = Some(now);
            Vec::new()
        }
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    app.notice = None;
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return session::quit(app);
    }
    if let Some(form) = app.form.as_mut() {
        match form.handle(key) {
            FormOutcome::Editing => {}
            FormOutcome::Cancelled => app.form = None,
            FormOutcome::Applied(overrides) => {
                app.overrides = overrides;
                app.form = None;
                app.notice = Some("parameters set for the next runs".into());
            }
        }
        return Vec::new();
    }
    if app.input.is_some() {
        on_input_key(app, key);
        return Vec::new();
    }
    if let Some(open) = app.overlay.take() {
        return overlay::on_key(app, open, key);
    }
    match key.code {
        KeyCode::Char('?') => {
            app.overlay = Some(Overlay::Help { scroll: 0 });
            return Vec::new();
        }
        KeyCode::Char('q') if app.watch.as_ref().is_some_and(|w| !w.stopping) => {
            app.overlay = Some(Overlay::confirm(
                "Watch mode is on. Quit and stop it?",
                Confirmed::Quit,
            ));
            return Vec::new();
        }
        KeyCode::Char('q')
            if app
                .session
                .as_ref()
                .is_some_and(|s| s.active() && !s.cancelling) =>
        {
            app.overlay = Some(Overlay::confirm(
                "A session is running. Quit and cancel it?",
                Confirmed::Quit,
            ));
            return Vec::new();
        }
        KeyCode::Char('q') => return session::quit(app),
        KeyCode::Char(c @ '1'..='5') => {
            app.go(Screen::ALL[usize::from(c as u8 - b'1')]);
            return Vec::new();
        }
        _ => {}
    }
    match app.screen {
        Screen::Challenges => challenges::on_key(app, key),
        Screen::Run => run::on_key(app, key),
        Screen::Runs => runs::on_key(app, key),
        Screen::Results => results::on_key(app, key),
        Screen::Compare => compare::on_key(app, key),
    }
}

/// The wheel moves what the arrow keys move; a left click picks a tab or a
/// row of the Challenges or Runs list. Ignored while an overlay or a
/// prompt has the keyboard, so it cannot act behind them.
fn on_mouse(app: &mut App, mouse: MouseEvent, size: Size) -> Vec<Effect> {
    // The wheel scrolls the help and popups like the arrow keys do; nothing else reaches them.
    let scrollable = matches!(app.overlay, Some(Overlay::Help { .. } | Overlay::Popup(_)));
    let notch = match mouse.kind {
        MouseEventKind::ScrollUp => Some(KeyCode::Up),
        MouseEventKind::ScrollDown => Some(KeyCode::Down),
        _ => None,
    };
    if let (true, Some(code)) = (scrollable, notch) {
        return on_key(app, KeyEvent::new(code, KeyModifiers::NONE));
    }
    if app.form.is_some() || app.input.is_some() || app.overlay.is_some() {
        return Vec::new();
    }
    let wheel = |app: &mut App, code: KeyCode| {
        let notches = if app.screen == Screen::Run {
            WHEEL_LINES
        } else {
            1
        };
        (0..notches)
            .flat_map(|_| on_key(app, KeyEvent::new(code, KeyModifiers::NONE)))
            .collect()
    };
    match mouse.kind {
        MouseEventKind::ScrollUp => wheel(app, KeyCode::Up),
        MouseEventKind::ScrollDown => wheel(app, KeyCode::Down),
        MouseEventKind::Down(MouseButton::Left) => {
            click(app, mouse.column, mouse.row, size);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// A click on a tab opens its screen; below the header, the screen decides.
fn click(app: &mut App, column: u16, row: u16, size: Size) {
    app.notice = None;
    let body = ui::frame_layout(Rect::from((ratatui::layout::Position::ORIGIN, size)), app).body;
    if row < body.y {
        if let Some(screen) = ui::tab_at(app, size.width, column) {
            app.go(screen);
        }
        return;
    }
    match app.screen {
        Screen::Challenges => challenges::on_click(app, body, row),
        Screen::Runs => runs::on_click(app, body, row),
        _ => {}
    }
}

/// `o`: hands the run's store directory to the opener, or says where it is.
pub fn open_store(app: &mut App, run: &RunSummary) -> Vec<Effect> {
    match open::plan(run, &app.opener) {
        OpenPlan::Spawn {
            program,
            dir,
            notice,
        } => {
            app.notice = Some(notice);
            vec![Effect::OpenDir { program, dir }]
        }
        OpenPlan::Tell(notice) => {
            app.notice = Some(notice);
            Vec::new()
        }
    }
}

/// Opens a run from the run log; its full results are read from its store.
pub fn open_recorded(app: &mut App, summary: RunSummary) -> Vec<Effect> {
    let mut load = run_files(&summary);
    if let Some(store_dir) = summary.store_dir.clone() {
        load.insert(
            0,
            Effect::LoadResults {
                run_id: summary.run_id.clone(),
                store_dir,
            },
        );
    }
    app.results = Some(ResultsView::new(summary, None));
    app.go(Screen::Results);
    load
}

/// Reading the chart's and the tree's files, when the run kept a store.
pub fn run_files(summary: &RunSummary) -> Vec<Effect> {
    summary
        .store_dir
        .clone()
        .map(|store_dir| Effect::LoadRunFiles {
            run_id: summary.run_id.clone(),
            store_dir,
        })
        .into_iter()
        .collect()
}

fn on_input_key(app: &mut App, key: KeyEvent) {
    let Some(input) = app.input.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Esc => {
            match input.purpose {
                InputPurpose::LogFilter => app.run_view.filter = None,
                InputPurpose::RunsFilter => app.runs_view.filter.clear(),
            }
            app.input = None;
        }
        KeyCode::Backspace => {
            input.text.pop();
        }
        KeyCode::Char(c) if !c.is_control() => input.text.push(c),
        KeyCode::Enter => match input.purpose {
            InputPurpose::LogFilter if input.text.is_empty() => {
                app.run_view.filter = None;
                app.input = None;
            }
            InputPurpose::LogFilter => match Regex::new(&input.text) {
                Ok(filter) => {
                    app.run_view.filter = Some(filter);
                    app.run_view.scroll = 0;
                    app.input = None;
                }
                Err(e) => {
                    input.error = Some(
                        e.to_string()
                            .lines()
                            .last()
                            .unwrap_or("bad regex")
                            .trim()
                            .to_string(),
                    )
                }
            },
            InputPurpose::RunsFilter => {
                app.runs_view.filter = input.text.trim().to_string();
                app.runs_view.cursor = 0;
                app.input = None;
            }
        },
        _ => {}
    }
}

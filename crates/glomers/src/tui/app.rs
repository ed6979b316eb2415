//! All dashboard state, the [`Action`]s that change it and the pure
//! [`update`] function. `update` does no I/O: what needs the outside world
//! (start or cancel a session, read the history or a results file) comes
//! back as [`Command`]s for the event loop to execute.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Size;
use regex::Regex;
use runner::backend::BackendKind;
use runner::catalog::{self, Challenge, Overrides, Profile};
use runner::event::SessionEvent;
use runner::history::RunSummary;
use runner::results::RunResults;

use super::form::{Form, FormOutcome};
use super::frontier::{self, Frontier};
use super::latency::LatencyChart;
use super::live::{Change, LiveSession};
use super::open::{self, OpenPlan};
use super::tree::{self, NodePath};

/// Lines moved by PgUp/PgDn in the node-log pane and the results tree.
pub const PAGE: usize = 10;
/// Log lines moved by one notch of the mouse wheel.
pub const WHEEL_LINES: usize = 3;
/// Rows under the Challenges table for the selected challenge's details.
pub const CHALLENGE_DETAILS_HEIGHT: u16 = 4;
/// The header row starts with this, then the tabs.
pub const BRAND: &str = " glomers ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Challenges,
    Run,
    Results,
    Compare,
    History,
}

impl Screen {
    pub const ALL: [Screen; 5] = [
        Screen::Challenges,
        Screen::Run,
        Screen::Results,
        Screen::Compare,
        Screen::History,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Challenges => "Challenges",
            Screen::Run => "Run",
            Screen::Results => "Results",
            Screen::Compare => "Compare",
            Screen::History => "History",
        }
    }

    /// The label of its tab in the header; `1`-`5` selects it.
    pub fn tab(self) -> String {
        let number = Screen::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1;
        format!(" {number} {} ", self.title())
    }

    /// The screen whose tab covers `column` of the header row.
    pub fn tab_at(column: u16) -> Option<Screen> {
        let mut start = BRAND.chars().count();
        Screen::ALL.into_iter().find(|screen| {
            let end = start + screen.tab().chars().count();
            let hit = (start..end).contains(&usize::from(column));
            start = end;
            hit
        })
    }
}

/// Something that happened: a key, a session event, or the answer to a [`Command`].
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    /// A click or wheel notch, with the terminal's size to place it.
    Mouse(MouseEvent, Size),
    Session(SessionEvent),
    HistoryLoaded(Result<Vec<RunSummary>, String>),
    ResultsLoaded {
        run_id: String,
        results: Result<RunResults, String>,
    },
    /// The answer to [`Command::LoadRunFiles`].
    RunFilesLoaded {
        run_id: String,
        latency: Result<LatencyChart, String>,
        tree: Result<edn::Value, String>,
    },
    /// A command could not be carried out (e.g. real Maelstrom is missing).
    Failed(String),
    /// Something for the status line that changes nothing else.
    Notice(String),
    /// SIGTERM or SIGINT from outside.
    Terminate,
}

/// Work for the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    StartSession(SessionRequest),
    Cancel,
    LoadHistory,
    LoadResults {
        run_id: String,
        store_dir: PathBuf,
    },
    /// Read the store's `history.edn` (latency chart) and `results.edn` (tree).
    LoadRunFiles {
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

/// The node-log pane of the Run screen.
#[derive(Debug, Clone)]
pub struct RunView {
    /// Which run of the session is shown.
    pub run: usize,
    /// Which node's log is shown (position in the run's node list).
    pub node: usize,
    /// Stick to the newest line.
    pub follow: bool,
    /// Matching lines between the bottom of the pane and the newest line (when not following).
    pub scroll: usize,
    pub filter: Option<Regex>,
}

impl Default for RunView {
    fn default() -> RunView {
        RunView {
            run: 0,
            node: 0,
            follow: true,
            scroll: 0,
            filter: None,
        }
    }
}

impl RunView {
    pub fn shows(&self, line: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.is_match(line))
    }
}

/// What a line of typed text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    /// Regex over the node-log pane.
    LogFilter,
    /// Challenge id filter of the History screen.
    HistoryFilter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub purpose: InputPurpose,
    pub text: String,
    pub error: Option<String>,
}

/// One run opened on the Results screen.
#[derive(Debug, Clone)]
pub struct ResultsView {
    pub summary: RunSummary,
    /// Full results (all latency quantiles, op stats, anomalies) when available.
    pub results: Option<RunResults>,
    pub load_error: Option<String>,
    /// Latency over time from `history.edn`; `None` until read.
    pub latency: Option<Result<LatencyChart, String>>,
    /// The whole `results.edn`; `None` until read.
    pub tree: Option<Result<edn::Value, String>>,
    pub tree_view: TreeView,
}

impl ResultsView {
    fn new(summary: RunSummary, results: Option<RunResults>) -> ResultsView {
        ResultsView {
            summary,
            results,
            load_error: None,
            latency: None,
            tree: None,
            tree_view: TreeView::default(),
        }
    }

    /// The rows of the results tree as currently folded (none before it is read).
    pub fn tree_rows(&self) -> Vec<tree::TreeRow> {
        match &self.tree {
            Some(Ok(value)) => tree::rows(value, &self.tree_view.toggled),
            _ => Vec::new(),
        }
    }
}

/// The results tree toggled with `t` on the Results screen.
#[derive(Debug, Clone, Default)]
pub struct TreeView {
    /// Shown instead of the summary.
    pub shown: bool,
    /// Selected row among the visible rows.
    pub cursor: usize,
    /// Nodes opened or folded by the user (see [`tree::is_open`]).
    pub toggled: std::collections::BTreeSet<NodePath>,
}

#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    /// Position in the filtered, newest-first list.
    pub cursor: usize,
    /// Challenge id filter (substring); empty shows all.
    pub filter: String,
    /// Run id marked with `m` for comparison.
    pub marked: Option<String>,
}

#[derive(Debug)]
pub struct App {
    pub challenges: Vec<Challenge>,
    /// Every past run, oldest first.
    pub history: Vec<RunSummary>,
    pub screen: Screen,
    pub help: bool,
    pub color: bool,
    pub backend: BackendKind,
    pub profile: Profile,
    pub overrides: Overrides,
    pub challenge_cursor: usize,
    pub selected: BTreeSet<usize>,
    pub form: Option<Form>,
    pub input: Option<Input>,
    pub session: Option<LiveSession>,
    pub run_view: RunView,
    pub results: Option<ResultsView>,
    pub compare: Option<(RunSummary, RunSummary)>,
    /// 3d/3e runs per node setting, when the history has several settings.
    pub frontier: Option<Frontier>,
    pub history_view: HistoryView,
    /// What opens a store directory (see [`open::find_opener`]).
    pub opener: Result<PathBuf, String>,
    /// One line for the footer: an error or what just happened.
    pub notice: Option<String>,
    pub quitting: bool,
}

impl App {
    pub fn new(color: bool) -> App {
        App {
            challenges: catalog::all(),
            history: Vec::new(),
            screen: Screen::Challenges,
            help: false,
            color,
            backend: BackendKind::Sim,
            profile: Profile::Official,
            overrides: Overrides::default(),
            challenge_cursor: 0,
            selected: BTreeSet::new(),
            form: None,
            input: None,
            session: None,
            run_view: RunView::default(),
            results: None,
            compare: None,
            frontier: None,
            history_view: HistoryView::default(),
            opener: Err("no opener looked up".into()),
            notice: None,
            quitting: false,
        }
    }

    /// The commands to run once at start-up.
    pub fn startup() -> Vec<Command> {
        vec![Command::LoadHistory]
    }

    /// True once the user asked to quit and no session is still stopping.
    pub fn should_quit(&self) -> bool {
        self.quitting && !self.session_active()
    }

    pub fn session_active(&self) -> bool {
        self.session.as_ref().is_some_and(LiveSession::active)
    }

    /// The newest recorded run of challenge `id`.
    pub fn latest_run(&self, id: &str) -> Option<&RunSummary> {
        self.history.iter().rev().find(|r| r.id == id)
    }

    /// History runs shown on the History screen: newest first, filtered.
    pub fn history_rows(&self) -> Vec<&RunSummary> {
        let filter = self.history_view.filter.as_str();
        self.history
            .iter()
            .rev()
            .filter(|r| r.id.contains(filter))
            .collect()
    }
}

/// Applies one action; returns the work it needs done outside.
pub fn update(app: &mut App, action: Action) -> Vec<Command> {
    match action {
        Action::Key(key) => on_key(app, key),
        Action::Mouse(mouse, size) => on_mouse(app, mouse, size),
        Action::Session(event) => on_session_event(app, event),
        Action::HistoryLoaded(Ok(runs)) => {
            app.history = runs;
            app.frontier = frontier::frontier(&app.history);
            let shown = app.history_rows().len();
            app.history_view.cursor = app.history_view.cursor.min(shown.saturating_sub(1));
            Vec::new()
        }
        Action::HistoryLoaded(Err(e)) => {
            app.notice = Some(format!("cannot read the history: {e}"));
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
        Action::Failed(message) => {
            if app
                .session
                .as_ref()
                .is_some_and(|s| s.runs.iter().all(|r| r.run_id.is_none()))
            {
                app.session = None;
                app.screen = Screen::Challenges;
            }
            app.notice = Some(message);
            Vec::new()
        }
        Action::Notice(message) => {
            app.notice = Some(message);
            Vec::new()
        }
        Action::Terminate => quit(app),
    }
}

fn quit(app: &mut App) -> Vec<Command> {
    app.quitting = true;
    cancel(app)
}

fn cancel(app: &mut App) -> Vec<Command> {
    match app.session.as_mut() {
        Some(session) if session.active() && !session.cancelling => {
            session.cancelling = true;
            app.notice = Some("cancelling: stopping the backend and every node…".into());
            vec![Command::Cancel]
        }
        _ => Vec::new(),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    app.notice = None;
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return quit(app);
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
    if app.help {
        app.help = false;
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('?') => {
            app.help = true;
            return Vec::new();
        }
        KeyCode::Char('q') => return quit(app),
        KeyCode::Char(c @ '1'..='5') => {
            app.screen = Screen::ALL[usize::from(c as u8 - b'1')];
            return Vec::new();
        }
        _ => {}
    }
    match app.screen {
        Screen::Challenges => challenges_key(app, key),
        Screen::Run => run_key(app, key),
        Screen::History => history_key(app, key),
        Screen::Results => results_key(app, key),
        Screen::Compare => {
            if key.code == KeyCode::Esc {
                app.screen = Screen::Challenges;
            }
            Vec::new()
        }
    }
}

/// The wheel moves what the arrow keys move; a left click picks a tab or a
/// row of the Challenges or History list. Ignored while an overlay or a
/// prompt has the keyboard, so it cannot act behind them.
fn on_mouse(app: &mut App, mouse: MouseEvent, size: Size) -> Vec<Command> {
    if app.form.is_some() || app.input.is_some() || app.help {
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

fn click(app: &mut App, column: u16, row: u16, size: Size) {
    app.notice = None;
    if row == 0 {
        if let Some(screen) = Screen::tab_at(column) {
            app.screen = screen;
        }
        return;
    }
    // Both lists are bordered tables with a header, at the top of the body (row 1).
    let body = size.height.saturating_sub(2);
    match app.screen {
        Screen::Challenges => {
            let height = body.saturating_sub(CHALLENGE_DETAILS_HEIGHT);
            let len = app.challenges.len();
            if let Some(i) = clicked_row(row, height, app.challenge_cursor, len) {
                app.challenge_cursor = i;
            }
        }
        Screen::History => {
            let len = app.history_rows().len();
            if let Some(i) = clicked_row(row, body, app.history_view.cursor, len) {
                app.history_view.cursor = i;
            }
        }
        _ => {}
    }
}

/// The list item drawn at screen row `y` by a bordered table with a header
/// that starts at row 1 and is `height` rows tall, scrolled as ratatui
/// scrolls it to keep `cursor` in view (cursor on the last visible row).
fn clicked_row(y: u16, height: u16, cursor: usize, len: usize) -> Option<usize> {
    let first_y = 1 + 2;
    let visible = usize::from(height.saturating_sub(3));
    let offset = usize::from(y.checked_sub(first_y)?);
    if offset >= visible {
        return None;
    }
    let row = (cursor + 1).saturating_sub(visible) + offset;
    (row < len).then_some(row)
}

fn results_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Char('o')
        && let Some(view) = &app.results
    {
        let summary = view.summary.clone();
        return open_store(app, &summary);
    }
    let Some(view) = app.results.as_mut() else {
        if key.code == KeyCode::Esc {
            app.screen = Screen::Challenges;
        }
        return Vec::new();
    };
    if !view.tree_view.shown {
        match key.code {
            KeyCode::Char('t') => view.tree_view.shown = true,
            KeyCode::Esc => app.screen = Screen::Challenges,
            _ => {}
        }
        return Vec::new();
    }
    let rows = view.tree_rows();
    let tree_view = &mut view.tree_view;
    if let Some(cursor) = moved(tree_view.cursor, rows.len(), key) {
        tree_view.cursor = cursor;
        return Vec::new();
    }
    let last = rows.len().saturating_sub(1);
    match key.code {
        KeyCode::Char('t') | KeyCode::Esc => tree_view.shown = false,
        KeyCode::PageDown => tree_view.cursor = (tree_view.cursor + PAGE).min(last),
        KeyCode::PageUp => tree_view.cursor = tree_view.cursor.saturating_sub(PAGE),
        KeyCode::Enter | KeyCode::Char(' ') => {
            if let Some(row) = rows.get(tree_view.cursor).filter(|r| r.open.is_some())
                && !tree_view.toggled.remove(&row.path)
            {
                tree_view.toggled.insert(row.path.clone());
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Moves a list cursor by a navigation key; `None` when the key is not one.
fn moved(cursor: usize, len: usize, key: KeyEvent) -> Option<usize> {
    let last = len.saturating_sub(1);
    let next = match key.code {
        KeyCode::Down | KeyCode::Char('j') => (cursor + 1).min(last),
        KeyCode::Up | KeyCode::Char('k') => cursor.saturating_sub(1),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return None,
    };
    Some(next)
}

fn challenges_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if let Some(cursor) = moved(app.challenge_cursor, app.challenges.len(), key) {
        app.challenge_cursor = cursor;
        return Vec::new();
    }
    match key.code {
        KeyCode::Char(' ') => {
            let at = app.challenge_cursor;
            if !app.selected.remove(&at) {
                app.selected.insert(at);
            }
            app.challenge_cursor = (at + 1).min(app.challenges.len() - 1);
        }
        KeyCode::Enter => {
            let chosen: Vec<Challenge> = if app.selected.is_empty() {
                vec![app.challenges[app.challenge_cursor].clone()]
            } else {
                app.selected
                    .iter()
                    .map(|&i| app.challenges[i].clone())
                    .collect()
            };
            return start(app, chosen);
        }
        KeyCode::Char('a') => return start(app, app.challenges.clone()),
        KeyCode::Char('b') => {
            app.backend = match app.backend {
                BackendKind::Sim => BackendKind::Maelstrom,
                BackendKind::Maelstrom => BackendKind::Sim,
            }
        }
        KeyCode::Char('p') => {
            app.profile = match app.profile {
                Profile::Official => Profile::Quick,
                Profile::Quick => Profile::Official,
            }
        }
        KeyCode::Char('e') => {
            let challenge = &app.challenges[app.challenge_cursor];
            let defaults = challenge.params(
                app.profile,
                app.backend == BackendKind::Sim,
                &Overrides::default(),
            );
            app.form = Some(Form::new(&app.overrides, &defaults));
        }
        KeyCode::Char('c') => compare_challenges(app),
        _ => {}
    }
    Vec::new()
}

fn start(app: &mut App, challenges: Vec<Challenge>) -> Vec<Command> {
    if app.session_active() {
        app.notice = Some("a session is still running: cancel it first (2, then c)".into());
        return Vec::new();
    }
    app.session = Some(LiveSession::new(
        challenges.iter().map(|c| c.id.to_string()),
    ));
    app.run_view = RunView::default();
    app.selected.clear();
    app.screen = Screen::Run;
    vec![Command::StartSession(SessionRequest {
        challenges,
        profile: app.profile,
        backend: app.backend,
        overrides: app.overrides.clone(),
    })]
}

/// Compares the latest runs of the two selected challenges, or of 3d and 3e.
fn compare_challenges(app: &mut App) {
    let ids: Vec<&str> = match app.selected.len() {
        0 => vec!["3d", "3e"],
        2 => app.selected.iter().map(|&i| app.challenges[i].id).collect(),
        _ => {
            app.notice =
                Some("select two challenges (space) to compare, or none for 3d vs 3e".into());
            return;
        }
    };
    match (app.latest_run(ids[0]), app.latest_run(ids[1])) {
        (Some(a), Some(b)) => {
            app.compare = Some((a.clone(), b.clone()));
            app.screen = Screen::Compare;
        }
        _ => {
            app.notice = Some(format!(
                "no recorded runs of both {} and {} yet",
                ids[0], ids[1]
            ))
        }
    }
}

fn run_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let Some(session) = app.session.as_ref() else {
        if key.code == KeyCode::Esc {
            app.screen = Screen::Challenges;
        }
        return Vec::new();
    };
    let (active, runs) = (session.active(), session.runs.len());
    let nodes = session
        .runs
        .get(app.run_view.run)
        .map_or(0, |r| r.nodes.len());
    let view = &mut app.run_view;
    match key.code {
        KeyCode::Char('c') => return cancel(app),
        KeyCode::Esc if active => return cancel(app),
        KeyCode::Esc => app.screen = Screen::Challenges,
        KeyCode::Tab | KeyCode::Char(']') if nodes > 0 => {
            select_node(view, (view.node + 1) % nodes)
        }
        KeyCode::BackTab | KeyCode::Char('[') if nodes > 0 => {
            select_node(view, (view.node + nodes - 1) % nodes)
        }
        KeyCode::Char('.') if runs > 0 => select_run(view, (view.run + 1).min(runs - 1)),
        KeyCode::Char(',') => select_run(view, view.run.saturating_sub(1)),
        KeyCode::Char('f') => {
            view.follow = !view.follow;
            view.scroll = 0;
        }
        KeyCode::PageUp | KeyCode::Char('k') | KeyCode::Up => {
            let step = if key.code == KeyCode::PageUp { PAGE } else { 1 };
            view.follow = false;
            view.scroll += step;
        }
        KeyCode::PageDown | KeyCode::Char('j') | KeyCode::Down => {
            let step = if key.code == KeyCode::PageDown {
                PAGE
            } else {
                1
            };
            view.scroll = view.scroll.saturating_sub(step);
            view.follow = view.scroll == 0;
        }
        KeyCode::Char('/') => {
            let text = view
                .filter
                .as_ref()
                .map(|f| f.as_str().to_string())
                .unwrap_or_default();
            app.input = Some(Input {
                purpose: InputPurpose::LogFilter,
                text,
                error: None,
            });
        }
        KeyCode::Enter => return open_live_results(app),
        _ => {}
    }
    Vec::new()
}

fn select_node(view: &mut RunView, node: usize) {
    view.node = node;
    view.scroll = 0;
    view.follow = true;
}

fn select_run(view: &mut RunView, run: usize) {
    *view = RunView {
        run,
        filter: view.filter.take(),
        ..RunView::default()
    };
}

fn open_live_results(app: &mut App) -> Vec<Command> {
    let outcome = app
        .session
        .as_ref()
        .and_then(|s| s.runs.get(app.run_view.run))
        .and_then(|r| r.outcome.as_ref());
    match outcome {
        Some(outcome) => {
            let summary = RunSummary::from(outcome.as_ref());
            let load = run_files(&summary);
            app.results = Some(ResultsView::new(summary, outcome.results.clone()));
            app.screen = Screen::Results;
            load
        }
        None => {
            app.notice = Some("this run has not finished yet".into());
            Vec::new()
        }
    }
}

fn history_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    let rows = app.history_rows().len();
    if let Some(cursor) = moved(app.history_view.cursor, rows, key) {
        app.history_view.cursor = cursor;
        return Vec::new();
    }
    let at_cursor = app
        .history_rows()
        .get(app.history_view.cursor)
        .map(|r| (*r).clone());
    match key.code {
        KeyCode::Esc if !app.history_view.filter.is_empty() => {
            app.history_view.filter.clear();
            app.history_view.cursor = 0;
        }
        KeyCode::Esc => app.screen = Screen::Challenges,
        KeyCode::Char('/') => {
            let text = app.history_view.filter.clone();
            app.input = Some(Input {
                purpose: InputPurpose::HistoryFilter,
                text,
                error: None,
            });
        }
        KeyCode::Char('m') => {
            if let Some(run) = at_cursor {
                let unmark = app.history_view.marked.as_deref() == Some(run.run_id.as_str());
                app.history_view.marked = (!unmark).then_some(run.run_id);
            }
        }
        KeyCode::Char('c') => {
            let marked = app
                .history_view
                .marked
                .as_ref()
                .and_then(|id| app.history.iter().find(|r| &r.run_id == id));
            match (marked, at_cursor) {
                (Some(a), Some(b)) => {
                    app.compare = Some((a.clone(), b));
                    app.screen = Screen::Compare;
                }
                _ => app.notice = Some("mark a run with m, move to another, then press c".into()),
            }
        }
        KeyCode::Enter => {
            if let Some(summary) = at_cursor {
                return open_recorded(app, summary);
            }
        }
        KeyCode::Char('o') => {
            if let Some(summary) = at_cursor {
                return open_store(app, &summary);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// `o`: hands the run's store directory to the opener, or says where it is.
fn open_store(app: &mut App, run: &RunSummary) -> Vec<Command> {
    match open::plan(run, &app.opener) {
        OpenPlan::Spawn {
            program,
            dir,
            notice,
        } => {
            app.notice = Some(notice);
            vec![Command::OpenDir { program, dir }]
        }
        OpenPlan::Tell(notice) => {
            app.notice = Some(notice);
            Vec::new()
        }
    }
}

/// Opens a run from the history; its full results are read from its store.
fn open_recorded(app: &mut App, summary: RunSummary) -> Vec<Command> {
    let mut load = run_files(&summary);
    if let Some(store_dir) = summary.store_dir.clone() {
        load.insert(
            0,
            Command::LoadResults {
                run_id: summary.run_id.clone(),
                store_dir,
            },
        );
    }
    app.results = Some(ResultsView::new(summary, None));
    app.screen = Screen::Results;
    load
}

/// Reading the chart's and the tree's files, when the run kept a store.
fn run_files(summary: &RunSummary) -> Vec<Command> {
    summary
        .store_dir
        .clone()
        .map(|store_dir| Command::LoadRunFiles {
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
                InputPurpose::HistoryFilter => app.history_view.filter.clear(),
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
            InputPurpose::HistoryFilter => {
                app.history_view.filter = input.text.trim().to_string();
                app.history_view.cursor = 0;
                app.input = None;
            }
        },
        _ => {}
    }
}

fn on_session_event(app: &mut App, event: SessionEvent) -> Vec<Command> {
    let Some(session) = app.session.as_mut() else {
        return Vec::new();
    };
    let view = &mut app.run_view;
    match session.apply(event) {
        Change::RunStarted(run) => select_run(view, run),
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

/// Shows the last run's results (and a comparison when two runs finished) and reloads the history.
fn session_done(app: &mut App) -> Vec<Command> {
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
    if let Some((summary, results)) = summaries.last().cloned()
        && app.screen == Screen::Run
        && !session.cancelling
    {
        app.run_view.run = session.runs.len() - 1;
        commands = run_files(&summary);
        app.results = Some(ResultsView::new(summary, results));
        app.screen = Screen::Results;
    }
    let passed = summaries.iter().filter(|(s, _)| s.passed).count();
    app.notice = Some(format!(
        "session finished: {passed}/{} passed",
        summaries.len()
    ));
    commands.push(Command::LoadHistory);
    commands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::test_support::{
        frontier_history, history, outcome, play_finished, play_running, press, run_event,
        run_files_loaded, type_keys,
    };
    use runner::event::RunEvent;

    fn started(keys: &str) -> (App, Vec<Command>) {
        let mut app = App::new(false);
        update(&mut app, Action::HistoryLoaded(Ok(history())));
        type_keys(&mut app, keys);
        let commands = press(&mut app, KeyCode::Enter);
        (app, commands)
    }

    fn started_ids(commands: &[Command]) -> Vec<&str> {
        match commands {
            [Command::StartSession(request)] => request.challenges.iter().map(|c| c.id).collect(),
            other => panic!("expected one StartSession, got {other:?}"),
        }
    }

    #[test]
    fn cursor_moves_with_vim_keys_and_arrows_and_stays_in_bounds() {
        let mut app = App::new(false);
        type_keys(&mut app, "kjjj");
        assert_eq!(app.challenge_cursor, 3);
        press(&mut app, KeyCode::Up);
        assert_eq!(app.challenge_cursor, 2);
        type_keys(&mut app, "G");
        assert_eq!(app.challenge_cursor, app.challenges.len() - 1);
        press(&mut app, KeyCode::Down);
        assert_eq!(app.challenge_cursor, app.challenges.len() - 1);
        press(&mut app, KeyCode::Home);
        assert_eq!(app.challenge_cursor, 0);
    }

    #[test]
    fn enter_runs_the_selection_or_the_cursor_with_the_chosen_profile_and_backend() {
        let (app, commands) = started("jjjjj  ");
        assert_eq!(started_ids(&commands), ["3d", "3e"]);
        assert_eq!(app.screen, Screen::Run);
        assert!(app.selected.is_empty(), "selection is consumed by the run");

        let (_, commands) = started("jp");
        assert_eq!(started_ids(&commands), ["2"]);
        let Command::StartSession(request) = &commands[0] else {
            unreachable!()
        };
        assert_eq!(
            (request.profile, request.backend),
            (Profile::Quick, BackendKind::Sim)
        );

        let mut app = App::new(false);
        type_keys(&mut app, "b  ");
        assert_eq!(app.selected.len(), 2);
        type_keys(&mut app, "k ");
        assert_eq!(app.selected.len(), 1, "space again unselects");
        assert_eq!(app.backend, BackendKind::Maelstrom);
        assert_eq!(
            started_ids(&type_keys(&mut app, "a")).len(),
            app.challenges.len()
        );
    }

    #[test]
    fn a_second_session_waits_for_the_first() {
        let (mut app, _) = started("");
        press(&mut app, KeyCode::Char('1'));
        assert!(press(&mut app, KeyCode::Enter).is_empty());
        assert!(
            app.notice
                .as_deref()
                .unwrap_or_default()
                .contains("cancel it first")
        );
    }

    #[test]
    fn cancel_is_sent_once_and_quit_waits_for_the_session_to_end() {
        let (mut app, _) = started("jjjjj");
        play_running(&mut app, 0, "3d");
        assert_eq!(press(&mut app, KeyCode::Char('c')), [Command::Cancel]);
        assert!(
            press(&mut app, KeyCode::Esc).is_empty(),
            "already cancelling"
        );
        type_keys(&mut app, "q");
        assert!(
            app.quitting && !app.should_quit(),
            "still stopping the backend"
        );
        let mut cancelled = outcome("3d", "r", 1.0, 1.0, 1.0);
        cancelled.status = runner::session::RunStatus::Cancelled;
        play_finished(&mut app, 0, cancelled);
        update(&mut app, Action::Session(SessionEvent::Done));
        assert!(app.should_quit());
        assert_eq!(
            app.screen,
            Screen::Run,
            "a cancelled session does not jump to results"
        );
    }

    #[test]
    fn ctrl_c_and_sigterm_quit_at_once_when_idle() {
        let mut app = App::new(false);
        update(
            &mut app,
            Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        );
        assert!(app.should_quit());
        let mut app = App::new(false);
        assert!(update(&mut app, Action::Terminate).is_empty());
        assert!(app.should_quit());
    }

    #[test]
    fn node_selector_cycles_and_keeps_its_node_when_one_sorts_before_it() {
        let (mut app, _) = started("jjjjj");
        play_running(&mut app, 0, "3d");
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        assert_eq!(app.run_view.node, 2);
        press(&mut app, KeyCode::Tab);
        assert_eq!(app.run_view.node, 0, "wraps around");
        press(&mut app, KeyCode::Char('['));
        assert_eq!(app.run_view.node, 2);
        run_event(
            &mut app,
            0,
            RunEvent::NodeLog {
                node: "c5".into(),
                line: "client".into(),
            },
        );
        assert_eq!(app.run_view.node, 2, "c5 sorts after the selected n2");
        press(&mut app, KeyCode::Char(']'));
        run_event(
            &mut app,
            0,
            RunEvent::NodeLog {
                node: "n3".into(),
                line: "late".into(),
            },
        );
        let nodes = &app.session.as_ref().unwrap().runs[0].nodes;
        assert_eq!(
            nodes[app.run_view.node].0, "c5",
            "still showing c5 after n3 sorted in before it"
        );
    }

    #[test]
    fn follow_mode_scrollback_and_frozen_view_while_lines_arrive() {
        let (mut app, _) = started("jjjjj");
        play_running(&mut app, 0, "3d");
        assert!(app.run_view.follow);
        press(&mut app, KeyCode::PageUp);
        assert_eq!((app.run_view.follow, app.run_view.scroll), (false, PAGE));
        run_event(
            &mut app,
            0,
            RunEvent::NodeLog {
                node: "n0".into(),
                line: "new".into(),
            },
        );
        assert_eq!(app.run_view.scroll, PAGE + 1, "the viewed lines stay put");
        run_event(
            &mut app,
            0,
            RunEvent::NodeLog {
                node: "n1".into(),
                line: "other node".into(),
            },
        );
        assert_eq!(app.run_view.scroll, PAGE + 1);
        press(&mut app, KeyCode::PageDown);
        assert_eq!((app.run_view.follow, app.run_view.scroll), (false, 1));
        press(&mut app, KeyCode::Char('j'));
        assert!(
            app.run_view.follow,
            "back at the bottom means following again"
        );
        press(&mut app, KeyCode::Char('k'));
        press(&mut app, KeyCode::Char('f'));
        assert_eq!((app.run_view.follow, app.run_view.scroll), (true, 0));
    }

    #[test]
    fn regex_filter_is_validated_applied_and_cleared() {
        let (mut app, _) = started("jjjjj");
        play_running(&mut app, 0, "3d");
        type_keys(&mut app, "/gos(");
        press(&mut app, KeyCode::Enter);
        let input = app.input.as_ref().expect("still typing");
        assert!(input.error.is_some(), "unbalanced parenthesis is refused");
        press(&mut app, KeyCode::Backspace);
        type_keys(&mut app, "sip");
        press(&mut app, KeyCode::Enter);
        assert!(app.input.is_none());
        assert!(app.run_view.shows("gossip to n1") && !app.run_view.shows("node n0 up"));
        type_keys(&mut app, "q");
        assert!(
            app.quitting,
            "keys are commands again once the filter is set"
        );
        app.quitting = false;
        type_keys(&mut app, "/");
        press(&mut app, KeyCode::Esc);
        assert!(app.run_view.filter.is_none());
    }

    #[test]
    fn history_filter_mark_compare_and_open() {
        let mut app = App::new(false);
        update(&mut app, Action::HistoryLoaded(Ok(history())));
        type_keys(&mut app, "5");
        assert_eq!(
            app.history_rows()
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            ["3e", "3d", "1"]
        );
        type_keys(&mut app, "mjc");
        let (a, b) = app.compare.as_ref().expect("compared");
        assert_eq!((a.id.as_str(), b.id.as_str()), ("3e", "3d"));
        assert_eq!(app.screen, Screen::Compare);
        type_keys(&mut app, "5/3d");
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.history_rows().len(), 1);
        let commands = press(&mut app, KeyCode::Enter);
        assert!(
            matches!(&commands[..], [Command::LoadResults { run_id, .. }, Command::LoadRunFiles { run_id: files_of, .. }] if run_id.ends_with("-3d") && files_of == run_id)
        );
        assert_eq!(
            app.results.as_ref().map(|r| r.summary.id.as_str()),
            Some("3d")
        );
    }

    #[test]
    fn compare_from_challenges_defaults_to_3d_and_3e() {
        let mut app = App::new(false);
        type_keys(&mut app, "c");
        assert!(
            app.compare.is_none() && app.notice.is_some(),
            "no history yet"
        );
        update(&mut app, Action::HistoryLoaded(Ok(history())));
        type_keys(&mut app, "c");
        let (a, b) = app.compare.as_ref().expect("compared");
        assert_eq!((a.id.as_str(), b.id.as_str()), ("3d", "3e"));
    }

    #[test]
    fn a_backend_that_cannot_start_returns_to_the_challenges_with_the_reason() {
        let (mut app, _) = started("b");
        update(
            &mut app,
            Action::Failed("real Maelstrom was requested but not found".into()),
        );
        assert!(app.session.is_none());
        assert_eq!(app.screen, Screen::Challenges);
        assert!(
            app.notice
                .as_deref()
                .unwrap_or_default()
                .contains("not found")
        );
    }

    #[test]
    fn results_tree_toggles_moves_folds_and_ignores_stale_files() {
        let mut app = App::new(false);
        update(&mut app, Action::HistoryLoaded(Ok(history())));
        type_keys(&mut app, "5");
        let commands = press(&mut app, KeyCode::Enter);
        let [_, Command::LoadRunFiles { run_id, .. }] = &commands[..] else {
            panic!("{commands:?}")
        };
        let run_id = run_id.clone();
        update(&mut app, run_files_loaded("some-other-run"));
        assert!(
            app.results.as_ref().unwrap().tree.is_none(),
            "not this run's files"
        );
        update(&mut app, run_files_loaded(&run_id));
        let view = app.results.as_ref().unwrap();
        assert!(matches!(view.latency, Some(Ok(_))) && matches!(view.tree, Some(Ok(_))));

        type_keys(&mut app, "jt");
        let view = app.results.as_ref().unwrap();
        assert!(
            view.tree_view.shown && view.tree_view.cursor == 0,
            "j before t moves nothing"
        );
        let shown = view.tree_rows().len();
        press(&mut app, KeyCode::Enter);
        let view = app.results.as_ref().unwrap();
        assert_eq!(view.tree_view.toggled, [vec![0]].into(), ":perf folded");
        assert_eq!(view.tree_rows().len(), shown - 5, "its five rows hidden");
        type_keys(&mut app, "G");
        press(&mut app, KeyCode::PageDown);
        let view = app.results.as_ref().unwrap();
        assert_eq!(
            view.tree_view.cursor,
            view.tree_rows().len() - 1,
            "stays on the last row"
        );
        type_keys(&mut app, "g ");
        assert!(
            app.results.as_ref().unwrap().tree_view.toggled.is_empty(),
            "unfolded again"
        );
        press(&mut app, KeyCode::Esc);
        assert!(!app.results.as_ref().unwrap().tree_view.shown);
        assert_eq!(
            app.screen,
            Screen::Results,
            "the first esc only leaves the tree"
        );
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, Screen::Challenges);
    }

    #[test]
    fn a_finished_session_asks_for_its_run_files() {
        let (mut app, _) = started("jjjjj");
        play_running(&mut app, 0, "3d");
        play_finished(&mut app, 0, outcome("3d", "r-3d", 20.0, 300.0, 500.0));
        let commands = update(&mut app, Action::Session(SessionEvent::Done));
        assert!(matches!(
            &commands[..],
            [Command::LoadRunFiles { run_id, store_dir }, Command::LoadHistory]
                if run_id == "r-3d" && store_dir.ends_with("r-3d/store/current")
        ));
    }

    #[test]
    fn parameter_form_sets_overrides_for_the_next_run() {
        let mut app = App::new(false);
        type_keys(&mut app, "e3");
        press(&mut app, KeyCode::Enter);
        assert!(app.form.is_none());
        assert_eq!(app.overrides.time_limit_s, Some(3));
        let commands = press(&mut app, KeyCode::Enter);
        let [Command::StartSession(request)] = &commands[..] else {
            panic!("{commands:?}")
        };
        assert_eq!(request.overrides.time_limit_s, Some(3));
    }

    #[test]
    fn the_frontier_follows_the_history() {
        let mut app = App::new(false);
        update(&mut app, Action::HistoryLoaded(Ok(frontier_history())));
        assert_eq!(app.frontier.as_ref().map(|f| f.settings.len()), Some(6));
        update(&mut app, Action::HistoryLoaded(Ok(history())));
        assert!(app.frontier.is_none(), "every 3d/3e run at its defaults");
    }

    #[test]
    fn o_opens_the_store_of_the_open_run_or_the_history_cursor() {
        let mut app = App::new(false);
        app.opener = Ok(PathBuf::from("/usr/bin/xdg-open"));
        update(&mut app, Action::HistoryLoaded(Ok(history())));
        assert!(type_keys(&mut app, "3o").is_empty(), "no results open");
        type_keys(&mut app, "5j");
        let store = app.history_rows()[1].store_dir.clone().expect("a store");
        assert_eq!(
            type_keys(&mut app, "o"),
            [Command::OpenDir {
                program: "/usr/bin/xdg-open".into(),
                dir: store.clone(),
            }]
        );
        assert_eq!(
            app.notice,
            Some(format!("opening with xdg-open: {}", store.display()))
        );
        press(&mut app, KeyCode::Enter);
        type_keys(&mut app, "t");
        assert_eq!(
            type_keys(&mut app, "o").len(),
            1,
            "also while the results tree is shown"
        );

        app.opener = Err("no xdg-open or open found (set GLOMERS_OPEN)".into());
        assert!(type_keys(&mut app, "o").is_empty());
        let notice = app.notice.clone().unwrap_or_default();
        assert!(
            notice.contains(&store.display().to_string()) && notice.contains("set GLOMERS_OPEN"),
            "{notice}"
        );
    }

    #[test]
    fn a_failed_opener_only_changes_the_status_line() {
        let (mut app, _) = started("");
        let failed = "cannot open with xdg-open (exit status: 3): /s";
        update(&mut app, Action::Notice(failed.into()));
        assert_eq!(app.notice.as_deref(), Some(failed));
        assert!(app.session.is_some(), "unlike Failed, the session stays");
        assert_eq!(app.screen, Screen::Run);
    }

    fn wheel(app: &mut App, kind: MouseEventKind) -> Vec<Command> {
        let mouse = MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        };
        update(app, Action::Mouse(mouse, Size::new(80, 24)))
    }

    #[test]
    fn the_wheel_scrolls_the_log_and_moves_lists_but_not_behind_overlays() {
        let (mut app, _) = started("jjjjj");
        play_running(&mut app, 0, "3d");
        wheel(&mut app, MouseEventKind::ScrollUp);
        assert_eq!(
            (app.run_view.follow, app.run_view.scroll),
            (false, WHEEL_LINES)
        );
        wheel(&mut app, MouseEventKind::ScrollDown);
        assert_eq!((app.run_view.follow, app.run_view.scroll), (true, 0));
        type_keys(&mut app, "1");
        wheel(&mut app, MouseEventKind::ScrollDown);
        assert_eq!(app.challenge_cursor, 6, "one row per notch");
        type_keys(&mut app, "?");
        wheel(&mut app, MouseEventKind::ScrollUp);
        assert!(app.help, "the help stays open");
        assert_eq!(app.challenge_cursor, 6, "nothing moves behind it");
        wheel(&mut app, MouseEventKind::Moved);
        assert!(app.help);
    }
}

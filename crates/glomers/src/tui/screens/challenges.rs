//! The Challenges screen: every challenge with its latest recorded result,
//! selection, the parameters the next run will use and the node it will run
//! (ours, the one `glomers.toml` names, `--bin`'s, or none configured).

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use runner::backend::BackendKind;
use runner::catalog::{Challenge, Overrides, Profile};
use runner::project::{NodePlan, NodeSource, Origin};
use runner::run_log::RunSummary;
use runner::verdict::show;

use super::{draw_position, moved, table_row_at};
use crate::tui::app::{App, Effect, Screen};
use crate::tui::form::Form;
use crate::tui::live;
use crate::tui::overlay::{Confirmed, Overlay};
use crate::tui::session;
use crate::tui::ui::{Theme, margin_passed, nodes, number, profile_name};
use crate::tui::watching;

/// Rows under the Challenges table for the selected challenge's details.
const DETAILS_HEIGHT: u16 = 4;

#[derive(Debug, Clone, Default)]
pub struct ChallengesView {
    /// Position in the catalog's list.
    pub cursor: usize,
    /// Positions chosen with space for the next run.
    pub selected: BTreeSet<usize>,
    /// The table's scroll, kept between frames and read by clicks.
    pub table: TableState,
    /// Which node each challenge runs (given by `tui::run`).
    pub nodes: NodePlan,
}

pub struct ChallengesLayout {
    pub table: Rect,
    pub details: Rect,
}

pub fn layout(area: Rect) -> ChallengesLayout {
    let [table, details] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(DETAILS_HEIGHT)]).areas(area);
    ChallengesLayout { table, details }
}

/// A click on a row of the table moves the cursor there.
pub fn on_click(app: &mut App, body: Rect, row: u16) {
    let view = &mut app.challenges_view;
    if let Some(i) = table_row_at(layout(body).table, &view.table, row, app.challenges.len()) {
        view.cursor = i;
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(cursor) = moved(app.challenges_view.cursor, app.challenges.len(), key) {
        app.challenges_view.cursor = cursor;
        return Vec::new();
    }
    match key.code {
        KeyCode::Char(' ') => {
            let at = app.challenges_view.cursor;
            if !app.challenges_view.selected.remove(&at) {
                app.challenges_view.selected.insert(at);
            }
            app.challenges_view.cursor = (at + 1).min(app.challenges.len() - 1);
        }
        KeyCode::Enter => return session::start(app, chosen(app)),
        KeyCode::Char('w') => return watching::toggle(app, chosen(app)),
        KeyCode::Char('a') => app.overlay = Some(run_all_prompt(app)),
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
            let challenge = &app.challenges[app.challenges_view.cursor];
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

/// The selected challenges, or the cursor's when none is selected.
fn chosen(app: &App) -> Vec<Challenge> {
    if app.challenges_view.selected.is_empty() {
        vec![app.challenges[app.challenges_view.cursor].clone()]
    } else {
        app.challenges_view
            .selected
            .iter()
            .map(|&i| app.challenges[i].clone())
            .collect()
    }
}

/// `a` asks first: every challenge, and about how long they take together.
fn run_all_prompt(app: &App) -> Overlay {
    let simulator = app.backend == BackendKind::Sim;
    let seconds: u64 = app
        .challenges
        .iter()
        .map(|c| live::expected_s(&c.params(app.profile, simulator, &app.overrides)))
        .sum();
    let prompt = format!(
        "Run all {} challenges at {} parameters? About {} (each run's time limit, recovery and analysis; building aside).",
        app.challenges.len(),
        profile_name(app.profile),
        duration_text(seconds)
    );
    Overlay::confirm(prompt, Confirmed::RunAll)
}

/// `7 min 10 s`, or `40 s` under a minute.
fn duration_text(seconds: u64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// A title short enough for the table that still tells 3d from 3e; the
/// details box below shows the catalog's full title.
pub fn short_title(challenge: &Challenge) -> &'static str {
    match challenge.id {
        "3d" => "Efficient Broadcast I",
        "3e" => "Efficient Broadcast II",
        "6a" => "Single-Node Transactions",
        "6b-i" => "Read Uncommitted Txn (i)",
        "6b-ii" => "Read Uncommitted Txn (ii)",
        "6c" => "Read Committed Txn",
        _ => challenge.title,
    }
}

/// Below this table width the workload column goes, before the title is cut.
const WORKLOAD_MIN_WIDTH: u16 = 100;
/// Below this one the latest run's figures go too (its result stays).
const FIGURES_MIN_WIDTH: u16 = 70;
/// From this table width on, each row shows its node (else only the details box).
const NODE_MIN_WIDTH: u16 = 130;
/// What the table and the details box say of a challenge nothing names a node for.
const NOT_CONFIGURED: &str = "not configured: press ? for how";

/// The node `challenge` runs, short: `ours: echo`, `bin/echo` (relative to
/// `glomers.toml`), `--bin`'s path, or `None`.
fn node_name(plan: &NodePlan, challenge: &Challenge) -> Option<String> {
    Some(match plan.source(challenge)? {
        NodeSource::Ours { bin, .. } => format!("ours: {bin}"),
        NodeSource::Given {
            command,
            origin: Origin::ProjectFile(file),
        } => {
            let dir = file.parent().unwrap_or(&file);
            let path = command.path.strip_prefix(dir).unwrap_or(&command.path);
            let mut text = path.display().to_string();
            for arg in &command.args {
                text.push(' ');
                text.push_str(arg);
            }
            text
        }
        source @ NodeSource::Given { .. } => source.display(),
    })
}

/// Where the node comes from, in words.
fn node_origin(plan: &NodePlan, challenge: &Challenge) -> Option<String> {
    Some(match plan.source(challenge)? {
        NodeSource::Ours { .. } => "this glomers workspace's nodes crate".to_string(),
        NodeSource::Given {
            command,
            origin: Origin::ProjectFile(_),
        } => match command.at {
            Some((line, _)) => format!("glomers.toml line {line}"),
            None => "glomers.toml".to_string(),
        },
        NodeSource::Given {
            origin: Origin::BinFlag,
            ..
        } => "--bin, for every challenge".to_string(),
    })
}

/// Compares the latest runs of the two selected challenges, or of 3d and 3e.
fn compare_challenges(app: &mut App) {
    let ids: Vec<&str> = match app.challenges_view.selected.len() {
        0 => vec!["3d", "3e"],
        2 => app
            .challenges_view
            .selected
            .iter()
            .map(|&i| app.challenges[i].id)
            .collect(),
        _ => {
            app.notice =
                Some("select two challenges (space) to compare, or none for 3d vs 3e".into());
            return;
        }
    };
    match (app.latest_run(ids[0]), app.latest_run(ids[1])) {
        (Some(a), Some(b)) => {
            app.compare = Some((a.clone(), b.clone()));
            app.go(Screen::Compare);
        }
        _ => {
            app.notice = Some(format!(
                "no recorded runs of both {} and {} yet",
                ids[0], ids[1]
            ))
        }
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &mut App, theme: Theme) {
    let ChallengesLayout {
        table: table_area,
        details: details_area,
    } = layout(area);
    let workload = table_area.width >= WORKLOAD_MIN_WIDTH;
    let mut names = vec!["", "id", "title"];
    names.extend(workload.then_some("workload"));
    let figures = table_area.width >= FIGURES_MIN_WIDTH;
    names.push("last");
    if figures {
        names.extend(["msgs/op", "median", "max"]);
    }
    let node = table_area.width >= NODE_MIN_WIDTH;
    names.extend(node.then_some("node"));
    let header = Row::new(names).style(theme.accent());
    // Ids are never cut: the column is as wide as the longest.
    let id_width = app
        .challenges
        .iter()
        .map(|c| c.id.chars().count())
        .max()
        .unwrap_or(2);
    let rows = app.challenges.iter().enumerate().map(|(i, challenge)| {
        let mark = if app.challenges_view.selected.contains(&i) {
            "●"
        } else {
            " "
        };
        let mut cells = vec![
            Cell::from(mark),
            Cell::from(challenge.id),
            Cell::from(short_title(challenge)),
        ];
        cells.extend(workload.then(|| Cell::from(challenge.workload)));
        let latest = latest_cells(app.latest_run(challenge.id), theme);
        cells.extend(latest.into_iter().take(if figures { 4 } else { 1 }));
        if node {
            cells.push(match node_name(&app.challenges_view.nodes, challenge) {
                Some(name) => Cell::from(name),
                None => Cell::from("not configured").style(theme.dim()),
            });
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(id_width as u16),
        Constraint::Fill(1),
    ];
    widths.extend(workload.then_some(Constraint::Length(16)));
    widths.push(Constraint::Length(5));
    if figures {
        widths.extend([Constraint::Length(7); 3]);
    }
    widths.extend(node.then_some(Constraint::Length(28)));
    let title = format!(
        " challenges · {} selected ",
        app.challenges_view.selected.len()
    );
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(title))
        .row_highlight_style(theme.selected());
    let view = &mut app.challenges_view;
    view.table.select(Some(view.cursor));
    frame.render_stateful_widget(table, table_area, &mut view.table);
    draw_position(frame, table_area, &view.table, app.challenges.len(), theme);
    draw_details(
        frame,
        details_area,
        app,
        &app.challenges[app.challenges_view.cursor],
        theme,
    );
}

/// Result, msgs/op, median and max of the latest run, each coloured by its threshold.
fn latest_cells(latest: Option<&RunSummary>, theme: Theme) -> Vec<Cell<'static>> {
    let Some(run) = latest else {
        return vec![
            Cell::from("-"),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
        ];
    };
    let judged = |metric: &str, text: String| {
        Cell::from(text).style(theme.verdict(margin_passed(&run.margins, metric)))
    };
    vec![
        Cell::from(if run.passed { "pass" } else { "FAIL" }).style(theme.verdict(Some(run.passed))),
        judged("msgs-per-op", number(run.msgs_per_op, 1)),
        judged("median-latency", number(run.latency_median_ms, 0)),
        judged("max-latency", number(run.latency_max_ms, 0)),
    ]
}

/// What the next run of the challenge under the cursor will use.
fn draw_details(frame: &mut Frame<'_>, area: Rect, app: &App, challenge: &Challenge, theme: Theme) {
    let params = challenge.params(app.profile, app.backend == BackendKind::Sim, &app.overrides);
    let mut knobs = vec![
        nodes(params.node_count),
        format!("{} s", params.time_limit_s),
    ];
    knobs.extend(params.rate.map(|r| format!("rate {}", show(r))));
    knobs.extend(params.latency_ms.map(|l| format!("latency {l} ms")));
    knobs.extend(params.nemesis.as_ref().map(|n| format!("nemesis {n}")));
    let t = challenge.thresholds;
    let mut limits: Vec<String> = Vec::new();
    limits.extend(t.msgs_per_op.map(|v| format!("msgs/op < {}", show(v))));
    limits.extend(
        t.latency_median_ms
            .map(|v| format!("median < {} ms", show(v))),
    );
    limits.extend(t.latency_max_ms.map(|v| format!("max < {} ms", show(v))));
    let limits = if limits.is_empty() {
        "Maelstrom's :valid?".to_string()
    } else {
        format!("valid, {}", limits.join(", "))
    };
    let plan = &app.challenges_view.nodes;
    let node = match (node_name(plan, challenge), node_origin(plan, challenge)) {
        (Some(name), Some(origin)) => Span::raw(format!("{name} ({origin})")),
        _ => Span::styled(NOT_CONFIGURED, theme.warn()),
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("next run: ", theme.accent()),
            Span::raw(knobs.join(" · ")),
        ]),
        Line::from(vec![
            Span::styled("passes if: ", theme.accent()),
            Span::raw(limits),
        ]),
    ];
    // The node goes on the bottom border: the table keeps every row it had.
    let block = Block::bordered()
        .title(format!(" {} · {} ", challenge.id, challenge.title))
        .title_bottom(Line::from(vec![
            Span::styled(" node: ", theme.accent()),
            node,
            Span::raw(" "),
        ]));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

//! The Runs screen: past runs, newest first, filtered by challenge.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::{draw_position, moved, table_row_at};
use crate::tui::app::{self, App, Effect, Input, InputPurpose, Screen};
use crate::tui::ui::{Theme, margin_passed, number, status_name};

#[derive(Debug, Clone, Default)]
pub struct RunsView {
    /// The table's scroll, kept between frames and read by clicks.
    pub table: TableState,
    /// Position in the filtered, newest-first list.
    pub cursor: usize,
    /// Challenge id filter (substring); empty shows all.
    pub filter: String,
    /// Run id marked with `m` for comparison.
    pub marked: Option<String>,
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let rows = app.run_rows().len();
    if let Some(cursor) = moved(app.runs_view.cursor, rows, key) {
        app.runs_view.cursor = cursor;
        return Vec::new();
    }
    let at_cursor = app
        .run_rows()
        .get(app.runs_view.cursor)
        .map(|r| (*r).clone());
    match key.code {
        KeyCode::Esc if !app.runs_view.filter.is_empty() => {
            app.runs_view.filter.clear();
            app.runs_view.cursor = 0;
        }
        KeyCode::Esc => app.go_back(),
        KeyCode::Char('/') => {
            let text = app.runs_view.filter.clone();
            app.input = Some(Input {
                purpose: InputPurpose::RunsFilter,
                text,
                error: None,
            });
        }
        KeyCode::Char('m') => {
            if let Some(run) = at_cursor {
                let unmark = app.runs_view.marked.as_deref() == Some(run.run_id.as_str());
                app.runs_view.marked = (!unmark).then_some(run.run_id);
            }
        }
        KeyCode::Char('c') => {
            let marked = app
                .runs_view
                .marked
                .as_ref()
                .and_then(|id| app.runs.iter().find(|r| &r.run_id == id));
            match (marked, at_cursor) {
                (Some(a), Some(b)) => {
                    app.compare = Some((a.clone(), b));
                    app.go(Screen::Compare);
                }
                _ => app.notice = Some("mark a run with m, move to another, then press c".into()),
            }
        }
        KeyCode::Enter => {
            if let Some(summary) = at_cursor {
                return app::open_recorded(app, summary);
            }
        }
        KeyCode::Char('o') => {
            if let Some(summary) = at_cursor {
                return app::open_store(app, &summary);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// The table fills the whole body.
pub struct RunsLayout {
    pub table: Rect,
}

pub fn layout(area: Rect) -> RunsLayout {
    RunsLayout { table: area }
}

/// A click on a row of the table moves the cursor there.
pub fn on_click(app: &mut App, body: Rect, row: u16) {
    let len = app.run_rows().len();
    let view = &mut app.runs_view;
    if let Some(i) = table_row_at(layout(body).table, &view.table, row, len) {
        view.cursor = i;
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &mut App, theme: Theme) {
    let area = layout(area).table;
    let runs = app.run_rows();
    let len = runs.len();
    let filter = &app.runs_view.filter;
    let title = if filter.is_empty() {
        format!(" {} runs ", runs.len())
    } else {
        format!(" {} runs of `{filter}` ", runs.len())
    };
    if runs.is_empty() {
        let empty = Paragraph::new("No runs recorded yet. Run a challenge from screen 1.")
            .block(Block::bordered().title(title));
        frame.render_widget(empty, area);
        return;
    }
    // Below 100 columns the run id and verdict come first: max and wall time go.
    let wide = area.width >= 100;
    let mut titles = vec![
        "", "run", "id", "status", "backend", "profile", "msgs/op", "median",
    ];
    if wide {
        titles.extend(["max", "wall s"]);
    }
    let header = Row::new(titles).style(theme.accent());
    let marked = app.runs_view.marked.as_deref();
    let rows = runs.iter().map(|run| {
        let judged = |metric: &str, text: String| {
            Cell::from(text).style(theme.verdict(margin_passed(&run.margins, metric)))
        };
        let mut cells = vec![
            Cell::from(if marked == Some(run.run_id.as_str()) {
                "◆"
            } else {
                " "
            }),
            Cell::from(run.run_id.clone()),
            Cell::from(run.challenge.clone()),
            Cell::from(status_name(run.status)).style(theme.verdict(Some(run.passed))),
            Cell::from(backend_name(run.backend)),
            Cell::from(run.label().kind.to_string()),
            judged("msgs-per-op", number(run.msgs_per_op, 1)),
            judged("median-latency", number(run.latency_median_ms, 0)),
        ];
        if wide {
            cells.push(judged("max-latency", number(run.latency_max_ms, 0)));
            cells.push(Cell::from(format!("{:.1}", run.wall_s)));
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(6),
    ];
    if wide {
        widths.extend([Constraint::Length(6), Constraint::Length(6)]);
    }
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(title))
        .row_highlight_style(theme.selected());
    let view = &mut app.runs_view;
    view.table.select(Some(view.cursor));
    frame.render_stateful_widget(table, area, &mut view.table);
    draw_position(frame, area, &view.table, len, theme);
}

/// `sim` or `mael`: the runs table is narrow at 80 columns.
fn backend_name(backend: runner::backend::BackendKind) -> &'static str {
    match backend {
        runner::backend::BackendKind::Sim => "sim",
        runner::backend::BackendKind::Maelstrom => "mael",
    }
}

//! The History screen: past runs, newest first, filtered by challenge.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

use super::{Theme, margin_passed, number, status_name};
use crate::tui::app::App;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let runs = app.history_rows();
    let filter = &app.history_view.filter;
    let title = if filter.is_empty() {
        format!(" history · {} runs ", runs.len())
    } else {
        format!(" history · {} runs of `{filter}` ", runs.len())
    };
    if runs.is_empty() {
        let empty = Paragraph::new("No runs recorded yet. Run a challenge from screen 1.")
            .block(Block::bordered().title(title));
        frame.render_widget(empty, area);
        return;
    }
    let header = Row::new([
        "", "run", "id", "status", "msgs/op", "median", "max", "wall s",
    ])
    .style(theme.accent());
    let marked = app.history_view.marked.as_deref();
    let rows = runs.iter().map(|run| {
        let judged = |metric: &str, text: String| {
            Cell::from(text).style(theme.verdict(margin_passed(&run.margins, metric)))
        };
        Row::new(vec![
            Cell::from(if marked == Some(run.run_id.as_str()) {
                "◆"
            } else {
                " "
            }),
            Cell::from(run.run_id.clone()),
            Cell::from(run.id.clone()),
            Cell::from(status_name(run.status)).style(theme.verdict(Some(run.passed))),
            judged("msgs-per-op", number(run.msgs_per_op, 1)),
            judged("median-latency", number(run.latency_median_ms, 0)),
            judged("max-latency", number(run.latency_max_ms, 0)),
            Cell::from(format!("{:.1}", run.wall_s)),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(title))
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(app.history_view.cursor));
    frame.render_stateful_widget(table, area, &mut state);
}

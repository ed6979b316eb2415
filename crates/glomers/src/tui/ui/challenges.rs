//! The Challenges screen: every challenge with its latest recorded result,
//! selection, and the parameters the next run will use.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use runner::backend::BackendKind;
use runner::catalog::Challenge;
use runner::history::RunSummary;
use runner::verdict::show;

use super::{Theme, margin_passed, number};
use crate::tui::app::{App, CHALLENGE_DETAILS_HEIGHT};

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let [table_area, details_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(CHALLENGE_DETAILS_HEIGHT),
    ])
    .areas(area);
    let header = Row::new([
        "", "id", "title", "workload", "last", "msgs/op", "median", "max",
    ])
    .style(theme.accent());
    let rows = app.challenges.iter().enumerate().map(|(i, challenge)| {
        let mark = if app.selected.contains(&i) {
            "●"
        } else {
            " "
        };
        let mut cells = vec![
            Cell::from(mark),
            Cell::from(challenge.id),
            Cell::from(challenge.title),
            Cell::from(challenge.workload),
        ];
        cells.extend(latest_cells(app.latest_run(challenge.id), theme));
        Row::new(cells)
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(5),
        Constraint::Fill(1),
        Constraint::Length(16),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let title = format!(" challenges · {} selected ", app.selected.len());
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(title))
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(app.challenge_cursor));
    frame.render_stateful_widget(table, table_area, &mut state);
    draw_details(
        frame,
        details_area,
        app,
        &app.challenges[app.challenge_cursor],
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
        format!("{} nodes", params.node_count),
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
    let block = Block::bordered().title(format!(" {} · {} ", challenge.id, challenge.title));
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}

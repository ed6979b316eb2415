//! The Compare screen: two runs side by side (e.g. 3d vs 3e) with each
//! run's thresholds, and a bar chart of every metric as a share of its limit.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Cell, Paragraph, Row, Table};
use runner::history::{self, CompareRow, RunSummary};
use runner::verdict::show;

use super::{Theme, margin_passed, number};
use crate::tui::app::App;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let Some((a, b)) = &app.compare else {
        let hint = "Nothing to compare: press c on Challenges (latest 3d vs 3e, or two selected), or m then c on History.";
        frame.render_widget(
            Paragraph::new(hint).block(Block::bordered().title(" compare ")),
            area,
        );
        return;
    };
    let rows = history::compare(a, b);
    let [table_area, chart_area] = Layout::vertical([
        Constraint::Length(rows.len() as u16 + 4),
        Constraint::Fill(1),
    ])
    .areas(area);
    let header = Row::new(vec![
        "metric".to_string(),
        format!("{} (A)", a.id),
        "limit".to_string(),
        format!("{} (B)", b.id),
        "limit".to_string(),
    ])
    .style(theme.accent());
    let cell = |run: &RunSummary, row: &CompareRow, value: Option<f64>| {
        Cell::from(number(value, 1)).style(theme.verdict(margin_passed(&run.margins, row.metric)))
    };
    let limit =
        |l: Option<f64>| Cell::from(l.map_or_else(|| "-".into(), |l| format!("< {}", show(l))));
    let table_rows = rows.iter().map(|row| {
        Row::new(vec![
            Cell::from(row.metric),
            cell(a, row, row.a),
            limit(row.limit_a),
            cell(b, row, row.b),
            limit(row.limit_b),
        ])
    });
    let widths = [
        Constraint::Length(18),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(8),
    ];
    let title = Line::from(format!(" A {} · B {} ", a.run_id, b.run_id));
    let table = Table::new(table_rows, widths)
        .header(header)
        .block(Block::bordered().title(title));
    frame.render_widget(table, table_area);
    draw_chart(frame, chart_area, a, b, &rows, theme);
}

/// Per metric with a limit, A and B as a percentage of their own limit (100 = at the limit).
fn draw_chart(
    frame: &mut Frame<'_>,
    area: Rect,
    a: &RunSummary,
    b: &RunSummary,
    rows: &[CompareRow],
    theme: Theme,
) {
    let percent = |value: Option<f64>, limit: Option<f64>| match (value, limit) {
        (Some(v), Some(l)) if l > 0.0 => (v / l * 100.0).round().max(0.0) as u64,
        _ => 0,
    };
    // The limit stays at the same height whatever the values.
    let top = rows
        .iter()
        .flat_map(|r| [percent(r.a, r.limit_a), percent(r.b, r.limit_b)])
        .fold(100, u64::max);
    let bar = |run: &RunSummary,
               row: &CompareRow,
               label: &str,
               value: Option<f64>,
               limit: Option<f64>| {
        let percent = percent(value, limit);
        Bar::default()
            .value(percent)
            .label(Line::from(label.to_string()))
            .text_value(format!("{percent}%"))
            .style(theme.verdict(margin_passed(&run.margins, row.metric)))
    };
    let groups: Vec<BarGroup<'_>> = rows
        .iter()
        .filter(|row| row.limit_a.is_some() || row.limit_b.is_some())
        .map(|row| {
            let bars = [
                bar(a, row, "A", row.a, row.limit_a),
                bar(b, row, "B", row.b, row.limit_b),
            ];
            BarGroup::default()
                .label(Line::from(short(row.metric)))
                .bars(&bars)
        })
        .collect();
    let block = Block::bordered().title(" % of threshold (A, B) ");
    if groups.is_empty() {
        frame.render_widget(
            Paragraph::new(" neither run's challenge has thresholds").block(block),
            area,
        );
        return;
    }
    let mut chart = BarChart::default()
        .block(block)
        .direction(Direction::Vertical)
        .bar_width(5)
        .bar_gap(1)
        .group_gap(4)
        .max(top);
    for group in groups {
        chart = chart.data(group);
    }
    frame.render_widget(chart, area);
}

fn short(metric: &str) -> &str {
    match metric {
        "msgs-per-op" => "msgs/op",
        "median-latency-ms" => "median",
        "max-latency-ms" => "max",
        other => other,
    }
}

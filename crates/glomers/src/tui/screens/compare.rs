//! The Compare screen: two runs side by side (e.g. 3d vs 3e) with each
//! run's thresholds, and a bar chart of every metric as a share of its limit.
//! When the run log has 3d/3e runs with several node settings, the knob
//! frontier follows: a table and a msgs/op-vs-median scatter against 3e's
//! limits (the table alone when the terminal is too small for the chart).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table,
};
use runner::run_log::{self, CompareRow, RunSummary};
use runner::verdict::show;

use crate::tui::app::{App, Effect};
use crate::tui::frontier::{Frontier, LIMITS_OF};
use crate::tui::ui::{Theme, margin_passed, nice_top, number, percent};

/// Rows the frontier gets at least (a chart needs about ten to read).
const FRONTIER_MIN_HEIGHT: u16 = 12;
/// The bar chart is left out rather than squeezed below this height.
const BARS_MIN_HEIGHT: u16 = 8;
/// The scatter is drawn only when this much room is left beside the table.
const SCATTER_MIN: (u16, u16) = (30, 10);

/// Nothing to do here but leave.
pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Esc {
        app.go_back();
    }
    Vec::new()
}

/// Where the pair's table, its bar chart and the frontier go.
pub struct CompareLayout {
    /// The two runs' table (or the hint when nothing is compared).
    pub pair: Rect,
    /// Room for the pair's bar chart, if any.
    pub bars: Option<Rect>,
    pub frontier: Option<Rect>,
}

pub fn layout(area: Rect, app: &App) -> CompareLayout {
    // Rows, the verdict row, the header and the borders.
    let Some(pair_height) = app
        .compare
        .as_ref()
        .map(|(a, b)| run_log::compare(a, b).len() as u16 + 5)
    else {
        let [pair, frontier] = match app.frontier {
            Some(_) => Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(area),
            None => [area, Rect::default()],
        };
        return CompareLayout {
            pair,
            bars: None,
            frontier: app.frontier.is_some().then_some(frontier),
        };
    };
    let below = area.height.saturating_sub(pair_height);
    // Without a frontier the bar chart takes the rest; with one, only what
    // the frontier leaves, if that is enough.
    let bars = match &app.frontier {
        None => below,
        Some(front) => {
            let wanted = (front.settings.len() as u16 + 3)
                .max(FRONTIER_MIN_HEIGHT)
                .max(below / 2);
            Some(below.saturating_sub(wanted))
                .filter(|b| *b >= BARS_MIN_HEIGHT)
                .unwrap_or(0)
        }
    };
    let [pair, bars, frontier] = Layout::vertical([
        Constraint::Length(pair_height),
        Constraint::Length(bars),
        Constraint::Fill(1),
    ])
    .areas(area);
    CompareLayout {
        pair,
        bars: (!bars.is_empty()).then_some(bars),
        frontier: app.frontier.is_some().then_some(frontier),
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let CompareLayout {
        pair,
        bars,
        frontier,
    } = layout(area, app);
    draw_pair(frame, pair, bars, app, theme);
    if let (Some(front), Some(area)) = (&app.frontier, frontier) {
        draw_frontier(frame, area, front, theme);
    }
}

/// The two runs' table in `area`, and their bar chart in `bars`.
fn draw_pair(frame: &mut Frame<'_>, area: Rect, bars: Option<Rect>, app: &App, theme: Theme) {
    let Some((a, b)) = &app.compare else {
        let hint = "Nothing to compare: press c on Challenges (latest 3d vs 3e, or two selected), or m then c on Runs.";
        frame.render_widget(
            Paragraph::new(hint).block(Block::bordered().title(" compare ")),
            area,
        );
        return;
    };
    let rows = run_log::compare(a, b);
    let header = Row::new(vec![
        "metric".to_string(),
        format!("{} (A)", a.challenge),
        "limit".to_string(),
        format!("{} (B)", b.challenge),
        "limit".to_string(),
    ])
    .style(theme.accent());
    let cell = |run: &RunSummary, row: &CompareRow, value: Option<f64>| {
        let text = match value {
            Some(v) if row.metric == "availability" => percent(v),
            _ => number(value, 1),
        };
        Cell::from(text).style(theme.verdict(margin_passed(&run.margins, row.metric)))
    };
    let limit =
        |l: Option<f64>| Cell::from(l.map_or_else(|| "-".into(), |l| format!("< {}", show(l))));
    let verdict = |run: &RunSummary| {
        Cell::from(if run.passed { "PASS" } else { "FAIL" }).style(theme.verdict(Some(run.passed)))
    };
    let verdict_row = Row::new(vec![
        Cell::from("verdict"),
        verdict(a),
        Cell::from(""),
        verdict(b),
        Cell::from(""),
    ]);
    let table_rows = std::iter::once(verdict_row).chain(rows.iter().map(|row| {
        Row::new(vec![
            Cell::from(row.metric),
            cell(a, row, row.a),
            limit(row.limit_a),
            cell(b, row, row.b),
            limit(row.limit_b),
        ])
    }));
    let widths = [
        Constraint::Length(18),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(8),
    ];
    let title = Line::from(format!(" A {} · B {} ", a.run_id, b.run_id));
    // The same warning as `glomers compare`: numbers that did not test the same thing.
    let mut block = Block::bordered().title(title);
    if let Some(warning) = runner::label::differences_line(a, b) {
        block = block
            .title_bottom(Line::from(format!(" ⚠ {warning} ")).style(theme.verdict(Some(false))));
    }
    let table = Table::new(table_rows, widths).header(header).block(block);
    frame.render_widget(table, area);
    if let Some(bars) = bars {
        draw_chart(frame, bars, a, b, &rows, theme);
    }
}

/// The latest run per setting as a table sorted by msgs/op and, with room, a scatter.
fn draw_frontier(frame: &mut Frame<'_>, area: Rect, front: &Frontier, theme: Theme) {
    let labels: Vec<String> = front.settings.iter().map(|s| front.label(s)).collect();
    let label_width = labels
        .iter()
        .map(|l| l.chars().count() as u16)
        .chain([7])
        .max()
        .unwrap_or(7)
        .min(32);
    // Label, ✓/✗, msgs/op, median, max, the gaps between them and the borders.
    let table_width = label_width + 2 + 8 + 7 + 7 + 4 + 2;
    let chart_fits = area.width >= table_width + SCATTER_MIN.0 && area.height >= SCATTER_MIN.1;
    let (table_area, chart_area) = if chart_fits {
        let [t, c] =
            Layout::horizontal([Constraint::Length(table_width), Constraint::Fill(1)]).areas(area);
        (t, Some(c))
    } else {
        (area, None)
    };
    let limits = front.limits;
    let judged = |value: Option<f64>, limit: Option<f64>, decimals: usize| {
        let passed = value.zip(limit).map(|(v, l)| v < l);
        Cell::from(number(value, decimals)).style(theme.verdict(passed))
    };
    let rows = front.settings.iter().zip(&labels).map(|(s, label)| {
        Row::new(vec![
            Cell::from(label.clone()),
            Cell::from(if s.passed { "✓" } else { "✗" }).style(theme.verdict(Some(s.passed))),
            judged(s.msgs_per_op(), limits.msgs_per_op, 2),
            judged(
                s.point.as_ref().map(|p| p.median_ms),
                limits.latency_median_ms,
                0,
            ),
            judged(s.point.as_ref().map(|p| p.max_ms), limits.latency_max_ms, 0),
        ])
    });
    let header = Row::new(["setting", "ok", "msgs/op", "median", "max"]).style(theme.accent());
    let title = match &front.knob {
        Some(knob) => format!(" frontier · {knob} "),
        None => " frontier · node env ".to_string(),
    };
    let widths = [
        Constraint::Length(label_width),
        Constraint::Length(2),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(Block::bordered().title(title)),
        table_area,
    );
    if let Some(chart_area) = chart_area {
        draw_scatter(frame, chart_area, front, theme);
    }
}

/// msgs/op against median latency, one marker for 3d and one for 3e, with
/// 3e's limits as dotted lines when they fall inside the axes and spelled
/// out on the bottom border. Axis titles would be drawn over the points.
fn draw_scatter(frame: &mut Frame<'_>, area: Rect, front: &Frontier, theme: Theme) {
    let points = |challenge: &str| -> Vec<(f64, f64)> {
        front
            .settings
            .iter()
            .filter(|s| s.challenge == challenge)
            .filter_map(|s| s.point.as_ref().map(|p| (p.msgs_per_op, p.median_ms)))
            .collect()
    };
    let (ours, other) = (points(LIMITS_OF), points("3d"));
    let all = ours.iter().chain(&other);
    let limits = front.limits;
    let x_top = axis_top(
        all.clone().map(|p| p.0).fold(0.0, f64::max),
        limits.msgs_per_op,
    );
    let y_top = axis_top(
        all.map(|p| p.1).fold(0.0, f64::max),
        limits.latency_median_ms,
    );
    let mut lines: Vec<Vec<(f64, f64)>> = Vec::new();
    if let Some(x) = limits.msgs_per_op.filter(|x| *x <= x_top) {
        lines.push(vec![(x, 0.0), (x, y_top)]);
    }
    if let Some(y) = limits.latency_median_ms.filter(|y| *y <= y_top) {
        lines.push(vec![(0.0, y), (x_top, y)]);
    }
    let mut datasets: Vec<Dataset<'_>> = lines
        .iter()
        .map(|line| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.fail())
                .data(line)
        })
        .collect();
    datasets.push(
        Dataset::default()
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(theme.fg(Color::Magenta))
            .data(&other),
    );
    datasets.push(
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(theme.fg(Color::Cyan))
            .data(&ours),
    );
    let title = Line::from(vec![
        Span::raw(" median ms by msgs/op · "),
        Span::styled("• 3e", theme.fg(Color::Cyan)),
        Span::raw(" "),
        Span::styled("█ 3d", theme.fg(Color::Magenta)),
        Span::raw(" "),
    ]);
    let limit = |name: &str, l: Option<f64>| l.map(|l| format!("{name}<{}", show(l)));
    let noted: Vec<String> = [
        limit("msgs/op", limits.msgs_per_op),
        limit("median", limits.latency_median_ms),
        limit("max", limits.latency_max_ms),
    ]
    .into_iter()
    .flatten()
    .collect();
    let bottom = Line::from(vec![
        Span::raw(" "),
        Span::styled("⠤", theme.fail()),
        Span::raw(format!(" {LIMITS_OF} {} ", noted.join(" "))),
    ]);
    // Two labels on x: a middle one would leave the unit no room on a small chart.
    let x_axis = Axis::default()
        .bounds([0.0, x_top])
        .style(theme.dim())
        .labels(["0".to_string(), format!("{} msgs/op", show(x_top))]);
    let y_axis = Axis::default()
        .bounds([0.0, y_top])
        .style(theme.dim())
        .labels([
            "0".to_string(),
            show(y_top / 2.0),
            format!("{} ms", show(y_top)),
        ]);
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(title).title_bottom(bottom))
        .legend_position(None)
        .x_axis(x_axis)
        .y_axis(y_axis);
    frame.render_widget(chart, area);
}

/// The axis top: the highest point rounded up, stretched to show the limit's
/// line too when that keeps the points on at least half of the axis.
fn axis_top(highest: f64, limit: Option<f64>) -> f64 {
    let shown = limit.filter(|l| *l <= 2.0 * highest).unwrap_or(0.0);
    // A little past the limit, so its line is not lost in the border.
    nice_top(highest.max(shown * 1.05))
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

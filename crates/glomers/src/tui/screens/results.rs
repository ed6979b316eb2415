//! The Results screen: the verdict with a reason per failed criterion and
//! the backend's warnings about misbehaving nodes,
//! each thresholded metric as a gauge against its limit, latency
//! quantiles, op counts, anomalies and where the run's files are, and
//! latency over time as a chart. `t` swaps all but the verdict for the
//! whole `results.edn` as a foldable tree; `e`, on a failed run, for the
//! why pane (`why`).

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, GraphType, LineGauge, List, ListItem, ListState, Paragraph, Wrap,
};
use runner::results::RunResults;
use runner::run_log::RunSummary;
use runner::verdict::show;

use super::why::{self, WhyView};
use super::{PAGE, moved};
use crate::tui::app::{self, App, Effect};
use crate::tui::latency::LatencyChart;
use crate::tui::tree::{self, NodePath};
use crate::tui::ui::{Theme, nice_top, nodes, number, percent, status_name};

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
    pub why: WhyView,
}

impl ResultsView {
    pub fn new(summary: RunSummary, results: Option<RunResults>) -> ResultsView {
        ResultsView {
            summary,
            results,
            load_error: None,
            latency: None,
            tree: None,
            tree_view: TreeView::default(),
            why: WhyView::default(),
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
    pub toggled: BTreeSet<NodePath>,
    /// The list's scroll, kept between frames.
    pub list: ListState,
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Char('o')
        && let Some(view) = &app.results
    {
        let summary = view.summary.clone();
        return app::open_store(app, &summary);
    }
    let Some(view) = app.results.as_mut() else {
        if key.code == KeyCode::Esc {
            app.go_back();
        }
        return Vec::new();
    };
    if view.why.shown {
        why::on_key(&mut view.why, key);
        return Vec::new();
    }
    if !view.tree_view.shown {
        match key.code {
            KeyCode::Char('e') => return why::open(app),
            KeyCode::Char('t') => view.tree_view.shown = true,
            KeyCode::Esc => app.go_back(),
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

/// Rows the stable-latency table and the run facts need side by side.
const FACTS_HEIGHT: u16 = 9;
/// Below this many rows for the lower half, the chart takes the place of the
/// stable-latency table (the gauges and the tree still show those numbers).
const TALL: u16 = FACTS_HEIGHT + 8;
/// Width of the run-facts pane beside the chart on short terminals.
const FACTS_WIDTH: u16 = 40;
/// Node-warning rows in the verdict box; beyond this the last row counts the rest.
const WARNING_ROWS: usize = 3;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &mut App, theme: Theme) {
    let Some(view) = app.results.as_mut() else {
        let hint = "No results open: run a challenge, or open a past run from Runs (5).";
        frame.render_widget(
            Paragraph::new(hint).block(Block::bordered().title(" results ")),
            area,
        );
        return;
    };
    match layout(area, view) {
        ResultsLayout::Tree { verdict, tree } => {
            draw_verdict(frame, verdict, view, theme);
            draw_tree(frame, tree, view, theme);
        }
        ResultsLayout::Why { verdict, why } => {
            draw_verdict(frame, verdict, view, theme);
            why::draw(frame, why, &mut view.why, theme);
        }
        ResultsLayout::Summary {
            verdict,
            metrics,
            latencies,
            facts,
            chart,
        } => {
            draw_verdict(frame, verdict, view, theme);
            draw_metrics(frame, metrics, view, theme);
            if let Some(latencies) = latencies {
                draw_latencies(frame, latencies, view, theme);
            }
            draw_facts(frame, facts, view, latencies.is_none(), theme);
            draw_chart(frame, chart, view, theme);
        }
    }
}

/// Where each part of the Results screen goes for this run.
pub enum ResultsLayout {
    /// `t`: the verdict above the whole `results.edn`.
    Tree { verdict: Rect, tree: Rect },
    /// `e`: the verdict above the why pane.
    Why { verdict: Rect, why: Rect },
    /// The verdict, one gauge per threshold, the run's facts and the chart;
    /// the stable-latency table only when tall enough (the facts then leave
    /// its quantiles out).
    Summary {
        verdict: Rect,
        metrics: Rect,
        latencies: Option<Rect>,
        facts: Rect,
        chart: Rect,
    },
}

pub fn layout(area: Rect, view: &ResultsView) -> ResultsLayout {
    let s = &view.summary;
    let reasons = (s.reasons.len().min(4) + s.node_warnings.len().min(WARNING_ROWS)) as u16;
    if view.why.shown || view.tree_view.shown {
        let [verdict, below] =
            Layout::vertical([Constraint::Length(3 + reasons), Constraint::Fill(1)]).areas(area);
        return if view.why.shown {
            ResultsLayout::Why {
                verdict,
                why: below,
            }
        } else {
            ResultsLayout::Tree {
                verdict,
                tree: below,
            }
        };
    }
    let gauges = s.margins.len() as u16 + u16::from(s.availability.is_some());
    let [verdict, metrics, details] = Layout::vertical([
        Constraint::Length(3 + reasons),
        Constraint::Length(gauges.max(1) + 2),
        Constraint::Fill(1),
    ])
    .areas(area);
    if details.height >= TALL {
        let [table_row, chart] =
            Layout::vertical([Constraint::Length(FACTS_HEIGHT), Constraint::Fill(1)])
                .areas(details);
        let [latencies, facts] =
            Layout::horizontal([Constraint::Length(24), Constraint::Fill(1)]).areas(table_row);
        ResultsLayout::Summary {
            verdict,
            metrics,
            latencies: Some(latencies),
            facts,
            chart,
        }
    } else {
        let [chart, facts] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(FACTS_WIDTH)])
                .areas(details);
        ResultsLayout::Summary {
            verdict,
            metrics,
            latencies: None,
            facts,
            chart,
        }
    }
}

/// Latency per time bucket of every client operation (not the stable
/// latency the thresholds judge), one line per quantile.
fn draw_chart(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, theme: Theme) {
    let chart = match &view.latency {
        Some(Ok(chart)) if chart.lines.iter().any(|l| !l.points.is_empty()) => chart,
        other => {
            let (note, style) = match other {
                Some(Err(e)) => (format!(" {e}"), theme.warn()),
                Some(Ok(_)) => (" no completed client operations".into(), theme.dim()),
                None if view.summary.store_dir.is_none() => {
                    (" no store: nothing to chart".into(), theme.dim())
                }
                None => (" reading history.edn…".into(), theme.dim()),
            };
            let block = Block::bordered().title(" client-op latency over time ");
            frame.render_widget(
                Paragraph::new(Line::styled(note, style))
                    .wrap(Wrap { trim: false })
                    .block(block),
                area,
            );
            return;
        }
    };
    let datasets: Vec<Dataset<'_>> = chart
        .lines
        .iter()
        .zip(LINE_COLORS)
        .map(|(line, color)| {
            Dataset::default()
                .name(line.name())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(line_style(color, theme))
                .data(&line.points)
        })
        .collect();
    // The title doubles as the legend: a legend box would hide the latest,
    // often highest, points in the top-right corner of a small chart.
    let mut title = vec![Span::raw(" client-op latency:")];
    for (line, color) in chart.lines.iter().zip(LINE_COLORS) {
        title.push(Span::styled(
            format!(" {}", line.name()),
            line_style(color, theme),
        ));
    }
    title.push(Span::raw(" "));
    let bucket = format!(" per {} s ", show(chart.bucket_s));
    let widget = Chart::new(datasets)
        .block(
            Block::bordered()
                .title(Line::from(title))
                .title_bottom(Line::from(bucket).right_aligned()),
        )
        .legend_position(None)
        .x_axis(axis(chart.span_s, "s", theme))
        .y_axis(axis(nice_top(chart.max_ms), "ms", theme));
    frame.render_widget(widget, area);
}

/// Median, 95th, 99th, maximum: cooler to hotter.
const LINE_COLORS: [Color; 4] = [Color::Green, Color::Cyan, Color::Yellow, Color::Red];

fn line_style(color: Color, theme: Theme) -> Style {
    if theme.color {
        Style::new().fg(color)
    } else {
        Style::new()
    }
}

/// An axis from 0 to `top` labelled at both ends and the middle.
fn axis(top: f64, unit: &str, theme: Theme) -> Axis<'static> {
    let top = top.max(f64::MIN_POSITIVE);
    Axis::default()
        .bounds([0.0, top])
        .style(theme.dim())
        .labels([
            "0".to_string(),
            show((top / 2.0 * 10.0).round() / 10.0),
            format!("{} {unit}", show((top * 10.0).round() / 10.0)),
        ])
}

/// `results.edn` folded as the user left it; the cursor row stays in view.
fn draw_tree(frame: &mut Frame<'_>, area: Rect, view: &mut ResultsView, theme: Theme) {
    let title = " results.edn · ↑↓ move · enter fold/unfold · t back ";
    let block = Block::bordered().title(title);
    let note = match &view.tree {
        None if view.summary.store_dir.is_none() => {
            Line::styled(" no store: no results.edn", theme.dim())
        }
        None => Line::styled(" reading results.edn…", theme.dim()),
        Some(Err(e)) => Line::styled(format!(" {e}"), theme.warn()),
        Some(Ok(_)) => {
            let items: Vec<ListItem<'_>> = view
                .tree_rows()
                .into_iter()
                .map(|row| {
                    let marker = match row.open {
                        Some(true) => "▾ ",
                        Some(false) => "▸ ",
                        None => "  ",
                    };
                    ListItem::new(format!("{}{marker}{}", "  ".repeat(row.depth), row.text))
                })
                .collect();
            let list = List::new(items)
                .block(block)
                .highlight_style(theme.selected());
            let tree_view = &mut view.tree_view;
            tree_view.list.select(Some(tree_view.cursor));
            frame.render_stateful_widget(list, area, &mut tree_view.list);
            return;
        }
    };
    frame.render_widget(Paragraph::new(note).block(block), area);
}

fn draw_verdict(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, theme: Theme) {
    let s = &view.summary;
    let status = status_name(s.status);
    let headline = if s.passed {
        " PASS ".to_string()
    } else {
        format!(" FAIL ({status}) ")
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(headline, theme.verdict(Some(s.passed))),
        Span::raw(format!(
            " {} · {} · wall {:.1} s{}",
            s.backend,
            // What was run (custom when the form changed a parameter), not the profile asked for.
            s.label(),
            s.wall_s,
            s.seed
                .map(|seed| format!(" · seed {seed}"))
                .unwrap_or_default()
        )),
    ])];
    lines.extend(
        s.reasons
            .iter()
            .take(4)
            .map(|r| Line::styled(format!(" ✗ {r}"), theme.fail())),
    );
    let warnings = &s.node_warnings;
    let shown = if warnings.len() > WARNING_ROWS {
        WARNING_ROWS - 1
    } else {
        warnings.len()
    };
    lines.extend(
        warnings[..shown]
            .iter()
            .map(|w| Line::styled(format!(" warning: {}", w.message), theme.warn())),
    );
    if shown < warnings.len() {
        lines.push(Line::styled(
            format!(" … and {} more node warnings", warnings.len() - shown),
            theme.warn(),
        ));
    }
    let title = format!(" {} · {} ", s.challenge, s.run_id);
    let mut block = Block::bordered().title(title);
    if let Some(bin) = &s.bin {
        block = block.title_bottom(Line::from(format!(" node {} ", bin.display())).right_aligned());
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// One gauge per threshold (value as a share of its limit) and one for availability.
fn draw_metrics(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, theme: Theme) {
    let s = &view.summary;
    let block = Block::bordered().title(" metrics vs thresholds ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut rows: Vec<(f64, String, Option<bool>)> = s
        .margins
        .iter()
        .map(|m| {
            let ratio = m.value.map_or(0.0, |v| (v / m.limit).clamp(0.0, 1.0));
            let label = format!(
                "{:<15}{:>9} < {:<6}",
                m.metric,
                number(m.value, 1),
                show(m.limit)
            );
            (ratio, label, Some(m.passed))
        })
        .collect();
    if let Some(ok) = s.availability {
        rows.push((
            ok.clamp(0.0, 1.0),
            format!("{:<15}{:>9}         ", "availability", percent(ok)),
            None,
        ));
    }
    if rows.is_empty() {
        let text = format!(
            " no thresholds beyond Maelstrom's :valid? · msgs/op {}",
            number(s.msgs_per_op, 2)
        );
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    for (i, (ratio, label, passed)) in rows.into_iter().enumerate() {
        let row = Rect {
            y: inner.y + i as u16,
            height: 1,
            ..inner
        };
        if row.y >= inner.bottom() {
            break;
        }
        // Availability has no limit: plain accent rather than pass or fail.
        let style = passed.map_or(theme.accent(), |p| theme.verdict(Some(p)));
        // A thick filled part still reads as a bar without colours.
        frame.render_widget(
            LineGauge::default()
                .ratio(ratio)
                .label(label)
                .filled_symbol("━")
                .filled_style(style),
            row,
        );
    }
}

/// The stable-latency quantiles from `results.edn`, or the summary's median and max.
fn stable_latencies(view: &ResultsView) -> Vec<(f64, f64)> {
    match &view.results {
        Some(r) if !r.stable_latencies.is_empty() => r.stable_latencies.clone(),
        _ => [
            (0.5, view.summary.latency_median_ms),
            (1.0, view.summary.latency_max_ms),
        ]
        .into_iter()
        .filter_map(|(q, v)| v.map(|v| (q, v)))
        .collect(),
    }
}

fn draw_latencies(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, theme: Theme) {
    let quantiles = stable_latencies(view);
    let mut lines: Vec<Line<'_>> = quantiles
        .iter()
        .map(|(q, ms)| Line::raw(format!(" {:>6}  {:>8} ms", show(*q), show(ms.round()))))
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled(" none recorded", theme.dim()));
    }
    let block = Block::bordered().title(" stable latency ");
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `p50 312 · p95 391 · max 489 ms`: the stable-latency quantiles on one line.
fn stable_quantiles(view: &ResultsView) -> String {
    let quantiles = stable_latencies(view);
    if quantiles.is_empty() {
        return "none recorded".into();
    }
    let shown: Vec<String> = quantiles
        .iter()
        .map(|(q, ms)| {
            let name = if *q >= 1.0 {
                "max".to_string()
            } else if *q <= 0.0 {
                "min".to_string()
            } else {
                format!("p{}", show((q * 100.0).round()))
            };
            format!("{name} {}", show(ms.round()))
        })
        .collect();
    format!("{} ms", shown.join(" · "))
}

/// Op counts, anomalies, parameters and paths; with `compact`, also the
/// stable-latency quantiles (whose table has no room then).
fn draw_facts(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, compact: bool, theme: Theme) {
    let s = &view.summary;
    let mut lines = Vec::new();
    if let Some(r) = &view.results {
        let st = r.stats;
        lines.push(Line::raw(format!(
            " ops {} · ok {} · fail {} · info {}",
            st.count, st.ok_count, st.fail_count, st.info_count
        )));
        let a = &r.anomalies;
        let mut found: Vec<String> = Vec::new();
        found.extend(a.lost_count.map(|n| format!("lost {n}")));
        found.extend(a.duplicated_count.map(|n| format!("duplicated {n}")));
        found.extend(
            (!a.bad_error_types.is_empty())
                .then(|| format!("bad errors: {}", a.bad_error_types.join(" "))),
        );
        found.extend(
            (!a.error_types.is_empty()).then(|| format!("errors: {}", a.error_types.join(" "))),
        );
        found.extend(
            (!a.anomaly_types.is_empty())
                .then(|| format!("anomalies: {}", a.anomaly_types.join(" "))),
        );
        if !found.is_empty() {
            lines.push(Line::styled(
                format!(" {}", found.join(" · ")),
                theme.warn(),
            ));
        }
    } else if let Some(e) = &view.load_error {
        lines.push(Line::styled(format!(" results.edn: {e}"), theme.warn()));
    }
    lines.push(Line::raw(format!(
        " msgs/op servers {} · all {}",
        number(s.msgs_per_op, 2),
        number(s.msgs_per_op_all, 2)
    )));
    if compact {
        lines.push(Line::raw(format!(
            " stable latency {}",
            stable_quantiles(view)
        )));
    }
    let p = &s.params;
    lines.push(Line::raw(format!(
        " {} · {} s{}",
        nodes(p.node_count),
        p.time_limit_s,
        p.rate
            .map(|r| format!(" · rate {}", show(r)))
            .unwrap_or_default()
    )));
    lines.push(Line::from(vec![Span::styled(" store ", theme.accent())]));
    let store = s.store_dir.as_ref().unwrap_or(&s.work_dir);
    lines.push(Line::raw(format!(" {}", store.display())));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" run ")),
        area,
    );
}

//! The Results screen: the verdict with a reason per failed criterion,
//! each thresholded metric as a gauge against its limit, latency
//! quantiles, op counts, anomalies and where the run's files are.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, Paragraph, Wrap};
use runner::verdict::show;

use super::{Theme, number, profile_name, status_name};
use crate::tui::app::{App, ResultsView};

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let Some(view) = &app.results else {
        let hint = "No results open: run a challenge, or open a past run from History (5).";
        frame.render_widget(
            Paragraph::new(hint).block(Block::bordered().title(" results ")),
            area,
        );
        return;
    };
    let s = &view.summary;
    let reasons = s.reasons.len().min(4) as u16;
    let gauges = s.margins.len() as u16 + u16::from(s.availability.is_some());
    let [verdict_area, metrics_area, details_area] = Layout::vertical([
        Constraint::Length(3 + reasons),
        Constraint::Length(gauges.max(1) + 2),
        Constraint::Fill(1),
    ])
    .areas(area);
    draw_verdict(frame, verdict_area, view, theme);
    draw_metrics(frame, metrics_area, view, theme);
    let [latency_area, facts_area] =
        Layout::horizontal([Constraint::Length(24), Constraint::Fill(1)]).areas(details_area);
    draw_latencies(frame, latency_area, view, theme);
    draw_facts(frame, facts_area, view, theme);
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
            " {} · {} · wall {:.1} s",
            s.backend,
            profile_name(s.profile),
            s.wall_s
        )),
    ])];
    lines.extend(
        s.reasons
            .iter()
            .take(4)
            .map(|r| Line::styled(format!(" ✗ {r}"), theme.fail())),
    );
    let title = format!(" {} · {} ", s.id, s.run_id);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
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
                "{:<15}{:>9} < {}",
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
            format!(
                "{:<15}{:>9}    ",
                "availability",
                format!("{:.1}%", ok * 100.0)
            ),
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
        let style = theme.verdict(passed);
        frame.render_widget(
            LineGauge::default()
                .ratio(ratio)
                .label(label)
                .filled_style(style),
            row,
        );
    }
}

fn draw_latencies(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, theme: Theme) {
    let quantiles: Vec<(f64, f64)> = match &view.results {
        Some(r) if !r.stable_latencies.is_empty() => r.stable_latencies.clone(),
        _ => [
            (0.5, view.summary.latency_median_ms),
            (1.0, view.summary.latency_max_ms),
        ]
        .into_iter()
        .filter_map(|(q, v)| v.map(|v| (q, v)))
        .collect(),
    };
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

/// Op counts, anomalies, parameters and paths.
fn draw_facts(frame: &mut Frame<'_>, area: Rect, view: &ResultsView, theme: Theme) {
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
    let p = &s.params;
    lines.push(Line::raw(format!(
        " {} nodes · {} s{}",
        p.node_count,
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

//! The Run screen: phase and progress of the session's current run, its
//! harness output, and one node's log with selector, follow, scrollback
//! and regex filter. Error lines stand out.

use std::borrow::Cow;
use std::sync::LazyLock;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph};
use regex::Regex;
use runner::event::Phase;
use runner::run_log::RunSummary;

use super::PAGE;
use crate::tui::app::{self, App, Effect, Input, InputPurpose, Screen};
use crate::tui::live::{ANALYSIS_ESTIMATE_S, LiveRun, LiveSession, LogBuffer};
use crate::tui::overlay::{Confirmed, Overlay};
use crate::tui::screens::results::ResultsView;
use crate::tui::ui::Theme;

static ERROR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(error|panic|panicked|fatal|exception)\b").expect("valid regex")
});
static WARN_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bwarn(ing)?\b").expect("valid regex"));
static WORKER_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Z]+ \[\S+ (?<time>[^\]]+)\] jepsen worker \d+ - jepsen\.util ")
        .expect("valid regex")
});

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

    fn select_node(&mut self, node: usize) {
        self.node = node;
        self.scroll = 0;
        self.follow = true;
    }

    /// Shows run `run` from its newest line, keeping the filter.
    pub fn select_run(&mut self, run: usize) {
        *self = RunView {
            run,
            filter: self.filter.take(),
            ..RunView::default()
        };
    }
}

pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(session) = app.session.as_ref() else {
        if key.code == KeyCode::Esc {
            app.go_back();
        }
        return Vec::new();
    };
    let watching = app.watch.as_ref().is_some_and(|w| !w.stopping);
    let stoppable = watching || (session.active() && !session.cancelling);
    let runs = session.runs.len();
    let nodes = session
        .runs
        .get(app.run_view.run)
        .map_or(0, |r| r.nodes.len());
    if key.code == KeyCode::Char('c') && stoppable {
        let prompt = match runs {
            _ if watching => "Stop watch mode (and its current cycle)?".to_string(),
            1 => "Cancel the running session?".to_string(),
            n => format!("Cancel the running session ({n} runs)?"),
        };
        app.overlay = Some(Overlay::confirm(prompt, Confirmed::CancelRun));
        return Vec::new();
    }
    let view = &mut app.run_view;
    match key.code {
        // Esc never stops the run: it clears the filter, then goes back.
        KeyCode::Esc if view.filter.is_some() => {
            view.filter = None;
            view.select_node(view.node);
        }
        KeyCode::Esc => app.go_back(),
        KeyCode::Tab | KeyCode::Char(']') if nodes > 0 => view.select_node((view.node + 1) % nodes),
        KeyCode::BackTab | KeyCode::Char('[') if nodes > 0 => {
            view.select_node((view.node + nodes - 1) % nodes)
        }
        KeyCode::Char('.') if runs > 0 => view.select_run((view.run + 1).min(runs - 1)),
        KeyCode::Char(',') => view.select_run(view.run.saturating_sub(1)),
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

/// Enter: the results of the shown run, once it has finished.
fn open_live_results(app: &mut App) -> Vec<Effect> {
    let outcome = app
        .session
        .as_ref()
        .and_then(|s| s.runs.get(app.run_view.run))
        .and_then(|r| r.outcome.as_ref());
    match outcome {
        Some(outcome) => {
            let summary = RunSummary::from(outcome.as_ref());
            let load = app::run_files(&summary);
            app.results = Some(ResultsView::new(summary, outcome.results.clone()));
            app.go(Screen::Results);
            load
        }
        None => {
            app.notice = Some("this run has not finished yet".into());
            Vec::new()
        }
    }
}

pub struct RunLayout {
    pub status: Rect,
    pub gauge: Rect,
    pub harness: Rect,
    pub node_log: Rect,
}

/// `node_log_width`: the widest line the node-log pane would show.
pub fn layout(area: Rect, node_log_width: usize) -> RunLayout {
    let [status, gauge, panes] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    // Side by side when wide, the node log as wide as its lines (within
    // 30-50 %), the harness output the rest; stacked otherwise.
    let [harness, node_log] = if panes.width >= 140 {
        let wanted = u16::try_from(node_log_width + 2).unwrap_or(u16::MAX);
        let width = wanted.clamp(panes.width * 3 / 10, panes.width / 2);
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(width)]).areas(panes)
    } else {
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(panes)
    };
    RunLayout {
        status,
        gauge,
        harness,
        node_log,
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let Some(session) = &app.session else {
        let hint = "No run yet: pick challenges on screen 1 (space) and press enter.";
        frame.render_widget(
            Paragraph::new(hint).block(Block::bordered().title(" run ")),
            area,
        );
        return;
    };
    let Some(run) = session.runs.get(app.run_view.run) else {
        return;
    };
    let RunLayout {
        status,
        gauge,
        harness,
        node_log,
    } = layout(area, node_log_width(app, run));
    let waiting = app.watch.is_some() && !session.active();
    draw_status(
        frame,
        status,
        session,
        run,
        app.run_view.run,
        waiting,
        theme,
    );
    draw_gauge(frame, gauge, session, run, app.now, theme);
    draw_harness(frame, harness, session, run, theme);
    draw_node_log(frame, node_log, app, run, theme);
}

/// The widest line the node-log pane shows for the selected node.
fn node_log_width(app: &App, run: &LiveRun) -> usize {
    run.nodes.get(app.run_view.node).map_or(0, |(_, buffer)| {
        buffer
            .lines()
            .filter(|l| app.run_view.shows(l))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    })
}

fn draw_status(
    frame: &mut Frame<'_>,
    area: Rect,
    session: &LiveSession,
    run: &LiveRun,
    index: usize,
    waiting: bool,
    theme: Theme,
) {
    let p = run.progress;
    let mut first = vec![
        Span::styled(format!(" {} ", run.id), theme.accent()),
        Span::raw(format!("run {}/{} ", index + 1, session.runs.len())),
    ];
    if let Some(run_id) = &run.run_id {
        first.push(Span::styled(run_id.clone(), theme.dim()));
    }
    if session.cancelling && session.active() {
        first.push(Span::styled("  cancelling…", theme.warn()));
    }
    if waiting {
        first.push(Span::styled("  watch: waiting for a change", theme.warn()));
    }
    let second = match &run.outcome {
        Some(outcome) if outcome.verdict.passed => {
            Line::styled(" PASS · enter for results", theme.pass())
        }
        Some(outcome) => {
            let reason = outcome.verdict.reasons.first().map_or("", String::as_str);
            Line::styled(format!(" FAIL: {reason}"), theme.fail())
        }
        None => Line::raw(format!(
            " ops invoked {} · ok {} · fail {} · info {} · node logs {}",
            p.ops_invoked,
            p.ops_ok,
            p.ops_fail,
            p.ops_info,
            run.nodes.len()
        )),
    };
    frame.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}

fn draw_gauge(
    frame: &mut Frame<'_>,
    area: Rect,
    session: &LiveSession,
    run: &LiveRun,
    now: Option<Instant>,
    theme: Theme,
) {
    let p = run.progress;
    // Seconds in the current phase, when the clock has ticked since it began.
    let in_phase = run
        .phase_since
        .zip(now)
        .map(|(since, now)| now.saturating_duration_since(since).as_secs());
    let limit = p.time_limit.as_secs_f64();
    let (ratio, label) = match run.phase {
        None if session.building.is_some() => (
            0.0,
            format!(
                "building: {}",
                session.building.as_deref().unwrap_or_default()
            ),
        ),
        None if session.build_error.is_some() => (0.0, "build failed".to_string()),
        None => (0.0, "waiting".to_string()),
        Some(Phase::Starting) => (0.0, "starting nodes".to_string()),
        Some(Phase::Running) => {
            let ratio = if limit > 0.0 {
                (p.elapsed.as_secs_f64() / limit).min(1.0)
            } else {
                0.0
            };
            (
                ratio,
                format!(
                    "running {:.0}/{:.0} s",
                    p.elapsed.as_secs_f64().min(limit),
                    limit
                ),
            )
        }
        Some(Phase::Recovery) => countdown(
            "recovery: quiet period and final reads",
            in_phase,
            run.recovery_s,
        ),
        Some(Phase::Analysing) => countdown("analysing", in_phase, ANALYSIS_ESTIMATE_S),
        Some(Phase::Done) => (1.0, "done".to_string()),
    };
    let style = match &run.outcome {
        Some(o) => theme.verdict(Some(o.verdict.passed)),
        None => theme.accent(),
    };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(style),
        area,
    );
}

/// The gauge of a phase expected to last `expected_s`: how much of it has
/// passed and how much is left (the analysis may outlast its estimate).
fn countdown(what: &str, in_phase: Option<u64>, expected_s: u64) -> (f64, String) {
    let Some(passed) = in_phase else {
        return (0.0, what.to_string());
    };
    let ratio = (passed as f64 / expected_s.max(1) as f64).min(1.0);
    let label = match expected_s.checked_sub(passed) {
        Some(left) if left > 0 => format!("{what} · about {left} s left"),
        _ => format!("{what} · {passed} s"),
    };
    (ratio, label)
}

fn draw_harness(
    frame: &mut Frame<'_>,
    area: Rect,
    session: &LiveSession,
    run: &LiveRun,
    theme: Theme,
) {
    let title = if session.building.is_some() {
        " build output "
    } else if session.build_error.is_some() {
        " build failed "
    } else {
        " harness output "
    };
    let block = Block::bordered().title(title);
    let height = usize::from(block.inner(area).height);
    let lines: Vec<Line<'_>> = match &session.build_error {
        Some(output) => build_failure(output, height)
            .map(|l| Line::styled(l, theme.fail()))
            .collect(),
        None if session.building.is_some() => {
            let log = &session.build_log;
            log.iter()
                .skip(log.len().saturating_sub(height))
                .map(|l| Line::raw(l.as_str()))
                .collect()
        }
        None => tail(&run.harness, height)
            .map(|l| {
                let style = line_style(l, theme);
                Line::styled(condensed(l).replace('\t', " "), style)
            })
            .collect(),
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The lines of a failed build's output that say why: from the first
/// compiler-style `error` line when there is one (cargo prints its progress
/// first), else the last lines, where shells and most tools end with the cause.
fn build_failure(output: &str, height: usize) -> impl Iterator<Item = &str> {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("error"))
        .unwrap_or(lines.len().saturating_sub(height));
    lines.into_iter().skip(start).take(height)
}

fn draw_node_log(frame: &mut Frame<'_>, area: Rect, app: &App, run: &LiveRun, theme: Theme) {
    let view = &app.run_view;
    let node = run.nodes.get(view.node);
    let mut title = vec![Span::raw(" node log ")];
    if view.follow {
        title.push(Span::styled("· follow ", theme.dim()));
    } else {
        title.push(Span::styled(format!("· {} up ", view.scroll), theme.warn()));
    }
    if let Some(filter) = &view.filter {
        title.push(Span::styled(
            format!("· /{}/ ", filter.as_str()),
            theme.accent(),
        ));
    }
    if let Some((_, buffer)) = node.filter(|(_, b)| b.dropped() > 0) {
        title.push(Span::styled(
            format!("· {} older dropped ", buffer.dropped()),
            theme.dim(),
        ));
    }
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [selector_area, log_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(
        selector(run, view.node, selector_area.width, theme),
        selector_area,
    );
    let Some((_, buffer)) = node else {
        frame.render_widget(
            Paragraph::new("no node has logged yet").style(theme.dim()),
            log_area,
        );
        return;
    };
    let height = usize::from(log_area.height);
    let shown: Vec<&str> = buffer.lines().filter(|l| view.shows(l)).collect();
    let scroll = if view.follow {
        0
    } else {
        view.scroll.min(shown.len().saturating_sub(height))
    };
    let end = shown.len() - scroll;
    let lines: Vec<Line<'_>> = shown[end.saturating_sub(height)..end]
        .iter()
        .map(|l| styled_line(l, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), log_area);
}

/// Node names in one line, scrolled so the selected one is visible.
fn selector(run: &LiveRun, selected: usize, width: u16, theme: Theme) -> Line<'static> {
    let names: Vec<String> = run
        .nodes
        .iter()
        .map(|(name, _)| format!(" {name} "))
        .collect();
    let width = usize::from(width);
    // First name shown: go back from the selected one while half the width allows.
    let mut first = selected.min(names.len().saturating_sub(1));
    let mut used = names.get(first).map_or(0, String::len);
    while first > 0 && used + names[first - 1].len() <= width / 2 {
        first -= 1;
        used += names[first].len();
    }
    let mut spans = Vec::new();
    if first > 0 {
        spans.push(Span::styled("…", theme.dim()));
    }
    for (i, name) in names.into_iter().enumerate().skip(first) {
        let style = if i == selected {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(name, style));
    }
    Line::from(spans)
}

fn tail(buffer: &LogBuffer, height: usize) -> impl Iterator<Item = &str> {
    buffer
        .lines()
        .skip(buffer.lines().len().saturating_sub(height))
}

/// A Jepsen operation line without the prefix every one repeats:
/// `INFO [2026-11-25 18:00:00,230] jepsen worker 0 - jepsen.util 0\t:invoke…`
/// becomes `18:00:00,230 0\t:invoke…` (time, then the process).
fn condensed(line: &str) -> Cow<'_, str> {
    WORKER_PREFIX.replace(line, "$time ")
}

/// Error lines red, warnings yellow.
fn line_style(line: &str, theme: Theme) -> Style {
    if ERROR_LINE.is_match(line) {
        theme.fail()
    } else if WARN_LINE.is_match(line) {
        theme.warn()
    } else {
        Style::new()
    }
}

fn styled_line(line: &str, theme: Theme) -> Line<'_> {
    let style = line_style(line, theme);
    // Tabs (Jepsen's op lines) would break cell alignment.
    if line.contains('\t') {
        Line::styled(line.replace('\t', " "), style)
    } else {
        Line::styled(line, style)
    }
}

//! The Run screen: phase and progress of the session's current run, its
//! harness output, and one node's log with selector, follow, scrollback
//! and regex filter. Error lines stand out.

use std::sync::LazyLock;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph};
use regex::Regex;
use runner::event::Phase;
use runner::history::RunSummary;

use super::PAGE;
use crate::tui::app::{self, App, Effect, Input, InputPurpose, Screen};
use crate::tui::live::{LiveRun, LiveSession, LogBuffer};
use crate::tui::screens::results::ResultsView;
use crate::tui::ui::Theme;

static ERROR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(error|panic|panicked|fatal|exception)\b").expect("valid regex")
});
static WARN_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bwarn(ing)?\b").expect("valid regex"));

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
        KeyCode::Char('c') => return app::cancel(app),
        KeyCode::Esc if active => return app::cancel(app),
        KeyCode::Esc => app.screen = Screen::Challenges,
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
            app.screen = Screen::Results;
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

pub fn layout(area: Rect) -> RunLayout {
    let [status, gauge, panes] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    // Side by side when wide, stacked otherwise; node logs get the larger share.
    let [harness, node_log] = if panes.width >= 140 {
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(panes)
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
    } = layout(area);
    draw_status(frame, status, session, run, app.run_view.run, theme);
    draw_gauge(frame, gauge, session, run, theme);
    draw_harness(frame, harness, session, run, theme);
    draw_node_log(frame, node_log, app, run, theme);
}

fn draw_status(
    frame: &mut Frame<'_>,
    area: Rect,
    session: &LiveSession,
    run: &LiveRun,
    index: usize,
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
    theme: Theme,
) {
    let p = run.progress;
    let limit = p.time_limit.as_secs_f64();
    let (ratio, label) = match run.phase {
        None if session.building => (
            0.0,
            "building node binaries (cargo build --release)".to_string(),
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
        Some(Phase::Recovery) => (1.0, "recovery: quiet period and final reads".to_string()),
        Some(Phase::Analysing) => (1.0, "analysing".to_string()),
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

fn draw_harness(
    frame: &mut Frame<'_>,
    area: Rect,
    session: &LiveSession,
    run: &LiveRun,
    theme: Theme,
) {
    let block = Block::bordered().title(" harness output ");
    let height = usize::from(block.inner(area).height);
    let lines: Vec<Line<'_>> = match &session.build_error {
        Some(output) => output
            .lines()
            .take(height)
            .map(|l| Line::styled(l, theme.fail()))
            .collect(),
        None => tail(&run.harness, height)
            .map(|l| styled_line(l, theme))
            .collect(),
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
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

fn styled_line(line: &str, theme: Theme) -> Line<'_> {
    let style = if ERROR_LINE.is_match(line) {
        theme.fail()
    } else if WARN_LINE.is_match(line) {
        theme.warn()
    } else {
        Style::new()
    };
    // Tabs (Jepsen's op lines) would break cell alignment.
    if line.contains('\t') {
        Line::styled(line.replace('\t', " "), style)
    } else {
        Line::styled(line, style)
    }
}

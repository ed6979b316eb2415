//! Drawing: `draw(frame, &mut App)` renders the whole dashboard from state;
//! the only thing it changes is the lists' scroll offsets (ratatui's
//! `TableState`), which clicks then read. Each screen draws itself (see
//! `screens`); this module holds the frame (tabs, footer), the overlays
//! (help, parameter form) and the shared styles.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use runner::catalog::Profile;

use super::app::{App, BRAND, InputPurpose, Screen};
use super::form::Form;
use super::screens::{challenges, compare, history, results, run};

/// The frame around every screen: tabs on top, keys or a message below.
pub struct FrameLayout {
    pub header: Rect,
    pub body: Rect,
    pub footer: Rect,
}

pub fn frame_layout(area: Rect) -> FrameLayout {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    FrameLayout {
        header,
        body,
        footer,
    }
}

pub fn draw(frame: &mut Frame<'_>, app: &mut App) {
    let theme = Theme { color: app.color };
    let FrameLayout {
        header,
        body,
        footer,
    } = frame_layout(frame.area());
    draw_header(frame, header, app, theme);
    match app.screen {
        Screen::Challenges => challenges::draw(frame, body, app, theme),
        Screen::Run => run::draw(frame, body, app, theme),
        Screen::Results => results::draw(frame, body, app, theme),
        Screen::Compare => compare::draw(frame, body, app, theme),
        Screen::History => history::draw(frame, body, app, theme),
    }
    draw_footer(frame, footer, app, theme);
    if let Some(form) = &app.form {
        draw_form(frame, form, theme);
    }
    if app.help {
        draw_help(frame, theme);
    }
}

/// Styles that degrade to plain text (bold/reverse only) without colour.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }
    pub fn pass(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn fail(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn accent(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    /// Green when `passed`, red when not, plain when there is nothing to judge.
    pub fn verdict(self, passed: Option<bool>) -> Style {
        match passed {
            Some(true) => self.pass(),
            Some(false) => self.fail(),
            None => Style::new(),
        }
    }
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let mut spans = vec![Span::styled(BRAND, theme.accent())];
    for screen in Screen::ALL {
        let style = if screen == app.screen {
            theme.selected()
        } else {
            Style::new()
        };
        spans.push(Span::styled(screen.tab(), style));
    }
    spans.push(Span::styled(
        format!(" {} · {}", app.backend, profile_name(app.profile)),
        theme.dim(),
    ));
    frame.render_widget(Line::from(spans), area);
}

fn draw_footer(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let line = if let Some(input) = &app.input {
        let prompt = match input.purpose {
            InputPurpose::LogFilter => "filter (regex): ",
            InputPurpose::HistoryFilter => "challenge: ",
        };
        let mut spans = vec![
            Span::styled(prompt, theme.accent()),
            Span::raw(input.text.clone()),
            Span::raw("▏"),
        ];
        if let Some(e) = &input.error {
            spans.push(Span::styled(format!("  {e}"), theme.fail()));
        }
        Line::from(spans)
    } else if let Some(notice) = &app.notice {
        Line::styled(notice.clone(), theme.warn())
    } else {
        Line::styled(keys(app), theme.dim())
    };
    frame.render_widget(line, area);
}

/// The keys of the current screen, shortest first so 80 columns show the essentials.
fn keys(app: &App) -> &'static str {
    match app.screen {
        Screen::Challenges => {
            "↑↓ move · space select · enter run · a all · b backend · p profile · e params · c compare · ? help · q quit"
        }
        Screen::Run => {
            "tab/[ ] node · f follow · PgUp/PgDn scroll · / filter · , . run · c cancel · enter results · ? help"
        }
        Screen::Results if app.results.as_ref().is_some_and(|r| r.tree_view.shown) => {
            "↑↓ move · PgUp/PgDn page · enter/space fold · t or esc summary · ? help · q quit"
        }
        Screen::Results => {
            "t results.edn tree · o open store dir · 1-5 screens · esc back · ? help · q quit"
        }
        Screen::Compare => "1-5 screens · esc back · ? help · q quit",
        Screen::History => {
            "↑↓ move · enter open · o store · / filter · m mark · c compare marked · ? help"
        }
    }
}

const HELP: &[(&str, &str)] = &[
    (
        "everywhere",
        "1-5 switch screen · ? help · q or Ctrl-C quit (stops a running session first)",
    ),
    (
        "lists",
        "j/k or ↑/↓ move · g/G or Home/End first/last · mouse: wheel scrolls, click picks a tab or row",
    ),
    (
        "challenges",
        "space select · enter run selected (or the one under the cursor) · a run all · b backend sim/maelstrom · p profile official/quick · e edit parameters · c compare latest runs (two selected, or 3d vs 3e)",
    ),
    (
        "run",
        "tab/] next node · shift-tab/[ previous node · , . previous/next run · f follow · PgUp/PgDn or k/j scroll · / regex filter (esc clears) · c or esc cancel · enter results",
    ),
    (
        "history",
        "enter open · o open its store directory ($GLOMERS_OPEN, xdg-open or open) · / filter by challenge · m mark · c compare marked run with the cursor",
    ),
    (
        "results",
        "t full results.edn tree · in the tree: j/k or ↑/↓ move · PgUp/PgDn page · enter/space fold or unfold · t or esc back to the summary · o open the store directory · elsewhere esc back",
    ),
    (
        "compare",
        "esc back · with 3d/3e runs of several --node-env settings, the frontier shows the latest run of each",
    ),
];

fn draw_help(frame: &mut Frame<'_>, theme: Theme) {
    let area = centered(frame.area(), 76, 20);
    let lines: Vec<Line<'_>> = HELP
        .iter()
        .map(|(section, keys)| {
            Line::from(vec![
                Span::styled(format!("{section}: "), theme.accent()),
                Span::raw(*keys),
            ])
        })
        .collect();
    let help = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(" keys (any key closes) "));
    frame.render_widget(Clear, area);
    frame.render_widget(help, area);
}

fn draw_form(frame: &mut Frame<'_>, form: &Form, theme: Theme) {
    let area = centered(frame.area(), 60, form.fields.len() as u16 + 5);
    let mut lines: Vec<Line<'_>> = form
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let value = format!(" {:<12}", field.text);
            let style = if i == form.focus {
                theme.selected()
            } else {
                theme.dim()
            };
            Line::from(vec![
                Span::raw(format!("{:>15} ", field.label)),
                Span::styled(value, style),
                Span::styled(format!("  default {}", field.default), theme.dim()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(match &form.error {
        Some(e) => Line::styled(e.clone(), theme.fail()),
        None => Line::styled(
            "empty = profile default · ↑↓ move · enter apply · esc cancel",
            theme.dim(),
        ),
    });
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" run parameters ")),
        area,
    );
}

/// A `width`×`height` rectangle in the middle of `area` (shrunk to fit).
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// An axis top: the highest value rounded up to a round number, in
/// steps fine enough that the lines still fill most of the height.
pub fn nice_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * magnitude)
}

/// A metric for a table cell: `-` when unknown.
pub fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

/// Whether `metric` of a run met its threshold, from the runner's verdict margins.
pub fn margin_passed(margins: &[runner::verdict::Margin], metric: &str) -> Option<bool> {
    margins
        .iter()
        .find(|m| metric.starts_with(m.metric.as_str()))
        .map(|m| m.passed)
}

pub fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Official => "official",
        Profile::Quick => "quick",
    }
}

/// A run status as the history and `--json` spell it (`build-failed`, ...).
pub fn status_name(status: runner::session::RunStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

//! Drawing: `draw(frame, &mut App)` renders the whole dashboard from state;
//! the only thing it changes is the lists' scroll offsets (ratatui's
//! `TableState`/`ListState`), which clicks then read. Each screen draws
//! itself (see `screens`), and so do the overlays (`overlay`); this module
//! holds the frame (tabs, key bar or message), the parameter form and the
//! shared styles.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use runner::catalog::Profile;

use super::app::{App, BRAND, InputPurpose, Screen};
use super::form::Form;
use super::overlay;
use super::screens::{challenges, compare, results, run, runs};

/// Rows the status line may take for a long message before it goes in a popup.
const FOOTER_MAX_ROWS: u16 = 3;

/// The frame around every screen: tabs on top, keys or a message below.
pub struct FrameLayout {
    pub header: Rect,
    pub body: Rect,
    pub footer: Rect,
}

/// The status line grows to show a long message whole (up to [`FOOTER_MAX_ROWS`]).
pub fn frame_layout(area: Rect, app: &App) -> FrameLayout {
    let width = usize::from(area.width.max(1));
    let footer_rows = match (&app.input, &app.notice) {
        (None, Some(notice)) => notice.chars().count().div_ceil(width).max(1),
        _ => 1,
    };
    let footer_rows = u16::try_from(footer_rows)
        .unwrap_or(u16::MAX)
        .min(FOOTER_MAX_ROWS);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(footer_rows),
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
    } = frame_layout(frame.area(), app);
    draw_header(frame, header, app, theme);
    match app.screen {
        Screen::Challenges => challenges::draw(frame, body, app, theme),
        Screen::Run => run::draw(frame, body, app, theme),
        Screen::Results => results::draw(frame, body, app, theme),
        Screen::Compare => compare::draw(frame, body, app, theme),
        Screen::Runs => runs::draw(frame, body, app, theme),
    }
    draw_footer(frame, footer, app, theme);
    if let Some(form) = &app.form {
        draw_form(frame, form, theme);
    }
    if let Some(open) = &app.overlay {
        overlay::draw(frame, open, app.screen, theme);
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

/// Backend and profile, after the tabs.
fn header_settings(app: &App) -> String {
    let watch = match &app.watch {
        Some(watch) => format!(" · watch ● {}", watch.cycle),
        None => String::new(),
    };
    format!(" {} · {}{watch}", app.backend, profile_name(app.profile))
}

/// The tabs as drawn at `width`: full names when everything fits, else only
/// the current screen's name and the others' numbers.
fn tabs(app: &App, width: u16) -> Vec<(Screen, String)> {
    let full: Vec<(Screen, String)> = Screen::ALL.into_iter().map(|s| (s, s.tab())).collect();
    let used: usize = BRAND.chars().count()
        + full.iter().map(|(_, t)| t.chars().count()).sum::<usize>()
        + header_settings(app).chars().count();
    if used <= usize::from(width) {
        return full;
    }
    Screen::ALL
        .into_iter()
        .map(|s| {
            let tab = if s == app.screen {
                s.tab()
            } else {
                s.short_tab()
            };
            (s, tab)
        })
        .collect()
}

/// The screen whose tab covers `column` of the header row, drawn `width` wide.
pub fn tab_at(app: &App, width: u16, column: u16) -> Option<Screen> {
    let mut start = BRAND.chars().count();
    tabs(app, width).into_iter().find_map(|(screen, tab)| {
        let end = start + tab.chars().count();
        let hit = (start..end).contains(&usize::from(column));
        start = end;
        hit.then_some(screen)
    })
}

fn draw_header(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let mut spans = vec![Span::styled(BRAND, theme.accent())];
    for (screen, tab) in tabs(app, area.width) {
        let style = if screen == app.screen {
            theme.selected()
        } else {
            Style::new()
        };
        spans.push(Span::styled(tab, style));
    }
    spans.push(Span::styled(header_settings(app), theme.dim()));
    frame.render_widget(Line::from(spans), area);
}

fn draw_footer(frame: &mut Frame<'_>, area: Rect, app: &App, theme: Theme) {
    let line = if let Some(input) = &app.input {
        let prompt = match input.purpose {
            InputPurpose::LogFilter => "filter (regex): ",
            InputPurpose::RunsFilter => "challenge: ",
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
        let notice = Paragraph::new(notice.as_str())
            .style(theme.warn())
            .wrap(Wrap { trim: false });
        frame.render_widget(notice, area);
        return;
    } else {
        Line::styled(key_bar(&keys(app), usize::from(area.width)), theme.dim())
    };
    frame.render_widget(line, area);
}

/// Always there, whatever the width.
const ESSENTIAL_KEYS: &str = "? help · q quit";

/// As many of `hints` (most important first) as fit before `? help · q quit`,
/// shown in their given order.
fn key_bar(hints: &[&str], width: usize) -> String {
    const SEP: &str = " · ";
    let mut used = ESSENTIAL_KEYS.chars().count();
    let mut shown = Vec::new();
    for hint in hints {
        let more = hint.chars().count() + SEP.chars().count();
        if used + more <= width {
            used += more;
            shown.push(*hint);
        }
    }
    shown.push(ESSENTIAL_KEYS);
    shown.join(SEP)
}

/// The current screen's keys, most important first (see [`key_bar`]).
fn keys(app: &App) -> Vec<&'static str> {
    match app.screen {
        Screen::Challenges => vec![
            "enter run",
            "space select",
            "↑↓ move",
            "p profile",
            "b backend",
            "e params",
            "a all",
            "c compare",
            "w watch",
        ],
        Screen::Run => {
            let active = app.session.as_ref().is_some_and(|s| s.active());
            let mut keys = vec!["esc back"];
            keys.extend(match &app.watch {
                Some(_) => Some("c stop watch"),
                None => active.then_some("c cancel"),
            });
            keys.extend([
                "enter results",
                "tab/[ ] node",
                "/ filter",
                "f follow",
                "PgUp/PgDn scroll",
                ", . run",
            ]);
            keys
        }
        Screen::Results if app.results.as_ref().is_some_and(|r| r.tree_view.shown) => vec![
            "↑↓ move",
            "enter/space fold",
            "t or esc summary",
            "PgUp/PgDn page",
        ],
        Screen::Results if app.results.as_ref().is_some_and(|r| r.why.shown) => {
            vec!["↑↓ move", "enter details", "esc back", "PgUp/PgDn scroll"]
        }
        Screen::Results if app.results.as_ref().is_some_and(|r| !r.summary.passed) => vec![
            "esc back",
            "e why",
            "t results.edn tree",
            "o open store dir",
            "1-5 screens",
        ],
        Screen::Results => vec![
            "esc back",
            "t results.edn tree",
            "o open store dir",
            "1-5 screens",
        ],
        Screen::Compare => vec!["esc back", "1-5 screens"],
        Screen::Runs => vec![
            "enter open",
            "esc back",
            "↑↓ move",
            "/ filter",
            "m mark",
            "c compare marked",
            "o store",
        ],
    }
}

fn draw_form(frame: &mut Frame<'_>, form: &Form, theme: Theme) {
    let area = centered(frame.area(), 66, form.fields.len() as u16 + 5);
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
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
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

/// An ok-fraction as Results and Compare both show it: `99.5%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// `1 node`, `5 nodes`.
pub fn nodes(count: u32) -> String {
    if count == 1 {
        "1 node".into()
    } else {
        format!("{count} nodes")
    }
}

pub fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Official => "official",
        Profile::Quick => "quick",
    }
}

/// A run status as the run log and `--json` spell it (`build-failed`, ...).
pub fn status_name(status: runner::session::RunStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

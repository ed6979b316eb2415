//! Boxes drawn over any screen that take the keyboard until closed: the
//! help, a yes/no confirmation with any prompt, and a scrollable text popup
//! (long messages). Each is generic: screens open them with their own text.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::{App, Effect, Screen};
use super::session;
use super::ui::{Theme, centered};

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The keys, the current screen's first; `scroll` lines scrolled down.
    Help {
        scroll: u16,
    },
    Confirm(Confirm),
    Popup(Popup),
}

/// A question answered with `y` (anything else says no).
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub prompt: String,
    pub on_yes: Confirmed,
}

/// What a confirmation does when answered `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// Stop the running session and stay.
    CancelRun,
    /// Stop the running session and leave the dashboard.
    Quit,
    /// Start every challenge of the catalog.
    RunAll,
}

/// A titled text too long for the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Popup {
    pub title: String,
    pub text: String,
    pub scroll: u16,
}

impl Overlay {
    pub fn confirm(prompt: impl Into<String>, on_yes: Confirmed) -> Overlay {
        Overlay::Confirm(Confirm {
            prompt: prompt.into(),
            on_yes,
        })
    }

    pub fn popup(title: impl Into<String>, text: impl Into<String>) -> Overlay {
        Overlay::Popup(Popup {
            title: title.into(),
            text: text.into(),
            scroll: 0,
        })
    }
}

/// A key while `overlay` is open; it stays open unless the key closes it.
pub fn on_key(app: &mut App, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
    match overlay {
        Overlay::Help { scroll } => {
            if let Some(scroll) = scrolled(scroll, key) {
                app.overlay = Some(Overlay::Help { scroll });
            }
            Vec::new()
        }
        Overlay::Popup(mut popup) => {
            if let Some(scroll) = scrolled(popup.scroll, key) {
                popup.scroll = scroll;
                app.overlay = Some(Overlay::Popup(popup));
            }
            Vec::new()
        }
        Overlay::Confirm(confirm) if key.code == KeyCode::Char('y') => match confirm.on_yes {
            Confirmed::CancelRun => session::cancel(app),
            Confirmed::Quit => session::quit(app),
            Confirmed::RunAll => {
                let all = app.challenges.clone();
                session::start(app, all)
            }
        },
        // Anything but `y` is no: the box closes and nothing changes.
        Overlay::Confirm(_) => Vec::new(),
    }
}

/// The new scroll for a scrolling key; `None` for any other key (which closes).
fn scrolled(scroll: u16, key: KeyEvent) -> Option<u16> {
    match key.code {
        KeyCode::Down | KeyCode::Char('j') => Some(scroll.saturating_add(1)),
        KeyCode::Up | KeyCode::Char('k') => Some(scroll.saturating_sub(1)),
        KeyCode::PageDown => Some(scroll.saturating_add(10)),
        KeyCode::PageUp => Some(scroll.saturating_sub(10)),
        KeyCode::Home | KeyCode::Char('g') => Some(0),
        _ => None,
    }
}

/// Keys per section; `Some(screen)` sections go first when on that screen.
const HELP: &[(Option<Screen>, &str, &str)] = &[
    (
        Some(Screen::Challenges),
        "challenges",
        "space select (and move down) · enter run selected (or the one under the cursor) · a run all (asks first) · b backend sim/maelstrom (real Maelstrom: set $MAELSTROM or put maelstrom on PATH) · p profile official/quick · e edit parameters · c compare latest runs (two selected, or 3d vs 3e) · w watch mode: rerun the selected (or cursor's) challenges on every save of the node, w again stops",
    ),
    (
        Some(Screen::Run),
        "run",
        "tab/] next node · shift-tab/[ previous node · , . previous/next run · f follow · PgUp/PgDn or k/j scroll · / regex filter · esc clears the filter, then goes back (the run goes on) · c cancel the run (asks first) · enter results",
    ),
    (
        Some(Screen::Results),
        "results",
        "e why: the run's findings from its store (a passing run too: protocol problems, values missing from final reads); enter shows one's evidence and messages (nodes as columns, ✗ dropped by a partition) · t full results.edn tree · in the tree: j/k or ↑/↓ move · PgUp/PgDn page · enter/space fold or unfold · t or esc back to the summary · o open the store directory · elsewhere esc back",
    ),
    (
        Some(Screen::Compare),
        "compare",
        "esc back · with 3d/3e runs of several --node-env settings, the frontier shows the latest run of each",
    ),
    (
        Some(Screen::Runs),
        "runs",
        "enter open · o open its store directory ($GLOMERS_OPEN, xdg-open or open) · / filter by challenge (esc clears it, then goes back) · m mark · c compare marked run with the cursor",
    ),
    (
        Some(Screen::Challenges),
        "node",
        "each challenge runs the node glomers.toml names (found in this directory or a parent; `glomers init` writes one): [challenges] 1 = \"bin/echo\", 3b = { bin = \"bin/broadcast\", args = [...], env = { K = \"V\" } }, and an optional [build] command = \"...\" run before a session; paths are relative to the file. Without one, inside the glomers workspace, our own nodes crate runs; --bin PATH runs one binary for every challenge",
    ),
    (
        None,
        "everywhere",
        "1-5 switch screen · esc back to where you came from · ? help · q quit (asks first while a run is going) · Ctrl-C quit at once (stops a running session first)",
    ),
    (
        None,
        "lists",
        "j/k or ↑/↓ move · g/G or Home/End first/last · mouse: wheel scrolls, click picks a tab or row",
    ),
];

/// The help's lines: the current screen's section, the general ones, then the rest.
pub fn help_lines(screen: Screen, theme: Theme) -> Vec<Line<'static>> {
    let rank = |of: Option<Screen>| match of {
        Some(s) if s == screen => 0,
        None => 1,
        Some(_) => 2,
    };
    let mut sections: Vec<_> = HELP.iter().collect();
    sections.sort_by_key(|(of, ..)| rank(*of));
    sections
        .into_iter()
        .map(|(_, section, keys)| {
            Line::from(vec![
                Span::styled(format!("{section}: "), theme.accent()),
                Span::raw(*keys),
            ])
        })
        .collect()
}

pub fn draw(frame: &mut Frame<'_>, overlay: &Overlay, screen: Screen, theme: Theme) {
    match overlay {
        Overlay::Help { scroll } => {
            let area = centered(frame.area(), 76, 20);
            let title = " keys · ↑↓ scroll · esc closes ";
            draw_text(frame, area, title, help_lines(screen, theme), *scroll);
        }
        Overlay::Popup(popup) => {
            let area = centered(frame.area(), 70, 12);
            let title = format!(" {} · esc closes ", popup.title);
            let lines = popup
                .text
                .lines()
                .map(|l| Line::raw(l.to_string()))
                .collect();
            draw_text(frame, area, &title, lines, popup.scroll);
        }
        Overlay::Confirm(confirm) => {
            let area = centered(frame.area(), 60, 7);
            let lines = vec![
                Line::raw(confirm.prompt.clone()),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("y", theme.accent()),
                    Span::raw(" yes · any other key no"),
                ]),
            ];
            frame.render_widget(Clear, area);
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered().title(" confirm ")),
                area,
            );
        }
    }
}

/// Wrapped `lines` in a bordered box, scrolled no further than the last line
/// and marked `more ↓` while some are below.
fn draw_text(frame: &mut Frame<'_>, area: Rect, title: &str, lines: Vec<Line<'_>>, scroll: u16) {
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let height = area.height.saturating_sub(2);
    let rows: usize = lines
        .iter()
        .map(|l| wrapped_rows(&l.to_string(), inner_width))
        .sum();
    let rows = u16::try_from(rows).unwrap_or(u16::MAX);
    let scroll = scroll.min(rows.saturating_sub(height));
    let mut block = Block::bordered().title(title.to_string());
    if scroll + height < rows {
        block = block.title_bottom(Line::from(" more ↓ ").right_aligned());
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .scroll((scroll, 0))
            .block(block),
        area,
    );
}

/// Rows `text` takes wrapped at word boundaries to `width` columns.
fn wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_whitespace().map(|w| w.chars().count()) {
        let needed = if used == 0 { word } else { used + 1 + word };
        if needed <= width {
            used = needed;
        } else {
            rows += 1 + (word.saturating_sub(1)) / width;
            used = word % width;
            if used == 0 && word > 0 {
                used = width;
            }
        }
    }
    rows
}

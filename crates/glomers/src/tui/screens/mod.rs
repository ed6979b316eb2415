//! One module per screen, each the one home of that screen: its view state,
//! its keys and clicks, its `layout(area)` (shared by drawing and mouse
//! hit-testing) and its drawing. Routing between them is `app`'s.

pub mod challenges;
pub mod compare;
pub mod history;
pub mod results;
pub mod run;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::widgets::TableState;

/// Lines moved by PgUp/PgDn in the node-log pane and the results tree.
pub const PAGE: usize = 10;
/// Log lines moved by one notch of the mouse wheel.
pub const WHEEL_LINES: usize = 3;

/// Moves a list cursor by a navigation key; `None` when the key is not one.
fn moved(cursor: usize, len: usize, key: KeyEvent) -> Option<usize> {
    let last = len.saturating_sub(1);
    let next = match key.code {
        KeyCode::Down | KeyCode::Char('j') => (cursor + 1).min(last),
        KeyCode::Up | KeyCode::Char('k') => cursor.saturating_sub(1),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return None,
    };
    Some(next)
}

/// The item of `len` drawn at screen row `y` by a bordered table with a
/// header in `area`, scrolled as `state` was at the last draw.
fn table_row_at(area: Rect, state: &TableState, y: u16, len: usize) -> Option<usize> {
    // Border and header above the first item, border below the last.
    let first_y = area.y + 2;
    let visible = area.height.saturating_sub(3);
    let offset = y.checked_sub(first_y).filter(|o| *o < visible)?;
    let row = state.offset() + usize::from(offset);
    (row < len).then_some(row)
}

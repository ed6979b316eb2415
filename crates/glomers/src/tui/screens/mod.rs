//! One module per screen, each the one home of that screen: its view state,
//! its keys and clicks, its `layout(area)` (shared by drawing and mouse
//! hit-testing) and its drawing. Routing between them is `app`'s.

pub mod challenges;
pub mod compare;
pub mod results;
pub mod run;
pub mod runs;
pub mod why;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::TableState;

use super::ui::Theme;

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

/// `6/16` on the bottom border of a bordered table with a header, with an
/// arrow while rows are hidden below or above.
fn draw_position(frame: &mut Frame<'_>, area: Rect, state: &TableState, len: usize, theme: Theme) {
    if area.height < 4 || len == 0 {
        return;
    }
    let visible = usize::from(area.height - 3);
    let first = state.offset();
    let mut text = format!(" {}/{len} ", state.selected().unwrap_or(0).min(len - 1) + 1);
    if first > 0 {
        text.insert(0, '↑');
    }
    if first + visible < len {
        text.push_str("↓ more ");
    }
    let bottom = Rect {
        y: area.bottom() - 1,
        height: 1,
        x: area.x + 1,
        width: area.width.saturating_sub(2),
    };
    frame.render_widget(Line::styled(text, theme.dim()).right_aligned(), bottom);
}

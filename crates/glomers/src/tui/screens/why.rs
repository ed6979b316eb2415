//! The why pane of the Results screen (`e` on a failed run): the findings
//! the `explain` crate draws from the run's store, and for the finding under
//! the cursor (enter) its evidence and the messages that carried its values
//! as a sequence diagram: one column per node, one arrow per message,
//! partition drops marked, and the rows sent while a partition was in force
//! shaded (a `░` gutter, a dim background in colour) under a line naming the
//! partition's groups. Reading the store is the event loop's job
//! ([`Effect::Explain`]); this module only holds and draws the answer.

use crossterm::event::{KeyCode, KeyEvent};
use explain::{Explanation, Fate, Partition, Traced};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};

use super::{PAGE, moved};
use crate::tui::app::{App, Effect};
use crate::tui::ui::Theme;

#[derive(Debug, Clone, Default)]
pub struct WhyView {
    /// Shown instead of the summary.
    pub shown: bool,
    /// `None` until the event loop has explained the store.
    pub explanation: Option<Result<Explanation, String>>,
    /// Selected finding.
    pub cursor: usize,
    /// The finding opened with enter, and how far its detail is scrolled.
    pub open: Option<usize>,
    pub scroll: u16,
    /// The list's scroll, kept between frames.
    pub list: ListState,
}

impl WhyView {
    fn findings(&self) -> &[explain::Finding] {
        match &self.explanation {
            Some(Ok(explanation)) => &explanation.findings,
            _ => &[],
        }
    }
}

/// `e` on the Results summary: opens the pane, asking for the findings the first time.
pub fn open(app: &mut App) -> Vec<Effect> {
    let Some(view) = app.results.as_mut() else {
        return Vec::new();
    };
    // A passing run is explained too: Maelstrom's verdict can be valid while
    // a node broke the protocol or some final read still missed a value.
    let Some(store_dir) = view.summary.store_dir.clone() else {
        app.notice = Some("this run kept no store: nothing to explain from".into());
        return Vec::new();
    };
    view.why.shown = true;
    if view.why.explanation.is_some() {
        return Vec::new();
    }
    vec![Effect::Explain {
        run_id: view.summary.run_id.clone(),
        store_dir,
    }]
}

/// The answer to [`Effect::Explain`], kept if that run is still the one shown.
pub fn loaded(app: &mut App, run_id: &str, explanation: Result<Explanation, String>) {
    if let Some(view) = app.results.as_mut().filter(|v| v.summary.run_id == run_id) {
        view.why.explanation = Some(explanation);
    }
}

/// A key while the pane is shown.
pub fn on_key(view: &mut WhyView, key: KeyEvent) {
    if view.open.is_some() {
        view.scroll = match key.code {
            KeyCode::Down | KeyCode::Char('j') => view.scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => view.scroll.saturating_sub(1),
            KeyCode::PageDown => view.scroll.saturating_add(PAGE as u16),
            KeyCode::PageUp => view.scroll.saturating_sub(PAGE as u16),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::Esc | KeyCode::Enter => {
                view.open = None;
                0
            }
            _ => view.scroll,
        };
        return;
    }
    let count = view.findings().len();
    if let Some(cursor) = moved(view.cursor, count, key) {
        view.cursor = cursor;
        return;
    }
    match key.code {
        KeyCode::Enter if view.cursor < count => {
            view.open = Some(view.cursor);
            view.scroll = 0;
        }
        KeyCode::Esc | KeyCode::Char('e') => view.shown = false,
        _ => {}
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, view: &mut WhyView, theme: Theme) {
    let explanation = match &view.explanation {
        Some(Ok(explanation)) => explanation,
        other => {
            let note = match other {
                Some(Err(e)) => Line::styled(format!(" {e}"), theme.warn()),
                _ => Line::styled(" explaining the run's store…", theme.dim()),
            };
            let block = Block::bordered().title(" why ");
            frame.render_widget(Paragraph::new(note).block(block), area);
            return;
        }
    };
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    if let Some(finding) = view.open.and_then(|i| explanation.findings.get(i)) {
        let lines = detail_lines(finding, explanation, width, theme);
        let height = area.height.saturating_sub(2);
        let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        view.scroll = view.scroll.min(rows.saturating_sub(height));
        let mut block = Block::bordered().title(format!(
            " {} · ↑↓ PgUp/PgDn scroll · esc findings ",
            finding.kind
        ));
        if view.scroll + height < rows {
            block = block.title_bottom(Line::from(" more ↓ ").right_aligned());
        }
        frame.render_widget(
            Paragraph::new(lines).scroll((view.scroll, 0)).block(block),
            area,
        );
        return;
    }
    let mut block = Block::bordered().title(format!(
        " why: {} · enter details · e or esc summary ",
        finding_count(explanation.findings.len())
    ));
    if let Some(note) = journal_note(explanation) {
        block = block.title_bottom(Line::from(format!(" {note} ")).right_aligned());
    }
    if explanation.findings.is_empty() {
        let note = Line::raw(format!(" {}", explanation.headline()));
        frame.render_widget(Paragraph::new(note).block(block), area);
        return;
    }
    // The kind, then the summary wrapped under it: nothing is cut.
    let items: Vec<ListItem<'_>> = explanation
        .findings
        .iter()
        .map(|finding| {
            let mut lines = vec![Line::styled(finding.kind.clone(), theme.accent())];
            lines.extend(
                wrap(&finding.summary, width.saturating_sub(2))
                    .into_iter()
                    .map(|l| Line::raw(format!("  {l}"))),
            );
            ListItem::new(lines)
        })
        .collect();
    let list = List::new(items)
        .block(block)
        .highlight_style(theme.selected());
    view.list.select(Some(view.cursor));
    frame.render_stateful_widget(list, area, &mut view.list);
}

fn finding_count(n: usize) -> String {
    format!("{n} finding{}", if n == 1 { "" } else { "s" })
}

/// Which journal the traces come from, and what it lacks.
fn journal_note(explanation: &Explanation) -> Option<String> {
    let source = explanation.journal.as_ref()?;
    Some(match &source.note {
        Some(note) => format!("journal {} (incomplete: {note})", source.file),
        None => format!("journal {} (complete)", source.file),
    })
}

/// A finding opened: its summary, its evidence, then its messages.
fn detail_lines(
    finding: &explain::Finding,
    explanation: &Explanation,
    width: usize,
    theme: Theme,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = wrap(&finding.summary, width)
        .into_iter()
        .map(|l| Line::styled(l, theme.accent()))
        .collect();
    for evidence in &finding.evidence {
        let mut wrapped = wrap(evidence, width.saturating_sub(2)).into_iter();
        lines.extend(wrapped.next().map(|l| Line::raw(format!("• {l}"))));
        lines.extend(wrapped.map(|l| Line::raw(format!("  {l}"))));
    }
    lines.push(Line::raw(""));
    if finding.messages.is_empty() {
        let why = if explanation.journal.is_some() {
            "no message in the journal carried these values"
        } else {
            "no network journal in this store: no message trace"
        };
        lines.push(Line::styled(why, theme.dim()));
        return lines;
    }
    let heading = format!(
        "messages ({}){}",
        finding.messages.len(),
        journal_note(explanation)
            .map(|n| format!(" · {n}"))
            .unwrap_or_default()
    );
    lines.extend(
        wrap(&heading, width)
            .into_iter()
            .map(|l| Line::styled(l, theme.accent())),
    );
    for row in sequence(&finding.messages, &finding.partitions, width) {
        let mut style = match (row.fate, row.partition) {
            (Some(Fate::Dropped), _) => theme.fail(),
            (Some(Fate::Undelivered | Fate::Unknown), _) => theme.warn(),
            (None, Some(_)) => theme.warn(),
            _ => Style::new(),
        };
        if row.partition == Some(true) && theme.color {
            style = style.bg(SHADE);
        }
        lines.push(Line::from(Span::styled(row.text, style)));
    }
    lines
}

/// Background of the rows sent during a partition (colour only; the gutter says it in text).
const SHADE: Color = Color::Indexed(236);
/// Marks a row sent while a partition was in force.
const GUTTER: char = '░';

/// One row of a sequence diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub text: String,
    /// The message's fate; `None` for the header and partition lines.
    pub fate: Option<Fate>,
    /// `Some(true)` inside a partition, `Some(false)` on the line saying it healed.
    pub partition: Option<bool>,
}

/// Width of the time column: `  12.345 s`.
const TIME_WIDTH: usize = 10;
/// Narrowest node column that still shows an arrow head between two lanes.
const MIN_LANE: usize = 5;
const MAX_LANE: usize = 12;
/// Room left right of the lanes for the message's type and id.
const LABEL_ROOM: usize = 18;

/// `messages` as a sequence diagram `width` columns wide: a row of node
/// names, then one row per message (with its fate, to colour it), each led
/// by a gutter that is `░` while one of `partitions` was in force, and a line
/// where each partition begins (its groups) and ends. With too many nodes
/// for the width, one line per message instead.
pub fn sequence(messages: &[Traced], partitions: &[Partition], width: usize) -> Vec<Row> {
    let mut nodes: Vec<&str> = messages
        .iter()
        .flat_map(|m| [m.src.as_str(), m.dest.as_str()])
        .collect();
    nodes.sort_by_key(|n| node_order(n));
    nodes.dedup();
    let lanes_room = width.saturating_sub(1 + TIME_WIDTH + LABEL_ROOM);
    let lane = (lanes_room / nodes.len().max(1)).min(MAX_LANE);
    let draw = |message: &Traced| {
        if lane < MIN_LANE {
            format!(
                "{}  {} → {}  {}",
                time(message),
                message.src,
                message.dest,
                label(message).trim_start()
            )
        } else {
            arrow_row(message, &nodes, lane)
        }
    };
    let mut rows = Vec::new();
    if lane >= MIN_LANE {
        rows.push(Row {
            text: format!(" {}", header_row(&nodes, lane)),
            fate: None,
            partition: None,
        });
    }
    let mut current: Option<&Partition> = None;
    for message in messages {
        let during = message
            .time_ns
            .and_then(|t| partitions.iter().rev().find(|p| p.covers(t)));
        if during != current {
            if let Some(ended) = current.and_then(|p| p.end_ns) {
                rows.push(marker(
                    format!("  healed at {:.3} s", ended as f64 / 1e9),
                    false,
                    width,
                ));
            }
            if let Some(p) = during {
                let text = format!("{GUTTER} partition {}: {}", p.interval(), p.label());
                rows.push(marker(text, true, width));
            }
            current = during;
        }
        let gutter = if during.is_some() { GUTTER } else { ' ' };
        rows.push(Row {
            text: format!("{gutter}{}", draw(message)),
            fate: Some(message.fate),
            partition: during.map(|_| true),
        });
    }
    rows
}

/// A line where a partition begins or heals, cut to `width`.
fn marker(text: String, inside: bool, width: usize) -> Row {
    Row {
        text: text.chars().take(width).collect(),
        fate: None,
        partition: Some(inside),
    }
}

/// Node names centred over their lanes.
fn header_row(nodes: &[&str], lane: usize) -> String {
    let mut header = vec![' '; TIME_WIDTH + nodes.len() * lane];
    for (i, node) in nodes.iter().enumerate() {
        let name: Vec<char> = node.chars().take(lane - 1).collect();
        let start = center(i, lane).saturating_sub(name.len() / 2);
        header[start..start + name.len()].copy_from_slice(&name);
    }
    String::from_iter(header)
}

fn center(i: usize, lane: usize) -> usize {
    TIME_WIDTH + i * lane + lane / 2
}

/// The time, a `│` per lane, and the arrow from sender to receiver.
fn arrow_row(message: &Traced, nodes: &[&str], lane: usize) -> String {
    let column = |node: &str| nodes.iter().position(|n| *n == node).unwrap_or(0);
    let mut row = vec![' '; TIME_WIDTH + nodes.len() * lane];
    for i in 0..nodes.len() {
        row[center(i, lane)] = '│';
    }
    let (from, to) = (
        center(column(&message.src), lane),
        center(column(&message.dest), lane),
    );
    for cell in &mut row[from.min(to) + 1..from.max(to)] {
        *cell = '─';
    }
    let head = match message.fate {
        Fate::Dropped => '✗',
        Fate::Undelivered | Fate::Unknown => '?',
        Fate::Delivered if to > from => '▶',
        Fate::Delivered => '◀',
    };
    if from != to {
        row[from] = if to > from { '├' } else { '┤' };
        row[to] = head;
    }
    let time: Vec<char> = time(message).chars().collect();
    let n = time.len().min(TIME_WIDTH);
    row[..n].copy_from_slice(&time[..n]);
    format!("{}{}", String::from_iter(row), label(message))
}

/// The send time in seconds, right-aligned in the time column.
fn time(message: &Traced) -> String {
    match message.time_ns {
        Some(ns) => format!("{:>8.3} s", ns as f64 / 1e9),
        None => format!("{:>8}  ", "?"),
    }
}

/// ` broadcast #12 dropped`: type, id and any fate but delivery.
fn label(message: &Traced) -> String {
    let mut text = format!(" {}", message.kind);
    if let Some(id) = message.msg_id {
        text.push_str(&format!(" #{id}"));
    }
    if message.fate != Fate::Delivered {
        text.push(' ');
        text.push_str(message.fate.name());
    }
    text
}

/// `n2` before `n10`; clients (`c…`) after nodes.
fn node_order(id: &str) -> (bool, String, u64) {
    let digits = id.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = &id[..id.len() - digits.len()];
    (
        prefix != "n",
        prefix.to_string(),
        digits.parse().unwrap_or(0),
    )
}

/// `text` broken at spaces into lines of at most `width` characters (longer words cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(src: &str, dest: &str, fate: Fate) -> Traced {
        Traced {
            time_ns: Some(4_213_000_000),
            src: src.into(),
            dest: dest.into(),
            kind: "broadcast".into(),
            msg_id: Some(12),
            fate,
            fate_ns: None,
            body: serde_json::Value::Null,
        }
    }

    #[test]
    fn arrows_point_from_sender_to_receiver_and_mark_drops() {
        let rows = sequence(
            &[
                message("n3", "n1", Fate::Delivered),
                message("n1", "n10", Fate::Dropped),
            ],
            &[],
            78,
        );
        assert_eq!(
            rows[0].text.split_whitespace().collect::<Vec<_>>(),
            ["n1", "n3", "n10"]
        );
        let first = &rows[1].text;
        assert!(first.find('◀') < first.find('┤'), "{first}");
        assert!(first.ends_with(" broadcast #12"), "{first}");
        let second = &rows[2].text;
        assert!(second.find('├') < second.find('✗'), "{second}");
        assert!(second.ends_with("#12 dropped"), "{second}");
        assert!(rows.iter().all(|r| r.text.chars().count() <= 78));
        assert!(rows.iter().all(|r| r.partition.is_none()));
    }

    #[test]
    fn too_many_nodes_for_the_width_give_one_line_per_message() {
        let many: Vec<Traced> = (0..25)
            .map(|i| message("n0", &format!("n{i}"), Fate::Delivered))
            .collect();
        let rows = sequence(&many, &[], 78);
        assert_eq!(rows.len(), 25);
        assert_eq!(rows[3].text, "    4.213 s  n0 → n3  broadcast #12");
    }

    #[test]
    fn rows_sent_during_a_partition_are_shaded_under_its_groups() {
        let at = |ms: i64, fate| Traced {
            time_ns: Some(ms * 1_000_000),
            ..message("n1", "n0", fate)
        };
        let partition = Partition {
            start_ns: 2_000_000_000,
            end_ns: Some(3_000_000_000),
            grudge: vec![
                ("n0".into(), vec!["n1".into()]),
                ("n1".into(), vec!["n0".into()]),
            ],
            groups: Some(vec![vec!["n0".into()], vec!["n1".into()]]),
        };
        let rows = sequence(
            &[
                at(1_500, Fate::Delivered),
                at(2_500, Fate::Dropped),
                at(3_500, Fate::Delivered),
            ],
            &[partition],
            60,
        );
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts[2], "░ partition 2.00 s to 3.00 s: n0 | n1",
            "{texts:#?}"
        );
        assert!(texts[3].starts_with("░   2.500 s "), "{texts:#?}");
        assert!(texts[3].ends_with("#12 dropped"), "{texts:#?}");
        assert_eq!(texts[4], "  healed at 3.000 s");
        assert!(texts[1].starts_with("    1.500 s") && texts[5].starts_with("    3.500 s"));
        let shaded: Vec<Option<bool>> = rows.iter().map(|r| r.partition).collect();
        assert_eq!(
            shaded,
            [None, None, Some(true), Some(true), Some(false), None]
        );
    }

    #[test]
    fn wrap_keeps_words_whole_and_cuts_only_long_ones() {
        assert_eq!(wrap("value 30 was lost", 8), ["value 30", "was lost"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }
}

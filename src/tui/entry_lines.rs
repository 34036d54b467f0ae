//! How one log entry looks: `   12 08:02 kari       ‼ BESLUTNING: text…`, wrapped with a
//! hanging indent, tags and mentions picked out, corrections pointed both ways. The
//! same function measures (for paging) and draws, so the two always agree.

use super::log_model::Row;
use super::theme::Theme;
use super::wrap::wrap;
use crate::domain::EntryKind;
use crate::i18n::Strings;
use crate::text::safe;
use chrono::Local;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Styles used only to measure heights (styles never change widths).
pub static MEASURE: std::sync::LazyLock<Theme> = std::sync::LazyLock::new(Theme::default);

/// The lines of one entry at a given width: `  12 08:02 kari       text…`, wrapped
/// with a hanging indent. With `dated` (today's date, for a log that spans more than
/// today) the time column has room for a date, shown for entries not from today, so
/// the columns stay aligned. A time typed by the logger (`14:32 …`) is marked ✎.
pub fn entry_lines(
    row: &Row,
    text: &str,
    width: u16,
    s: &Strings,
    t: &Theme,
    selected: bool,
    dated: Option<chrono::NaiveDate>,
) -> Vec<Line<'static>> {
    let local = row.reported_at.with_timezone(&Local);
    let time = match dated {
        None => local.format("%H:%M").to_string(),
        Some(today) if today == local.date_naive() => local.format("      %H:%M").to_string(),
        Some(_) => local.format("%d.%m %H:%M").to_string(),
    };
    // A typed time is a whole minute; a first keystroke almost never is.
    let typed =
        row.reported_at.timestamp_subsec_millis() == 0 && chrono::Timelike::second(&row.reported_at) == 0;
    let time = format!("{time}{} ", if typed { "✎" } else { " " });
    let marker = if row.significant { "‼ " } else { "  " };
    let mut prefix = vec![Span::styled(format!("{:>5} ", row.seq), t.dim), Span::styled(time, t.time)];
    // In a narrow pane the text needs the room more than the author column does.
    if width >= 70 {
        prefix.push(Span::styled(format!("{} ", fit(&safe(&row.author), 10)), t.author));
    }
    prefix.push(Span::styled(marker.to_string(), t.significant));
    let prefix_w: usize = prefix.iter().map(|s| s.content.width()).sum();
    let body_w = (width as usize).saturating_sub(prefix_w).max(10);

    let corrected = row.corrected_by.is_some();
    // Automatic entries (a task moved, an alert sent) are the system's words, not a
    // person's: dimmed.
    let base = if corrected {
        t.corrected
    } else if row.kind == EntryKind::Auto {
        t.dim
    } else if row.kind == EntryKind::Decision {
        t.decision
    } else {
        t.base
    };
    let mut segs: Vec<(String, Style)> = Vec::new();
    if let Some(n) = row.corrects_seq {
        segs.push((format!("↺ {} #{n}: ", s.corrects), t.correction));
    }
    if row.kind == EntryKind::Decision {
        segs.push((format!("{}: ", s.decision), t.decision));
    }
    let text = safe(text);
    for word in text.split_inclusive([' ', '\n']) {
        let style = if corrected {
            base
        } else if word.starts_with('#') && word.len() > 1 {
            t.tag
        } else if word.starts_with('@') && word.len() > 1 {
            t.mention
        } else {
            base
        };
        match segs.last_mut() {
            Some((last, st)) if *st == style => last.push_str(word),
            _ => segs.push((word.to_string(), style)),
        }
    }
    if let Some(n) = row.corrected_by {
        segs.push((format!("  → {} #{n}", s.corrected_in), t.correction));
    }
    let body = wrap(&segs, body_w);
    let indent = " ".repeat(prefix_w);
    let mut out = Vec::with_capacity(body.len());
    for (i, line) in body.into_iter().enumerate() {
        let mut spans = if i == 0 { prefix.clone() } else { vec![Span::raw(indent.clone())] };
        spans.extend(line.spans);
        let mut line = Line::from(spans);
        if selected {
            for span in &mut line.spans {
                span.style = span.style.patch(t.selected);
            }
        }
        out.push(line);
    }
    out
}

/// Cut or pad to exactly `cols` columns.
fn fit(s: &str, cols: usize) -> String {
    let mut out = String::new();
    let mut w = 0;
    for (g, cw) in crate::text::graphemes_with_width(s) {
        if w + cw > cols {
            break;
        }
        out.push_str(g);
        w += cw;
    }
    out.push_str(&" ".repeat(cols - w));
    out
}

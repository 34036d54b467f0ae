//! Small drawing helpers every pane and overlay shares.

use super::action::Action;
use super::keymap::Context;
use super::pane::RenderCx;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// `Enter lagre · Ctrl-N ny …` from the keymap, so hints never lie; as many whole
/// hints as fit in `width` columns.
pub fn hints(cx: &RenderCx<'_>, context: Context, actions: &[Action], width: usize) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut used = 0;
    for &a in actions {
        let Some(key) =
            cx.keymap.keys(context, a).first().or_else(|| cx.keymap.keys(Context::Global, a).first())
        else {
            continue;
        };
        let sep = if spans.is_empty() { "" } else { " · " };
        let key = key.display();
        let label = format!(" {}", context.meaning(a).map_or("", |m| m.hint.get(cx.lang)));
        let w = sep.chars().count() + key.chars().count() + label.chars().count();
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(sep, cx.theme.dim));
        spans.push(Span::styled(key, cx.theme.key));
        spans.push(Span::styled(label, cx.theme.dim));
    }
    spans
}

/// Clear where a box is drawn over the panes, and a column each side of it, so no
/// stray letter of what is underneath stands between its frame and the panes'.
/// (Not the rows above and below: those are usually the panes' own frames.)
pub fn clear_for_popup(f: &mut ratatui::Frame<'_>, popup: Rect, area: Rect) {
    let x = popup.x.saturating_sub(1).max(area.x);
    let around = Rect { x, width: popup.right() + 1 - x, ..popup }.intersection(area);
    f.render_widget(ratatui::widgets::Clear, around);
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// A line cut to `width` columns (wide characters counted right), with … where cut.
pub fn cut(mut line: Line<'static>, width: u16) -> Line<'static> {
    let mut used = 0usize;
    let mut kept = Vec::new();
    for span in line.spans.drain(..) {
        let w = unicode_width::UnicodeWidthStr::width(span.content.as_ref());
        if used + w <= width as usize {
            used += w;
            kept.push(span);
            continue;
        }
        let room = (width as usize).saturating_sub(used);
        let mut part = String::new();
        let mut pw = 0;
        for (g, w) in crate::text::graphemes_with_width(&span.content) {
            if pw + w + 1 > room {
                break;
            }
            part.push_str(g);
            pw += w;
        }
        if room > 0 {
            part.push('…');
        }
        kept.push(Span::styled(part, span.style));
        break;
    }
    Line::from(kept)
}

/// A pane's frame: its title, in the focus colour when it has the focus.
pub fn pane_block(title: Vec<Span<'static>>, cx: &RenderCx<'_>) -> ratatui::widgets::Block<'static> {
    let t = cx.theme;
    ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(if cx.focused { t.border_focus } else { t.border })
        .title(Line::from(title))
}

/// The rows of a list that fit in `height`, scrolled so that `row` shows, each cut to
/// `width`, the selected one highlighted when the pane has the focus.
pub fn list_window(
    rows: Vec<Line<'static>>,
    row: usize,
    area: Rect,
    cx: &RenderCx<'_>,
) -> Vec<Line<'static>> {
    list_window_of(&rows, row, area, cx, Line::clone)
}

/// The same for a long list of records, of which only the rows that fit are made into
/// lines (`line`), so a frame costs the same for 100 records as for 100,000. Each row
/// drawn is a place a click picks (by its index in `items`).
pub fn list_window_of<T>(
    items: &[T],
    row: usize,
    area: Rect,
    cx: &RenderCx<'_>,
    line: impl Fn(&T) -> Line<'static>,
) -> Vec<Line<'static>> {
    let (height, width) = (area.height as usize, area.width);
    let first = row.saturating_sub(height.saturating_sub(1));
    items
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, item)| {
            cx.hit(Rect { y: area.y + (i - first) as u16, height: 1, ..area }, i);
            let mut line = cut(line(item), width);
            if cx.focused && i == row {
                for span in &mut line.spans {
                    span.style = span.style.patch(cx.theme.selected);
                }
            }
            line
        })
        .collect()
}

/// For a list pane that keeps its own row: a click picks a row (`Err` with what the
/// pane returns), an action is the pane's to act on (`Ok`), anything else is not its.
pub fn pick_or_action(
    input: super::action::Input,
    row: &mut usize,
    len: usize,
) -> Result<Action, super::pane::Outcome> {
    use super::action::Input;
    use super::pane::Outcome;
    match input {
        Input::Action(action) => Ok(action),
        Input::Pick(i) if i < len => {
            *row = i;
            Err(Outcome::Consumed)
        }
        _ => Err(Outcome::Ignored),
    }
}

/// Move a selection by an action in a list of `len` rows; false when the action is not
/// a movement.
pub fn move_selection(row: &mut usize, len: usize, action: Action) -> bool {
    let last = len.saturating_sub(1);
    *row = match action {
        Action::Up => row.saturating_sub(1),
        Action::Down => (*row + 1).min(last),
        Action::PageUp => row.saturating_sub(10),
        Action::PageDown => (*row + 10).min(last),
        Action::First => 0,
        Action::Last => last,
        _ => return false,
    };
    true
}

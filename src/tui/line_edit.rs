//! One line of text being edited, the same in every field that is one line (prompts,
//! searches, the log filter, the incident form's title): a cursor that moves by
//! grapheme (an emoji with its skin tone, a letter with its combining accent is one
//! step), and the readline keys people bring from a shell — Ctrl-A/E to the start and
//! end, Ctrl-K/U to delete to the end and the start, Ctrl-W and Alt-Backspace a word
//! back, Alt-B/F (and Ctrl-Left/Right) a word back and forward, Home/End, Delete.
//! Ctrl-F and Ctrl-B are not among them: they mean search and nothing elsewhere, and a
//! key means one thing everywhere.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    /// The cursor, a byte offset on a grapheme boundary.
    at: usize,
}

impl LineEdit {
    /// A line holding `text`, the cursor at its end.
    pub fn new(text: impl Into<String>) -> LineEdit {
        let text = text.into();
        LineEdit { at: text.len(), text }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The text, leaving the line empty.
    pub fn take(&mut self) -> String {
        self.at = 0;
        std::mem::take(&mut self.text)
    }

    pub fn clear(&mut self) {
        self.take();
    }

    /// Text put in at the cursor (a paste): one line, without control characters.
    pub fn insert(&mut self, s: &str) {
        let clean = crate::text::pasted(s).replace('\n', " ");
        self.text.insert_str(self.at, &clean);
        self.at += clean.len();
    }

    /// The grapheme boundary before the cursor.
    fn back(&self) -> usize {
        self.text[..self.at].grapheme_indices(true).next_back().map_or(0, |(i, _)| i)
    }

    /// The grapheme boundary after the cursor.
    fn forward(&self) -> usize {
        self.text[self.at..].graphemes(true).next().map_or(self.at, |g| self.at + g.len())
    }

    /// The start of the word before the cursor (skipping the spaces before it).
    fn word_back(&self) -> usize {
        let before = &self.text[..self.at];
        let trimmed = before.trim_end();
        trimmed
            .rfind(char::is_whitespace)
            .map_or(0, |i| i + trimmed[i..].chars().next().map_or(1, char::len_utf8))
    }

    /// The end of the word after the cursor (skipping the spaces before it).
    fn word_forward(&self) -> usize {
        let after = &self.text[self.at..];
        let skipped = after.len() - after.trim_start().len();
        let word = after[skipped..].find(char::is_whitespace).unwrap_or(after.len() - skipped);
        self.at + skipped + word
    }

    /// Edit or move by a key: whether it was one this line takes. A character with
    /// neither Ctrl nor Alt is typing (Ctrl and Alt together are AltGr on Windows: `@`,
    /// `{`, `€` on a Norwegian keyboard).
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let chord = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let (ctrl, alt) = (chord == KeyModifiers::CONTROL, chord == KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if chord.is_empty() || chord == KeyModifiers::CONTROL | KeyModifiers::ALT => {
                self.text.insert(self.at, c);
                self.at += c.len_utf8();
            }
            KeyCode::Char('a') if ctrl => self.at = 0,
            KeyCode::Home => self.at = 0,
            KeyCode::Char('e') if ctrl => self.at = self.text.len(),
            KeyCode::End => self.at = self.text.len(),
            KeyCode::Char('k') if ctrl => self.text.truncate(self.at),
            KeyCode::Char('u') if ctrl => {
                self.text.replace_range(..self.at, "");
                self.at = 0;
            }
            KeyCode::Char('w') if ctrl => self.delete_to(self.word_back()),
            KeyCode::Backspace if alt => self.delete_to(self.word_back()),
            KeyCode::Char('b') if alt => self.at = self.word_back(),
            KeyCode::Left if ctrl => self.at = self.word_back(),
            KeyCode::Char('f') if alt => self.at = self.word_forward(),
            KeyCode::Right if ctrl => self.at = self.word_forward(),
            KeyCode::Backspace => self.delete_to(self.back()),
            KeyCode::Delete => self.delete_forward(),
            KeyCode::Char('d') if ctrl => self.delete_forward(),
            KeyCode::Left if chord.is_empty() => self.at = self.back(),
            KeyCode::Right if chord.is_empty() => self.at = self.forward(),
            _ => return false,
        }
        true
    }

    /// Delete the grapheme after the cursor.
    fn delete_forward(&mut self) {
        let end = self.forward();
        self.text.replace_range(self.at..end, "");
    }

    /// Delete from `from` (before the cursor) to the cursor.
    fn delete_to(&mut self, from: usize) {
        self.text.replace_range(from..self.at, "");
        self.at = from;
    }

    /// As [`LineEdit::spans`], within `room` columns: a line longer than that shows the
    /// part around the cursor, `…` standing for what is left out on either side, so
    /// the cursor and what is typed next are always in view.
    pub fn spans_within(&self, style: Style, cursor: Style, room: usize) -> Vec<Span<'static>> {
        let safe = |s: &str| crate::text::safe_line(s).into_owned();
        let (before, after) = (safe(&self.text[..self.at]), safe(&self.text[self.at..]));
        let width = |s: &str| crate::text::graphemes_with_width(s).map(|(_, w)| w).sum::<usize>();
        let room = room.saturating_sub(1); // the cursor's column
        let (before_w, after_w) = (width(&before), width(&after));
        if before_w + after_w <= room {
            return vec![Span::styled(before, style), Span::styled("▏", cursor), Span::styled(after, style)];
        }
        // What follows the cursor gets a third of the room at most; what precedes it the rest.
        let after_room = after_w.min(room / 3);
        let before_room = room - after_room;
        let mut shown_before: Vec<&str> = Vec::new();
        let mut used = 0;
        let cut_before = before_w > before_room;
        let keep = if cut_before { before_room.saturating_sub(1) } else { before_room };
        for (g, w) in crate::text::graphemes_with_width(&before).collect::<Vec<_>>().into_iter().rev() {
            if used + w > keep {
                break;
            }
            used += w;
            shown_before.push(g);
        }
        shown_before.reverse();
        let mut left = if cut_before { "…".to_string() } else { String::new() };
        left.push_str(&shown_before.concat());
        let cut_after = after_w > after_room;
        let keep = if cut_after { after_room.saturating_sub(1) } else { after_room };
        let mut right = String::new();
        let mut used = 0;
        for (g, w) in crate::text::graphemes_with_width(&after) {
            if used + w > keep {
                break;
            }
            used += w;
            right.push_str(g);
        }
        if cut_after {
            right.push('…');
        }
        vec![Span::styled(left, style), Span::styled("▏", cursor), Span::styled(right, style)]
    }

    /// The line as spans with the cursor drawn where it is (a bar), made safe to print.
    pub fn spans(&self, style: Style, cursor: Style) -> Vec<Span<'static>> {
        let safe = |s: &str| crate::text::safe_line(s).into_owned();
        vec![
            Span::styled(safe(&self.text[..self.at]), style),
            Span::styled("▏", cursor),
            Span::styled(safe(&self.text[self.at..]), style),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(l: &mut LineEdit, code: KeyCode, mods: KeyModifiers) -> bool {
        l.key(&KeyEvent::new(code, mods))
    }

    fn typed(l: &mut LineEdit, s: &str) {
        for c in s.chars() {
            press(l, KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    #[test]
    fn a_long_line_shows_the_part_around_the_cursor() {
        let text =
            |spans: Vec<Span<'static>>| spans.iter().map(|s| s.content.to_string()).collect::<String>();
        let width = |s: &str| crate::text::graphemes_with_width(s).map(|(_, w)| w).sum::<usize>();
        let mut l = LineEdit::new("");
        typed(&mut l, "Vannet står nå 40 cm over kjellergulvet på Gokstad 🏚️ og stiger");
        let shown = text(l.spans_within(Style::default(), Style::default(), 30));
        assert!(shown.starts_with('…') && shown.ends_with("stiger▏"), "{shown}");
        assert!(width(&shown) <= 30, "{shown}");
        press(&mut l, KeyCode::Home, KeyModifiers::NONE);
        let shown = text(l.spans_within(Style::default(), Style::default(), 30));
        assert!(shown.starts_with("▏Vannet") && shown.ends_with('…') && width(&shown) <= 30, "{shown}");
        // A short line is shown whole.
        let short = LineEdit::new("ola");
        assert_eq!(text(short.spans_within(Style::default(), Style::default(), 30)), "ola▏");
    }

    #[test]
    fn readline_keys_edit_where_the_cursor_is() {
        let (none, ctrl, alt) = (KeyModifiers::NONE, KeyModifiers::CONTROL, KeyModifiers::ALT);
        let mut l = LineEdit::new("Liv Berg");
        press(&mut l, KeyCode::Char('a'), ctrl);
        typed(&mut l, "til ");
        assert_eq!(l.text(), "til Liv Berg");
        press(&mut l, KeyCode::Char('k'), ctrl);
        assert_eq!(l.text(), "til ");
        press(&mut l, KeyCode::Char('e'), ctrl);
        typed(&mut l, "Åse Ødegård");
        press(&mut l, KeyCode::Char('w'), ctrl);
        assert_eq!(l.text(), "til Åse ");
        press(&mut l, KeyCode::Char('u'), ctrl);
        assert_eq!(l.text(), "");
        typed(&mut l, "ein to tre");
        press(&mut l, KeyCode::Char('b'), alt);
        press(&mut l, KeyCode::Char('b'), alt);
        assert_eq!(&l.text()[l.at..], "to tre");
        press(&mut l, KeyCode::Char('f'), alt);
        assert_eq!(&l.text()[l.at..], " tre");
        press(&mut l, KeyCode::Backspace, alt);
        assert_eq!(l.text(), "ein  tre");
        press(&mut l, KeyCode::Delete, none);
        assert_eq!(l.text(), "ein tre");
        assert!(!press(&mut l, KeyCode::Char('f'), ctrl), "Ctrl-F is not the line's: it means search");
    }

    #[test]
    fn the_cursor_steps_over_whole_graphemes() {
        let mut l = LineEdit::new("ok 👍🏽 e\u{301}");
        press(&mut l, KeyCode::Left, KeyModifiers::NONE);
        press(&mut l, KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(l.text(), "ok 👍🏽e\u{301}", "the space before é went, é stayed whole");
        press(&mut l, KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(l.text(), "ok e\u{301}", "the thumb and its skin tone went as one");
        l.insert("a\nb\u{1b}[2J");
        assert_eq!(l.text(), "ok a be\u{301}", "a paste is one line of text, without escape sequences");
    }
}

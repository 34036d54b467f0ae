//! Width-aware word wrapping of styled text, so wide characters (CJK, emoji) and
//! Norwegian letters take the columns they really take. The same function measures
//! and draws, so scrolling and rendering always agree.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Wrap styled segments into lines at most `width` columns wide. Newlines in a segment
/// break the line; words longer than a line are broken between characters.
pub fn wrap(segments: &[(String, Style)], width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    let flush = |current: &mut Vec<Span<'static>>, used: &mut usize, lines: &mut Vec<Line<'static>>| {
        // trailing spaces at a wrap point are not drawn
        let many = current.len() > 1;
        if let Some(last) = current.last_mut() {
            let trimmed = last.content.trim_end().to_string();
            if trimmed.is_empty() && many {
                current.pop();
            } else {
                last.content = trimmed.into();
            }
        }
        lines.push(Line::from(std::mem::take(current)));
        *used = 0;
    };
    for (text, style) in segments {
        for (i, paragraph) in text.split('\n').enumerate() {
            if i > 0 {
                flush(&mut current, &mut used, &mut lines);
            }
            for word in split_keep_spaces(paragraph) {
                let w = word.width();
                if used + w <= width {
                    current.push(Span::styled(word.to_string(), *style));
                    used += w;
                    continue;
                }
                if word.trim().is_empty() {
                    // a space at the end of a line: wrap here instead
                    flush(&mut current, &mut used, &mut lines);
                    continue;
                }
                if w <= width {
                    flush(&mut current, &mut used, &mut lines);
                    current.push(Span::styled(word.to_string(), *style));
                    used = w;
                    continue;
                }
                // a word longer than the line: break it between characters
                // (by grapheme: an emoji with its skin tone is never split)
                let mut chunk = String::new();
                for (g, cw) in crate::text::graphemes_with_width(word) {
                    if used + cw > width {
                        if !chunk.is_empty() {
                            current.push(Span::styled(std::mem::take(&mut chunk), *style));
                        }
                        flush(&mut current, &mut used, &mut lines);
                    }
                    chunk.push_str(g);
                    used += cw;
                }
                if !chunk.is_empty() {
                    current.push(Span::styled(chunk, *style));
                }
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        flush(&mut current, &mut used, &mut lines);
    }
    lines
}

/// Words with the spaces after them as separate items: "a  b" → ["a", "  ", "b"].
fn split_keep_spaces(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let is_space = rest.starts_with(' ');
        let end = rest.find(|c: char| (c == ' ') != is_space).unwrap_or(rest.len());
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(head)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    #[test]
    fn wraps_at_word_boundaries() {
        let l = wrap(&[("Vannstanden i Lågen steg 40 cm".into(), Style::default())], 12);
        assert_eq!(plain(&l), vec!["Vannstanden", "i Lågen steg", "40 cm"]);
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let l = wrap(&[("漢字漢字漢字".into(), Style::default())], 5);
        assert_eq!(plain(&l), vec!["漢字", "漢字", "漢字"]);
        for line in &l {
            assert!(line.width() <= 5);
        }
    }

    #[test]
    fn newlines_break_and_empty_text_is_one_line() {
        let l = wrap(&[("a\nb".into(), Style::default())], 10);
        assert_eq!(plain(&l), vec!["a", "b"]);
        assert_eq!(wrap(&[], 10).len(), 1);
    }
}

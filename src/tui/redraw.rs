//! Drawing a frame in as few bytes as possible. ratatui already sends only the cells
//! that changed, but when the log moves up by one entry every one of its lines has
//! changed, and a commit costs a whole screenful (about 9 KB at 160×48): seconds on a
//! link of a few kbit/s. So when the rows of the log region show the last frame's rows
//! moved up by k, we tell the terminal to scroll that region (a dozen bytes) and give
//! ratatui the shifted old frame as what the screen shows; its diff then sends only the
//! new lines. A frame equal to the last one is not sent at all.

use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::{Frame, Terminal};
use std::io::Write;
use std::ops::Range;

/// The last frame drawn, to recognise a scroll in the next one.
#[derive(Default)]
pub struct Redraw {
    last: Option<Buffer>,
}

fn row(b: &Buffer, y: u16) -> &[Cell] {
    let w = b.area.width as usize;
    let start = (y - b.area.y) as usize * w;
    &b.content[start..start + w]
}

/// By how many rows the whole-width rows `rows` of `old` moved up to make `new`, if
/// that is what happened (`None` when unchanged or changed otherwise).
pub fn scrolled_up(old: &Buffer, new: &Buffer, rows: Range<u16>) -> Option<u16> {
    let area = old.area;
    if area != new.area || rows.start < area.top() || rows.end > area.bottom() || rows.len() < 2 {
        return None;
    }
    if rows.clone().all(|y| row(old, y) == row(new, y)) {
        return None;
    }
    let first = row(new, rows.start);
    (1..rows.len() as u16).find(|&k| {
        row(old, rows.start + k) == first
            && (rows.start..rows.end - k).all(|y| row(new, y) == row(old, y + k))
    })
}

/// `old` with rows `rows` moved up by `k`, blank lines below: what the terminal shows
/// after scrolling that region.
fn shift_up(old: &Buffer, rows: Range<u16>, k: u16) -> Buffer {
    let mut b = old.clone();
    let w = b.area.width as usize;
    let index = |y: u16| (y - old.area.y) as usize * w;
    for y in rows.start..rows.end {
        let dst = index(y);
        if y + k < rows.end {
            b.content[dst..dst + w].clone_from_slice(row(old, y + k));
        } else {
            b.content[dst..dst + w].fill(Cell::default());
        }
    }
    b
}

impl Redraw {
    /// The screen no longer shows the last frame (cleared, resized): draw in full.
    pub fn forget(&mut self) {
        self.last = None;
    }

    /// Render with `render` and send the frame, scrolling `scroll_rows` on the terminal
    /// where that saves bytes.
    pub fn draw<B>(
        &mut self,
        term: &mut Terminal<B>,
        scroll_rows: Option<Range<u16>>,
        render: impl FnOnce(&mut Frame<'_>),
    ) -> std::io::Result<()>
    where
        B: Backend<Error = std::io::Error> + Write,
    {
        term.autoresize()?;
        render(&mut term.get_frame());
        let scroll = match (&self.last, scroll_rows) {
            (Some(old), Some(rows)) => {
                scrolled_up(old, term.current_buffer_mut(), rows.clone()).map(|k| (old, rows, k))
            }
            _ => None,
        };
        let scrolled = scroll.is_some();
        if let Some((old, rows, k)) = scroll {
            // Plain attributes first: the lines scrolled in take the current background.
            write!(term.backend_mut(), "\x1b[0m\x1b[{};{}r\x1b[{k}S\x1b[r", rows.start + 1, rows.end)?;
            // ratatui diffs against its "previous" buffer: make that the scrolled old frame.
            let new = std::mem::replace(term.current_buffer_mut(), shift_up(old, rows, k));
            term.swap_buffers();
            *term.current_buffer_mut() = new;
        }
        if !scrolled && self.last.as_ref() == Some(term.current_buffer_mut()) {
            // Nothing changed (a sync round's time, a tick): send nothing at all, not
            // even the cursor's state, which over SSH would cost a packet.
            term.current_buffer_mut().reset();
            return Ok(());
        }
        let drawn = term.apply_buffer_with_cursor(None)?.buffer;
        match &mut self.last {
            Some(last) => last.clone_from(drawn),
            None => self.last = Some(drawn.clone()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn buf(lines: &[&str]) -> Buffer {
        Buffer::with_lines(lines.iter().copied())
    }

    #[test]
    fn finds_a_scroll_of_the_region() {
        let old = buf(&["title", "a", "b", "c", "d", "entry"]);
        let new = buf(&["title", "c", "d", "e", "f", "entry"]);
        assert_eq!(scrolled_up(&old, &new, 1..5), Some(2));
        assert_eq!(scrolled_up(&old, &old, 1..5), None, "unchanged");
        let other = buf(&["title", "x", "y", "z", "w", "entry"]);
        assert_eq!(scrolled_up(&old, &other, 1..5), None, "not a scroll");
        let down = buf(&["title", "z", "a", "b", "c", "entry"]);
        assert_eq!(scrolled_up(&old, &down, 1..5), None, "downwards is not handled");
    }

    #[test]
    fn shifting_blanks_the_bottom() {
        let old = buf(&["title", "a", "b", "c", "d", "entry"]);
        let s = shift_up(&old, 1..5, 2);
        assert_eq!(s, buf(&["title", "c", "d", "", "", "entry"]));
        assert_eq!(s.area, Rect::new(0, 0, 5, 6));
    }
}

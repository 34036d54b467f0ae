//! Drawing a frame in as few bytes as possible. ratatui already sends only the cells
//! that changed, but when the log moves up by one entry every one of its lines has
//! changed, and a commit costs a whole screenful (about 9 KB at 160×48): seconds on a
//! link of a few kbit/s. So when the rows of the log region show the last frame's rows
//! moved up by k, we tell the terminal to scroll that region (a dozen bytes) and take
//! the shifted old frame as what the screen shows; the diff then sends only the new
//! lines, written by [`Painter`]. A frame equal to the last one is not sent at all.

use super::paint::Painter;
use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::{Frame, Terminal};
use std::io::Write;
use std::ops::Range;

/// The last frame drawn, to recognise a scroll in the next one, and what the
/// painter knows of the terminal.
#[derive(Default)]
pub struct Redraw {
    last: Option<Buffer>,
    painter: Painter,
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
fn shift_up(old: &mut Buffer, rows: Range<u16>, k: u16) {
    let w = old.area.width as usize;
    let index = |y: u16| (y - old.area.y) as usize * w;
    for y in rows.start..rows.end {
        let dst = index(y);
        if y + k < rows.end {
            let src = index(y + k);
            for i in 0..w {
                old.content[dst + i] = old.content[src + i].clone();
            }
        } else {
            old.content[dst..dst + w].fill(Cell::default());
        }
    }
}

impl Redraw {
    /// The screen no longer shows the last frame (cleared, resized): draw in full.
    pub fn forget(&mut self) {
        self.last = None;
        self.painter.forget();
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
        let new = std::mem::take(term.current_buffer_mut());
        // What the screen shows: the last frame, or nothing when it was cleared (a
        // resize clears it too).
        let mut shows = match self.last.take() {
            Some(last) if last.area == new.area => last,
            _ => {
                self.painter.forget();
                Buffer::empty(new.area)
            }
        };
        let scroll = scroll_rows.and_then(|rows| scrolled_up(&shows, &new, rows.clone()).map(|k| (rows, k)));
        if let Some((rows, k)) = &scroll {
            // Plain attributes first: the lines scrolled in take the current background.
            write!(term.backend_mut(), "\x1b[0m\x1b[{};{}r\x1b[{k}S\x1b[r", rows.start + 1, rows.end)?;
            self.painter.wrote_plain();
            shift_up(&mut shows, rows.clone(), *k);
        }
        // A frame equal to the screen (a sync round's time, a tick) sends nothing at
        // all: over SSH even the cursor's state would cost a packet.
        if scroll.is_some() || shows != new {
            self.painter.paint(&shows, &new, term.backend_mut())?;
            Write::flush(term.backend_mut())?;
        }
        shows.clone_from(&new);
        self.last = Some(shows);
        // ratatui renders the next frame into a fresh buffer of the same size.
        *term.current_buffer_mut() = new;
        term.swap_buffers();
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
        let mut s = old.clone();
        shift_up(&mut s, 1..5, 2);
        assert_eq!(s, buf(&["title", "c", "d", "", "", "entry"]));
        assert_eq!(s.area, Rect::new(0, 0, 5, 6));
    }
}

//! The bytes of a frame: what changed between the screen as it stands and the next
//! frame, in as few escape codes as a terminal understands. ratatui's own backend
//! writes every changed cell with a full cursor move before each gap and all four
//! resets after every frame; over a link of a few kbit/s (or an SSH channel, where
//! every byte is counted) that is most of a keystroke's echo. Here:
//! - a short gap of unchanged cells in the same style is written over rather than
//!   jumped (a move costs 4–8 bytes, a space one);
//! - a run of blank cells is erased (`ECH`, or `EL` to the end of the row) rather
//!   than written space by space, as a cleared entry line is;
//! - moves are relative along a row where that is shorter;
//! - one SGR sequence changes all of a cell's style at once;
//! - the cursor's place and the style are kept from frame to frame, so a typed key
//!   starts where the last frame left off; the cursor is hidden once.
//!
//! Which cells changed is ratatui's own diff (it knows wide characters and emoji);
//! only how they are written is decided here.

use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::style::{Color, Modifier};
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// Modifiers a blank cell shows (an erased cell shows none of them).
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// The style the terminal draws with, as SGR sets it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

const PLAIN: Pen =
    Pen { fg: Color::Reset, bg: Color::Reset, underline: Color::Reset, modifier: Modifier::empty() };

impl Pen {
    fn of(cell: &Cell) -> Pen {
        Pen { fg: cell.fg, bg: cell.bg, underline: cell.underline_color, modifier: cell.modifier }
    }

    /// Whether an erased cell looks the same as a space drawn with this pen.
    fn erases(&self) -> bool {
        self.bg == Color::Reset && !self.modifier.intersects(VISIBLE_ON_BLANK)
    }
}

/// What the painter knows of the terminal between frames: where its cursor stands,
/// the style it draws with, whether the cursor is hidden. Kept from one frame to the
/// next, so that a typed key is written where the last frame left off ("\e[D" back
/// over the cursor cell, not a full move) in the style it left.
#[derive(Default)]
pub struct Painter {
    cursor_hidden: bool,
    at: Option<(u16, u16)>,
    /// `None`: not known (a new or cleared screen): the first style sets everything.
    pen: Option<Pen>,
}

impl Painter {
    /// The screen was cleared or is new: assume nothing of it.
    pub fn forget(&mut self) {
        *self = Painter::default();
    }

    /// Something else wrote to the terminal, leaving the style plain and the cursor
    /// anywhere (a scroll region set and reset puts it home).
    pub fn wrote_plain(&mut self) {
        self.at = None;
        self.pen = Some(PLAIN);
    }

    /// Write what turns `old` (what the screen shows) into `new`. The two have one area.
    pub fn paint(&mut self, old: &Buffer, new: &Buffer, out: &mut impl Write) -> std::io::Result<()> {
        let updates = old.diff(new);
        let mut frame =
            Frame { out: Vec::with_capacity(updates.len() * 2 + 16), old, at: self.at, pen: self.pen, new };
        let mut i = 0;
        while i < updates.len() {
            i = frame.update(&updates, i);
        }
        if !self.cursor_hidden {
            frame.out.extend_from_slice(b"\x1b[?25l");
            self.cursor_hidden = true;
        }
        (self.at, self.pen) = (frame.at, frame.pen);
        out.write_all(&frame.out)
    }
}

struct Frame<'a> {
    out: Vec<u8>,
    old: &'a Buffer,
    /// Where the terminal's cursor is, when known for sure.
    at: Option<(u16, u16)>,
    /// The terminal's style, when known.
    pen: Option<Pen>,
    new: &'a Buffer,
}

type Update<'a> = (u16, u16, &'a Cell);

/// A cell an erase makes: a plain space, one column wide, drawn the ordinary way.
fn blank(cell: &Cell) -> bool {
    cell.symbol() == " " && cell.diff_option == CellDiffOption::None && Pen::of(cell).erases()
}

fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

impl Frame<'_> {
    /// Write `updates[i]` (and, when it starts a run of blanks, the run); the index of
    /// the next update not yet written.
    fn update(&mut self, updates: &[Update<'_>], i: usize) -> usize {
        let (x, y, cell) = updates[i];
        if blank(cell) {
            if let Some(next) = self.erase(updates, i) {
                return next;
            }
        }
        self.write(x, y, cell);
        // Writing over half of a wide character blanks its other half in the pen's
        // style: the cells it covered are written again, as they are now.
        let (was, is) = (self.old[(x, y)].symbol().width(), cell.symbol().width().max(1));
        let right = self.new.area.right();
        for cx in (x + is as u16..x + was as u16).take_while(|&cx| cx < right) {
            if updates.get(i + 1).is_none_or(|&(ux, uy, _)| (ux, uy) != (cx, y)) {
                self.write(cx, y, &self.new[(cx, y)]);
            }
        }
        i + 1
    }

    fn write(&mut self, x: u16, y: u16, cell: &Cell) {
        self.move_to(x, y);
        self.style(Pen::of(cell));
        self.out.extend_from_slice(cell.symbol().as_bytes());
        // Where the cursor stands after a symbol is certain only for one column that
        // does not end the row (there the terminal waits to wrap).
        let right = self.new.area.right();
        self.at = (cell.symbol().width() == 1 && x + 1 < right).then_some((x + 1, y));
    }

    /// Erase the run of blank cells that `updates[i]` starts, if that is shorter than
    /// writing it; the index of the first update after the run.
    fn erase(&mut self, updates: &[Update<'_>], i: usize) -> Option<usize> {
        let (x, y, _) = updates[i];
        let right = self.new.area.right();
        let mut end = x;
        while end < right && blank(&self.new[(end, y)]) {
            end += 1;
        }
        // The updates inside the run (all blanks, since every cell of it is).
        let mut j = i;
        while j + 1 < updates.len() && updates[j + 1].1 == y && updates[j + 1].0 < end {
            j += 1;
        }
        let last_on_row = updates.get(j + 1).is_none_or(|u| u.1 != y);
        let len = updates[j].0 + 1 - x;
        let to_end = end == right && last_on_row;
        // An erase leaves the cursor where it was: the next cell on the row needs a move.
        let cost = if to_end { 3 } else { 3 + digits(len) + if last_on_row { 0 } else { 4 } };
        if cost >= len as usize {
            return None;
        }
        self.move_to(x, y);
        if !self.pen.is_some_and(|p| p.erases()) {
            self.out.extend_from_slice(b"\x1b[0m");
            self.pen = Some(PLAIN);
        }
        if to_end {
            self.out.extend_from_slice(b"\x1b[K");
        } else {
            write!(self.out, "\x1b[{len}X").ok();
        }
        self.at = Some((x, y));
        Some(j + 1)
    }

    /// Put the cursor at (x, y): by writing the cells between when they are few and
    /// drawn in the current style, else by the shortest move.
    fn move_to(&mut self, x: u16, y: u16) {
        match self.at {
            Some((ax, ay)) if ay == y && ax == x => {}
            Some((ax, ay)) if ay == y && ax < x => {
                let forward = if x - ax == 1 { 3 } else { 3 + digits(x - ax) };
                let gap: Vec<&Cell> = (ax..x).map(|gx| &self.new[(gx, y)]).collect();
                let plain = gap.iter().all(|c| {
                    c.symbol().width() == 1
                        && c.diff_option == CellDiffOption::None
                        && Some(Pen::of(c)) == self.pen
                });
                let bytes: usize = gap.iter().map(|c| c.symbol().len()).sum();
                if plain && bytes <= forward {
                    for c in gap {
                        self.out.extend_from_slice(c.symbol().as_bytes());
                    }
                } else {
                    forward_by(&mut self.out, x - ax);
                }
            }
            Some((ax, ay)) if ay == y => {
                let back = if ax - x == 1 { 3 } else { 3 + digits(ax - x) };
                let column = 3 + digits(x + 1);
                if back < column {
                    back_by(&mut self.out, ax - x);
                } else {
                    write!(self.out, "\x1b[{}G", x + 1).ok();
                }
            }
            _ if x == 0 => {
                write!(self.out, "\x1b[{}H", y + 1).ok();
            }
            _ => {
                write!(self.out, "\x1b[{};{}H", y + 1, x + 1).ok();
            }
        }
        self.at = Some((x, y));
    }

    /// Change the terminal's style to `to` in one SGR sequence.
    fn style(&mut self, to: Pen) {
        if self.pen == Some(to) {
            return;
        }
        // Either take attributes off one by one, or reset and set what stays: the shorter.
        let mut fresh = vec!["0".to_string()];
        modifiers_on(Modifier::empty(), to.modifier, &mut fresh);
        colours(&PLAIN, &to, &mut fresh);
        let mut shorter = fresh;
        if let Some(pen) = self.pen {
            let mut changed = Vec::new();
            modifiers_off(pen.modifier, to.modifier, &mut changed);
            modifiers_on(pen.modifier, to.modifier, &mut changed);
            colours(&pen, &to, &mut changed);
            if changed.join(";").len() <= shorter.join(";").len() {
                shorter = changed;
            }
        }
        write!(self.out, "\x1b[{}m", shorter.join(";")).ok();
        self.pen = Some(to);
    }
}

/// Cursor forward or back along the row (one column without the count).
fn forward_by(out: &mut Vec<u8>, n: u16) {
    if n == 1 {
        out.extend_from_slice(b"\x1b[C");
    } else {
        write!(out, "\x1b[{n}C").ok();
    }
}

fn back_by(out: &mut Vec<u8>, n: u16) {
    if n == 1 {
        out.extend_from_slice(b"\x1b[D");
    } else {
        write!(out, "\x1b[{n}D").ok();
    }
}

fn modifiers_off(from: Modifier, to: Modifier, out: &mut Vec<String>) {
    let off = from - to;
    // 22 ends both bold and faint, 25 both blinks: one that stays is set again below.
    for (m, code) in [
        (Modifier::BOLD | Modifier::DIM, "22"),
        (Modifier::ITALIC, "23"),
        (Modifier::UNDERLINED, "24"),
        (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK, "25"),
        (Modifier::REVERSED, "27"),
        (Modifier::HIDDEN, "28"),
        (Modifier::CROSSED_OUT, "29"),
    ] {
        if off.intersects(m) {
            out.push(code.into());
        }
    }
}

fn modifiers_on(from: Modifier, to: Modifier, out: &mut Vec<String>) {
    let mut on = to - from;
    // What 22 or 25 took off with another.
    let off = from - to;
    if off.intersects(Modifier::BOLD | Modifier::DIM) {
        on |= to & (Modifier::BOLD | Modifier::DIM);
    }
    if off.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        on |= to & (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK);
    }
    for (m, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if on.contains(m) {
            out.push(code.into());
        }
    }
}

fn colours(from: &Pen, to: &Pen, out: &mut Vec<String>) {
    for (a, b, set, reset) in
        [(from.fg, to.fg, 38, 39), (from.bg, to.bg, 48, 49), (from.underline, to.underline, 58, 59)]
    {
        if a != b {
            out.push(colour(b, set, reset));
        }
    }
}

/// A colour as SGR parameters; the sixteen named ones by index, as crossterm writes
/// them (so bold never brightens them in terminals that do that to 30–37).
fn colour(c: Color, set: u8, reset: u8) -> String {
    let index = match c {
        Color::Reset => return reset.to_string(),
        Color::Rgb(r, g, b) => return format!("{set};2;{r};{g};{b}"),
        Color::Indexed(i) => i,
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
    };
    format!("{set};5;{index}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    /// A screen that has been shown `frames` one after another through the painter.
    fn shown(frames: &[&Buffer]) -> (vt100::Parser, Vec<usize>) {
        let area = frames[0].area;
        let mut parser =
            vt100::Parser::new(area.height.try_into().unwrap(), area.width.try_into().unwrap(), 0);
        let mut painter = Painter::default();
        let mut sizes = Vec::new();
        let mut old = Buffer::empty(area);
        for new in frames {
            let mut out = Vec::new();
            painter.paint(&old, new, &mut out).unwrap();
            sizes.push(out.len());
            parser.process(&out);
            old = (*new).clone();
        }
        (parser, sizes)
    }

    fn vt_colour(c: Color) -> vt100::Color {
        match c {
            Color::Reset => vt100::Color::Default,
            Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
            Color::Indexed(i) => vt100::Color::Idx(i),
            named => {
                let s = colour(named, 38, 39);
                vt100::Color::Idx(s.rsplit(';').next().unwrap().parse().unwrap())
            }
        }
    }

    /// Every cell of the terminal's screen shows what `want` holds, style included.
    fn check(parser: &vt100::Parser, want: &Buffer) -> Result<(), String> {
        let screen = parser.screen();
        let area = want.area;
        for y in 0..area.height {
            let mut x = 0;
            while x < area.width {
                let cell = &want[(x, y)];
                let got = screen.cell(y, x).unwrap();
                let w = cell.symbol().width().max(1) as u16;
                let sym = if cell.symbol() == " " { "" } else { cell.symbol() };
                let contents = got.contents();
                if contents.trim_start_matches(' ') != sym {
                    return Err(format!("symbol at ({x}, {y})"));
                }
                if cell.symbol() != " " || Pen::of(cell).modifier.intersects(VISIBLE_ON_BLANK) {
                    if got.fgcolor() != vt_colour(cell.fg) {
                        return Err(format!("fg at ({x}, {y})"));
                    }
                    if got.bold() != cell.modifier.contains(Modifier::BOLD) {
                        return Err(format!("bold at ({x}, {y})"));
                    }
                    if got.italic() != cell.modifier.contains(Modifier::ITALIC) {
                        return Err(format!("italic at ({x}, {y})"));
                    }
                }
                if got.bgcolor() != vt_colour(cell.bg) {
                    return Err(format!("bg at ({x}, {y})"));
                }
                if got.inverse() != cell.modifier.contains(Modifier::REVERSED) {
                    return Err(format!("inverse at ({x}, {y})"));
                }
                if got.underline() != cell.modifier.contains(Modifier::UNDERLINED) {
                    return Err(format!("underline at ({x}, {y})"));
                }
                x += w;
            }
        }
        Ok(())
    }

    fn same(parser: &vt100::Parser, want: &Buffer) {
        if let Err(e) = check(parser, want) {
            panic!("{e}");
        }
    }

    /// A small deterministic generator: the same frames on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const WORDS: &[&str] = &[
        "Kriseledelsen",
        "møtes",
        "kl.",
        "14:00",
        "på",
        "rådhuset",
        "ÆØÅ",
        "æøå",
        "evakuerte",
        "36",
        "🚒",
        "消防",
        "e\u{301}",
        "veien",
        "er",
        "stengt",
        "",
        "Lågen",
        "NVE",
        "oransje",
    ];

    fn random_frame(rng: &mut Rng, area: Rect) -> Buffer {
        let mut b = Buffer::empty(area);
        let styles = [
            Style::default(),
            Style::default().fg(Color::Cyan),
            Style::default().fg(Color::LightBlue).add_modifier(Modifier::BOLD),
            Style::default().bg(Color::Indexed(236)),
            Style::default().add_modifier(Modifier::REVERSED),
            Style::default().fg(Color::Rgb(200, 10, 10)).add_modifier(Modifier::ITALIC | Modifier::DIM),
            Style::default().add_modifier(Modifier::UNDERLINED),
        ];
        for y in 0..area.height {
            if rng.next(3) == 0 {
                continue;
            }
            let mut x = rng.next(4) as u16;
            while x < area.width {
                let word = WORDS[rng.next(WORDS.len())];
                let style = styles[rng.next(styles.len())];
                let (nx, _) = b.set_stringn(x, y, word, (area.width - x) as usize, style);
                x = nx + 1 + rng.next(3) as u16;
            }
        }
        b
    }

    #[test]
    fn every_frame_shows_exactly_the_buffer() {
        let area = Rect::new(0, 0, 40, 8);
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let mut frames = vec![random_frame(&mut rng, area)];
        for _ in 0..300 {
            // Most frames change a little, as typing does; some change everything.
            let mut next = frames.last().unwrap().clone();
            if rng.next(5) == 0 {
                next = random_frame(&mut rng, area);
            } else {
                let patch = random_frame(&mut rng, area);
                let y = rng.next(area.height as usize) as u16;
                for x in 0..area.width {
                    next[(x, y)] = patch[(x, y)].clone();
                }
            }
            frames.push(next);
        }
        let mut parser =
            vt100::Parser::new(area.height.try_into().unwrap(), area.width.try_into().unwrap(), 0);
        let mut painter = Painter::default();
        let mut old = Buffer::empty(area);
        for (n, new) in frames.iter().enumerate() {
            let mut out = Vec::new();
            painter.paint(&old, new, &mut out).unwrap();
            parser.process(&out);
            if let Err(e) = check(&parser, new) {
                let y: u16 = e.split(", ").nth(1).unwrap().trim_end_matches(')').parse().unwrap();
                let row = |b: &Buffer| {
                    (0..b.area.width).map(|x| b[(x, y)].symbol().to_string()).collect::<String>()
                };
                panic!(
                    "frame {n}: {e}\nwas {:?}\nnow {:?}\nbytes {:?}",
                    row(&old),
                    row(new),
                    String::from_utf8_lossy(&out)
                );
            }
            old = new.clone();
        }
    }

    fn line(text: &str, width: u16) -> Buffer {
        let mut b = Buffer::empty(Rect::new(0, 0, width, 1));
        b.set_string(0, 0, text, Style::default());
        b
    }

    #[test]
    fn a_typed_key_is_the_key_and_the_cursor_cell() {
        let mut before = line("> Brannvesenet er på ste", 80);
        before[(24, 0)].set_style(Style::default().add_modifier(Modifier::REVERSED));
        let mut after = line("> Brannvesenet er på sted", 80);
        after[(25, 0)].set_style(Style::default().add_modifier(Modifier::REVERSED));
        let (parser, sizes) = shown(&[&before, &after]);
        same(&parser, &after);
        // "\e[D" back over the cursor cell, "\e[0md" the key, "\e[7m " the new cursor.
        assert_eq!(sizes[1], 13, "a key's frame");
    }

    #[test]
    fn a_cleared_line_is_erased_not_written() {
        let before = line("Politiet har sperret av Storgata mellom rådhuset og kirken", 120);
        let after = line("", 120);
        let (parser, sizes) = shown(&[&before, &after]);
        same(&parser, &after);
        assert!(sizes[1] <= 8, "clearing a line costs {} bytes", sizes[1]);
        // A blank run in the middle of a row: erased, and what follows it written.
        let after = line("Politiet                                                   kirken", 120);
        let (parser, sizes) = shown(&[&before, &after]);
        same(&parser, &after);
        assert!(sizes[1] < 30, "erasing the middle costs {} bytes", sizes[1]);
    }

    #[test]
    fn short_gaps_are_written_over() {
        let before = line("a b c d e f g h", 40);
        let after = line("x b y d z f w h", 40);
        let (parser, sizes) = shown(&[&before, &after]);
        same(&parser, &after);
        // One move, then the row written through: no moves between the letters.
        assert_eq!(sizes[1], "\x1b[1Hx b y d z f w".len());
    }
}

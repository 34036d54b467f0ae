//! What crosses the wire: every byte sitroom sends is fed to a terminal emulator
//! (vt100), and the emulator's screen must equal the frame sitroom meant to show —
//! including when the log region is scrolled by escape codes instead of repainted.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sitroom::app::EntryInput;
use sitroom::i18n::Lang;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::redraw::Redraw;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

const W: u16 = 100;
const H: u16 = 30;

#[derive(Clone, Default)]
struct Wire(Rc<RefCell<Vec<u8>>>);

impl Write for Wire {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Screen {
    ui: Ui,
    term: Terminal<CrosstermBackend<Wire>>,
    wire: Wire,
    redraw: Redraw,
    vt: vt100::Parser,
    now: chrono::DateTime<chrono::Local>,
}

fn frame_rows(b: &Buffer) -> Vec<String> {
    crate::common::buffer_text(b).lines().map(|l| l.trim_end().to_string()).collect()
}

impl Screen {
    fn new(lang: Lang) -> (Screen, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = crate::common::staff::session(dir.path());
        let i = s.create_incident(crate::common::staff::flood(true)).unwrap();
        for n in 0..40 {
            let text = match n % 4 {
                0 => format!("Vannstanden i Lågen er {n} cm over normalen #situasjon"),
                1 => format!("!Beslutning {n}: Sivilforsvaret stiller ved brannstasjonen, og Gokstad sykehjem evakueres etter planen @beredskapskoordinator"),
                2 => format!("Melding {n} fra 東京 🌊 partnerkommune"),
                _ => format!("Strømbrudd {n} i Andebu"),
            };
            s.add_entry(&i, EntryInput::now(text)).unwrap();
        }
        let ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), lang).unwrap();
        let wire = Wire::default();
        let viewport = Viewport::Fixed(Rect::new(0, 0, W, H));
        let term = Terminal::with_options(CrosstermBackend::new(wire.clone()), TerminalOptions { viewport })
            .unwrap();
        let now = chrono::Local::now();
        let screen = Screen {
            ui,
            term,
            wire,
            redraw: Redraw::default(),
            vt: vt100::Parser::new(H.try_into().unwrap(), W.try_into().unwrap(), 0),
            now,
        };
        (screen, dir)
    }

    /// Draw, feed the bytes to the emulator, check it shows the frame; bytes sent.
    fn draw(&mut self) -> usize {
        self.wire.0.borrow_mut().clear();
        let (ui, now) = (&self.ui, self.now);
        self.redraw.draw(&mut self.term, ui.scroll_rows(), |f| ui.render(f, now)).unwrap();
        let bytes = std::mem::take(&mut *self.wire.0.borrow_mut());
        self.vt.process(&bytes);
        let mut expected = Buffer::empty(Rect::new(0, 0, W, H));
        let mut t = Terminal::new(ratatui::backend::TestBackend::new(W, H)).unwrap();
        t.draw(|f| self.ui.render(f, now)).unwrap();
        expected.clone_from(t.backend().buffer());
        let shown: Vec<String> = self.vt.screen().rows(0, W).map(|r| r.trim_end().to_string()).collect();
        assert_eq!(shown, frame_rows(&expected), "the terminal shows something else than the frame");
        bytes.len()
    }

    fn key(&mut self, code: KeyCode) {
        self.ui.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }
}

#[test]
fn the_terminal_shows_every_frame_exactly() {
    let (mut s, _dir) = Screen::new(Lang::Nb);
    let first = s.draw();
    assert!(first > 2_000, "a first frame is a screenful ({first} bytes)");

    // typing: a few bytes per key
    s.type_text("Kort melding");
    let typed = s.draw();
    assert!(typed < 400, "{typed} bytes for typing");
    // one more key: the letter and the cursor cell after it, not a byte more to
    // speak of (on a link of a few kbit/s each byte is a millisecond)
    s.key(KeyCode::Char('!'));
    let one = s.draw();
    assert!(one <= 16, "one typed key sent {one} bytes");

    // committing: the log scrolls on the terminal instead of being repainted
    s.key(KeyCode::Enter);
    let commit = s.draw();
    assert!(commit < first / 3, "a commit sent {commit} bytes; a full frame is {first}");

    // a long, wrapped entry (scrolls by several rows), then several in a row
    s.type_text("En lang melding som brytes over flere linjer fordi den er lengre enn bredden på skjermen, med æøå og 東京 #lang");
    s.draw();
    s.key(KeyCode::Enter);
    s.draw();
    for n in 0..5 {
        s.type_text(&format!("Melding {n}"));
        s.key(KeyCode::Enter);
        s.draw();
    }

    // paging and jumping back, filtering, an overlay: all still exact
    s.key(KeyCode::PageUp);
    s.draw();
    s.key(KeyCode::PageUp);
    s.draw();
    s.ui.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL));
    s.draw();
    s.ui.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
    s.type_text("strom");
    s.draw();
    s.key(KeyCode::Esc);
    s.draw();
    s.key(KeyCode::F(1));
    s.draw();
    s.key(KeyCode::Esc);
    s.draw();
    s.key(KeyCode::Tab);
    s.key(KeyCode::Up);
    s.draw();
    s.key(KeyCode::Char('*'));
    s.draw();
}

/// A redraw that changes nothing on the screen (a sync round's new time, a tick)
/// sends nothing: over SSH even the cursor's state would cost a packet.
#[test]
fn a_frame_that_changes_nothing_sends_nothing() {
    let (mut s, _dir) = Screen::new(Lang::Nb);
    assert!(s.draw() > 2_000);
    assert_eq!(s.draw(), 0, "the same frame again");
    s.type_text("Kort");
    assert!(s.draw() > 0, "a typed word is sent");
    assert_eq!(s.draw(), 0);
    // After nothing was sent, the next change still shows exactly (checked by draw).
    s.type_text(" melding");
    assert!(s.draw() > 0);
}

//! Keys, pastes and mouse clicks from a stream of bytes that does not come from this
//! process's own terminal (an SSH channel): read as crossterm reads a tty, with
//! crossterm's own parser (the `terminput` crate keeps it), into crossterm's events, so
//! the same `Ui` handles them. Bytes come in pieces as the network hands them over: a
//! sequence cut in two waits for its end, a bracketed paste for its closing marker,
//! and a lone Esc is the Esc key only once nothing has followed it for a moment (the
//! same byte starts every escape sequence).

use crossterm::event::Event;
use std::time::{Duration, Instant};

/// How long a lone Esc waits for the rest of a sequence before it is the Esc key.
/// Longer than a sequence's bytes take to follow each other, even over a slow link
/// (they are sent together), short enough that Esc feels immediate.
pub const ESC_WAIT: Duration = Duration::from_millis(40);

/// The most bytes kept while waiting for the end of something: a paste may be long,
/// but not endless (a client that never closes one cannot grow the server's memory).
const MAX_PENDING: usize = 4 << 20;

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

#[derive(Default)]
pub struct RawInput {
    pending: Vec<u8>,
    /// Since when a lone Esc has been waiting.
    esc_since: Option<Instant>,
    /// A paste grew past [`MAX_PENDING`]: its bytes are thrown away up to its end
    /// marker (never typed as keys: each line break would be Enter).
    dropping_paste: bool,
}

impl RawInput {
    /// Take the bytes that arrived; the events they complete, in order.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Event> {
        self.pending.extend_from_slice(bytes);
        if self.dropping_paste {
            match memchr::memmem::find(&self.pending, PASTE_END) {
                Some(end) => {
                    self.pending.drain(..end + PASTE_END.len());
                    self.dropping_paste = false;
                }
                None => {
                    // Keep what could be the start of the end marker.
                    let keep = self.pending.len().saturating_sub(PASTE_END.len() - 1);
                    self.pending.drain(..keep);
                    return Vec::new();
                }
            }
        }
        let mut events = Vec::new();
        self.parse(&mut events);
        // A lone Esc left by these bytes is new (an earlier one was read with them).
        let since = if bytes.is_empty() { self.esc_since.unwrap_or(now) } else { now };
        self.esc_since = (self.pending == [0x1b]).then_some(since);
        if self.pending.len() > MAX_PENDING {
            // Never ends: dropped, as a terminal would drop a broken sequence; a paste
            // that long is thrown away to its end.
            self.dropping_paste = self.pending.starts_with(PASTE_START);
            self.pending.clear();
        }
        events
    }

    /// A lone Esc that has waited long enough is the Esc key.
    pub fn lone_esc(&mut self, now: Instant) -> Option<Event> {
        let since = self.esc_since?;
        if now.duration_since(since) < ESC_WAIT {
            return None;
        }
        self.esc_since = None;
        self.pending.clear();
        Some(Event::Key(crossterm::event::KeyCode::Esc.into()))
    }

    /// When to look again for a lone Esc, if one is waiting.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.esc_since.map(|t| t + ESC_WAIT)
    }

    fn parse(&mut self, events: &mut Vec<Event>) {
        let mut start = 0;
        'outer: while start < self.pending.len() {
            let rest = &self.pending[start..];
            // A paste is read whole once its end is there (not retried byte by byte:
            // a long paste would cost its length squared).
            if rest.starts_with(PASTE_START) {
                let Some(end) = memchr::memmem::find(rest, PASTE_END) else { break };
                let whole = &rest[..end + PASTE_END.len()];
                if let Ok(Some(e)) = terminput::Event::parse_from(whole) {
                    events.extend(terminput_crossterm::to_crossterm(e).ok());
                }
                start += whole.len();
                continue;
            }
            // An Esc with more after it starts a sequence (or is Alt and a key): it is
            // read with what follows, never alone.
            let first = if rest[0] == 0x1b && rest.len() > 1 { 2 } else { 1 };
            for len in first..=rest.len() {
                match terminput::Event::parse_from(&rest[..len]) {
                    Ok(Some(e)) if len == 1 && rest[0] == 0x1b => {
                        // Alone so far: wait (see `lone_esc`).
                        let _ = e;
                        break 'outer;
                    }
                    Ok(Some(e)) => {
                        events.extend(terminput_crossterm::to_crossterm(e).ok());
                        start += len;
                        continue 'outer;
                    }
                    Ok(None) => {}
                    Err(_) => {
                        // A sequence no key is known for (a terminal's answer, a key
                        // mode this UI does not ask for), or a byte no text has: all
                        // of it is dropped, never typed as text.
                        start += len;
                        continue 'outer;
                    }
                }
            }
            break; // incomplete: wait for more
        }
        self.pending.drain(..start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};

    fn keys(events: &[Event]) -> Vec<KeyEvent> {
        events.iter().filter_map(|e| if let Event::Key(k) = e { Some(*k) } else { None }).collect()
    }

    fn typed(events: &[Event]) -> String {
        keys(events)
            .iter()
            .filter_map(|k| if let KeyCode::Char(c) = k.code { Some(c) } else { None })
            .collect()
    }

    #[test]
    fn norwegian_text_and_the_keys_a_logger_uses_come_through() {
        let mut r = RawInput::default();
        let now = Instant::now();
        let e = r.feed("Bøkeskogen: 36 evakuert 👍🏽 ".as_bytes(), now);
        assert_eq!(typed(&e), "Bøkeskogen: 36 evakuert 👍🏽 ");
        let e = r.feed(b"\r\t\x1b[A\x1bOP\x1b[15~\x13\x1b\r", now);
        let k = keys(&e);
        let codes: Vec<KeyCode> = k.iter().map(|k| k.code).collect();
        assert_eq!(
            codes,
            [
                KeyCode::Enter,
                KeyCode::Tab,
                KeyCode::Up,
                KeyCode::F(1),
                KeyCode::F(5),
                KeyCode::Char('s'),
                KeyCode::Enter
            ]
        );
        assert_eq!(k[5].modifiers, KeyModifiers::CONTROL, "Ctrl-S");
        assert_eq!(k[6].modifiers, KeyModifiers::ALT, "Alt-Enter: a new line in the entry");
    }

    #[test]
    fn a_sequence_or_a_letter_cut_in_two_waits_for_its_end() {
        let mut r = RawInput::default();
        let now = Instant::now();
        assert!(r.feed(b"\x1b[", now).is_empty());
        assert_eq!(keys(&r.feed(b"B", now))[0].code, KeyCode::Down);
        let ae = "æ".as_bytes();
        assert!(r.feed(&ae[..1], now).is_empty());
        assert_eq!(typed(&r.feed(&ae[1..], now)), "æ");
    }

    #[test]
    fn a_lone_esc_is_esc_only_after_a_moment_without_more() {
        let mut r = RawInput::default();
        let t0 = Instant::now();
        assert!(r.feed(b"\x1b", t0).is_empty());
        assert_eq!(r.next_deadline(), Some(t0 + ESC_WAIT));
        assert!(r.lone_esc(t0 + ESC_WAIT / 2).is_none());
        // The rest of a sequence came in time: Up, not Esc and "[A".
        assert_eq!(keys(&r.feed(b"[A", t0 + ESC_WAIT / 2))[0].code, KeyCode::Up);
        assert!(r.next_deadline().is_none());
        r.feed(b"\x1b", t0);
        let esc = r.lone_esc(t0 + ESC_WAIT).expect("Esc after the wait");
        assert!(matches!(esc, Event::Key(k) if k.code == KeyCode::Esc));
        assert_eq!(typed(&r.feed(b"x", t0 + ESC_WAIT)), "x", "nothing left behind");
    }

    #[test]
    fn a_paste_in_pieces_is_one_paste_and_a_click_is_a_click() {
        let mut r = RawInput::default();
        let now = Instant::now();
        assert!(r.feed(b"\x1b[200~Melding fra NVE:\nr\xc3", now).is_empty());
        let e = r.feed(b"\xb8dt farevarsel\x1b[201~k", now);
        assert!(matches!(&e[0], Event::Paste(p) if p == "Melding fra NVE:\nrødt farevarsel"), "{e:?}");
        assert_eq!(typed(&e[1..]), "k");
        let e = r.feed(b"\x1b[<0;30;22M\x1b[<64;30;22M", now);
        let kinds: Vec<MouseEventKind> =
            e.iter().filter_map(|e| if let Event::Mouse(m) = e { Some(m.kind) } else { None }).collect();
        assert_eq!(kinds, [MouseEventKind::Down(MouseButton::Left), MouseEventKind::ScrollUp]);
        assert!(matches!(&e[0], Event::Mouse(m) if (m.column, m.row) == (29, 21)), "0-based");
    }

    proptest::proptest! {
        /// Whatever a client sends, in whatever pieces: no panic, nothing kept that was
        /// not sent.
        #[test]
        fn any_bytes_in_any_pieces_are_taken_without_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            cut in 0usize..300,
        ) {
            let mut r = RawInput::default();
            let now = Instant::now();
            let cut = cut.min(bytes.len());
            r.feed(&bytes[..cut], now);
            r.feed(&bytes[cut..], now);
            r.lone_esc(now + ESC_WAIT);
            proptest::prop_assert!(r.pending.len() <= bytes.len());
        }

        /// Text typed (no control characters) reads the same however the network cut it.
        #[test]
        fn text_reads_the_same_in_any_pieces(text in "[a-zA-ZæøåÆØÅ0-9 .,:;!?#@()/\u{4e00}-\u{4e10}\u{1f44d}\u{1f3fd}-]{0,60}", cut in 0usize..240) {
            let bytes = text.as_bytes();
            let cut = cut.min(bytes.len());
            let now = Instant::now();
            let mut r = RawInput::default();
            let mut events = r.feed(&bytes[..cut], now);
            events.extend(r.feed(&bytes[cut..], now));
            proptest::prop_assert_eq!(typed(&events), text);
        }
    }

    #[test]
    fn bytes_no_terminal_sends_are_dropped_without_losing_what_follows() {
        let mut r = RawInput::default();
        let now = Instant::now();
        // An unknown key sequence (Ctrl-Enter in xterm's modifyOtherKeys), a byte no
        // UTF-8 text has: neither leaves anything typed.
        let e = r.feed(b"\x1b[27;5;13~\xffok", now);
        assert_eq!(typed(&e), "ok", "{e:?}");
    }

    #[test]
    fn a_paste_too_long_to_keep_is_dropped_whole_not_typed() {
        let mut r = RawInput::default();
        let now = Instant::now();
        let mut events = r.feed(PASTE_START, now);
        let block = "linje med æøå\r".repeat(1000);
        for _ in 0..(MAX_PENDING / block.len() + 10) {
            events.extend(r.feed(block.as_bytes(), now));
        }
        events.extend(r.feed(b"\x1b[2", now));
        events.extend(r.feed(b"01~ok", now));
        assert_eq!(typed(&events), "ok");
        assert!(keys(&events).iter().all(|k| k.code != KeyCode::Enter), "no line of it became Enter");
    }

    #[test]
    fn an_esc_after_other_keys_waits_its_own_time() {
        let mut r = RawInput::default();
        let t0 = Instant::now();
        r.feed(b"\x1b", t0);
        // 35 ms later: Alt-x, and a new Esc that may start a sequence.
        let later = t0 + Duration::from_millis(35);
        r.feed(b"x\x1b", later);
        assert!(r.lone_esc(t0 + ESC_WAIT).is_none(), "not the first Esc's deadline");
        assert!(r.lone_esc(later + ESC_WAIT).is_some());
    }
}

//! The one event loop, for two kinds of terminal: this process's own tty (read with
//! crossterm) and a terminal at the far end of a byte stream (an SSH channel: its
//! bytes read with [`RawInput`], the frames written to the channel). Keys are taken in
//! batches, frames drawn at most every [`FRAME_EVERY`] while keys keep coming, the
//! UI's periodic work done between — the same for both.

use super::raw_input::RawInput;
use super::redraw::Redraw;
use super::ui::Ui;
use crossterm::event::{self, Event};
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// While keys keep coming, a frame at most this often: a burst (keys a terminal or tmux
/// hands over one write at a time, a text expander, a paste without bracketed paste) is
/// taken in whole and drawn a few times, not once per key. A single key press, which
/// comes long after the last frame, is drawn at once.
pub const FRAME_EVERY: Duration = Duration::from_millis(8);

/// Where the loop's input comes from.
pub trait Input {
    /// Wait at most `timeout` for input: whether some is there.
    fn poll(&mut self, timeout: Duration) -> std::io::Result<bool>;
    /// The next event, once `poll` has said there is one.
    fn read(&mut self) -> std::io::Result<Event>;
    /// May a frame be sent now? A slow link still carrying the last one says no: the
    /// frame waits, the UI goes on changing, and the next frame sent shows the newest
    /// state (a diff against what was really sent), so at most one frame is ever in
    /// flight and none queue up behind it.
    fn can_draw(&self) -> bool {
        true
    }
}

/// This process's own terminal.
pub struct Tty;

impl Input for Tty {
    fn poll(&mut self, timeout: Duration) -> std::io::Result<bool> {
        // A zero timeout would not even look at the terminal (the poll(2) source checks
        // only while time is left): a microsecond at least.
        event::poll(timeout.max(Duration::from_micros(1)))
    }

    fn read(&mut self) -> std::io::Result<Event> {
        event::read()
    }
}

/// What reaches a remote terminal's loop from the connection.
#[derive(Debug)]
pub enum Incoming {
    Bytes(Vec<u8>),
    /// The window is now so many columns and rows.
    Resize(u16, u16),
}

/// A terminal at the far end of a byte stream: the connection hands over what it
/// receives; the loop ends when the connection's sender is gone.
pub struct Remote {
    incoming: Receiver<Incoming>,
    raw: RawInput,
    ready: VecDeque<Event>,
    /// True while the last frame is still on its way (asked of whoever sends them).
    in_flight: InFlight,
    /// End the session after this long without input (the draft is kept).
    idle: Option<Duration>,
    last_input: Instant,
    /// Any of these set: the session must end now (the server is stopping, the
    /// account may no longer sign in).
    stop: Vec<Arc<std::sync::atomic::AtomicBool>>,
}

/// Whether the last frame handed over is still on its way.
pub type InFlight = Arc<dyn Fn() -> bool + Send + Sync>;

/// How often a loop waiting for its last frame to leave looks again.
const FLIGHT_CHECK: Duration = Duration::from_millis(5);

impl Remote {
    pub fn new(incoming: Receiver<Incoming>) -> Remote {
        Remote::pacing(incoming, Arc::new(|| false))
    }

    /// A remote terminal whose frames are sent by someone who says, when asked,
    /// whether the last one is still on its way.
    pub fn pacing(incoming: Receiver<Incoming>, in_flight: InFlight) -> Remote {
        Remote {
            incoming,
            raw: RawInput::default(),
            ready: VecDeque::new(),
            in_flight,
            idle: None,
            last_input: Instant::now(),
            stop: Vec::new(),
        }
    }

    /// End (an error of kind `TimedOut`) after `idle` without input, or (`Interrupted`)
    /// as soon as one of `stop` is set.
    pub fn ending(mut self, idle: Option<Duration>, stop: Vec<Arc<std::sync::atomic::AtomicBool>>) -> Remote {
        self.idle = idle;
        self.stop = stop;
        self
    }

    fn ended(&self, now: Instant) -> std::io::Result<()> {
        use std::io::{Error, ErrorKind};
        if self.stop.iter().any(|s| s.load(std::sync::atomic::Ordering::Acquire)) {
            return Err(Error::new(ErrorKind::Interrupted, "the session was ended"));
        }
        if self.idle.is_some_and(|idle| now.duration_since(self.last_input) >= idle) {
            return Err(Error::new(ErrorKind::TimedOut, "no input for too long"));
        }
        Ok(())
    }

    fn take(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Bytes(bytes) => {
                self.last_input = Instant::now();
                self.ready.extend(self.raw.feed(&bytes, self.last_input));
            }
            Incoming::Resize(w, h) => self.ready.push_back(Event::Resize(w, h)),
        }
    }
}

impl Input for Remote {
    fn poll(&mut self, timeout: Duration) -> std::io::Result<bool> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Ok(incoming) = self.incoming.try_recv() {
                self.take(incoming);
            }
            self.ready.extend(self.raw.lone_esc(Instant::now()));
            if !self.ready.is_empty() {
                return Ok(true);
            }
            let now = Instant::now();
            self.ended(now)?;
            // Wake for a lone Esc's deadline too, and now and then to see whether the
            // session must end.
            let until = self.raw.next_deadline().map_or(deadline, |d| d.min(deadline));
            let until = until.min(now + Duration::from_secs(1));
            if now >= deadline {
                return Ok(false);
            }
            match self.incoming.recv_timeout(until.saturating_duration_since(now)) {
                Ok(incoming) => self.take(incoming),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "the connection closed",
                    ))
                }
            }
        }
    }

    fn read(&mut self) -> std::io::Result<Event> {
        while self.ready.is_empty() {
            self.poll(Duration::from_secs(3600))?;
        }
        Ok(self.ready.pop_front().expect("polled"))
    }

    fn can_draw(&self) -> bool {
        !(self.in_flight)()
    }
}

/// Hand the terminal text for its clipboard (OSC 52): the terminal, wherever it is
/// (over SSH too), puts it on the clipboard of the machine the user sits at. Control
/// characters are left out; base64 keeps the rest intact.
fn copy_to_clipboard(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    use base64::Engine;
    let clean: String = text.chars().filter(|c| *c == '\n' || !c.is_control()).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}

/// Take every event already waiting before drawing again: a fast typist or a paste
/// over a slow link costs one frame, not one per key. Whether the screen changed, and
/// the window's new size if it changed.
fn take_waiting(ui: &mut Ui, input: &mut impl Input) -> std::io::Result<(bool, Option<(u16, u16)>)> {
    let mut dirty = false;
    let mut resized = None;
    // Keys are handed over together (`Ui::on_keys` types a run of characters in one
    // edit); anything else goes after the keys before it.
    let mut keys = Vec::new();
    loop {
        match input.read()? {
            Event::Key(k) => keys.push(k),
            other => {
                dirty |= ui.on_keys(&std::mem::take(&mut keys));
                dirty |= match other {
                    Event::Paste(text) => ui.on_paste(&text),
                    Event::Resize(w, h) => {
                        resized = Some((w, h));
                        true
                    }
                    Event::Mouse(m) => ui.on_mouse(m),
                    _ => false,
                };
            }
        }
        // Quit is a key: look for it as the keys come, not only at the end.
        let quit = keys.last().is_some_and(|k| k.modifiers.contains(event::KeyModifiers::CONTROL));
        if quit || keys.len() >= 4096 || !input.poll(Duration::ZERO)? {
            dirty |= ui.on_keys(&std::mem::take(&mut keys));
            if ui.should_quit() || !input.poll(Duration::ZERO)? {
                return Ok((dirty, resized));
            }
        }
    }
}

/// Take what is waiting; a new window size resizes the terminal (a remote one has a
/// fixed viewport that only this sets) and makes the next frame whole.
fn take<B>(
    ui: &mut Ui,
    input: &mut impl Input,
    terminal: &mut Terminal<B>,
    redraw: &mut Redraw,
) -> std::io::Result<bool>
where
    B: Backend<Error = std::io::Error> + Write,
{
    let (changed, resized) = take_waiting(ui, input)?;
    if let Some((w, h)) = resized {
        terminal.resize(Rect::new(0, 0, w, h))?;
        redraw.forget();
    }
    Ok(changed)
}

/// Run until the user quits (or, for a remote terminal, the connection closes).
pub fn run<B>(
    terminal: &mut Terminal<B>,
    input: &mut impl Input,
    ui: &mut Ui,
    exit_after_first_frame: bool,
) -> std::io::Result<()>
where
    B: Backend<Error = std::io::Error> + Write,
{
    let mut dirty = true;
    let mut redraw = Redraw::default();
    let mut drawn = Instant::now() - FRAME_EVERY;
    loop {
        // More input on its way within the frame interval: take it first.
        let since = drawn.elapsed();
        if dirty && since < FRAME_EVERY && input.poll(FRAME_EVERY - since)? {
            dirty |= take(ui, input, terminal, &mut redraw)?;
            if ui.should_quit() {
                return Ok(());
            }
            continue;
        }
        if dirty && !input.can_draw() {
            // The last frame is still on its way: take input meanwhile, draw once it
            // has left.
            if input.poll(FLIGHT_CHECK)? {
                dirty |= take(ui, input, terminal, &mut redraw)?;
                if ui.should_quit() {
                    return Ok(());
                }
            }
            dirty |= ui.tick(Instant::now());
            continue;
        }
        if dirty {
            if std::mem::take(&mut ui.clear_requested) {
                terminal.clear()?;
                redraw.forget();
            }
            redraw.draw(terminal, ui.scroll_rows(), |f| ui.render(f, chrono::Local::now()))?;
            if let Some(text) = ui.take_clipboard() {
                copy_to_clipboard(terminal.backend_mut(), &text)?;
            }
            drawn = Instant::now();
            dirty = false;
            if exit_after_first_frame {
                return Ok(());
            }
        }
        let now = Instant::now();
        if input.poll(ui.next_wake(now))? {
            dirty |= take(ui, input, terminal, &mut redraw)?;
        }
        if ui.should_quit() {
            return Ok(());
        }
        dirty |= ui.tick(Instant::now());
    }
}

//! The event loop with a terminal at the far end of a byte stream (as an SSH channel
//! will be): the bytes a terminal sends go in, the frames come out, and a terminal
//! emulator (vt100) fed those frames shows what the user would see. The same loop
//! the local TUI runs; the entry typed is stored, the window's new size is used, and
//! a dropped connection leaves the draft to come back to.

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sitroom::i18n::Lang;
use sitroom::tui::event_loop::{self, Incoming, Remote};
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;
use std::io::Write;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
struct Wire(Arc<Mutex<Vec<u8>>>);

impl Write for Wire {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Wire {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn since(&self, from: usize) -> Vec<u8> {
        self.0.lock().unwrap()[from..].to_vec()
    }
}

/// The far end: a UI running the event loop on its own thread, fed through `tx`.
fn remote(
    dir: &std::path::Path,
    w: u16,
    h: u16,
) -> (Sender<Incoming>, Wire, std::thread::JoinHandle<std::io::Result<()>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let wire = Wire::default();
    let out = wire.clone();
    let dir = dir.to_path_buf();
    let handle = std::thread::spawn(move || {
        let session = crate::common::staff::session(&dir);
        let mut ui = Ui::new(session, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
        let viewport = Viewport::Fixed(Rect::new(0, 0, w, h));
        let mut term = Terminal::with_options(CrosstermBackend::new(out), TerminalOptions { viewport })?;
        let ended = event_loop::run(&mut term, &mut Remote::new(rx), &mut ui, false);
        // However it ended (the connection gone), the draft is kept, as a local TUI
        // keeps it when its terminal goes away.
        ui.shutdown().unwrap();
        ended
    });
    (tx, wire, handle)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn screen(bytes: &[u8], w: u16, h: u16) -> String {
    let mut vt = vt100::Parser::new(h.try_into().unwrap(), w.try_into().unwrap(), 0);
    vt.process(bytes);
    vt.screen().contents()
}

#[test]
fn a_terminal_at_the_end_of_a_byte_stream_runs_the_same_ui() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = crate::common::staff::flood_session(dir.path());
    s.add_entry(&i, sitroom::app::EntryInput::now("Kriseledelsen satt #stab")).unwrap();
    drop(s);
    let (tx, wire, handle) = remote(dir.path(), 100, 30);
    wait_for("the first frame", || screen(&wire.since(0), 100, 30).contains("Kriseledelsen satt"));

    // Typed as a terminal sends it: UTF-8, Enter as CR, in two pieces cut inside "ø".
    let line = "Bøkeskogen: vann over veien 👍🏽\r".as_bytes();
    tx.send(Incoming::Bytes(line[..3].to_vec())).unwrap();
    tx.send(Incoming::Bytes(line[3..].to_vec())).unwrap();
    let check = crate::common::staff::session(dir.path());
    wait_for("the entry stored", || {
        check.entries(&i).unwrap().last().is_some_and(|e| e.text == "Bøkeskogen: vann over veien 👍🏽")
    });
    wait_for("the entry on the far screen", || {
        screen(&wire.since(0), 100, 30).contains("Bøkeskogen: vann over veien")
    });

    // A new window size: the next frame is whole, at that size.
    let at = wire.len();
    tx.send(Incoming::Resize(140, 40)).unwrap();
    wait_for("a frame at 140×40", || {
        let s = screen(&wire.since(at), 140, 40);
        s.lines().next().is_some_and(|l| l.chars().count() > 100) && s.contains("Ny loggføring")
    });

    // Half a sentence, and the connection drops: the draft waits for the next session.
    tx.send(Incoming::Bytes("Halvskrevet melding fra Å".as_bytes().to_vec())).unwrap();
    wait_for("the half sentence on screen", || {
        screen(&wire.since(at), 140, 40).contains("Halvskrevet melding fra Å")
    });
    drop(tx);
    let ended = handle.join().unwrap();
    assert_eq!(ended.unwrap_err().kind(), std::io::ErrorKind::ConnectionAborted);
    let draft = check.load_draft(&i).unwrap().expect("the draft is kept");
    assert_eq!(draft.text, "Halvskrevet melding fra Å");
}

/// A link still carrying the last frame (a few kbit/s): what is typed meanwhile is
/// taken, but no frame queues up behind the one in flight. Once it has left, one frame
/// shows everything typed.
#[test]
fn on_a_backed_up_link_at_most_one_frame_is_in_flight() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Hands each flushed frame to "the network", which is busy until the test says it
    /// delivered it.
    #[derive(Clone)]
    struct Link {
        bytes: Arc<Mutex<Vec<u8>>>,
        unflushed: Arc<AtomicUsize>,
        frames: Arc<AtomicUsize>,
        in_flight: Arc<AtomicBool>,
    }
    impl Write for Link {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.bytes.lock().unwrap().extend_from_slice(b);
            self.unflushed.fetch_add(b.len(), Ordering::SeqCst);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            if self.unflushed.swap(0, Ordering::SeqCst) > 0 {
                self.frames.fetch_add(1, Ordering::SeqCst);
                self.in_flight.store(true, Ordering::SeqCst);
            }
            Ok(())
        }
    }

    let dir = tempfile::tempdir().unwrap();
    drop(crate::common::staff::flood_session(dir.path()));
    let link = Link {
        bytes: Arc::default(),
        unflushed: Arc::default(),
        frames: Arc::default(),
        in_flight: Arc::new(AtomicBool::new(false)),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let (out, flag, path) = (link.clone(), link.in_flight.clone(), dir.path().to_path_buf());
    let gate: event_loop::InFlight = Arc::new(move || flag.load(Ordering::SeqCst));
    let handle = std::thread::spawn(move || {
        let mut ui =
            Ui::new(crate::common::staff::session(&path), Keymap::builtin(), Theme::builtin(), Lang::Nb)
                .unwrap();
        let viewport = Viewport::Fixed(Rect::new(0, 0, 100, 30));
        let mut term = Terminal::with_options(CrosstermBackend::new(out), TerminalOptions { viewport })?;
        let ended = event_loop::run(&mut term, &mut Remote::pacing(rx, gate), &mut ui, false);
        ui.shutdown().unwrap();
        ended
    });
    wait_for("the first frame", || link.frames.load(Ordering::SeqCst) == 1);
    // The first frame is still on its way; 60 characters are typed, fast.
    let sentence = "Brannvesenet melder at broen ved Kodal er stengt, omkjøring.";
    assert_eq!(sentence.chars().count(), 60);
    for c in sentence.chars() {
        tx.send(Incoming::Bytes(c.to_string().into_bytes())).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(link.frames.load(Ordering::SeqCst), 1, "nothing queued behind the frame in flight");
    // Delivered: one frame brings the whole sentence.
    link.in_flight.store(false, Ordering::SeqCst);
    let all = || screen(&link.bytes.lock().unwrap(), 100, 30);
    wait_for("the sentence on the far screen", || all().contains("omkjøring."));
    assert_eq!(link.frames.load(Ordering::SeqCst), 2, "one frame for the whole burst");
    drop(tx);
    let _ = handle.join().unwrap();
}

/// A session left alone too long ends (an SSH door's idle limit), and one the server
/// stops ends at once; either way the draft is kept.
#[test]
fn an_idle_or_stopped_session_ends_and_keeps_its_draft() {
    use std::sync::atomic::{AtomicBool, Ordering};
    for (idle, stop_it, kind) in [
        (Some(Duration::from_millis(700)), false, std::io::ErrorKind::TimedOut),
        (None, true, std::io::ErrorKind::Interrupted),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (s, i) = crate::common::staff::flood_session(dir.path());
        drop(s);
        let (tx, rx) = std::sync::mpsc::channel();
        let wire = Wire::default();
        let (out, path) = (wire.clone(), dir.path().to_path_buf());
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let handle = std::thread::spawn(move || {
            let session = crate::common::staff::session(&path);
            let mut ui = Ui::new(session, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
            let viewport = Viewport::Fixed(Rect::new(0, 0, 100, 30));
            let mut term = Terminal::with_options(CrosstermBackend::new(out), TerminalOptions { viewport })?;
            let mut input = Remote::new(rx).ending(idle, vec![stopped]);
            let ended = event_loop::run(&mut term, &mut input, &mut ui, false);
            ui.shutdown().unwrap();
            ended
        });
        wait_for("the first frame", || screen(&wire.since(0), 100, 30).contains("Ny loggføring"));
        tx.send(Incoming::Bytes("Utkast om Kodal".as_bytes().to_vec())).unwrap();
        wait_for("the draft on screen", || screen(&wire.since(0), 100, 30).contains("Utkast om Kodal"));
        if stop_it {
            stop.store(true, Ordering::SeqCst);
        }
        // Ends by itself, with the connection still there.
        let ended = handle.join().unwrap();
        assert_eq!(ended.unwrap_err().kind(), kind);
        drop(tx);
        let check = crate::common::staff::session(dir.path());
        assert_eq!(check.load_draft(&i).unwrap().expect("the draft is kept").text, "Utkast om Kodal");
    }
}

//! Benchmarks of the incident log on a realistic 100,000-entry incident: key press to
//! rendered frame, paging, jumping, filtering, durable commit, bulk import, and opening
//! the log. First a percentile pass (p50/p99/max, what the targets are stated
//! in), then criterion's statistics for the same operations.
//!
//! `cargo bench --bench log` runs it all (release build). Under `cargo test
//! --all-targets` (no `--bench` argument) it runs once on a small log, as a smoke test.

mod common;
use chrono::Utc;
use common::{lines, time};
use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::Incident;
use sitroom::i18n::Lang;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;
use std::time::{Duration, Instant};

/// A new database in `dir` with one incident holding `n` entries.
fn open(dir: &std::path::Path, n: usize) -> (Session, Incident) {
    let (mut s, i) = common::staff::flood_session(dir);
    s.import(&i, lines(n).as_bytes()).unwrap();
    (s, i)
}

fn types() -> Vec<String> {
    sitroom::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn frame(term: &mut Terminal<TestBackend>, ui: &Ui) {
    term.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 100_000 } else { 2_000 };
    let iters = if full { 2_000 } else { 20 };
    let dir = tempfile::tempdir().unwrap();

    // bulk import, into a fresh database each round
    let mut rates = Vec::new();
    for round in 0..if full { 3 } else { 1 } {
        let d = dir.path().join(format!("import{round}"));
        std::fs::create_dir_all(&d).unwrap();
        let t = Instant::now();
        open(&d, n);
        rates.push(n as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "log import: {:.0} entries/s (best of {}; {n} entries, database creation included)",
        rates.iter().cloned().fold(0.0, f64::max),
        rates.len()
    );

    let (session, incident) = open(dir.path(), n);
    drop(session);
    let t = Instant::now();
    let session = Session::open(&dir.path().join("s.db"), "kari", types()).unwrap();
    let mut ui = Ui::new(session, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    frame(&mut term, &ui);
    println!("open database + log pane + first frame ({n} entries): {:.1?}", t.elapsed());
    while ui.log().unwrap().is_loading() {
        ui.tick(Instant::now());
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("… whole history merged in the background after: {:.1?}", t.elapsed());
    assert_eq!(ui.log().unwrap().model().total(), n);

    // key press in the entry line -> frame (typing a character, then erasing it)
    let mut toggle = false;
    time("key press -> frame (160x48)", iters, || {
        toggle = !toggle;
        let k = if toggle { key(KeyCode::Char('ø')) } else { key(KeyCode::Backspace) };
        let t = Instant::now();
        ui.on_key(k);
        frame(&mut term, &ui);
        t.elapsed()
    });

    // the same through the real drawing path: crossterm encoding the escape codes, and
    // the scroll detection of `Redraw`, into a sink
    {
        use ratatui::backend::CrosstermBackend;
        use ratatui::{layout::Rect, TerminalOptions, Viewport};
        let viewport = Viewport::Fixed(Rect::new(0, 0, 160, 48));
        let mut real =
            Terminal::with_options(CrosstermBackend::new(std::io::sink()), TerminalOptions { viewport })
                .unwrap();
        let mut redraw = sitroom::tui::redraw::Redraw::default();
        let mut toggle = false;
        time("key press -> bytes (crossterm, real path)", iters, || {
            toggle = !toggle;
            let k = if toggle { key(KeyCode::Char('ø')) } else { key(KeyCode::Backspace) };
            let t = Instant::now();
            ui.on_key(k);
            redraw.draw(&mut real, ui.scroll_rows(), |f| ui.render(f, chrono::Local::now())).unwrap();
            t.elapsed()
        });
    }

    // a burst: 10,000 keys arriving at once (a fast typist over a link that delivers in
    // clumps, a text-expander, keys queued while the screen was busy), handled as the
    // event loop does: every waiting key, one tick, then one frame. The staff meeting's
    // lines, each ended with Enter (so entries are committed durably in the burst).
    {
        let text = lines(120);
        let keys: Vec<KeyEvent> = text
            .chars()
            .map(|c| if c == '\n' { key(KeyCode::Enter) } else { key(KeyCode::Char(c)) })
            .take(10_000)
            .collect();
        let before = ui.log().unwrap().model().total();
        let t = Instant::now();
        ui.on_keys(&keys); // as the event loop hands them over
        ui.tick(Instant::now());
        frame(&mut term, &ui);
        let took = t.elapsed();
        let saved = ui.log().unwrap().model().total() - before;
        println!(
            "burst of {} keys ({saved} entries committed) -> processed and drawn: {took:.1?} ({:.1} µs/key)",
            keys.len(),
            took.as_secs_f64() * 1e6 / keys.len() as f64
        );
    }
    // the same keys as one long entry (no Enter): the entry line grows to 10,000
    // characters, which each key must not pay for again
    {
        let keys: Vec<KeyEvent> =
            lines(120).chars().filter(|c| *c != '\n').map(|c| key(KeyCode::Char(c))).take(10_000).collect();
        let t = Instant::now();
        ui.on_keys(&keys);
        ui.tick(Instant::now());
        frame(&mut term, &ui);
        let took = t.elapsed();
        println!(
            "burst of {} keys into one entry -> processed and drawn: {took:.1?} ({:.1} µs/key)",
            keys.len(),
            took.as_secs_f64() * 1e6 / keys.len() as f64
        );
        // one more key on the long line, then a frame: what typing on feels like
        time("key press -> frame, 10,000-character entry", iters, || {
            let t = Instant::now();
            ui.on_key(key(KeyCode::Char('x')));
            frame(&mut term, &ui);
            t.elapsed()
        });
        ui.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    }

    // bytes a real terminal would receive (what crosses a slow SSH link)
    wire_bytes(&mut ui);

    // the crisis management workspace: the log beside a board of many tasks (and the
    // media queue and sitrep loaded on the desk), as the benchmark asks
    {
        let tasks = if full { 10_000 } else { 200 };
        let incident = ui.log().unwrap().incident().clone();
        for n in 0..tasks {
            let new = sitroom::domain::task::NewTask {
                title: format!("Oppgave {n}: sjekk pumpestasjon {n} i Bøkeskogen"),
                assignee: Some(format!("lag {}", n % 12)),
                ..Default::default()
            };
            ui.session.add_task(&incident, new).unwrap();
        }
        let inquiries = if full { 2_000 } else { 50 };
        for n in 0..inquiries {
            let new = sitroom::domain::media::NewInquiry {
                outlet: ["NRK", "VG", "TV 2", "Sandefjords Blad"][n % 4].into(),
                question: format!("Spørsmål {n} om flommen i Lågen"),
                deadline: Some(chrono::Utc::now() + chrono::Duration::minutes(n as i64 - 500)),
                ..Default::default()
            };
            ui.session.add_inquiry(&incident, new).unwrap();
        }
        // reopen so the board loads them, as at start-up
        let session = Session::open(&dir.path().join("s.db"), "kari", types()).unwrap();
        let mut crisis = Ui::new(session, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
        while crisis.log().unwrap().is_loading() {
            crisis.tick(Instant::now());
            std::thread::sleep(Duration::from_millis(1));
        }
        crisis.on_key(key(KeyCode::F(6)));
        frame(&mut term, &crisis);
        let mut toggle = false;
        time("crisis workspace: key -> frame", iters, || {
            toggle = !toggle;
            let k = if toggle { key(KeyCode::Char('ø')) } else { key(KeyCode::Backspace) };
            let t = Instant::now();
            crisis.on_key(k);
            frame(&mut term, &crisis);
            t.elapsed()
        });
        let mut n = 0u8;
        time("switch workspace -> frame", iters.min(500), || {
            n = (n + 1) % 5;
            let t = Instant::now();
            crisis.on_key(key(KeyCode::F(5 + n)));
            frame(&mut term, &crisis);
            t.elapsed()
        });
        crisis.on_key(key(KeyCode::F(9))); // oppgaver: the board alone, focused
        time("task board: move selection -> frame", iters.min(500), || {
            let t = Instant::now();
            crisis.on_key(key(KeyCode::Down));
            frame(&mut term, &crisis);
            t.elapsed()
        });
    }

    // page up through the log, then jump to newest
    let mut pages = 0;
    time("page up -> frame", iters, || {
        pages += 1;
        if pages % 500 == 0 {
            ui.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL));
        }
        let t = Instant::now();
        ui.on_key(key(KeyCode::PageUp));
        frame(&mut term, &ui);
        t.elapsed()
    });
    time("jump to newest -> frame", iters.min(500), || {
        for _ in 0..3 {
            ui.on_key(key(KeyCode::PageUp));
        }
        let t = Instant::now();
        ui.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL));
        frame(&mut term, &ui);
        t.elapsed()
    });

    // apply a filter: typing one more letter of "strom", redrawn
    ui.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
    let mut typed = 0;
    time("apply filter -> frame", iters.min(500), || {
        typed += 1;
        let k = if typed % 2 == 1 { key(KeyCode::Char('s')) } else { key(KeyCode::Backspace) };
        let t = Instant::now();
        ui.on_key(k);
        frame(&mut term, &ui);
        t.elapsed()
    });
    ui.on_key(key(KeyCode::Esc));
    ui.on_key(key(KeyCode::Tab));

    // durable commit of one entry (SQLite WAL, synchronous=FULL)
    time("commit one entry durably", iters.min(500), || {
        let input = EntryInput::now("Vannstanden i Lågen er stabil, ny måling kl 14 #situasjon");
        let t = Instant::now();
        ui.session.add_entry(&incident, input).unwrap();
        t.elapsed()
    });

    if !full {
        return;
    }
    let mut c =
        Criterion::default().configure_from_args().sample_size(50).measurement_time(Duration::from_secs(3));
    c.bench_function("key_press_frame_160x48", |b| {
        let mut toggle = false;
        b.iter(|| {
            toggle = !toggle;
            ui.on_key(if toggle { key(KeyCode::Char('a')) } else { key(KeyCode::Backspace) });
            frame(&mut term, &ui);
        })
    });
    c.bench_function("filter_100k", |b| {
        ui.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
        let mut typed = 0;
        b.iter(|| {
            typed += 1;
            ui.on_key(if typed % 2 == 1 { key(KeyCode::Char('s')) } else { key(KeyCode::Backspace) });
        });
        ui.on_key(key(KeyCode::Esc));
    });
    c.bench_function("commit_entry", |b| {
        b.iter(|| {
            ui.session
                .add_entry(&incident, EntryInput { started_at: Utc::now(), ..EntryInput::now("måling") })
                .unwrap()
        })
    });
    c.final_summary();
}

/// Bytes sent to the terminal for typing, committing and paging, through the real
/// crossterm backend writing into memory (a fixed 160×48 viewport, no terminal).
fn wire_bytes(ui: &mut Ui) {
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};
    /// Counts what is written to it.
    struct Wire(std::rc::Rc<std::cell::Cell<usize>>);
    impl std::io::Write for Wire {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.set(self.0.get() + b.len());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let viewport = Viewport::Fixed(Rect::new(0, 0, 160, 48));
    let backend = CrosstermBackend::new(Wire(count.clone()));
    let mut term = Terminal::with_options(backend, TerminalOptions { viewport }).unwrap();
    let now = chrono::Local::now();
    // the same drawing path as the real event loop, terminal scrolling included
    let mut redraw = sitroom::tui::redraw::Redraw::default();
    let mut draw = |term: &mut Terminal<CrosstermBackend<Wire>>, ui: &Ui| {
        count.set(0);
        redraw.draw(term, ui.scroll_rows(), |f| ui.render(f, now)).unwrap();
        count.get()
    };
    let first = draw(&mut term, ui);
    let text = "Vannstanden i Lågen er stabil på 3,2 meter #situasjon";
    let typed: Vec<usize> = text
        .chars()
        .map(|c| {
            ui.on_key(key(KeyCode::Char(c)));
            draw(&mut term, ui)
        })
        .collect();
    ui.on_key(key(KeyCode::Enter));
    let commit = draw(&mut term, ui);
    ui.on_key(key(KeyCode::PageUp));
    let page = draw(&mut term, ui);
    ui.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL));
    draw(&mut term, ui);
    let mean = typed.iter().sum::<usize>() as f64 / typed.len() as f64;
    println!(
        "bytes to the terminal (160x48): first frame {first}, per typed key mean {mean:.0} max {}, commit {commit}, page up {page}",
        typed.iter().max().unwrap()
    );
}

//! The wall display and the situation at a glance at the size of a long crisis:
//! 100,000 log entries of varied text, 10,000 tasks (a tenth overdue, half without
//! anyone responsible), 1,000 notices on ten boards with twenty key figures. One
//! update at a time (a decision logged, a figure changed, a notice put up) is written
//! by another connection, as another terminal or the sync thread would; what is
//! timed is the UI noticing it, reading what it shows again and drawing the frame
//! (200×60). Percentiles, as the issue states its target (p99 < 5 ms).
//!
//! `cargo bench --bench situation` runs it at full size (release build). Under `cargo
//! test --all-targets` it runs once at a small size, as a smoke test.

mod common;
use common::Stats;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::board::{Audience, NewBoard, NewNotice};
use sitroom::domain::task::{NewTask, Priority};
use sitroom::i18n::Lang;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;
use std::time::{Duration, Instant};

fn types() -> Vec<String> {
    sitroom::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (entries, tasks, notices) = if full { (100_000, 10_000, 1_000) } else { (2_000, 100, 40) };
    let iters = if full { 600 } else { 12 };
    let dir = tempfile::tempdir().unwrap();
    let (mut s, incident) = common::staff::flood_session(dir.path());

    let t = Instant::now();
    // Varied text; every fortieth a decision.
    let text: String = (0..entries)
        .map(|k| {
            let mark = if k % 40 == 0 { "!" } else { "" };
            format!("{mark}{} (melding {k})\n", common::varied(k))
        })
        .collect();
    s.import(&incident, text.as_bytes()).unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(3);
    for n in 0..tasks {
        let new = NewTask {
            title: format!("{} (oppgave {n})", common::varied(n * 7)),
            assignee: (n % 2 == 0).then(|| "teknisk-sjef".to_string()),
            priority: if n % 13 == 0 { Priority::Høy } else { Priority::Normal },
            due: (n % 10 == 0).then_some(long_ago),
            ..NewTask::default()
        };
        s.add_task(&incident, new).unwrap();
    }
    let mut boards = Vec::new();
    for b in 0..10 {
        let title = format!("Tavle {b}");
        let board = NewBoard { title, incident: Some(incident.id), audience: Audience::default() };
        boards.push(s.create_board(board).unwrap());
    }
    for (k, board) in boards.iter().enumerate() {
        s.set_figure(board, &format!("tall {k}a"), k as i64 * 3, Some("personer")).unwrap();
        s.set_figure(board, &format!("tall {k}b"), k as i64, None).unwrap();
    }
    for n in 0..notices {
        let new = NewNotice {
            title: common::varied(n * 3 + 1).chars().take(100).collect(),
            text: common::varied(n * 5 + 2),
            priority: if n % 17 == 0 { Priority::Kritisk } else { Priority::Normal },
            valid_until: None,
            entry: None,
        };
        s.post_notice(&boards[n % boards.len()], new).unwrap();
    }
    println!("{:<40} {entries} entries, {tasks} tasks, {notices} notices in {:.1?}", "seeded", t.elapsed());

    // The picture alone, as the wall reads it on every change.
    let mut samples = Vec::new();
    for _ in 0..iters {
        let t = Instant::now();
        std::hint::black_box(s.picture(&incident, &[], chrono::Utc::now()).unwrap());
        samples.push(t.elapsed());
    }
    Stats { name: "wall picture read", samples }.report();
    let mut samples = Vec::new();
    for _ in 0..iters {
        let t = Instant::now();
        std::hint::black_box(s.situation(&incident, chrono::Utc::now()).unwrap());
        samples.push(t.elapsed());
    }
    Stats { name: "situation read", samples }.report();

    for wall in [true, false] {
        let session = Session::open(&dir.path().join("s.db"), "kari", types()).unwrap();
        session.set_active(&incident).unwrap();
        let mut ui = Ui::new(session, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
        if wall {
            ui.wall(vec![], None).unwrap();
        } else {
            let n = ui.workspace_names().iter().position(|w| *w == "situasjonsbilde").unwrap();
            use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
            ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
            for _ in 9..n {
                ui.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::ALT));
            }
        }
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        term.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
        // Let the log pane's background load finish (what opening costs is the log
        // benchmark's).
        let start = Instant::now();
        while ui.log().unwrap().is_loading() && start.elapsed() < Duration::from_secs(120) {
            ui.tick(Instant::now());
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut clock = Instant::now();
        let mut samples = Vec::new();
        let mut ticks = Vec::new();
        for k in 0..iters {
            // The update, written elsewhere.
            match k % 3 {
                0 => {
                    let said = format!("!{} (beslutning {k})", common::varied(k * 11));
                    s.add_entry(&incident, EntryInput::now(&said)).unwrap();
                }
                1 => {
                    s.set_figure(&boards[k % boards.len()], "evakuerte", 30 + k as i64, None).unwrap();
                }
                _ => {
                    let new = NewNotice {
                        title: format!(
                            "{} (nytt oppslag {k})",
                            common::varied(k * 13).chars().take(60).collect::<String>()
                        ),
                        text: String::new(),
                        priority: Priority::Høy,
                        valid_until: None,
                        entry: None,
                    };
                    s.post_notice(&boards[k % boards.len()], new).unwrap();
                }
            }
            // The UI's next tick notices it (its clock moved past the poll interval).
            clock += Duration::from_secs(1);
            let t = Instant::now();
            ui.tick(clock);
            ticks.push(t.elapsed());
            term.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
            samples.push(t.elapsed());
        }
        let screen = format!("{:?}", term.backend().buffer());
        Stats { name: "  of which noticing and reading again", samples: ticks }.report();
        if wall {
            assert!(screen.contains("Oppslag"), "the wall is on screen");
            Stats { name: "wall: update → frame (200x60)", samples }.report();
        } else {
            assert!(screen.contains("Situasjonsbilde"), "the situation is on screen");
            Stats { name: "situation: update → frame (200x60)", samples }.report();
        }
    }
}

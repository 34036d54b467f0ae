//! The mouse: a click focuses the pane under it and selects the row it is on, the
//! wheel scrolls what is under the pointer, and neither ever writes. Driven through
//! `Ui` as the event loop drives it (a frame drawn, then the click on what it shows);
//! `tui_log.rs` sends the same clicks through a real terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use sitroom::app::EntryInput;
use sitroom::i18n::Lang;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;

const W: u16 = 120;
const H: u16 = 30;

fn screen(ui: &Ui) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(W, H)).unwrap();
    t.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
    crate::common::buffer_text(t.backend().buffer())
}

/// Where `text` is on the screen now (column, row), drawing a frame as the loop would.
fn find(ui: &Ui, text: &str) -> (u16, u16) {
    let s = screen(ui);
    for (y, line) in s.lines().enumerate() {
        if let Some(i) = line.find(text) {
            return (line[..i].chars().count() as u16, y as u16);
        }
    }
    panic!("«{text}» is not on the screen:\n{s}");
}

fn mouse(ui: &mut Ui, kind: MouseEventKind, (column, row): (u16, u16)) -> bool {
    ui.on_mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE })
}

fn click(ui: &mut Ui, text: &str) {
    let at = find(ui, text);
    mouse(ui, MouseEventKind::Down(MouseButton::Left), at);
}

fn press(ui: &mut Ui, code: KeyCode) {
    ui.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn staff_room(dir: &std::path::Path, entries: usize) -> Ui {
    let (mut s, i) = crate::common::staff::flood_session(dir);
    for n in 1..=entries {
        s.add_entry(&i, EntryInput::now(format!("Melding {n} fra Brannvesenet"))).unwrap();
    }
    for title in ["Bestille drivstoff", "Åpne evakueringssenter på Gokstad"] {
        let t = sitroom::domain::task::NewTask { title: title.into(), ..Default::default() };
        s.add_task(&i, t).unwrap();
    }
    Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap()
}

#[test]
fn a_click_selects_the_entry_under_it_and_a_click_on_the_entry_line_returns_to_typing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = staff_room(dir.path(), 5);
    assert!(ui.is_typing());
    click(&mut ui, "Melding 2 fra");
    assert!(!ui.is_typing(), "the click moved the focus to the log");
    // What a key does now, it does to the entry clicked: c corrects #2.
    press(&mut ui, KeyCode::Char('c'));
    assert!(screen(&ui).contains("Retter #2"), "{}", screen(&ui));
    press(&mut ui, KeyCode::Esc);
    click(&mut ui, "Melding 4 fra");
    click(&mut ui, "Ny loggføring");
    assert!(ui.is_typing(), "a click on the entry line is typing again");
    assert_eq!(ui.session.entries(ui.log().unwrap().incident()).unwrap().len(), 7, "a click writes nothing");
}

#[test]
fn a_click_on_another_pane_focuses_it_and_selects_the_task_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = staff_room(dir.path(), 3);
    ui.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::ALT)); // kriseledelse: log, tasks, sitrep
    click(&mut ui, "Åpne evakuering");
    press(&mut ui, KeyCode::Enter); // the task in full
    let s = screen(&ui);
    assert!(s.contains("Oppgave 2"), "the task clicked is the one opened:\n{s}");
    // Back to the log with a click on it; the task board keeps its selection.
    press(&mut ui, KeyCode::Esc);
    click(&mut ui, "Melding 3 fra");
    press(&mut ui, KeyCode::Char('c'));
    assert!(screen(&ui).contains("Retter #3"), "{}", screen(&ui));
}

#[test]
fn the_wheel_scrolls_the_log_under_it_and_the_entry_line_keeps_the_focus() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = staff_room(dir.path(), 60);
    ui.on_key(KeyEvent::new(KeyCode::Char('B'), KeyModifiers::SHIFT));
    let at = find(&ui, "Melding 60 fra");
    assert!(!screen(&ui).contains("Melding 30 fra"));
    for _ in 0..5 {
        mouse(&mut ui, MouseEventKind::ScrollUp, at);
    }
    assert!(screen(&ui).contains("Melding 30 fra"), "five notches up show older entries:\n{}", screen(&ui));
    assert!(ui.is_typing(), "the wheel does not take the focus from the entry line");
    ui.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE));
    press(&mut ui, KeyCode::Enter);
    let last = ui.session.entries(ui.log().unwrap().incident()).unwrap().pop().unwrap();
    assert_eq!(last.text, "Br", "typing went on where it was");
}

#[test]
fn a_confirmation_and_a_window_below_the_minimum_ignore_the_mouse() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = staff_room(dir.path(), 3);
    click(&mut ui, "Melding 2 fra");
    press(&mut ui, KeyCode::Char('t')); // a task from #2: the box asks
    assert!(screen(&ui).contains("Ny oppgave"), "{}", screen(&ui));
    let at = find(&ui, "Melding 1 fra");
    assert!(!mouse(&mut ui, MouseEventKind::Down(MouseButton::Left), at));
    assert!(screen(&ui).contains("Ny oppgave"), "the box stays until its own keys answer it");
    press(&mut ui, KeyCode::Esc);

    // A frame too small to show the panes: a click there acts on nothing.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(40, 10)).unwrap();
    t.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
    assert!(!mouse(&mut ui, MouseEventKind::Down(MouseButton::Left), (5, 5)));
    assert!(!ui.is_typing() && ui.session.tasks(ui.log().unwrap().incident()).unwrap().len() == 2);
}

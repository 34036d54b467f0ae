//! No mode errors: a slip of the hand (Tab, F4 or Esc) while typing must never turn
//! the rest of what is typed into commands that write records. For every person of the
//! staff room (each role), in every workspace they get, after each slip, the logger's
//! own lines from a staff meeting (with a line of digits and punctuation) are typed,
//! each with Enter. What may be written: nothing, or, where the slip left the focus in
//! the entry line (Esc never leaves it), exactly the lines typed, as log entries.
//! Nothing else of any kind: no task, meeting, status, mark, alert or answer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sitroom::app::Session;
use sitroom::i18n::Lang;
use sitroom::replication::kind::Kind;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;

fn screen(ui: &Ui) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    t.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
    crate::common::buffer_text(t.backend().buffer())
}

fn press(ui: &mut Ui, code: KeyCode, mods: KeyModifiers) {
    ui.on_key(KeyEvent::new(code, mods));
}

/// What a logger types: the staff meeting's lines, and one of the characters that
/// are commands in lists (digits, brackets, `*`, `/`, `?`, `#`, `@`, `<`, `>`).
fn lines() -> Vec<String> {
    let mut lines = crate::common::staff_meeting_lines();
    lines.push(
        "Vannstand > 3,5 m [målt 08:40]; 36 evakuerte, 4 innlagt – se punkt 2 (a)/(b)? * @alle #flom <ca.>"
            .into(),
    );
    lines
}

/// The staff room with everyone in it, each with their role: a flood with entries,
/// tasks, a media inquiry, a planned meeting, a report to approve, an alert waiting for
/// an answer: every pane has something a stray key could act on.
fn staff_room(dir: &std::path::Path) -> Session {
    let (mut s, i) = crate::common::staff::flood_session(dir);
    for (name, role) in crate::common::staff::PEOPLE {
        let role = sitroom::domain::roles::Role::parse(role).unwrap();
        s.add_user(name, &[role]).unwrap();
    }
    for line in lines().iter().take(6) {
        s.add_entry(&i, sitroom::app::EntryInput::now(line)).unwrap();
    }
    let task = sitroom::domain::task::NewTask { title: "Bestille drivstoff".into(), ..Default::default() };
    s.add_task(&i, task).unwrap();
    let inquiry = sitroom::domain::media::NewInquiry {
        outlet: "NRK Vestfold".into(),
        question: "Hvor mange evakueres?".into(),
        ..Default::default()
    };
    s.add_inquiry(&i, inquiry).unwrap();
    let meeting = sitroom::domain::meeting::NewMeeting {
        title: "Stabsmøte 2".into(),
        agenda: vec!["Situasjonen".into()],
        ..Default::default()
    };
    s.new_meeting(&i, meeting).unwrap();
    let (r, _) = s.new_report(&i, "situasjonsrapport", None).unwrap();
    s.report_step(&i, r.number, sitroom::domain::report::ReportStep::Submit, None).unwrap();
    s.create_alert_list("Stab", "", 15).unwrap();
    for (name, _) in crate::common::staff::PEOPLE {
        s.add_to_alert_list("Stab", "stab", sitroom::app::MemberRef::User(name.to_string())).unwrap();
    }
    s.send_alert(&i, "Stab", "Møt i stabsrommet").unwrap();
    s
}

#[test]
fn a_slip_of_the_hand_writes_nothing_false_in_any_workspace_or_role() {
    let dir = tempfile::tempdir().unwrap();
    drop(staff_room(dir.path()));
    let typed = lines();
    let slips = [
        ("Tab", KeyCode::Tab, KeyModifiers::NONE),
        ("F4", KeyCode::F(4), KeyModifiers::NONE),
        ("Esc", KeyCode::Esc, KeyModifiers::NONE),
    ];
    let mut tried = 0;
    for (name, _) in crate::common::staff::PEOPLE {
        let mut s = crate::common::staff::session(dir.path());
        s.user = name.to_string();
        let workspaces =
            Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap().workspace_names().len();
        for w in 0..workspaces {
            for (slip, code, mods) in slips {
                let mut s = crate::common::staff::session(dir.path());
                s.user = name.to_string();
                let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
                for _ in 0..w {
                    press(&mut ui, KeyCode::Right, KeyModifiers::ALT); // the next workspace
                }
                let before = ui.session.store.ops_after(0, usize::MAX).unwrap().len();
                let in_entry_line = ui.is_typing();
                press(&mut ui, code, mods);
                let still_typing = ui.is_typing();
                for line in &typed {
                    for c in line.chars() {
                        press(&mut ui, KeyCode::Char(c), KeyModifiers::NONE);
                    }
                    press(&mut ui, KeyCode::Enter, KeyModifiers::NONE);
                }
                let ops = ui.session.store.ops_after(0, usize::MAX).unwrap();
                let new = &ops[before..];
                let place =
                    format!("{name}, workspace {} ({}), after {slip}", w + 1, ui.workspace_names()[w]);
                if !still_typing {
                    let kinds: Vec<_> = new.iter().map(|(_, op)| op.kind).collect();
                    assert!(new.is_empty(), "{place}: typing wrote {kinds:?}");
                } else {
                    // The focus stayed in (or came to) the entry line: what was typed is
                    // the log's, as typed, one entry per line.
                    for (_, op) in new {
                        assert_eq!(op.kind, Kind::LogEntry, "{place}: only entries, not {:?}", op.kind);
                    }
                    let incident = ui.log().unwrap().incident().clone();
                    let entries = ui.session.entries(&incident).unwrap();
                    let written: Vec<&str> =
                        entries[entries.len() - new.len()..].iter().map(|e| e.text.as_str()).collect();
                    // Each entry is a line as typed, in order (a line the role may not
                    // write, a decision of a guest's, stays in the entry line with what
                    // follows it).
                    let mut lines = typed.iter();
                    for text in &written {
                        assert!(
                            lines.any(|l| l.contains(text)),
                            "{place}: «{text}» was not typed so\n{}",
                            screen(&ui)
                        );
                    }
                    if slip == "Tab" {
                        assert!(!in_entry_line, "{place}: Tab from the entry line leaves it");
                    }
                }
                tried += 1;
            }
        }
    }
    assert!(tried >= 3 * 11, "every workspace of the administrator at least: {tried}");
}

/// The screen but its last line (the status line), at a fixed time.
fn panes(ui: &Ui, at: chrono::DateTime<chrono::Local>) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    t.draw(|f| ui.render(f, at)).unwrap();
    let text = crate::common::buffer_text(t.backend().buffer());
    let lines: Vec<&str> = text.lines().collect();
    lines[..lines.len() - 1].join("\n")
}

fn type_text(ui: &mut Ui, text: &str) {
    for c in text.chars() {
        press(ui, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// Typing went on after the slip, as it does in a meeting: not even the view changes
/// (no filter, order or hiding switched on by the letters d, s, a, o, x, no row moved
/// by j, k, g, G), nothing is written, the status line says why, and the draft waits
/// in the entry line.
#[test]
fn typing_on_after_a_slip_does_nothing_at_all() {
    let dir = tempfile::tempdir().unwrap();
    drop(staff_room(dir.path()));
    let at = chrono::Local::now();
    let mut tried = 0;
    // Each opens on the draft the one before left: Ctrl-U clears it.
    let open = || {
        let mut ui =
            Ui::new(crate::common::staff::session(dir.path()), Keymap::builtin(), Theme::builtin(), Lang::Nb)
                .unwrap();
        press(&mut ui, KeyCode::Char('u'), KeyModifiers::CONTROL);
        ui
    };
    let workspaces = open().workspace_names().len();
    for w in 0..workspaces {
        for (slip, code) in [("Tab", KeyCode::Tab), ("F4", KeyCode::F(4))] {
            let mut ui = open();
            for _ in 0..w {
                press(&mut ui, KeyCode::Right, KeyModifiers::ALT);
            }
            if !ui.is_typing() {
                continue; // this workspace does not open on the entry line
            }
            let before = ui.session.store.ops_after(0, usize::MAX).unwrap().len();
            type_text(&mut ui, "Brannvesenet er ");
            press(&mut ui, code, KeyModifiers::NONE);
            if ui.is_typing() {
                continue; // the slip left the focus in the entry line
            }
            let place = format!("workspace {} ({}), after {slip}", w + 1, ui.workspace_names()[w]);
            let shown = panes(&ui, at);
            type_text(&mut ui, "tiltak iverksatt dsaox gG jk 1234 []<> *?/ Gokstad");
            assert_eq!(panes(&ui, at), shown, "{place}: the typing changed the screen");
            assert!(
                screen(&ui).contains("tastene ble ikke brukt"),
                "{place}: the status line says why nothing happened\n{}",
                screen(&ui)
            );
            let after = ui.session.store.ops_after(0, usize::MAX).unwrap().len();
            assert_eq!(after, before, "{place}: typing wrote records");
            tried += 1;
        }
    }
    assert!(tried >= 4, "the slip was tried where the entry line has the focus: {tried}");

    // Back in the entry line, the sentence goes on where it was left; the status line
    // no longer speaks of a focus that has moved.
    let mut ui = open();
    type_text(&mut ui, "Brannvesenet er ");
    press(&mut ui, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut ui, "tiltak");
    press(&mut ui, KeyCode::Tab, KeyModifiers::NONE);
    assert!(ui.is_typing());
    assert!(!screen(&ui).contains("tastene ble ikke brukt"), "{}", screen(&ui));
    type_text(&mut ui, "på stedet");
    press(&mut ui, KeyCode::Enter, KeyModifiers::NONE);
    let incident = ui.log().unwrap().incident().clone();
    let last = ui.session.entries(&incident).unwrap().pop().unwrap();
    assert_eq!(last.text, "Brannvesenet er på stedet");

    // A pause, and the list's letters are its commands again: `o` orders by time.
    press(&mut ui, KeyCode::Tab, KeyModifiers::NONE);
    let shown = panes(&ui, at);
    std::thread::sleep(sitroom::tui::ui::TYPING_PAUSE + std::time::Duration::from_millis(100));
    press(&mut ui, KeyCode::Char('o'), KeyModifiers::NONE);
    assert_ne!(panes(&ui, at), shown, "after a pause, o is the log's command");
}

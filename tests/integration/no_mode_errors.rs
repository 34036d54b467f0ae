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

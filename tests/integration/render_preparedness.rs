//! The preparedness panes rendered into ratatui's TestBackend and driven by keys: an
//! alert's live tally answered with one key, an action card activated with Enter,
//! contacts searched as you type, and the ROS matrix with colours and without.

use chrono::{DateTime, Local, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use sitroom::app::{MemberRef, Session};
use sitroom::domain::contact::NewContact;
use sitroom::domain::Incident;
use sitroom::i18n::Lang;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;

fn now() -> DateTime<Local> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 0).unwrap().with_timezone(&Local)
}

fn session(dir: &tempfile::TempDir) -> (Session, Incident) {
    crate::common::staff::flood_session(dir.path())
}

fn contact(s: &mut Session, name: &str, phone: &str, function: &str) {
    let c = NewContact {
        name: name.into(),
        phones: vec![phone.into()],
        function: function.into(),
        ..NewContact::default()
    };
    s.add_contact(c).unwrap();
}

fn draw(ui: &Ui, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui.render(f, now())).unwrap();
    t
}

fn screen(ui: &Ui, w: u16, h: u16) -> String {
    crate::common::buffer_text(draw(ui, w, h).backend().buffer())
}

fn press(ui: &mut Ui, code: KeyCode) {
    ui.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// The confirmation's own key (Ctrl-S): what a key asked to write is written.
fn confirm(ui: &mut Ui) {
    ui.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
}

fn workspace(ui: &mut Ui, name: &str) {
    let n = ui.workspace_names().iter().position(|w| *w == name).expect("the workspace exists");
    ui.on_key(KeyEvent::new(KeyCode::Char(char::from(b'1' + n as u8)), KeyModifiers::ALT));
}

#[test]
fn an_alert_to_me_is_answered_with_one_key_and_the_tally_follows() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = session(&dir);
    contact(&mut s, "Per Hansen", "913 00 000", "Kommunedirektør");
    s.create_alert_list("Kriseledelse", "alle", 15).unwrap();
    s.add_to_alert_list("Kriseledelse", "leder", MemberRef::Contact(1)).unwrap();
    s.add_to_alert_list("Kriseledelse", "stabssjef", MemberRef::User("kari".into())).unwrap();
    let (sent, _) = s.send_alert(&i, "Kriseledelse", "Kriseledelsen møter på rådhuset kl. 14").unwrap();
    let sent_at = sent.sent_at.with_timezone(&Local).format(" %H:%M ").to_string();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "mobilisering");
    let before = screen(&ui, 110, 30);
    // The alert was sent just now: its time is the one thing that varies.
    // (Not in the title bar, whose clock is the fixture's: at that minute of the real
    // day both would read the same.)
    let masked: String = before
        .split_inclusive('\n')
        .enumerate()
        .map(|(n, l)| if n == 0 { l.to_string() } else { l.replace(&sent_at, " HH:MM ") })
        .collect();
    insta::assert_snapshot!("mobilisering_alert_waiting_nb", masked);
    assert!(before.contains("Varsling 1 fra kari: Kriseledelsen møter på rådhuset kl. 14"), "{before}");
    assert!(before.contains("0/2 svart"), "{before}");
    assert!(
        before.contains("ikke levert"),
        "no SMS channel set up: Per is not reached, and it shows: {before}"
    );

    press(&mut ui, KeyCode::Char('2'));
    confirm(&mut ui);
    let after = screen(&ui, 110, 30);
    assert!(after.contains("1/2 svart: 1 kommer"), "{after}");
    assert!(!after.contains("Varsling 1 fra kari"), "the banner is gone once answered: {after}");
    assert!(
        after.contains("Varsling 1: kari (stabssjef) svarte «kommer»"),
        "the status line says it: {after}"
    );
    let log = ui.session.entries(&i).unwrap();
    assert!(log.iter().any(|e| e.text == "Varsling 1: kari (stabssjef) svarte «kommer»"));
}

#[test]
fn a_new_alert_is_sent_from_the_pane_and_recorded_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = session(&dir);
    contact(&mut s, "Per Hansen", "913 00 000", "Kommunedirektør");
    s.create_alert_list("Kriseledelse", "", 15).unwrap();
    s.add_to_alert_list("Kriseledelse", "leder", MemberRef::Contact(1)).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::En).unwrap();
    workspace(&mut ui, "mobilisering");
    press(&mut ui, KeyCode::Char('n'));
    assert!(screen(&ui, 110, 30).contains("List: message: Kriseledelse: "), "the first list is offered");
    for c in "Møt på rådhuset".chars() {
        press(&mut ui, KeyCode::Char(c));
    }
    press(&mut ui, KeyCode::Enter);
    assert!(screen(&ui, 110, 30).contains("Send an alert"), "asked first");
    confirm(&mut ui);
    let s = screen(&ui, 110, 30);
    assert!(s.contains("#1") && s.contains("0/1 answered"), "{s}");
    assert_eq!(ui.session.alerts(&i).unwrap()[0].message, "Møt på rådhuset");
}

#[test]
fn enter_on_an_action_card_puts_its_items_on_the_task_board() {
    let dir = tempfile::tempdir().unwrap();
    let (s, i) = session(&dir);
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "mobilisering");
    press(&mut ui, KeyCode::F(4)); // to the cards
    press(&mut ui, KeyCode::Down); // Bortfall av strøm
    let s = screen(&ui, 110, 30);
    assert!(s.contains("☐ Kontakt nettselskapet: omfang"), "the checklist shows: {s}");
    press(&mut ui, KeyCode::Enter);
    assert!(screen(&ui, 110, 30).contains("Aktiver tiltakskortet"), "asked first");
    assert!(ui.session.tasks(&i).unwrap().is_empty(), "nothing until confirmed");
    confirm(&mut ui);
    let s = screen(&ui, 110, 30);
    assert!(
        s.contains("Tiltakskort «Bortfall av strøm» aktivert: 10 oppgaver opprettet (oppgave 1–10)"),
        "{s}"
    );
    assert_eq!(ui.session.tasks(&i).unwrap().len(), 10);
    press(&mut ui, KeyCode::Enter);
    assert!(
        screen(&ui, 110, 30).contains("allerede aktivert kl."),
        "a second Enter says it was activated before, instead of pointing to a CLI flag"
    );
    press(&mut ui, KeyCode::Esc);
    assert_eq!(ui.session.tasks(&i).unwrap().len(), 10, "nothing doubled without the confirmation");
}

#[test]
fn contacts_narrow_as_you_type() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = session(&dir);
    contact(&mut s, "Åse Ødegård", "912 34 567", "Kommunikasjonssjef");
    contact(&mut s, "Per Hansen", "913 00 000", "Kommunedirektør");
    contact(&mut s, "Asbjørn Li", "900 00 001", "Brannsjef");
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "planverk");
    press(&mut ui, KeyCode::F(4));
    press(&mut ui, KeyCode::F(4)); // plans → ros → contacts
    let all = screen(&ui, 100, 30);
    assert!(all.contains("Kontakter · 3"), "{all}");
    for c in "as".chars() {
        press(&mut ui, KeyCode::Char(c));
    }
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Kontakter · 2 av 3") && s.contains("Asbjørn Li") && s.contains("Åse Ødegård"), "{s}");
    press(&mut ui, KeyCode::Char('e'));
    let s = screen(&ui, 100, 30);
    assert!(
        s.contains("1 av 3") && s.contains("Åse Ødegård") && !s.contains("Asbjørn"),
        "without accents: {s}"
    );
    assert!(s.contains("Telefon: 912 34 567"), "the chosen one in full: {s}");
    press(&mut ui, KeyCode::Esc);
    assert!(screen(&ui, 100, 30).contains("Kontakter · 3"), "Esc clears the search");
}

#[test]
fn the_ros_matrix_has_colours_and_letters_that_survive_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = session(&dir);
    s.add_ros_event("Langvarig strømbrudd", 5, 5, "", "").unwrap();
    s.add_ros_event("Flom i sentrum", 1, 1, "", "").unwrap();
    let ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let mut ui = ui;
    workspace(&mut ui, "planverk");
    let t = draw(&ui, 100, 30);
    let text = crate::common::buffer_text(t.backend().buffer());
    insta::assert_snapshot!("planverk_ros_matrix_nb", text);
    let row5 = text.lines().find(|l| l.contains("S5")).unwrap();
    assert!(row5.contains("1     H"), "event 1 in the top right, high: {text}");
    let row1 = text.lines().find(|l| l.contains("S1")).unwrap();
    assert!(row1.contains("│S1 2     L"), "event 2 in the bottom left, low: {text}");
    // The cell of event 1 is red, that of event 2 green.
    let buf = t.backend().buffer();
    let find = |needle: &str| {
        let y = text.lines().position(|l| l.contains(needle)).unwrap();
        let line: Vec<char> = text.lines().nth(y).unwrap().chars().collect();
        let x = line.iter().position(|c| *c == 'S').unwrap() + 3;
        buf[(x as u16, y as u16)].bg
    };
    assert_eq!(find("S1"), Color::Green);
    assert_ne!(find("S5"), Color::Reset);

    let no_colour = Theme::load("dark", None, true).unwrap();
    let (s2, _) = {
        let dir2 = tempfile::tempdir().unwrap();
        let out = session(&dir2);
        std::mem::forget(dir2);
        out
    };
    let mut plain = Ui::new(s2, Keymap::builtin(), no_colour, Lang::Nb).unwrap();
    workspace(&mut plain, "planverk");
    let t = draw(&plain, 100, 30);
    let text = crate::common::buffer_text(t.backend().buffer());
    let row5 = text.lines().find(|l| l.contains("S5")).unwrap();
    assert!(row5.contains("M") && row5.contains("H"), "the levels show as letters: {text}");
    let y = text.lines().position(|l| l.contains("S5")).unwrap();
    for x in 0..100u16 {
        assert_eq!(t.backend().buffer()[(x, y as u16)].bg, Color::Reset, "no colour at all with NO_COLOR");
    }
}

#[test]
fn a_resource_is_marked_in_use_with_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = session(&dir);
    use sitroom::domain::contact::{Availability, NewResource};
    let new = |what: &str| NewResource {
        what: what.into(),
        location: "Brannstasjonen".into(),
        quantity: 2,
        owner: "Teknisk drift".into(),
        availability: Availability::Available,
        notes: String::new(),
    };
    s.add_resource(new("Aggregat 40 kVA")).unwrap();
    s.add_resource(new("Feltsenger")).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "planverk");
    for _ in 0..3 {
        press(&mut ui, KeyCode::F(4)); // plans → ros → contacts → resources
    }
    assert!(screen(&ui, 120, 36).contains("Ressurser · 2/2 tilgjengelige"));
    press(&mut ui, KeyCode::Char('2'));
    confirm(&mut ui);
    let s = screen(&ui, 120, 36);
    assert!(
        s.contains("Ressurser · 1/2 tilgjengelige") && s.contains("i bruk        2 × Aggregat 40 kVA"),
        "{s}"
    );
    assert_eq!(ui.session.resources().unwrap()[0].availability, Availability::InUse);
    // Search as you type: "felt" keeps the field beds, and 3 marks them.
    press(&mut ui, KeyCode::Char('/'));
    for c in "felt".chars() {
        press(&mut ui, KeyCode::Char(c));
    }
    let s = screen(&ui, 120, 36);
    assert!(s.contains("Søk: felt") && s.contains("× Feltsenger") && !s.contains("× Aggregat"), "{s}");
    press(&mut ui, KeyCode::Enter);
    press(&mut ui, KeyCode::Char('3'));
    confirm(&mut ui);
    assert_eq!(ui.session.resources().unwrap()[1].availability, Availability::Unavailable);
    assert_eq!(
        ui.session.resources().unwrap()[0].availability,
        Availability::InUse,
        "the other is left alone"
    );
}

#[test]
fn a_large_alert_shows_what_fits_and_says_how_many_more() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = session(&dir);
    s.create_alert_list("Alle", "", 15).unwrap();
    for n in 1..=40 {
        contact(&mut s, &format!("Person {n}"), &format!("9000{n:04}"), "");
        s.add_to_alert_list("Alle", &format!("rolle {n}"), MemberRef::Contact(n)).unwrap();
    }
    s.send_alert(&i, "Alle", "Alle møter").unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "mobilisering");
    let text = screen(&ui, 110, 30);
    assert!(text.contains("0/40 svart: 40 ikke levert"), "{text}");
    let shown = text.lines().filter(|l| l.contains("Person ")).filter(|l| l.contains("rolle")).count();
    let more: usize = text
        .split("… og ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("says how many more: {text}"));
    assert_eq!(shown + more, 40, "{text}");
}

/// `n` in an empty reports pane asks for a template; the question and what is typed
/// must be on screen (it once changed only the status line, and typing was invisible).
#[test]
fn the_template_question_shows_in_an_empty_reports_pane() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = session(&dir);
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "beredskap");
    assert!(screen(&ui, 120, 30).contains("Ingen rapporter"));
    press(&mut ui, KeyCode::F(4)); // from the task board to the reports
    press(&mut ui, KeyCode::Char('n'));
    for c in "møtereferat".chars() {
        press(&mut ui, KeyCode::Char(c));
    }
    let text = screen(&ui, 120, 30);
    assert!(text.contains("Mal: møtereferat"), "the question is drawn, with what is typed: {text}");
    assert!(!text.contains("situasjonsrapportmøtereferat"), "typing replaced the offer: {text}");
}

/// An alert to a list that does not exist is said before any box, with the lists
/// there are, and the question comes back with the message, not to be typed again.
/// With no lists at all, `n` says how to make one.
#[test]
fn an_alert_to_a_list_that_is_none_is_said_before_the_box_and_the_message_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = session(&dir);
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    workspace(&mut ui, "mobilisering");
    press(&mut ui, KeyCode::Char('n'));
    assert!(screen(&ui, 120, 30).contains("Ingen varslingslister ennå"), "{}", screen(&ui, 120, 30));
    ui.session.create_alert_list("Stab", "", 15).unwrap();
    press(&mut ui, KeyCode::Char('n'));
    assert!(screen(&ui, 120, 30).contains("Lister: Stab"), "{}", screen(&ui, 120, 30));
    ui.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    for c in "Kriseledelsen: Møt på rådhuset kl 10".chars() {
        press(&mut ui, KeyCode::Char(c));
    }
    press(&mut ui, KeyCode::Enter);
    let s = screen(&ui, 120, 30);
    assert!(s.contains("Ingen varslingsliste heter «Kriseledelsen». Listene: Stab"), "{s}");
    assert!(!s.contains("Send varsling") && s.contains("Kriseledelsen: Møt på rådhuset kl 10"), "{s}");
}

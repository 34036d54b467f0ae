//! The TUI rendered into ratatui's TestBackend: snapshots of each screen in bokmål
//! and English, and behaviour driven by key events as a user would type them.

use chrono::{DateTime, Local, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::{Incident, NewIncident, Severity};
use sitroom::i18n::Lang;
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;

fn utc(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn now() -> DateTime<Local> {
    utc(9, 41).with_timezone(&Local)
}

struct Fixture {
    _dir: tempfile::TempDir,
    session: Option<Session>,
}

fn session(dir: &tempfile::TempDir) -> Session {
    crate::common::staff::session(dir.path())
}

fn incident(s: &mut Session, title: &str, exercise: bool, at: DateTime<Utc>) -> Incident {
    let new = NewIncident {
        title: title.into(),
        kind: "flom".into(),
        severity: Severity::new(3).unwrap(),
        exercise,
    };
    let i = s.store.create_incident(&new, "kari", "stab-pc", at).unwrap();
    s.set_active(&i).unwrap();
    i
}

fn add(s: &mut Session, i: &Incident, at: DateTime<Utc>, text: &str) -> i64 {
    s.add_entry(i, EntryInput { at: Some(at), ..EntryInput::now(text) }).unwrap().seq
}

/// A flood incident (an exercise) with the kinds of entries a staff meeting produces.
fn flood() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let i = incident(&mut s, "Flom i Lågen", true, utc(7, 55));
    add(
        &mut s,
        &i,
        utc(8, 2),
        "Kriseledelsen satt. Til stede: ordfører, kommunedirektør, kommuneoverlege #stab",
    );
    add(
        &mut s,
        &i,
        utc(8, 5),
        "Kommuneoverlege: Gokstad sykehjem ligger i flomsonen, 38 beboere, 4 på oksygen #helse",
    );
    add(
        &mut s,
        &i,
        utc(8, 6),
        "!Sykehjemmet forberedes for evakuering innen kl 12:00 @kommuneoverlege #evakuering",
    );
    // Marked significant as it is written (marking it afterwards is logged too).
    s.add_entry(
        &i,
        EntryInput {
            at: Some(utc(8, 17)),
            significant: true,
            ..EntryInput::now("Strømbrudd meldt i Andebu sentrum, Glitre anslår 3–5 timer #strøm")
        },
    )
    .unwrap();
    add(&mut s, &i, utc(8, 20), "Melding fra 東京 partnerkommune 🌊 mottatt");
    add(&mut s, &i, utc(8, 21), "Falsk tittel: \u{1b}]0;pwned\u{7}\u{1b}[2J slutt");
    let wrong = s.entry(&i, 2).unwrap();
    s.add_entry(
        &i,
        EntryInput {
            at: Some(utc(8, 33)),
            corrects: Some(wrong.id),
            ..EntryInput::now("Det er 36 beboere på Gokstad, ikke 38")
        },
    )
    .unwrap();
    Fixture { _dir: dir, session: Some(s) }
}

fn ui(f: &mut Fixture, lang: Lang) -> Ui {
    Ui::new(f.session.take().unwrap(), Keymap::builtin(), Theme::builtin(), lang).unwrap()
}

fn draw(ui: &Ui, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui.render(f, now())).unwrap();
    t
}

fn screen(ui: &Ui, w: u16, h: u16) -> String {
    crate::common::buffer_text(draw(ui, w, h).backend().buffer())
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(ui: &mut Ui, text: &str) {
    for c in text.chars() {
        ui.on_key(key(KeyCode::Char(c)));
    }
}

#[test]
fn log_view_nb() {
    let mut f = flood();
    let ui = ui(&mut f, Lang::Nb);
    insta::assert_snapshot!(screen(&ui, 100, 30));
}

#[test]
fn log_view_en() {
    let mut f = flood();
    let ui = ui(&mut f, Lang::En);
    insta::assert_snapshot!(screen(&ui, 100, 30));
}

#[test]
fn log_view_at_minimum_size_and_below() {
    let mut f = flood();
    let ui = ui(&mut f, Lang::Nb);
    insta::assert_snapshot!("log_80x24", screen(&ui, 80, 24));
    let small = screen(&ui, 60, 20);
    assert!(small.contains("Vinduet er for lite: 60×20 < 80×24"), "{small}");
    assert!(!small.contains("Kriseledelsen"));
}

#[test]
fn exercise_and_corrections_are_styled() {
    let mut f = flood();
    let ui = ui(&mut f, Lang::Nb);
    let t = draw(&ui, 100, 30);
    let buf = t.backend().buffer();
    let theme = Theme::builtin();
    let find = |needle: &str| -> (u16, u16) {
        for y in 0..30 {
            let line: String = (0..100).map(|x| buf[(x, y)].symbol().to_string()).collect();
            if let Some(pos) = line.find(needle) {
                return (line[..pos].chars().count() as u16, y);
            }
        }
        panic!("{needle} not on screen");
    };
    let (x, y) = find("ØVELSE");
    assert_eq!(buf[(x, y)].bg, theme.exercise.bg.unwrap());
    let (x, y) = find("38 beboere");
    assert!(
        buf[(x, y)].modifier.contains(ratatui::style::Modifier::CROSSED_OUT),
        "the corrected entry is struck through"
    );
}

/// (Issue 13: the hint line says what each key does in the picker, "Enter velg",
/// where it once said "lagre" for every context.)
/// A first start: the form for the first incident, saying who the user is; Esc always
/// leaves it. A role that may not make incidents never lands in the form.
#[test]
fn the_first_start_offers_the_form_only_to_those_who_may_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::En).unwrap();
    let first = screen(&ui, 100, 30);
    assert!(first.contains("New incident") && first.contains("You are «kari» · stab-pc"), "{first}");
    ui.on_key(key(KeyCode::Esc));
    let list = screen(&ui, 100, 30);
    assert!(list.contains("No incidents yet. Ctrl-N makes the first."), "Esc left the form:\n{list}");
    ui.on_key(ctrl('n'));
    assert!(screen(&ui, 100, 30).contains("Severity"), "and Ctrl-N brings it back");
    drop(ui);

    s = session(&dir);
    s.add_user("kari", &[sitroom::domain::roles::Role::Administrator]).unwrap();
    s.add_user("ola", &[sitroom::domain::roles::Role::Gjest]).unwrap();
    s.user = "ola".into();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let guest = screen(&ui, 100, 30);
    assert!(!guest.contains("Alvorlighetsgrad"), "no form for a guest:\n{guest}");
    assert!(guest.contains("Din rolle oppretter ikke hendelser") && guest.contains("Du er «ola»"), "{guest}");
    ui.on_key(ctrl('n'));
    let refused = screen(&ui, 100, 30);
    assert!(
        !refused.contains("Alvorlighetsgrad") && refused.contains("ola (gjest) har ikke lov"),
        "{refused}"
    );
}

#[test]
fn picker_when_no_incident_is_active() {
    for lang in [Lang::Nb, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = session(&dir);
        incident(&mut s, "Flom i Lågen", false, utc(7, 55));
        let b = incident(&mut s, "Øvelse: bortfall av ekom", true, utc(8, 30));
        let c = incident(&mut s, "Brann på Hoppestad", false, utc(6, 10));
        s.store
            .set_incident_status(
                c.number,
                sitroom::domain::IncidentStatus::Closed,
                sitroom::store::Stamp { author: "kari", device: "stab-pc", now: utc(9, 0) },
                |_| sitroom::store::NewEntryRecord {
                    id: uuid::Uuid::now_v7(),
                    text: "Hendelsen avsluttet".into(),
                    author: "kari".into(),
                    device: "stab-pc".into(),
                    reported_at: utc(9, 0),
                    recorded_at: utc(9, 0),
                    kind: sitroom::domain::EntryKind::Auto,
                    tags: vec![],
                    mentions: vec![],
                    significant: false,
                    corrects: None,
                },
            )
            .unwrap();
        // two open incidents and none chosen by this user: the picker comes first
        s.store.set_user_state("kari", "active_incident", "none").unwrap();
        let _ = b;
        let ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), lang).unwrap();
        let name = format!("picker_{}", if lang == Lang::Nb { "nb" } else { "en" });
        insta::assert_snapshot!(name, screen(&ui, 100, 30));
    }
}

#[test]
fn new_incident_form_creates_and_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = session(&dir);
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    // no incidents at all: the form is open at once
    type_text(&mut ui, "Strømbrudd i sentrum");
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(key(KeyCode::Right));
    ui.on_key(key(KeyCode::Right));
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(key(KeyCode::Right));
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(key(KeyCode::Char(' ')));
    insta::assert_snapshot!("new_incident_form", screen(&ui, 100, 30));
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().expect("the new incident is active").incident().clone();
    assert_eq!(i.title, "Strømbrudd i sentrum");
    assert_eq!(i.kind, "strømbrudd");
    assert_eq!(i.severity.level(), 3);
    assert!(i.exercise);
    let s = screen(&ui, 100, 30);
    assert!(s.contains("#1 Strømbrudd i sentrum") && s.contains("ØVELSE"), "{s}");
}

/// (Issue 13: help and hints come from what each context declares its keys do, so
/// the entry line's Enter is "Lagre loggføringen", not a generic "Lagre / velg".)
#[test]
fn help_lists_the_active_keymap() {
    for (lang, name) in [(Lang::Nb, "help_nb"), (Lang::En, "help_en")] {
        let mut f = flood();
        let mut ui = ui(&mut f, lang);
        ui.on_key(key(KeyCode::F(1)));
        insta::assert_snapshot!(name, screen(&ui, 100, 40));
        ui.on_key(key(KeyCode::Esc));
        assert!(!screen(&ui, 100, 40).contains(lang.strings().help), "help closed");
    }
    // a user rebinding shows up in help
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keymap.toml"), "[entry]\ntoggle_significant = [\"ctrl-t\"]\n").unwrap();
    let km = Keymap::load("default", Some(dir.path())).unwrap();
    let mut f = flood();
    let mut ui = Ui::new(f.session.take().unwrap(), km, Theme::builtin(), Lang::En).unwrap();
    ui.on_key(key(KeyCode::F(1)));
    let s = screen(&ui, 100, 40);
    assert!(s.contains("Ctrl-T") && s.contains("Mark significant"), "{s}");
}

#[test]
fn typing_and_enter_commits_with_time_of_first_keystroke() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let before = Utc::now();
    type_text(&mut ui, "Vannet ");
    std::thread::sleep(std::time::Duration::from_millis(60));
    type_text(&mut ui, "stiger i Bøkeskogen #flom");
    let typed = Utc::now();
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().unwrap().incident().clone();
    let entries = ui.session.entries(&i).unwrap();
    let e = entries.last().unwrap();
    assert_eq!(e.text, "Vannet stiger i Bøkeskogen #flom");
    assert!(e.reported_at >= before - chrono::Duration::milliseconds(1) && e.reported_at <= typed);
    assert!(
        e.recorded_at - e.reported_at >= chrono::Duration::milliseconds(50),
        "time is taken at the first keystroke"
    );
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Lagret #8"), "{s}");
    assert!(s.contains("Vannet stiger i Bøkeskogen"));
}

#[test]
fn newline_keys_make_multi_line_entries() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    type_text(&mut ui, "Linje én");
    ui.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    type_text(&mut ui, "linje to");
    ui.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT));
    type_text(&mut ui, "linje tre");
    ui.on_key(ctrl('j'));
    type_text(&mut ui, "fire");
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().unwrap().incident().clone();
    let last = ui.session.entries(&i).unwrap().pop().unwrap();
    assert_eq!(last.text, "Linje én\nlinje to\nlinje tre\nfire");
}

#[test]
fn prefix_time_decision_and_significant_from_the_entry_line() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    type_text(&mut ui, "09:15 !Skolene stenges i morgen");
    ui.on_key(key(KeyCode::F(3)));
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().unwrap().incident().clone();
    let last = ui.session.entries(&i).unwrap().pop().unwrap();
    assert_eq!(last.text, "Skolene stenges i morgen");
    assert_eq!(last.kind, sitroom::domain::EntryKind::Decision);
    assert!(last.significant);
    assert_eq!(last.reported_at.with_timezone(&Local).format("%H:%M").to_string(), "09:15");
}

#[test]
fn correct_and_mark_from_the_log_list() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::En);
    ui.on_key(key(KeyCode::Tab)); // to the log, newest selected (#7)
    ui.on_key(key(KeyCode::Up)); // #6
    ui.on_key(key(KeyCode::Up)); // #5
    ui.on_key(key(KeyCode::F(3)));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Mark significant") && s.contains("#5: Melding fra 東京"), "asked first:\n{s}");
    ui.on_key(ctrl('s'));
    ui.on_key(key(KeyCode::Char('c')));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Correcting #5"), "{s}");
    for _ in 0..7 {
        ui.on_key(key(KeyCode::Backspace));
    }
    type_text(&mut ui, "Tokyo");
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().unwrap().incident().clone();
    let s = screen(&ui, 100, 30);
    assert!(
        s.contains("Correct #5")
            && s.contains("Was: Melding fra 東京")
            && s.contains("Becomes: Melding fra 東京 partnerkommune 🌊 Tokyo"),
        "the correction is shown beside what it replaces before it is written:\n{s}"
    );
    assert!(!ui.session.entries(&i).unwrap().last().unwrap().text.ends_with("Tokyo"), "not yet written");
    ui.on_key(key(KeyCode::Enter));
    assert!(screen(&ui, 100, 30).contains("Enter and letters write nothing here"), "Enter does not confirm");
    ui.on_key(ctrl('s'));
    let entries = ui.session.entries(&i).unwrap();
    assert!(entries[4].significant, "marked from the list");
    assert_eq!(entries[4].text, "Melding fra 東京 partnerkommune 🌊 mottatt", "the original stays");
    let last = entries.last().unwrap();
    assert_eq!(last.corrects, Some(entries[4].id));
    assert!(last.text.ends_with("Tokyo"), "{}", last.text);
    let s = screen(&ui, 100, 30);
    // The marking is itself in the log (#8), before the correction (#9).
    assert!(
        s.contains("Loggføringen 23.11 08:20 av kari («Melding fra 東京")
            && s.contains("markert som vesentlig"),
        "{s}"
    );
    assert!(s.contains("→ corrected in #9") && s.contains("↺ corrects #5"), "{s}");
}

#[test]
fn filter_is_diacritic_insensitive_and_live() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    ui.on_key(ctrl('f'));
    type_text(&mut ui, "strom");
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Strømbrudd meldt"), "{s}");
    assert!(!s.contains("Kriseledelsen"), "{s}");
    assert!(s.contains("1 av 7"), "{s}");
    insta::assert_snapshot!("filter_nb", s);
    ui.on_key(key(KeyCode::Esc)); // cancel restores the full log
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Kriseledelsen"), "{s}");
    // decisions only, from the list
    ui.on_key(key(KeyCode::Char('d')));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Sykehjemmet forberedes") && !s.contains("Kriseledelsen"), "{s}");
    ui.on_key(key(KeyCode::Char('x')));
    ui.on_key(key(KeyCode::Char('#')));
    type_text(&mut ui, "helse");
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Gokstad sykehjem") && !s.contains("Strømbrudd"), "{s}");
}

#[test]
fn scrolling_a_long_log_pages_and_jumps_to_newest() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let i = incident(&mut s, "Lang logg", false, utc(7, 0));
    let lines: String = (1..=2000)
        .map(|n| format!("{{\"text\": \"Melding nummer {n}\", \"reported_at\": \"2026-11-23T08:00:00Z\"}}\n"))
        .collect();
    s.import(&i, lines.as_bytes()).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let first = screen(&ui, 100, 30);
    assert!(first.contains("Melding nummer 2000") && !first.contains("Melding nummer 1900 "));
    ui.on_key(key(KeyCode::PageUp));
    ui.on_key(key(KeyCode::PageUp));
    let up = screen(&ui, 100, 30);
    assert!(
        !up.contains("Melding nummer 2000")
            && up.contains("Melding nummer 1940")
            && !up.contains("Melding nummer 1900 "),
        "{up}"
    );
    ui.on_key(KeyEvent::new(KeyCode::Home, KeyModifiers::CONTROL));
    assert!(
        screen(&ui, 100, 30).contains("Melding nummer 1\n")
            || screen(&ui, 100, 30).contains("Melding nummer 1 ")
    );
    ui.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL));
    assert!(screen(&ui, 100, 30).contains("Melding nummer 2000"));
}

#[test]
fn draft_survives_and_pasted_escape_codes_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    incident(&mut s, "Flom", false, utc(7, 0));
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    type_text(&mut ui, "Halvskrevet ");
    ui.on_paste("lim\u{1b}[2J inn\tdette");
    ui.shutdown().unwrap();
    drop(ui);
    let s = session(&dir);
    let ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let screen = screen(&ui, 100, 30);
    // The whole sequence goes (not only its ESC, which would leave "[2J" in the record).
    assert!(screen.contains("Halvskrevet lim inn dette"), "{screen}");
    assert!(screen.contains("Utkast gjenopprettet"), "{screen}");
}

#[test]
fn long_history_arrives_after_the_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let i = incident(&mut s, "Lang logg", false, utc(7, 0));
    let lines: String = (1..=5000)
        .map(|n| format!("Melding nummer {n} {}\n", if n == 10 { "#gammel" } else { "" }))
        .collect();
    s.import(&i, lines.as_bytes()).unwrap();
    let last = s.entry(&i, 5000).unwrap();
    let old = s.entry(&i, 10).unwrap();
    s.add_entry(&i, EntryInput { corrects: Some(old.id), ..EntryInput::now("Retting av nummer 10") })
        .unwrap();
    let _ = last;
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let log = ui.log().unwrap();
    assert_eq!(log.model().total() as i64, sitroom::tui::log_pane::FIRST_LOAD, "the newest stretch first");
    assert!(log.is_loading());
    let first = screen(&ui, 100, 30);
    assert!(first.contains("Laster loggen"), "{first}");
    // filter while the history loads: the answer completes when it arrives
    ui.on_key(ctrl('f'));
    type_text(&mut ui, "#gammel");
    let start = std::time::Instant::now();
    while ui.log().unwrap().is_loading() {
        ui.tick(std::time::Instant::now());
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(ui.log().unwrap().model().total(), 5001);
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Melding nummer 10 #gammel") && s.contains("→ rettet i #5001"), "{s}");
    ui.on_key(key(KeyCode::Esc));
    ui.on_key(key(KeyCode::Home));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Melding nummer 1 ") && !s.contains("Melding nummer 5000"), "{s}");
}

/// A stray Esc leaves the logger typing; a stray Tab moves the focus to the log,
/// where typing writes nothing (neither commands' records nor a garbled entry), the
/// screen says so at once, and the draft waits untouched.
#[test]
fn stray_esc_and_tab_write_nothing_false() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let i = ui.log().unwrap().incident().clone();
    let before = ui.session.entries(&i).unwrap().len();
    type_text(&mut ui, "Brann ");
    ui.on_key(key(KeyCode::Esc)); // a stray Esc: still typing in the entry line
    type_text(&mut ui, "i ");
    ui.on_key(key(KeyCode::Tab)); // to the log by mistake
    let s = screen(&ui, 100, 30);
    let entry_box = s.lines().rev().find(|l| l.contains("Tab")).unwrap_or_default();
    assert!(entry_box.contains("Tab"), "the hint line speaks of the log now: {s}");
    type_text(&mut ui, "Bøkeskogen tiltak iverksatt");
    ui.on_key(key(KeyCode::Enter));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Loggen har fokus"), "it says where the focus is:\n{s}");
    assert_eq!(ui.session.entries(&i).unwrap().len(), before, "nothing written");
    assert!(ui.session.tasks(&i).unwrap().is_empty(), "no task from 't'");
    assert!(!screen(&ui, 100, 30).contains("Ny oppgave"), "no question (from 't') covers the log");
    ui.on_key(key(KeyCode::Tab)); // back to the entry line
    type_text(&mut ui, "Bøkeskogen");
    ui.on_key(key(KeyCode::Enter));
    let last = ui.session.entries(&i).unwrap().pop().unwrap();
    assert_eq!(last.text, "Brann i Bøkeskogen", "the draft waited");
}

#[test]
fn entry_box_shows_what_enter_will_record() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::En);
    type_text(&mut ui, "07:45 !Stenge Fv 303");
    let s = screen(&ui, 100, 30);
    let title = s.lines().find(|l| l.contains("New entry")).unwrap();
    assert!(title.contains("07:45") && title.contains("DECISION"), "{title}");
}

#[test]
fn picker_marks_the_active_incident() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    ui.on_key(ctrl('o'));
    let s = screen(&ui, 100, 30);
    let line = s.lines().find(|l| l.contains("Flom i Lågen") && l.contains("åpen")).unwrap();
    assert!(line.contains("●"), "{line}");
    ui.on_key(key(KeyCode::Esc));
    assert!(!screen(&ui, 100, 30).contains("Velg hendelse"), "Esc goes back to the active incident");
}

#[test]
fn a_guest_reads_but_cannot_type_into_the_log() {
    let mut f = flood();
    let mut s = f.session.take().unwrap();
    s.add_user("kari", &[sitroom::domain::roles::Role::Administrator]).unwrap();
    s.add_user("ola", &[sitroom::domain::roles::Role::Gjest]).unwrap();
    s.user = "ola".into();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let before = screen(&ui, 100, 30);
    assert!(before.contains("Bare lesetilgang") && before.contains("Det er 36 beboere"), "{before}");
    assert!(
        before.contains("Oversikt") && before.contains("Oppgaver"),
        "a guest gets the overview workspace: {before}"
    );
    type_text(&mut ui, "x");
    let after = screen(&ui, 100, 30);
    assert!(after.contains("ola (gjest) har ikke lov til å skrive i hendelsesloggen"), "{after}");
    ui.on_paste("limt inn");
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().unwrap().incident().clone();
    assert_eq!(ui.session.entries(&i).unwrap().len(), 7, "nothing was written");
}

#[test]
fn an_incident_closed_elsewhere_takes_no_more_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let i = incident(&mut s, "Flom", false, utc(7, 0));
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    // someone closes it from another terminal while this one is open
    let mut other = session(&dir);
    other.close_incident(i.number).unwrap();
    type_text(&mut ui, "Skrevet etter at hendelsen ble avsluttet");
    ui.on_key(key(KeyCode::Enter));
    let texts: Vec<String> = ui.session.entries(&i).unwrap().into_iter().map(|e| e.text).collect();
    assert_eq!(texts, ["Hendelsen avsluttet"], "nothing was written into the closed incident");
    let s = screen(&ui, 100, 30);
    assert!(s.contains("hendelse 1 er avsluttet"), "{s}");
    assert!(s.contains("Skrevet etter at hendelsen ble avsluttet"), "the text stays in the entry line: {s}");
}

#[test]
fn the_title_bar_says_how_sync_stands() {
    use sitroom::sync::background::{LinkState, SyncState};
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let top = |ui: &Ui| screen(ui, 140, 30).lines().next().unwrap().to_string();
    assert!(!top(&ui).contains("tilkoblet"), "no sync word when not signed in");
    ui.show_sync(SyncState { link: LinkState::Online, ..SyncState::default() });
    assert!(top(&ui).contains("│ ● tilkoblet │") || top(&ui).contains("│ ● tilkoblet "), "{}", top(&ui));
    let since = Local.with_ymd_and_hms(2026, 11, 23, 14, 32, 0).unwrap().with_timezone(&Utc);
    ui.show_sync(SyncState {
        link: LinkState::Offline { since },
        waiting: 3,
        conflicts: 1,
        ..SyncState::default()
    });
    let line = top(&ui);
    assert!(line.contains("○ frakoblet siden 14:32 · 3 venter · 1 konflikt"), "{line}");
    let mut f = flood();
    let mut en = self::ui(&mut f, Lang::En);
    en.show_sync(SyncState { link: LinkState::Offline { since }, waiting: 12, ..SyncState::default() });
    assert!(top(&en).contains("○ offline since 14:32 · 12 waiting"), "{}", top(&en));
}

#[test]
fn conflicts_are_shown_with_who_and_settled_from_the_tui() {
    use sitroom::domain::task::{NewTask, Priority, TaskStatus};
    use sitroom::store::OpState;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = session(&da);
    let mut b = Session::open(&db.path().join("b.db"), "per", vec!["flom".into()]).unwrap();
    let inc = incident(&mut a, "Flom i Lågen", false, utc(8, 0));
    let task = NewTask {
        title: "Skaffe aggregat".into(),
        description: String::new(),
        assignee: None,
        priority: Priority::Normal,
        due: None,
        from_entries: vec![],
    };
    a.add_task(&inc, task).unwrap();
    let all = |s: &Session| {
        s.store.ops_after(0, usize::MAX).unwrap().into_iter().map(|(_, o)| o).collect::<Vec<_>>()
    };
    b.store.apply_ops(&all(&a), OpState::Acked).unwrap();
    let inc_b = b.incident(1).unwrap();
    a.set_task_status(&inc, 1, TaskStatus::InProgress).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    b.set_task_status(&inc_b, 1, TaskStatus::Cancelled).unwrap();
    a.store.apply_ops(&all(&b), OpState::Acked).unwrap();

    let mut ui = Ui::new(a, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    ui.on_key(ctrl('g'));
    let shown = screen(&ui, 120, 30);
    assert!(shown.contains("Konflikter") && shown.contains("oppgave 1 · status"), "{shown}");
    assert!(shown.contains("› «avbrutt»  gjelder nå"), "the newer value holds and is chosen first:\n{shown}");
    assert!(
        shown.contains("«pågår»  kari · stab-pc ·"),
        "the losing value stays visible, with who:\n{shown}"
    );
    ui.on_key(key(KeyCode::Down));
    ui.on_key(key(KeyCode::Enter));
    let asked = screen(&ui, 120, 30);
    assert!(asked.contains("Løs konflikten") && asked.contains("beholder «pågår»"), "{asked}");
    ui.on_key(ctrl('s'));
    assert!(screen(&ui, 120, 30).contains("Ingen konflikter."));
    assert!(ui.session.conflicts(None).unwrap().is_empty());
    assert_eq!(ui.session.task(&inc, 1).unwrap().status, TaskStatus::InProgress, "kari's value kept");
    // The log's last word on the task is the settling, not the change that lost.
    let last = ui.session.entries(&inc).unwrap().pop().unwrap();
    assert_eq!(last.text, "Konflikt om status i oppgave 1 løst: «pågår» beholdt, «avbrutt» satt til side");
    assert_eq!(last.kind, sitroom::domain::EntryKind::Auto);
}

/// In a window smaller than the panes need, what is typed must not act on what no one
/// can see: the entry is neither saved nor left in the line; quitting still works.
#[test]
fn a_window_too_small_takes_no_keys_but_quit() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let incident = ui.session.incidents().unwrap()[0].clone();
    let before = ui.session.entries(&incident).unwrap().len();
    assert!(screen(&ui, 60, 20).contains("60×20"), "it says the window is too small");
    type_text(&mut ui, "Usett tekst");
    ui.on_key(key(KeyCode::Enter));
    assert!(!ui.on_paste("limt inn"), "a paste is not taken either");
    assert_eq!(ui.session.entries(&incident).unwrap().len(), before, "nothing was saved");
    let text = screen(&ui, 120, 30);
    assert!(!text.contains("Usett") && !text.contains("limt inn"), "nor typed into the line: {text}");
    assert!(!ui.should_quit());
    let _ = screen(&ui, 60, 20);
    ui.on_key(ctrl('q'));
    assert!(ui.should_quit(), "quit works at any size");
}

/// A time that is not a time is refused with a message, and the typing is kept: the
/// entry must not be stored at the wrong time without a word.
#[test]
fn a_time_that_is_not_a_time_is_refused_and_the_draft_kept() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let incident = ui.session.incidents().unwrap()[0].clone();
    let before = ui.session.entries(&incident).unwrap().len();
    type_text(&mut ui, "25:99 Brannvesenet melder røyk");
    ui.on_key(key(KeyCode::Enter));
    assert_eq!(ui.session.entries(&incident).unwrap().len(), before, "nothing was saved");
    let text = screen(&ui, 120, 30);
    assert!(text.contains("«25:99» er ikke et klokkeslett"), "it says why: {text}");
    assert!(text.contains("25:99 Brannvesenet melder røyk"), "the draft is kept: {text}");
    // Mended, it is saved at the time typed.
    for _ in "25:99 Brannvesenet melder røyk".chars() {
        ui.on_key(key(KeyCode::Backspace));
    }
    type_text(&mut ui, "08:30 Brannvesenet melder røyk");
    ui.on_key(key(KeyCode::Enter));
    let last = ui.session.entries(&incident).unwrap().pop().unwrap();
    assert_eq!(last.text, "Brannvesenet melder røyk");
    assert_eq!(last.reported_at.with_timezone(&Local).format("%H:%M").to_string(), "08:30");
}

/// The readline keys mean the same in the entry line as in every one-line field, and
/// Ctrl-F means search in the log list too (not "page down" there and search here).
#[test]
fn readline_keys_and_one_meaning_for_ctrl_f() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let i = ui.log().unwrap().incident().clone();
    type_text(&mut ui, "Brann i Bøkeskogen");
    ui.on_key(ctrl('w'));
    type_text(&mut ui, "ved");
    ui.on_key(ctrl('u'));
    type_text(&mut ui, "Røyk ved Hoppestad");
    ui.on_key(ctrl('a'));
    type_text(&mut ui, "Meldt: ");
    ui.on_key(key(KeyCode::Enter));
    assert_eq!(
        ui.session.entries(&i).unwrap().pop().unwrap().text,
        "Meldt: Røyk ved Hoppestad",
        "Ctrl-U cleared, Ctrl-A went to the start"
    );
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(ctrl('f'));
    type_text(&mut ui, "strøm");
    let s = screen(&ui, 100, 30);
    assert!(
        s.contains("Filter: strøm") && s.contains("Strømbrudd"),
        "Ctrl-F searched from the log list:\n{s}"
    );
}

/// Reading the log: an entry from yesterday shows its date without breaking the
/// columns; a typed time is marked; the log can be read in the order things were said;
/// automatic entries are hidden with one key, and stay hidden at the next start.
#[test]
fn the_log_is_read_by_time_said_with_dates_and_without_automatic_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let i = incident(&mut s, "Flom i Lågen", false, utc(7, 0));
    let yesterday = utc(22, 10) - chrono::Duration::days(1);
    add(&mut s, &i, yesterday, "Varsel fra NVE kvelden før");
    add(&mut s, &i, utc(8, 30), "Vannet stiger ved Gokstad");
    add(&mut s, &i, utc(8, 15), "Sagt tidligere, skrevet senere");
    s.add_task(&i, sitroom::domain::task::NewTask { title: "Sandsekker".into(), ..Default::default() })
        .unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let text = screen(&ui, 100, 30);
    let col = |needle: &str| {
        let line = text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}:\n{text}"));
        unicode_width::UnicodeWidthStr::width(&line[..line.find(needle).unwrap()])
    };
    assert!(text.contains(&yesterday.with_timezone(&Local).format("%d.%m 22:10✎").to_string()), "{text}");
    assert_eq!(col("Varsel fra NVE"), col("Vannet stiger"), "one column for text, dated or not:\n{text}");
    let said_later = text.find("Sagt tidligere").unwrap();
    assert!(text.find("Vannet stiger").unwrap() < said_later, "entry order first");
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(key(KeyCode::Char('o')));
    let by_time = screen(&ui, 100, 30);
    assert!(by_time.contains("etter tid"), "{by_time}");
    assert!(by_time.find("Sagt tidligere").unwrap() < by_time.find("Vannet stiger").unwrap(), "{by_time}");
    ui.on_key(key(KeyCode::Char('a')));
    let people = screen(&ui, 100, 30);
    assert!(!people.contains("Oppgave 1 opprettet") && people.contains("uten automatiske"), "{people}");
    drop(ui);
    let ui = Ui::new(session(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let again = screen(&ui, 100, 30);
    assert!(!again.contains("Oppgave 1 opprettet") && again.contains("etter tid"), "remembered:\n{again}");
}

/// Emoji with skin tones and ZWJ families, flags, CJK and combining accents, cut and
/// wrapped in narrow panes: every cell belongs to a whole character (no lone skin tone
/// left to haunt the screen) and every pane's right border stands where it should.
#[test]
fn emoji_flags_cjk_and_accents_keep_the_borders_straight() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(&dir);
    let i = incident(&mut s, "Flom 🇳🇴 i Lågen", false, utc(7, 0));
    let texts = [
        "👍🏽 Mottatt fra 东京 partnerkommune, familie 👨‍👩‍👧 evakuert til skolen 🏫",
        "Café Ålesund: re\u{301}servert 👩🏽‍🚒 brannkonstabel og 🇸🇪 svensk mannskap på stedet nå",
        "東京都の職員が到着しました 👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽👍🏽",
    ];
    for (n, text) in texts.iter().enumerate() {
        add(&mut s, &i, utc(8, n as u32), text);
        let title = format!("{text} oppgave {n}");
        s.add_task(
            &i,
            sitroom::domain::task::NewTask {
                title, assignee: Some("👩🏽‍🚒 Åse".into()), ..Default::default()
            },
        )
        .unwrap();
    }
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    for ws in [KeyCode::F(5), KeyCode::F(6), KeyCode::F(9)] {
        ui.on_key(key(ws));
        for (w, h) in [(80, 24), (97, 30), (123, 31)] {
            let t = draw(&ui, w, h);
            let b = t.backend().buffer();
            for y in 0..h {
                for x in 0..w {
                    let sym = b[(x, y)].symbol();
                    let lone = sym.chars().all(|c| {
                        ('\u{1F3FB}'..='\u{1F3FF}').contains(&c) || c == '\u{200D}' || c == '\u{301}'
                    });
                    assert!(
                        sym.is_empty() || !lone,
                        "a lone modifier {sym:?} at {x},{y} ({w}×{h}):\n{}",
                        crate::common::buffer_text(b)
                    );
                }
                // A row that starts a pane on the left ends one on the right.
                let first = b[(0, y)].symbol();
                if ["│", "┌", "└", "▶"].contains(&first) {
                    let last = b[(w - 1, y)].symbol();
                    assert!(
                        ["│", "┐", "┘"].contains(&last),
                        "row {y} ends in {last:?} ({w}×{h}):\n{}",
                        crate::common::buffer_text(b)
                    );
                }
            }
        }
    }
}

/// "Lagret #1" names the entry by its number; when an entry from a replica that was
/// offline takes its place before it, the status line says the number it has now.
#[test]
fn the_saved_number_follows_the_entry_when_sync_renumbers_it() {
    use sitroom::store::OpState;
    let dir = tempfile::tempdir().unwrap();
    let (here, there) = (dir.path().join("stab.db"), dir.path().join("felt.db"));
    let mut a = Session::open(&here, "kari", vec!["flom".into()]).unwrap();
    let mut b = Session::open(&there, "ola", vec!["flom".into()]).unwrap();
    let carry = |from: &Session, to: &mut Session| {
        let ops: Vec<_> =
            from.store.ops_after(0, usize::MAX).unwrap().into_iter().map(|(_, op)| op).collect();
        to.store.apply_ops(&ops, OpState::Acked).unwrap();
    };
    let i = a
        .create_incident(NewIncident {
            title: "Flom i Lågen".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        })
        .unwrap();
    carry(&a, &mut b);
    b.add_entry(&i, EntryInput::now("Fra feltet: vannet over veien ved Øyer")).unwrap();
    let mut ui = Ui::new(a, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    type_text(&mut ui, "Fra stabsrommet: kriseledelsen samlet");
    ui.on_key(key(KeyCode::Enter));
    assert!(screen(&ui, 100, 30).contains("Lagret #1"), "{}", screen(&ui, 100, 30));
    // The field's entry, older, arrives (through another connection, as sync's).
    let mut other = Session::open(&here, "kari", vec!["flom".into()]).unwrap();
    carry(&b, &mut other);
    ui.tick(std::time::Instant::now() + std::time::Duration::from_secs(1));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Lagret #2") && !s.contains("Lagret #1"), "{s}");
    assert!(s.contains("Fra feltet"), "{s}");
}

/// `c` writes the correction in the entry line: text waiting there is never thrown
/// away under it. The logger is told to save or clear it first, and it stays.
#[test]
fn a_correction_never_overwrites_unsaved_text_in_the_entry_line() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    type_text(&mut ui, "!Kommunikasjonssjef gir uttalelse; ingen");
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(key(KeyCode::Up)); // a key used in the list: the typing is over
    ui.on_key(key(KeyCode::Char('c')));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Skrivelinjen har tekst som ikke er lagret"), "{s}");
    assert!(!s.contains("Retter #"), "no correction started:\n{s}");
    ui.on_key(key(KeyCode::Tab));
    type_text(&mut ui, " intervjuer i dag");
    ui.on_key(key(KeyCode::Enter));
    let i = ui.log().unwrap().incident().clone();
    let last = ui.session.entries(&i).unwrap().pop().unwrap();
    assert_eq!(last.text, "Kommunikasjonssjef gir uttalelse; ingen intervjuer i dag");
    // With the line empty, c corrects as before.
    ui.on_key(key(KeyCode::Tab));
    ui.on_key(key(KeyCode::Up));
    ui.on_key(key(KeyCode::Char('c')));
    assert!(screen(&ui, 100, 30).contains("Retter #"), "{}", screen(&ui, 100, 30));
}

/// Closing an incident from the picker ends everyone's work in it: Ctrl-X asks first,
/// Esc leaves it open, Ctrl-S closes it, and the log's last word is who closed it.
/// Reopening asks too and is logged.
#[test]
fn closing_and_reopening_an_incident_in_the_picker_ask_first_and_are_logged() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let i = ui.log().unwrap().incident().clone();
    ui.on_key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL));
    ui.on_key(ctrl('x'));
    let s = screen(&ui, 100, 30);
    assert!(s.contains("Avslutte hendelse #1?") && s.contains("«Flom i Lågen»"), "{s}");
    ui.on_key(key(KeyCode::Esc));
    assert_eq!(ui.session.incidents().unwrap()[0].status, sitroom::domain::IncidentStatus::Open);
    ui.on_key(ctrl('x'));
    ui.on_key(ctrl('s'));
    assert_eq!(ui.session.incidents().unwrap()[0].status, sitroom::domain::IncidentStatus::Closed);
    let last = ui.session.entries(&i).unwrap().pop().unwrap();
    assert_eq!((last.text.as_str(), last.author.as_str()), ("Hendelsen avsluttet", "kari"));
    ui.on_key(ctrl('r'));
    assert!(screen(&ui, 100, 30).contains("Gjenåpne hendelse #1?"));
    ui.on_key(ctrl('s'));
    assert_eq!(ui.session.incidents().unwrap()[0].status, sitroom::domain::IncidentStatus::Open);
    assert_eq!(ui.session.entries(&i).unwrap().pop().unwrap().text, "Hendelsen gjenåpnet");
}

/// Where a typed time lands is shown before Enter: ahead of the clock (a slip of the
/// hour), or yesterday's (more than an hour ahead), in the warning style.
#[test]
fn the_entry_box_says_when_a_typed_time_is_ahead_or_yesterday() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    type_text(&mut ui, "10:11 Politiet stenger Fv 303"); // now is 09:41
    let title = screen(&ui, 100, 30).lines().find(|l| l.contains("Ny loggføring")).unwrap().to_string();
    assert!(title.contains("10:11 (om 30 min)"), "{title}");
    ui.on_key(ctrl('u'));
    type_text(&mut ui, "23:55 Vakthavende varslet");
    let title = screen(&ui, 100, 30).lines().find(|l| l.contains("Ny loggføring")).unwrap().to_string();
    assert!(title.contains("i går 23:55"), "{title}");
    ui.on_key(ctrl('u'));
    type_text(&mut ui, "09:30 Brannvesenet melder");
    let title = screen(&ui, 100, 30).lines().find(|l| l.contains("Ny loggføring")).unwrap().to_string();
    assert!(title.contains("09:30 ") && !title.contains("om ") && !title.contains("i går"), "{title}");
}

/// The screen's rows above the entry line (found by its title).
fn above_entry(screen: &str) -> Vec<String> {
    let rows: Vec<&str> = screen.lines().collect();
    let top = rows.iter().position(|r| r.contains("Ny loggføring")).expect("the entry line");
    rows[..top].iter().map(|r| r.to_string()).collect()
}

#[test]
fn the_log_does_not_jump_while_a_long_draft_is_typed_and_edited() {
    let mut f = flood();
    let mut ui = ui(&mut f, Lang::Nb);
    let sentence = "Politiet melder at Fv 303 er stengt ved Hoppestad, omkjøring via Kodal; \
                    bussene til Andebu går ikke før veien er åpnet igjen";
    // A narrow pane keeps room for two lines: a sentence that wraps moves nothing.
    let before = above_entry(&screen(&ui, 80, 24));
    type_text(&mut ui, sentence);
    assert_eq!(above_entry(&screen(&ui, 80, 24)), before, "the log moved when the draft wrapped");
    // A draft that has grown keeps its height while it is edited back.
    type_text(&mut ui, " og Kodal skole holdes stengt i morgen etter beskjed fra rektor");
    let grown = above_entry(&screen(&ui, 80, 24));
    assert!(grown.len() < before.len(), "a third line takes a row from the log");
    for _ in 0..120 {
        ui.on_key(key(KeyCode::Backspace));
    }
    assert_eq!(above_entry(&screen(&ui, 80, 24)), grown, "the log moved back while the draft was edited");
    // Saved, the entry line is back to its size.
    ui.on_key(key(KeyCode::Enter));
    assert_eq!(above_entry(&screen(&ui, 80, 24)).len(), before.len());
}

//! The records views rendered into ratatui's TestBackend at two times
//! of one incident whose history is written with fixed clocks: the log, the task board
//! and the approved sitrep each as they stood, chosen with the keys a user presses.

use chrono::{DateTime, Local, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sitroom::app::Session;
use sitroom::domain::report::ReportStatus;
use sitroom::domain::task::{NewTask, TaskStatus};
use sitroom::domain::{EntryKind, Incident, NewIncident, Severity};
use sitroom::i18n::Lang;
use sitroom::store::Stamp;
use sitroom::store::{NewEntryRecord, ReportChange, TaskChange};
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;

/// Times in the future of any machine running this, so that the clock the store keeps
/// (never behind the newest change) follows exactly the times given here.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, 0).unwrap()
}

fn entry(text: &str, when: DateTime<Utc>, kind: EntryKind) -> NewEntryRecord {
    NewEntryRecord {
        id: uuid::Uuid::now_v7(),
        text: text.into(),
        author: "kari".into(),
        device: "stab-pc".into(),
        reported_at: when,
        recorded_at: when,
        kind,
        tags: vec![],
        mentions: vec![],
        significant: false,
        corrects: None,
    }
}

/// 09:00–09:20: the flood is reported, a task made and started. 10:00–10:15: the
/// evacuation decided, the task done, a sitrep approved.
fn history() -> (tempfile::TempDir, Session, Incident) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, i) = crate::common::staff::flood_session(dir.path());
    let st = &mut s.store;
    let first = entry("Vannet stiger ved Bøen, 40 cm over normalt", at(9, 0), EntryKind::Note);
    let first_id = first.id;
    st.append_entries(&i, [first]).unwrap();
    let task = NewTask { title: "Sjekk pumpestasjon Bøen".into(), ..NewTask::default() };
    st.create_task(&i, &task, Stamp { author: "kari", device: "stab-pc", now: at(9, 5) }, |t| {
        entry(&format!("Oppgave {} opprettet: {}", t.number, t.title), at(9, 5), EntryKind::Auto)
    })
    .unwrap();
    let started = TaskChange::Status(TaskStatus::InProgress);
    st.change_task(
        &i,
        1,
        &started,
        Stamp { author: "kari", device: "stab-pc", now: at(9, 20) },
        |_| Ok(()),
        |_, _| entry("Oppgave 1: ny → pågår", at(9, 20), EntryKind::Auto),
    )
    .unwrap();
    st.append_entries(&i, [entry("Vi evakuerer Åsgårdstrand skole", at(10, 0), EntryKind::Decision)])
        .unwrap();
    let done = TaskChange::Status(TaskStatus::Done);
    st.change_task(
        &i,
        1,
        &done,
        Stamp { author: "kari", device: "stab-pc", now: at(10, 5) },
        |_| Ok(()),
        |_, _| entry("Oppgave 1: pågår → utført", at(10, 5), EntryKind::Auto),
    )
    .unwrap();
    let text = "## Situasjon\nSkolen er evakuert; 212 elever er på Ødegården.";
    st.create_report(
        &i,
        ("situasjonsrapport", "Situasjonsrapport 1", text),
        Stamp { author: "kari", device: "stab-pc", now: at(10, 10) },
        |_| entry("Rapport 1 opprettet", at(10, 10), EntryKind::Auto),
    )
    .unwrap();
    for (to, approver, when) in [
        (ReportStatus::Submitted, None, at(10, 12)),
        (ReportStatus::Approved, Some("Åse".to_string()), at(10, 15)),
    ] {
        let change = ReportChange::Status { to, comment: None, approver };
        st.change_report(
            &i,
            1,
            &change,
            Stamp { author: "kari", device: "stab-pc", now: when },
            |_| Ok(()),
            |_, r| entry(&format!("Rapport 1: {}", r.status.name()), when, EntryKind::Auto),
        )
        .unwrap();
    }
    // 10:20: the first entry is marked significant (vesentlig).
    s.store.set_significant(first_id, true, "kari", "stab-pc", at(10, 20)).unwrap();
    (dir, s, i)
}

fn press(ui: &mut Ui, code: KeyCode) {
    ui.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn screen(ui: &Ui) -> String {
    let now = at(12, 0).with_timezone(&Local);
    let mut t = Terminal::new(TestBackend::new(120, 24)).unwrap();
    t.draw(|f| ui.render(f, now)).unwrap();
    crate::common::buffer_text(t.backend().buffer())
}

/// Open the time-travel workspace and choose a time with `t`, as a user would.
fn travel_to(ui: &mut Ui, when: &str) {
    press(ui, KeyCode::Char('t'));
    for _ in 0..20 {
        press(ui, KeyCode::Backspace);
    }
    for c in when.chars() {
        press(ui, KeyCode::Char(c));
    }
    press(ui, KeyCode::Enter);
}

#[test]
fn the_time_travel_view_shows_what_the_staff_knew_at_two_times() {
    let (_dir, s, _) = history();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let n = ui.workspace_names().iter().position(|w| *w == "tidsreise").expect("the workspace exists");
    assert_eq!(n, 9, "the tenth workspace, on Alt-0");
    ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));

    travel_to(&mut ui, "01.01.2030 09:30");
    let early = screen(&ui);
    assert!(early.contains("slik det sto 01.01.2030 09:30"), "{early}");
    assert!(early.contains("Vannet stiger ved Bøen") && early.contains("pågår 1"), "{early}");
    assert!(!early.contains("Vi evakuerer"), "the decision came later");
    assert!(early.contains("Ingen godkjent situasjonsrapport da."));
    insta::assert_snapshot!("history_0930", early);

    travel_to(&mut ui, "01.01.2030 10:30");
    let late = screen(&ui);
    assert!(late.contains("Vi evakuerer Åsgårdstrand skole") && late.contains("utført 1"), "{late}");
    assert!(late.contains("Situasjonsrapport 1 v1 · godkjent 10:15"), "{late}");
    assert!(late.contains("212 elever er på Ødegården."));
    assert!(late.contains("#1   *09:00") && early.contains("#1    09:00"), "marked at 10:20, not before");
    insta::assert_snapshot!("history_1030", late);

    // A quarter of an hour back from 10:30: approved at 10:15, so still there; another
    // quarter back, and it is gone again.
    press(&mut ui, KeyCode::Char('['));
    assert!(screen(&ui).contains("godkjent 10:15"));
    press(&mut ui, KeyCode::Char('['));
    let at_1000 = screen(&ui);
    assert!(
        at_1000.contains("slik det sto 01.01.2030 10:00") && at_1000.contains("Ingen godkjent"),
        "{at_1000}"
    );
}

fn shared(from: &str, text: &str) -> sitroom::domain::share::SharedReport {
    use sha2::Digest;
    let report = serde_json::json!({
        "format": sitroom::domain::share::FORMAT,
        "id": uuid::Uuid::now_v7(),
        "from": from,
        "incident": { "id": uuid::Uuid::now_v7(), "number": 1, "title": "Flom", "type": "flom" },
        "report_id": uuid::Uuid::now_v7(),
        "number": 1, "version": 2, "kind": "situasjonsrapport", "title": "Situasjonsrapport 1", "text": text,
        "approved_by": "Åse", "approved_at": "2030-01-01T10:15:00.000Z",
        "shared_by": "Per", "shared_at": "2030-01-01T10:20:00.000Z",
        "sha256": sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>(),
    });
    sitroom::domain::share::SharedReport::parse(report.to_string().as_bytes()).unwrap()
}

#[test]
fn shared_reports_stand_side_by_side_and_compile_with_one_key() {
    let (_dir, mut s, i) = history();
    s.receive_shared(
        &i,
        &shared("Larvik kommune", "## Situasjon\nLågen går over sine bredder ved Kjelde."),
        "fil",
    )
    .unwrap();
    s.receive_shared(&i, &shared("Sandefjord kommune", "## Situasjon\nStrømmen er tilbake i Andebu."), "fil")
        .unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    // The eleventh workspace: reached by stepping, Alt-Right from the tenth (Alt-0).
    ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
    ui.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::ALT));
    let screen_text = screen(&ui);
    let row = screen_text.lines().find(|l| l.contains("Larvik kommune")).expect(&screen_text);
    assert!(row.contains("Sandefjord kommune"), "side by side:\n{screen_text}");
    let body = screen_text.lines().find(|l| l.contains("Lågen går over")).unwrap();
    assert!(body.contains("Strømmen er tilbake"), "{screen_text}");
    assert!(screen_text.contains("Samordning 11/15"));

    press(&mut ui, KeyCode::Char('c'));
    let asked = screen(&ui);
    assert!(
        asked.contains("Sammenstill") && asked.contains("Sandefjord kommune · «"),
        "asked first:\n{asked}"
    );
    ui.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    let after = screen(&ui);
    assert!(after.contains("Rapport 2 «Samlet situasjonsbilde"), "{after}");

    // Fetching needs a sync server: the thread reports back why not, and nothing waits.
    ui.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut seen = String::new();
    while std::time::Instant::now() < deadline {
        ui.tick(std::time::Instant::now());
        seen = screen(&ui);
        if seen.contains("ikke logget inn") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(seen.contains("ikke logget inn"), "{seen}");
}

#[test]
fn time_travel_following_the_present_catches_up_when_shown_again() {
    // Written now (the fixed-clock history lies in the future of "now").
    let dir = tempfile::tempdir().unwrap();
    let types = sitroom::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect();
    let mut s = Session::open(&dir.path().join("s.db"), "kari", types).unwrap();
    let new = NewIncident {
        title: "Flom".into(),
        kind: "flom".into(),
        severity: Severity::new(2).unwrap(),
        exercise: false,
    };
    let i = s.create_incident(new).unwrap();
    s.add_entry(&i, sitroom::app::EntryInput::now("Vannet stiger ved Bøen")).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
    assert!(screen(&ui).contains("Logg (1)"), "{}", screen(&ui));
    // Back in the log workspace, an entry is written: the hidden view only notes it…
    ui.on_key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT));
    for c in "Pumpene går igjen".chars() {
        press(&mut ui, KeyCode::Char(c));
    }
    press(&mut ui, KeyCode::Enter);
    // …and shows it when it comes into view again.
    ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
    let now = screen(&ui);
    assert!(now.contains("Logg (2)") && now.contains("Pumpene går igjen"), "{now}");
}

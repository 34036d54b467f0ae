//! Workspaces and the task board, rendered into TestBackend and driven by keys.

use chrono::{DateTime, Local, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::roles::Role;
use sitroom::domain::task::{NewTask, Priority, TaskStatus};
use sitroom::domain::{EntryKind, Incident};
use sitroom::i18n::Lang;
use sitroom::store::Stamp;
use sitroom::store::{NewEntryRecord, TaskChange};
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;

fn utc(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn now() -> DateTime<Local> {
    utc(9, 41).with_timezone(&Local)
}

fn auto(text: String, at: DateTime<Utc>) -> NewEntryRecord {
    NewEntryRecord {
        id: uuid::Uuid::now_v7(),
        text,
        author: "kari".into(),
        device: "stab-pc".into(),
        reported_at: at,
        recorded_at: at,
        kind: EntryKind::Auto,
        tags: vec!["oppgave".into()],
        mentions: vec![],
        significant: false,
        corrects: None,
    }
}

/// A flood incident with log entries and tasks in every column, at fixed times.
fn staff_room(dir: &tempfile::TempDir) -> Session {
    let mut s = crate::common::staff::session(dir.path());
    let i =
        s.store.create_incident(&crate::common::staff::flood(false), "kari", "stab-pc", utc(7, 55)).unwrap();
    s.set_active(&i).unwrap();
    for (h, m, text) in [
        (8, 2, "Kriseledelsen satt #stab"),
        (8, 5, "Gokstad sykehjem ligger i flomsonen, 38 beboere #helse"),
        (8, 9, "!Bestille drivstoff til aggregatene @teknisk-sjef"),
        (8, 18, "!Hjemmetjenesten ringer alle BST-brukere @leder-hjemmetjenesten"),
    ] {
        s.add_entry(&i, EntryInput { at: Some(utc(h, m)), ..EntryInput::now(text) }).unwrap();
    }
    let tasks = [
        ("Bestille drivstoff", Some("teknisk-sjef"), Priority::Høy, Some(utc(9, 0)), TaskStatus::New),
        (
            "Ring alle BST-brukere",
            Some("leder-hjemmetjenesten"),
            Priority::Normal,
            Some(utc(12, 0)),
            TaskStatus::InProgress,
        ),
        ("Åpne EPS i rådhuset", None, Priority::Kritisk, None, TaskStatus::New),
        ("Varsle Statsforvalteren", Some("beredskapskoordinator"), Priority::Normal, None, TaskStatus::Done),
        ("Stenge Fv 303", None, Priority::Lav, None, TaskStatus::Cancelled),
    ];
    for (n, (title, who, prio, due, status)) in tasks.into_iter().enumerate() {
        let at = utc(8, 20 + n as u32);
        let new = NewTask {
            title: title.into(),
            assignee: who.map(Into::into),
            priority: prio,
            due,
            ..NewTask::default()
        };
        let (t, _) = s
            .store
            .create_task(&i, &new, Stamp { author: "kari", device: "stab-pc", now: at }, |t| {
                auto(format!("Oppgave {} opprettet: {}", t.number, t.title), at)
            })
            .unwrap();
        if status != TaskStatus::New {
            let via = if status == TaskStatus::Done { TaskStatus::InProgress } else { status };
            s.store
                .change_task(
                    &i,
                    t.number,
                    &TaskChange::Status(via),
                    Stamp { author: "kari", device: "stab-pc", now: at },
                    |_| Ok(()),
                    |b, a| {
                        auto(format!("Oppgave {}: {} → {}", a.number, b.status.name(), a.status.name()), at)
                    },
                )
                .unwrap();
            if status == TaskStatus::Done {
                s.store
                    .change_task(
                        &i,
                        t.number,
                        &TaskChange::Status(status),
                        Stamp { author: "kari", device: "stab-pc", now: at },
                        |_| Ok(()),
                        |b, a| {
                            auto(
                                format!("Oppgave {}: {} → {}", a.number, b.status.name(), a.status.name()),
                                at,
                            )
                        },
                    )
                    .unwrap();
            }
        }
    }
    let inquiries = [
        ("NRK Vestfold", "Kari Hansen", "Hvor mange beboere evakueres fra Gokstad?", Some(utc(10, 0)), None),
        ("VG", "", "Stemmer det at Fv 303 er stengt?", Some(utc(9, 30)), Some("liv")),
        ("Sandefjords Blad", "Per Olsen", "Når åpner EPS?", None, None),
    ];
    for (n, (outlet, journalist, question, deadline, who)) in inquiries.into_iter().enumerate() {
        let at = utc(8, 40 + n as u32);
        let new = sitroom::domain::media::NewInquiry {
            outlet: outlet.into(),
            journalist: journalist.into(),
            question: question.into(),
            deadline,
            responsible: who.map(Into::into),
            ..Default::default()
        };
        s.store
            .create_inquiry(&i, &new, Stamp { author: "kari", device: "stab-pc", now: at }, |m| {
                auto(format!("Mediehenvendelse {} registrert", m.number), at)
            })
            .unwrap();
    }
    s
}

fn screen(ui: &Ui, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui.render(f, now())).unwrap();
    crate::common::buffer_text(t.backend().buffer())
}

fn key(ui: &mut Ui, code: KeyCode) {
    ui.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(ui: &mut Ui, c: char) {
    ui.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

/// The confirmation's own key: what a key asked to write is written.
fn confirm(ui: &mut Ui) {
    ctrl(ui, 's');
}

fn incident(ui: &Ui) -> Incident {
    ui.log().unwrap().incident().clone()
}

#[test]
fn every_default_workspace_at_both_sizes_in_both_languages() {
    for lang in [Lang::Nb, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), lang).unwrap();
        let names: Vec<String> = ui.workspace_names().iter().map(|s| s.to_string()).collect();
        assert_eq!(
            names,
            [
                "logg",
                "kriseledelse",
                "beredskap",
                "informasjon",
                "oppgaver",
                "oversikt",
                "eps",
                "mobilisering",
                "planverk",
                "tidsreise",
                "samordning",
                "tavler",
                "veggskjerm",
                "situasjonsbilde",
                "meldinger"
            ]
        );
        for (n, name) in names.iter().enumerate() {
            // Alt-1…Alt-9, Alt-0 for the tenth, and Alt-→ steps on to the eleventh.
            let key = match n {
                0..=8 => KeyCode::Char(char::from(b'1' + n as u8)),
                9 => KeyCode::Char('0'),
                _ => KeyCode::Right,
            };
            ui.on_key(KeyEvent::new(key, KeyModifiers::ALT));
            let l = if lang == Lang::Nb { "nb" } else { "en" };
            for (w, h) in [(80, 24), (200, 60)] {
                insta::assert_snapshot!(format!("workspace_{name}_{w}x{h}_{l}"), screen(&ui, w, h));
            }
        }
    }
}

#[test]
fn the_crisis_leader_moves_tasks_and_the_log_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    key(&mut ui, KeyCode::F(6)); // kriseledelse: log + tasks
    let s = screen(&ui, 160, 40);
    assert!(
        s.contains("Kriseledelse 2/15") && s.contains("Oppgaver · 3 åpne") && s.contains("1 forsinket"),
        "{s}"
    );
    key(&mut ui, KeyCode::F(4)); // focus the task board
                                 // the first card of "ny" is the overdue one (earliest deadline first)
    key(&mut ui, KeyCode::Char(']'));
    let i = incident(&ui);
    let asked = screen(&ui, 160, 40);
    assert!(asked.contains("Oppgave 1 «Bestille drivstoff»: ny → pågår"), "asked first:\n{asked}");
    assert_eq!(ui.session.task(&i, 1).unwrap().status, TaskStatus::New, "not before it is confirmed");
    confirm(&mut ui);
    let t = ui.session.task(&i, 1).unwrap();
    assert_eq!(t.status, TaskStatus::InProgress);
    let s = screen(&ui, 160, 40);
    assert!(s.contains("✓ Oppgave 1 «") && s.contains("→ pågår"), "status line: {s}");
    assert!(
        s.contains("Oppgave 1 «Bestille drivstoff»: ny → pågår"),
        "the log pane shows the automatic entry: {s}"
    );
    key(&mut ui, KeyCode::Char('3'));
    confirm(&mut ui);
    assert_eq!(ui.session.task(&i, 1).unwrap().status, TaskStatus::Done);
    // refused by the state machine: done → cancelled
    key(&mut ui, KeyCode::Char('4'));
    confirm(&mut ui);
    assert!(screen(&ui, 160, 40).contains("kan ikke gå fra utført til avbrutt"));
    // a new task through the prompt, then assign it
    key(&mut ui, KeyCode::Char('n'));
    for c in "Skaffe sandsekker".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    assert!(screen(&ui, 160, 40).contains("«Skaffe sandsekker»"), "the new task is shown first");
    confirm(&mut ui);
    let tasks = ui.session.tasks(&i).unwrap();
    let sand = tasks.iter().find(|t| t.title == "Skaffe sandsekker").expect("created");
    assert_eq!(sand.status, TaskStatus::New);
    ui.session.verify(&i).unwrap().unwrap();
}

#[test]
fn the_logger_makes_a_task_of_an_entry_with_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::En).unwrap();
    key(&mut ui, KeyCode::Tab); // to the log list; the newest entry is selected
                                // the newest entries are the automatic ones; go up to the decision about BST users
    let i = incident(&ui);
    let target = ui
        .session
        .entries(&i)
        .unwrap()
        .iter()
        .find(|e| e.text.starts_with("Hjemmetjenesten ringer"))
        .unwrap()
        .seq;
    let newest = ui.session.entries(&i).unwrap().last().unwrap().seq;
    for _ in 0..(newest - target) {
        key(&mut ui, KeyCode::Up);
    }
    key(&mut ui, KeyCode::Char('t'));
    let asked = screen(&ui, 120, 30);
    assert!(asked.contains("New task") && asked.contains(&format!("From entry #{target}")), "{asked}");
    confirm(&mut ui);
    let tasks = ui.session.tasks(&i).unwrap();
    let made = tasks.last().unwrap();
    assert_eq!(made.title, "Hjemmetjenesten ringer alle BST-brukere");
    assert_eq!(made.assignee.as_deref(), Some("leder-hjemmetjenesten"));
    let s = screen(&ui, 120, 30);
    assert!(s.contains(&format!("Task {} made from #{target}", made.number)), "{s}");
    key(&mut ui, KeyCode::F(9)); // oppgaver shows the board
    assert!(screen(&ui, 120, 30).contains("Hjemmetjenesten ringer"));
}

#[test]
fn roles_choose_the_workspaces_and_a_guest_cannot_move_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    s.add_user("kari", &[Role::Administrator]).unwrap();
    s.add_user("lars", &[Role::Loggforer]).unwrap();
    s.add_user("ola", &[Role::Gjest]).unwrap();
    s.user = "lars".into();
    let ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    assert_eq!(ui.workspace_names(), ["logg", "oppgaver", "tavler", "veggskjerm", "meldinger"]);
    drop(ui);
    let types = sitroom::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect();
    let mut s = Session::open(&dir.path().join("s.db"), "ola", types).unwrap();
    s.device = "stab-pc".into();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    assert_eq!(ui.workspace_names(), ["oversikt", "veggskjerm"]);
    key(&mut ui, KeyCode::F(4)); // to the task board
    key(&mut ui, KeyCode::Char(']'));
    let screen = screen(&ui, 120, 30);
    assert!(screen.contains("ola (gjest) har ikke lov til å opprette eller endre oppgaver"), "{screen}");
    let i = incident(&ui);
    assert_eq!(ui.session.task(&i, 1).unwrap().status, TaskStatus::New, "nothing moved");
    // F7 is no workspace of a guest's: nothing happens
    key(&mut ui, KeyCode::F(7));
    assert_eq!(ui.workspace_names(), ["oversikt", "veggskjerm"]);
}

#[test]
fn switching_workspace_keeps_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    for c in "Halvskrevet".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::F(9)); // oppgaver: no log
    assert!(!screen(&ui, 120, 30).contains("Halvskrevet"));
    key(&mut ui, KeyCode::F(5)); // back to the log
    assert!(screen(&ui, 120, 30).contains("Halvskrevet"));
    key(&mut ui, KeyCode::Enter);
    let i = incident(&ui);
    assert_eq!(ui.session.entries(&i).unwrap().last().unwrap().text, "Halvskrevet");
}

#[test]
fn a_bad_workspace_file_is_a_warning_with_file_and_line() {
    let h = tempfile::tempdir().unwrap();
    let cfg = h.path().join("cfg");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("workspaces.toml"),
        "[[workspace]]\nname = \"mitt\"\nlayout = { pane = \"kart\" }\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"))
        .env("SITROOM_DB", h.path().join("s.db"))
        .env("SITROOM_CREATE", "1")
        .env("SITROOM_CONFIG_DIR", &cfg)
        .output()
        .unwrap();
    // Without a terminal the TUI cannot start; the warning came first, and what stops
    // it is the missing terminal, not the file (the tmux test sees it start).
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: ") && err.contains("workspaces.toml: line 3: unknown pane type 'kart'"),
        "{err}"
    );
    assert!(err.contains("terminal"), "{err}");
}

#[test]
fn ten_thousand_tasks_render_only_what_fits() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    for n in 0..300 {
        s.add_task(&i, NewTask { title: format!("Oppgave nummer {n}"), ..NewTask::default() }).unwrap();
    }
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    key(&mut ui, KeyCode::F(9));
    key(&mut ui, KeyCode::End);
    let s = screen(&ui, 200, 60);
    assert!(s.contains("ny (302)"), "{s}");
    assert!(s.contains("Oppgave nummer 299"), "the selection is kept in view: {s}");
}

#[test]
fn the_information_officer_works_the_media_queue() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    key(&mut ui, KeyCode::F(8)); // informasjon: media + log
    let s = screen(&ui, 220, 40);
    assert!(
        s.contains("Informasjon 4/15")
            && s.contains("Mediehenvendelser · 3 åpne")
            && s.contains("1 over fristen"),
        "{s}"
    );
    // by deadline: VG (passed 09:30), then NRK (10:00, 19 minutes left), then no deadline
    let vg = s.find("Stemmer det at Fv 303").unwrap();
    let nrk = s.find("Hvor mange beboere").unwrap();
    let blad = s.find("Når åpner EPS").unwrap();
    assert!(vg < nrk && nrk < blad, "{s}");
    assert!(s.contains("11 min over fristen") && s.contains("om 19 min"), "{s}");
    key(&mut ui, KeyCode::F(4)); // focus the queue
    key(&mut ui, KeyCode::Char('r'));
    for c in "Ja, Fv 303 er stengt ved Hoppestad. Omkjøring via Kodal.".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    confirm(&mut ui);
    let i = incident(&ui);
    let vg = ui.session.inquiry(&i, 2).unwrap();
    assert_eq!(vg.status, sitroom::domain::media::MediaStatus::Answered);
    assert_eq!(vg.answer, "Ja, Fv 303 er stengt ved Hoppestad. Omkjøring via Kodal.");
    let s = screen(&ui, 220, 40);
    assert!(s.contains("Mediehenvendelse 2 (VG) besvart"), "the log shows it: {s}");
    // a new one through the prompt, "outlet: question"
    key(&mut ui, KeyCode::Char('n'));
    for c in "TV 2: Kan vi få et intervju med ordføreren?".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    confirm(&mut ui);
    let made = ui.session.inquiries(&i).unwrap().pop().unwrap();
    assert_eq!(
        (made.outlet.as_str(), made.question.as_str()),
        ("TV 2", "Kan vi få et intervju med ordføreren?")
    );
    ui.session.verify(&i).unwrap().unwrap();
}

#[test]
fn a_task_given_to_me_and_passed_deadlines_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    s.assign_task(&i, 3, Some("kari".into())).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    assert!(ui.tick(std::time::Instant::now()), "a notice is news");
    let screen = screen(&ui, 160, 40);
    let status = screen.lines().last().unwrap();
    // tasks 1 and 2 are past 09:00 and 12:00, task 3 is kari's, VG and NRK are past
    // their deadlines: five notices, the first shown with the count of the rest
    assert!(status.contains("Varsel: Oppgave 1 har passert fristen: Bestille drivstoff (+4)"), "{status}");
}

#[test]
fn a_sitrep_is_written_approved_and_shown_to_the_crisis_leader() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    key(&mut ui, KeyCode::F(7)); // beredskap: tasks + reports
    key(&mut ui, KeyCode::F(4)); // focus the reports
    key(&mut ui, KeyCode::Char('n')); // the prompt offers situasjonsrapport
    key(&mut ui, KeyCode::Enter);
    confirm(&mut ui);
    let s = screen(&ui, 160, 40);
    assert!(
        s.contains("Rapport 1 v1 «Situasjonsrapport 1»") && s.contains("Esc lagre og lukk"),
        "the editor opened: {s}"
    );
    // the editor starts under the first section heading
    for c in "Lågen flommer over ved Gokstad; 36 beboere evakuert. ".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Esc); // saves and closes
    let i = incident(&ui);
    let r = ui.session.report(&i, 1, None).unwrap();
    assert!(r.text.contains("## 1. Situasjonsbeskrivelse\nLågen flommer over ved Gokstad; 36 beboere evakuert. Hva har skjedd"), "{}", r.text);
    key(&mut ui, KeyCode::Char('s')); // submit
    confirm(&mut ui);
    key(&mut ui, KeyCode::Char('a')); // approve (single-user: everyone may)
    let asked = screen(&ui, 160, 40);
    assert!(
        asked.contains("Godkjenn") && asked.contains("v1") && asked.contains("fortsatt malens veiledning"),
        "the version, and a warning that the template's guidance is still there:\n{asked}"
    );
    confirm(&mut ui);
    assert_eq!(
        ui.session.report(&i, 1, None).unwrap().status,
        sitroom::domain::report::ReportStatus::Approved
    );
    // writing in an approved report is refused with a pointer to a new version
    ctrl(&mut ui, 'e');
    assert!(screen(&ui, 160, 40).contains("start en ny versjon (N)"));
    key(&mut ui, KeyCode::F(6)); // kriseledelse: the sitrep pane shows it
    let s = screen(&ui, 200, 60);
    assert!(
        s.contains("Siste situasjonsrapport") && s.contains("36 beboere evakuert") && s.contains("godkjent"),
        "{s}"
    );
    // Shown as formatted text, not as the marks it was typed with.
    assert!(s.contains("Hendelse: Flom i Lågen") && s.contains("1. Situasjonsbeskrivelse"), "{s}");
    assert!(!s.contains("**Hendelse:**") && !s.contains("## 1."), "no Markdown marks:\n{s}");
}

#[test]
fn the_editor_saves_while_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    s.new_report(&i, "møtereferat", Some("Stabsmøte 1".into())).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::En).unwrap();
    key(&mut ui, KeyCode::F(7));
    key(&mut ui, KeyCode::F(4));
    ctrl(&mut ui, 'e');
    for c in "Tilstede: ordfører".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    // no Esc: after a pause the tick saves it
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ui.tick(std::time::Instant::now());
    assert!(ui.session.report(&i, 1, None).unwrap().text.contains("Tilstede: ordfører"));
    assert!(screen(&ui, 120, 30).contains("saved"), "the editor says so");
    // and quitting saves the rest
    for c in " og kommunedirektør".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    ui.shutdown().unwrap();
    assert!(ui.session.report(&i, 1, None).unwrap().text.contains("ordfører og kommunedirektør"));
}

#[test]
fn the_logger_runs_a_meeting_from_the_keyboard() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    let new = sitroom::domain::meeting::NewMeeting {
        title: "Stabsmøte 2".into(),
        participants: vec!["ordfører".into()],
        agenda: vec!["Situasjonen".into(), "Evakuering".into()],
        ..Default::default()
    };
    s.new_meeting(&i, new).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    key(&mut ui, KeyCode::Tab);
    key(&mut ui, KeyCode::Char('m')); // start the planned meeting
    assert!(screen(&ui, 120, 30).contains("Start møtet"), "asked first");
    confirm(&mut ui);
    key(&mut ui, KeyCode::Tab); // back to the entry line
    let s = screen(&ui, 120, 30);
    assert!(s.contains("Møte 1 · sak 1/2: Situasjonen"), "{s}");
    for c in "Vannet har nådd Gokstad".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    key(&mut ui, KeyCode::F(11)); // next item, at once, without leaving the entry line
    assert!(screen(&ui, 120, 30).contains("sak 2/2: Evakuering"));
    for c in "!Gokstad evakueres nå".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    key(&mut ui, KeyCode::F(11)); // there is no item 3
    assert!(screen(&ui, 120, 30).contains("møte 1 har sakene 1 til 2"), "in the UI's language");
    key(&mut ui, KeyCode::Tab);
    key(&mut ui, KeyCode::Char('M')); // end it
    confirm(&mut ui);
    let s = screen(&ui, 120, 30);
    assert!(s.contains("Møte 1: avsluttet, referatet er rapport 1"), "{s}");
    key(&mut ui, KeyCode::Tab);
    let s = screen(&ui, 120, 30);
    assert!(!s.contains("referatet er rapport 1"), "said, it makes way for the entry line's hints: {s}");
    let entry_title = s.lines().find(|l| l.contains("Ny loggføring")).unwrap();
    assert!(
        !entry_title.contains("Møte 1"),
        "the entry line no longer records under the meeting: {entry_title}"
    );
    let minutes = ui.session.report(&i, 1, None).unwrap().text;
    let item2 = minutes.find("### 2. Evakuering").unwrap();
    assert!(minutes.find("Vannet har nådd Gokstad").unwrap() < item2, "{minutes}");
    assert!(minutes[item2..].contains("**Beslutning:** Gokstad evakueres nå"), "{minutes}");
}

#[test]
fn panes_reload_only_when_their_records_changed() {
    use sitroom::tui::pane::Pane;
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    let mut board = sitroom::tui::task_board::TaskBoard::open(&s, i.clone()).unwrap();
    assert!(!board.refresh(&s).unwrap(), "nothing changed");
    s.add_entry(&i, EntryInput::now("Bare en loggføring")).unwrap();
    assert!(!board.refresh(&s).unwrap(), "a log entry is no reason to reload 10,000 tasks");
    s.add_task(&i, NewTask { title: "Ny oppgave".into(), ..NewTask::default() }).unwrap();
    assert!(board.refresh(&s).unwrap(), "a task changed");
    assert_eq!(board.tasks().len(), 6);
    assert!(!board.refresh(&s).unwrap());
}

#[test]
fn a_meeting_is_planned_and_started_without_leaving_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    key(&mut ui, KeyCode::Tab);
    key(&mut ui, KeyCode::Char('m')); // nothing planned: it asks
    assert!(screen(&ui, 120, 30).contains("Nytt møte (tittel; sak; sak | deltaker, deltaker)"));
    for c in "Stabsmøte 3; Situasjonen; Evakuering av Gokstad | ordfører, rektor".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    let asked = screen(&ui, 120, 30);
    assert!(
        asked.contains("2. Evakuering av Gokstad") && asked.contains("Deltakere: ordfører, rektor"),
        "{asked}"
    );
    confirm(&mut ui);
    let i = incident(&ui);
    let m = ui.session.ongoing_meeting(&i).unwrap().expect("started");
    assert_eq!(m.title, "Stabsmøte 3");
    assert_eq!(m.agenda, ["Situasjonen", "Evakuering av Gokstad"]);
    assert_eq!(m.participants, ["ordfører", "rektor"]);
    key(&mut ui, KeyCode::Tab);
    assert!(screen(&ui, 120, 30).contains("Møte 1 · sak 1/2: Situasjonen"));
}

/// The assign prompt offers who has the task now; typing replaces it, it is not added
/// to it ("tildelt beredskapskoordinatorLiv Berg" went into a log that cannot change).
#[test]
fn a_prefilled_answer_is_replaced_by_what_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    let new = NewTask {
        title: "Ring BST-brukere".into(),
        assignee: Some("beredskapskoordinator".into()),
        ..NewTask::default()
    };
    s.add_task(&i, new).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let n = ui.workspace_names().iter().position(|w| *w == "oppgaver").expect("the tasks workspace");
    ui.on_key(KeyEvent::new(KeyCode::Char(char::from(b'1' + n as u8)), KeyModifiers::ALT));
    let task =
        |ui: &Ui| ui.tasks().unwrap().tasks().iter().find(|t| t.title == "Ring BST-brukere").unwrap().clone();
    // Select it: the board lists open tasks by deadline; walk down until the prompt offers it.
    for _ in 0..20 {
        key(&mut ui, KeyCode::Char('a'));
        if screen(&ui, 120, 30).contains("beredskapskoordinator▏") {
            break;
        }
        key(&mut ui, KeyCode::Esc);
        key(&mut ui, KeyCode::Down);
    }
    assert!(screen(&ui, 120, 30).contains("beredskapskoordinator▏"), "who has it now is offered");
    for c in "Liv Berg".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    assert!(
        screen(&ui, 120, 30).contains("«Ring BST-brukere»: tildeles Liv Berg"),
        "shown before it is written"
    );
    confirm(&mut ui);
    assert_eq!(task(&ui).assignee.as_deref(), Some("Liv Berg"), "typing replaced the offered name");
    let last = ui.session.entries(&i).unwrap().pop().unwrap();
    assert!(!last.text.contains("koordinatorLiv"), "{}", last.text);
}

/// A task made by mistake (a stray `t`) is taken back from the log: the automatic entry
/// that announced it gets a retraction as its correction (struck through, the log
/// still append-only), and the task is cancelled, each step in the log.
#[test]
fn a_mistaken_record_is_taken_back_and_its_task_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let i = incident(&ui);
    key(&mut ui, KeyCode::Tab);
    key(&mut ui, KeyCode::Char('t')); // the newest entry becomes a task…
    confirm(&mut ui); // …and the slip is confirmed too
    let task = ui.session.tasks(&i).unwrap().into_iter().max_by_key(|t| t.number).unwrap();
    let announced = ui.session.entries(&i).unwrap().pop().unwrap();
    assert!(announced.text.starts_with(&format!("Oppgave {} opprettet", task.number)), "{}", announced.text);
    // the newest entry, the announcement, is selected after a refresh: take it back
    key(&mut ui, KeyCode::End);
    key(&mut ui, KeyCode::Delete);
    let asked = screen(&ui, 120, 30);
    assert!(
        asked.contains(&format!("Trekk tilbake #{}", announced.seq))
            && asked.contains(&format!("Oppgave {} «", task.number))
            && asked.contains("avbrytes"),
        "what will happen is shown first:\n{asked}"
    );
    assert!(ui.session.task(&i, task.number).unwrap().status.is_open(), "nothing before Ctrl-S");
    confirm(&mut ui);
    assert_eq!(ui.session.task(&i, task.number).unwrap().status, TaskStatus::Cancelled);
    let entries = ui.session.entries(&i).unwrap();
    let retraction = entries.iter().find(|e| e.corrects == Some(announced.id)).expect("a retraction");
    assert_eq!(retraction.text, "Feilført – se bort fra");
    assert!(entries
        .iter()
        .any(|e| e.text.contains(&format!("Oppgave {}", task.number)) && e.text.contains("avbrutt")));
    let s = screen(&ui, 200, 30);
    assert!(s.contains(&format!("→ rettet i #{}", retraction.seq)), "struck through like a correction:\n{s}");
    assert!(s.contains(&format!("#{} trukket tilbake", announced.seq)), "{s}");
    ui.session.verify(&i).unwrap().unwrap();
}

/// The task board carries what a meeting decides: Enter shows a task in full (what,
/// who, by when, why and its history); its deadline, priority and description are set
/// there, each shown before it is written; "mine" narrows the board to my tasks; and a
/// narrow column shortens the title, not who has it or by when.
#[test]
fn a_task_in_full_and_changed_where_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    let from =
        s.entries(&i).unwrap().iter().find(|e| e.text.starts_with("Hjemmetjenesten ringer")).unwrap().seq;
    let new = s.task_from_entry(&i, from).unwrap();
    let (made, _) = s.add_task(&i, new).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let n = ui.workspace_names().iter().position(|w| *w == "oppgaver").expect("the tasks workspace");
    ui.on_key(KeyEvent::new(KeyCode::Char(char::from(b'1' + n as u8)), KeyModifiers::ALT));
    // the narrow board keeps who and when: "Ring alle BST-brukere" is cut, "· leder-hjemmetjenesten · 12:00" is not
    let board = screen(&ui, 80, 24);
    let lines: Vec<&str> = board.lines().collect();
    let at = lines.iter().position(|l| l.contains("#2 Ring alle")).expect("task 2 on the board");
    assert!(
        lines[at].contains("12:00") || lines[at + 1].contains("12:00"),
        "the deadline stays in a narrow column (on the card's second line if need be):\n{board}"
    );
    key(&mut ui, KeyCode::Char('v')); // the list: select the new task by walking down
    for _ in 0..10 {
        key(&mut ui, KeyCode::Enter);
        if screen(&ui, 120, 30).contains(&format!("#{} Hjemmetjenesten ringer", made.number)) {
            break;
        }
        key(&mut ui, KeyCode::Esc);
        key(&mut ui, KeyCode::Down);
    }
    let full = screen(&ui, 120, 30);
    assert!(
        full.contains("Ansvarlig    leder-hjemmetjenesten")
            && full.contains("Fra loggen")
            && full.contains(&format!("#{from} "))
            && full.contains("Historikk")
            && full.contains(&format!("Oppgave {} opprettet", made.number)),
        "{full}"
    );
    key(&mut ui, KeyCode::Char('f'));
    for c in "11:45".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    assert!(screen(&ui, 120, 30).contains("Endre oppgaven"), "shown before it is written");
    confirm(&mut ui);
    key(&mut ui, KeyCode::Char('p'));
    for c in "høy".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    confirm(&mut ui);
    let said = screen(&ui, 120, 30);
    assert!(
        said.contains("✓ Oppgave") && said.contains("prioritet høy"),
        "the status line says what changed:\n{said}"
    );
    key(&mut ui, KeyCode::Char('b'));
    for c in "Listen ligger hos vakthavende".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    confirm(&mut ui);
    let t = ui.session.task(&i, made.number).unwrap();
    assert_eq!(t.priority, Priority::Høy);
    assert_eq!(t.description, "Listen ligger hos vakthavende");
    assert_eq!(t.due.unwrap().with_timezone(&Local).format("%H:%M").to_string(), "11:45");
    let full = screen(&ui, 120, 30);
    assert!(
        full.contains("Prioritet    høy") && full.contains("Beskrivelse  Listen ligger hos vakthavende"),
        "{full}"
    );
    assert!(
        full.contains("prioritet høy") && full.contains("beskrivelse endret"),
        "its history grew:\n{full}"
    );
    key(&mut ui, KeyCode::Esc); // back to the board
    ui.session.assign_task(&i, 3, Some("kari".into())).unwrap();
    key(&mut ui, KeyCode::Char('m')); // only mine
    let mine = screen(&ui, 120, 30);
    assert!(
        mine.contains("[mine]")
            && mine.contains("Åpne EPS i rådhuset")
            && !mine.contains("Bestille drivstoff")
            && mine.contains("Oppgaver · 1 åpen "),
        "{mine}"
    );
    ui.session.verify(&i).unwrap().unwrap();
}

/// A card whose priority, assignee and deadline on another day leave its title no
/// room on one line in a narrow column gets two lines: the title is never left out.
#[test]
fn a_narrow_card_never_loses_its_title() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.incident(1).unwrap();
    let new = NewTask {
        title: "Bestille drivstoff til aggregatene".into(),
        assignee: Some("teknisk-sjef".into()),
        priority: Priority::Høy,
        due: Some(Utc::now() + chrono::Duration::days(1)),
        ..NewTask::default()
    };
    let (made, _) = s.add_task(&i, new).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let n = ui.workspace_names().iter().position(|w| *w == "oppgaver").expect("the tasks workspace");
    ui.on_key(KeyEvent::new(KeyCode::Char(char::from(b'1' + n as u8)), KeyModifiers::ALT));
    let board = screen(&ui, 80, 24);
    let card = board.lines().find(|l| l.contains(&format!("#{} ", made.number))).expect("the card");
    assert!(card.contains("Bestil"), "the title, if shortened, is on the card:\n{board}");
}

/// The new-report prompt offers the sitrep and names the others; what is typed replaces
/// the offer (not "situasjonsrapportpressemelding"), in either language's words or the
/// start of one; a name that is none is said before any box, with the names there are.
#[test]
fn a_new_report_takes_the_template_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::new(staff_room(&dir), Keymap::builtin(), Theme::builtin(), Lang::En).unwrap();
    key(&mut ui, KeyCode::F(7)); // beredskap: tasks + reports
    key(&mut ui, KeyCode::F(4)); // focus the reports
    key(&mut ui, KeyCode::Char('n'));
    assert!(screen(&ui, 160, 40).contains("Templates: situasjonsrapport, møtereferat, pressemelding"));
    for c in "press release".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    assert!(screen(&ui, 160, 40).contains("Template: pressemelding"), "{}", screen(&ui, 160, 40));
    key(&mut ui, KeyCode::Esc);
    key(&mut ui, KeyCode::Char('n'));
    for c in "rapport".chars() {
        key(&mut ui, KeyCode::Char(c));
    }
    key(&mut ui, KeyCode::Enter);
    let s = screen(&ui, 160, 40);
    assert!(s.contains("No template is called 'rapport'") && !s.contains("New report"), "{s}");
    assert!(ui.session.reports(&incident(&ui)).unwrap().is_empty(), "nothing written");
}

#[test]
fn the_logger_puts_an_entry_on_a_board_with_one_key_and_the_board_shows_what_became_of_it() {
    use sitroom::domain::board::{Audience, NewBoard};
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    let i = s.default_incident().unwrap().unwrap();
    let board =
        |title: &str, incident| NewBoard { title: title.into(), incident, audience: Audience::default() };
    s.create_board(board("Vakttelefoner", None)).unwrap();
    let stab = s.create_board(board("Stab", Some(i.id))).unwrap();
    s.set_figure(&stab, "evakuerte", 36, Some("personer")).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::En).unwrap();
    key(&mut ui, KeyCode::Tab); // to the log list; the newest entry is selected
    let entries = ui.session.entries(&i).unwrap();
    let target = entries.iter().find(|e| e.text.starts_with("Gokstad sykehjem")).unwrap().seq;
    for _ in 0..(entries.last().unwrap().seq - target) {
        key(&mut ui, KeyCode::Up);
    }
    key(&mut ui, KeyCode::Char('b'));
    let asked = screen(&ui, 120, 30);
    assert!(
        asked.contains("Choose a board") && asked.contains("Vakttelefoner") && asked.contains("Stab"),
        "{asked}"
    );
    // The incident's own boards come first.
    key(&mut ui, KeyCode::Enter);
    let shown = screen(&ui, 120, 30);
    assert!(
        shown.contains("Put up on 'Stab'") && shown.contains(&format!("From log entry #{target}")),
        "{shown}"
    );
    assert!(ui.session.notices(&stab).unwrap().is_empty(), "nothing is written before the confirmation");
    confirm(&mut ui);
    let up = ui.session.notices(&stab).unwrap();
    assert_eq!(up.len(), 1);
    assert!(up[0].title.starts_with("Gokstad sykehjem ligger i flomsonen") && up[0].entry.is_some());
    // The entry turns out wrong, and another terminal corrects it: the notice says so.
    let mut other = Session::open(ui.session.store.path(), "kari", vec![]).unwrap();
    let corrects = Some(up[0].entry.unwrap());
    other
        .add_entry(&i, EntryInput { corrects, ..EntryInput::now("Gokstad sykehjem er ikke i flomsonen") })
        .unwrap();
    ui.tick(std::time::Instant::now() + std::time::Duration::from_secs(5));
    show_workspace(&mut ui, "tavler");
    let s = screen(&ui, 120, 30);
    assert!(s.contains("Information boards · Stab") && s.contains("evakuerte 36 personer"), "{s}");
    assert!(s.contains("⚠") && s.contains("Gokstad sykehjem ligger i flomsonen"), "{s}");
    assert!(
        s.contains("⚠ Corrected: Gokstad sykehjem er ikke i flomsonen"),
        "the chosen notice in full: {s}"
    );
}

/// The staff room with two boards: key figures, notices of each priority, one from a
/// log entry since corrected.
fn staff_room_with_boards(dir: &tempfile::TempDir) -> Session {
    use sitroom::domain::board::{Audience, NewBoard, NewNotice};
    let mut s = staff_room(dir);
    let i = s.default_incident().unwrap().unwrap();
    let board =
        |title: &str, incident| NewBoard { title: title.into(), incident, audience: Audience::default() };
    let stab = s.create_board(board("Stab", Some(i.id))).unwrap();
    let phones = s.create_board(board("Vakttelefoner", None)).unwrap();
    for (name, value, unit) in [("evakuerte", 36, "personer"), ("innlagt", 4, ""), ("stengte veier", 3, "")] {
        s.set_figure(&stab, name, value, Some(unit)).unwrap();
    }
    let notice = |title: &str, text: &str, priority| NewNotice {
        title: title.into(),
        text: text.into(),
        priority,
        valid_until: None,
        entry: None,
    };
    s.post_notice(
        &stab,
        notice("Drikkevann: kok vannet", "Gjelder Gokstad og Kamfjord til videre", Priority::Kritisk),
    )
    .unwrap();
    s.post_notice(&stab, notice("Fv 303 stengt ved Gokstad", "Omkjøring via Kamfjord", Priority::Høy))
        .unwrap();
    let entry = s.entries(&i).unwrap().into_iter().find(|e| e.text.starts_with("Gokstad sykehjem")).unwrap();
    s.post_entry(&stab, &entry).unwrap();
    s.add_entry(
        &i,
        EntryInput { corrects: Some(entry.id), ..EntryInput::now("Gokstad sykehjem: 41 beboere") },
    )
    .unwrap();
    s.post_notice(&phones, notice("Vakthavende: Kari Nordmann 900 12 345", "", Priority::Normal)).unwrap();
    s
}

#[test]
fn the_wall_display_at_both_sizes_takes_no_keys_and_says_the_link_is_gone() {
    use sitroom::sync::background::{LinkState, SyncState};
    for lang in [Lang::Nb, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let mut ui =
            Ui::new(staff_room_with_boards(&dir), Keymap::builtin(), Theme::builtin(), lang).unwrap();
        ui.wall(vec![], None).unwrap();
        ui.show_sync(SyncState {
            link: LinkState::Offline { since: utc(9, 29) },
            last_round: Some(utc(9, 29)),
            ..Default::default()
        });
        let l = if lang == Lang::Nb { "nb" } else { "en" };
        for (w, h) in [(80, 24), (200, 60)] {
            let s = screen(&ui, w, h);
            assert!(s.contains("Drikkevann: kok vannet") && s.contains("Vakthavende"), "{s}");
            insta::assert_snapshot!(format!("wall_{w}x{h}_{l}"), s);
        }
        // More notices than fit: the wall turns page by itself.
        if lang == Lang::Nb {
            let i = ui.log().unwrap().incident().clone();
            let stab = ui.session.find_board("Stab", Some(&i)).unwrap();
            for n in 1..=12 {
                let new = sitroom::domain::board::NewNotice {
                    title: format!("Sandsekker levert til adresse {n}"),
                    text: String::new(),
                    priority: Priority::Normal,
                    valid_until: None,
                    entry: None,
                };
                ui.session.post_notice(&stab, new).unwrap();
            }
            // The first tick starts the wall's clocks; the next reads and turns.
            let start = std::time::Instant::now();
            ui.tick(start + std::time::Duration::from_secs(40));
            screen(&ui, 80, 24);
            ui.tick(start + std::time::Duration::from_secs(80));
            let first = screen(&ui, 80, 24);
            assert!(first.contains("Oppslag side ") && first.contains("/3"), "{first}");
            ui.tick(start + std::time::Duration::from_secs(120));
            let second = screen(&ui, 80, 24);
            let page = |s: &str| s.split("Oppslag side ").nth(1).map(|r| r[..1].to_string());
            assert_ne!(page(&first), page(&second), "{second}");
        }
        // Keys that write elsewhere do nothing on a wall.
        let before = ui.session.entries(&ui.log().unwrap().incident().clone()).unwrap().len();
        for code in [KeyCode::Char('n'), KeyCode::Enter, KeyCode::Tab, KeyCode::Char('t'), KeyCode::F(6)] {
            key(&mut ui, code);
        }
        confirm(&mut ui);
        let i = ui.log().unwrap().incident().clone();
        assert_eq!(ui.session.entries(&i).unwrap().len(), before);
        assert!(screen(&ui, 80, 24).contains("evakuerte 36"), "still the wall");
        ctrl(&mut ui, 'q');
        assert!(ui.should_quit());
    }
}

#[test]
fn the_situation_at_a_glance_shows_what_waits_and_jumps_to_each_part_with_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui =
        Ui::new(staff_room_with_boards(&dir), Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let n = ui.workspace_names().iter().position(|w| *w == "situasjonsbilde").expect("the workspace");
    ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
    for _ in 9..n {
        ui.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::ALT));
    }
    let s = screen(&ui, 160, 40);
    for part in [
        "Situasjonsbilde",
        "Hjemmetjenesten ringer alle BST-brukere",
        "Bestille drivstoff",
        "evakuerte 36 personer",
        "Mediefrister innen en time",
        "NRK Vestfold",
        "Ingen godkjent situasjonsrapport ennå",
    ] {
        assert!(s.contains(part), "{part}:\n{s}");
    }
    insta::assert_snapshot!("situation_160x40_nb", s);
    // 3: to the media queue, wherever the workspaces have it.
    key(&mut ui, KeyCode::Char('3'));
    let s = screen(&ui, 160, 40);
    assert!(s.contains("Informasjon") && s.contains("┌▶Mediehenvendelser"), "{s}");
}

/// Show the workspace called `name`, beyond the tenth: Alt-0, then Alt-→ on.
fn show_workspace(ui: &mut Ui, name: &str) {
    let n = ui.workspace_names().iter().position(|w| *w == name).expect("the workspace is the user's");
    assert!(n >= 9, "{name} is one of the first ten: use its key");
    ui.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
    for _ in 9..n {
        ui.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::ALT));
    }
}

fn type_text(ui: &mut Ui, text: &str) {
    for c in text.chars() {
        key(ui, KeyCode::Char(c));
    }
}

/// Messages from the keyboard: an urgent message to the crisis leader is said in the
/// status line; in the messages workspace Ctrl-R says she has read it (a letter never
/// does), `r` answers and `n` writes a new one, each shown before Ctrl-S sends it, and
/// both are logged as outgoing.
#[test]
fn messages_are_read_answered_and_written_from_the_keyboard() {
    use sitroom::domain::message::{Addressees, NewMessage};
    let dir = tempfile::tempdir().unwrap();
    let mut s = staff_room(&dir);
    s.add_user("kari", &[Role::Administrator, Role::Kriseledelse]).unwrap();
    s.add_user("ola", &[Role::Loggforer]).unwrap();
    let mut ola = Session::open(s.store.path(), "ola", vec![]).unwrap();
    let to_kari = Addressees { users: vec!["kari".into()], ..Default::default() };
    let urgent = NewMessage {
        to: to_kari,
        text: "Gokstad sykehjem må evakueres før kl. 12 – trenger beslutning".into(),
        urgent: true,
        copy: None,
        reply_to: None,
    };
    let sent = ola.send_message(urgent, None).unwrap();
    let mut ui = Ui::new(s, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    ui.tick(std::time::Instant::now() + std::time::Duration::from_secs(5));
    let first = screen(&ui, 140, 30);
    assert!(first.contains("HASTEMELDING fra ola: Gokstad sykehjem må evakueres"), "{first}");

    show_workspace(&mut ui, "meldinger");
    let inbox = screen(&ui, 140, 30);
    assert!(inbox.contains("Meldinger · 1") && inbox.contains("1 uleste"), "{inbox}");
    assert!(inbox.contains("● ") && inbox.contains("ola → kari: HASTER Gokstad sykehjem"), "{inbox}");
    assert!(inbox.contains("Ikke lest ennå: kari"), "who has not read it: {inbox}");
    // Letters are commands here, but none of them says she has read it.
    key(&mut ui, KeyCode::Esc);
    assert!(ui.session.store.read_by("kari").unwrap().is_empty());
    ctrl(&mut ui, 'r');
    assert!(ui.session.store.read_by("kari").unwrap().contains(&sent.id));
    let read = screen(&ui, 140, 30);
    assert!(read.contains("merket som lest") && read.contains("Lest av: kari"), "{read}");
    assert!(!read.contains("1 uleste"), "{read}");

    // An answer to the writer: shown first, sent on Ctrl-S, logged as outgoing.
    // (`+sms` first asks for a copy by SMS, as `!` first makes it urgent.)
    key(&mut ui, KeyCode::Char('r'));
    type_text(&mut ui, "+sms Vedtatt: evakuer Gokstad nå");
    key(&mut ui, KeyCode::Enter);
    let asked = screen(&ui, 140, 30);
    assert!(asked.contains("Svar på") && asked.contains("Til: ola"), "{asked}");
    assert!(asked.contains("Kopi som sms") && !asked.contains("+sms Vedtatt"), "{asked}");
    assert_eq!(ui.session.store.messages().unwrap().len(), 1, "nothing is sent before the confirmation");
    confirm(&mut ui);
    let all = ui.session.store.messages().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].reply_to, all[0].thread), (Some(sent.id), sent.id));
    assert_eq!((all[0].copy.as_deref(), all[0].text.as_str()), (Some("sms"), "Vedtatt: evakuer Gokstad nå"));

    // A new message: first whom to (a name not known is said, and asked again), then
    // the text, `!` first making it urgent.
    key(&mut ui, KeyCode::Char('n'));
    type_text(&mut ui, "ukjent person");
    key(&mut ui, KeyCode::Enter);
    let wrong = screen(&ui, 140, 30);
    assert!(wrong.contains("«ukjent person» er ingen bruker, rolle eller organisasjon her"), "{wrong}");
    for _ in 0.."ukjent person".chars().count() {
        key(&mut ui, KeyCode::Backspace);
    }
    // `+sms` among the names asks for a copy by SMS.
    type_text(&mut ui, "loggfører +sms");
    key(&mut ui, KeyCode::Enter);
    let typing = screen(&ui, 140, 30);
    assert!(typing.contains("Tekst (! haster) til loggfører +sms"), "{typing}");
    type_text(&mut ui, "!Møt i stabsrommet kl. 11");
    key(&mut ui, KeyCode::Enter);
    let asked = screen(&ui, 140, 30);
    assert!(asked.contains("Til: loggfører") && asked.contains("HASTER"), "{asked}");
    assert!(asked.contains("Kopi som sms"), "{asked}");
    confirm(&mut ui);
    let newest = ui.session.store.messages().unwrap()[0].clone();
    assert!(newest.urgent && newest.text == "Møt i stabsrommet kl. 11", "{newest:?}");
    assert_eq!(newest.to.roles, [Role::Loggforer]);
    assert_eq!(newest.copy.as_deref(), Some("sms"));
    // Ola has no contact with a phone: the copy is not sent, and the writer sees why.
    let copies = ui.session.store.copies_of(newest.id).unwrap();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(copies[0].person == "ola" && copies[0].note.contains("ingen kontakt"), "{copies:?}");
    key(&mut ui, KeyCode::Up);
    key(&mut ui, KeyCode::Up);
    let shown = screen(&ui, 140, 30);
    assert!(shown.contains("Kopi: 0 levert, 0 venter, 1 ikke levert"), "{shown}");
    assert!(shown.contains("ikke levert: ingen kontakt er knyttet til brukeren ola — ola (sms)"), "{shown}");
    let i = incident(&ui);
    let log: Vec<String> = ui.session.entries(&i).unwrap().into_iter().map(|e| e.text).collect();
    assert!(log.iter().any(|t| t == "> ola: Vedtatt: evakuer Gokstad nå"), "{log:?}");
    assert!(log.iter().any(|t| t == "> loggfører: HASTER: Møt i stabsrommet kl. 11"), "{log:?}");

    // A long message: the line being typed keeps its end in view, and the
    // confirmation shows its keys and says how much of the text it leaves out.
    key(&mut ui, KeyCode::Char('n'));
    type_text(&mut ui, "ola");
    key(&mut ui, KeyCode::Enter);
    let long: String = (0..60).map(|n| format!("Punkt {n}: vannstanden måles hver halvtime. ")).collect();
    type_text(&mut ui, &long);
    type_text(&mut ui, "SLUTT");
    let typing = screen(&ui, 80, 24);
    assert!(typing.contains("SLUTT▏"), "the cursor and what was just typed: {typing}");
    key(&mut ui, KeyCode::Enter);
    let asked = screen(&ui, 80, 24);
    assert!(asked.contains("Ctrl-S") && asked.contains("ikke vist her"), "{asked}");
    confirm(&mut ui);
    let newest = &ui.session.store.messages().unwrap()[0];
    assert!(newest.text.ends_with("SLUTT"), "all of it is sent");
}

//! Benchmarks of preparedness work at the sizes a large municipality has: searching
//! 50,000 contacts as you type (the search alone, and key press to rendered frame in
//! the contacts pane), importing them, and sending an alert to 2,000 recipients (the
//! time until control returns to the user: every recipient and message recorded;
//! delivery runs afterwards). Percentiles first, then criterion's statistics.
//!
//! `cargo bench --bench preparedness` runs it all (release build). Under `cargo test
//! --all-targets` it runs once at a small size, as a smoke test.

mod common;
use common::Stats;
use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sitroom::app::Session;
use sitroom::config::{Channels, Sms};
use sitroom::domain::contact::SearchIndex;
use sitroom::domain::Incident;
use sitroom::i18n::Lang;
use sitroom::store::{NewMember, Who};
use sitroom::tui::keymap::Keymap;
use sitroom::tui::theme::Theme;
use sitroom::tui::ui::Ui;
use std::time::{Duration, Instant};

const GIVEN: &[&str] = &[
    "Kari",
    "Ola",
    "Åse",
    "Per",
    "Ingrid",
    "Øystein",
    "Solveig",
    "Bjørn",
    "Marit",
    "Håkon",
    "Ragnhild",
    "Torbjørn",
    "Sigrid",
    "Æsa",
    "Knut",
    "Liv",
    "Eirik",
    "Gunnhild",
    "Halvor",
    "Tone",
];
const FAMILY: &[&str] = &[
    "Nordmann",
    "Hansen",
    "Ødegård",
    "Johansen",
    "Løvås",
    "Berg",
    "Haugen",
    "Bakke",
    "Åsheim",
    "Strøm",
    "Dahl",
    "Lie",
    "Sætre",
    "Moen",
    "Kvåle",
    "Næss",
    "Hovland",
    "Brække",
    "Fjærli",
    "Grønli",
];
const FUNCTIONS: &[&str] = &[
    "kommunedirektør",
    "beredskapsleder",
    "kommuneoverlege",
    "brannsjef",
    "teknisk sjef",
    "kommunikasjonsrådgiver",
    "enhetsleder hjemmetjenesten",
    "rektor",
    "styrer",
    "IKT-sjef",
];
const ORGS: &[&str] = &[
    "Sandefjord kommune",
    "Vestfold IKS",
    "Sivilforsvaret",
    "Glitre Nett",
    "Telenor",
    "Sykehuset i Vestfold",
];

/// `n` contacts as a CSV file a municipality would export.
fn contacts_csv(n: usize) -> String {
    let mut s = String::from("navn;organisasjon;funksjon;telefon;e-post;grupper\n");
    for i in 0..n {
        let given = GIVEN[i % GIVEN.len()];
        let family = FAMILY[(i / GIVEN.len()) % FAMILY.len()];
        s.push_str(&format!(
            "{given} {family} {i};{};{};9{:07};{}.{}{i}@kommune.no;Gruppe {}\n",
            ORGS[i % ORGS.len()],
            FUNCTIONS[i % FUNCTIONS.len()],
            i,
            given.to_lowercase(),
            i % 7,
            i % 40,
        ));
    }
    s
}

fn session(dir: &std::path::Path) -> (Session, Incident) {
    common::staff::flood_session(dir)
}

/// What a user types into the search, one prefix per key press.
const TYPED: &[&str] =
    &["øystein", "nordmann", "beredskap", "91234", "sandefjord kommune rektor", "ase lovas", "x"];

fn prefixes() -> Vec<String> {
    TYPED
        .iter()
        .flat_map(|w| (1..=w.chars().count()).map(move |n| w.chars().take(n).collect::<String>()))
        .collect()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (contacts, recipients, rounds) = if full { (50_000, 2_000, 30) } else { (500, 50, 2) };
    let dir = tempfile::tempdir().unwrap();
    let (mut s, incident) = session(dir.path());

    let csv = contacts_csv(contacts);
    let t = Instant::now();
    let report = s.import_contacts(csv.as_bytes(), false).unwrap();
    assert_eq!(report.added, contacts);
    println!("{:<40} {contacts} contacts in {:.2?}", "contact import (CSV)", t.elapsed());

    // Search alone, over the index the contacts pane keeps.
    let all = s.contacts().unwrap();
    let t = Instant::now();
    let index = SearchIndex::new(all.iter().map(|c| (c.as_new().folded(), c.name.clone())));
    println!("{:<40} {:.2?}", "build the search index", t.elapsed());
    let mut samples = Vec::new();
    for _ in 0..rounds {
        for p in prefixes() {
            let t = Instant::now();
            std::hint::black_box(index.search(&p, 500));
            samples.push(t.elapsed());
        }
    }
    Stats { name: "contact search per key press", samples }.report();

    // Key press to frame in the contacts pane (planverk workspace, 160×48).
    let types = sitroom::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect();
    let ui_session = Session::open(&dir.path().join("s.db"), "kari", types).unwrap();
    ui_session.set_active(&incident).unwrap();
    let mut ui = Ui::new(ui_session, Keymap::builtin(), Theme::builtin(), Lang::Nb).unwrap();
    let n = ui.workspace_names().iter().position(|w| *w == "planverk").unwrap();
    ui.on_key(KeyEvent::new(KeyCode::Char(char::from(b'1' + n as u8)), KeyModifiers::ALT));
    ui.on_key(KeyEvent::new(KeyCode::F(4), KeyModifiers::NONE));
    ui.on_key(KeyEvent::new(KeyCode::F(4), KeyModifiers::NONE));
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut samples = Vec::new();
    for _ in 0..rounds {
        for w in TYPED {
            for c in w.chars() {
                let t = Instant::now();
                ui.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
                term.draw(|f| ui.render(f, chrono::Local::now())).unwrap();
                samples.push(t.elapsed());
            }
            for _ in w.chars() {
                ui.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
            }
        }
    }
    let screen = format!("{:?}", term.backend().buffer());
    assert!(screen.contains("Kontakter"), "the contacts pane is on screen");
    Stats { name: "contact search key press → frame", samples }.report();

    // An alert to `recipients` people, each in a role of their own so all are alerted
    // at once, each with an SMS and an e-mail queued.
    let members: Vec<NewMember> = all
        .iter()
        .take(recipients)
        .enumerate()
        .map(|(n, c)| NewMember { role: format!("rolle {n}"), contact: Some(c.id), user: None })
        .collect();
    s.create_alert_list("Alle", "storflom", 15).unwrap();
    s.store
        .set_alert_list(
            "Alle",
            Some(&members),
            None,
            Who { author: "kari", device: "pc" },
            chrono::Utc::now(),
        )
        .unwrap();
    s.channels = Channels {
        smtp: Some(sitroom::config::Smtp {
            host: "127.0.0.1".into(),
            port: Some(1),
            security: sitroom::config::Security::None,
            user: None,
            password_env: None,
            from: "b@kommune.no".into(),
        }),
        sms: Some(Sms { command: Some(vec!["true".into()]), url: None, timeout_seconds: None }),
    };
    let mut samples = Vec::new();
    for _ in 0..rounds.min(20) {
        let t = Instant::now();
        let (alert, _) = s
            .send_alert(
                &incident,
                "Alle",
                "Alle møter på rådhuset kl. 14. Svar mottatt, kommer eller kan ikke.",
            )
            .unwrap();
        samples.push(t.elapsed());
        assert_eq!(alert.tally().alerted, recipients, "every recipient recorded");
    }
    Stats { name: "send alert (record all, return)", samples }.report();

    if !full {
        return;
    }
    let mut c =
        Criterion::default().configure_from_args().sample_size(50).measurement_time(Duration::from_secs(3));
    c.bench_function("contact_search_50k_prefix_kar", |b| {
        b.iter(|| std::hint::black_box(index.search("kar", 500)))
    });
    c.bench_function("contact_search_50k_two_words", |b| {
        b.iter(|| std::hint::black_box(index.search("sandefjord rektor", 500)))
    });
    c.final_summary();
}

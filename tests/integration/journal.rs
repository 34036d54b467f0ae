//! The message journal through a real `sitroom serve`: items written on two replicas
//! out of touch with each other get provisional numbers of their own, and after sync
//! one set of numbers, unique and without gaps, the same on both.

use crate::common::server::Server;
use crate::common::Home;
use serde_json::Value;
use std::collections::BTreeMap;

fn journal(h: &Home) -> Vec<Value> {
    let out = h.ok(&["journal", "list", "--json"]);
    serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone()
}

/// Record id → (number, summary).
fn numbers(items: &[Value]) -> BTreeMap<String, (Option<i64>, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["record"].as_str().unwrap().to_string(),
                (i["number"].as_i64(), i["summary"].as_str().unwrap().to_string()),
            )
        })
        .collect()
}

#[test]
fn numbers_given_offline_end_unique_and_gap_free_after_sync() {
    let server = Server::start();
    server.add_org("Gjerdrum kommune");
    server.add_user("kari", "Gjerdrum kommune", &["kriseledelse"]);
    server.add_user("ola", "Gjerdrum kommune", &["loggfører"]);
    let (kari, ola) = (Home::new(), Home::new());
    kari.login(&server.url, "kari");
    ola.login(&server.url, "ola");
    kari.ok(&["incident", "new", "--title", "Kvikkleireskred i Ask", "--type", "annet"]);
    kari.ok(&["sync"]);
    ola.ok(&["sync"]);
    ola.ok(&["incident", "use", "1"]);

    // Both write without reaching the server: messages in and out, an inquiry, and an
    // ordinary entry that is no message.
    kari.ok(&["log", "add", "< NRK Østlandssendingen: spør om antall evakuerte"]);
    kari.ok(&["media", "add", "VG: Hvor mange hus er tatt av raset?"]);
    kari.ok(&["log", "add", "Vannet stiger ikke lenger"]);
    ola.ok(&["log", "add", "> Statsforvalteren: situasjonsrapport 1 sendt"]);
    ola.ok(&["log", "add", "< Politiet: Fv. 120 stengt ved Ask"]);
    for (h, n) in [(&kari, 2), (&ola, 2)] {
        let items = journal(h);
        assert_eq!(items.len(), n, "{items:?}");
        assert!(items.iter().all(|i| i["number"].is_null()), "no number before the server gives one");
        let provisional: Vec<i64> = items.iter().map(|i| i["provisional"].as_i64().unwrap()).collect();
        assert_eq!(provisional, [1, 2], "each replica counts its own");
    }
    let listed = kari.ok(&["journal", "list"]);
    assert!(listed.contains("(1)") && listed.contains("NRK Østlandssendingen"), "{listed}");
    // A message logged late, said two hours ago: it takes the next provisional
    // number, and those given before keep theirs.
    let earlier = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    ola.ok(&["log", "add", "--at", &earlier, "< Lensmannen: veien til Ask er åpen igjen"]);
    let provisional: BTreeMap<String, i64> = journal(&ola)
        .iter()
        .map(|i| (i["summary"].as_str().unwrap().to_string(), i["provisional"].as_i64().unwrap()))
        .collect();
    assert_eq!(provisional["situasjonsrapport 1 sendt"], 1, "{provisional:?}");
    assert_eq!(provisional["Fv. 120 stengt ved Ask"], 2, "{provisional:?}");
    assert_eq!(provisional["veien til Ask er åpen igjen"], 3, "{provisional:?}");

    // Sync both, each twice (what the other wrote comes with the second).
    for _ in 0..2 {
        kari.ok(&["sync"]);
        ola.ok(&["sync"]);
    }
    let (at_kari, at_ola) = (numbers(&journal(&kari)), numbers(&journal(&ola)));
    assert_eq!(at_kari, at_ola, "the same number for the same item on both replicas");
    let mut given: Vec<i64> = at_kari.values().map(|(n, _)| n.expect("every item numbered")).collect();
    given.sort();
    assert_eq!(given, [1, 2, 3, 4, 5], "unique and without gaps: {at_kari:?}");
    let summaries: Vec<&str> = at_kari.values().map(|(_, s)| s.as_str()).collect();
    assert!(!summaries.iter().any(|s| s.contains("Vannet stiger")), "an ordinary entry is no message");

    // Numbers are given once: another round changes none of them.
    kari.ok(&["log", "add", "> NRK Østlandssendingen: 36 evakuerte"]);
    kari.ok(&["sync"]);
    ola.ok(&["sync"]);
    ola.ok(&["sync"]);
    let again = numbers(&journal(&ola));
    for (record, (n, _)) in &at_kari {
        assert_eq!(again[record].0, *n, "a number never changes");
    }
    assert_eq!(again.len(), 6);
    assert!(again.values().any(|(n, s)| *n == Some(6) && s.contains("36 evakuerte")), "{again:?}");

    // For the archive: CSV and PDF.
    let csv = ola.ok(&["journal", "export"]);
    assert!(csv.starts_with("nummer;foreløpig;tid;retning;fra;til;sammendrag"), "{csv}");
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(csv.contains(";ut;") && csv.contains("Statsforvalteren"), "{csv}");
    let pdf = ola.path().join("journal.pdf");
    ola.ok(&["journal", "export", "--format", "pdf", "--out", pdf.to_str().unwrap()]);
    let text = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Meldingsjournal") && text.contains("Politiet"), "{text}");
}

/// A server upgraded from before it numbered the message journal numbers the items it
/// already had when it starts, once, in the order it took them in, and goes on after
/// them: a replica new to the incident gets those numbers.
#[test]
fn a_server_from_before_the_journal_numbers_what_it_already_had() {
    let mut server = Server::start();
    server.add_org("Gjerdrum kommune");
    server.add_user("kari", "Gjerdrum kommune", &["kriseledelse"]);
    let kari = Home::new();
    kari.login(&server.url, "kari");
    kari.ok(&["incident", "new", "--title", "Kvikkleireskred i Ask", "--type", "annet"]);
    kari.ok(&["log", "add", "< NRK Østlandssendingen: spør om antall evakuerte"]);
    kari.ok(&["log", "add", "Vannet stiger ikke lenger"]);
    kari.ok(&["media", "add", "VG: Hvor mange hus er tatt av raset?"]);
    kari.ok(&["sync"]);

    // As a store from before the journal: no numbers given, nothing numbered since.
    server.kill();
    for (sqlite, postgres) in [
        ("DELETE FROM journal", "DELETE FROM journal"),
        ("DELETE FROM meta WHERE key = 'journal_backlog'", "DELETE FROM meta WHERE key = 'journal_backlog'"),
    ] {
        server.sql(sqlite, postgres);
    }
    assert_eq!(server.sql("SELECT count(*) FROM journal", "SELECT count(*) FROM journal"), "0");
    let server = server.another_at(server.url.trim_start_matches("http://"));
    assert_eq!(
        server.sql("SELECT count(*) FROM journal", "SELECT count(*) FROM journal"),
        "2",
        "numbered at start"
    );
    assert_eq!(
        server.sql(
            "SELECT value FROM meta WHERE key = 'journal_backlog'",
            "SELECT value FROM meta WHERE key = 'journal_backlog'"
        ),
        "2",
        "what it numbered is noted, so a start after this one does not look again"
    );

    // What comes after goes on from there; a replica new to it sees one set of numbers.
    kari.ok(&["log", "add", "> Statsforvalteren: situasjonsrapport 1 sendt"]);
    kari.ok(&["sync"]);
    let laptop = Home::new();
    laptop.login(&server.url, "kari");
    laptop.ok(&["sync"]);
    laptop.ok(&["incident", "use", "1"]);
    let got = numbers(&journal(&laptop));
    let mut by_number: Vec<(i64, String)> =
        got.values().map(|(n, s)| (n.expect("numbered"), s.clone())).collect();
    by_number.sort();
    let summaries: Vec<&str> = by_number.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        summaries,
        ["spør om antall evakuerte", "Hvor mange hus er tatt av raset?", "situasjonsrapport 1 sendt"],
        "{by_number:?}"
    );
}

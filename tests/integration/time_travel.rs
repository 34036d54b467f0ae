//! The log, the tasks and the sitrep as they stood at a chosen time, through the CLI.

use crate::common::{incident, Home};
use std::time::Duration;

#[test]
fn history_shows_the_log_tasks_and_sitrep_as_they_stood_then() {
    let h = Home::new();
    incident(&h);
    h.ok(&["log", "add", "Første melding"]);
    h.ok(&["task", "add", "--title", "Sjekk pumpestasjon Bøen"]);
    let stamp = || {
        std::thread::sleep(Duration::from_millis(20));
        let t = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        std::thread::sleep(Duration::from_millis(20));
        t
    };
    let early = stamp();
    h.ok(&["task", "status", "1", "pågår"]);
    h.ok(&["log", "add", "Andre melding"]);
    approved_sitrep_in_open_incident(&h);
    let late = stamp();

    let then: serde_json::Value =
        serde_json::from_str(&h.ok(&["history", "--at", &early, "--json"])).unwrap();
    let log: Vec<&str> =
        then["log"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(log, ["Første melding", "Oppgave 1 opprettet: Sjekk pumpestasjon Bøen"]);
    assert_eq!(then["tasks"][0]["status"], "ny");
    assert!(then["sitrep"].is_null());

    let now: serde_json::Value = serde_json::from_str(&h.ok(&["history", "--at", &late, "--json"])).unwrap();
    assert!(now["log"].as_array().unwrap().iter().any(|e| e["text"] == "Andre melding"));
    assert_eq!(now["tasks"][0]["status"], "pågår");
    assert!(now["sitrep"]["text"].as_str().unwrap().contains("Vannet står 40 cm"));
    let (_, err) = h.fails(&["history", "--at", "i går"]);
    assert!(err.contains("is not a time"), "{err}");
}

fn approved_sitrep_in_open_incident(h: &Home) {
    h.ok(&["report", "new", "--title", "Situasjonsrapport 1"]);
    let f = h.path().join("s.md");
    std::fs::write(&f, "## Situasjon\nVannet står 40 cm over flomvollen.\n").unwrap();
    h.ok(&["report", "edit", "1", "--file", f.to_str().unwrap()]);
    h.ok(&["report", "submit", "1"]);
    h.ok(&["report", "approve", "1"]);
}

/// `history --at` reads as `log list` does (decisions, significant marks, corrections)
/// and gives each task the time it last changed by then, not its present one.
#[test]
fn history_keeps_the_marks_and_the_times_of_then() {
    let h = Home::new();
    incident(&h);
    let stamp = || {
        std::thread::sleep(Duration::from_millis(30));
        let t = chrono::Utc::now();
        std::thread::sleep(Duration::from_millis(30));
        t
    };
    h.ok(&["log", "add", "!Gokstad evakueres"]);
    h.ok(&["log", "add", "--significant", "38 beboere"]);
    h.ok(&["log", "correct", "2", "36 beboere"]);
    h.ok(&["task", "add", "--title", "Sandsekker"]);
    let made = stamp();
    let then = made.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    h.ok(&["task", "status", "1", "pågår"]);
    let text = h.ok(&["--lang", "nb", "history", "--at", &then]);
    assert!(text.contains("BESLUTNING: Gokstad evakueres"), "{text}");
    assert!(
        text.contains("[VESENTLIG]") && text.contains("[rettet i #3]") && text.contains("(retter #2)"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&h.ok(&["history", "--at", &then, "--json"])).unwrap();
    let updated =
        chrono::DateTime::parse_from_rfc3339(json["tasks"][0]["updated_at"].as_str().unwrap()).unwrap();
    assert!(updated <= made, "the task's time then ({updated}), not its change after {made}");
    assert_eq!(json["tasks"][0]["status"], "ny");
}

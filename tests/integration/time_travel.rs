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

//! End to end in a real terminal (tmux): an action card activated during an incident
//! puts its tasks on the board; an alert sent from another sitroom reaches the user at
//! once and is answered with one key; an exercise's injects arrive in the log as the
//! exercise clock runs.

use crate::common::tmux::Tmux;
use crate::common::Home;

fn incident_home(exercise: bool) -> Home {
    let h = Home::new();
    let mut args = vec!["incident", "new", "--title", "Strømbrudd i sentrum", "--type", "strømbrudd"];
    if exercise {
        args.push("--exercise");
    }
    h.ok(&args);
    h
}

#[test]
fn an_action_card_activated_in_the_tui_puts_its_tasks_on_the_board() {
    let h = incident_home(false);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.keys(&["M-8"]); // Mobilisering
    t.wait_for("Tiltakskort");
    t.keys(&["F4"]); // to the cards
    t.keys(&["Down"]); // Bortfall av strøm
    t.wait_for("☐ Kontakt nettselskapet");
    t.keys(&["Enter"]);
    t.wait_for("Aktiver tiltakskortet");
    t.keys(&["C-s"]);
    t.wait_for("aktivert: 10 oppgaver opprettet");
    t.keys(&["F9"]); // Oppgaver
                     // (The card's own checklist names the same items: wait for the board's title.)
    let board = t.wait_for("Oppgaver · 10 åpne");
    assert!(board.contains("Oppgaver 5/15") && board.contains("Start aggregat for"), "{board}");
    t.keys(&["C-q"]);
    t.wait_exit();

    let tasks: serde_json::Value = serde_json::from_str(&h.ok(&["task", "list", "--json"])).unwrap();
    assert_eq!(tasks.as_array().unwrap().len(), 10);
    assert!(h.ok(&["log", "list"]).contains("Tiltakskort «Bortfall av strøm» aktivert"));
}

#[test]
fn an_alert_from_another_sitroom_is_seen_at_once_and_answered_with_one_key() {
    let h = incident_home(false);
    h.ok(&["alert", "list-new", "Stab"]);
    h.ok(&["alert", "member-add", "Stab", "--role", "loggfører", "--app-user", "kari"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    // Another sitroom (here: the CLI) sends the alert.
    h.ok(&["alert", "send", "Stab", "Møt i stabsrommet nå"]);
    t.wait_for("VARSLING fra kari");
    t.keys(&["M-8"]);
    t.wait_for("Svar: 1 mottatt");
    t.keys(&["1"]);
    t.wait_for("Svar: mottatt");
    t.keys(&["C-s"]);
    t.wait_for("1/1 svart");
    let status: serde_json::Value = serde_json::from_str(&h.ok(&["alert", "status", "1", "--json"])).unwrap();
    assert_eq!(status["tally"]["received"], 1);
    t.keys(&["C-q"]);
    t.wait_exit();
}

#[test]
fn exercise_injects_arrive_in_the_log_as_the_clock_runs() {
    let h = incident_home(true);
    let script = h.path().join("dreiebok.txt");
    std::fs::write(&script, "+00:00 [110-sentralen] Strømmen er borte i sentrum\n+00:00:03 [Lede] Feilen er funnet, reparasjon tar 6 timer\n")
        .unwrap();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    h.ok(&["exercise", "start", "--script", script.to_str().unwrap()]);
    t.wait_for("fra 110-sentralen: Strømmen er borte");
    // Three seconds later the TUI itself delivers the next one.
    let s = t.wait_for("Feilen er funnet");
    assert!(s.contains("Innspill +00:00:03 fra Lede"), "{s}");
    t.keys(&["C-q"]);
    t.wait_exit();
    let log = h.ok(&["log", "list"]);
    assert_eq!(log.matches("Feilen er funnet").count(), 1, "delivered once: {log}");
}

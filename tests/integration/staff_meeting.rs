//! A whole staff meeting played in a real terminal (tmux), as a logger and a crisis
//! leader would: entries with every quick mark, a slip of Tab in the middle of a
//! sentence, a correction, a retraction, tasks with deadlines made from entries, a
//! meeting with its agenda, and a sitrep written, submitted and approved. Then the
//! stored records are checked exactly, through the CLI's JSON.

use crate::common::tmux::Tmux;
use crate::common::Home;

/// Type a line and press Enter, then wait until the status line says it was saved.
fn log(t: &Tmux, line: &str, n: usize) {
    t.text(line);
    t.keys(&["Enter"]);
    t.wait_for(&format!("Lagret #{n}"));
}

#[test]
fn a_staff_meeting_from_first_entry_to_approved_sitrep() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom", "--severity", "3"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");

    // Entries with every quick mark: a typed time, a decision, tags, a mention, F3.
    log(&t, "08:02 Kriseledelsen satt. Til stede: ordfører, kommunedirektør #stab", 1);
    log(&t, "08:05 Gokstad sykehjem ligger i flomsonen, 38 beboere #helse", 2);
    log(&t, "!Sykehjemmet forberedes for evakuering innen kl 12:00 @kommuneoverlege #evakuering", 3);
    t.text("Strømbrudd i Andebu, Glitre anslår 3–5 timer #strøm");
    t.keys(&["F3"]);
    t.keys(&["Enter"]);
    t.wait_for("Lagret #4");

    // A slip: Tab in the middle of a sentence, and the sentence typed on into the log.
    t.text("Brannvesenet er ");
    t.keys(&["Tab"]);
    t.text("tiltak iverksatt");
    t.keys(&["Enter"]);
    // The typing went on without a pause: none of it (not 't', which would ask to
    // make a task of the selected entry) is taken as a command; the status line says so.
    t.wait_for("tastene ble ikke brukt");
    t.keys(&["Tab"]); // back to the entry line: the draft waited
    t.text("på stedet ved Gokstad");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #5");

    // A correction of entry 2: 38 → 36.
    t.keys(&["Tab", "Home", "Down"]);
    t.keys(&["c"]);
    t.wait_for("Retter #2");
    t.keys(&["C-u"]);
    t.text("08:05 Gokstad sykehjem ligger i flomsonen, 36 beboere (to er på sykehus) #helse");
    t.keys(&["Enter"]);
    t.wait_for("Blir:");
    t.keys(&["C-s"]);
    t.wait_for("Rettet: #2 → #6");

    // A decision with a deadline becomes a task: @name the assignee, "før 11:45" its deadline.
    log(
        &t,
        "!Beredskapskoordinator skriver sitrep 1, godkjennes før 11:45 @beredskapskoordinator #rapport",
        7,
    );
    t.keys(&["Tab", "End"]);
    t.keys(&["t"]);
    t.wait_for("Frist:"); // 11:45, today or (said after it) tomorrow
    t.keys(&["C-s"]);
    t.wait_for("Oppgave 1 opprettet fra #7");
    // An entry written in the wrong incident by mistake is taken back.
    t.keys(&["Tab"]);
    log(&t, "Feil hendelse: dette gjaldt øvelsen i Larvik", 9);
    t.keys(&["Tab", "End", "DC"]);
    t.wait_for("Trekk tilbake #9");
    t.keys(&["C-s"]);
    t.wait_for("#9 trukket tilbake");

    // A meeting planned and started from the log, an entry under its first item, the
    // next item, and the end, which drafts the minutes.
    t.keys(&["m"]);
    t.wait_for("Nytt møte");
    t.text("Stabsmøte 2; Situasjonen; Evakuering av Gokstad | ordfører, kommuneoverlege");
    t.keys(&["Enter"]);
    t.wait_for("Nytt møte, startes nå");
    t.keys(&["C-s"]);
    t.keys(&["Tab"]);
    t.wait_for("sak 1/2");
    log(&t, "Vannstanden i Lågen steg 40 cm siste 6 timer", 13);
    // "Neste sak", and the decision typed straight after it: F11 asks nothing, so
    // not a letter of the decision is lost.
    t.keys(&["F11"]);
    log(&t, "!Gokstad evakueres nå @kommuneoverlege", 15);
    t.wait_for("sak 2/2");
    t.keys(&["Tab", "M"]);
    t.wait_for("Avslutt møtet og lag referat");
    t.keys(&["C-s"]);
    t.wait_for("referatet er rapport 1");

    // The sitrep: written in the preparedness workspace, submitted, approved.
    t.keys(&["F7", "F4", "n"]);
    t.wait_for("Mal");
    t.keys(&["Enter"]);
    t.wait_for("Ny rapport");
    t.keys(&["C-s"]);
    t.wait_for("Esc lagre og lukk");
    t.text("Lågen flommer over ved Gokstad; 36 beboere evakuert. ");
    t.keys(&["Escape"]);
    t.wait_for("Rapporter");
    t.keys(&["s"]);
    t.wait_for("Sende til godkjenning: rapport 2");
    t.keys(&["C-s"]);
    t.wait_for("til godkjenning");
    t.keys(&["a"]);
    t.wait_for("Godkjent versjon kan ikke endres");
    t.keys(&["C-s"]);
    t.wait_for("v1: godkjent");
    t.keys(&["C-q"]);
    t.wait_exit();

    // What is stored, exactly.
    let e = h.entries();
    let text = |n: usize| e[n - 1]["text"].as_str().unwrap().to_string();
    assert_eq!(text(1), "Kriseledelsen satt. Til stede: ordfører, kommunedirektør #stab");
    assert!(e[0]["reported_at"].as_str().unwrap().contains("T08:02:00"), "the typed time");
    assert_eq!(e[2]["kind"], "decision");
    assert_eq!(e[2]["mentions"], serde_json::json!(["kommuneoverlege"]));
    assert_eq!(e[3]["significant"], true, "F3");
    assert_eq!(text(5), "Brannvesenet er på stedet ved Gokstad", "the slip wrote nothing, lost nothing");
    assert_eq!(e[5]["corrects"], e[1]["id"]);
    assert!(text(6).contains("36 beboere"));
    let retraction = e.iter().find(|x| x["corrects"] == e[8]["id"]).expect("a retraction of #9");
    assert_eq!(retraction["text"], "Feilført – se bort fra");
    let tasks: serde_json::Value = serde_json::from_str(&h.ok(&["task", "list", "--json"])).unwrap();
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 1, "one task, made on purpose: {tasks:?}");
    assert_eq!(tasks[0]["title"], "Beredskapskoordinator skriver sitrep 1, godkjennes før 11:45");
    assert_eq!(tasks[0]["assignee"], "beredskapskoordinator");
    let due = tasks[0]["due"].as_str().unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(due).unwrap().with_timezone(&chrono::Local);
    assert_eq!(due.format("%H:%M").to_string(), "11:45");
    let meetings: serde_json::Value = serde_json::from_str(&h.ok(&["meeting", "list", "--json"])).unwrap();
    assert_eq!(meetings[0]["status"], "avsluttet");
    assert_eq!(meetings[0]["agenda"], serde_json::json!(["Situasjonen", "Evakuering av Gokstad"]));
    let sitrep: serde_json::Value = serde_json::from_str(&h.ok(&["report", "show", "2", "--json"])).unwrap();
    assert_eq!(sitrep["status"], "godkjent");
    assert!(sitrep["text"].as_str().unwrap().contains("36 beboere evakuert"));
    h.ok(&["log", "verify"]);
}

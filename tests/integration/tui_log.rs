//! End to end: the real binary in a real terminal (tmux), typed at with send-keys
//! and read with capture-pane, as a logger would use it. Each test runs its own tmux
//! server on a private socket, so tests run in parallel without meeting.

use crate::common::tmux::{Tmux, WAIT};
use crate::common::Home;
use std::process::Command;
use std::time::{Duration, Instant};

fn flood_home() -> Home {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom", "--severity", "3"]);
    h
}

#[test]
fn typed_norwegian_entries_survive_quit_and_reopen() {
    let h = flood_home();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.text("Vannstanden i Lågen stiger, Bøkeskogen evakueres #flom");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #1");
    t.text("!Ærlig talt: Øyvind på Åsen leder innsatsen @øyvind");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #2");
    t.text("Melding fra 東京 🌊");
    t.keys(&["Enter"]);
    let s = t.wait_for("Lagret #3");
    assert!(s.contains("#1 Flom i Lågen"), "title bar names the incident:\n{s}");
    t.keys(&["C-q"]);
    t.wait_exit();

    let e = h.entries();
    assert_eq!(e.len(), 3);
    assert_eq!(e[0]["text"], "Vannstanden i Lågen stiger, Bøkeskogen evakueres #flom");
    assert_eq!(e[1]["text"], "Ærlig talt: Øyvind på Åsen leder innsatsen @øyvind");
    assert_eq!(e[1]["kind"], "decision");
    assert_eq!(e[2]["text"], "Melding fra 東京 🌊");
    assert_eq!(e[0]["author"], "kari");

    let t = Tmux::new();
    t.start(&h, "--lang en");
    let s = t.wait_for("Øyvind på Åsen");
    assert!(s.contains("Vannstanden i Lågen stiger") && s.contains("東京"), "{s}");
    assert!(s.contains("DECISION:"), "{s}");
}

#[test]
fn draft_and_entries_survive_kill_9() {
    let h = flood_home();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.text("Første melding er lagret");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #1");
    t.text("Halvferdig melding om Høyjord");
    t.wait_for("Halvferdig melding om Høyjord");
    // the draft reaches the database within a second, without Enter
    let start = Instant::now();
    loop {
        let c = rusqlite::Connection::open(h.db()).unwrap();
        let draft: Option<String> = c.query_row("SELECT text FROM drafts", [], |r| r.get(0)).ok();
        if draft.as_deref() == Some("Halvferdig melding om Høyjord") {
            break;
        }
        assert!(start.elapsed() < WAIT, "draft never saved: {draft:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = t.pane_pid();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    t.wait_exit();

    let t = Tmux::new();
    t.start(&h, "--lang nb");
    let s = t.wait_for("Utkast gjenopprettet");
    assert!(s.contains("Halvferdig melding om Høyjord"), "the draft is back in the entry line:\n{s}");
    assert!(s.contains("Første melding er lagret"), "{s}");
    // and it can be finished and committed
    t.text(" – ferdig");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #2");
    assert_eq!(h.entries()[1]["text"], "Halvferdig melding om Høyjord – ferdig");
}

#[test]
fn hangup_saves_the_latest_keystrokes() {
    // An SSH link dropping sends SIGHUP: the draft is saved at once, not lost.
    let h = flood_home();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.text("Linja falt midt i setningen om Åsgårdstrand");
    t.wait_for("Åsgårdstrand");
    let pid = t.pane_pid();
    // the terminal itself goes away, as when sshd loses the client
    t.tmux(&["kill-server"]);
    let proc_dir = format!("/proc/{pid}");
    let start = Instant::now();
    while std::path::Path::new(&proc_dir).exists() {
        assert!(start.elapsed() < WAIT, "sitroom kept running after its terminal went away");
        std::thread::sleep(Duration::from_millis(20));
    }
    let c = rusqlite::Connection::open(h.db()).unwrap();
    let draft: String = c.query_row("SELECT text FROM drafts", [], |r| r.get(0)).unwrap();
    assert_eq!(draft, "Linja falt midt i setningen om Åsgårdstrand");
}

#[test]
fn sigterm_saves_the_draft_and_exits() {
    let h = flood_home();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.text("Avbrutt av systemet");
    t.wait_for("Avbrutt av systemet");
    let pid = t.pane_pid();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    t.wait_exit();
    let c = rusqlite::Connection::open(h.db()).unwrap();
    let draft: String = c.query_row("SELECT text FROM drafts", [], |r| r.get(0)).unwrap();
    assert_eq!(draft, "Avbrutt av systemet");
}

#[test]
fn escape_sequences_in_entries_cannot_touch_the_terminal() {
    let h = flood_home();
    // retitle, clear screen, colour, C1 CSI, full reset, bidi override: all in one entry
    h.ok(&["log", "add", "Før\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mRØD\u{9b}2J\u{1b}c\u{202e}snudd etter"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    let s = t.wait_for("Ny loggføring");
    assert!(s.contains("␛]0;pwned␇␛[2J␛[31mRØD"), "shown neutralised:\n{s}");
    assert!(s.lines().next().unwrap().contains("│ #1 Flom i Lågen"), "title bar intact:\n{s}");
    let title = t.tmux(&["display-message", "-p", "-t", "main", "#{pane_title}"]);
    assert!(!String::from_utf8_lossy(&title.stdout).contains("pwned"), "the terminal was not retitled");

    // pasted text with escape codes goes in as plain text
    t.tmux(&["set-buffer", "Limt inn \u{1b}[2J\u{1b}]0;pwned2\u{7}ferdig"]);
    t.tmux(&["paste-buffer", "-p", "-t", "main"]);
    t.wait_for("Limt inn");
    t.keys(&["Enter"]);
    let s = t.wait_for("Lagret #2");
    assert!(s.lines().next().unwrap().contains("│ #1 Flom i Lågen"), "{s}");
    let stored = h.entries()[1]["text"].as_str().unwrap().to_string();
    assert!(!stored.contains('\u{1b}') && stored.starts_with("Limt inn"), "{stored:?}");
    let title = t.tmux(&["display-message", "-p", "-t", "main", "#{pane_title}"]);
    assert!(!String::from_utf8_lossy(&title.stdout).contains("pwned"));
}

#[test]
fn resize_below_minimum_says_so_and_recovers() {
    let h = flood_home();
    h.ok(&["log", "add", "Kriseledelsen satt"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Kriseledelsen satt");
    t.tmux(&["resize-window", "-t", "main", "-x", "60", "-y", "20"]);
    let s = t.wait_for("for lite");
    assert!(!s.contains("Kriseledelsen"), "{s}");
    t.tmux(&["resize-window", "-t", "main", "-x", "100", "-y", "30"]);
    t.wait_for("Kriseledelsen satt");
}

#[test]
fn entries_written_by_the_cli_appear_in_an_open_tui() {
    let h = flood_home();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.text("Skriver mens noen andre logger");
    h.ok(&["log", "add", "Fra skriptet: vannstand 3,2 m"]);
    let s = t.wait_for("Fra skriptet: vannstand 3,2 m");
    assert!(s.contains("Skriver mens noen andre logger"), "typing is undisturbed:\n{s}");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #2");
    h.ok(&["log", "verify"]);
}

#[test]
fn picker_opens_without_an_active_incident_and_switches() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Strømbrudd Andebu", "--type", "strømbrudd"]);
    h.ok(&["incident", "new", "--title", "Øvelse ekom", "--exercise"]);
    let t = Tmux::new();
    // another user has no active incident and two are open: the picker comes first
    let cmd_home = &h;
    t.start(cmd_home, "--lang nb --user ola");
    t.wait_for("Velg hendelse");
    t.text("strom");
    t.keys(&["Enter"]);
    let s = t.wait_for("#1 Strømbrudd Andebu");
    assert!(!s.contains("ØVELSE"), "{s}");
    t.keys(&["C-o"]);
    t.wait_for("Velg hendelse");
    t.keys(&["BSpace"]);
    t.text("ekom");
    t.keys(&["Enter"]);
    let s = t.wait_for("#2 Øvelse ekom");
    assert!(s.lines().next().unwrap().contains("ØVELSE"), "exercise marked in the title bar:\n{s}");
}

#[test]
fn scrolled_log_matches_a_full_repaint() {
    // The log region is scrolled by escape codes when entries are added; what tmux
    // shows must be exactly what a full repaint (Ctrl-L) shows.
    let h = flood_home();
    let lines: String = (1..=60)
        .map(|n| format!("Eldre melding {n} om Lågen #{}\n", if n % 2 == 0 { "flom" } else { "strøm" }))
        .collect();
    let f = h.path().join("eldre.txt");
    std::fs::write(&f, lines).unwrap();
    h.ok(&["log", "import", f.to_str().unwrap()]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Eldre melding 60");
    for n in 1..=6 {
        let text = if n == 3 {
            "En lang melding som brytes over flere linjer fordi den er lengre enn bredden, med æøå og 東京 🌊 #lang".to_string()
        } else {
            format!("Ny melding nummer {n}")
        };
        t.text(&text);
        t.keys(&["Enter"]);
        t.wait_for(&format!("Lagret #{}", 60 + n));
    }
    let scrolled = t.screen();
    t.keys(&["C-l"]);
    std::thread::sleep(Duration::from_millis(300));
    let repainted = t.screen();
    assert_eq!(scrolled, repainted);
    assert!(scrolled.contains("Ny melding nummer 6") && scrolled.contains("東京"), "{scrolled}");
}

#[test]
fn logger_and_crisis_leader_work_one_task_in_two_terminals() {
    let h = flood_home();
    h.staff();
    h.ok(&["incident", "use", "1"]);

    // the logger types a decision and makes a task of it
    let logger = Tmux::new();
    logger.start(&h, "--lang nb --user lars");
    logger.wait_for("Ny loggføring");
    logger.text("!Skaffe 2000 sandsekker til Bøkeskogen @sivilforsvaret");
    logger.keys(&["Enter"]);
    logger.wait_for("Lagret #1");
    logger.keys(&["Tab"]);
    logger.keys(&["t"]);
    logger.wait_for("Fra loggføring #1"); // what will be written, before it is
    logger.keys(&["C-s"]);
    logger.wait_for("Oppgave 1 opprettet fra #1");

    // the crisis leader, in another terminal, sees it arrive on the board and starts it
    let leader = Tmux::new();
    leader.start(&h, "--lang nb --user åse");
    let s = leader.wait_for("Kriseledelse");
    assert!(s.contains("Skaffe 2000 sandsekker"), "{s}");
    leader.keys(&["F4"]);
    leader.keys(&["]"]);
    leader.wait_for("Endre status");
    leader.keys(&["C-s"]);
    leader.wait_for("✓ Oppgave 1 «");
    leader.wait_for("→ pågår");

    // the logger's log shows the automatic entry within a moment
    let s = logger.wait_for("Oppgave 1 «Skaffe 2000 sandsekker til Bøkeskogen»: ny →");
    assert!(s.contains("åse"), "written by the crisis leader: {s}");

    // a guest sees the task but may not move it
    let guest = Tmux::new();
    guest.start(&h, "--lang nb --user ola");
    guest.wait_for("Oversikt");
    guest.keys(&["F4"]);
    guest.keys(&["]"]);
    guest.wait_for("ola (gjest) har ikke lov til å opprette eller endre oppgaver");
    let t: serde_json::Value = serde_json::from_str(&h.ok(&["task", "list", "--json"])).unwrap();
    assert_eq!(t[0]["status"], "pågår");
    assert_eq!(t[0]["assignee"], "sivilforsvaret");

    // the preparedness officer writes and submits a sitrep; the crisis leader, whose
    // sitrep pane picks it up, approves it there
    h.ok(&["--user", "bjørn", "report", "new"]);
    let f = h.path().join("sitrep.md");
    std::fs::write(
        &f,
        "# Situasjonsrapport 1\n\n## 1. Situasjonsbeskrivelse\nLågen flommer over ved Gokstad.\n",
    )
    .unwrap();
    h.ok(&["--user", "bjørn", "report", "edit", "1", "--file", f.to_str().unwrap()]);
    h.ok(&["--user", "bjørn", "report", "submit", "1"]);
    leader.wait_for("Lågen flommer over ved Gokstad");
    leader.keys(&["F4"]); // from the task board to the sitrep
    leader.keys(&["a"]);
    leader.wait_for("Godkjenne: rapport 1");
    leader.keys(&["C-s"]);
    leader.wait_for("Rapport 1 v1: godkjent");
    let r: serde_json::Value = serde_json::from_str(&h.ok(&["report", "show", "1", "--json"])).unwrap();
    assert_eq!(r["status"], "godkjent");
    assert_eq!(r["approved_by"], "åse");
    h.ok(&["log", "verify"]);
}

#[test]
fn a_report_being_written_survives_the_terminal_going_away() {
    let h = flood_home();
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Ny loggføring");
    t.keys(&["F7"]); // beredskap: tasks + reports
    t.keys(&["F4"]); // focus the reports
    t.keys(&["n"]);
    t.keys(&["Enter"]); // a situasjonsrapport
    t.wait_for("Ny rapport");
    t.keys(&["C-s"]); // the editor opens
    t.wait_for("Esc lagre og lukk");
    t.text("Skrevet over SSH rett før linja falt.");
    t.wait_for("Skrevet over SSH rett før linja falt.");
    let pid = t.pane_pid();
    t.tmux(&["kill-server"]);
    let start = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(start.elapsed() < WAIT, "sitroom kept running");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r: serde_json::Value = serde_json::from_str(&h.ok(&["report", "show", "1", "--json"])).unwrap();
    assert!(r["text"].as_str().unwrap().contains("Skrevet over SSH rett før linja falt."), "{}", r["text"]);
}

/// The TUI asks before it makes a database that is not there; no is no.
#[test]
fn the_tui_asks_before_making_a_database_that_is_not_there() {
    let h = Home::new();
    let t = Tmux::new();
    t.start_with(&h, "SITROOM_CREATE=0", "--lang nb");
    t.wait_for("finnes ikke. Opprette en ny, tom database der? [j/N]");
    t.keys(&["n", "Enter"]);
    t.wait_exit();
    assert!(!h.db().exists(), "no means no");
    let t = Tmux::new();
    t.start_with(&h, "SITROOM_CREATE=0", "--lang nb");
    t.wait_for("[j/N]");
    t.keys(&["j", "Enter"]);
    t.wait_for("Ny hendelse");
    t.keys(&["C-q"]);
    t.wait_exit();
    assert!(h.db().exists());
}

/// A mistake in the user's keymap, theme or workspaces is a warning with file and line,
/// and the shipped file is used: the TUI starts and the logger types, at 3 a.m. too.
#[test]
fn a_bad_keymap_theme_or_workspace_file_is_a_warning_and_the_tui_starts() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen"]);
    std::fs::create_dir_all(h.config_dir().join("themes")).unwrap();
    std::fs::write(h.config_dir().join("keymap.toml"), "[entry]\nconfirm = [\"enter\"]\nlaunch = [\"f5\"]\n")
        .unwrap();
    std::fs::write(h.config_dir().join("themes/mine.toml"), "[styles]\ntag = { fg = \"infrared\" }\n")
        .unwrap();
    std::fs::write(
        h.config_dir().join("workspaces.toml"),
        "[[workspace]]\nname = \"mitt\"\nlayout = { pane = \"kart\" }\n",
    )
    .unwrap();
    let t = Tmux::new();
    t.start(&h, "--lang nb --theme mine");
    let s = t.wait_for("Advarsel (standard brukt)");
    assert!(s.contains("keymap.toml: line 3"), "{s}");
    t.text("Skrevet tross feil i oppsettet");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #1");
    t.keys(&["C-q"]);
    t.wait_exit();
    assert_eq!(h.entries()[0]["text"], "Skrevet tross feil i oppsettet");
    // the CLI says the same on stderr
    let out = h.run(&["--theme", "neon", "--keymap", "emacs", "log", "list"]);
    assert!(out.status.success());
}

/// `y` on the selected entry copies it to the clipboard through the terminal (OSC 52):
/// tmux, with set-clipboard on, takes it into its paste buffer, as a terminal over SSH
/// would put it on the clipboard of the machine the user sits at.
#[test]
fn the_selected_entry_is_copied_through_the_terminal() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen"]);
    h.ok(&["log", "add", "Vannstanden i Lågen steg 40 cm – måling ved Bøen"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    t.wait_for("Ny loggføring");
    t.keys(&["Tab", "y"]);
    t.wait_for("Kopiert");
    let start = std::time::Instant::now();
    loop {
        let buffer = String::from_utf8_lossy(&t.tmux(&["show-buffer"]).stdout).into_owned();
        if buffer.contains("Vannstanden i Lågen steg 40 cm – måling ved Bøen") {
            assert!(buffer.starts_with("#1 "), "{buffer}");
            break;
        }
        assert!(start.elapsed() < WAIT, "the clipboard never got it: {buffer:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["C-q"]);
    t.wait_exit();
}

/// The mouse through a real terminal: the click and wheel reports (SGR, as terminals
/// send them once sitroom asks for them) select an entry and scroll; a click on the
/// entry line goes back to typing. Nothing is written by a click.
#[test]
fn a_click_in_the_terminal_selects_the_entry_under_it() {
    let h = flood_home();
    for n in 1..=3 {
        h.ok(&["log", "add", &format!("Melding {n} fra Brannvesenet")]);
    }
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    let s = t.wait_for("Melding 3 fra");
    let (row, col) = s
        .lines()
        .enumerate()
        .find_map(|(y, l)| l.find("Melding 2 fra").map(|i| (y + 1, l[..i].chars().count() + 1)))
        .unwrap();
    // Press and release of the left button, 1-based column and row.
    t.tmux(&["send-keys", "-t", "main", "-l", &format!("\x1b[<0;{col};{row}M\x1b[<0;{col};{row}m")]);
    t.wait_for("Tab tilbake til skrivelinjen"); // the log has the focus
    t.keys(&["c"]);
    t.wait_for("Retter #2");
    t.keys(&["Escape"]); // the correction abandoned: the entry line has the focus
    t.wait_for("Enter lagre · Alt-Enter");
    t.keys(&["Tab"]);
    let s = t.wait_for("Tab tilbake til skrivelinjen");
    let entry_row = s.lines().position(|l| l.contains("Ny loggføring")).unwrap() + 2;
    t.tmux(&["send-keys", "-t", "main", "-l", &format!("\x1b[<0;10;{entry_row}M")]);
    t.wait_for("Enter lagre · Alt-Enter");
    t.text("Skrevet etter klikket");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #4");
    t.keys(&["C-q"]);
    t.wait_exit();
    let out = h.ok(&["log", "list"]);
    assert_eq!(out.lines().filter(|l| l.contains("Melding") || l.contains("klikket")).count(), 4, "{out}");
}

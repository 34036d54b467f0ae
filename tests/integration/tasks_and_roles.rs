//! Users, roles and tasks through the CLI against real databases: the permission table
//! applied to every write, the task state machine, and the automatic log entries.

use crate::common::Home;

fn flood() -> Home {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    h.ok(&["log", "add", "!Bestille drivstoff til aggregatene @teknisk-sjef #infrastruktur"]);
    h
}

fn tasks(h: &Home) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&h.ok(&["task", "list", "--json"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// A task made from an entry takes its @name as the assignee, reads the deadline the
/// logger wrote ("før 11:45", "innen kl 12", "frist 14:00", "i morgen 08:00"), and
/// leaves tags and names out of the title.
#[test]
fn a_task_from_an_entry_reads_who_and_by_when() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let cases = [
        ("08:31 !Beredskapskoordinator skriver sitrep 1, godkjennes før 11:45 @beredskapskoordinator #rapport", "Beredskapskoordinator skriver sitrep 1, godkjennes før 11:45", Some("beredskapskoordinator"), "2026-11-23T11:45"),
        ("08:40 Ring alle BST-brukere innen kl 12 @hjemmetjenesten", "Ring alle BST-brukere innen kl 12", Some("hjemmetjenesten"), "2026-11-23T12:00"),
        ("08:45 Pressemelding, frist 14:00 #media", "Pressemelding, frist 14:00", None, "2026-11-23T14:00"),
        ("08:50 Nytt møte med NVE i morgen 08:00", "Nytt møte med NVE i morgen 08:00", None, "2026-11-24T08:00"),
        ("18:50 Sandsekker på plass før 07:00 @sivilforsvaret", "Sandsekker på plass før 07:00", Some("sivilforsvaret"), "2026-11-24T07:00"),
    ];
    for (n, (line, title, who, due)) in cases.iter().enumerate() {
        let at = format!("2026-11-23T{}:00Z", &line[..5]);
        h.ok(&["log", "add", "--at", &at, &line[6..]]);
        let seq = h.entries().last().unwrap()["seq"].as_i64().unwrap().to_string();
        h.ok(&["task", "add", "--from", &seq]);
        let t = &tasks(&h)[n];
        assert_eq!(t["title"], *title, "{line}");
        assert_eq!(t["assignee"].as_str(), *who, "{line}");
        assert!(t["due"].as_str().unwrap_or_default().starts_with(due), "{line}: {}", t["due"]);
    }
}

/// `task set` changes a deadline, priority and description, each logged.
#[test]
fn a_tasks_deadline_priority_and_description_change_and_are_logged() {
    let h = flood();
    h.ok(&["task", "add", "Skaffe sandsekker"]);
    h.ok(&[
        "task",
        "set",
        "1",
        "--due",
        "2026-11-23T14:00:00Z",
        "--priority",
        "høy",
        "--description",
        "2000 stk til Bøkeskogen",
    ]);
    let t = &tasks(&h)[0];
    assert_eq!(t["priority"], "høy");
    assert_eq!(t["description"], "2000 stk til Bøkeskogen");
    assert_eq!(t["due"], "2026-11-23T14:00:00.000Z");
    h.ok(&["task", "set", "1", "--no-due"]);
    assert!(tasks(&h)[0]["due"].is_null());
    let log = h.ok(&["log", "list"]);
    assert!(
        log.contains("Oppgave 1 «Skaffe sandsekker»: frist 23.11 14:00")
            && log.contains("prioritet høy")
            && log.contains("uten frist"),
        "{log}"
    );
    let (_, err) = h.fails(&["task", "set", "1", "--priority", "høy"]);
    assert!(err.contains("already"), "{err}");
    h.ok(&["log", "verify"]);
}

#[test]
fn a_task_from_an_entry_is_linked_and_logged() {
    let h = flood();
    assert_eq!(
        h.ok(&["task", "add", "--from", "1", "--priority", "høy", "--due", "2026-11-23T11:00:00Z"]).trim(),
        "1"
    );
    let t = &tasks(&h)[0];
    assert_eq!(t["title"], "Bestille drivstoff til aggregatene", "tags and the @name stand beside it");
    assert_eq!(t["assignee"], "teknisk-sjef", "the @name suggests the assignee");
    assert_eq!(t["priority"], "høy");
    assert_eq!(t["status"], "ny");
    assert_eq!(t["due"], "2026-11-23T11:00:00.000Z");
    let entries = h.entries();
    assert_eq!(t["from_entries"][0], entries[0]["id"]);
    let auto = &entries[1];
    assert_eq!(auto["kind"], "auto");
    assert_eq!(auto["tags"], serde_json::json!(["oppgave"]));
    let text = auto["text"].as_str().unwrap();
    assert!(text.starts_with("Oppgave 1 opprettet: Bestille drivstoff"), "{text}");
    assert!(
        text.contains("ansvarlig: teknisk-sjef")
            && text.contains("prioritet: høy")
            && text.contains("(fra loggføringen ")
            && text.contains(&format!(" av {} («Bestille drivstoff", entries[0]["author"].as_str().unwrap())),
        "{text}"
    );
    h.ok(&["log", "verify"]);
}

#[test]
fn every_change_is_logged_and_the_state_machine_holds() {
    let h = flood();
    h.ok(&["task", "add", "--title", "Ring alle BST-brukere"]);
    h.ok(&["task", "assign", "1", "leder hjemmetjenesten"]);
    h.ok(&["task", "status", "1", "pågår"]);
    h.ok(&["task", "status", "1", "utfort"]);
    let (code, err) = h.fails(&["task", "status", "1", "avbrutt"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot go from done to cancelled"), "{err}");
    let (_, err) = h.fails(&["--lang", "nb", "task", "status", "1", "utført"]);
    assert!(err.contains("kan ikke gå fra utført til utført"), "{err}");
    let (_, err) = h.fails(&["task", "status", "1", "ferdig"]);
    assert!(err.contains("unknown task status") && err.contains("pågår"), "{err}");
    h.ok(&["task", "status", "1", "pågår"]); // reopened
    h.ok(&["task", "assign", "1", "--none"]);
    let texts: Vec<String> = h
        .entries()
        .iter()
        .filter(|e| e["kind"] == "auto")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        texts,
        [
            "Oppgave 1 opprettet: Ring alle BST-brukere",
            "Oppgave 1 «Ring alle BST-brukere» tildelt leder hjemmetjenesten",
            "Oppgave 1 «Ring alle BST-brukere»: ny → pågår",
            "Oppgave 1 «Ring alle BST-brukere»: pågår → utført",
            "Oppgave 1 «Ring alle BST-brukere»: utført → pågår",
            "Oppgave 1 «Ring alle BST-brukere» er ikke lenger tildelt leder hjemmetjenesten",
        ]
    );
    let t = &tasks(&h)[0];
    assert_eq!(t["status"], "pågår");
    assert!(t["assignee"].is_null());
    // a refused change logged nothing and left the chain whole
    h.ok(&["log", "verify"]);
    // filters and text listing
    assert_eq!(h.ok(&["task", "list", "--status", "ny"]).trim(), "");
    assert!(h.ok(&["task", "list", "--status", "pagar"]).contains("Ring alle BST-brukere"));
    let (_, err) = h.fails(&["task", "status", "7", "pågår"]);
    assert!(err.contains("no task 7"), "{err}");
}

#[test]
fn deadlines_stand_out_when_passed() {
    let h = flood();
    h.ok(&["task", "add", "--title", "Gammel", "--due", "2020-01-01T10:00:00Z"]);
    h.ok(&["task", "add", "--title", "Ny", "--due", "2999-01-01T10:00:00Z"]);
    let text = h.ok(&["task", "list"]);
    let old = text.lines().find(|l| l.contains("Gammel")).unwrap();
    let new = text.lines().find(|l| l.contains("Ny")).unwrap();
    assert!(old.contains("OVERDUE") && !new.contains("OVERDUE"), "{text}");
    h.ok(&["task", "status", "1", "utført"]);
    assert!(!h.ok(&["task", "list"]).contains("OVERDUE"), "done tasks are not late");
}

#[test]
fn without_users_everyone_may_act_and_the_first_user_is_an_administrator() {
    let h = flood();
    let (_, err) = h.fails(&["user", "add", "ola", "--role", "gjest"]);
    assert!(err.contains("first user must be an administrator"), "{err}");
    h.ok(&["user", "add", "kari", "--role", "administrator,loggfører"]);
    h.ok(&["user", "add", "ola", "--role", "gjest"]);
    h.ok(&["user", "add", "Åse", "--role", "kriseledelse", "--role", "loggforer"]);
    let users: serde_json::Value = serde_json::from_str(&h.ok(&["user", "list", "--json"])).unwrap();
    let ase = users.as_array().unwrap().iter().find(|u| u["name"] == "Åse").unwrap();
    assert_eq!(ase["roles"], serde_json::json!(["kriseledelse", "loggfører"]));
    let (_, err) = h.fails(&["user", "add", "ola", "--role", "eps"]);
    assert!(err.contains("exists already"), "{err}");
    let (_, err) = h.fails(&["user", "add", "per", "--role", "sjef"]);
    assert!(err.contains("unknown role 'sjef'"), "{err}");
}

#[test]
fn roles_decide_what_each_user_may_do() {
    let h = flood();
    h.staff();

    // a guest writes nothing, and is told which permission is missing
    for args in [
        vec!["log", "add", "hei"],
        vec!["log", "mark", "1"],
        vec!["task", "add", "--title", "x"],
        vec!["incident", "new", "--title", "x"],
        vec!["user", "add", "x", "--role", "gjest"],
    ] {
        let mut full = vec!["--user", "ola"];
        full.extend(args.iter().copied());
        let (code, err) = h.fails(&full);
        assert_eq!(code, 2);
        assert!(err.contains("ola (gjest) may not"), "{full:?}: {err}");
    }
    // …but can read
    assert!(h.ok(&["--user", "ola", "log", "list"]).contains("Bestille drivstoff"));
    // the information officer logs but does not manage tasks
    h.ok(&["--user", "liv", "log", "add", "NRK ringte"]);
    let (_, err) = h.fails(&["--user", "liv", "task", "add", "--title", "x"]);
    assert!(err.contains("create or change tasks") && err.contains("loggfører"), "{err}");
    // the logger records tasks but cannot close the incident
    h.ok(&["--user", "lars", "task", "add", "--title", "Ring BST-brukere"]);
    let (_, err) = h.fails(&["--user", "lars", "incident", "close", "1"]);
    assert!(err.contains("open, close or reopen incidents"), "{err}");
    // someone not registered is refused once users exist
    let (_, err) = h.fails(&["--user", "per", "log", "add", "hei"]);
    assert!(err.contains("per is not a user of this database") && err.contains("user add per"), "{err}");
    // in Norwegian too
    let (_, err) = h.fails(&["--lang", "nb", "--user", "ola", "log", "add", "hei"]);
    assert!(err.contains("ola (gjest) har ikke lov til å skrive i hendelsesloggen"), "{err}");
    // only an administrator changes roles, and the last one stays an administrator
    let (_, err) = h.fails(&["--user", "lars", "user", "roles", "ola", "loggfører"]);
    assert!(err.contains("manage users"), "{err}");
    h.ok(&["user", "roles", "ola", "loggfører"]);
    h.ok(&["--user", "ola", "log", "add", "Nå kan jeg skrive"]);
    let (_, err) = h.fails(&["user", "roles", "kari", "gjest"]);
    assert!(err.contains("last administrator"), "{err}");
}

#[test]
fn the_media_queue_from_the_command_line() {
    let h = flood();
    let n = h.ok(&[
        "media",
        "add",
        "--outlet",
        "NRK Vestfold",
        "--journalist",
        "Kari Hansen",
        "--contact",
        "kari.hansen@nrk.no",
        "--question",
        "Hvor mange evakueres fra Gokstad?",
        "--deadline",
        "2999-01-01T10:00:00Z",
    ]);
    assert_eq!(n.trim(), "1");
    h.ok(&[
        "media",
        "add",
        "--outlet",
        "VG",
        "--question",
        "Er Fv 303 stengt?",
        "--deadline",
        "2020-01-01T10:00:00Z",
    ]);
    h.ok(&[
        "media",
        "add",
        "--outgoing",
        "--outlet",
        "Sandefjords Blad",
        "--question",
        "Pressemelding om EPS",
    ]);
    // by deadline, the passed one first and marked
    let text = h.ok(&["media", "list"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("VG") && lines[0].contains("!!"), "{text}");
    assert!(lines[1].contains("NRK Vestfold (Kari Hansen)"), "{text}");
    assert!(lines[2].contains("→ Sandefjords Blad"), "outgoing marked: {text}");
    h.ok(&["media", "assign", "1", "liv"]);
    h.ok(&["media", "status", "1", "under-arbeid"]);
    h.ok(&["media", "answer", "1", "Det", "er", "36", "beboere."]);
    let list: serde_json::Value = serde_json::from_str(&h.ok(&["media", "list", "--json"])).unwrap();
    let nrk = list.as_array().unwrap().iter().find(|m| m["number"] == 1).unwrap();
    assert_eq!(nrk["status"], "besvart");
    assert_eq!(nrk["answer"], "Det er 36 beboere.");
    assert_eq!(nrk["responsible"], "liv");
    assert_eq!(nrk["contact"], "kari.hansen@nrk.no");
    assert_eq!(nrk["deadline"], "2999-01-01T10:00:00.000Z");
    let (_, err) = h.fails(&["media", "status", "1", "ny"]);
    assert!(err.contains("cannot go from answered to new"), "{err}");
    h.ok(&["media", "status", "1", "avsluttet"]);
    let (_, err) = h.fails(&["media", "answer", "1", "mer"]);
    assert!(err.contains("closed; reopen it first"), "{err}");
    let (_, err) = h.fails(&["media", "add", "--outlet", " ", "--question", "x"]);
    assert!(err.contains("needs the outlet"), "{err}");
    // every change is in the log, tagged #media, and the chain holds
    let autos: Vec<String> = h
        .entries()
        .iter()
        .filter(|e| e["tags"] == serde_json::json!(["media"]))
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(autos.len(), 7, "{autos:?}");
    assert!(
        autos[0].starts_with(
            "Mediehenvendelse 1 (NRK Vestfold) registrert – Kari Hansen: «Hvor mange evakueres fra Gokstad?»"
        ),
        "{}",
        autos[0]
    );
    assert!(autos[2].starts_with("Utgående mediekontakt 3 (Sandefjords Blad) registrert"), "{}", autos[2]);
    assert!(
        autos.contains(&"Mediehenvendelse 1 (NRK Vestfold) besvart: «Det er 36 beboere.»".to_string()),
        "{autos:?}"
    );
    h.ok(&["log", "verify"]);
}

#[test]
fn only_information_roles_work_the_media_queue() {
    let h = flood();
    h.ok(&["user", "add", "kari", "--role", "administrator"]);
    h.ok(&["user", "add", "liv", "--role", "informasjonsmedarbeider"]);
    h.ok(&["user", "add", "lars", "--role", "loggfører"]);
    h.ok(&["--user", "liv", "media", "add", "--outlet", "VG", "--question", "Hvor?"]);
    let (_, err) = h.fails(&["--user", "lars", "media", "answer", "1", "Her"]);
    assert!(
        err.contains("lars (loggfører) may not work the media queue")
            && err.contains("informasjonsmedarbeider"),
        "{err}"
    );
    assert!(h.ok(&["--user", "lars", "media", "list"]).contains("VG"), "but may read it");
}

#[test]
fn task_and_media_take_their_text_as_log_add_does() {
    let h = flood();
    // The text as plain words, as `log add` takes it; --title and --question still work.
    assert_eq!(h.ok(&["task", "add", "Ring", "alle", "BST-brukere", "--assignee", "Åse"]).trim(), "1");
    assert_eq!(h.ok(&["task", "add", "--title", "Åpne EPS i rådhuset"]).trim(), "2");
    let tasks: serde_json::Value = serde_json::from_str(&h.ok(&["task", "list", "--json"])).unwrap();
    assert_eq!(tasks[0]["title"], "Ring alle BST-brukere");
    assert_eq!(tasks[0]["assignee"], "Åse");
    assert_eq!(tasks[1]["title"], "Åpne EPS i rådhuset");
    // "outlet: question", as the TUI's prompt takes it, or --outlet with the question.
    h.ok(&["media", "add", "NRK Vestfold: Hvor mange evakueres?"]);
    h.ok(&["media", "add", "--outlet", "VG", "Hvor", "er", "ordføreren?"]);
    let media: serde_json::Value = serde_json::from_str(&h.ok(&["media", "list", "--json"])).unwrap();
    assert_eq!(
        (media[0]["outlet"].as_str(), media[0]["question"].as_str()),
        (Some("NRK Vestfold"), Some("Hvor mange evakueres?"))
    );
    assert_eq!(
        (media[1]["outlet"].as_str(), media[1]["question"].as_str()),
        (Some("VG"), Some("Hvor er ordføreren?"))
    );
    let (_, err) = h.fails(&["media", "add", "Hvorfor?"]);
    assert!(err.contains("say which outlet asks"), "{err}");
    let (_, err) = h.fails(&["task", "add", "x", "--title", "y"]);
    assert!(err.contains("cannot be used with"), "{err}");
}

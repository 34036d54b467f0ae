//! The CLI against real temp databases: every command, its JSON, and its errors.

use crate::common::Home;

#[test]
fn incident_lifecycle() {
    let h = Home::new();
    assert_eq!(
        h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom", "--severity", "3"]).trim(),
        "1"
    );
    assert_eq!(
        h.ok(&["incident", "new", "--title", "Øvelse Ekom", "--type", "ekom-bortfall", "--exercise"]).trim(),
        "2"
    );
    let list: serde_json::Value = serde_json::from_str(&h.ok(&["incident", "list", "--json"])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["title"], "Flom i Lågen");
    assert_eq!(list[1]["severity"], 3);
    assert_eq!(list[0]["exercise"], true);
    assert_eq!(list[0]["id"].as_str().unwrap().len(), 36);

    h.ok(&["incident", "close", "1"]);
    let text = h.ok(&["incident", "list"]);
    assert!(text.contains("closed") && text.contains("Flom i Lågen"), "{text}");
    let (_, err) = h.fails(&["incident", "close", "1"]);
    assert!(err.contains("already closed"), "{err}");
    let (_, err) = h.fails(&["log", "add", "--incident", "1", "for sent"]);
    assert!(err.contains("closed") && err.contains("reopen"), "{err}");
    h.ok(&["incident", "reopen", "1"]);
    h.ok(&["log", "add", "--incident", "1", "nå går det"]);
}

#[test]
fn log_add_reads_quick_marks_and_times() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Strømbrudd Andebu", "--type", "strømbrudd"]);
    h.ok(&["log", "add", "08:17", "Strømbrudd", "meldt", "#Strøm", "@glitre"]);
    h.ok(&["log", "add", "!Hjemmetjenesten ringer alle BST-brukere @leder-hjemmetjenesten"]);
    h.ok(&["log", "add", "--at", "2026-11-20T07:00:00+01:00", "--significant", "Ved midnatt"]);
    let e = h.entries();
    assert_eq!(e.len(), 3);
    assert_eq!(e[0]["text"], "Strømbrudd meldt #Strøm @glitre");
    assert_eq!(e[0]["tags"], serde_json::json!(["strøm"]));
    assert_eq!(e[0]["mentions"], serde_json::json!(["glitre"]));
    assert!(e[0]["reported_at"].as_str().unwrap().ends_with("T08:17:00.000Z"), "{}", e[0]["reported_at"]);
    assert_eq!(e[1]["kind"], "decision");
    assert_eq!(e[1]["text"], "Hjemmetjenesten ringer alle BST-brukere @leder-hjemmetjenesten");
    assert_eq!(e[2]["reported_at"], "2026-11-20T06:00:00.000Z");
    assert_eq!(e[2]["significant"], true);
    for (i, entry) in e.iter().enumerate() {
        assert_eq!(entry["seq"], i as i64 + 1);
        assert_eq!(entry["author"], "kari");
        assert_eq!(entry["incident"], 1);
        assert!(!entry["device"].as_str().unwrap().is_empty());
        assert!(entry["recorded_at"].as_str().unwrap() >= entry["reported_at"].as_str().unwrap() || i == 0);
    }
    assert_eq!(e[1]["prev_hash"], e[0]["hash"]);
    // --user decides the author
    h.ok(&["--user", "Øystein", "log", "add", "hei"]);
    assert_eq!(h.entries()[3]["author"], "Øystein");
}

#[test]
fn json_has_the_documented_fields() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "x"]);
    let out = h.ok(&["log", "add", "--json", "første"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "id",
        "incident",
        "text",
        "author",
        "device",
        "reported_at",
        "recorded_at",
        "kind",
        "tags",
        "significant",
        "corrects",
        "prev_hash",
        "hash",
    ] {
        assert!(keys.contains(&k), "missing {k} in {keys:?}");
    }
}

/// `log retract` takes back an entry made from a slip: the retraction is its
/// correction, and the task made from it is cancelled.
#[test]
fn a_retraction_voids_the_entry_and_its_task() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    h.ok(&["log", "add", "Skriver"]);
    h.ok(&["task", "add", "--from", "1"]);
    let out = h.ok(&["--lang", "nb", "log", "retract", "1"]);
    assert!(out.contains("Feilført – se bort fra"), "{out}");
    let e = h.entries();
    let retraction = e.iter().find(|x| x["corrects"] == e[0]["id"]).expect("the retraction corrects #1");
    assert_eq!(retraction["text"], "Feilført – se bort fra");
    let t: serde_json::Value = serde_json::from_str(&h.ok(&["task", "list", "--json"])).unwrap();
    assert_eq!(t[0]["status"], "avbrutt", "the task made from it is void");
    h.ok(&["log", "verify"]);
}

#[test]
fn corrections_and_marks_keep_the_original() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    h.ok(&["log", "add", "38 beboere på Gokstad"]);
    h.ok(&["log", "correct", "1", "36 beboere på Gokstad (to er på sykehus)"]);
    h.ok(&["log", "mark", "2"]);
    let e = h.entries();
    assert_eq!(e[0]["text"], "38 beboere på Gokstad", "the original is never changed");
    assert_eq!(e[1]["corrects"], e[0]["id"]);
    assert_eq!(e[1]["significant"], true);
    let text = h.ok(&["--lang", "nb", "log", "list"]);
    assert!(
        text.contains("[rettet i #2]") && text.contains("(retter #1)") && text.contains("[VESENTLIG]"),
        "{text}"
    );
    let text = h.ok(&["log", "list"]);
    assert!(
        text.contains("[corrected in #2]")
            && text.contains("(corrects #1)")
            && text.contains("[SIGNIFICANT]"),
        "{text}"
    );
    h.ok(&["log", "mark", "2", "--off"]);
    assert_eq!(h.entries()[1]["significant"], false);
    // marking does not break the chain
    h.ok(&["log", "verify"]);
    let (_, err) = h.fails(&["log", "correct", "9", "x"]);
    assert!(err.contains("no entry #9"), "{err}");
}

#[test]
fn verify_names_the_first_tampered_entry() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    for t in ["en", "to", "tre", "fire"] {
        h.ok(&["log", "add", t]);
    }
    assert!(h.ok(&["log", "verify"]).contains("intact (4 entries)"));
    let c = rusqlite::Connection::open(h.db()).unwrap();
    c.execute("UPDATE log_entries SET text = 'TO' WHERE seq = 2", []).unwrap();
    drop(c);
    let out = h.run(&["log", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("#2") && text.contains("altered"), "{text}");
    let out = h.run(&["log", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_broken"]["seq"], 2);

    // a deleted entry is found too
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    for t in ["en", "to", "tre"] {
        h.ok(&["log", "add", t]);
    }
    let c = rusqlite::Connection::open(h.db()).unwrap();
    c.execute("DELETE FROM log_entries WHERE seq = 2", []).unwrap();
    drop(c);
    let out = h.run(&["log", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("#3"));
}

#[test]
fn import_is_all_or_nothing_and_idempotent() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    let typed = crate::common::fixture("stabsmote-flom.txt");
    let report = h.ok(&["log", "import", typed.to_str().unwrap()]);
    let added: usize = report.split_whitespace().nth(1).unwrap().parse().unwrap();
    let e = h.entries();
    assert_eq!(e.len(), added);
    let decision = e.iter().find(|x| x["kind"] == "decision").unwrap();
    assert!(!decision["text"].as_str().unwrap().starts_with('!'));

    // the JSON the list prints, imported into another database twice: once only,
    // with ids, texts, authors and times kept
    let export = h.ok(&["log", "list", "--json"]);
    let f = h.path().join("export.jsonl");
    std::fs::write(&f, &export).unwrap();
    let other = Home::new();
    other.ok(&["incident", "new", "--title", "Kopi"]);
    let out = other.ok(&["log", "import", "--json", f.to_str().unwrap()]);
    assert!(out.contains(&format!("\"added\":{added}")), "{out}");
    let out = other.ok(&["log", "import", "--json", f.to_str().unwrap()]);
    assert!(out.contains("\"added\":0"), "{out}");
    other.ok(&["log", "verify"]);
    let copied = other.entries();
    for (a, b) in e.iter().zip(&copied) {
        for k in ["id", "text", "author", "reported_at", "kind", "tags", "significant"] {
            assert_eq!(a[k], b[k], "{k}");
        }
    }
    // the same ids into another incident of the first database: refused, clearly
    h.ok(&["incident", "new", "--title", "Kopi"]);
    let (_, err) = h.fails(&["log", "import", f.to_str().unwrap()]);
    assert!(err.contains("another incident"), "{err}");

    // one bad line: nothing is imported, and the line is named
    let bad = h.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"ok\"}\n{\"text\": \"fine\", \"reported_at\": \"yesterday\"}\n")
        .unwrap();
    let before = h.entries().len();
    let (code, err) = h.fails(&["log", "import", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("line 2") && err.contains("yesterday"), "{err}");
    assert_eq!(h.entries().len(), before);
}

#[test]
fn incident_must_be_named_when_ambiguous() {
    let h = Home::new();
    let (_, err) = h.fails(&["log", "add", "hei"]);
    assert!(err.contains("no incident is open") && err.contains("incident new"), "{err}");
    h.ok(&["incident", "new", "--title", "A"]);
    h.ok(&["incident", "new", "--title", "B"]);
    // the last created is active for kari, but not for ola
    h.ok(&["log", "add", "til B"]);
    assert_eq!(h.entries()[0]["incident"], 2);
    let out = h.cmd().args(["log", "add", "hei"]).env("USER", "ola").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--incident") && err.contains("1, 2") || err.contains("2, 1"), "{err}");
    h.ok(&["incident", "use", "1"]);
    h.ok(&["log", "add", "til A"]);
    assert_eq!(h.ok(&["log", "list", "--incident", "1", "--json"]).lines().count(), 1);
}

#[test]
fn bad_input_gets_clear_errors_not_panics() {
    let h = Home::new();
    let (code, err) = h.fails(&["--frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("--frobnicate"), "{err}");
    let (_, err) = h.fails(&["incident", "new", "--title", "x", "--severity", "9"]);
    assert!(err.contains("severity") || err.contains("9"), "{err}");
    let (_, err) = h.fails(&["incident", "new", "--title", "x", "--type", "tsunami"]);
    assert!(err.contains("unknown incident type") && err.contains("flom"), "{err}");
    let (_, err) = h.fails(&["incident", "new", "--title", "   "]);
    assert!(err.contains("title"), "{err}");
    h.ok(&["incident", "new", "--title", "x"]);
    let (_, err) = h.fails(&["log", "add", "--at", "i går", "hei"]);
    assert!(err.contains("HH:MM"), "{err}");
    let (_, err) = h.fails(&["log", "add", "   "]);
    assert!(err.contains("empty"), "{err}");
    let (_, err) = h.fails(&["log", "list", "--incident", "42"]);
    assert!(err.contains("no incident number 42"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn database_errors_are_explained() {
    let h = Home::new();
    // a file that is not a database
    let txt = h.path().join("notes.txt");
    std::fs::write(&txt, "bare tekst\n".repeat(500)).unwrap();
    let (code, err) = h.fails(&["--db", txt.to_str().unwrap(), "incident", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a sitroom database"), "{err}");
    // another program's SQLite file
    let other = h.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute("CREATE TABLE x(y)", []).unwrap();
    let (_, err) = h.fails(&["--db", other.to_str().unwrap(), "incident", "list"]);
    assert!(err.contains("not a sitroom database"), "{err}");
    // a newer schema
    h.ok(&["incident", "list"]);
    rusqlite::Connection::open(h.db()).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let (_, err) = h.fails(&["incident", "list"]);
    assert!(err.contains("newer sitroom"), "{err}");
    // a location that cannot be written
    let blocker = h.path().join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let (_, err) = h.fails(&["--db", blocker.join("s.db").to_str().unwrap(), "incident", "list"]);
    assert!(err.contains("cannot create the database folder"), "{err}");
    // a corrupt config file: a warning naming file and line, the defaults used, and
    // the command does its work
    std::fs::create_dir_all(h.config_dir()).unwrap();
    std::fs::write(h.config_dir().join("config.toml"), "user = \"kari\"\nlang = \"klingon\"\n").unwrap();
    let fresh = h.path().join("fresh.db");
    let out = h.run(&["--db", fresh.to_str().unwrap(), "incident", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning") && err.contains("config.toml") && err.contains("line 2"), "{err}");
}

#[test]
fn db_flag_env_and_default_location() {
    let h = Home::new();
    let other = h.path().join("nested/deeper/annen.db");
    h.ok(&["--db", other.to_str().unwrap(), "incident", "new", "--title", "x"]);
    assert!(other.exists());
    assert!(!h.db().exists(), "--db wins over SITROOM_DB");
    // without either, the platform data dir under HOME
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"))
        .args(["incident", "new", "--title", "y"])
        .env_remove("SITROOM_DB")
        .env("HOME", h.path())
        .env("XDG_DATA_HOME", h.path().join("data"))
        .env("SITROOM_CONFIG_DIR", h.config_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(h.path().join("data/sitroom/sitroom.db").exists());
}

#[test]
fn text_output_neutralises_escape_codes() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "x"]);
    h.ok(&["log", "add", "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}snudd"]);
    let text = h.ok(&["log", "list"]);
    assert!(
        !text.contains('\u{1b}')
            && !text.contains('\u{7}')
            && !text.contains('\u{9b}')
            && !text.contains('\u{202e}')
    );
    assert!(text.contains("␛]0;pwned␇␛[2J"), "{text}");
    // the stored text is unchanged: neutralising is for display only
    assert!(h.entries()[0]["text"].as_str().unwrap().contains('\u{1b}'));
}

#[test]
fn norwegian_text_is_stored_as_nfc() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "x"]);
    h.ok(&["log", "add", "Ga\u{30a}rd og Bo\u{308}"]);
    assert_eq!(h.entries()[0]["text"], "Gård og Bö");
}

#[test]
fn read_only_location_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let h = Home::new();
    let dir = h.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("s.db");
    h.ok(&["--db", db.to_str().unwrap(), "incident", "new", "--title", "x"]);
    let mode = |p: &std::path::Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
    };
    mode(h.path(), 0o755);
    mode(&db, 0o444);
    mode(&dir, 0o555);
    for f in ["s.db-wal", "s.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    // Root ignores permissions: then run as `nobody`, as a real user would be.
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    // a copy of the binary where `nobody` can reach it, wherever the checkout lives
    let bin = h.path().join("sitroom");
    std::fs::copy(env!("CARGO_BIN_EXE_sitroom"), &bin).unwrap();
    mode(&bin, 0o755);
    let run = |path: &std::path::Path| {
        let mut c = if is_root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "nobody", "--"]).arg(&bin);
            c
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"))
        };
        c.args(["--db", path.to_str().unwrap(), "--create", "incident", "list"])
            .env("SITROOM_CONFIG_DIR", h.path().join("nocfg"));
        c.output().unwrap()
    };
    for (path, expect) in [
        (db.clone(), "read-only"),
        (dir.join("new.db"), "read-only"),
        (dir.join("sub/new.db"), "cannot create the database folder"),
    ] {
        let out = run(&path);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path:?}: {err}");
        assert!(err.contains(expect) && !err.contains("panicked"), "{path:?}: {err}");
    }
    mode(&dir, 0o755);
}

#[test]
fn everyday_messages_speak_the_users_language() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    h.ok(&["incident", "close", "1"]);
    let (_, err) = h.fails(&["--lang", "nb", "log", "add", "--incident", "1", "hei"]);
    assert!(err.contains("hendelse 1 er avsluttet; gjenåpne den"), "{err}");
    let (_, err) = h.fails(&["log", "add", "--incident", "1", "hei"]);
    assert!(err.contains("incident 1 is closed"), "{err}");
    let (_, err) = h.fails(&["--lang", "nb", "incident", "new", "--title", " "]);
    assert!(err.contains("en hendelse må ha en tittel"), "{err}");
    h.ok(&["incident", "reopen", "1"]);
    let (_, err) = h.fails(&["--lang", "nb", "task", "add", "--title", " "]);
    assert!(err.contains("en oppgave må ha en tittel"), "{err}");
    let (_, err) = h.fails(&["--lang", "nb", "report", "new", "--template", "dikt"]);
    assert!(err.contains("ukjent mal «dikt»"), "{err}");
}

#[test]
fn completions_and_man_pages_come_from_the_commands() {
    let h = Home::new();
    let bash = h.ok(&["completions", "bash"]);
    // Every command group is offered, and bash accepts the script.
    for group in ["incident", "log", "task", "media", "report", "alert", "archive", "sync"] {
        assert!(bash.contains(group), "{group} is completed");
    }
    let script = h.path().join("sitroom.bash");
    std::fs::write(&script, &bash).unwrap();
    let check = std::process::Command::new("bash").arg("-n").arg(&script).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(h.ok(&["completions", "fish"]).contains("complete -c sitroom"));
    let man = h.ok(&["man"]);
    assert!(man.starts_with(".ie") && man.contains(".TH sitroom 1"), "{}", &man[..200.min(man.len())]);
    let dir = h.path().join("man");
    h.ok(&["man", "--out", dir.to_str().unwrap()]);
    let page = std::fs::read_to_string(dir.join("sitroom-log-add.1")).unwrap();
    assert!(page.contains("quick marks"), "the page says what `log add` does");
    // Neither needs a database: none was made.
    assert!(!h.db().exists());
}

#[test]
fn long_imports_show_progress_on_a_terminal_and_nothing_in_scripts() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom"]);
    let lines = crate::common::staff_meeting_lines();
    let big: String = (0..20_000).map(|i| format!("{} (melding {i})\n", lines[i % lines.len()])).collect();
    let file = h.path().join("big.txt");
    std::fs::write(&file, big).unwrap();
    // Through a pipe, as a script runs it: the result on stdout, nothing on stderr.
    let piped = h.run(&["log", "import", file.to_str().unwrap()]);
    assert!(piped.status.success());
    assert!(piped.stderr.is_empty(), "{}", String::from_utf8_lossy(&piped.stderr));
    // On a terminal (a pty from `script`): the bar says what it is doing.
    let other = h.path().join("other.txt");
    std::fs::write(&other, std::fs::read_to_string(&file).unwrap().replace("melding", "linje")).unwrap();
    let sitroom = env!("CARGO_BIN_EXE_sitroom");
    let shown = crate::common::tool("script", "bsdutils")
        .args(["-q", "-e", "-c", &format!("{sitroom} --lang en log import {}", other.display()), "/dev/null"])
        .env("SITROOM_DB", h.db())
        .env("SITROOM_CONFIG_DIR", h.config_dir())
        .env("USER", "kari")
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{seen}");
    assert!(seen.contains("Reading entries") || seen.contains("Writing to the log"), "{seen}");
    assert!(seen.contains("imported 20000 entries"), "{seen}");
    // --json on a terminal: still only the JSON.
    let third = h.path().join("third.txt");
    std::fs::write(&third, std::fs::read_to_string(&file).unwrap().replace("melding", "punkt")).unwrap();
    let json = crate::common::tool("script", "bsdutils")
        .args(["-q", "-e", "-c", &format!("{sitroom} --json log import {}", third.display()), "/dev/null"])
        .env("SITROOM_DB", h.db())
        .env("SITROOM_CONFIG_DIR", h.config_dir())
        .env("USER", "kari")
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&json.stdout);
    assert!(!seen.contains("Reading entries") && !seen.contains("Leser"), "{seen}");
    assert!(seen.contains("\"added\":20000"), "{seen}");
}

/// A database named with --db (or SITROOM_DB) that is not there is refused by a
/// command, saying how to make it: a typo must not start an empty log in a new folder.
#[test]
fn a_database_that_is_not_there_is_refused_without_create() {
    let h = Home::new();
    let missing = h.path().join("nye/mapper/x.db");
    let run = |extra: &[&str], lang: &str| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"));
        c.env_remove("SITROOM_CREATE").env("SITROOM_CONFIG_DIR", h.path().join("cfg")).env("USER", "kari");
        c.args(["--lang", lang, "--db", missing.to_str().unwrap()]).args(extra).args(["incident", "list"]);
        c.output().unwrap()
    };
    let out = run(&[], "nb");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("finnes ikke") && err.contains("--create"), "{err}");
    assert!(!h.path().join("nye").exists(), "no folders made");
    let out = run(&[], "en");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist; give --create"));
    let out = run(&["--create"], "en");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(missing.exists(), "made when asked");
    let out = run(&[], "en");
    assert!(out.status.success(), "there now: no question");
}

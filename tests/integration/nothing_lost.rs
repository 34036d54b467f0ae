//! Nothing lost from view, nothing twice: the TUI shows every entry in the database
//! whoever wrote it, a typed-line import can be repeated, a broken CSV row costs one
//! named row, and two processes creating one database at once both succeed.

use crate::common::tmux::{Tmux, WAIT};
use crate::common::Home;
use std::time::{Duration, Instant};

#[test]
fn the_tui_shows_entries_written_by_others_just_before_its_own() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let t = Tmux::new();
    t.start(&h, "--lang nb");
    t.wait_for("Hendelseslogg");
    let rounds = 8;
    for k in 1..=rounds {
        // The logger is typing; a CLI command (a script, an e-mail import) writes an
        // entry; the logger presses Enter a moment later.
        t.text(&format!("Fra stabsrommet {k}"));
        t.wait_for(&format!("Fra stabsrommet {k}"));
        h.ok(&["log", "add", &format!("Fra skriptet {k}")]);
        t.keys(&["Enter"]);
        t.wait_for(&format!("#{}", 2 * k));
    }
    let stored = h.entries().len();
    assert_eq!(stored, 2 * rounds);
    let start = Instant::now();
    loop {
        let screen = t.screen();
        if screen.contains(&format!("Hendelseslogg · {stored} ")) {
            for k in rounds - 2..=rounds {
                assert!(
                    screen.contains(&format!("Fra skriptet {k}")),
                    "entry {k} from the CLI is shown:\n{screen}"
                );
            }
            break;
        }
        assert!(start.elapsed() < WAIT, "the view must hold all {stored} stored entries:\n{screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["C-q"]);
}

#[test]
fn a_typed_log_imported_twice_is_there_once() {
    let h = Home::new();
    h.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    let file = h.path().join("referat.txt");
    let lines = crate::common::staff_meeting_lines();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let first = h.ok(&["log", "import", file.to_str().unwrap()]);
    assert!(first.contains(&format!("imported {}", lines.len())), "{first}");
    // Killed after the commit, before it said so: the user runs it again.
    let again = h.ok(&["log", "import", file.to_str().unwrap()]);
    assert!(
        again.contains("imported 0") && again.contains(&format!("{} already in the log", lines.len())),
        "{again}"
    );
    assert_eq!(h.entries().len(), lines.len());
    // Another file that begins the same way is another import: its lines are new.
    let other = h.path().join("neste.txt");
    std::fs::write(&other, format!("{}\nEn linje til", lines[0])).unwrap();
    let more = h.ok(&["log", "import", other.to_str().unwrap()]);
    assert!(more.contains("imported 2"), "{more}");
    let verify = h.ok(&["log", "verify"]);
    assert!(verify.contains("intact") || verify.contains("intakt"), "{verify}");
}

#[test]
fn an_unclosed_quote_in_a_csv_import_costs_one_named_row() {
    let h = Home::new();
    let mut data = String::from("navn,organisasjon,telefon\n");
    for i in 1..=5000 {
        if i == 2501 {
            data.push_str("\"Berg, Liv,Sandefjord kommune,912 00 000\n");
        } else {
            data.push_str(&format!("Person {i},Sandefjord kommune,9{i:07}\n"));
        }
    }
    let file = h.path().join("kontakter.csv");
    std::fs::write(&file, data).unwrap();
    let out = h.run(&["contact", "import", file.to_str().unwrap(), "--skip-bad"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("4999 added"), "{text}");
    assert!(
        text.contains("1 rejected") && text.contains("2502"),
        "the broken row is named by its line: {text}"
    );
    let list = h.ok(&["contact", "list", "--json"]);
    assert!(list.contains("Person 5000"), "the rows after the broken one are there");
}

#[test]
fn two_processes_creating_one_database_at_once_both_succeed() {
    for trial in 0..20 {
        let h = Home::new();
        let children: Vec<_> = (0..2)
            .map(|i| {
                h.cmd()
                    .args(["incident", "new", "--title", &format!("Prøve {trial}.{i}"), "--type", "flom"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "trial {trial}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let list = h.ok(&["incident", "list", "--json"]);
        assert_eq!(list.matches("Prøve").count(), 2, "trial {trial}: {list}");
    }
}

mod signed_history {
    use crate::common::server::Server;
    use crate::common::Home;
    use serde_json::Value;

    fn two_replicas() -> (Server, Home, Home) {
        let server = Server::start();
        server.add_org("Sandefjord kommune");
        server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
        server.add_user("ola", "Sandefjord kommune", &["loggfører"]);
        let (kari, ola) = (Home::new(), Home::new());
        kari.login(&server.url, "kari");
        ola.login(&server.url, "ola");
        kari.ok(&["incident", "new", "--title", "Storm i Sandefjord", "--type", "strømbrudd"]);
        for text in
            ["Strømmen er borte i Vesterøya", "Aggregat bestilt til sykehjemmet", "Skolene holder stengt"]
        {
            kari.ok(&["log", "add", text]);
        }
        kari.ok(&["sync"]);
        ola.ok(&["sync"]);
        ola.ok(&["incident", "use", "1"]);
        for text in [
            "Ola: veien til Helgerød er stengt",
            "Ola: Statnett melder feil i Hjertnes",
            "Ola: brannvesenet på stedet",
        ] {
            ola.ok(&["log", "add", text]);
        }
        ola.ok(&["sync"]);
        kari.ok(&["sync"]);
        (server, kari, ola)
    }

    fn sql(h: &Home, statement: &str) {
        let db = rusqlite::Connection::open(h.db()).unwrap();
        db.execute_batch(statement).unwrap();
    }

    /// Rewrite the newest entry with new text and its hash recomputed, as someone with
    /// the file and the knowledge of the chain would.
    fn rewrite_newest(h: &Home) {
        let store = sitroom::store::Store::open(&h.db()).unwrap();
        let incident = store.incident_by_number(1).unwrap();
        let mut last = store.entries(&incident).unwrap().pop().unwrap();
        last.text = "Alt er normalt".into();
        let hash = last.hash_input(incident.id).hash();
        drop(store);
        let db = rusqlite::Connection::open(h.db()).unwrap();
        db.execute(
            "UPDATE log_entries SET text = ?1, folded = ?1, hash = ?2 WHERE id = ?3",
            rusqlite::params![last.text, hash, last.id.to_string()],
        )
        .unwrap();
    }

    #[test]
    fn the_newest_entry_is_covered_by_a_countersigned_checkpoint() {
        let (_server, kari, ola) = two_replicas();
        for h in [&kari, &ola] {
            let v = h.ok(&["log", "verify"]);
            assert!(v.contains("intact"), "{v}");
            assert_eq!(v.matches("countersigned by the server); 0 newer not yet signed").count(), 2, "{v}");
        }
        let json: Value = serde_json::from_str(&kari.ok(&["log", "verify", "--json"])).unwrap();
        assert_eq!(json["signed"].as_array().unwrap().len(), 2, "{json}");

        // Removing the newest entry is found: the signature names it.
        sql(&kari, "DELETE FROM log_entries WHERE seq = (SELECT max(seq) FROM log_entries)");
        let out = kari.run(&["log", "verify"]);
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("SIGNATURES DO NOT HOLD") && text.contains("removed"), "{text}");

        // So is rewriting it with its hash made again.
        rewrite_newest(&ola);
        let out = ola.run(&["log", "verify"]);
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("altered or replaced"), "{text}");
    }

    fn read_bundle(path: &std::path::Path) -> Value {
        let raw = zstd::decode_all(std::fs::File::open(path).unwrap()).unwrap();
        serde_json::from_slice(&raw).unwrap()
    }

    fn write_bundle(path: &std::path::Path, v: &Value) {
        let _ = std::fs::remove_file(path);
        std::fs::write(path, zstd::encode_all(v.to_string().as_bytes(), 3).unwrap()).unwrap();
    }

    #[test]
    fn an_altered_bundle_is_refused_whole_and_the_genuine_one_then_imports() {
        let (_server, kari, ola) = two_replicas();
        let file = kari.path().join("usb.bundle");
        kari.ok(&["bundle", "export", file.to_str().unwrap()]);
        let genuine = read_bundle(&file);
        let ops = genuine["ops"].as_array().unwrap();
        let texts: Vec<(usize, String)> = ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o["k"] == "log_entry")
            .map(|(i, o)| (i, o["f"]["text"].as_str().unwrap_or_default().to_string()))
            .collect();
        let (karis_first, _) = texts.iter().find(|(_, t)| t.starts_with("Strømmen")).unwrap().clone();
        let (olas_middle, _) = texts.iter().find(|(_, t)| t.contains("Statnett")).unwrap().clone();
        let (olas_last, _) = texts.iter().find(|(_, t)| t.contains("brannvesenet")).unwrap().clone();
        let bad = kari.path().join("altered.bundle");
        for (at, why) in [
            (karis_first, "does not follow"),
            (olas_middle, "does not follow"),
            (olas_last, "altered or replaced"),
        ] {
            let mut altered = genuine.clone();
            altered["ops"][at]["f"]["text"] = "Alt er normalt".into();
            write_bundle(&bad, &altered);
            // The writer's seal over the whole bundle no longer holds.
            let fresh = Home::new();
            let (_, err) = fresh.fails(&["bundle", "import", bad.to_str().unwrap()]);
            assert!(err.contains("altered") && err.contains("writer's signature"), "{err}");
            // Sealed again under another key, it is not vouched for by the server a
            // signed-in replica knows…
            let mut b: sitroom::sync::bundle::Bundle = serde_json::from_value(altered).unwrap();
            let forger = sitroom::keys::SigningKey::generate();
            b.keys.insert(b.origin.clone(), forger.public());
            for op in b.ops.iter_mut().filter(|o| !o.sig.is_empty()) {
                op.sig = forger.sign(&op.signed_bytes());
            }
            use sitroom::keys::{Sealed, Sealer};
            let sealer = Sealer {
                key: forger,
                replica: b.origin.clone(),
                org: b.seal.org.clone(),
                certificate: b.seal.certificate.clone(),
            };
            b.sign(&sealer);
            write_bundle(&bad, &serde_json::to_value(&b).unwrap());
            let (_, err) = ola.fails(&["bundle", "import", bad.to_str().unwrap()]);
            assert!(err.contains("not vouched for"), "{err}");
            // …and even taken unverified, what is inside gives it away.
            let (_, err) = fresh.fails(&["bundle", "import", "--unverified", bad.to_str().unwrap()]);
            assert!(err.contains("altered") && err.contains(why), "{why}: {err}");
            assert!(fresh.ok(&["incident", "list", "--json"]).trim() == "[]", "nothing of it was kept");
            fresh.ok(&["bundle", "import", file.to_str().unwrap()]);
            fresh.ok(&["incident", "use", "1"]);
            assert_eq!(fresh.entries().len(), 6);
            assert!(fresh.ok(&["log", "verify"]).contains("intact"));
        }
    }
}

mod signed_archive {
    use crate::common::server::Server;
    use crate::common::Home;
    use serde_json::Value;

    #[test]
    fn an_archive_rewritten_with_its_manifest_recomputed_is_still_found_out() {
        let server = Server::start();
        server.add_org("Sandefjord kommune");
        server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
        let kari = Home::new();
        kari.login(&server.url, "kari");
        kari.ok(&["incident", "new", "--title", "Storm i Sandefjord", "--type", "strømbrudd"]);
        for text in ["Strømmen er borte i Vesterøya", "Aggregat bestilt", "Skolene holder stengt"] {
            kari.ok(&["log", "add", text]);
        }
        kari.ok(&["sync"]);
        let dir = kari.path().join("arkiv");
        kari.ok(&["archive", "export", "--out", dir.to_str().unwrap()]);
        let ok = kari.ok(&["archive", "verify", dir.to_str().unwrap()]);
        assert!(ok.contains("intact") && ok.contains("1 chain(s) signed"), "{ok}");

        // The newest entry rewritten in record.json, its hash made again, and the
        // manifest's checksum of the file made again too.
        let record_path = dir.join("record.json");
        let mut record: Value = serde_json::from_slice(&std::fs::read(&record_path).unwrap()).unwrap();
        let incident = uuid::Uuid::parse_str(record["incident"]["id"].as_str().unwrap()).unwrap();
        let log = record["log"].as_array_mut().unwrap();
        let last = log.iter_mut().rev().find(|e| e["text"] == "Skolene holder stengt").unwrap();
        last["text"] = "Skolene er åpne".into();
        let mut entry: sitroom::domain::LogEntry = serde_json::from_value(last.clone()).unwrap();
        entry.hash = entry.hash_input(incident).hash();
        *last = serde_json::to_value(&entry).unwrap();
        let bytes = serde_json::to_vec(&record).unwrap();
        std::fs::write(&record_path, &bytes).unwrap();
        let manifest_path = dir.join("manifest.json");
        let mut manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
        for f in manifest["files"].as_array_mut().unwrap() {
            if f["path"] == "record.json" {
                f["sha256"] = sitroom::text::sha256_hex(&bytes).into();
                f["bytes"] = bytes.len().into();
            }
        }
        for h in manifest["chain_heads"].as_array_mut().unwrap() {
            h["hash"] = entry.hash.clone().into();
        }
        std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
        let out = kari.run(&["archive", "verify", dir.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{text}");
        assert!(text.contains("does not match its writer's signature"), "{text}");
        assert!(text.contains("altered or replaced"), "the signed head gives it away too: {text}");
    }
}

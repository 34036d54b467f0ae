//! The archive through the real binary: export, verify that finds any change,
//! continuous journalføring, and the server journaling what its clients send.

use crate::common::server::Server;
use crate::common::{busy_incident, copy_dir, incident, Home};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn verify(h: &Home, dir: &Path) -> (i32, String) {
    let out = h.run(&["archive", "verify", dir.to_str().unwrap()]);
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn an_archive_export_holds_the_record_and_verify_finds_any_change() {
    let h = Home::new();
    busy_incident(&h);
    let dir = h.path().join("arkiv");
    let said = h.ok(&["archive", "export", "--out", dir.to_str().unwrap()]);
    assert!(said.contains("loggføringer"), "{said}");
    for f in ["manifest.json", "record.json", "record.html", "record.txt", "documents.json"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let html = std::fs::read_to_string(dir.join("record.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"));
    assert!(!html.contains('\u{1b}'), "terminal escapes are neutralised");
    for expected in [
        "BESLUTNING: Vi evakuerer Åsgårdstrand skole",
        "Sjekk pumpestasjon Bøen",
        "212 elever er på Ødegården.",
        "Vannet står 40 cm over flomvollen.",
        "Godkjent av kari",
    ] {
        assert!(html.contains(expected), "record.html lacks {expected:?}");
    }
    let text = std::fs::read_to_string(dir.join("record.txt")).unwrap();
    assert!(text.contains("BESLUTNINGER (1)") && text.contains("Sandefjords Blad"));
    // The attachment, and the archivist's registry in Noark terms.
    let attachment = std::fs::read_dir(dir.join("vedlegg")).unwrap().next().unwrap().unwrap();
    assert!(attachment.file_name().to_string_lossy().ends_with("oversikt-ødegården.pdf"));
    let docs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("documents.json")).unwrap()).unwrap();
    let types: Vec<&str> =
        docs.as_array().unwrap().iter().map(|d| d["document_type"].as_str().unwrap()).collect();
    for t in ["Beslutning", "E-post", "Situasjonsrapport", "Mediehenvendelse", "Oppgave"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    // The manifest names the head of the log's chain, and the log anchors the manifest.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let entries = h.entries();
    let exported = &entries[entries.len() - 2];
    assert_eq!(manifest["chain_heads"][0]["hash"], exported["hash"]);
    assert!(entries.last().unwrap()["text"].as_str().unwrap().starts_with("Hendelsen arkivert"));

    assert_eq!(verify(&h, &dir), (0, verify(&h, &dir).1));
    assert!(verify(&h, &dir).1.contains("intact"));
    // On a machine with no database: checked all the same, and no database made.
    let elsewhere = h.path().join("elsewhere.db");
    let out = h
        .cmd()
        .env_remove("SITROOM_CREATE")
        .args(["--db", elsewhere.to_str().unwrap(), "archive", "verify", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("intact"), "{out:?}");
    assert!(!elsewhere.exists(), "checking an archive makes no database");

    // One byte changed.
    let changed = h.path().join("changed");
    copy_dir(&dir, &changed);
    let mut bytes = std::fs::read(changed.join("record.txt")).unwrap();
    bytes[100] ^= 1;
    std::fs::write(changed.join("record.txt"), bytes).unwrap();
    let (code, out) = verify(&h, &changed);
    assert_eq!(code, 1);
    assert!(out.contains("changed: record.txt"), "{out}");
    // A file removed.
    let removed = h.path().join("removed");
    copy_dir(&dir, &removed);
    std::fs::remove_file(removed.join("documents.json")).unwrap();
    let (code, out) = verify(&h, &removed);
    assert_eq!((code, out.contains("missing: documents.json")), (1, true), "{out}");
    // A file added.
    let added = h.path().join("added");
    copy_dir(&dir, &added);
    std::fs::write(added.join("vedlegg/ekstra.txt"), "lagt til etterpå").unwrap();
    let (code, out) = verify(&h, &added);
    assert_eq!((code, out.contains("added: vedlegg/ekstra.txt")), (1, true), "{out}");
    // A log entry rewritten and the manifest made to match: the hash chain still tells.
    let forged = h.path().join("forged");
    copy_dir(&dir, &forged);
    let record = std::fs::read_to_string(forged.join("record.json")).unwrap();
    let record = record.replace("Vi evakuerer Åsgårdstrand skole", "Vi evakuerer ikke");
    std::fs::write(forged.join("record.json"), &record).unwrap();
    let mut m = manifest.clone();
    for f in m["files"].as_array_mut().unwrap() {
        if f["path"] == "record.json" {
            use sha2::Digest;
            let sum: String =
                sha2::Sha256::digest(record.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            f["sha256"] = sum.into();
        }
    }
    std::fs::write(forged.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let (code, out) = verify(&h, &forged);
    assert_eq!(code, 1);
    assert!(out.contains("was altered"), "{out}");
}

#[test]
fn journalforing_exports_only_what_is_new_since_the_last_run() {
    let h = Home::new();
    busy_incident(&h);
    let journal = h.path().join("journal");
    let j = journal.to_str().unwrap();
    let first: serde_json::Value =
        serde_json::from_str(&h.ok(&["archive", "journal", "--out", j, "--json"])).unwrap();
    let before = h.entries().len() as i64;
    assert_eq!(first[0]["batch"], 1);
    assert_eq!(first[0]["log_entries"].as_i64(), Some(before));
    assert!(h.ok(&["archive", "journal", "--out", j]).contains("nothing new"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750, "the records are the owner's and the archive's group's alone");
    }

    h.ok(&["log", "add", "Pumpestasjonen går igjen"]);
    h.ok(&["task", "status", "1", "utført"]);
    let second: serde_json::Value =
        serde_json::from_str(&h.ok(&["archive", "journal", "--out", j, "--json"])).unwrap();
    assert_eq!(second[0]["batch"], 2);
    assert_eq!(second[0]["log_entries"], 2, "the new entry and the task's automatic entry, nothing before");
    let dir = PathBuf::from(second[0]["dir"].as_str().unwrap());
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("record.json")).unwrap()).unwrap();
    let seqs: Vec<i64> =
        record["log"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![before + 1, before + 2]);
    assert_eq!(record["tasks"][0]["status"], "utført");
    assert_eq!(record["media"].as_array().unwrap().len(), 0, "the unchanged inquiry is not exported again");

    // The whole journal checks out, the chains followed from batch to batch.
    let (code, out) = verify(&h, &journal);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 archive(s)"), "{out}");
    // A whole batch taken away is found: the next does not run on from anything.
    let gapped = h.path().join("gapped");
    copy_dir(&journal, &gapped);
    let first_rel =
        Path::new(first[0]["dir"].as_str().unwrap()).strip_prefix(&journal).unwrap().to_path_buf();
    std::fs::remove_dir_all(gapped.join(&first_rel)).unwrap();
    let (code, out) = verify(&h, &gapped);
    assert_eq!(code, 1);
    assert!(out.contains("the batch before batch 2"), "{out}");
    // A journal is never written into an archive or another folder with files in it.
    let export = h.path().join("export");
    h.ok(&["archive", "export", "--out", export.to_str().unwrap()]);
    let (_, err) = h.fails(&["archive", "journal", "--out", export.to_str().unwrap()]);
    assert!(err.contains("not a journal folder"), "{err}");
    assert_eq!(verify(&h, &export).0, 0, "the export is untouched");
    // A file taken out of a batch is found.
    let first_dir = PathBuf::from(first[0]["dir"].as_str().unwrap());
    std::fs::remove_file(first_dir.join("record.html")).unwrap();
    let (code, out) = verify(&h, &journal);
    assert_eq!(code, 1);
    assert!(out.contains("missing:") && out.contains("record.html"), "{out}");
}

#[test]
fn the_server_journals_what_its_clients_send() {
    let journal = tempfile::tempdir().unwrap();
    let server =
        Server::start_flags(&["--journal", journal.path().to_str().unwrap(), "--journal-every", "1s"]);
    server.add_org("Larvik kommune");
    server.add_user("lars", "Larvik kommune", &["kriseledelse"]);
    let h = Home::new();
    h.login(&server.url, "lars");
    incident(&h);
    h.ok(&["log", "add", "Vannet stiger ved Kjelde"]);
    h.ok(&["sync"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = String::new();
    while Instant::now() < deadline {
        let v = h.run(&["archive", "verify", journal.path().to_str().unwrap()]);
        out = String::from_utf8_lossy(&v.stdout).into_owned();
        if v.status.success() && out.contains("1 log entries") {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(out.contains("intact: 1 archive(s)") && out.contains("1 log entries"), "{out}");
}

#[test]
fn the_server_journals_what_its_clients_send_through_another_server() {
    let journal = tempfile::tempdir().unwrap();
    let server =
        Server::start_flags(&["--journal", journal.path().to_str().unwrap(), "--journal-every", "1s"]);
    server.add_org("Larvik kommune");
    server.add_user("lars", "Larvik kommune", &["kriseledelse"]);
    // A second server of the same store takes the client's entries; the first journals
    // them (on PostgreSQL its copy of the records catches up before each run).
    let other = server.another_at("127.0.0.1:0");
    let h = Home::new();
    h.login(&other.url, "lars");
    incident(&h);
    h.ok(&["log", "add", "Vannet stiger ved Kjelde"]);
    h.ok(&["sync"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = String::new();
    while Instant::now() < deadline {
        let v = h.run(&["archive", "verify", journal.path().to_str().unwrap()]);
        out = String::from_utf8_lossy(&v.stdout).into_owned();
        if v.status.success() && out.contains("1 log entries") {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(out.contains("intact: 1 archive(s)") && out.contains("1 log entries"), "{out}");
}

//! Records and degraded operation through the real binary: e-mail into the log (every
//! encoding, duplicates, broken messages, a watched maildir), the archive (export,
//! verify, continuous journalføring), the printed binder read back through pdftotext,
//! reports shared between organisations through a real server and as files, and the
//! log as it stood at a chosen time.

mod common;
use common::server::Server;
use common::Home;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

fn incident(h: &Home) {
    h.ok(&["incident", "new", "--title", "Flom i Sandefjord", "--type", "flom"]);
}

fn texts(h: &Home) -> Vec<String> {
    h.entries().iter().map(|e| e["text"].as_str().unwrap().to_string()).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

// ---- e-mail ---------------------------------------------------------------------------

#[test]
fn mail_in_every_encoding_becomes_log_entries_once_and_broken_mail_is_skipped() {
    let h = Home::new();
    incident(&h);
    let out = h.run(&["mail", "import", fixtures().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "skipped messages make the exit code 1: {stderr}");
    assert!(stdout.starts_with("5 e-post tatt inn"), "{stdout}");
    assert!(stderr.contains("broken-no-headers.eml") && stderr.contains("broken-no-sender.eml"), "{stderr}");

    let entries = h.entries();
    assert_eq!(entries.len(), 5, "the two broken messages left nothing behind");
    assert!(entries.iter().all(|e| e["kind"] == "email" && e["tags"][0] == "e-post"));
    let all = texts(&h).join("\n---\n");
    // ISO-8859-1 in quoted-printable, in the header (RFC 2047) and the body.
    assert!(all.contains("E-post fra Pål Ærø <pal.aero@vannverk.example.no>: Vannstand ved Bøen"), "{all}");
    assert!(all.contains("Vannet står nå 40 cm over flomvollen ved Bøen. Rådmannen er varslet."));
    // UTF-8 in base64, with a Cc and an attachment.
    assert!(all.contains("Evakuering fullført – Åsgårdstrand"));
    assert!(all.contains("Evakueringen av Åsgårdstrand skole er fullført. 212 elever er på Ødegården."));
    assert!(all.contains("Kopi: beredskap@sandefjord.example.no"));
    assert!(all.contains("Vedlegg: oversikt-ødegården.pdf (34 B)"));
    // HTML only: converted to text, no markup left.
    assert!(all.contains("Strømmen er borte i Høyjord og Andebu."), "{all}");
    assert!(!all.contains("<p>") && !all.contains("<b>"));
    // From the mbox: the unescaped >From line, and a message with no To.
    assert!(all.contains("Samvirkemøte kl. 12.00 på Teams.\n>From the agenda"), "{all}");
    assert!(all.contains("Hei, vi har vann i kjelleren i Storgata 5."));

    // The attachment is kept byte for byte.
    let listed = h.ok(&["mail", "attachments"]);
    assert!(listed.contains("oversikt-ødegården.pdf") && listed.contains("application/pdf"), "{listed}");
    let seq = entries.iter().find(|e| e["text"].as_str().unwrap().contains("Vedlegg")).unwrap()["seq"]
        .as_i64()
        .unwrap();
    let saved = h.path().join("saved.pdf");
    h.ok(&["mail", "save", &seq.to_string(), "1", "--out", saved.to_str().unwrap()]);
    assert_eq!(std::fs::read(&saved).unwrap(), b"%PDF-1.4 fake attachment \x00\x01\x02 bytes");

    // Again, and the maildir and mbox that hold the same messages: nothing new.
    let again = h.run(&["mail", "import", fixtures().to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 e-post tatt inn\n6 fantes fra før"));
    let maildir = h.ok(&["mail", "import", fixtures().join("maildir").to_str().unwrap()]);
    assert!(maildir.starts_with("0 e-post tatt inn\n2 fantes fra før"), "{maildir}");
    assert_eq!(h.entries().len(), 5);
    assert!(h.ok(&["log", "verify"]).contains("intact"));
}

#[test]
fn a_watched_maildir_takes_in_mail_as_it_arrives() {
    let h = Home::new();
    incident(&h);
    let maildir = h.path().join("innboks");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    let mut child = h
        .cmd()
        .args(["mail", "import", "--watch", maildir.to_str().unwrap(), "--every", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A delivery agent writes into tmp/ and renames into new/.
    let tmp = maildir.join("tmp/1.stab");
    std::fs::copy(fixtures().join("latin1-qp.eml"), &tmp).unwrap();
    std::fs::rename(&tmp, maildir.join("new/1.stab")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut found = Vec::new();
    while Instant::now() < deadline {
        found = texts(&h);
        if !found.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("Vannstand ved Bøen"));
}

// ---- the archive ----------------------------------------------------------------------

fn busy_incident(h: &Home) {
    incident(h);
    h.ok(&["log", "add", "Vannet stiger ved Bøen, <script>alert(1)</script> \u{1b}[2J"]);
    h.ok(&["log", "add", "!Vi evakuerer Åsgårdstrand skole"]);
    h.ok(&["task", "add", "--title", "Sjekk pumpestasjon Bøen", "--assignee", "Øystein"]);
    h.ok(&["media", "add", "--outlet", "Sandefjords Blad", "--question", "Hvor mange er evakuert?"]);
    h.ok(&["media", "answer", "1", "212 elever er på Ødegården."]);
    h.ok(&["report", "new", "--title", "Situasjonsrapport 1"]);
    let text = h.path().join("sitrep.md");
    std::fs::write(&text, "## Situasjon\nVannet står 40 cm over flomvollen.\n").unwrap();
    h.ok(&["report", "edit", "1", "--file", text.to_str().unwrap()]);
    h.ok(&["report", "submit", "1"]);
    h.ok(&["report", "approve", "1"]);
    h.ok(&["mail", "import", fixtures().join("utf8-base64-attachment.eml").to_str().unwrap()]);
}

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

// ---- paper ----------------------------------------------------------------------------

fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is needed: .ci/run installs it");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_binder_and_an_incident_print_as_pdf_with_norwegian_letters_headers_and_page_numbers() {
    let h = Home::new();
    h.configure("installation = \"Sandefjord kommune\"\n");
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Åse Ødegård",
        "--function",
        "Kommunedirektør",
        "--phone",
        "913 00 000",
    ]);
    h.ok(&[
        "contact",
        "add",
        "--name",
        "Bjørn Æsøy",
        "--function",
        "Beredskapsleder",
        "--phone",
        "922 00 000",
    ]);
    h.ok(&["resource", "add", "--what", "Aggregat 100 kVA", "--location", "Brannstasjonen på Kodal"]);
    h.ok(&["alert", "list-new", "Kriseledelse", "--scenario", "alle hendelser"]);
    h.ok(&["alert", "member-add", "Kriseledelse", "--role", "leder", "--contact", "1"]);
    let pdf = h.path().join("perm.pdf");
    h.ok(&["print", "binder", "--out", pdf.to_str().unwrap()]);
    let text = pdftotext(&pdf);
    for expected in [
        "Sandefjord kommune – Beredskapsperm – utskrevet",
        "VARSLINGSLISTER",
        "Åse Ødegård",
        "913 00 000",
        "Bjørn Æsøy",
        "Aggregat 100 kVA",
        "Brannstasjonen på Kodal",
        "Bortfall av strøm",
        "[ ] ",
        "Side 1 av",
    ] {
        assert!(text.contains(expected), "the binder lacks {expected:?}:\n{text}");
    }
    let pages = text.matches("Side ").count();
    assert!(pages >= 5 && text.contains(&format!("Side {pages} av {pages}")), "{pages} pages");
    let plain = h.path().join("perm.txt");
    h.ok(&["print", "binder", "--out", plain.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&plain).unwrap().contains("Åse Ødegård"));

    busy_incident(&h);
    let pdf = h.path().join("hendelse.pdf");
    h.ok(&["print", "incident", "--out", pdf.to_str().unwrap()]);
    let text = pdftotext(&pdf);
    for expected in [
        "Hendelse 1: Flom i Sandefjord",
        "SISTE GODKJENTE SITUASJONSRAPPORT",
        "Vannet står 40 cm over flomvollen.",
        "ÅPNE OPPGAVER (1)",
        "Sjekk pumpestasjon Bøen",
        "BESLUTNING: Vi evakuerer Åsgårdstrand skole",
    ] {
        assert!(text.contains(expected), "the incident print lacks {expected:?}:\n{text}");
    }
}

// ---- sharing reports upward -----------------------------------------------------------

const PARENT: &str = "Statsforvalteren i Vestfold og Telemark";

#[test]
fn municipalities_share_reports_upward_and_the_county_compiles_them() {
    let server = Server::start();
    for org in [PARENT, "Larvik kommune", "Sandefjord kommune", "Tønsberg kommune"] {
        server.add_org(org);
    }
    for org in ["Larvik kommune", "Sandefjord kommune"] {
        let out = server.admin(&["org", "parent", org, PARENT]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    server.add_user("lars", "Larvik kommune", &["kriseledelse"]);
    server.add_user("siri", "Sandefjord kommune", &["kriseledelse"]);
    server.add_user("tore", "Tønsberg kommune", &["kriseledelse"]);
    server.add_user("sara", PARENT, &["kriseledelse"]);

    let larvik = Home::new();
    larvik.login(&server.url, "lars");
    larvik.approved_sitrep("## Situasjon\nLågen går over sine bredder ved Kjelde.\n");
    let said = larvik.ok(&["report", "share", "1", "--upward"]);
    assert!(said.contains(PARENT), "{said}");
    assert!(texts(&larvik)
        .iter()
        .any(|t| t.starts_with("Rapport 1 versjon 1 «Situasjonsrapport 1» delt med Statsforvalteren")));

    let sandefjord = Home::new();
    sandefjord.login(&server.url, "siri");
    sandefjord.approved_sitrep("## Situasjon\nStrømmen er tilbake i Andebu.\n");
    sandefjord.ok(&["report", "share", "1", "--upward"]);

    // Tønsberg reports to no one: refused with a reason, and nothing logged.
    let tonsberg = Home::new();
    tonsberg.login(&server.url, "tore");
    tonsberg.approved_sitrep("## Situasjon\nRolig.\n");
    let (_, err) = tonsberg.fails(&["report", "share", "1", "--upward"]);
    assert!(err.contains("reports to no one"), "{err}");
    assert!(!texts(&tonsberg).iter().any(|t| t.contains("delt med")));

    // The county governor fetches them into its own incident.
    let county = Home::new();
    county.login(&server.url, "sara");
    county.ok(&["incident", "new", "--title", "Flom i Vestfold og Telemark", "--type", "flom"]);
    let inbox = county.ok(&["report", "inbox"]);
    assert!(inbox.starts_with("2 nye delte rapporter"), "{inbox}");
    assert!(county.ok(&["report", "inbox"]).starts_with("0 nye"), "fetching again brings nothing twice");
    let log = texts(&county);
    assert!(log.iter().any(|t| t.starts_with("Mottatt situasjonsrapport fra Larvik kommune")), "{log:?}");
    assert!(log.iter().any(|t| t.starts_with("Mottatt situasjonsrapport fra Sandefjord kommune")));
    // A municipality sees none of what was shared with the county; it gets the
    // county's receipt, logged once in the incident the report came from.
    let back = larvik.ok(&["report", "inbox"]);
    assert!(back.starts_with("0 nye") && back.contains("1 kvitteringer"), "{back}");
    let receipt = format!("{PARENT} har mottatt rapport 1 versjon 1 «Situasjonsrapport 1» (sara, ");
    assert_eq!(texts(&larvik).iter().filter(|t| t.starts_with(&receipt)).count(), 1, "{:?}", texts(&larvik));
    assert!(!larvik.ok(&["report", "inbox"]).contains("kvittering"), "a receipt comes once");
    // Tønsberg's refused sharing never gets one.
    assert!(!tonsberg.ok(&["report", "inbox"]).contains("kvittering"));

    // Side by side: both sources on one line, each column its own text.
    let shared = county.ok(&["report", "shared"]);
    let head = shared.lines().next().unwrap();
    assert!(head.contains("LARVIK KOMMUNE") && head.contains("SANDEFJORD KOMMUNE"), "{shared}");
    let body = shared.lines().find(|l| l.contains("Lågen går over")).unwrap();
    assert!(body.contains("Strømmen er tilbake"), "{shared}");

    // Compiled into the county's own report, with references to the sources.
    let n = county.ok(&["report", "compile", "--title", "Samlet situasjonsbilde"]).trim().to_string();
    let report = county.ok(&["report", "show", &n]);
    assert!(
        report.contains("## Larvik kommune [1]") && report.contains("Lågen går over sine bredder"),
        "{report}"
    );
    assert!(report.contains("## Sandefjord kommune [2]") && report.contains("Strømmen er tilbake i Andebu."));
    assert!(
        report.contains("## Kilder")
            && report.contains("[1] Larvik kommune: «Situasjonsrapport 1» (rapport 1 versjon 1")
    );
    assert!(texts(&county).iter().any(|t| t.contains("sammenstilt fra 2 delte rapporter")));
}

#[test]
fn a_report_shared_as_a_file_is_received_once_and_a_tampered_one_is_refused() {
    let a = Home::new();
    a.configure("installation = \"Larvik kommune\"\n");
    a.approved_sitrep("## Situasjon\nLågen går over sine bredder.\n");
    let file = a.path().join("rapport.json");
    a.ok(&["report", "share", "1", "--out", file.to_str().unwrap(), "--to", "Statsforvalteren (e-post)"]);
    assert!(texts(&a).iter().any(|t| t.contains("delt med Statsforvalteren (e-post)")));
    let xml = a.path().join("rapport.xml");
    a.ok(&["report", "share", "1", "--out", xml.to_str().unwrap(), "--format", "edxl"]);
    let xml = std::fs::read_to_string(&xml).unwrap();
    assert!(xml.contains("<SitRep xmlns=\"urn:oasis:names:tc:emergency:EDXL:SitRep:1.0\">"));
    assert!(xml.contains("<Organisation>Larvik kommune</Organisation>") && xml.contains("Lågen går over"));

    let b = Home::new();
    incident(&b);
    assert!(b.ok(&["report", "receive", file.to_str().unwrap()]).starts_with("mottatt fra Larvik kommune"));
    assert!(b.ok(&["report", "receive", file.to_str().unwrap()]).starts_with("mottatt før"));
    assert_eq!(texts(&b).iter().filter(|t| t.starts_with("Mottatt")).count(), 1);

    let tampered = b.path().join("endret.json");
    let body = std::fs::read_to_string(&file).unwrap().replace("Lågen går over", "Alt er rolig ved");
    std::fs::write(&tampered, body).unwrap();
    let (code, err) = b.fails(&["report", "receive", tampered.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("does not match its SHA-256"), "{err}");
}

// ---- the log as it stood ----------------------------------------------------------------

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

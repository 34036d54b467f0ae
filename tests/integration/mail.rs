//! E-mail into the log through the real binary: every encoding, duplicates, broken
//! messages, a watched maildir.

use crate::common::{incident, mail_fixtures, texts, Home};
use std::time::{Duration, Instant};

#[test]
fn mail_in_every_encoding_becomes_log_entries_once_and_broken_mail_is_skipped() {
    let h = Home::new();
    incident(&h);
    // The CLI speaks the user's language (this output was bokmål in every language).
    let out = h.run(&["mail", "import", "--lang", "nb", mail_fixtures().to_str().unwrap()]);
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
    let again = h.run(&["mail", "import", "--lang", "nb", mail_fixtures().to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 e-post tatt inn\n6 fantes fra før"));
    let maildir =
        h.ok(&["mail", "import", "--lang", "nb", mail_fixtures().join("maildir").to_str().unwrap()]);
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
    std::fs::copy(mail_fixtures().join("latin1-qp.eml"), &tmp).unwrap();
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

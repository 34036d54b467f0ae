//! Benchmarks of records work at the sizes a long crisis reaches: the archive export
//! of an incident with 100,000 log entries (plus tasks, reports and media), one batch
//! of continuous journalføring after 1,000 new entries, the log as it stood (time
//! travel) over those 100,000 entries, the incident printed as PDF, and `mail import`
//! of a maildir with 10,000 messages in the encodings real mail comes in.
//!
//! `cargo bench --bench records` runs it all (release build). Under `cargo test
//! --all-targets` it runs once at a small size, as a smoke test.

mod common;
use common::{lines, time};
use sitroom::app::Session;
use sitroom::domain::task::NewTask;
use sitroom::domain::Incident;
use std::path::Path;
use std::time::{Duration, Instant};

fn session(dir: &Path) -> (Session, Incident) {
    common::staff::flood_session(dir)
}

/// A message of kind `k`: ISO-8859-1 quoted-printable, UTF-8 base64 with an
/// attachment, or HTML only.
fn message(k: usize) -> Vec<u8> {
    let id = format!("<bench-{k}@kommune.example.no>");
    match k % 3 {
        0 => {
            let mut m = format!(
                "From: =?ISO-8859-1?Q?P=E5l_=C6r=F8?= <pal{k}@vannverk.example.no>\r\nTo: stab@kommune.example.no\r\n\
                 Subject: =?ISO-8859-1?Q?Vannstand_ved_B=F8en_{k}?=\r\nDate: Tue, 24 Nov 2026 08:15:00 +0100\r\n\
                 Message-ID: {id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            )
            .into_bytes();
            m.extend_from_slice(b"Vannet st=E5r n=E5 40 cm over flomvollen ved B=F8en. R=E5dmannen er varslet.\r\n");
            m
        }
        1 => format!(
            "From: \"Kari \u{d8}stby\" <kari{k}@politiet.example.no>\r\nTo: stab@kommune.example.no\r\n\
             Subject: =?UTF-8?B?RXZha3VlcmluZyBmdWxsZsO4cnQ=?=\r\nDate: Tue, 24 Nov 2026 09:02:00 +0100\r\n\
             Message-ID: {id}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
             --B\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             RXZha3VlcmluZ2VuIGF2IMOFc2fDpXJkc3RyYW5kIHNrb2xlIGVyIGZ1bGxmw7hydC4=\r\n\
             --B\r\nContent-Type: application/pdf; name=\"oversikt.pdf\"\r\nContent-Disposition: attachment; filename=\"oversikt.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQgZmFrZSBhdHRhY2htZW50\r\n--B--\r\n"
        )
        .into_bytes(),
        _ => format!(
            "From: driftssentral{k}@elvia.example.no\r\nTo: stab@kommune.example.no\r\n\
             Subject: =?UTF-8?Q?Str=C3=B8mbrudd_H=C3=B8yjord?=\r\nDate: Tue, 24 Nov 2026 09:30:00 +0100\r\n\
             Message-ID: {id}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n\
             <html><body><p>Str=C3=B8mmen er borte i <b>H=C3=B8yjord</b> og Andebu.</p></body></html>\r\n"
        )
        .into_bytes(),
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (entries, mails, rounds) = if full { (100_000, 10_000, 3) } else { (1_000, 100, 1) };
    let dir = tempfile::tempdir().unwrap();
    let (mut s, incident) = session(dir.path());

    let t = Instant::now();
    let report = s.import(&incident, lines(entries).as_bytes()).unwrap();
    assert_eq!(report.added, entries);
    println!("{:<40} {entries} entries in {:.2?}", "log import (setup)", t.elapsed());
    for k in 0..200 {
        let task = NewTask { title: format!("Tiltak {k}: sjekk pumpestasjon"), ..NewTask::default() };
        s.add_task(&incident, task).unwrap();
    }
    let (r, _) = s.new_report(&incident, "situasjonsrapport", None).unwrap();
    s.report_step(&incident, r.number, sitroom::domain::report::ReportStep::Submit, None).unwrap();
    s.report_step(&incident, r.number, sitroom::domain::report::ReportStep::Approve, None).unwrap();
    let total = s.entries(&incident).unwrap().len();

    let mut k = 0;
    time("archive export (full incident)", rounds, || {
        k += 1;
        let out = dir.path().join(format!("arkiv-{k}"));
        let t = Instant::now();
        let m = s.archive_export(&incident, &out).unwrap();
        let took = t.elapsed();
        assert!(m.log_entries >= total);
        took
    });
    let bytes: u64 = std::fs::read_dir(dir.path().join("arkiv-1"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!("{:<40} {total} entries, {:.1} MB", "archive size", bytes as f64 / 1e6);
    let t = Instant::now();
    let v = sitroom::archive::verify(&dir.path().join("arkiv-1"), None).unwrap();
    assert!(v.problems.is_empty());
    println!("{:<40} {:.2?}", "archive verify (full incident)", t.elapsed());

    // Journalføring: the first batch holds everything; the next only what is new.
    let journal = dir.path().join("journal");
    let t = Instant::now();
    s.archive_journal(&journal).unwrap();
    println!("{:<40} {:.2?}", "journal: first batch (everything)", t.elapsed());
    s.import(&incident, lines(1_000).replace("(melding", "(neste melding").as_bytes()).unwrap();
    let t = Instant::now();
    let batches = s.archive_journal(&journal).unwrap();
    assert_eq!(batches[0].log_entries, 1_000);
    println!("{:<40} {:.2?}", "journal: next batch (1,000 new entries)", t.elapsed());

    // The log as it stood, halfway through.
    let entries_now = s.entries(&incident).unwrap();
    let middle = entries_now[entries_now.len() / 2].recorded_at;
    time("time travel: as of a moment (log+tasks)", rounds * 3, || {
        let t = Instant::now();
        let then = s.as_of(&incident, middle).unwrap();
        let took = t.elapsed();
        assert!(!then.log.is_empty() && then.log.len() < entries_now.len());
        took
    });

    time("print incident as PDF", rounds, || {
        let t = Instant::now();
        let doc = s.incident_print(&incident).unwrap();
        let pdf = sitroom::pdf::render(&doc);
        let took = t.elapsed();
        assert!(pdf.len() > 1000);
        took
    });

    // Mail: a maildir of `mails` messages, a third each of the three kinds.
    let maildir = dir.path().join("innboks");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    for k in 0..mails {
        std::fs::write(maildir.join("new").join(format!("{k:06}.bench")), message(k)).unwrap();
    }
    let (mut m, mi) = {
        let d = dir.path().join("mail");
        std::fs::create_dir_all(&d).unwrap();
        session(&d)
    };
    let t = Instant::now();
    let report = m.import_mail(&mi, &maildir).unwrap();
    let took = t.elapsed();
    assert_eq!(report.added.len(), mails, "{:?}", report.skipped.first());
    println!(
        "{:<40} {mails} messages in {took:.2?} ({:.0}/s)",
        "mail import (maildir)",
        mails as f64 / took.as_secs_f64()
    );
    let t = Instant::now();
    let again = m.import_mail(&mi, &maildir).unwrap();
    assert_eq!(again.already_there, mails);
    println!("{:<40} {mails} messages in {:.2?}", "mail import again (all duplicates)", t.elapsed());
    let _ = Duration::ZERO;
}

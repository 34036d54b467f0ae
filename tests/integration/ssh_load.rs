//! SSH sessions in numbers, with russh's client in this process and vt100 screens: a
//! hundred at once on one incident, each seeing everyone's entries; the caps on
//! sessions said plainly; and a link that backs up getting the newest state, not a
//! queue of old frames.

use crate::common::ssh_client::{connect, connect_reading, Door, Reading, Term};
use sitroom::domain::roles::Role;
use std::sync::atomic::Ordering;
use std::time::Duration;

const CTRL_N: &[u8] = b"\x0e";

/// The incident made in `t` (Ctrl-N, a title, Enter), ready for entries.
async fn new_incident(t: &Term, title: &str) {
    t.send(CTRL_N).await;
    t.wait_for("Ny hendelse").await;
    t.send(title.as_bytes()).await;
    t.send(b"\r").await;
    t.wait_for("Ny loggføring").await;
}

#[test]
fn a_hundred_sessions_at_once_see_everyones_entries_and_the_caps_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let door = Door::open(dir.path(), 5, 100);
    let org = "Vestfold og Telemark fylke";
    let keys: Vec<_> =
        (0..21).map(|i| door.account(&format!("stab{i:02}"), org, Role::Kriseledelse)).collect();
    let addr = door.addr();
    door.rt.block_on(async {
        let nb = [("SITROOM_LANG", "nb")];
        let first = connect(&addr, "stab00", &keys[0], 100, 30, &nb).await.unwrap();
        first.wait_for("Venter på organisasjonens hendelser").await;
        new_incident(&first, "Ekstremvær Hans – stab").await;
        let mut terms = vec![first];
        for n in 1..100 {
            let i = n % 20;
            terms.push(connect(&addr, &format!("stab{i:02}"), &keys[i], 100, 30, &nb).await.unwrap());
        }
        // Every session opens the incident (so all hundred are counted by now).
        for t in &terms {
            t.wait_for("Ekstremvær Hans").await;
        }
        // The hundred-and-first: the server is full, and says so.
        let extra = connect(&addr, "stab20", &keys[20], 100, 30, &nb).await.unwrap();
        extra.wait_for("så mange økter åpne som den tar").await;
        // Each writes one entry.
        for (n, t) in terms.iter().enumerate() {
            t.send(format!("Økt {n:03}: melding fra stab{:02} – vannstand og veier", n % 20).as_bytes())
                .await;
            t.send(b"\r").await;
        }
        // Each sees all hundred, written by the others through the server.
        for t in &terms {
            t.wait_for("Hendelseslogg · 100").await;
        }
        let s = terms[7].contents();
        let writers: std::collections::BTreeSet<&str> =
            s.split("melding fra ").skip(1).filter_map(|rest| rest.get(..6)).collect();
        assert!(writers.len() > 3, "entries by many accounts on one screen:\n{s}");
        // A sixth session for one account is one too many.
        let sixth = connect(&addr, "stab00", &keys[0], 100, 30, &nb).await.unwrap();
        sixth.wait_for("har allerede 5 økter åpne").await;
    });
}

/// A terminal that stops reading (a link gone slow): the server does not queue frames
/// for it. What is typed meanwhile is taken and stored, and once the terminal reads
/// again the newest state arrives in a frame or two, not one a key.
#[test]
fn a_terminal_that_stops_reading_gets_the_newest_state_not_a_queue() {
    let dir = tempfile::tempdir().unwrap();
    let door = Door::open(dir.path(), 5, 10);
    let key = door.account("kari", "Sandefjord kommune", Role::Kriseledelse);
    door.rt.block_on(async {
        let reading = Reading::default();
        let t = connect_reading(&door.addr(), "kari", &key, 100, 30, reading.clone()).await.unwrap();
        t.wait_for("Venter på organisasjonens hendelser").await;
        new_incident(&t, "Strømbrudd Kodal").await;
        let before = t.received.load(Ordering::SeqCst);
        reading.pause();
        let sentences = [
            "Brannvesenet melder at broen ved Kodal er stengt, omkjøring via Hem.",
            "Skagerak Nett: 1 200 kunder uten strøm, feilsøking pågår på linja.",
            "Sykehjemmet på Kodal har aggregat i drift, diesel for to døgn.",
        ];
        let mut keys = 0;
        for line in sentences {
            for c in line.chars() {
                t.send(c.to_string().as_bytes()).await;
                keys += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            t.send(b"\r").await;
        }
        // Typed and stored while nothing could be shown.
        tokio::time::sleep(Duration::from_millis(500)).await;
        reading.resume();
        t.wait_for("diesel for to døgn").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let s = t.contents();
        assert!(s.contains("omkjøring via Hem") && s.contains("1 200 kunder"), "{s}");
        // Frames drawn one a change would have carried every intermediate state, some
        // 50–60 bytes a key here; the newest state alone is a fraction of that.
        let bytes = t.received.load(Ordering::SeqCst) - before;
        eprintln!("{keys} keys typed while not reading: {bytes} B of terminal output");
        assert!(bytes < keys * 20, "{bytes} B for {keys} keys: old frames were queued and sent");
    });
}

/// An account disabled while its sessions are open: they end (within a long poll's
/// wait), saying why, and keep the draft; the account cannot connect again.
#[test]
fn disabling_an_account_ends_its_open_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let door = Door::open(dir.path(), 5, 10);
    let key = door.account("kari", "Sandefjord kommune", Role::Kriseledelse);
    door.rt.block_on(async {
        let nb = [("SITROOM_LANG", "nb")];
        let t = connect(&door.addr(), "kari", &key, 100, 30, &nb).await.unwrap();
        t.wait_for("Venter på organisasjonens hendelser").await;
        new_incident(&t, "Strømbrudd Kodal").await;
        t.send("Utkast før sperring".as_bytes()).await;
        t.wait_for("Utkast før sperring").await;
        door.store.set_disabled("kari", true).unwrap();
        t.wait_for("kontoen kan ikke lenger logge inn").await;
        let start = std::time::Instant::now();
        while !t.closed.load(Ordering::SeqCst) {
            assert!(start.elapsed() < Duration::from_secs(10), "the connection stays open");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            connect(&door.addr(), "kari", &key, 100, 30, &nb).await.is_err(),
            "a disabled account is refused"
        );
    });
    let replica = std::fs::read_dir(dir.path().join("server.ssh")).unwrap().next().unwrap().unwrap().path();
    let check = sitroom::store::Store::open(&replica.join("replica.db")).unwrap();
    let incident = check.list_incidents().unwrap().remove(0);
    assert_eq!(check.load_draft("kari", incident.id).unwrap().unwrap().text, "Utkast før sperring");
}

/// The language and colours a connection asks for: `SITROOM_LANG` over the client's
/// `LANG`, and `NO_COLOR` drawing without colour; an account's own `config.toml` on the
/// server sets its language when the connection does not choose.
#[test]
fn a_session_speaks_and_colours_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    let door = Door::open(dir.path(), 5, 10);
    let key = door.account("kari", "Sandefjord kommune", Role::Kriseledelse);
    let coloured = |t: &Term| {
        let screen = t.screen();
        let (rows, cols) = (u16::from(screen.size().0), u16::from(screen.size().1));
        (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c))).any(|(r, c)| {
            screen.cell(r, c).is_some_and(|cell| {
                cell.fgcolor() != vt100::Color::Default || cell.bgcolor() != vt100::Color::Default
            })
        })
    };
    door.rt.block_on(async {
        let en = connect(&door.addr(), "kari", &key, 100, 30, &[("LANG", "en_GB.UTF-8")]).await.unwrap();
        en.wait_for("Waiting for the organisation's incidents").await;
        assert!(coloured(&en), "colours by default");
        let nb = [("LANG", "en_GB.UTF-8"), ("SITROOM_LANG", "nb"), ("NO_COLOR", "1")];
        let plain = connect(&door.addr(), "kari", &key, 100, 30, &nb).await.unwrap();
        plain.wait_for("Venter på organisasjonens hendelser").await;
        assert!(!coloured(&plain), "NO_COLOR: no colour at all");
    });
    // kari's settings on the server say bokmål: her client's LANG no longer decides.
    let folder = std::fs::read_dir(dir.path().join("server.ssh")).unwrap().next().unwrap().unwrap().path();
    std::fs::write(folder.join("config.toml"), "lang = \"nb\"\n").unwrap();
    door.rt.block_on(async {
        let t = connect(&door.addr(), "kari", &key, 100, 30, &[("LANG", "en_GB.UTF-8")]).await.unwrap();
        t.wait_for("Venter på organisasjonens hendelser").await;
    });
}

//! The sync server run like a service, against a real `sitroom serve`: readiness and
//! metrics an operator scrapes, an id on every answer, and a stop (SIGTERM, as
//! systemd sends) that answers what is under way and ends within its bound.

use crate::common::server::Server;
use crate::common::Home;
use serde_json::Value;
use sitroom::replication::{Action, Hlc, Kind, Op};
use sitroom::sync::client::Client;
use sitroom::sync::wire::SyncRequest;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const ORG: &str = "Hamar kommune";

fn get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// A metric's value in Prometheus's text format (the first line naming it so).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// A home signed in as `user` (with roles), and its session token.
fn signed_in(server: &Server, user: &str, roles: &[&str]) -> (Home, String) {
    server.add_user(user, ORG, roles);
    let home = Home::new();
    home.login(&server.url, user);
    let login: Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("sitroom.db.login")).unwrap())
            .unwrap();
    (home, login["token"].as_str().unwrap().to_string())
}

fn request(push: Vec<Op>, wait_ms: u32) -> SyncRequest {
    SyncRequest { wait_ms, ..SyncRequest::new(0, push) }
}

#[test]
fn readiness_metrics_and_request_ids_tell_an_operator_how_the_server_does() {
    let server = Server::start();
    server.add_org(ORG);
    let ready = get(&server.addr, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200") && ready.ends_with("ready\n"), "{ready}");

    let before = get(&server.addr, "/metrics");
    assert!(before.contains("content-type: text/plain; version=0.0.4"), "{before}");
    assert_eq!(metric(&before, "sitroom_rounds_total"), 0.0);

    // A logger's entries are counted as accepted.
    let (home, token) = signed_in(&server, "kari", &["kriseledelse"]);
    home.ok(&["incident", "new", "--title", "Flom i Mjøsa", "--type", "flom"]);
    for text in ["Vannstanden i Mjøsa er 7,2 m", "Strandsonen i Hamar stengt", "Evakuering av campingplassen"]
    {
        home.ok(&["log", "add", text]);
    }
    home.ok(&["sync"]);
    // An op naming someone else as its author is refused as denied; one that changes
    // nothing, as malformed.
    let incident = home.ok(&["--json", "incident", "list"]);
    let incident: Value = serde_json::from_str(&incident).unwrap();
    let incident = uuid::Uuid::parse_str(incident[0]["id"].as_str().unwrap()).unwrap();
    let op = |author: &str, action: Action, fields: Value| Op {
        id: uuid::Uuid::now_v7(),
        hlc: Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis()),
        origin: String::new(),
        author: author.into(),
        device: String::new(),
        kind: Kind::Incident,
        entity: incident,
        incident,
        action,
        fields: serde_json::from_value(fields).unwrap(),
        base: Default::default(),
        sig: String::new(),
    };
    let forged = op("ola", Action::Set, serde_json::json!({"status": "closed"}));
    let empty = op("kari", Action::Set, serde_json::json!({}));
    let client = Client::new(&server.url).unwrap();
    let answer = rt().block_on(client.round(&token, &request(vec![forged, empty], 0))).unwrap();
    assert_eq!(answer.refused.len(), 2, "{:?}", answer.refused);
    // An entry sent again (its answer lost on the way) is acknowledged, not counted as
    // accepted twice.
    let accepted = metric(&get(&server.addr, "/metrics"), "sitroom_ops_accepted_total");
    let again: Vec<Op> = sitroom::store::Store::open(&home.db())
        .unwrap()
        .ops_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|(_, op)| op)
        .filter(|op| op.kind == Kind::LogEntry)
        .take(1)
        .collect();
    let answer = rt().block_on(client.round(&token, &request(again, 0))).unwrap();
    assert!(answer.refused.is_empty(), "{:?}", answer.refused);
    let resent = get(&server.addr, "/metrics");
    assert_eq!(metric(&resent, "sitroom_ops_accepted_total"), accepted, "{resent}");
    assert_eq!(metric(&resent, "sitroom_ops_resent_total"), 1.0, "{resent}");

    let after = get(&server.addr, "/metrics");
    let rounds = metric(&after, "sitroom_rounds_total");
    assert!(rounds >= 2.0, "{after}");
    assert!(metric(&after, "sitroom_ops_accepted_total") >= 4.0, "the incident and three entries: {after}");
    assert_eq!(metric(&after, "sitroom_ops_refused_total{reason=\"denied\"}"), 1.0, "{after}");
    assert_eq!(metric(&after, "sitroom_ops_refused_total{reason=\"malformed\"}"), 1.0, "{after}");
    assert!(
        metric(&after, "sitroom_bytes_in_total") > 0.0 && metric(&after, "sitroom_bytes_out_total") > 0.0
    );
    assert_eq!(metric(&after, "sitroom_round_seconds_count"), rounds, "every round timed: {after}");
    assert_eq!(metric(&after, "sitroom_round_seconds_bucket{le=\"+Inf\"}"), rounds);
    // The scrape's own connection is open while it is answered.
    assert!(metric(&after, "sitroom_connections") >= 1.0, "{after}");

    // Every answer carries an id of its own.
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let answer = get(&server.addr, "/healthz");
            let line = answer
                .lines()
                .find(|l| l.starts_with("x-request-id: "))
                .unwrap_or_else(|| panic!("{answer}"));
            line["x-request-id: ".len()..].trim().to_string()
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn a_stopped_server_answers_the_long_polls_under_way_and_ends_within_its_bound() {
    let mut server = Server::start();
    server.add_org(ORG);
    let (_home, token) = signed_in(&server, "kari", &["kriseledelse"]);
    let url = server.url.clone();
    // A replica waiting for news: a long poll of twenty seconds.
    let poll = std::thread::spawn(move || {
        let client = Client::new(&url).unwrap();
        let started = Instant::now();
        let answer = rt().block_on(client.round(&token, &request(vec![], 20_000)));
        (answer.map(|a| a.pull.len()), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    let stopped = Instant::now();
    let term =
        std::process::Command::new("kill").args(["-TERM", &server.pid().to_string()]).status().unwrap();
    assert!(term.success());
    let (answer, waited) = poll.join().unwrap();
    assert_eq!(answer.unwrap(), 0, "the long poll is answered, with nothing new");
    assert!(
        waited < Duration::from_secs(5),
        "answered at the stop, not after its twenty seconds: {waited:?}"
    );
    let status = server.wait_exit(Duration::from_secs(12)).expect("the server ends within its bound");
    assert!(status.success(), "{status:?}");
    assert!(stopped.elapsed() < Duration::from_secs(12));
}

/// The systemd unit in docs/ is one systemd takes (`systemd-analyze verify`, with the
/// binary put where the unit says), hardened, and gives the server longer to stop
/// than the server takes.
#[test]
fn the_systemd_unit_is_valid_and_hardened() {
    let unit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/sitroom.service")).unwrap();
    for option in
        ["NoNewPrivileges=yes", "ProtectSystem=strict", "SystemCallFilter=@system-service", "User=sitroom"]
    {
        assert!(unit.contains(option), "{option} missing");
    }
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .and_then(|v| v.trim().parse().ok())
        .expect("TimeoutStopSec in seconds");
    assert!(stop > 10, "systemd must wait longer than the server's ten seconds of grace");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sitroom.service");
    std::fs::write(&file, unit.replace("/usr/local/bin/sitroom", env!("CARGO_BIN_EXE_sitroom"))).unwrap();
    let out = crate::common::tool("systemd-analyze", "systemd").arg("verify").arg(&file).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
}

/// Lines a logger writes, varied as a staff meeting's are.
const LINES: &[&str] = &[
    "Vannstanden i Mjøsa er 7,2 m og stiger",
    "Strandsonen i Hamar stengt fra kl 14",
    "Brannvesenet melder om vann i kjellere på Briskeby",
    "Evakuering av campingplassen ved Koigen pågår",
    "Helse: legevakten har ekstra bemanning i natt",
    "Statens vegvesen stenger Fv 222 ved Ottestad",
    "Kommuneoverlegen ber om oversikt over hjemmeboende med pleiebehov",
    "Pressemelding sendt 15:40, neste kl 18",
];

/// A backup taken while replicas write restores into a new store; the replicas that
/// synced after it send again what it lacks (one whose session lived on, and one who
/// signed in after the backup and must sign in again): every entry ends on the server
/// once, and every replica has them all. A SQLite store's backup is `admin backup`
/// and `admin restore`, whatever store the run asks for.
#[test]
fn a_backup_taken_under_load_restores_without_loss_or_duplicates() {
    backup_taken_under_load(None);
}

/// The same with a PostgreSQL store: `pg_dump` while serving, `pg_restore` into a new
/// database, `admin restored`.
#[test]
fn a_postgres_dump_taken_under_load_restores_without_loss_or_duplicates() {
    backup_taken_under_load(Some(std::sync::Arc::new(crate::common::postgres::Cluster::start())));
}

fn backup_taken_under_load(cluster: Option<std::sync::Arc<crate::common::postgres::Cluster>>) {
    let file = tempfile::tempdir().unwrap();
    let mut server = match &cluster {
        None => Server::start_at(&file.path().join("server.db"), "127.0.0.1:0"),
        Some(c) => Server::start_on(&c.database(), c.clone(), "127.0.0.1:0"),
    };
    server.add_org(ORG);
    let (kari, _) = signed_in(&server, "kari", &["kriseledelse"]);
    let kari = std::sync::Arc::new(kari);
    server.add_user("ola", ORG, &["kriseledelse"]);
    kari.ok(&["incident", "new", "--title", "Flom i Mjøsa", "--type", "flom"]);
    kari.ok(&["sync"]);

    // Kari writes and syncs without pause while the backup is taken.
    let (going, started) = std::sync::mpsc::channel();
    let writer = {
        let kari = kari.clone();
        std::thread::spawn(move || {
            let mut written = Vec::new();
            for i in 0..40 {
                if i == 6 {
                    let _ = going.send(());
                }
                let text = format!("{} ({i})", LINES[i % LINES.len()]);
                kari.ok(&["log", "add", &text]);
                kari.ok(&["sync"]);
                written.push((text, Instant::now()));
            }
            written
        })
    };
    started.recv().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("server-backup.db");
    match (&cluster, &server.store) {
        (Some(c), Some((url, _))) => c.dump(database_of(url), &backup),
        _ => {
            let out = server.admin(&["backup", backup.to_str().unwrap()]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("backed up into"));
        }
    }
    let backed_up = Instant::now();
    // Ola signs in only after the backup, and writes.
    let ola = Home::new();
    ola.login(&server.url, "ola");
    ola.ok(&["sync"]);
    ola.ok(&["log", "add", "Ola: sandsekker levert til Stangebrua"]);
    ola.ok(&["sync"]);
    let written = writer.join().unwrap();
    assert!(
        written.iter().any(|(_, t)| *t < backed_up) && written.iter().any(|(_, t)| *t > backed_up),
        "the backup was taken while Kari wrote"
    );
    let mut written: Vec<String> = written.into_iter().map(|(text, _)| text).collect();
    written.push("Ola: sandsekker levert til Stangebrua".into());
    kari.ok(&["sync"]);

    // The server's file is lost; the backup is restored into a new one, served at
    // the same address.
    let addr = server.addr.clone();
    server.kill();
    let admin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sitroom")).args(args).output().unwrap()
    };
    // What a restore says: the store's epoch moved on.
    let said_epoch_1 = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("epoch 1"), "{said}");
    };
    let server = match &cluster {
        None => {
            let restored = dir.path().join("restored.db");
            let restore = ["--db", restored.to_str().unwrap(), "admin", "restore", backup.to_str().unwrap()];
            said_epoch_1(admin(&restore));
            // Restoring over it again is refused: it holds a store now.
            let again = admin(&restore);
            assert!(
                !again.status.success() && String::from_utf8_lossy(&again.stderr).contains("holds a store")
            );
            Server::start_at(&restored, &addr)
        }
        Some(c) => {
            let url = c.database();
            c.restore(&backup, database_of(&url));
            said_epoch_1(admin(&["admin", "--store", &url, "restored"]));
            Server::start_on(&url, c.clone(), &addr)
        }
    };

    // Kari's session is from before the backup: her replica starts over by itself.
    kari.ok(&["sync"]);
    // Ola's session was opened after it: the server does not know it; he signs in again.
    let (_, said) = ola.fails(&["sync"]);
    assert!(said.contains("sitroom login"), "{said}");
    ola.login(&server.url, "ola");
    ola.ok(&["sync"]);
    kari.ok(&["sync"]);

    let check = Home::new();
    server.add_user("kontroll", ORG, &["kriseledelse"]);
    check.login(&server.url, "kontroll");
    check.ok(&["sync"]);
    for (who, home) in [("the server", &check), ("kari", &*kari), ("ola", &ola)] {
        let texts: Vec<String> =
            home.entries().iter().map(|e| e["text"].as_str().unwrap_or("").to_string()).collect();
        for w in &written {
            let n = texts.iter().filter(|t| *t == w).count();
            assert_eq!(n, 1, "{who} has {w:?} {n} times: {texts:#?}");
        }
    }
}

/// `serve --config serve.toml` listens where the file says (HTTP and SSH), a flag
/// given wins over the file, and a mistake in the file is a warning naming it while
/// the server starts.
#[test]
fn the_config_file_sets_what_the_flags_do_and_a_flag_wins() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    let start = |extra: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"))
            .args(["--db", dir.path().join("server.db").to_str().unwrap(), "serve", "--config"])
            .arg(&config)
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        (child.stdout.take().map(std::io::BufReader::new).unwrap(), child)
    };
    let end = |mut child: std::process::Child| {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stderr).to_string()
    };

    std::fs::write(
        &config,
        "[server]\nlisten = \"127.0.0.1:0\"\nlisen = \"typo\"\nread_timeout = \"5s\"\n\n[ssh]\nlisten = \"127.0.0.1:0\"\nidle = \"30m\"\n\n[bogus]\nx = 1\n",
    )
    .unwrap();
    let (mut out, child) = start(&[]);
    let mut said = String::new();
    for _ in 0..2 {
        out.read_line(&mut said).unwrap();
    }
    let http = said.lines().find_map(|l| l.strip_prefix("listening on http://")).map(str::to_string);
    let ssh = said.lines().find(|l| l.starts_with("ssh on 127.0.0.1:"));
    assert!(http.is_some() && ssh.is_some(), "both from the file: {said}");
    let health = get(&http.unwrap(), "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let warnings = end(child);
    assert!(warnings.contains("[server] has no 'lisen'"), "{warnings}");
    assert!(warnings.contains("there is no section [bogus]"), "{warnings}");

    // The file names an address this machine does not have; the flag wins.
    std::fs::write(&config, "[server]\nlisten = \"192.0.2.1:7878\"\n").unwrap();
    let (mut out, child) = start(&["--listen", "127.0.0.1:0"]);
    let mut said = String::new();
    out.read_line(&mut said).unwrap();
    assert!(said.starts_with("listening on http://127.0.0.1:"), "{said}");
    end(child);
}

/// The database's name in a store URL.
fn database_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap().split('?').next().unwrap()
}

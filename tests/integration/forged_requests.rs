//! An attacker with a valid, lower-privileged account speaks the wire directly: crafted
//! `POST /v1/sync` requests against a real `sitroom serve`. Every forged change is
//! refused with its reason, and the victim organisation's data is unchanged on the
//! server and on its replicas.

use crate::common::server::{Server, PASSWORD};
use crate::common::Home;
use serde_json::{json, Value};
use sitroom::replication::{Action, Hlc, Kind, Op};
use sitroom::sync::client::Client;
use sitroom::sync::wire::{SyncRequest, SyncResponse, VERSION};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// The session a home signed in with: token and replica id.
fn session(h: &Home) -> (String, String) {
    let login: Value =
        serde_json::from_str(&std::fs::read_to_string(h.path().join("sitroom.db.login")).unwrap()).unwrap();
    let origin = sitroom::store::Store::open(&h.db()).unwrap().device_id().unwrap();
    (login["token"].as_str().unwrap().to_string(), origin)
}

fn push(server: &Server, token: &str, ops: Vec<Op>) -> SyncResponse {
    let client = Client::new(&server.url).unwrap();
    let req = SyncRequest::new(0, ops);
    rt().block_on(client.round(token, &req)).unwrap()
}

fn json_of(h: &Home, args: &[&str]) -> Value {
    serde_json::from_str(&h.ok(args)).unwrap()
}

/// A change as an attacker writes it: every field theirs to choose.
fn forged(
    kind: Kind,
    action: Action,
    entity: &str,
    incident: &str,
    fields: Value,
    who: (&str, &str, &str),
) -> Op {
    let entity = Uuid::parse_str(entity).unwrap();
    Op {
        id: if action == Action::Create { entity } else { Uuid::now_v7() },
        hlc: Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis()),
        origin: who.1.to_string(),
        author: who.0.to_string(),
        device: who.2.to_string(),
        kind,
        entity,
        incident: Uuid::parse_str(incident).unwrap(),
        action,
        fields: fields.as_object().cloned().unwrap(),
        base: Default::default(),
        sig: String::new(),
    }
}

fn device(h: &Home) -> String {
    let login: Value =
        serde_json::from_str(&std::fs::read_to_string(h.path().join("sitroom.db.login")).unwrap()).unwrap();
    login["device"].as_str().unwrap().to_string()
}

fn reason(r: &SyncResponse, id: Uuid) -> String {
    r.refused.iter().find(|(i, _)| *i == id).map(|(_, why)| why.clone()).unwrap_or_default()
}

/// Two organisations on one server: Sandefjord (the victim: a crisis leader, an
/// emergency-planning officer, a logger) and Larvik (the attacker: an administrator).
struct World {
    server: Server,
    kari: Home,
    bjorn: Home,
    ola: Home,
    attacker: Home,
}

fn world() -> World {
    let server = Server::start();
    server.add_org("Sandefjord kommune");
    server.add_org("Larvik kommune");
    server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    server.add_user("bjorn", "Sandefjord kommune", &["beredskapsmedarbeider"]);
    server.add_user("ola", "Sandefjord kommune", &["loggfører"]);
    server.add_user("per", "Sandefjord kommune", &["informasjonsmedarbeider"]);
    server.add_user("b_admin", "Larvik kommune", &["administrator"]);
    let (kari, bjorn, ola, attacker) = (Home::new(), Home::new(), Home::new(), Home::new());
    for (h, name) in [(&kari, "kari"), (&bjorn, "bjorn"), (&ola, "ola"), (&attacker, "b_admin")] {
        h.login(&server.url, name);
    }
    kari.ok(&["incident", "new", "--title", "Storm i Sandefjord", "--type", "strømbrudd"]);
    kari.ok(&["log", "add", "Strømmen er borte i Vesterøya"]);
    kari.ok(&["task", "add", "--title", "Sjekk aggregatet på sykehjemmet"]);
    kari.ok(&["report", "new", "--template", "situasjonsrapport", "--title", "Sitrep 1"]);
    kari.ok(&["report", "submit", "1"]);
    kari.ok(&["report", "approve", "1"]);
    kari.ok(&["sync"]);
    for h in [&bjorn, &ola] {
        h.ok(&["sync"]);
        h.ok(&["incident", "use", "1"]);
    }
    attacker.ok(&["incident", "new", "--title", "Øvelse i Larvik", "--type", "annet"]);
    attacker.ok(&["sync"]);
    World { server, kari, bjorn, ola, attacker }
}

impl World {
    /// The victim's view: what a fresh replica of Sandefjord gets from the server.
    fn victims_view(&self) -> (String, Value, Value, Value) {
        let fresh = Home::new();
        fresh.login(&self.server.url, "kari");
        fresh.ok(&["sync"]);
        fresh.ok(&["incident", "use", "1"]);
        (
            fresh.state_hash(),
            json_of(&fresh, &["incident", "list", "--json"]),
            json_of(&fresh, &["task", "list", "--json"]),
            json_of(&fresh, &["report", "list", "--json"]),
        )
    }
}

#[test]
fn another_organisations_records_cannot_be_changed_through_ones_own_incident() {
    let w = world();
    let before = w.victims_view();
    let incident = &json_of(&w.kari, &["incident", "list", "--json"])[0];
    let task = &json_of(&w.kari, &["task", "list", "--json"])[0];
    let report = &json_of(&w.kari, &["report", "list", "--json"])[0];
    let own = json_of(&w.attacker, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let (token, origin) = session(&w.attacker);
    let dev = device(&w.attacker);
    let me = ("b_admin", origin.as_str(), dev.as_str());
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let attacks = vec![
        forged(
            Kind::Incident,
            Action::Set,
            &id(incident),
            &own,
            json!({"status": "closed", "closed_at": 1}),
            me,
        ),
        forged(
            Kind::Task,
            Action::Set,
            &id(task),
            &own,
            json!({"status": "avbrutt", "assignee": "b_admin was here"}),
            me,
        ),
        forged(Kind::Report, Action::Set, &id(report), &own, json!({"text": "omskrevet av Larvik"}), me),
        // The same, naming the victim's incident honestly.
        forged(Kind::Task, Action::Set, &id(task), &id(incident), json!({"status": "avbrutt"}), me),
        // A correction in the attacker's own incident of an entry in the victim's.
        forged(
            Kind::LogEntry,
            Action::Create,
            &Uuid::now_v7().to_string(),
            &own,
            json!({"text": "retting", "corrects": w.kari.entries()[0]["id"], "prev_hash": "0".repeat(12)}),
            me,
        ),
    ];
    let ids: Vec<Uuid> = attacks.iter().map(|o| o.id).collect();
    let answer = push(&w.server, &token, attacks);
    assert_eq!(answer.refused.len(), ids.len(), "every forged change is refused: {:?}", answer.refused);
    assert!(reason(&answer, ids[0]).contains("belongs to incident"), "{}", reason(&answer, ids[0]));
    assert!(reason(&answer, ids[1]).contains("belongs to incident"), "{}", reason(&answer, ids[1]));
    assert!(reason(&answer, ids[2]).contains("belongs to incident"), "{}", reason(&answer, ids[2]));
    assert!(reason(&answer, ids[3]).contains("another organisation"), "{}", reason(&answer, ids[3]));
    assert!(reason(&answer, ids[4]).contains("another incident"), "{}", reason(&answer, ids[4]));
    assert_eq!(w.victims_view(), before, "the victim's data is unchanged on the server");
    w.kari.ok(&["sync"]);
    assert_eq!(json_of(&w.kari, &["task", "list", "--json"])[0]["status"], "ny");
    assert_eq!(w.kari.state_hash(), before.0, "and on the victim's replica");
}

#[test]
fn an_approved_report_cannot_be_rewritten_by_one_who_may_not_approve() {
    let w = world();
    let before = w.victims_view();
    let report = &json_of(&w.bjorn, &["report", "list", "--json"])[0];
    assert_eq!(report["status"], "godkjent");
    let incident = json_of(&w.bjorn, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let (token, origin) = session(&w.bjorn);
    let dev = device(&w.bjorn);
    let mut edit = forged(
        Kind::Report,
        Action::Set,
        report["id"].as_str().unwrap(),
        &incident,
        json!({"text": "Alt er under kontroll."}),
        ("bjorn", &origin, &dev),
    );
    // It even names the current text as what it replaced: no conflict would show.
    edit.base.insert("text".into(), vec![edit.entity]);
    let answer = push(&w.server, &token, vec![edit.clone()]);
    let why = reason(&answer, edit.id);
    assert!(why.contains("frozen"), "{why}");
    assert_eq!(w.victims_view(), before);
    // Nor may an administrator rewrite it: approved text is frozen for everyone.
    let (token, origin) = session(&w.kari);
    let dev = device(&w.kari);
    let edit = forged(
        Kind::Report,
        Action::Set,
        report["id"].as_str().unwrap(),
        &incident,
        json!({"text": "x"}),
        ("kari", &origin, &dev),
    );
    assert!(reason(&push(&w.server, &token, vec![edit.clone()]), edit.id).contains("frozen"));
}

#[test]
fn author_device_and_replica_cannot_be_forged() {
    let w = world();
    let before = w.victims_view();
    let incident = json_of(&w.ola, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let (token, origin) = session(&w.ola);
    let dev = device(&w.ola);
    let entry = |fields: Value, who: (&str, &str, &str)| {
        forged(Kind::LogEntry, Action::Create, &Uuid::now_v7().to_string(), &incident, fields, who)
    };
    let genesis = "0".repeat(12);
    // Ola's own replica, but Kari as the author (in the op, or in the entry itself).
    let as_kari =
        entry(json!({"text": "Kari sier: evakuer alt", "prev_hash": genesis}), ("kari", &origin, &dev));
    let in_text =
        entry(json!({"text": "evakuer", "author": "kari", "prev_hash": genesis}), ("ola", &origin, &dev));
    let other_device =
        entry(json!({"text": "fra kontoret", "prev_hash": genesis}), ("ola", &origin, "kari-pc"));
    // Kari's replica, continuing her chain from her newest entry.
    let (_, karis_origin) = session(&w.kari);
    let newest = w.kari.entries().last().unwrap()["hash"].as_str().unwrap()[..12].to_string();
    let as_karis_replica =
        entry(json!({"text": "i Karis kjede", "prev_hash": newest}), ("ola", &karis_origin, &dev));
    let forged_ops = vec![as_kari, in_text, other_device, as_karis_replica];
    let answer = push(&w.server, &token, forged_ops.clone());
    assert!(reason(&answer, forged_ops[0].id).contains("author"), "{:?}", answer.refused);
    assert!(reason(&answer, forged_ops[1].id).contains("true author"), "{:?}", answer.refused);
    assert!(reason(&answer, forged_ops[2].id).contains("device"), "{:?}", answer.refused);
    assert!(reason(&answer, forged_ops[3].id).contains("signature"), "{:?}", answer.refused);
    assert_eq!(w.victims_view(), before);

    // Signing in as Ola while claiming Kari's replica id, with a key of one's own.
    let key = sitroom::keys::SigningKey::generate();
    let client = Client::new(&w.server.url).unwrap();
    let err = rt().block_on(client.login("ola", PASSWORD, "ola-pc", &karis_origin, &key)).unwrap_err();
    assert!(err.to_string().contains("another device's key"), "{err}");

    // Kari's chain is whole everywhere, and her next entry still arrives.
    w.kari.ok(&["log", "add", "Neste fra Kari"]);
    w.kari.ok(&["sync"]);
    w.ola.ok(&["sync"]);
    for h in [&w.kari, &w.ola] {
        let v = h.ok(&["log", "verify"]);
        assert!(v.contains("intact"), "{v}");
    }
    assert!(w.ola.entries().iter().any(|e| e["text"] == "Neste fra Kari"));
}

#[test]
fn ops_that_cannot_apply_are_refused_at_the_door_and_never_relayed() {
    let w = world();
    let incident = json_of(&w.ola, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let (token, origin) = session(&w.ola);
    let dev = device(&w.ola);
    let me = ("ola", origin.as_str(), dev.as_str());
    let mut junk: Vec<Op> = (0..1000)
        .map(|i| {
            let prev: String = format!("{:012x}", (i as u64 + 1) * 0x9e37_79b9);
            forged(
                Kind::LogEntry,
                Action::Create,
                &Uuid::now_v7().to_string(),
                &incident,
                json!({"text": format!("støy {i}"), "prev_hash": prev}),
                me,
            )
        })
        .collect();
    junk.push(forged(
        Kind::Task,
        Action::Set,
        &Uuid::now_v7().to_string(),
        &incident,
        json!({"status": "utført"}),
        me,
    ));
    junk.push(forged(
        Kind::Task,
        Action::Create,
        &Uuid::now_v7().to_string(),
        &incident,
        json!({"title": "x", "shoe_size": 44}),
        me,
    ));
    junk.push(forged(
        Kind::LogEntry,
        Action::Create,
        &Uuid::now_v7().to_string(),
        &Uuid::now_v7().to_string(),
        json!({"text": "x", "prev_hash": "0".repeat(12)}),
        me,
    ));
    let n = junk.len();
    let answer = push(&w.server, &token, junk.clone());
    assert_eq!(answer.refused.len(), n, "all refused");
    assert!(reason(&answer, junk[0].id).contains("does not follow"), "{}", reason(&answer, junk[0].id));
    assert!(reason(&answer, junk[1000].id).contains("no task"), "{}", reason(&answer, junk[1000].id));
    assert!(
        reason(&answer, junk[1001].id).contains("no field 'shoe_size'"),
        "{}",
        reason(&answer, junk[1001].id)
    );
    assert!(reason(&answer, junk[1002].id).contains("does not know"), "{}", reason(&answer, junk[1002].id));
    // A body with an unknown kind is refused whole, with a message.
    let client = Client::new(&w.server.url).unwrap();
    let mut bad = serde_json::to_value(&junk[0]).unwrap();
    bad["k"] = json!("weather");
    let body = json!({"c": 0, "p": [bad]}).to_string();
    let reply = raw_post(&w.server.addr, "/v1/sync", &token, body.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 400") && reply.contains("weather"), "{reply}");
    drop(client);
    // Nothing of it waits on the server, and nothing reaches the others.
    let kari_before = w.kari.state_hash();
    let pulled = w.kari.ok(&["sync"]);
    assert!(pulled.contains("0 received"), "{pulled}");
    assert_eq!(w.kari.state_hash(), kari_before);
    let ids: Vec<String> = junk.iter().map(|o| format!("'{}'", o.id)).collect();
    let kept = w.server.sql(
        "SELECT count(*) FROM oplog WHERE state <> 1",
        &format!("SELECT count(*) FROM ops WHERE op_id IN ({})", ids.join(",")),
    );
    assert_eq!(kept, "0", "the server keeps nothing half-known");
}

fn raw_post(addr: &str, path: &str, token: &str, body: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\nt: {token}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn login_body(user: &str, password: &str) -> Vec<u8> {
    let key = sitroom::keys::SigningKey::generate();
    let origin = format!("r{}", &Uuid::now_v7().simple().to_string()[20..]);
    let public = key.public();
    let proof = key.sign(&sitroom::keys::login_message(user, &origin, &public));
    json!({"version": VERSION, "user": user, "password": password, "device": "x", "origin": origin, "key": public, "proof": proof})
        .to_string()
        .into_bytes()
}

fn login_from(from: &str, addr: &str, body: &[u8]) -> String {
    let target: std::net::SocketAddr = addr.parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let head = format!(
        "POST /v1/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    rt().block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = socket.connect(target).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(body).await.unwrap();
        let mut out = String::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), s.read_to_string(&mut out)).await;
        out
    })
}

#[test]
fn guessing_passwords_is_slowed_and_names_cannot_be_told_apart() {
    let server = Server::start();
    server.add_org("Sandefjord kommune");
    server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let status = |reply: &str| reply.split_whitespace().nth(1).unwrap_or_default().to_string();
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(status(&login_from(
            "127.0.0.1",
            &server.addr,
            &login_body("kari", &format!("gjett-{i}")),
        )));
    }
    assert!(statuses[..5].iter().all(|s| s == "401"), "{statuses:?}");
    assert!(statuses.iter().any(|s| s == "429"), "repeated failures are held back: {statuses:?}");
    // The right password right after the guesses is held back too, with a time to wait.
    let right = login_from("127.0.0.1", &server.addr, &login_body("kari", PASSWORD));
    assert!(right.starts_with("HTTP/1.1 429") && right.to_lowercase().contains("retry-after"), "{right}");
    // A name with no account is treated exactly like one that has.
    let mut unknown = Vec::new();
    for i in 0..12 {
        unknown.push(status(&login_from(
            "127.0.0.3",
            &server.addr,
            &login_body("finnes-ikke", &format!("x{i}")),
        )));
    }
    assert!(unknown[..5].iter().all(|s| s == "401") && unknown.iter().any(|s| s == "429"), "{unknown:?}");
}

/// Guesses spread over two servers of one store (behind a load balancer, say) have one
/// budget: the failures are counted in the store, not in each server's memory.
#[test]
fn guesses_spread_over_two_servers_are_held_back_on_both() {
    let first = Server::start();
    first.add_org("Sandefjord kommune");
    first.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let second = first.another_at("127.0.0.1:0");
    let servers = [&first.addr, &second.addr];
    let status = |reply: &str| reply.split_whitespace().nth(1).unwrap_or_default().to_string();
    // Seven wrong guesses, spread over both: each server alone would have let all
    // through. (After the sixth the next waits a second, after the seventh two.)
    for i in 0..7 {
        if i == 6 {
            std::thread::sleep(Duration::from_millis(1_100));
        }
        let reply = login_from("127.0.0.8", servers[i % 2], &login_body("kari", &format!("gjett-{i}")));
        assert_eq!(status(&reply), "401", "guess {i}: {reply}");
    }
    for addr in servers {
        let reply = login_from("127.0.0.9", addr, &login_body("kari", PASSWORD));
        assert!(reply.starts_with("HTTP/1.1 429"), "held back at {addr} too: {reply}");
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_login_flood_leaves_memory_flat_and_others_can_still_sign_in() {
    let server = Server::start();
    server.add_org("Sandefjord kommune");
    server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let pid = server.pid();
    let addr: std::net::SocketAddr = server.addr.parse().unwrap();
    let flood = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(128));
            let mut tasks = Vec::new();
            for i in 0..1000 {
                let permit = gate.clone().acquire_owned().await.unwrap();
                // From one address, for many names.
                let from = "127.0.0.1".to_string();
                let body = login_body(&format!("bruker{}", i % 300), "feil passord");
                tasks.push(tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let socket = tokio::net::TcpSocket::new_v4().unwrap();
                    let _ = socket.bind(format!("{from}:0").parse().unwrap());
                    if let Ok(mut s) = socket.connect(addr).await {
                        let head = format!(
                            "POST /v1/login HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = s.write_all(head.as_bytes()).await;
                        let _ = s.write_all(&body).await;
                        let mut out = Vec::new();
                        let _ = tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut out)).await;
                    }
                    drop(permit);
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        });
    });
    let mut peak = 0;
    let mut signed_in = None;
    while !flood.is_finished() {
        peak = peak.max(rss_kib(pid));
        if signed_in.is_none() {
            let started = Instant::now();
            let reply = login_from("127.0.0.2", &server.addr, &login_body("kari", PASSWORD));
            assert!(reply.starts_with("HTTP/1.1 200"), "a correct sign-in during the flood: {reply}");
            signed_in = Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    flood.join().unwrap();
    peak = peak.max(rss_kib(pid));
    eprintln!("login flood: peak RSS {} MiB; a correct sign-in answered in {:?}", peak / 1024, signed_in);
    // Flat: a few password checks at once (19 MiB each), not hundreds. (What the
    // process holds besides varies with how busy the machine is: its threads' arenas.)
    assert!(peak < 256 * 1024, "peak RSS {} MiB", peak / 1024);
    assert!(signed_in.is_some());
}

#[test]
fn idle_http2_connections_are_closed() {
    let server = Server::start();
    let mut s = TcpStream::connect(&server.addr).unwrap();
    // HTTP/2 by prior knowledge: the preface and an empty SETTINGS frame, then nothing.
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            // A signal to the test process (another test's child ending) is no answer.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("the idle connection was still open after {:?}: {e}", started.elapsed()),
        }
    }
}

#[test]
fn the_server_file_is_private_and_cleartext_off_loopback_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    // The file's own mode: a SQLite store, whatever store the run asks for.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_at(&dir.path().join("server.db"), "127.0.0.1:0");
    server.add_org("Sandefjord kommune");
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", server.db.display());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"))
        .args(["--db", server.db.to_str().unwrap(), "serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-cleartext"));
}

#[test]
fn tokens_end_and_are_refreshed_without_the_password() {
    let server = Server::start();
    server.add_org("Sandefjord kommune");
    server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let h = Home::new();
    h.login(&server.url, "kari");
    let (old, _) = session(&h);
    let client = Client::new(&server.url).unwrap();
    let fresh = rt().block_on(client.refresh(&old)).unwrap();
    assert_ne!(fresh.token, old);
    let req = SyncRequest::new(0, vec![]);
    assert!(rt().block_on(client.round(&old, &req)).is_err(), "the old token ends at the next round");
    assert!(rt().block_on(client.round(&fresh.token, &req)).is_ok());
    // A token past its lifetime is refused.
    server
        .sql("UPDATE tokens SET expires_at = 1 RETURNING 1", "UPDATE tokens SET expires_at = 1 RETURNING 1");
    let err = rt().block_on(client.round(&fresh.token, &req)).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
}

#[test]
fn the_significant_mark_and_decisions_need_the_right_to_decide_and_the_mark_is_logged() {
    let w = world();
    let per = Home::new();
    per.login(&w.server.url, "per");
    per.ok(&["sync"]);
    per.ok(&["incident", "use", "1"]);
    // Locally the information officer is told no.
    let (_, err) = per.fails(&["log", "mark", "1"]);
    assert!(err.contains("record decisions or mark entries significant"), "{err}");
    let (_, err) = per.fails(&["log", "add", "!Vi stenger skolene"]);
    assert!(err.contains("record decisions"), "{err}");
    // On the wire too.
    let incident = json_of(&per, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let first = per.entries()[0]["id"].as_str().unwrap().to_string();
    let (token, origin) = session(&per);
    let dev = device(&per);
    let who = ("per", origin.as_str(), dev.as_str());
    let mark = forged(Kind::LogEntry, Action::Set, &first, &incident, json!({"significant": 1}), who);
    let decide = forged(
        Kind::LogEntry,
        Action::Create,
        &Uuid::now_v7().to_string(),
        &incident,
        json!({"text": "Vi stenger skolene", "kind": "decision", "prev_hash": "0".repeat(12)}),
        who,
    );
    let answer = push(&w.server, &token, vec![mark.clone(), decide.clone()]);
    for op in [&mark, &decide] {
        assert!(
            reason(&answer, op.id).contains("record decisions or mark entries significant"),
            "{:?}",
            answer.refused
        );
    }
    // The logger may, and the marking is in the log for everyone.
    w.ola.ok(&["log", "mark", "1"]);
    w.ola.ok(&["sync"]);
    w.kari.ok(&["sync"]);
    let log = w.kari.ok(&["log", "list"]);
    assert!(log.contains("Loggføringen ") && log.contains("markert som vesentlig"), "{log}");
}

#[test]
fn reporting_lines_cannot_loop() {
    let server = Server::start();
    for org in ["Sandefjord kommune", "Statsforvalteren i Vestfold og Telemark", "DSB"] {
        server.add_org(org);
    }
    let ok = |args: &[&str]| assert!(server.admin(args).status.success(), "{args:?}");
    ok(&["org", "parent", "Sandefjord kommune", "Statsforvalteren i Vestfold og Telemark"]);
    ok(&["org", "parent", "Statsforvalteren i Vestfold og Telemark", "DSB"]);
    let out = server.admin(&["org", "parent", "DSB", "Sandefjord kommune"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loop"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_shared_report_comes_from_the_organisation_the_server_knows_and_a_changed_file_is_refused() {
    const COUNTY: &str = "Statsforvalteren i Vestfold og Telemark";
    let server = Server::start();
    for org in [COUNTY, "Larvik kommune", "Sandefjord kommune"] {
        server.add_org(org);
    }
    for org in ["Larvik kommune", "Sandefjord kommune"] {
        assert!(server.admin(&["org", "parent", org, COUNTY]).status.success());
    }
    server.add_user("siri", "Sandefjord kommune", &["kriseledelse"]);
    server.add_user("sara", COUNTY, &["kriseledelse"]);
    // Sandefjord's user calls the installation Larvik in the configuration.
    let sandefjord = Home::new();
    sandefjord.configure("installation = \"Larvik kommune\"\n");
    sandefjord.login(&server.url, "siri");
    sandefjord.approved_sitrep("## Situasjon\nStrømmen er tilbake i Andebu.\n");
    sandefjord.ok(&["report", "share", "1", "--upward"]);
    let county = Home::new();
    county.login(&server.url, "sara");
    county.ok(&["incident", "new", "--title", "Uvær i Vestfold", "--type", "strømbrudd"]);
    assert!(county.ok(&["report", "inbox", "--lang", "nb"]).starts_with("1 nye"));
    let log: Vec<String> = county.entries().iter().map(|e| e["text"].as_str().unwrap().to_string()).collect();
    assert!(log.iter().any(|t| t.starts_with("Mottatt situasjonsrapport fra Sandefjord kommune")), "{log:?}");
    assert!(!log.iter().any(|t| t.contains("Larvik")), "{log:?}");

    // On the wire, a package that says Larvik with Sandefjord's session is refused.
    let file = sandefjord.path().join("sitrep.json");
    sandefjord.ok(&["report", "share", "1", "--out", file.to_str().unwrap()]);
    let genuine: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(genuine["from"], "Sandefjord kommune");
    let mut claims_larvik = genuine.clone();
    claims_larvik["from"] = "Larvik kommune".into();
    let (token, _) = session(&sandefjord);
    let reply = raw_post(&server.addr, "/v1/shares", &token, claims_larvik.to_string().as_bytes());
    assert!(
        reply.starts_with("HTTP/1.1 400") && reply.contains("signed in for 'Sandefjord kommune'"),
        "{reply}"
    );

    // As a file: any changed field, or a new text with its checksum made again, or a
    // new signature by another key, is refused by the receiver.
    let text = "## Situasjon\nAlt er normalt.\n";
    let sum: String = {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    type Change = Box<dyn Fn(&mut Value)>;
    let changes: Vec<(&str, Change)> = vec![
        ("from", Box::new(|v: &mut Value| v["from"] = "Larvik kommune".into())),
        ("approved_by", Box::new(|v: &mut Value| v["approved_by"] = "ordføreren".into())),
        ("version", Box::new(|v: &mut Value| v["version"] = 7.into())),
        ("id", Box::new(|v: &mut Value| v["id"] = Uuid::now_v7().to_string().into())),
        (
            "text and checksum",
            Box::new(move |v: &mut Value| {
                v["text"] = text.into();
                v["sha256"] = sum.clone().into();
            }),
        ),
        (
            "signed anew by another key",
            Box::new(|v: &mut Value| {
                v["from"] = "Larvik kommune".into();
                let mut r: sitroom::domain::share::SharedReport = serde_json::from_value(v.clone()).unwrap();
                let key = sitroom::keys::SigningKey::generate();
                use sitroom::keys::Sealed;
                r.seal.key = key.public();
                r.seal.signature = key.sign(&r.signed_bytes());
                *v = serde_json::to_value(&r).unwrap();
            }),
        ),
    ];
    for (what, change) in changes {
        let mut v = genuine.clone();
        change(&mut v);
        let bad = county.path().join("endret.json");
        std::fs::write(&bad, v.to_string()).unwrap();
        let (_, err) = county.fails(&["report", "receive", bad.to_str().unwrap()]);
        assert!(err.contains("refused"), "{what}: {err}");
    }
    let ok = county.ok(&["report", "receive", file.to_str().unwrap()]);
    assert!(ok.contains("Sandefjord kommune") || ok.contains("mottatt"), "{ok}");
}

#[test]
fn the_approval_record_is_the_approvers_and_stamps_must_be_plausible() {
    let w = world();
    let before = w.victims_view();
    let per = Home::new();
    per.login(&w.server.url, "per");
    per.ok(&["sync"]);
    let incident = json_of(&per, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let report = json_of(&per, &["report", "list", "--incident", "1", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (token, origin) = session(&per);
    let dev = device(&per);
    let me = ("per", origin.as_str(), dev.as_str());
    let set = |fields: Value| forged(Kind::Report, Action::Set, &report, &incident, fields, me);
    let new = |fields: Value| {
        forged(Kind::Report, Action::Create, &Uuid::now_v7().to_string(), &incident, fields, me)
    };
    let mut future = forged(
        Kind::LogEntry,
        Action::Create,
        &Uuid::now_v7().to_string(),
        &incident,
        json!({"text": "fra fremtiden", "prev_hash": "0".repeat(12)}),
        me,
    );
    future.hlc = Hlc(i64::MAX as u64);
    let mut backdated = new(
        json!({"kind": "situasjonsrapport", "title": "Tidlig", "text": "x", "status": "utkast", "created_at": 1, "created_by": "per"}),
    );
    backdated.hlc = Hlc(1 << 16);
    let attacks = vec![
        (set(json!({"approved_by": null})), "frozen"),
        (set(json!({"approved_at": 0, "approved_rev": Uuid::now_v7()})), "frozen"),
        (set(json!({"comment": "endret etterpå"})), "frozen"),
        (
            new(
                json!({"kind": "situasjonsrapport", "title": "Falsk", "text": "x", "status": "utkast", "approved_by": "kari", "created_at": 1, "created_by": "per"}),
            ),
            "approve reports",
        ),
        (
            new(
                json!({"kind": "situasjonsrapport", "title": "Falsk", "text": "x", "status": "utkast", "created_at": 1, "created_by": "kari"}),
            ),
            "'created_by'",
        ),
        (future, "in the future"),
        (backdated, "before its record or incident existed"),
    ];
    let answer = push(&w.server, &token, attacks.iter().map(|(op, _)| op.clone()).collect());
    for (op, why) in &attacks {
        let got = reason(&answer, op.id);
        assert!(got.contains(why), "{why}: {got} ({:?})", op.fields);
    }
    assert_eq!(w.victims_view(), before);
    // The clock of everyone else is where it was: Kari still writes and syncs.
    w.kari.ok(&["log", "add", "Etter angrepet"]);
    w.kari.ok(&["sync"]);
    assert!(w.kari.ok(&["log", "verify"]).contains("intact"));
}

#[test]
fn a_right_password_with_a_wrong_key_does_not_clear_the_count_of_guesses() {
    let server = Server::start();
    server.add_org("Sandefjord kommune");
    server.add_user("ola", "Sandefjord kommune", &["loggfører"]);
    let status = |reply: &str| reply.split_whitespace().nth(1).unwrap_or_default().to_string();
    let mut seen = Vec::new();
    for i in 0..30 {
        let reply = if i % 5 == 4 {
            // Ola's own password, but a key proof that does not hold.
            let mut body: Value = serde_json::from_slice(&login_body("ola", PASSWORD)).unwrap();
            body["key"] = "AAAA".into();
            login_from("127.0.0.5", &server.addr, body.to_string().as_bytes())
        } else {
            login_from("127.0.0.5", &server.addr, &login_body(&format!("navn{i}"), "gjetning"))
        };
        seen.push(status(&reply));
    }
    assert!(seen.iter().any(|s| s == "429"), "spraying from one address is held back: {seen:?}");
}

#[test]
fn a_push_in_reverse_order_is_placed_as_far_as_a_few_passes_go_and_the_rest_refused() {
    let w = world();
    let incident = json_of(&w.ola, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let (token, origin) = session(&w.ola);
    let dev = device(&w.ola);
    // A chain of 40 entries of Ola's, sent newest first.
    let mut prev = "0".repeat(64);
    let mut chain = Vec::new();
    for k in 0..40 {
        let mut op = forged(
            Kind::LogEntry,
            Action::Create,
            &Uuid::now_v7().to_string(),
            &incident,
            json!({"text": format!("melding {k}"), "prev_hash": prev[..12]}),
            ("ola", &origin, &dev),
        );
        op.hlc = Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis() + k);
        prev = sitroom::store::entry_hash_of(&op, &prev).unwrap();
        chain.push(op);
    }
    chain.reverse();
    let answer = push(&w.server, &token, chain.clone());
    let placed = chain.len() - answer.refused.len();
    assert!((1..=4).contains(&placed), "a few passes place a few: {placed}");
    // Everything is answered: placed, or refused with its reason.
    for op in &chain[..chain.len() - placed] {
        assert!(reason(&answer, op.id).contains("does not follow"), "{}", reason(&answer, op.id));
    }
}

/// A task's deadline, priority and description merge like its status (issue 14): the
/// server judges them the same way. An information officer, whose role may not manage
/// tasks, and another organisation's administrator are refused; the crisis leader's
/// change reaches the others.
#[test]
fn a_tasks_deadline_priority_and_description_are_judged_like_its_status() {
    let w = world();
    let incident = json_of(&w.kari, &["incident", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let task = json_of(&w.kari, &["task", "list", "--json"])[0]["id"].as_str().unwrap().to_string();
    let fields = json!({"priority": "kritisk", "due": 1, "description": "skrevet av en som ikke får"});
    let per = Home::new();
    per.login(&w.server.url, "per");
    per.ok(&["sync"]);
    let (token, origin) = session(&per);
    let dev = device(&per);
    let by_logger = forged(Kind::Task, Action::Set, &task, &incident, fields.clone(), ("per", &origin, &dev));
    let (atoken, aorigin) = session(&w.attacker);
    let adev = device(&w.attacker);
    let by_other_org =
        forged(Kind::Task, Action::Set, &task, &incident, fields, ("b_admin", &aorigin, &adev));
    let (l, a) = (by_logger.id, by_other_org.id);
    let answer = push(&w.server, &token, vec![by_logger]);
    assert!(
        reason(&answer, l).contains("may not"),
        "an information officer may not change a task: {:?}",
        answer.refused
    );
    let answer = push(&w.server, &atoken, vec![by_other_org]);
    assert!(reason(&answer, a).contains("another organisation"), "{}", reason(&answer, a));
    w.kari.ok(&["task", "set", "1", "--priority", "høy", "--description", "Diesel til 12 timer"]);
    w.kari.ok(&["sync"]);
    w.bjorn.ok(&["sync"]);
    let t = &json_of(&w.bjorn, &["task", "list", "--json"])[0];
    assert_eq!(
        (t["priority"].as_str(), t["description"].as_str()),
        (Some("høy"), Some("Diesel til 12 timer"))
    );
}

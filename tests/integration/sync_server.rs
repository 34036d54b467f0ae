//! Sync through a real `sitroom serve` on 127.0.0.1 with several client databases, each
//! driven through the real binary: offline work merging, a server killed mid-push,
//! sign-in, and the server's refusals with their reasons.

use crate::common::link::{Link, Shape};
use crate::common::server::Server;
use crate::common::Home;
use std::io::{Read, Write};
use std::time::Duration;

const ORG: &str = "Lillehammer kommune";

fn server_with(users: &[(&str, &[&str])]) -> Server {
    let s = Server::start();
    s.add_org(ORG);
    for (name, roles) in users {
        s.add_user(name, ORG, roles);
    }
    s
}

fn client(server_url: &str, user: &str) -> Home {
    let h = Home::new();
    h.login(server_url, user);
    h
}

fn sync(h: &Home) -> String {
    h.ok(&["sync"])
}

#[test]
fn three_clients_write_offline_and_converge_when_the_server_returns() {
    let mut server =
        server_with(&[("kari", &["kriseledelse"]), ("ola", &["loggfører"]), ("per", &["kriseledelse"])]);
    let (a, b, c) = (client(&server.url, "kari"), client(&server.url, "ola"), client(&server.url, "per"));
    a.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    a.ok(&["task", "add", "--title", "Evakuere campingplassen på Øyer"]);
    sync(&a);
    sync(&b);
    sync(&c);
    assert_eq!(b.entries().len(), 1, "the task's automatic entry reached ola");

    // The server goes away; everyone keeps working.
    let addr = server.addr.clone();
    server.kill();
    for (h, who) in [(&a, "stab"), (&b, "bil"), (&c, "heim")] {
        for i in 0..4 {
            h.ok(&["log", "add", &format!("{who} {i}: vannet står på Øyer, ærlig talt")]);
        }
        let (code, err) = h.fails(&["sync"]);
        assert_eq!(code, 2);
        assert!(err.contains("offline") && err.contains("changes wait here"), "{err}");
    }
    // Kari and Per both move the task, without seeing each other.
    a.ok(&["task", "status", "1", "pågår"]);
    std::thread::sleep(Duration::from_millis(5));
    c.ok(&["task", "status", "1", "avbrutt"]);
    assert!(a.sync_status()["waiting"].as_i64().unwrap() > 0);

    let _server = server.another_at(&addr);
    for h in [&a, &b, &c, &a, &b] {
        sync(h);
    }
    let hashes: Vec<String> = [&a, &b, &c].iter().map(|h| h.state_hash()).collect();
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[1], hashes[2]);
    for h in [&a, &b, &c] {
        let entries = h.entries();
        let written = entries.iter().filter(|e| e["kind"] == "note").count();
        assert_eq!(written, 12, "every entry once");
        h.ok(&["log", "verify"]);
        let conflicts: serde_json::Value =
            serde_json::from_str(&h.ok(&["conflict", "list", "--json"])).unwrap();
        assert_eq!(conflicts.as_array().unwrap().len(), 1, "the concurrent task moves are flagged");
        assert_eq!(conflicts[0]["field"], "status");
        assert_eq!(h.sync_status()["waiting"], 0);
    }
}

#[test]
fn a_server_killed_mid_push_loses_nothing_and_duplicates_nothing() {
    let mut server = server_with(&[("kari", &["kriseledelse"])]);
    let a = client(&server.url, "kari");
    a.ok(&["incident", "new", "--title", "Strømbrudd", "--type", "flom"]);
    let lines: String =
        (0..3000).map(|i| format!("Melding {i} fra feltet: strømmen er borte i Fåberg\n")).collect();
    let file = a.path().join("backlog.txt");
    std::fs::write(&file, lines).unwrap();
    a.ok(&["log", "import", file.to_str().unwrap()]);
    // Through a slow link the push takes several rounds; the server dies during it.
    let link = Link::start(&server.addr, Shape::radio(2_000_000, Duration::from_millis(20)));
    let mut login: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.path().join("sitroom.db.login")).unwrap()).unwrap();
    login["server"] = link.url().into();
    std::fs::write(a.path().join("sitroom.db.login"), login.to_string()).unwrap();
    let pushing = a
        .cmd()
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let addr = server.addr.clone();
    server.kill();
    let out = pushing.wait_with_output().unwrap();
    assert!(!out.status.success(), "the sync saw the server die");
    let waiting = a.sync_status()["waiting"].as_i64().unwrap();
    assert!(waiting > 0 && waiting < 3002, "part of the backlog got through before the kill: {waiting} left");

    let _server = server.another_at(&addr);
    sync(&a);
    assert_eq!(a.sync_status()["waiting"], 0);
    let b = client(&format!("http://{addr}"), "kari");
    sync(&b);
    let entries = b.entries();
    assert_eq!(entries.len(), 3000, "each entry arrived exactly once");
    let mut ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3000);
    assert_eq!(a.state_hash(), b.state_hash());
    b.ok(&["log", "verify"]);
}

#[test]
fn sign_in_is_checked_and_sessions_end() {
    let server = server_with(&[("kari", &["kriseledelse"]), ("ola", &["loggfører"])]);
    let h = Home::new();
    let out = h.try_login(&server.url, "kari", "feil-passord", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong user name or password"));
    // In bokmål too, not the server's English.
    let nb = std::path::Path::new("nb_NO.UTF-8");
    let out = h.try_login(&server.url, "kari", "feil-passord", &[("LANG", nb)]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("feil brukernavn eller passord for kari"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    h.login(&server.url, "ola");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.path().join("sitroom.db.login")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token is readable by its owner alone");
    }
    sync(&h);
    // An administrator disables the account: the very next sync is refused.
    assert!(server.admin(&["user", "disable", "ola"]).status.success());
    let (_, err) = h.fails(&["sync"]);
    assert!(err.contains("session is not valid"), "{err}");
    // A token that was never issued is refused the same way.
    let path = h.path().join("sitroom.db.login");
    let mut login: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    login["token"] = "0".repeat(64).into();
    std::fs::write(&path, login.to_string()).unwrap();
    let (_, err) = h.fails(&["sync"]);
    assert!(err.contains("session is not valid"), "{err}");
    // Logging out works even when the server refuses; afterwards sync says so.
    h.ok(&["logout"]);
    let (_, err) = h.fails(&["sync"]);
    assert!(err.contains("not signed in"), "{err}");
}

#[test]
fn the_server_refuses_what_a_role_may_not_do_and_says_why() {
    let server = server_with(&[("gjest", &["gjest"]), ("bjorn", &["beredskapsmedarbeider"])]);
    // Work done before signing in (one-user mode allows everything locally).
    let guest = Home::new();
    guest.ok(&["incident", "new", "--title", "Øvelse", "--type", "flom"]);
    guest.ok(&["log", "add", "skrevet av en gjest"]);
    guest.login(&server.url, "gjest");
    let out = guest.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "refusals make the sync fail");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("refused by the server: gjest (gjest) may not open, close or reopen incidents"),
        "{text}"
    );
    let status = guest.sync_status();
    assert!(status["refused"].as_array().unwrap().len() >= 2, "the refusals stay visible: {status}");

    // Bjørn works before signing in, under the name the server knows him by (work
    // done under another name is refused: the server stamps who wrote what).
    let writer = Home::new();
    let as_bjorn = |args: &[&str]| {
        let out = writer.cmd().env("USER", "bjorn").args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    as_bjorn(&["incident", "new", "--title", "Skred", "--type", "flom"]);
    as_bjorn(&["report", "new", "--template", "situasjonsrapport", "--title", "Sitrep 1"]);
    as_bjorn(&["report", "submit", "1"]);
    as_bjorn(&["report", "approve", "1"]);
    writer.login(&server.url, "bjorn");
    let out = writer.run(&["sync"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("bjorn (beredskapsmedarbeider) may not approve reports"), "{text}");
    // Everything else went through: a fresh replica of bjorn's sees the report, submitted.
    let other = client(&server.url, "bjorn");
    sync(&other);
    let reports: serde_json::Value = serde_json::from_str(&other.ok(&["report", "list", "--json"])).unwrap();
    assert_eq!(reports[0]["status"], "til godkjenning");
}

#[test]
fn another_organisations_incident_is_out_of_reach() {
    let server = server_with(&[("kari", &["kriseledelse"])]);
    server.add_org("Gausdal kommune");
    server.add_user("gunn", "Gausdal kommune", &["kriseledelse"]);
    let a = client(&server.url, "kari");
    a.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    a.ok(&["log", "add", "Lillehammer internt"]);
    sync(&a);
    let g = client(&server.url, "gunn");
    sync(&g);
    let listed: serde_json::Value = serde_json::from_str(&g.ok(&["incident", "list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0, "Gausdal sees nothing of Lillehammer's");
    // A bundle carries the incident to Gausdal anyway; writing into it is refused.
    let file = a.path().join("b.bundle");
    a.ok(&["bundle", "export", file.to_str().unwrap()]);
    g.ok(&["bundle", "import", file.to_str().unwrap()]);
    g.ok(&["log", "add", "--incident", "1", "fra Gausdal"]);
    let out = g.run(&["sync"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("another organisation's incident"), "{text}");
    sync(&a);
    assert!(a.entries().iter().all(|e| e["text"] != "fra Gausdal"));
}

#[test]
fn bundles_carry_changes_and_importing_twice_changes_nothing() {
    let a = Home::new();
    a.ok(&["incident", "new", "--title", "Bortfall av ekom", "--type", "flom"]);
    for i in 0..3 {
        a.ok(&["log", "add", &format!("satellittelefon {i}")]);
    }
    let file = a.path().join("usb.bundle");
    let out = a.ok(&["bundle", "export", "--json", file.to_str().unwrap()]);
    let meta: serde_json::Value = serde_json::from_str(&out).unwrap();
    let b = Home::new();
    let first = b.ok(&["bundle", "import", file.to_str().unwrap()]);
    assert!(first.contains("4 changes applied"), "{first}");
    let again = b.ok(&["bundle", "import", file.to_str().unwrap()]);
    assert!(again.contains("0 changes applied, 4 already here"), "{again}");
    assert_eq!(a.state_hash(), b.state_hash());
    // The next bundle carries only what is new.
    a.ok(&["log", "add", "ny melding"]);
    let since = meta["through"].to_string();
    let next = a.ok(&["bundle", "export", "--since", &since, file.to_str().unwrap()]);
    assert!(next.starts_with("1 changes"), "{next}");
    b.ok(&["bundle", "import", file.to_str().unwrap()]);
    assert_eq!(b.entries().len(), 4);
    let (_, err) = b.fails(&["bundle", "import", a.db().to_str().unwrap()]);
    assert!(
        err.contains("not a sitroom bundle") || err.contains("zstd") || err.contains("Unknown frame"),
        "{err}"
    );
}

/// A raw HTTP exchange, for requests no well-behaved client sends.
fn raw(addr: &str, request: &[u8]) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).to_string()
}

fn post(addr: &str, path: &str, auth: Option<&str>, body: &[u8]) -> String {
    let mut req =
        format!("POST {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    if let Some(t) = auth {
        req.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

#[test]
fn bad_requests_get_a_4xx_with_a_message_and_the_server_stays_up() {
    let mut server = server_with(&[("kari", &["kriseledelse"])]);
    let h = client(&server.url, "kari");
    let login: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.path().join("sitroom.db.login")).unwrap()).unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    let health = raw(&server.addr, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"), "{health}");

    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        ("no token", b"x".to_vec(), None, "401"),
        ("wrong token", b"x".to_vec(), Some("abc"), "401"),
        ("not zstd", b"{\"v\":1}".to_vec(), Some(&token), "400"),
        ("malformed", zstd::bulk::compress(b"{\"v\":1,\"c\":\"x\"}", 3).unwrap(), Some(&token), "400"),
        (
            "unknown version",
            zstd::bulk::compress(b"{\"v\":99,\"c\":0,\"o\":\"x\"}", 3).unwrap(),
            Some(&token),
            "400",
        ),
    ];
    for (what, body, auth, status) in cases {
        let reply = post(&server.addr, "/v1/sync", auth, &body);
        assert!(reply.starts_with(&format!("HTTP/1.1 {status}")), "{what}: {reply}");
        let message = reply.split("\r\n\r\n").nth(1).unwrap_or_default();
        assert!(message.len() > 10, "{what} says why: {reply}");
    }
    let unknown = post(
        &server.addr,
        "/v1/sync",
        Some(&token),
        &zstd::bulk::compress(b"{\"v\":99,\"c\":0,\"o\":\"x\"}", 3).unwrap(),
    );
    assert!(unknown.contains("version 99 is not supported"), "{unknown}");
    // A huge payload is refused without being read to the end.
    let huge = vec![b'a'; 9 * 1024 * 1024];
    let reply = post(&server.addr, "/v1/sync", Some(&token), &huge);
    assert!(reply.starts_with("HTTP/1.1 4"), "{}", &reply[..reply.len().min(200)]);
    // A body that never arrives ends in a 4xx, not a connection held forever.
    let stalled = raw(
        &server.addr,
        format!("POST /v1/sync HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-length: 1000\r\n\r\nabc")
            .as_bytes(),
    );
    assert!(stalled.starts_with("HTTP/1.1 400") && stalled.contains("did not arrive in time"), "{stalled}");
    // Sharing reports: malformed, altered or unaddressed packages are refused with a reason.
    // (what, path, body, token, status, what the answer says)
    type Case<'a> = (&'a str, &'a str, Vec<u8>, Option<&'a str>, &'a str, &'a str);
    let shares: Vec<Case> = vec![
        ("share without a token", "/v1/shares", b"{}".to_vec(), None, "401", "sign in"),
        (
            "not a shared report",
            "/v1/shares",
            b"{\"x\":1}".to_vec(),
            Some(&token),
            "400",
            "not a shared report",
        ),
        ("receipts, bad body", "/v1/shares/received", b"[1,2]".to_vec(), Some(&token), "400", "ids"),
        (
            "receipts, not uuids",
            "/v1/shares/received",
            b"{\"ids\":[\"x\"]}".to_vec(),
            Some(&token),
            "400",
            "ids",
        ),
    ];
    for (what, path, body, auth, status, says) in shares {
        let reply = post(&server.addr, path, auth, &body);
        assert!(reply.starts_with(&format!("HTTP/1.1 {status}")) && reply.contains(says), "{what}: {reply}");
    }
    let text = "## Situasjon\nRolig.";
    let sum: String = {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    let package = serde_json::json!({
        "format": "sitroom-shared-report/1", "id": uuid::Uuid::now_v7(), "from": ORG,
        "incident": { "id": uuid::Uuid::now_v7(), "number": 1, "title": "Flom", "type": "flom" },
        "report_id": uuid::Uuid::now_v7(), "number": 1, "version": 1, "kind": "situasjonsrapport",
        "title": "Sitrep", "text": text, "approved_by": "kari", "approved_at": "2026-11-24T10:00:00.000Z",
        "shared_by": "kari", "shared_at": "2026-11-24T10:05:00.000Z", "sha256": sum,
    });
    let altered = package.to_string().replace("Rolig.", "Uro.");
    let reply = post(&server.addr, "/v1/shares", Some(&token), altered.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 400") && reply.contains("SHA-256"), "{reply}");
    let reply = post(&server.addr, "/v1/shares", Some(&token), package.to_string().as_bytes());
    assert!(reply.starts_with("HTTP/1.1 409") && reply.contains("reports to no one"), "{reply}");
    // Acknowledging a sharing meant for someone else marks nothing.
    let reply = post(
        &server.addr,
        "/v1/shares/received",
        Some(&token),
        format!("{{\"ids\":[\"{}\"]}}", package["id"].as_str().unwrap()).as_bytes(),
    );
    assert!(reply.starts_with("HTTP/1.1 200") && reply.contains("\"acknowledged\":0"), "{reply}");
    assert!(server.is_running());
    sync(&h);
}

#[test]
fn random_and_truncated_bodies_never_break_the_server() {
    let server = server_with(&[("kari", &["kriseledelse"])]);
    let h = client(&server.url, "kari");
    h.ok(&["incident", "new", "--title", "Flom", "--type", "flom"]);
    h.ok(&["log", "add", "første melding"]);
    let login: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.path().join("sitroom.db.login")).unwrap()).unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    // A real request body, cut at every length, and random bytes.
    let bundle_file = h.path().join("b.bundle");
    h.ok(&["bundle", "export", bundle_file.to_str().unwrap()]);
    let ops: serde_json::Value = {
        let f = std::fs::File::open(&bundle_file).unwrap();
        let v: serde_json::Value =
            serde_json::from_reader(zstd::stream::read::Decoder::new(f).unwrap()).unwrap();
        v["ops"].clone()
    };
    let real = serde_json::to_vec(&serde_json::json!({"v": 1, "c": 0, "o": "fuzz", "p": ops})).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut bodies: Vec<Vec<u8>> = (0..real.len())
        .step_by(real.len() / 40 + 1)
        .map(|n| zstd::bulk::compress(&real[..n], 1).unwrap())
        .collect();
    let packed = zstd::bulk::compress(&real, 3).unwrap();
    bodies.extend((0..packed.len()).step_by(packed.len() / 20 + 1).map(|n| packed[..n].to_vec()));
    for len in [0, 1, 7, 64, 500, 4000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        bodies.push(bytes);
    }
    // Well-formed JSON with wrong types in an op: refused with a reason, not a panic.
    let mut wrong = ops.clone();
    wrong[1]["f"]["text"] = serde_json::json!(12);
    wrong[1]["i"] = uuid::Uuid::now_v7().to_string().into();
    wrong[1]["e"] = uuid::Uuid::now_v7().to_string().into();
    bodies.push(
        zstd::bulk::compress(
            &serde_json::to_vec(&serde_json::json!({"v": 1, "c": 0, "o": "f", "p": wrong})).unwrap(),
            1,
        )
        .unwrap(),
    );
    for body in &bodies {
        let reply = post(&server.addr, "/v1/sync", Some(&token), body);
        let status: u16 = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        assert!(
            (200..500).contains(&status),
            "a body of {} bytes got: {}",
            body.len(),
            &reply[..reply.len().min(300)]
        );
    }
    let health = raw(&server.addr, b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(health.starts_with("HTTP/1.1 200"), "the server is still up");
    // The well-formed part went in once; the malformed op was refused, not stored.
    sync(&h);
    let other = client(&server.url, "kari");
    sync(&other);
    assert_eq!(other.entries().len(), 1);
}

#[test]
fn clients_sync_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let server = Server::start_tls(&cert_pem, &key_pem);
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    server.add_org(ORG);
    server.add_user("kari", ORG, &["kriseledelse"]);
    // Without trusting the certificate the client refuses to talk.
    let h = Home::new();
    let out = h.try_login(&server.url, "kari", crate::common::server::PASSWORD, &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("offline"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Trusting it (SITROOM_CA_CERT), the whole round works over TLS.
    let with_ca = |h: &Home, args: &[&str]| {
        let out = h.cmd().env("SITROOM_CA_CERT", &cert_pem).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let out =
        h.try_login(&server.url, "kari", crate::common::server::PASSWORD, &[("SITROOM_CA_CERT", &cert_pem)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    h.ok(&["incident", "new", "--title", "Flom", "--type", "flom"]);
    h.ok(&["log", "add", "kryptert på vei"]);
    let out = with_ca(&h, &["sync"]);
    assert!(out.contains("2 sent"), "{out}");
}

#[test]
fn a_superadministrator_sees_and_acts_across_organisations() {
    let server = server_with(&[("kari", &["kriseledelse"])]);
    server.add_org("DSB");
    {
        use std::io::Write as _;
        let mut child = server
            .admin_cmd()
            .args(["user", "add", "dsb-vakt", "--org", "DSB"])
            .args(["--superadmin", "--password-stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{}", crate::common::server::PASSWORD).unwrap();
        assert!(child.wait().unwrap().success());
    }
    let kari = client(&server.url, "kari");
    kari.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    sync(&kari);
    let dsb = client(&server.url, "dsb-vakt");
    sync(&dsb);
    let listed: serde_json::Value = serde_json::from_str(&dsb.ok(&["incident", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["title"], "Flom i Lågen", "the superadministrator sees Lillehammer's incident");
    dsb.ok(&["incident", "use", "1"]);
    dsb.ok(&["log", "add", "DSB følger hendelsen"]);
    let out = dsb.ok(&["sync"]);
    assert!(out.contains("1 sent"), "{out}");
    sync(&kari);
    assert!(kari.entries().iter().any(|e| e["text"] == "DSB følger hendelsen"), "and may write in it");
}

#[test]
fn eps_registrations_reach_only_those_who_may_see_them() {
    let server = server_with(&[("eva", &["eps"]), ("kari", &["kriseledelse"]), ("lars", &["loggfører"])]);
    let (eva, kari, lars) =
        (client(&server.url, "eva"), client(&server.url, "kari"), client(&server.url, "lars"));
    kari.ok(&["incident", "new", "--title", "Evakuering Bjerke", "--type", "flom"]);
    sync(&kari);
    sync(&eva);
    sync(&lars);
    eva.ok(&["incident", "use", "1"]);
    eva.ok(&["eps", "add", "--kind", "evakuert", "--name", "Ingrid Ødegård", "--location", "Bjerke skole"]);
    eva.ok(&["eps", "status", "1", "ivaretatt"]);
    sync(&eva);
    sync(&kari);
    sync(&lars);

    let at_kari: serde_json::Value =
        serde_json::from_str(&kari.ok(&["eps", "list", "--incident", "1", "--json"])).unwrap();
    assert_eq!(at_kari[0]["name"], "Ingrid Ødegård");
    assert_eq!(at_kari[0]["status"], "ivaretatt");
    assert_eq!(at_kari[0]["handled_by"], "eva");

    // The logger gets the log (counts, no names) but not one registration.
    let rows: i64 = rusqlite::Connection::open(lars.db())
        .unwrap()
        .query_row("SELECT count(*) FROM eps_registrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0, "the server never sent EPS data to a logger");
    let (_, err) = lars.fails(&["eps", "list", "--incident", "1"]);
    assert!(err.contains("may not see EPS registrations"), "{err}");
    let log = lars.ok(&["log", "list", "--incident", "1"]);
    assert!(log.contains("EPS: ny registrering (evakuert). Nå 1 evakuerte"), "{log}");
    assert!(!log.contains("Ingrid"), "{log}");
}

/// A fake SMS command set up as this home's SMS channel; returns its log.
fn sms_channel(h: &Home) -> std::path::PathBuf {
    let (command, log) = h.fake_sms();
    h.configure(&format!("[alerts.sms]\ncommand = [\"{}\", \"{{to}}\"]\n", command.display()));
    log
}

#[test]
fn an_alert_sent_from_one_replica_is_answered_on_another_and_only_the_sender_delivers() {
    let server = server_with(&[("kari", &["kriseledelse"]), ("ola", &["loggfører"])]);
    let (kari, ola) = (client(&server.url, "kari"), client(&server.url, "ola"));
    let (kari_sms, ola_sms) = (sms_channel(&kari), sms_channel(&ola));
    kari.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
    kari.ok(&["contact", "add", "--name", "Per Hansen", "--phone", "913 00 000"]);
    kari.ok(&["alert", "list-new", "Stab"]);
    kari.ok(&["alert", "member-add", "Stab", "--role", "leder", "--contact", "1"]);
    kari.ok(&["alert", "member-add", "Stab", "--role", "loggfører", "--app-user", "ola"]);
    kari.ok(&["alert", "send", "Stab", "Møt i stabsrommet på rådhuset"]);
    sync(&kari);
    sync(&ola);

    // Ola's sitroom shows the alert to him, and he answers there.
    ola.ok(&["incident", "use", "1"]);
    assert!(ola.ok(&["alert", "inbox"]).contains("Møt i stabsrommet på rådhuset"));
    ola.ok(&["alert", "ack", "1", "kommer"]);
    assert!(ola.ok(&["alert", "escalate"]).trim().is_empty(), "only the sender escalates");
    sync(&ola);
    sync(&kari);

    let status: serde_json::Value =
        serde_json::from_str(&kari.ok(&["alert", "status", "1", "--json"])).unwrap();
    assert_eq!(status["tally"]["coming"], 1, "{status}");
    assert_eq!(status["alert"]["recipients"][0]["reached"], "levert", "Per's SMS went from Kari's sitroom");
    // In the user's language (bokmål whatever the language before the CLI stopped
    // printing stored codes).
    let at_ola = ola.ok(&["alert", "status", "1", "--lang", "nb"]);
    assert!(at_ola.contains("Per Hansen") && at_ola.contains("levert"), "Ola sees Per was reached: {at_ola}");
    let in_english = ola.ok(&["alert", "status", "1"]);
    assert!(in_english.contains("1 coming") && in_english.contains("delivered"), "{in_english}");
    assert_eq!(std::fs::read_to_string(&kari_sms).unwrap(), "to=913 00 000\nMøt i stabsrommet på rådhuset\n");
    assert!(!ola_sms.exists(), "the replica that received the alert sent nothing");
    assert!(kari.ok(&["log", "list"]).contains("Varsling 1: ola (loggfører) svarte «kommer»"));
    assert_eq!(kari.state_hash(), ola.state_hash());
}

#[test]
fn contacts_and_resources_reach_every_replica_of_the_organisation_and_no_other() {
    let server = server_with(&[
        ("kari", &["beredskapsmedarbeider"]),
        ("per", &["kriseledelse"]),
        ("ola", &["loggfører"]),
    ]);
    server.add_org("Drammen kommune");
    server.add_user("dina", "Drammen kommune", &["administrator"]);
    let (kari, per, ola) =
        (client(&server.url, "kari"), client(&server.url, "per"), client(&server.url, "ola"));
    let dina = client(&server.url, "dina");
    kari.ok(&["contact", "add", "--name", "Åse Ødegård", "--phone", "912 34 567", "--group", "Kriseledelse"]);
    kari.ok(&["resource", "add", "--what", "Aggregat 40 kVA", "--location", "Brannstasjonen"]);
    sync(&kari);
    // Per, offline, registers someone too; then both sync.
    per.ok(&["contact", "add", "--name", "Bjørn Li", "--phone", "913 00 000"]);
    sync(&per);
    sync(&kari);
    for h in [&kari, &per, &ola] {
        sync(h);
    }
    for h in [&kari, &per, &ola] {
        let names: Vec<String> =
            serde_json::from_str::<serde_json::Value>(&h.ok(&["contact", "list", "--json"]))
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect();
        assert_eq!(names, ["Bjørn Li", "Åse Ødegård"], "the same register everywhere, in Norwegian order");
        assert!(h.ok(&["contact", "search", "ase"]).contains("Åse Ødegård"), "searchable where it arrived");
    }
    // A change made on one replica reaches the others; a removal too.
    // Numbers follow creation on every replica: Åse is 1, Bjørn 2.
    per.ok(&["contact", "edit", "1", "--phone", "400 00 000"]);
    per.ok(&["resource", "set", "1", "--availability", "i bruk"]);
    sync(&per);
    sync(&kari);
    assert!(
        kari.ok(&["contact", "search", "40000000"]).contains("Åse Ødegård"),
        "the new number is searchable"
    );
    assert!(kari.ok(&["--lang", "nb", "resource", "list"]).contains("i bruk"));
    kari.ok(&["contact", "remove", "2"]);
    sync(&kari);
    sync(&ola);
    let at_ola = ola.ok(&["contact", "list"]);
    assert!(!at_ola.contains("Bjørn Li") && at_ola.contains("Åse Ødegård"), "{at_ola}");
    assert_eq!(kari.state_hash(), ola.state_hash());

    // A logger may read the register but not change it, here or on the server.
    let (_, err) = ola.fails(&["contact", "add", "--name", "X"]);
    assert!(err.contains("may not change contacts"), "{err}");
    // Another municipality never sees them.
    sync(&dina);
    assert!(dina.ok(&["contact", "list"]).trim().is_empty());
    assert!(dina.ok(&["resource", "list"]).trim().is_empty());
}

/// Closing and reopening an incident write their entries where the incident is open
/// (before the close, after the reopening), so the server takes both, and what is
/// logged after the reopening reaches it too.
#[test]
fn an_incident_closed_and_reopened_syncs_its_entries() {
    let server = Server::start();
    server.add_org("Sandefjord kommune");
    server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let (kari, ola) = (Home::new(), Home::new());
    server.add_user("ola", "Sandefjord kommune", &["loggfører"]);
    kari.login(&server.url, "kari");
    ola.login(&server.url, "ola");
    kari.ok(&["incident", "new", "--title", "Flom i Lågen"]);
    kari.ok(&["log", "add", "Vannet stiger"]);
    kari.ok(&["incident", "close", "1"]);
    kari.ok(&["sync"]);
    kari.ok(&["incident", "reopen", "1"]);
    kari.ok(&["log", "add", "Ny flomtopp varslet"]);
    kari.ok(&["sync"]);
    assert_eq!(kari.sync_status()["refused"], serde_json::json!([]), "{}", kari.sync_status());
    ola.ok(&["sync"]);
    let texts = crate::common::texts(&ola);
    let at = |t: &str| texts.iter().position(|x| x == t).unwrap_or_else(|| panic!("{t} missing: {texts:?}"));
    assert!(at("Vannet stiger") < at("Hendelsen avsluttet"));
    assert!(at("Hendelsen avsluttet") < at("Hendelsen gjenåpnet"));
    assert!(at("Hendelsen gjenåpnet") < at("Ny flomtopp varslet"));
}

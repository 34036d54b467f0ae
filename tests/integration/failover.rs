//! Two real `sitroom serve` processes on one PostgreSQL (a real cluster the test
//! starts) behind a load balancer, with clients writing and syncing without pause:
//! one server killed with SIGKILL, then PostgreSQL itself restarted. The clients go on
//! through the other server within one retry, wait while the database is away, and at
//! the end every entry is on the server exactly once and on every replica.

use crate::common::link::{Link, Shape};
use crate::common::postgres::Cluster;
use crate::common::server::Server;
use crate::common::Home;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: &str = "Gjerdrum kommune";

/// `GET path` on `addr`: the status line's code.
fn status(addr: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else { return 0 };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// A writer: log an entry, sync; a failed sync is tried again at once. Counts the
/// syncs that failed twice in a row (there must be none while a server is up).
fn write_and_sync(h: &Home, text: &str, twice_failed: &mut usize) {
    h.ok(&["log", "add", text]);
    if !h.run(&["sync"]).status.success() && !h.run(&["sync"]).status.success() {
        *twice_failed += 1;
    }
}

#[test]
fn clients_go_on_when_a_server_is_killed_and_wait_out_the_database() {
    let cluster = Arc::new(Cluster::start());
    let url = cluster.database();
    let mut first = Server::start_on(&url, cluster.clone(), "127.0.0.1:0");
    let second = Server::start_on(&url, cluster.clone(), "127.0.0.1:0");
    first.add_org(ORG);
    first.add_user("kari", ORG, &["kriseledelse"]);
    let balancer = Link::balance(&[&first.addr, &second.addr], Shape::clear());
    let writers: Vec<Home> = (0..3)
        .map(|_| {
            let h = Home::new();
            h.login(&balancer.url(), "kari");
            h
        })
        .collect();
    writers[0].ok(&["incident", "new", "--title", "Kvikkleireskred i Gjerdrum", "--type", "flom"]);
    writers[0].ok(&["sync"]);
    for w in &writers[1..] {
        w.ok(&["sync"]);
        w.ok(&["incident", "use", "1"]);
    }
    let meeting = crate::common::staff_meeting_lines();

    // Sustained writing; the first server is killed part way.
    let killed = Arc::new(AtomicBool::new(false));
    let rounds = 12;
    let failed_twice: usize = std::thread::scope(|scope| {
        let running: Vec<_> = writers
            .iter()
            .enumerate()
            .map(|(n, w)| {
                let meeting = &meeting;
                scope.spawn(move || {
                    let mut twice = 0;
                    for i in 0..rounds {
                        let text =
                            format!("{} (skriver {n}, runde {i})", meeting[(n * rounds + i) % meeting.len()]);
                        write_and_sync(w, &text, &mut twice);
                    }
                    twice
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        first.kill();
        killed.store(true, Ordering::SeqCst);
        running.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert!(killed.load(Ordering::SeqCst));
    assert_eq!(failed_twice, 0, "every client went on through the other server within one retry");

    // The database goes away: the remaining server says it is not ready, clients keep
    // writing offline, and once it is back everything syncs.
    cluster.stop();
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&second.addr, "/readyz") != 503 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status(&second.addr, "/readyz"), 503, "not ready while the database is away");
    assert_eq!(status(&second.addr, "/healthz"), 200, "but alive");
    for (n, w) in writers.iter().enumerate() {
        w.ok(&["log", "add", &format!("Skrevet mens databasen var borte ({n})")]);
        assert!(!w.run(&["sync"]).status.success(), "no sync without the database");
    }
    cluster.start_again();
    let deadline = Instant::now() + Duration::from_secs(20);
    while status(&second.addr, "/readyz") != 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status(&second.addr, "/readyz"), 200, "ready again");
    for _ in 0..2 {
        for w in &writers {
            let out = w.run(&["sync"]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }

    // Every entry once, everywhere.
    let reader = Home::new();
    reader.login(&balancer.url(), "kari");
    reader.ok(&["sync"]);
    let entries = reader.entries();
    let written = writers.len() * (rounds + 1);
    let mut ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "no entry twice");
    let texts: Vec<&str> = entries.iter().map(|e| e["text"].as_str().unwrap()).collect();
    for (n, _) in writers.iter().enumerate() {
        for i in 0..rounds {
            assert!(
                texts.iter().any(|t| t.ends_with(&format!("(skriver {n}, runde {i})"))),
                "writer {n}'s entry {i} is on the server"
            );
        }
        assert!(texts.contains(&format!("Skrevet mens databasen var borte ({n})").as_str()));
    }
    assert_eq!(entries.len(), written, "{texts:#?}");
    for w in &writers {
        assert_eq!(w.state_hash(), reader.state_hash(), "every replica has it all");
    }
    let verified = reader.ok(&["log", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
}

//! SSH sessions measured (issue 15), against the release binary's `sitroom serve
//! --ssh` on 127.0.0.1, with russh's client in this process and vt100 screens:
//! - `start`: connect, authenticate, first frame;
//! - `bytes`: bytes on the TCP connection per typed key and per committed entry at
//!   160×48, SSH packets included, plain and compressed (`ssh -C`);
//! - `radio`: a typed key's echo over 9.6 kbit/s with 300 ms round trip;
//! - `load`: many sessions on one incident of many entries: the server's memory, key →
//!   bytes with 50 sessions typing, CPU per session.
//!
//! `cargo bench --bench ssh` runs them all with 100,000 entries and 200 sessions;
//! `SITROOM_BENCH_ONLY=start|bytes|radio|load` runs one, `SITROOM_BENCH_ENTRIES`,
//! `SITROOM_BENCH_SESSIONS` and `SITROOM_BENCH_LINES` (sentences typed) change the load.

mod common;
#[path = "../tests/integration/common/link.rs"]
#[allow(dead_code)]
mod link;
#[path = "../tests/integration/common/ssh_client.rs"]
#[allow(dead_code)]
mod ssh_client;

use link::{Link, Shape};
use russh::keys::PrivateKey;
use sitroom::app::Session;
use sitroom::domain::roles::Role;
use sitroom::server::{ServerStore, SqliteServer};
use sitroom::sync::wire;
use ssh_client::{connect_as, Term};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const ORG: &str = "Sandefjord kommune";
const NB: &[(&str, &str)] = &[("SITROOM_LANG", "nb")];

/// A `sitroom serve --ssh` process on a prepared database.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(db: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sitroom"))
            .args(["--db", db.to_str().unwrap(), "serve", "--no-http", "--ssh", "127.0.0.1:0"])
            .args(["--ssh-sessions-per-account", "100", "--ssh-max-sessions", "1000"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("ssh on ").unwrap().split(',').next().unwrap().to_string();
        Server { child, addr }
    }

    /// (resident now, peak resident) in MB, and CPU seconds used so far.
    fn usage(&self) -> (f64, f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let kb = |key: &str| -> f64 {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0.0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let cpu = (ticks(11) + ticks(12)) / 100.0;
        (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0, cpu)
    }
}

/// A server database with `accounts` accounts (keys registered) in one organisation
/// and one incident of `entries` staff-meeting lines written by the first; the keys.
fn prepare(dir: &Path, accounts: usize, entries: usize) -> (PathBuf, Vec<PrivateKey>) {
    prepare_as(dir, accounts, entries, Role::Kriseledelse)
}

/// As [`prepare`], every account but the first (who writes the incident) in `role`.
fn prepare_as(dir: &Path, accounts: usize, entries: usize, role: Role) -> (PathBuf, Vec<PrivateKey>) {
    let db = dir.join("server.db");
    let store = SqliteServer::open(&db).unwrap();
    store.add_org(ORG).unwrap();
    let mut keys = Vec::new();
    for i in 0..accounts {
        let name = format!("stab{i:03}");
        let roles = if i == 0 { vec![Role::Kriseledelse] } else { vec![role] };
        store.add_user(&name, ORG, &roles, false, "riktig-hest-batteri").unwrap();
        let key = sitroom::server::ssh_keys::host_key(&sitroom::server::ssh_keys::new_host_key()).unwrap();
        store.add_ssh_key(&name, &key.public_key().to_openssh().unwrap()).unwrap();
        keys.push(key);
    }
    // The incident, written on a replica of stab000's and pushed as a client would.
    let mut s = Session::open(&dir.join("seed.db"), "stab000", vec!["flom".into()]).unwrap();
    s.device = "seed".into();
    let origin = s.store.device_id().unwrap();
    let key = s.store.signing_key().unwrap();
    let (token, _) = store.open_replica("stab000", "seed", &origin, &key.public()).unwrap();
    s.signed_in("seed", "stab000", &[Role::Kriseledelse]).unwrap();
    let who = store.authenticate(&token).unwrap();
    let i = s
        .create_incident(sitroom::domain::NewIncident {
            title: "Flom i Lågen".into(),
            kind: "flom".into(),
            severity: sitroom::domain::Severity::DEFAULT,
            exercise: false,
        })
        .unwrap();
    s.import(&i, std::io::Cursor::new(common::lines(entries))).unwrap();
    loop {
        let push = s.store.ops_to_push(wire::BATCH * 4).unwrap();
        if push.is_empty() {
            break;
        }
        let ids: Vec<_> = push.iter().map(|o| o.id).collect();
        let req = wire::SyncRequest { origin: origin.clone(), ..wire::SyncRequest::new(i64::MAX, push) };
        let (done, _) = sitroom::server::round(&store, &who, req).unwrap();
        assert!(done.refused == 0, "{:?}", done.response.refused.first());
        s.store.mark_pushed(&ids, &[]).unwrap();
    }
    (db, keys)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Wait until `t` shows `needle`; how long that took.
async fn shown(t: &Term, needle: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if t.contents().contains(needle) {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    None
}

/// Wait until `t` has its whole log and is online: typing is measured on a settled
/// screen, not on the history arriving.
async fn settled(t: &Term) {
    shown(t, "Flom i Lågen", Duration::from_secs(600)).await.unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(600) {
        let screen = t.contents();
        if screen.contains("tilkoblet") && !screen.contains("Laster loggen") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Connect, authenticate, first frame: each run a new connection, the account's
/// other session (and so its replica) open or not.
fn start(entries: usize, runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (db, keys) = prepare(dir.path(), 2, entries);
    let server = Server::start(&db);
    let rt = runtime();
    rt.block_on(async {
        // The first session of an account fills its replica: measured once, apart.
        let t0 = Instant::now();
        let warm = connect_as(&server.addr, "stab001", &keys[1], 160, 48, NB, false).await.unwrap();
        shown(&warm, "Flom i Lågen", Duration::from_secs(600)).await.unwrap();
        println!("ssh first session of an account ({entries} entries to fetch): {}", ms(t0.elapsed()));
        let mut warm = Some(warm);
        for label in ["another session of the account open", "the account's only session"] {
            if label.starts_with("the account's only") {
                drop(warm.take());
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            let mut samples = Vec::new();
            for _ in 0..runs {
                let t0 = Instant::now();
                let t = connect_as(&server.addr, "stab001", &keys[1], 160, 48, NB, false).await.unwrap();
                shown(&t, "Flom i Lågen", Duration::from_secs(60)).await.expect("a first frame");
                samples.push(t0.elapsed());
                drop(t);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            samples.sort();
            println!(
                "ssh session start ({label}), {entries} entries: p50 {} p95 {} max {}",
                ms(pct(&samples, 0.5)),
                ms(pct(&samples, 0.95)),
                ms(*samples.last().unwrap())
            );
        }
    });
}

/// Bytes on the wire per typed key and per committed entry, 160×48: the logger's
/// workspace (the log the whole width), and the crisis leader's (the log beside the
/// task board, which no terminal can scroll alone).
fn bytes(entries: usize, lines: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (db, keys) = prepare_as(dir.path(), 2, entries, Role::Loggforer);
    let server = Server::start(&db);
    let link = Link::start(&server.addr, Shape::clear());
    let rt = runtime();
    rt.block_on(async {
        for (who, key, compress) in [
            ("stab001", &keys[1], false),
            ("stab001", &keys[1], true),
            ("stab000", &keys[0], false),
            ("stab000", &keys[0], true),
        ]
        .into_iter()
        .take(if lines >= 6 { 4 } else { 1 })
        {
            let workspace = if who == "stab001" { "logger's workspace" } else { "crisis leader's workspace" };
            let t = connect_as(&link.addr, who, key, 160, 48, NB, compress).await.unwrap();
            settled(&t).await;
            let (mut keys_typed, mut key_up, mut key_down, mut enter_up, mut enter_down) = (0u64, 0, 0, 0, 0);
            let mut per_key = Vec::new();
            let shown0 = t.received.load(Ordering::SeqCst);
            for line in common::MEETING.iter().take(lines) {
                for c in line.chars() {
                    link.reset_bytes();
                    let before = t.frames.load(Ordering::SeqCst);
                    t.send(c.to_string().as_bytes()).await;
                    // A typist's pace: each key gets its own frame.
                    let start = Instant::now();
                    while t.frames.load(Ordering::SeqCst) == before && start.elapsed() < Duration::from_secs(2) {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let (u, d) = link.bytes();
                    key_up += u;
                    key_down += d;
                    keys_typed += 1;
                    per_key.push(d);
                }
                link.reset_bytes();
                t.send(b"\r").await;
                tokio::time::sleep(Duration::from_millis(300)).await;
                let (u, d) = link.bytes();
                enter_up += u;
                enter_down += d;
            }
            let (ku, kd) = (key_up as f64 / keys_typed as f64, key_down as f64 / keys_typed as f64);
            per_key.sort();
            let terminal = (t.received.load(Ordering::SeqCst) - shown0) as f64;
            println!(
                "  down per key: p50 {} B, p90 {} B, max {} B; terminal output (keys and commits) {:.0} B a key",
                per_key[per_key.len() / 2],
                per_key[per_key.len() * 9 / 10],
                per_key.last().unwrap(),
                terminal / keys_typed as f64
            );
            println!(
                "ssh bytes per typed key, {workspace}{} (160x48, {keys_typed} keys): {:.0} B ({ku:.0} up, {kd:.0} down); per committed entry {:.0} B ({} up, {} down)",
                if compress { ", compressed (-C)" } else { "" },
                ku + kd,
                (enter_up + enter_down) as f64 / lines as f64,
                enter_up / lines as u64,
                enter_down / lines as u64,
            );
        }
    });
}

/// The entry line's text as the screen shows it: the rows between its title ("Ny
/// loggføring") and its bottom border, without the box.
fn entry_line(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().collect();
    let Some(top) = rows.iter().position(|r| r.contains("Ny loggføring")) else { return String::new() };
    rows[top + 1..]
        .iter()
        .take_while(|r| !r.contains("Enter lagre"))
        .map(|r| r.split('│').nth(1).unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text without its white space (wrapping moves it about).
fn bare(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A typed key's echo over 9.6 kbit/s with a 300 ms round trip.
fn radio(entries: usize, lines: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (db, keys) = prepare_as(dir.path(), 2, entries, Role::Loggforer);
    let server = Server::start(&db);
    let shape = Shape { buffer: 512, ..Shape::radio(9_600, Duration::from_millis(300)) };
    let link = Link::start(&server.addr, shape);
    let rt = runtime();
    rt.block_on(async {
        for (who, key, compress) in [
            ("stab001", &keys[1], false),
            ("stab001", &keys[1], true),
            ("stab000", &keys[0], false),
            ("stab000", &keys[0], true),
        ]
        .into_iter()
        .take(if lines >= 3 { 4 } else { 1 })
        {
            let workspace = if who == "stab001" { "logger's workspace" } else { "crisis leader's workspace" };
            let t = connect_as(&link.addr, who, key, 100, 30, NB, compress).await.unwrap();
            settled(&t).await;
            let mut samples = Vec::new();
            // A fast typist: 8 keys a second. A key is echoed when the entry line
            // shows the text up to it (frames overlap at this speed: each is matched
            // to the keys it shows, not merely to the next one that arrives).
            for line in common::MEETING.iter().take(lines) {
                let keys: Vec<char> = line.chars().take(60).collect();
                let mut sent_at = Vec::new();
                let mut echoed = 0;
                let started = Instant::now();
                while echoed < keys.len() {
                    let due = started + Duration::from_millis(125) * sent_at.len() as u32;
                    if sent_at.len() < keys.len() && Instant::now() >= due {
                        t.send(keys[sent_at.len()].to_string().as_bytes()).await;
                        sent_at.push(Instant::now());
                    }
                    let shown = bare(&entry_line(&t.contents()));
                    while echoed < sent_at.len()
                        && shown.starts_with(&bare(&keys[..=echoed].iter().collect::<String>()))
                    {
                        samples.push(sent_at[echoed].elapsed());
                        echoed += 1;
                    }
                    assert!(started.elapsed() < Duration::from_secs(120), "no echo: {shown:?}");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                t.send(b"\r").await;
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            samples.sort();
            println!(
                "ssh echo at 9.6 kbit/s, 300 ms RTT, {workspace}{} ({} keys at 8/s): p50 {} p95 {} max {}",
                if compress { ", compressed" } else { "" },
                samples.len(),
                ms(pct(&samples, 0.5)),
                ms(pct(&samples, 0.95)),
                ms(*samples.last().unwrap())
            );
        }
    });
}

/// Many sessions on one incident: memory, and key → bytes while 50 type.
fn load(entries: usize, sessions: usize) {
    let dir = tempfile::tempdir().unwrap();
    let accounts = 10;
    let (db, keys) = prepare(dir.path(), accounts, entries);
    let server = Server::start(&db);
    let (idle_rss, _, _) = server.usage();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async {
        let mut terms = Vec::new();
        let t0 = Instant::now();
        for n in 0..sessions {
            let i = n % accounts;
            let t = connect_as(&server.addr, &format!("stab{i:03}"), &keys[i], 160, 48, NB, false).await.unwrap();
            terms.push(t);
            if n < accounts {
                // Each account's first session fills its replica: one at a time.
                shown(terms.last().unwrap(), "Flom i Lågen", Duration::from_secs(900)).await.unwrap();
            }
        }
        for t in &terms {
            shown(t, "Flom i Lågen", Duration::from_secs(600)).await.unwrap();
        }
        let opened = t0.elapsed();
        // Let every view finish loading its history: until the server is all but idle.
        let settle = Instant::now();
        loop {
            let (_, _, before) = server.usage();
            tokio::time::sleep(Duration::from_secs(1)).await;
            let (_, _, after) = server.usage();
            if after - before < 0.1 || settle.elapsed() > Duration::from_secs(600) {
                break;
            }
        }
        let settled = t0.elapsed();
        let (rss, hwm, cpu0) = server.usage();
        println!(
            "ssh {sessions} sessions ({accounts} accounts) on {entries} entries: server RSS {rss:.0} MB (peak {hwm:.0} MB; {idle_rss:.0} MB before), {:.1} MB a session; all open in {:.1} s, every view's history loaded and the server idle after {:.1} s (server CPU {cpu0:.0} s)",
            (rss - idle_rss) / sessions as f64,
            opened.as_secs_f64(),
            settled.as_secs_f64(),
        );
        // 50 of them type, a key every 200 ms each (spread over the 200 ms, as people
        // are not in step), for 10 s; key → the first bytes back.
        let typing = 50.min(sessions);
        let period = Duration::from_millis(200);
        let mut samples = Vec::new();
        let cpu_start = Instant::now();
        let start = Instant::now() + Duration::from_millis(10);
        let mut next: Vec<Instant> =
            (0..typing).map(|k| start + period * k as u32 / typing as u32).collect();
        let mut waiting: Vec<Option<(Instant, u64)>> = vec![None; typing];
        let mut typed = vec![0usize; typing];
        while typed.iter().any(|&n| n < 50) || waiting.iter().any(Option::is_some) {
            let now = Instant::now();
            for k in 0..typing {
                if let Some((at, before)) = waiting[k] {
                    if terms[k].frames.load(Ordering::SeqCst) > before {
                        samples.push(at.elapsed());
                        waiting[k] = None;
                    } else if at.elapsed() > Duration::from_secs(5) {
                        waiting[k] = None;
                    }
                }
                if typed[k] < 50 && now >= next[k] && waiting[k].is_none() {
                    let line = common::MEETING[k % common::MEETING.len()];
                    let c = line.chars().nth(typed[k] % line.chars().count()).unwrap();
                    let before = terms[k].frames.load(Ordering::SeqCst);
                    terms[k].send(c.to_string().as_bytes()).await;
                    waiting[k] = Some((Instant::now(), before));
                    typed[k] += 1;
                    next[k] += period;
                }
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        let (_, hwm2, cpu1) = server.usage();
        let wall = cpu_start.elapsed().as_secs_f64();
        samples.sort();
        println!(
            "ssh key → bytes back, {typing} of {sessions} sessions typing 5 keys/s: p50 {} p99 {} max {} (n={}); server CPU {:.2} s over {wall:.1} s: {:.1} ms/s a typing session; peak RSS {hwm2:.0} MB",
            ms(pct(&samples, 0.5)),
            ms(pct(&samples, 0.99)),
            ms(*samples.last().unwrap()),
            samples.len(),
            cpu1 - cpu0,
            (cpu1 - cpu0) * 1000.0 / wall / typing as f64,
        );
    });
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let only = std::env::var("SITROOM_BENCH_ONLY").ok();
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let number = |var: &str, full_n: usize, quick: usize| {
        std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(if full { full_n } else { quick })
    };
    let entries = number("SITROOM_BENCH_ENTRIES", 100_000, 2_000);
    let sessions = number("SITROOM_BENCH_SESSIONS", 200, 4);
    // Without --bench (`cargo test --all-targets`): a smoke run, a few samples each.
    let (runs, lines) = if full { (40, 6) } else { (3, 1) };
    let lines = number("SITROOM_BENCH_LINES", lines, lines);
    if run("start") {
        start(entries, runs);
    }
    if run("bytes") {
        bytes(entries.min(10_000), lines);
    }
    // Over the emulated radio link a session takes long to open: in the full run, or
    // when asked for (as the sync benchmark's radio part), not in the smoke run.
    if (full && only.is_none()) || only.as_deref() == Some("radio") {
        radio(entries.min(10_000), lines.min(3));
    }
    if run("load") {
        load(entries, sessions);
    }
}

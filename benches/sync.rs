//! Sync benchmarks, against a real server on 127.0.0.1 (in this process, on its own
//! runtime) and through the link emulator of the test support:
//! - bytes on the wire (request + response, headers included) per log entry in
//!   batches, for one entry on a warm connection, and for an idle round;
//! - at 9.6 kbit/s and 300 ms round trip: one entry visible on the server (p50/p95),
//!   and a 100-entry backlog converging after the link returns;
//! - three clients on loopback converging after a partition heals;
//! - the server under 1,000 simulated clients doing idle rounds (p50/p99), and under
//!   a sustained stream of log entries.
//!
//! - on PostgreSQL with two servers: sustained writing from 50 writers, a pull of
//!   1,000 new ops, and 10,000 idle clients;
//! - a message to a role of 500 people: written, pushed, pulled by one of them and
//!   opened with who has read it.
//!
//! `cargo bench --bench sync` runs it all (release build); `SITROOM_BENCH_ONLY=bytes|
//! partition|load|postgres|messages|radio` one part. Under `cargo test --all-targets` it runs a small
//! smoke pass.

mod common;

#[path = "../tests/integration/common/postgres.rs"]
#[allow(dead_code)] // the tests use all of it, this bench a part
mod postgres;

#[path = "../tests/integration/common/link.rs"]
#[allow(dead_code)] // the tests use all of it, this bench a part
mod link;

use link::{Link, Shape};
use sitroom::app::{EntryInput, Session};
use sitroom::domain::roles::Role;
use sitroom::domain::{Incident, NewIncident, Severity};
use sitroom::server::{self, ServerStore, SqliteServer};
use sitroom::store::Store;
use sitroom::sync::background::Background;
use sitroom::sync::client::{self, Client, Login};
use sitroom::sync::wire::{self, SyncRequest};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: &str = "Lillehammer kommune";
const PASSWORD: &str = "riktig-hest-batteri";

struct Served {
    addr: String,
    db: PathBuf,
    _rt: tokio::runtime::Runtime,
}

fn serve(dir: &Path) -> Served {
    let db = dir.join("server.db");
    let store = SqliteServer::open(&db).unwrap();
    store.add_org(ORG).unwrap();
    store.add_user("kari", ORG, &[Role::Kriseledelse], false, PASSWORD).unwrap();
    serve_store(Arc::new(store), db)
}

/// A server on `store`, on its own runtime of two threads (as a server process of its
/// own would have).
fn serve_store(store: Arc<dyn ServerStore>, db: PathBuf) -> Served {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    rt.spawn(async move {
        let never = std::future::pending::<()>();
        let _ = server::serve(
            listener,
            server::Serving::new(store),
            server::Listen::Plain,
            Duration::from_secs(30),
            never,
        )
        .await;
    });
    Served { addr, db, _rt: rt }
}

/// What a replica writes: the ten staff-meeting lines over and over with a counter
/// (what these figures were first made with), or varied text (the source documents'
/// sentences and the meeting lines by turns).
#[derive(Clone, Copy, PartialEq)]
enum Text {
    Meeting,
    Varied,
}

/// A signed-in replica at `url` with the incident (made by the first one).
struct Replica {
    session: Session,
    incident: Option<Incident>,
    login: Login,
    db: PathBuf,
    written: usize,
    text: Text,
}

fn replica(dir: &Path, name: &str, url: &str, rt: &tokio::runtime::Runtime) -> Replica {
    replica_of(dir, name, url, rt, "kari")
}

/// A signed-in replica of account `user`.
fn replica_of(dir: &Path, name: &str, url: &str, rt: &tokio::runtime::Runtime, user: &str) -> Replica {
    let db = dir.join(format!("{name}.db"));
    let mut session = Session::open(&db, user, vec!["flom".into()]).unwrap();
    let c = Client::new(url).unwrap();
    let origin = session.store.device_id().unwrap();
    let key = session.store.signing_key().unwrap();
    let a = rt.block_on(c.login(user, PASSWORD, &session.device, &origin, &key)).unwrap();
    // As a sign-in keeps it: the user, the organisation the server certified.
    let login = session.accept_login(url, a).unwrap();
    Replica { session, incident: None, login, db, written: 0, text: Text::Varied }
}

impl Replica {
    fn incident(&mut self) -> Incident {
        if self.incident.is_none() {
            let i = match self.session.incident(1) {
                Ok(i) => i,
                Err(_) => self
                    .session
                    .create_incident(NewIncident {
                        title: "Flom i Lågen".into(),
                        kind: "flom".into(),
                        severity: Severity::DEFAULT,
                        exercise: false,
                    })
                    .unwrap(),
            };
            self.incident = Some(i);
        }
        self.incident.clone().unwrap()
    }

    /// `n` entries of the replica's kind of text (compression flatters repetition).
    fn write(&mut self, n: usize) {
        let i = self.incident();
        for _ in 0..n {
            let k = self.written;
            self.written += 1;
            let text = match self.text {
                Text::Meeting => {
                    let line = common::MEETING[k % common::MEETING.len()];
                    format!("{line} (melding {k}, runde {})", k / common::MEETING.len())
                }
                Text::Varied => common::varied(k),
            };
            self.session.add_entry(&i, EntryInput::now(text)).unwrap();
        }
    }

    /// Point the sign-in at another address (the link in front of the server).
    fn via(&mut self, url: &str) {
        self.login.server = url.into();
    }
}

fn sync(r: &mut Replica, c: &Client, rt: &tokio::runtime::Runtime) {
    rt.block_on(client::sync(&mut r.session.store, c, &mut r.login, 100)).unwrap();
}

fn server_entries(db: &Path) -> usize {
    let s = Store::open(db).unwrap();
    s.incident_by_number(1).ok().map(|i| s.entries(&i).unwrap().len()).unwrap_or(0)
}

/// Log entries the server holds, of every incident.
fn server_all_entries(db: &Path) -> usize {
    let s = Store::open(db).unwrap();
    s.list_incidents().unwrap().iter().map(|i| s.entries(i).unwrap().len()).sum()
}

fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn bytes(full: bool) {
    for text in [Text::Varied, Text::Meeting] {
        bytes_of(full, text);
    }
}

fn bytes_of(full: bool, text: Text) {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path());
    let link = Link::start(&srv.addr, Shape::clear());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut a = replica(dir.path(), "a", &link.url(), &rt);
    a.text = text;
    let c = Client::new(&link.url()).unwrap();
    a.write(1);
    sync(&mut a, &c, &rt); // warm: the connection stays open from here on
    let which = match text {
        Text::Varied => "varied text: the source documents' sentences and the staff-meeting lines",
        Text::Meeting => "the ten staff-meeting lines over and over, with a counter",
    };
    println!("bytes on the wire (request + response, HTTP headers included), {which}:");
    for n in if full { vec![1, 10, 100, 500] } else { vec![1, 10] } {
        a.write(n);
        link.reset_bytes();
        sync(&mut a, &c, &rt);
        let (up, down) = link.bytes();
        println!(
            "  {n:>4} entries: {up} B up + {down} B down = {:.0} B per entry",
            (up + down) as f64 / n as f64
        );
    }
    link.reset_bytes();
    sync(&mut a, &c, &rt);
    let (up, down) = link.bytes();
    println!("  idle round: {up} B up + {down} B down");
    let req = SyncRequest {
        origin: a.session.store.device_id().unwrap(),
        ..SyncRequest::new(a.session.store.sync_cursor().unwrap(), vec![])
    };
    let answer = rt.block_on(c.round(&a.login.token, &req)).unwrap();
    println!(
        "  idle round bodies: {} B request, {} B response",
        wire::encode(&req).len(),
        wire::encode(&answer).len()
    );
    println!("  connections opened: {}", link.connections());
    if text == Text::Varied {
        signatures(&mut a, &c, &link, &rt, full);
    }
}

/// What signed history costs on the wire: a push of one entry with a checkpoint due
/// (signed, sent, countersigned and sent back) against one without.
fn signatures(a: &mut Replica, c: &Client, link: &Link, rt: &tokio::runtime::Runtime, full: bool) {
    let rounds = if full { 50 } else { 5 };
    let (mut with, mut without) = (0u64, 0u64);
    for _ in 0..rounds {
        // Not due: the last checkpoint is fresh.
        a.write(1);
        link.reset_bytes();
        sync(a, c, rt);
        let (up, down) = link.bytes();
        without += up + down;
        // Due: as if two minutes had passed since the last one.
        a.session.store.forget_own_checkpoints().unwrap();
        a.write(1);
        link.reset_bytes();
        sync(a, c, rt);
        let (up, down) = link.bytes();
        with += up + down;
    }
    let (with, without) = (with as f64 / rounds as f64, without as f64 / rounds as f64);
    println!("signed history (varied text, warm connection, one entry a round):");
    println!(
        "  a round without a checkpoint: {without:.0} B; with one: {with:.0} B (+{:.0} B)",
        with - without
    );
    println!(
        "  at most one per {} s or {} entries: at one entry every 20 s, +{:.0} B per entry",
        sitroom::replication::checkpoint::SIGN_EVERY_MS / 1000,
        sitroom::replication::checkpoint::SIGN_EVERY_ENTRIES,
        (with - without) / 6.0
    );
}

fn radio(full: bool) {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path());
    let link = Link::start(&srv.addr, Shape::radio(9_600, Duration::from_millis(300)));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut a = replica(dir.path(), "a", &link.url(), &rt);
    a.write(1);
    a.via(&link.url());
    let bg = Background::start(a.db.clone(), a.login.clone());
    let base = server_entries(&srv.db);
    let samples = if full { 20 } else { 2 };
    wait_until(Duration::from_secs(30), || server_entries(&srv.db) >= 1).expect("the first entry arrives");
    std::thread::sleep(Duration::from_secs(1));
    let mut times = Vec::new();
    for k in 0..samples {
        let before = server_entries(&srv.db);
        a.write(1);
        let t =
            wait_until(Duration::from_secs(30), || server_entries(&srv.db) > before).expect("entry arrives");
        times.push(t);
        let _ = k;
        std::thread::sleep(Duration::from_millis(500));
    }
    times.sort();
    println!(
        "9.6 kbit/s, 300 ms round trip: one entry on the server after p50 {} / p95 {} / max {} ({} samples, warm)",
        ms(pct(&times, 0.5)),
        ms(pct(&times, 0.95)),
        ms(*times.last().unwrap()),
        times.len()
    );
    let _ = base;
    // The link goes down; 100 entries wait; it comes back.
    let backlog = if full { 100 } else { 10 };
    link.set_up(false);
    std::thread::sleep(Duration::from_secs(2));
    let before = server_entries(&srv.db);
    a.write(backlog);
    std::thread::sleep(Duration::from_secs(3));
    link.reset_bytes();
    link.set_up(true);
    let t = wait_until(Duration::from_secs(120), || server_entries(&srv.db) >= before + backlog)
        .expect("the backlog arrives");
    let (up, down) = link.bytes();
    println!(
        "9.6 kbit/s, 300 ms: a {backlog}-entry backlog on the server {} after the link returned ({up} B up, {down} B down)",
        ms(t)
    );
    drop(bg);
}

fn partition(full: bool) {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = format!("http://{}", srv.addr);
    let mut rs: Vec<Replica> = (0..3).map(|i| replica(dir.path(), &format!("r{i}"), &url, &rt)).collect();
    let c = Client::new(&url).unwrap();
    rs[0].write(1);
    for r in rs.iter_mut() {
        sync(r, &c, &rt);
    }
    let links: Vec<Link> = (0..3).map(|_| Link::start(&srv.addr, Shape::clear())).collect();
    let mut bgs = Vec::new();
    for (r, l) in rs.iter_mut().zip(&links) {
        r.via(&l.url());
        bgs.push(Background::start(r.db.clone(), r.login.clone()));
    }
    std::thread::sleep(Duration::from_secs(1));
    let per = if full { 20 } else { 5 };
    for l in &links {
        l.set_up(false);
    }
    std::thread::sleep(Duration::from_secs(2));
    for r in rs.iter_mut() {
        r.write(per);
    }
    std::thread::sleep(Duration::from_secs(2));
    for l in &links {
        l.set_up(true);
    }
    let stores: Vec<Store> = rs.iter().map(|r| Store::open(&r.db).unwrap()).collect();
    let t = wait_until(Duration::from_secs(30), || {
        let h: Vec<String> = stores.iter().map(|s| s.state_hash().unwrap()).collect();
        let n = stores[0].incident_by_number(1).map(|i| stores[0].entries(&i).unwrap().len()).unwrap_or(0);
        h.iter().all(|x| *x == h[0]) && n == 1 + 3 * per
    })
    .expect("the three converge");
    println!("loopback: three clients identical {} after the partition healed ({per} entries each)", ms(t));
    drop(bgs);
}

fn load(full: bool) {
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path());
    // Sessions for the simulated clients, made directly (1,000 password checks would
    // measure argon2, not sync).
    let clients = if full { 1000 } else { 20 };
    let mut tokens = Vec::new();
    {
        let s = SqliteServer::open(&srv.db).unwrap();
        for i in 0..clients {
            tokens.push(s.open_session("kari", &format!("sim-{i}"), &format!("sim{i}")).unwrap());
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let url = format!("http://{}", srv.addr);
    let secs = if full { 10 } else { 1 };
    // Each session on a connection of its own, a round about once a second.
    let connections = (0..clients).map(|_| Client::new(&url).unwrap()).collect();
    let all = idle_rounds(&rt, connections, tokens, 0, Duration::from_secs(1), secs);
    println!(
        "server, {clients} clients doing idle rounds ({:.0} rounds/s): p50 {} / p99 {} / max {}",
        all.len() as f64 / secs as f64,
        ms(pct(&all, 0.5)),
        ms(pct(&all, 0.99)),
        ms(*all.last().unwrap())
    );

    // A sustained stream of log entries: 10 writers, each on its own thread and
    // connection, writing 5 entries and pushing them in one round, as fast as they
    // can (each also applies what the others wrote, as a real replica does).
    let cur = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let per_writer = if full { 1000 } else { 50 };
    let mut writers: Vec<Replica> =
        (0..10).map(|i| replica(dir.path(), &format!("w{i}"), &url, &cur)).collect();
    let c = Client::new(&url).unwrap();
    writers[0].write(1);
    for w in writers.iter_mut() {
        sync(w, &c, &cur);
        w.incident();
    }
    let before = server_entries(&srv.db);
    let start = Instant::now();
    let threads: Vec<_> = writers
        .into_iter()
        .map(|mut w| {
            let url = url.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let c = Client::new(&url).unwrap();
                let origin = w.session.store.device_id().unwrap();
                let mut lat = Vec::new();
                for _ in 0..per_writer / 5 {
                    w.write(5);
                    let push = w.session.store.ops_to_push(5).unwrap();
                    let cursor = w.session.store.sync_cursor().unwrap();
                    let req = SyncRequest { origin: origin.clone(), ..SyncRequest::new(cursor, push) };
                    let t = Instant::now();
                    let a = rt.block_on(c.round(&w.login.token, &req)).unwrap();
                    lat.push(t.elapsed());
                    let ids: Vec<_> = req.push.iter().map(|o| o.id).collect();
                    w.session.store.mark_pushed(&ids, &a.refused).unwrap();
                    client::take(&mut w.session.store, &a).unwrap();
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let took = start.elapsed();
    let added = server_entries(&srv.db) - before;
    lat.sort();
    println!(
        "server, {added} entries from 10 concurrent writers, 5 a round, in {}: {:.0} entries/s accepted (rounds p50 {} / p99 {})",
        ms(took),
        added as f64 / took.as_secs_f64(),
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99))
    );

    // The national crisis's writing on one SQLite server (the figure beside
    // PostgreSQL's), on a server of its own.
    let dir = tempfile::tempdir().unwrap();
    let srv = serve(dir.path());
    let store = SqliteServer::open(&srv.db).unwrap();
    let db = srv.db.clone();
    let count = || server_all_entries(&db) as i64;
    crisis_writing(
        "server (SQLite)",
        &store,
        &[format!("http://{}", srv.addr)],
        dir.path(),
        &cur,
        full,
        count,
    );
}

/// Sustained writing, as a national crisis makes it: loggers of 25 organisations, two
/// each, spread over the servers at `urls`, each on its own thread and connection,
/// pushing 10 entries a round as fast as they can. Their entries are written
/// beforehand, and what each round pulls of the others' is taken as a replica's cursor
/// takes it but not applied: the two cores are the servers' and the store's, not fifty
/// replicas'. `count`: the log entries the store holds.
fn crisis_writing(
    what: &str,
    store: &dyn ServerStore,
    urls: &[String],
    dir: &Path,
    cur: &tokio::runtime::Runtime,
    full: bool,
    count: impl Fn() -> i64,
) {
    let n_writers = if full { 50 } else { 4 };
    let per_writer = if full { 500 } else { 20 };
    for org in 0..n_writers / 2 {
        store.add_org(&format!("Kommune {org}")).unwrap();
    }
    for i in 0..n_writers {
        let org = format!("Kommune {}", i / 2);
        store.add_user(&format!("logger{i}"), &org, &[Role::Kriseledelse], false, PASSWORD).unwrap();
    }
    let at = |i: usize| &urls[i % urls.len()];
    let mut writers: Vec<Replica> = (0..n_writers)
        .map(|i| replica_of(dir, &format!("w{i}"), at(i), cur, &format!("logger{i}")))
        .collect();
    for (i, w) in writers.iter_mut().enumerate() {
        let c = Client::new(at(i)).unwrap();
        sync(w, &c, cur);
        w.write(per_writer);
    }
    let before = count();
    let start = Instant::now();
    let threads: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(i, mut w)| {
            let url = at(i).clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let c = Client::new(&url).unwrap();
                let origin = w.session.store.device_id().unwrap();
                let mut cursor = w.session.store.sync_cursor().unwrap();
                let mut lat = Vec::new();
                loop {
                    let push = w.session.store.ops_to_push(10).unwrap();
                    if push.is_empty() {
                        break;
                    }
                    let req = SyncRequest { origin: origin.clone(), ..SyncRequest::new(cursor, push) };
                    let t = Instant::now();
                    let a = rt.block_on(c.round(&w.login.token, &req)).unwrap();
                    lat.push(t.elapsed());
                    cursor = a.cursor;
                    let ids: Vec<_> = req.push.iter().map(|o| o.id).collect();
                    w.session.store.mark_pushed(&ids, &a.refused).unwrap();
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let took = start.elapsed();
    let added = count() - before;
    lat.sort();
    println!(
        "{what}: {added} entries from {n_writers} concurrent writers of {} organisations, 10 a round (written beforehand, pulls not applied), in {}: {:.0} entries/s accepted (rounds p50 {} / p99 {})",
        n_writers / 2,
        ms(took),
        added as f64 / took.as_secs_f64(),
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.99))
    );
}

/// Sessions (`tokens`, session i on connection i % connections) doing idle rounds
/// from cursor `from`, each once `every`, spread evenly, for `secs`: every round's
/// time, sorted. A round that fails is counted and said.
fn idle_rounds(
    rt: &tokio::runtime::Runtime,
    connections: Vec<Client>,
    tokens: Vec<String>,
    from: i64,
    every: Duration,
    secs: u64,
) -> Vec<Duration> {
    let connections = Arc::new(connections);
    let n = tokens.len();
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| {
            let connections = connections.clone();
            rt.spawn(async move {
                let c = &connections[i % connections.len()];
                let (mut lat, mut failed, mut cursor) = (Vec::new(), 0, from);
                tokio::time::sleep(every.mul_f64((i * 7919 % n) as f64 / n as f64)).await;
                while started.elapsed() < Duration::from_secs(secs) {
                    let req = SyncRequest { origin: format!("sim{i}"), ..SyncRequest::new(cursor, vec![]) };
                    let t = Instant::now();
                    match c.round(&token, &req).await {
                        Ok(a) => {
                            lat.push(t.elapsed());
                            cursor = a.cursor;
                        }
                        Err(_) => failed += 1,
                    }
                    tokio::time::sleep(every).await;
                }
                (lat, failed)
            })
        })
        .collect();
    let (mut all, mut failed) = (Vec::new(), 0);
    for t in tasks {
        let (lat, f) = rt.block_on(t).unwrap();
        all.extend(lat);
        failed += f;
    }
    if failed > 0 {
        println!("  ({failed} idle rounds failed)");
    }
    all.sort();
    all
}

/// PostgreSQL: a throwaway cluster, two servers on it (each with its own runtime, pool
/// and copy of the records, in this process beside the load generator: all on the
/// machine's two cores), clients spread over both.
fn on_postgres(full: bool) {
    let dir = tempfile::tempdir().unwrap();
    let cluster = postgres::Cluster::start();
    let url = cluster.database();
    let stores: Vec<Arc<sitroom::server::PgServer>> = (0..2)
        .map(|i| Arc::new(sitroom::server::PgServer::open(&url, &dir.path().join(format!("s{i}"))).unwrap()))
        .collect();
    stores[0].add_org(ORG).unwrap();
    stores[0].add_user("kari", ORG, &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let servers: Vec<Served> = stores
        .iter()
        .map(|s| {
            s.warm_up().unwrap();
            serve_store(s.clone(), PathBuf::new())
        })
        .collect();
    let urls: Vec<String> = servers.iter().map(|s| format!("http://{}", s.addr)).collect();

    // Sustained writing, as a national crisis makes it (see `crisis_writing`), over
    // both servers.
    let cur = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db_name = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    let count = || -> i64 {
        cluster.psql(&db_name, "SELECT count(*) FROM ops WHERE kind = 'log_entry'").trim().parse().unwrap()
    };
    // (SITROOM_BENCH_ONE_SERVER=1: all writers at one server, to tell what the second
    // server's share of the work costs.)
    let (what, writing_to) = match std::env::var_os("SITROOM_BENCH_ONE_SERVER") {
        Some(_) => ("postgres, one server", &urls[..1]),
        None => ("postgres, two servers", &urls[..]),
    };
    crisis_writing(what, stores[0].as_ref(), writing_to, dir.path(), &cur, full, count);

    // What the store costs: the database per op, and a new server's start (its copy of
    // the records built from every op).
    let size: String = cluster.psql(
        &db_name,
        "SELECT pg_total_relation_size('ops') / greatest(count(*), 1) || ' ' || count(*) FROM ops",
    );
    let (per_op, ops) = size.trim().split_once(' ').unwrap_or(("?", "?"));
    let t = Instant::now();
    let third = sitroom::server::PgServer::open(&url, &dir.path().join("s2")).unwrap();
    third.warm_up().unwrap();
    let started = t.elapsed();
    drop(third);
    println!(
        "postgres: the ops table with its indexes, {per_op} B an op ({ops} ops); a new server's start, its copy built from them: {}",
        ms(started)
    );

    // One client pulls 1,000 new ops (what a laptop back from a meeting fetches): a
    // colleague of the first organisation's loggers, from the start of its log.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    stores[0].add_user("reader", "Kommune 0", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let reader = replica_of(dir.path(), "reader", &urls[1], &cur, "reader");
    let c = Client::new(&urls[1]).unwrap();
    let newest: i64 = cluster.psql(&db_name, "SELECT max(seq) FROM ops").trim().parse().unwrap();
    let mut pulls = Vec::new();
    let mut pulled = 0;
    for _ in 0..if full { 50 } else { 3 } {
        let mut cursor = 0;
        let mut got = 0;
        let t = Instant::now();
        while got < 1000 {
            let req = SyncRequest { origin: "reader-bench".into(), ..SyncRequest::new(cursor, vec![]) };
            let a = rt.block_on(c.round(&reader.login.token, &req)).unwrap();
            got += a.pull.len();
            cursor = a.cursor;
            if !a.more {
                break;
            }
        }
        pulls.push(t.elapsed());
        pulled = got;
    }
    pulls.sort();
    println!(
        "postgres: one client pulls {pulled} new ops (rounds of {}): p50 {} / p99 {}",
        wire::BATCH,
        ms(pct(&pulls, 0.5)),
        ms(pct(&pulls, 0.99))
    );

    // Idle clients: sessions spread over both servers, each doing an idle round every
    // ten seconds (as many rounds a second as the SQLite figure's 1,000 clients a
    // second each), over 200 connections.
    let clients = if full { 10_000 } else { 40 };
    let tokens: Vec<String> = (0..clients)
        .map(|i| {
            let key = sitroom::keys::SigningKey::generate().public();
            stores[i % 2].open_replica("kari", &format!("sim-{i}"), &format!("sim{i}"), &key).unwrap().0
        })
        .collect();
    let secs = if full { 20 } else { 2 };
    let every = Duration::from_secs(if full { 10 } else { 1 });
    // Connection i goes to server i % 2, as session i does (sessions share them by
    // number); idle clients are caught up.
    let connections = (0..200.min(clients)).map(|i| Client::new(&urls[i % 2]).unwrap()).collect();
    let all = idle_rounds(&rt, connections, tokens, newest, every, secs);
    println!(
        "postgres, two servers, {clients} idle clients ({:.0} rounds/s): p50 {} / p99 {} / max {}",
        all.len() as f64 / secs as f64,
        ms(pct(&all, 0.5)),
        ms(pct(&all, 0.99)),
        ms(*all.last().unwrap())
    );
    drop(servers);
}

/// A message to a role of 500 people (the target: p50 < 100 ms). The crisis
/// leader writes it in her incident (the message and its log entry in one
/// transaction), her replica pushes it, one of the 500 pulls it (the server decides per
/// op that it reaches a holder of the role) and opens it with who has read it and who
/// not yet, against the roster of 501 the server sent. Timed whole and by step.
fn messages(full: bool) {
    use sitroom::domain::message::{Addressees, NewMessage};
    let (people, iters) = if full { (500, 300) } else { (3, 3) };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let store = SqliteServer::open(&db).unwrap();
    store.add_org(ORG).unwrap();
    store.add_user("kari", ORG, &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let t = Instant::now();
    for k in 0..people {
        store.add_user(&format!("loggfører-{k}"), ORG, &[Role::Loggforer], false, PASSWORD).unwrap();
    }
    println!("{:<40} {people} accounts with the role in {:.1?}", "messages: seeded", t.elapsed());
    let srv = serve_store(Arc::new(store), db);
    let url = format!("http://{}", srv.addr);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let c = Client::new(&url).unwrap();
    let mut kari = replica(dir.path(), "kari", &url, &rt);
    let mut reader = replica_of(dir.path(), "reader", &url, &rt, "loggfører-0");
    kari.incident();
    sync(&mut kari, &c, &rt);
    sync(&mut reader, &c, &rt);
    let to = Addressees { roles: vec![Role::Loggforer], ..Default::default() };
    let (mut send, mut push, mut pull, mut open, mut whole) = (vec![], vec![], vec![], vec![], vec![]);
    for k in 0..iters {
        let new = NewMessage {
            to: to.clone(),
            text: common::varied(k),
            urgent: k % 5 == 0,
            copy: None,
            reply_to: None,
        };
        let t0 = Instant::now();
        let m = kari.session.send_message(new, None).unwrap();
        let t1 = Instant::now();
        sync(&mut kari, &c, &rt);
        let t2 = Instant::now();
        sync(&mut reader, &c, &rt);
        let t3 = Instant::now();
        let got = reader.session.find_message(&m.reference()).unwrap();
        let opened = reader.session.view_message(&got).unwrap();
        let t4 = Instant::now();
        assert_eq!(opened.read.unread.len(), people, "every holder of the role, none has read it");
        send.push(t1 - t0);
        push.push(t2 - t1);
        pull.push(t3 - t2);
        open.push(t4 - t3);
        whole.push(t4 - t0);
    }
    for (name, samples) in [
        ("message to a role: written and logged", send),
        ("message to a role: pushed", push),
        ("message to a role: pulled by one", pull),
        ("message to a role: opened, who read it", open),
        ("message to a role of 500: whole", whole),
    ] {
        common::Stats { name, samples }.report();
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    // SITROOM_BENCH_ONLY=bytes|partition|load|radio runs one part.
    let only = std::env::var("SITROOM_BENCH_ONLY").ok();
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if run("bytes") {
        bytes(full);
    }
    if run("partition") {
        partition(full);
    }
    if run("load") {
        load(full);
    }
    if run("postgres") {
        on_postgres(full);
    }
    if run("messages") {
        messages(full);
    }
    // The radio link takes a minute: in the full run, or when asked for.
    if (full && only.is_none()) || only.as_deref() == Some("radio") {
        radio(full);
    }
}

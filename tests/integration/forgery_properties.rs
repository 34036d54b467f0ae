//! Property: two organisations on one server, several accounts each, writing and
//! syncing in random order while some of them forge ops (another organisation's
//! records through their own incident, another author, another replica, a record that
//! does not exist). Whatever happens: every forged op is refused, each organisation's
//! replicas end identical to what the server holds for that organisation, and no op
//! from one organisation's account ever changes a record of the other.
//!
//! The server is the real store behind the same `round` the HTTP layer calls,
//! in-process for speed: the same test functions run against both stores, the SQLite
//! file and PostgreSQL (a real cluster the tests start). `PROPTEST_CASES=200 cargo test
//! --release --test integration forgery_properties` is the dedicated run.

use crate::common::inproc::{push_request, scratch, sign_in, sync, Replica, PASSWORD};
use crate::common::postgres::Cluster;
use proptest::prelude::*;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::roles::Role;
use sitroom::domain::task::{NewTask, Priority, TaskStatus};
use sitroom::domain::{NewIncident, Severity};
use sitroom::replication::{Action, Hlc, Kind, Op};
use sitroom::server::{round, PgServer, ServerStore, SqliteServer};
use sitroom::store::OpState;
use sitroom::sync::wire::{self, SyncRequest};
use std::sync::Arc;
use uuid::Uuid;

/// (account, organisation, role)
const ACCOUNTS: [(&str, &str, Role); 4] = [
    ("kari", "A", Role::Kriseledelse),
    ("ola", "A", Role::Loggforer),
    ("bodil", "B", Role::Administrator),
    ("bjarne", "B", Role::Loggforer),
];

#[derive(Debug, Clone)]
enum Step {
    Write { who: usize },
    NewTask { who: usize },
    MoveTask { who: usize, status: u8 },
    Sync { who: usize },
    Forge { who: usize, how: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    let who = 0..ACCOUNTS.len();
    prop_oneof![
        4 => who.clone().prop_map(|who| Step::Write { who }),
        2 => who.clone().prop_map(|who| Step::NewTask { who }),
        2 => (who.clone(), 0..3u8).prop_map(|(who, status)| Step::MoveTask { who, status }),
        3 => who.clone().prop_map(|who| Step::Sync { who }),
        2 => (who, 0..5u8).prop_map(|(who, how)| Step::Forge { who, how }),
    ]
}

fn forge(server: &dyn ServerStore, rs: &[Replica], who: usize, how: u8) -> Result<(), TestCaseError> {
    let me = &rs[who];
    let victim = rs.iter().find(|r| r.org != me.org).unwrap();
    let colleague = rs.iter().find(|r| r.org == me.org && r.who.name != me.who.name).unwrap();
    let own_incident = me.session.incidents().unwrap().first().map(|i| i.id);
    // A task of the other organisation (learnt, say, from a shared report): the
    // attacker knows its id and incident.
    let their_task: Option<(Uuid, Uuid)> = victim.session.incidents().unwrap().first().and_then(|inc| {
        let task = victim.session.tasks(inc).unwrap().into_iter().next()?;
        Some((task.id, inc.id))
    });
    let base = |kind, action, entity: Uuid, incident: Uuid, fields: serde_json::Value| Op {
        id: if action == Action::Create { entity } else { Uuid::now_v7() },
        hlc: Hlc::tick(Hlc(0), chrono::Utc::now().timestamp_millis()),
        origin: me.who.origin.clone(),
        author: me.who.name.clone(),
        device: me.who.device.clone(),
        kind,
        entity,
        incident,
        action,
        fields: fields.as_object().cloned().unwrap(),
        base: Default::default(),
        sig: String::new(),
    };
    let entry = |incident| {
        base(
            Kind::LogEntry,
            Action::Create,
            Uuid::now_v7(),
            incident,
            serde_json::json!({"text": "forfalsket", "prev_hash": "0".repeat(12)}),
        )
    };
    let op = match (how, own_incident, their_task) {
        // Another organisation's task, through one's own incident, or openly.
        (0, Some(own), Some((task, _))) => {
            base(Kind::Task, Action::Set, task, own, serde_json::json!({"status": "avbrutt"}))
        }
        (1, _, Some((task, theirs))) => {
            base(Kind::Task, Action::Set, task, theirs, serde_json::json!({"assignee": "inntrenger"}))
        }
        // A colleague as the author, or the colleague's replica.
        (2, Some(own), _) => Op { author: colleague.who.name.clone(), ..entry(own) },
        (3, Some(own), _) => Op { origin: colleague.who.origin.clone(), ..entry(own) },
        // A record that does not exist.
        (4, Some(own), _) => {
            base(Kind::Task, Action::Set, Uuid::now_v7(), own, serde_json::json!({"status": "utført"}))
        }
        _ => return Ok(()),
    };
    let req = SyncRequest::new(0, vec![op.clone()]);
    let answer = round(server, &me.who, req).unwrap().0.response;
    prop_assert!(
        answer.refused.iter().any(|(id, _)| *id == op.id),
        "forgery {how} by {} was taken: {op:?}",
        me.who.name
    );
    Ok(())
}

/// Which store the server keeps: the SQLite file, or PostgreSQL.
#[derive(Clone, Copy, Debug)]
enum Kept {
    Sqlite,
    Postgres,
}

/// A new, empty store of that kind (in a database of `cluster`, for PostgreSQL).
fn open(kept: Kept, dir: &std::path::Path, cluster: Option<&Cluster>) -> Arc<dyn ServerStore> {
    match kept {
        Kept::Sqlite => Arc::new(SqliteServer::open(&dir.join("server.db")).unwrap()),
        Kept::Postgres => Arc::new(PgServer::open(&cluster.unwrap().database(), dir).unwrap()),
    }
}

/// The PostgreSQL cluster the test's stores live in (none for SQLite).
fn cluster(kept: Kept) -> Option<Cluster> {
    matches!(kept, Kept::Postgres).then(Cluster::start)
}

/// The same tests against each store.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $name() { super::$name(super::Kept::Sqlite) } )* }
        mod postgres { $( #[test] fn $name() { super::$name(super::Kept::Postgres) } )* }
    };
}

on_both_stores!(
    forged_ops_never_cross_and_each_organisation_converges,
    pushes_that_arrive_together_share_one_commit,
    a_crafted_push_fails_only_itself_when_pushes_share_a_commit,
);

fn run(kept: Kept, cluster: Option<&Cluster>, steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = scratch();
    let server = open(kept, dir.path(), cluster);
    let server = server.as_ref();
    for org in ["A", "B"] {
        server.add_org(org).unwrap();
    }
    for (name, org, role) in ACCOUNTS {
        server.add_user(name, org, &[role], false, PASSWORD).unwrap();
    }
    server.add_user("root", "A", &[], true, PASSWORD).unwrap();
    let mut rs: Vec<Replica> = ACCOUNTS
        .iter()
        .map(|(name, org, _)| {
            let mut session =
                Session::open(&dir.path().join(format!("{name}.db")), name, vec!["flom".into()]).unwrap();
            let who = sign_in(server, &session, name);
            session.signed_in("http://test", name, &who.roles.clone()).unwrap();
            Replica { session, who, org }
        })
        .collect();
    // Each organisation's crisis leader opens an incident; everyone gets it.
    for lead in [0, 2] {
        rs[lead]
            .session
            .create_incident(NewIncident {
                title: format!("Flom {lead}"),
                kind: "flom".into(),
                severity: Severity::DEFAULT,
                exercise: false,
            })
            .unwrap();
        sync(server, &mut rs[lead]);
    }
    for r in rs.iter_mut() {
        sync(server, r);
    }
    for (i, s) in steps.iter().enumerate() {
        match *s {
            Step::Write { who } => {
                let r = &mut rs[who];
                let inc = r.session.incident(1).unwrap();
                r.session
                    .add_entry(&inc, EntryInput::now(format!("melding {i} fra {}: æøå", r.who.name)))
                    .unwrap();
            }
            Step::NewTask { who } => {
                let r = &mut rs[who];
                let inc = r.session.incident(1).unwrap();
                let t = NewTask {
                    title: format!("Oppgave {i}"),
                    description: String::new(),
                    assignee: None,
                    priority: Priority::Normal,
                    due: None,
                    from_entries: vec![],
                };
                r.session.add_task(&inc, t).unwrap();
            }
            Step::MoveTask { who, status } => {
                let r = &mut rs[who];
                let inc = r.session.incident(1).unwrap();
                let to = [TaskStatus::InProgress, TaskStatus::Done, TaskStatus::Cancelled][status as usize];
                if let Some(t) = r.session.tasks(&inc).unwrap().first() {
                    let _ = r.session.set_task_status(&inc, t.number, to);
                }
            }
            Step::Sync { who } => {
                let refused = sync(server, &mut rs[who]);
                prop_assert!(refused.is_empty(), "honest work refused: {refused:?}");
            }
            Step::Forge { who, how } => forge(server, &rs, who, how)?,
        }
    }
    for _ in 0..2 {
        for r in rs.iter_mut() {
            let refused = sync(server, r);
            prop_assert!(refused.is_empty(), "honest work refused: {refused:?}");
        }
    }
    // Each organisation's replicas agree, and with a fresh replica of the organisation.
    for org in ["A", "B"] {
        let members: Vec<&Replica> = rs.iter().filter(|r| r.org == org).collect();
        let hashes: Vec<String> = members.iter().map(|r| r.session.store.state_hash().unwrap()).collect();
        prop_assert!(hashes.iter().all(|h| *h == hashes[0]), "{org}'s replicas differ");
        let name = members[0].who.name.clone();
        let session =
            Session::open(&dir.path().join(format!("fresh-{org}.db")), &name, vec!["flom".into()]).unwrap();
        let who = sign_in(server, &session, &name);
        let mut fresh = Replica { session, who, org };
        sync(server, &mut fresh);
        prop_assert_eq!(
            fresh.session.store.state_hash().unwrap(),
            hashes[0].clone(),
            "{} differs from the server's view",
            org
        );
    }
    // No op on the server by one organisation's account touches the other's records:
    // everything the server holds, as a superadmin pulls it, by whose it is.
    let session = Session::open(&dir.path().join("root.db"), "root", vec!["flom".into()]).unwrap();
    let root = sign_in(server, &session, "root");
    let (all, _, more) = server.pull(&root, "", 0, 100_000).unwrap();
    prop_assert!(!more);
    let org_of = |author: &str| ACCOUNTS.iter().find(|(n, _, _)| *n == author).map(|(_, o, _)| *o);
    let incident_org: std::collections::HashMap<Uuid, &str> = all
        .iter()
        .filter(|o| o.kind == Kind::Incident && o.action == Action::Create)
        .map(|o| (o.entity, org_of(&o.author).unwrap()))
        .collect();
    for op in &all {
        prop_assert_eq!(
            org_of(&op.author),
            incident_org.get(&op.incident).copied(),
            "an op of one organisation changed the other's records: {:?}",
            op
        );
    }
    // And nothing was relayed across: no replica holds the other organisation's incident.
    for r in &rs {
        prop_assert_eq!(r.session.incidents().unwrap().len(), 1);
    }
    let _ = OpState::Acked;
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12)
}

fn forged_ops_never_cross_and_each_organisation_converges(kept: Kept) {
    let config = ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let cluster = cluster(kept);
    let outcome =
        runner.run(&prop::collection::vec(step(), 5..40), |steps| run(kept, cluster.as_ref(), &steps));
    if let Err(e) = outcome {
        panic!("{kept:?}: {e}");
    }
}

/// Pushes that arrive while another is being stored share the next transaction
/// (group commit): five replicas push at once while the file is held by someone else
/// for a moment; the five are stored in fewer than five commits, each exactly once,
/// each accepted.
fn pushes_that_arrive_together_share_one_commit(kept: Kept) {
    let dir = scratch();
    let cluster = cluster(kept);
    let server = open(kept, dir.path(), cluster.as_ref());
    server.add_org("A").unwrap();
    server.add_user("kari", "A", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let replicas: Vec<Replica> = (0..5)
        .map(|i| {
            let mut session =
                Session::open(&dir.path().join(format!("kari{i}.db")), "kari", vec!["flom".into()]).unwrap();
            let who = sign_in(server.as_ref(), &session, "kari");
            session.signed_in("http://test", "kari", &who.roles.clone()).unwrap();
            session
                .create_incident(NewIncident {
                    title: format!("Flom {i}"),
                    kind: "flom".into(),
                    severity: Severity::DEFAULT,
                    exercise: false,
                })
                .unwrap();
            Replica { session, who, org: "A" }
        })
        .collect();
    // Someone else holds the store (the SQLite file's write lock; PostgreSQL's lock on
    // numbering ops): the first push waits on it, holding the store; the others line
    // up behind.
    let holder = Holder::take(kept, &dir.path().join("server.db"), cluster.as_ref());
    let pushes: Vec<_> = replicas.iter().map(push_request).collect();
    let threads: Vec<_> = pushes
        .into_iter()
        .map(|(who, req)| {
            let server = server.clone();
            let n = req.push.len();
            std::thread::spawn(move || (n, round(server.as_ref(), &who, req).unwrap().0))
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(holder);
    let rounds: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for (n, round) in &rounds {
        assert_eq!(round.accepted, *n, "every op accepted: {:?}", round.response.refused);
    }
    let commits = rounds.iter().filter(|(_, r)| r.committed > 0).count();
    let committed: usize = rounds.iter().map(|(_, r)| r.committed).sum();
    assert_eq!(committed, 5, "each push committed once");
    assert!(commits < 5, "pushes that came together shared a commit: {commits} commits for 5 pushes");
    // Stored once each: a sixth replica pulls five incidents.
    drop(replicas);
    let mut reader = Session::open(&dir.path().join("reader.db"), "kari", vec!["flom".into()]).unwrap();
    let who = sign_in(server.as_ref(), &reader, "kari");
    reader.signed_in("http://test", "kari", &who.roles.clone()).unwrap();
    let mut r = Replica { session: reader, who, org: "A" };
    sync(server.as_ref(), &mut r);
    assert_eq!(r.session.incidents().unwrap().len(), 5);
}

/// Someone else holding the store for a moment, until dropped.
enum Holder {
    File(rusqlite::Connection),
    Lock(std::process::Child),
}

impl Holder {
    fn take(kept: Kept, db: &std::path::Path, cluster: Option<&Cluster>) -> Holder {
        match kept {
            Kept::Sqlite => {
                let other = rusqlite::Connection::open(db).unwrap();
                other.execute_batch("BEGIN IMMEDIATE").unwrap();
                Holder::File(other)
            }
            Kept::Postgres => {
                // psql holds the numbering lock until its input ends.
                let cluster = cluster.unwrap();
                let lock = cluster.hold_lock("sitroom0", sitroom::server::NUMBERING_LOCK);
                Holder::Lock(lock)
            }
        }
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        match self {
            Holder::File(c) => c.execute_batch("ROLLBACK").unwrap(),
            Holder::Lock(child) => {
                drop(child.stdin.take());
                let _ = child.wait();
            }
        }
    }
}

/// Pushes taken together in one transaction: one crafted to make the store stumble
/// (a replica named with a NUL, which PostgreSQL's text cannot hold, vouched for by a
/// made-up signature) is refused, and the honest push beside it is stored.
fn a_crafted_push_fails_only_itself_when_pushes_share_a_commit(kept: Kept) {
    let dir = scratch();
    let cluster = cluster(kept);
    let server = open(kept, dir.path(), cluster.as_ref());
    server.add_org("A").unwrap();
    server.add_user("kari", "A", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    server.add_user("ola", "A", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let mut replicas: Vec<Replica> = ["kari", "ola"]
        .iter()
        .map(|name| {
            let mut session =
                Session::open(&dir.path().join(format!("{name}.db")), name, vec!["flom".into()]).unwrap();
            let who = sign_in(server.as_ref(), &session, name);
            session.signed_in("http://test", name, &who.roles.clone()).unwrap();
            Replica { session, who, org: "A" }
        })
        .collect();
    replicas[0]
        .session
        .create_incident(NewIncident {
            title: "Flom i Lågen".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        })
        .unwrap();
    let (honest_who, honest) = push_request(&replicas[0]);
    let (_, mut crafty) = push_request(&replicas[0]);
    for op in crafty.push.iter_mut() {
        op.id = Uuid::now_v7();
        op.origin = "x\u{0}y".into();
        op.sig = "c2ln".into();
    }
    let crafty_who = replicas[1].who.clone();
    wire::fill_in(&mut crafty, &crafty_who.name, &crafty_who.device, &crafty_who.origin);
    let holder = Holder::take(kept, &dir.path().join("server.db"), cluster.as_ref());
    let threads: Vec<_> = [(crafty_who, crafty), (honest_who, honest)]
        .into_iter()
        .map(|(who, req)| {
            let server = server.clone();
            let n = req.push.len();
            let t = std::thread::spawn(move || (n, round(server.as_ref(), &who, req)));
            std::thread::sleep(std::time::Duration::from_millis(100));
            t
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(holder);
    let mut outcomes = threads.into_iter().map(|t| t.join().unwrap());
    let (n, crafty) = outcomes.next().unwrap();
    let crafty = crafty.expect("the crafted push gets an answer, not an error").0;
    assert_eq!(crafty.response.refused.len(), n, "every crafted op refused");
    let (n, honest) = outcomes.next().unwrap();
    let honest = honest.expect("the honest push beside it is not failed by it").0;
    assert_eq!(honest.accepted, n, "{:?}", honest.response.refused);
    sync(server.as_ref(), &mut replicas[1]);
    assert_eq!(replicas[1].session.incidents().unwrap().len(), 1);
}

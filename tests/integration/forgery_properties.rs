//! Property: two organisations on one server, several accounts each, writing and
//! syncing in random order while some of them forge ops (another organisation's
//! records through their own incident, another author, another replica, a record that
//! does not exist). Whatever happens: every forged op is refused, each organisation's
//! replicas end identical to what the server holds for that organisation, and no op
//! from one organisation's account ever changes a record of the other.
//!
//! The server is the real `SqliteServer` behind the same `round` the HTTP layer calls,
//! in-process for speed. `PROPTEST_CASES=200 cargo test --release --test integration forgery_properties`
//! is the dedicated run.

use proptest::prelude::*;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::roles::Role;
use sitroom::domain::task::{NewTask, Priority, TaskStatus};
use sitroom::domain::{NewIncident, Severity};
use sitroom::replication::{Action, Hlc, Kind, Op};
use sitroom::server::{round, Principal, ServerStore, SignIn, SqliteServer};
use sitroom::store::OpState;
use sitroom::sync::wire::{self, SyncRequest};
use uuid::Uuid;

const PASSWORD: &str = "riktig-hest-batteri";
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

struct Replica {
    session: Session,
    who: Principal,
    org: &'static str,
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap()
}

fn sign_in(server: &SqliteServer, session: &Session, user: &str) -> Principal {
    let key = session.store.signing_key().unwrap();
    let origin = session.store.device_id().unwrap();
    let public = key.public();
    let proof = key.sign(&sitroom::keys::login_message(user, &origin, &public));
    let (_, _, who) = server
        .login(&SignIn {
            user,
            password: PASSWORD,
            device: &session.device,
            origin: &origin,
            key: &public,
            proof: &proof,
        })
        .unwrap();
    who
}

/// One full exchange with the server: push everything, pull everything.
fn sync(server: &SqliteServer, r: &mut Replica) -> Vec<(Uuid, String)> {
    let mut refused = Vec::new();
    for _ in 0..100 {
        let push = r.session.store.ops_to_push(wire::BATCH).unwrap();
        let pushed: Vec<Uuid> = push.iter().map(|o| o.id).collect();
        let mut req = SyncRequest {
            version: wire::VERSION,
            cursor: r.session.store.sync_cursor().unwrap(),
            origin: String::new(),
            push,
            wait_ms: 0,
            checkpoints: vec![],
        };
        wire::fill_in(&mut req, &r.who.name, &r.who.device, &r.who.origin);
        let answer = round(server, &r.who, req).unwrap().0.response;
        let acked: Vec<Uuid> =
            pushed.into_iter().filter(|id| !answer.refused.iter().any(|(x, _)| x == id)).collect();
        r.session.store.mark_pushed(&acked, &answer.refused).unwrap();
        refused.extend(answer.refused.clone());
        sitroom::sync::client::take(&mut r.session.store, &answer).unwrap();
        if !answer.more && r.session.store.ops_waiting_to_push().unwrap() == 0 {
            break;
        }
    }
    refused
}

fn forge(
    server: &SqliteServer,
    server_db: &std::path::Path,
    rs: &[Replica],
    who: usize,
    how: u8,
) -> Result<(), TestCaseError> {
    let me = &rs[who];
    let victim = rs.iter().find(|r| r.org != me.org).unwrap();
    let colleague = rs.iter().find(|r| r.org == me.org && r.who.name != me.who.name).unwrap();
    let own_incident = me.session.incidents().unwrap().first().map(|i| i.id);
    // A task of the other organisation that the server has (learnt, say, from a
    // shared report): the attacker knows its id and incident.
    let db = rusqlite::Connection::open(server_db).unwrap();
    let their_task: Option<(Uuid, Uuid)> = db
        .query_row(
            "SELECT o.entity_id, o.incident_id FROM oplog o JOIN incident_orgs io ON io.incident_id = o.incident_id
             JOIN orgs g ON g.id = io.org_id WHERE o.entity = 'task' AND o.action = 'create' AND o.state = 1
               AND g.name = ?1 LIMIT 1",
            [victim.org],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .ok()
        .map(|(e, i)| (Uuid::parse_str(&e).unwrap(), Uuid::parse_str(&i).unwrap()));
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
    let req = SyncRequest {
        version: wire::VERSION,
        cursor: 0,
        origin: String::new(),
        push: vec![op.clone()],
        wait_ms: 0,
        checkpoints: vec![],
    };
    let answer = round(server, &me.who, req).unwrap().0.response;
    prop_assert!(
        answer.refused.iter().any(|(id, _)| *id == op.id),
        "forgery {how} by {} was taken: {op:?}",
        me.who.name
    );
    Ok(())
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let dir = scratch();
    let server = SqliteServer::open(&dir.path().join("server.db")).unwrap();
    for org in ["A", "B"] {
        server.add_org(org).unwrap();
    }
    for (name, org, role) in ACCOUNTS {
        server.add_user(name, org, &[role], false, PASSWORD).unwrap();
    }
    let mut rs: Vec<Replica> = ACCOUNTS
        .iter()
        .map(|(name, org, _)| {
            let mut session =
                Session::open(&dir.path().join(format!("{name}.db")), name, vec!["flom".into()]).unwrap();
            let who = sign_in(&server, &session, name);
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
        sync(&server, &mut rs[lead]);
    }
    for r in rs.iter_mut() {
        sync(&server, r);
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
                let refused = sync(&server, &mut rs[who]);
                prop_assert!(refused.is_empty(), "honest work refused: {refused:?}");
            }
            Step::Forge { who, how } => forge(&server, &dir.path().join("server.db"), &rs, who, how)?,
        }
    }
    for _ in 0..2 {
        for r in rs.iter_mut() {
            let refused = sync(&server, r);
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
        let who = sign_in(&server, &session, &name);
        let mut fresh = Replica { session, who, org };
        sync(&server, &mut fresh);
        prop_assert_eq!(
            fresh.session.store.state_hash().unwrap(),
            hashes[0].clone(),
            "{} differs from the server's view",
            org
        );
    }
    // No op on the server by one organisation's account touches the other's records.
    let db = rusqlite::Connection::open(dir.path().join("server.db")).unwrap();
    let crossed: i64 = db
        .query_row(
            "SELECT count(*) FROM oplog o JOIN incident_orgs io ON io.incident_id = o.incident_id
             JOIN accounts a ON a.name = o.author WHERE o.state = 1 AND a.org_id <> io.org_id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    prop_assert_eq!(crossed, 0, "an op of one organisation changed the other's records");
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

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn forged_ops_never_cross_and_each_organisation_converges(steps in prop::collection::vec(step(), 5..40)) {
        run(&steps)?;
    }
}

/// Pushes that arrive while another is being stored share the next transaction
/// (group commit): five replicas push at once while the file is held by someone else
/// for a moment; the five are stored in fewer than five commits, each exactly once,
/// each accepted.
#[test]
fn pushes_that_arrive_together_share_one_commit() {
    let dir = scratch();
    let db = dir.path().join("server.db");
    let server = std::sync::Arc::new(SqliteServer::open(&db).unwrap());
    server.add_org("A").unwrap();
    server.add_user("kari", "A", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let mut replicas: Vec<Replica> = (0..5)
        .map(|i| {
            let mut session =
                Session::open(&dir.path().join(format!("kari{i}.db")), "kari", vec!["flom".into()]).unwrap();
            let who = sign_in(&server, &session, "kari");
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
    // Someone else holds the file's write lock: the first push waits on it, holding
    // the store; the others line up behind.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let pushes: Vec<_> = replicas
        .iter_mut()
        .map(|r| {
            let mut req = SyncRequest {
                version: wire::VERSION,
                cursor: 0,
                origin: String::new(),
                push: r.session.store.ops_to_push(wire::BATCH).unwrap(),
                wait_ms: 0,
                checkpoints: vec![],
            };
            wire::fill_in(&mut req, &r.who.name, &r.who.device, &r.who.origin);
            (r.who.clone(), req)
        })
        .collect();
    let threads: Vec<_> = pushes
        .into_iter()
        .map(|(who, req)| {
            let server = server.clone();
            let n = req.push.len();
            std::thread::spawn(move || (n, round(server.as_ref(), &who, req).unwrap().0))
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(500));
    other.execute_batch("ROLLBACK").unwrap();
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
    let who = sign_in(&server, &reader, "kari");
    reader.signed_in("http://test", "kari", &who.roles.clone()).unwrap();
    let mut r = Replica { session: reader, who, org: "A" };
    sync(&server, &mut r);
    assert_eq!(r.session.incidents().unwrap().len(), 5);
}

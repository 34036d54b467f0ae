//! Several servers on one PostgreSQL database (a real cluster the test starts): a
//! client may reach any of them, round by round, and the pull cursor never skips an op.
//!
//! The classic trap: a transaction takes sequence number 11, another takes 12 and
//! commits first; a reader sees 12, moves its cursor past 11, and never sees 11 when
//! it commits a moment later. Here the first server is made to hold its push numbered
//! but not committed, while a push through the second server and pulls through it come
//! in between.

use crate::common::inproc::{push_request, scratch, sign_in, sync, Replica, PASSWORD};
use crate::common::postgres::Cluster;
use sitroom::app::{EntryInput, Session};
use sitroom::domain::roles::Role;
use sitroom::domain::{NewIncident, Severity};
use sitroom::server::{round, PgServer, ServerStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn replica(server: &dyn ServerStore, dir: &std::path::Path, name: &str) -> Replica {
    let mut session = Session::open(&dir.join(format!("{name}.db")), "kari", vec!["flom".into()]).unwrap();
    let who = sign_in(server, &session, "kari");
    session.signed_in("http://test", "kari", &who.roles.clone()).unwrap();
    Replica { session, who, org: "A" }
}

/// Push what `r` has to push through `server` in one round (on another thread):
/// when the round came back.
fn push_in_background(server: Arc<PgServer>, r: &Replica) -> std::thread::JoinHandle<Instant> {
    let (who, req) = push_request(r);
    assert_eq!(req.push.len(), 1, "one entry to push");
    std::thread::spawn(move || {
        let done = round(server.as_ref(), &who, req).unwrap().0;
        assert_eq!(done.accepted, 1, "{:?}", done.response.refused);
        Instant::now()
    })
}

/// Two servers on one new database (each its own pool and copy of the records), with
/// organisation A and kari in it: the cluster, the scratch folder, the two servers.
fn two_servers() -> (Cluster, tempfile::TempDir, Arc<PgServer>, Arc<PgServer>) {
    let cluster = Cluster::start();
    let url = cluster.database();
    let dir = scratch();
    let first = Arc::new(PgServer::open(&url, &dir.path().join("first")).unwrap());
    let second = Arc::new(PgServer::open(&url, &dir.path().join("second")).unwrap());
    first.add_org("A").unwrap();
    // The second server sees the first one's organisations: they live in the database.
    second.add_user("kari", "A", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    (cluster, dir, first, second)
}

/// `r` opens an incident.
fn open_incident(r: &mut Replica, title: &str) {
    let incident = NewIncident {
        title: title.into(),
        kind: "flom".into(),
        severity: Severity::DEFAULT,
        exercise: false,
    };
    r.session.create_incident(incident).unwrap();
}

fn texts(r: &Replica) -> Vec<String> {
    let inc = r.session.incident(1).unwrap();
    r.session.entries(&inc).unwrap().into_iter().map(|e| e.text).collect()
}

#[test]
fn a_pull_never_skips_an_op_whose_transaction_commits_after_a_later_one() {
    let (_cluster, dir, first, second) = two_servers();
    let mut one = replica(first.as_ref(), dir.path(), "one");
    let mut two = replica(second.as_ref(), dir.path(), "two");
    let mut reader = replica(second.as_ref(), dir.path(), "reader");
    open_incident(&mut one, "Kvikkleireskred i Gjerdrum");
    sync(first.as_ref(), &mut one);
    sync(second.as_ref(), &mut two);
    sync(second.as_ref(), &mut reader);
    assert_eq!(reader.session.incidents().unwrap().len(), 1, "what one server took, the other serves");

    let inc = one.session.incident(1).unwrap();
    one.session.add_entry(&inc, EntryInput::now("Skredet har tatt med seg flere hus i Ask")).unwrap();
    let inc = two.session.incident(1).unwrap();
    two.session.add_entry(&inc, EntryInput::now("Evakuering av Nystulia og Holmenvegen")).unwrap();

    // The first server numbers its push and holds it uncommitted for a while.
    first.hold_numbering(1_500);
    let held_from = Instant::now();
    let pushed_first = push_in_background(first.clone(), &one);
    std::thread::sleep(Duration::from_millis(300));
    // Meanwhile a push through the second server, and pulls through it.
    let pushed_second = push_in_background(second.clone(), &two);
    let mut pulled_during = Vec::new();
    while held_from.elapsed() < Duration::from_millis(1_200) {
        sync(second.as_ref(), &mut reader);
        pulled_during.push(texts(&reader).len());
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, second_done) = (pushed_first.join().unwrap(), pushed_second.join().unwrap());
    first.hold_numbering(0);
    // The later push waited for the earlier one's numbers to be committed (which
    // the hold puts at least 1.5 s after `held_from`), so no reader saw it first.
    // (Not compared with when the first push's thread returned: that server still
    // answers its round after committing, and the second may return first.)
    assert!(
        second_done >= held_from + Duration::from_millis(1_500),
        "the second server's push finished {:?} after the hold began, before the first's commit",
        second_done - held_from
    );
    assert!(
        pulled_during.iter().all(|n| *n == 0),
        "a pull during the hold saw an op while an earlier-numbered one was in flight: {pulled_during:?}"
    );
    // The reader, whose cursor moved with every pull, has both, in the order numbered.
    sync(second.as_ref(), &mut reader);
    assert_eq!(
        texts(&reader),
        vec!["Skredet har tatt med seg flere hus i Ask", "Evakuering av Nystulia og Holmenvegen"],
        "nothing skipped"
    );
    // And a replica reaching the first server gets the same.
    sync(first.as_ref(), &mut one);
    assert_eq!(one.session.store.state_hash().unwrap(), reader.session.store.state_hash().unwrap());
}

/// Sessions are the database's: a session opened on one server works on the other,
/// and signing out on one ends it on both.
#[test]
fn a_session_opened_on_one_server_works_on_another_until_it_ends() {
    let (_cluster, dir, first, second) = two_servers();
    let session = Session::open(&dir.path().join("kari.db"), "kari", vec!["flom".into()]).unwrap();
    let key = session.store.signing_key().unwrap();
    let origin = session.store.device_id().unwrap();
    let public = key.public();
    let proof = key.sign(&sitroom::keys::login_message("kari", &origin, &public));
    let (token, _, _) = first
        .login(&sitroom::server::SignIn {
            user: "kari",
            password: PASSWORD,
            device: "laptop",
            origin: &origin,
            key: &public,
            proof: &proof,
        })
        .unwrap();
    assert_eq!(second.authenticate(&token).unwrap().name, "kari");
    let (renewed, _) = second.refresh(&token).unwrap();
    assert!(first.authenticate(&token).is_err(), "the renewed token's old one ended everywhere");
    assert_eq!(first.authenticate(&renewed).unwrap().origin, origin);
    first.logout(&renewed).unwrap();
    assert!(second.authenticate(&renewed).is_err(), "signed out on one, out on both");
}

/// A long poll on one server wakes when another server stores ops of its
/// organisation (PostgreSQL's notifications), instead of waiting out its time: a
/// colleague's entry reaches a live screen at once whichever server took it.
#[test]
fn a_long_poll_on_one_server_wakes_when_another_stores() {
    use sitroom::server::{round_or_wait, Offload, Serving};
    let (_cluster, dir, first, second) = two_servers();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (serving_first, serving_second) =
        rt.block_on(async { (Serving::new(first.clone()), Serving::new(second.clone())) });
    let mut writer = replica(first.as_ref(), dir.path(), "writer");
    let mut watcher = replica(second.as_ref(), dir.path(), "watcher");
    open_incident(&mut writer, "Ekstremværet Hans");
    sync(first.as_ref(), &mut writer);
    sync(second.as_ref(), &mut watcher);
    // The watcher's long poll on the second server, for as long as a poll may wait.
    let cursor = watcher.session.store.sync_cursor().unwrap();
    let who = watcher.who.clone();
    let mut req = sitroom::sync::wire::SyncRequest {
        wait_ms: sitroom::sync::wire::MAX_WAIT_MS,
        ..sitroom::sync::wire::SyncRequest::new(cursor, vec![])
    };
    sitroom::sync::wire::fill_in(&mut req, &who.name, &who.device, &who.origin);
    let started = Instant::now();
    let poll = rt.spawn(round_or_wait(serving_second.clone(), who, req, Offload::Blocking));
    std::thread::sleep(Duration::from_millis(500));
    let inc = writer.session.incident(1).unwrap();
    writer.session.add_entry(&inc, EntryInput::now("Gudbrandsdalslågen går over sine bredder")).unwrap();
    let (who, req) = crate::common::inproc::push_request(&writer);
    let stored = rt.block_on(round_or_wait(serving_first.clone(), who, req, Offload::Blocking)).unwrap();
    assert_eq!(stored.accepted, 1);
    let answered = rt.block_on(poll).unwrap().unwrap();
    let waited = started.elapsed();
    assert_eq!(answered.response.pull.len(), 1, "the poll brought the entry");
    assert!(
        waited < Duration::from_millis(sitroom::sync::wire::MAX_WAIT_MS as u64 / 2),
        "the poll woke when the other server stored, not at the end of its wait: {waited:?}"
    );
}

/// One server at a time asks a provider about a person: the turn is taken in the
/// database, so that two servers never use the same refresh token at once (providers
/// that rotate refresh tokens revoke the grant of one used twice).
#[test]
fn one_server_at_a_time_asks_the_provider_about_a_person() {
    let (_cluster, _dir, first, second) = two_servers();
    first.set_sso_map("A", "stab-logg", &[Role::Loggforer]).unwrap();
    let groups = vec!["stab-logg".to_string()];
    let vouched = sitroom::server::sso::Vouched {
        provider: "kommunen",
        org: "A",
        issuer: "https://idp.example",
        subject: "kari-7f3a",
        hint: "kari.nordmann@sandefjord.kommune.no",
        link_names: &[],
        groups: &groups,
        refresh: Some("oppfrisk-1"),
    };
    first.sso_account(&vouched).unwrap();
    // Due: not asked about since a moment after her sign-in.
    std::thread::sleep(Duration::from_millis(20));
    let later = chrono::Utc::now().timestamp_millis();
    std::thread::sleep(Duration::from_millis(20));
    let turn = first.sso_take_turn("https://idp.example", "kari-7f3a", later).unwrap();
    assert_eq!(turn.map(|t| t.refresh), Some("oppfrisk-1".to_string()), "the first server's turn");
    assert!(
        second.sso_take_turn("https://idp.example", "kari-7f3a", later).unwrap().is_none(),
        "the second server waits: the first is asking"
    );
    // Nor does a renewal a while later (it asks about whoever was not asked in the
    // last moments) while the first ask is under way.
    std::thread::sleep(Duration::from_millis(20));
    let renewal = chrono::Utc::now().timestamp_millis();
    assert!(second.sso_take_turn("https://idp.example", "kari-7f3a", renewal).unwrap().is_none());
    assert!(first.sso_take_turn("https://idp.example", "kari-7f3a", later).unwrap().is_none(), "and once");
}

/// A figure of the store's `/metrics`.
fn figure(server: &PgServer, name: &str) -> i64 {
    server.figures().iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no {name}")).value
}

/// `r` writes `n` entries in its incident and syncs through `server`.
fn write(server: &PgServer, r: &mut Replica, n: usize, what: &str) {
    let inc = r.session.incident(1).unwrap();
    for i in 0..n {
        r.session.add_entry(&inc, EntryInput::now(format!("{what} {i}"))).unwrap();
    }
    let refused = sync(server, r);
    assert!(refused.is_empty(), "{refused:?}");
}

/// A server's copy of the records is kept between starts: the next start takes only
/// what the database got since, and judges pushes as before. A copy that is not of the
/// database's history — after a restore, or of another database — is built anew, and
/// a second server on the same machine does not share the first one's.
#[test]
fn a_kept_copy_goes_on_from_where_it_got_to_and_only_of_its_own_history() {
    let cluster = Cluster::start();
    let url = cluster.database();
    let dir = scratch();
    let kept = dir.path().join("server.copy");
    let first = Arc::new(PgServer::open_kept(&url, &kept).unwrap());
    first.add_org("A").unwrap();
    first.add_user("kari", "A", &[Role::Kriseledelse], false, PASSWORD).unwrap();
    let mut kari = replica(first.as_ref(), dir.path(), "kari");
    open_incident(&mut kari, "Storm Hans");
    write(&first, &mut kari, 30, "Vannstanden stiger i Drammenselva");
    let reached = figure(&first, "sitroom_copy_seq");
    assert!(reached >= 31, "{reached}");

    // A second server on this machine, given the same folder, builds its own.
    let beside = PgServer::open_kept(&url, &kept).unwrap();
    beside.warm_up().unwrap();
    assert_eq!(figure(&beside, "sitroom_copy_kept_at_start"), 0, "not the first server's copy");
    let mut ola = replica(&beside, dir.path(), "ola");
    sync(&beside, &mut ola);
    write(&beside, &mut ola, 5, "Strømbrudd på Hurum");

    // The first server restarts: it goes on from its number and takes only the five.
    drop(first);
    let first = PgServer::open_kept(&url, &kept).unwrap();
    first.warm_up().unwrap();
    assert_eq!(figure(&first, "sitroom_copy_kept_at_start"), reached);
    assert_eq!(figure(&first, "sitroom_copy_ops_taken_total"), 5, "only what is new");
    // And judges as before: kari's next entries are taken into her incident, and a
    // new replica gets all 36 entries and the incident.
    write(&first, &mut kari, 2, "Evakuering av Åssiden");
    let mut reader = replica(&first, dir.path(), "reader");
    sync(&first, &mut reader);
    assert_eq!(texts(&reader).len(), 37);
    assert_eq!(reader.session.store.state_hash().unwrap(), {
        sync(&first, &mut kari);
        kari.session.store.state_hash().unwrap()
    });
    let all_before_loss = figure(&first, "sitroom_copy_seq");

    // The database lost its newest op (a restore that was not said with `admin
    // restored`): the copy's last op is not the database's, so it is built anew.
    let db = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    drop(first);
    cluster.psql(&db, "DELETE FROM ops WHERE seq = (SELECT max(seq) FROM ops)");
    let first = PgServer::open_kept(&url, &kept).unwrap();
    first.warm_up().unwrap();
    assert_eq!(figure(&first, "sitroom_copy_kept_at_start"), 0, "not of this history");
    assert_eq!(figure(&first, "sitroom_copy_seq"), all_before_loss - 1);

    // After a restore (the epoch moves on), a kept copy is of another history.
    let all = figure(&first, "sitroom_copy_seq");
    first.restored().unwrap();
    drop(first);
    let first = PgServer::open_kept(&url, &kept).unwrap();
    first.warm_up().unwrap();
    assert_eq!(figure(&first, "sitroom_copy_kept_at_start"), 0, "built anew after a restore");
    assert_eq!(figure(&first, "sitroom_copy_ops_taken_total"), all);
    drop(first);

    // The folder given to a server of another database: built anew, of that one.
    let other = PgServer::open_kept(&cluster.database(), &kept).unwrap();
    other.warm_up().unwrap();
    assert_eq!(figure(&other, "sitroom_copy_kept_at_start"), 0);
    assert_eq!(figure(&other, "sitroom_copy_seq"), 0);
}

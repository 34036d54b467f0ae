//! `sitroom admin migrate`: an installation moves from its SQLite file to PostgreSQL (a
//! real cluster the test starts) while its server serves, is verified, goes on after an
//! interruption, catches up with what came meanwhile, and its clients go on against the
//! new store where they were: nothing sent twice, nothing lost.

use crate::common::postgres::Cluster;
use crate::common::server::Server;
use crate::common::Home;
use std::sync::Arc;

const ORG: &str = "Gjerdrum kommune";

fn migrate(from: &std::path::Path, to: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sitroom"))
        .args(["admin", "migrate", "--from", from.to_str().unwrap(), "--to", to, "--json"])
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap()
}

fn moved(from: &std::path::Path, to: &str) -> serde_json::Value {
    let out = migrate(from, to);
    assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_installation_moves_to_postgres_while_serving_and_its_clients_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.db");
    let mut old = Server::start_at(&file, "127.0.0.1:0");
    old.add_org(ORG);
    old.add_user("kari", ORG, &["kriseledelse"]);
    let kari = Home::new();
    kari.login(&old.url, "kari");
    kari.ok(&["incident", "new", "--title", "Kvikkleireskred på Ask", "--type", "flom"]);
    let meeting = crate::common::staff_meeting_lines();
    let lines: String = (0..120).map(|i| format!("{} ({i})\n", meeting[i % meeting.len()])).collect();
    std::fs::write(kari.path().join("lines.txt"), lines).unwrap();
    kari.ok(&["log", "import", kari.path().join("lines.txt").to_str().unwrap()]);
    kari.ok(&["task", "add", "Skaff oversikt over evakuerte", "--assignee", "kari"]);
    kari.ok(&["sync"]);

    let cluster = Arc::new(Cluster::start());
    let url = cluster.database();
    // While the old server serves.
    let first = moved(&file, &url);
    let ops = first["ops"].as_i64().unwrap();
    assert!(ops >= 122, "{first}");
    assert_eq!(first["ops_new"], ops);
    assert_eq!(first["records_match"], true);
    assert_eq!(first["chains"], 1);

    // Interrupted after some batches: the database has only the first ops (as if the
    // move had stopped there); run again, it goes on from there.
    cluster.psql(url_db(&url), "DELETE FROM ops WHERE seq > 40");
    let resumed = moved(&file, &url);
    assert_eq!(resumed["ops"], ops);
    assert_eq!(resumed["ops_new"].as_i64().unwrap(), ops - 40, "{resumed}");

    // What came meanwhile comes with the next run.
    kari.ok(&["log", "add", "Skredet har stoppet, ifølge NVE"]);
    kari.ok(&["sync"]);
    let again = moved(&file, &url);
    assert_eq!(again["ops_new"], 1, "{again}");

    // An op altered in the database is found.
    cluster.psql(url_db(&url), "UPDATE ops SET body = replace(body, 'NVE', 'NGI') WHERE body LIKE '%NVE%'");
    let out = migrate(&file, &url);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("differs"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cluster.psql(url_db(&url), "UPDATE ops SET body = replace(body, 'NGI', 'NVE') WHERE body LIKE '%NGI%'");

    // The old server stops; a PostgreSQL server takes its address.
    let addr = old.addr.clone();
    old.kill();
    let _new = Server::start_on(&url, cluster.clone(), &addr);
    let before = kari.state_hash();
    let synced = kari.ok(&["sync"]);
    assert!(synced.contains("0 sent, 0 received"), "kari goes on where she was: {synced}");
    assert_eq!(kari.state_hash(), before);
    kari.ok(&["log", "add", "Første melding etter flyttingen"]);
    kari.ok(&["sync"]);
    let ola = Home::new();
    ola.login(&format!("http://{addr}"), "kari");
    ola.ok(&["sync"]);
    assert_eq!(ola.state_hash(), kari.state_hash(), "a new replica gets exactly what kari has");
    assert_eq!(ola.entries().len(), kari.entries().len());
    assert!(ola.entries().len() >= 122);
    let verified = ola.ok(&["log", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
    // The server's key moved with it: kari's countersigned checkpoints still hold.
    let signed = kari.ok(&["log", "verify", "--incident", "1"]);
    assert!(signed.contains("countersigned by the server"), "{signed}");
}

/// A database that holds another store's ops is not moved into.
#[test]
fn a_move_into_a_database_of_another_store_is_refused() {
    let cluster = Arc::new(Cluster::start());
    let url = cluster.database();
    let other = Server::start_on(&url, cluster.clone(), "127.0.0.1:0");
    other.add_org("Annen kommune");
    other.add_user("per", "Annen kommune", &["kriseledelse"]);
    let per = Home::new();
    per.login(&other.url, "per");
    per.ok(&["incident", "new", "--title", "Øvelse", "--type", "flom"]);
    per.ok(&["sync"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.db");
    let old = Server::start_at(&file, "127.0.0.1:0");
    old.add_org(ORG);
    old.add_user("kari", ORG, &["kriseledelse"]);
    let kari = Home::new();
    kari.login(&old.url, "kari");
    kari.ok(&["incident", "new", "--title", "Flom", "--type", "flom"]);
    kari.ok(&["sync"]);
    let out = migrate(&file, &url);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("not this SQLite store's"), "{said}");
}

fn url_db(url: &str) -> &str {
    url.rsplit('/').next().unwrap().split('?').next().unwrap()
}

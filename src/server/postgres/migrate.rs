//! `sitroom admin migrate --from server.db --to postgres://…`: move an installation
//! from its SQLite file to PostgreSQL, and verify the move.
//!
//! The file is read in one read transaction (a consistent moment, while its server may
//! go on serving). The server's own tables are copied in one database transaction,
//! every row made as it is in the file (a row gone from the file since an earlier run
//! is removed where the row stands for a setting: SSH keys, single sign-on's mappings
//! and links). Then the ops, under the numbers the file gave them, in batches each
//! committed on its own: an interrupted move goes on from where it stopped, and run
//! again later it brings only what is new. Keeping the numbers keeps every client's
//! cursor: clients go on against the new store without starting over.
//!
//! Verified: the tables' counts; every op, one by one, against the file's; the records
//! the ops make (a copy built from the database, as a server builds it, against the
//! file's own records, when the file has not moved on meanwhile); every incident's log
//! hash chains.

use super::{db, PgServer, Result};
use crate::replication::checkpoint::Checkpoint;
use crate::replication::Op;
use crate::server::ServerError;
use rusqlite::types::Value;
use std::path::Path;

/// How many ops go in one committed batch.
const BATCH: usize = 2_000;

/// What a move did and found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Moved {
    /// Rows per table, as in the file and now in the database.
    pub tables: Vec<(String, i64)>,
    pub ops: i64,
    /// Of them, moved by this run.
    pub ops_new: i64,
    pub checkpoints: i64,
    /// Incidents whose hash chains were checked, all intact.
    pub chains: usize,
    /// Whether the records built from the database's ops are the file's own, at the
    /// moment copied.
    pub records_match: bool,
    /// Ops the file took after the moment copied (its server still serving).
    pub behind: i64,
}

/// A column's type in PostgreSQL: text, bigint or boolean (all may be NULL).
#[derive(Clone, Copy)]
enum Ty {
    T,
    I,
    B,
}

/// A server table as it is copied: its columns, the key that says a row is the same,
/// and whether rows gone from the file are removed.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Ty)],
    key: &'static [&'static str],
    mirror: bool,
}

use Ty::{B, I, T};

/// In the order their references need.
const TABLES: &[Table] = &[
    Table {
        name: "orgs",
        columns: &[("id", T), ("name", T), ("created_at", I)],
        key: &["id"],
        mirror: false,
    },
    Table {
        name: "accounts",
        columns: &[
            ("name", T),
            ("org_id", T),
            ("roles", T),
            ("superadmin", B),
            ("password", T),
            ("disabled", B),
            ("created_at", I),
        ],
        key: &["name"],
        mirror: false,
    },
    Table {
        name: "tokens",
        columns: &[
            ("hash", T),
            ("account", T),
            ("device", T),
            ("created_at", I),
            ("revoked", B),
            ("origin", T),
            ("expires_at", I),
            ("epoch", I),
        ],
        key: &["hash"],
        mirror: false,
    },
    Table {
        name: "replicas",
        columns: &[("origin", T), ("key", T), ("created_at", I)],
        key: &["origin"],
        mirror: false,
    },
    Table {
        name: "replica_accounts",
        columns: &[("origin", T), ("account", T)],
        key: &["origin", "account"],
        mirror: false,
    },
    Table {
        name: "incident_orgs",
        columns: &[("incident_id", T), ("org_id", T)],
        key: &["incident_id"],
        mirror: false,
    },
    Table {
        name: "record_orgs",
        columns: &[("entity_id", T), ("org_id", T)],
        key: &["entity_id"],
        mirror: false,
    },
    // The journal's numbers as given, before the ops: numbering them again would give
    // other numbers than the replicas have (items from before the journal).
    Table {
        name: "journal",
        columns: &[("incident_id", T), ("record_id", T), ("number", I)],
        key: &["record_id"],
        mirror: false,
    },
    Table {
        name: "server_shares",
        columns: &[
            ("seq", I),
            ("id", T),
            ("from_org", T),
            ("to_org", T),
            ("shared_by", T),
            ("shared_at", I),
            ("body", T),
            ("received_at", I),
            ("received_by", T),
            ("receipt_seq", I),
        ],
        key: &["id"],
        mirror: false,
    },
    Table {
        name: "ssh_keys",
        columns: &[
            ("fingerprint", T),
            ("account", T),
            ("key", T),
            ("algorithm", T),
            ("comment", T),
            ("added_at", I),
        ],
        key: &["fingerprint"],
        mirror: true,
    },
    Table {
        name: "sso_identities",
        columns: &[
            ("issuer", T),
            ("subject", T),
            ("account", T),
            ("provider", T),
            ("refresh", T),
            ("cut_off", B),
            ("checked_at", I),
            ("linked_at", I),
        ],
        key: &["issuer", "subject"],
        mirror: false,
    },
    Table {
        name: "sso_roles",
        columns: &[("org_id", T), ("grp", T), ("role", T)],
        key: &["org_id", "grp", "role"],
        mirror: true,
    },
    Table { name: "sso_required", columns: &[("org_id", T)], key: &["org_id"], mirror: true },
    Table { name: "sso_roles_by_hand", columns: &[("org_id", T)], key: &["org_id"], mirror: true },
    Table {
        name: "sso_links",
        columns: &[
            ("provider", T),
            ("subject", T),
            ("name", T),
            ("account", T),
            ("made_at", I),
            ("expires_at", I),
        ],
        key: &[],
        mirror: true,
    },
    Table {
        name: "audit",
        columns: &[
            ("seq", I),
            ("at", I),
            ("event", T),
            ("account", T),
            ("org", T),
            ("provider", T),
            ("address", T),
            ("detail", T),
        ],
        key: &["seq"],
        mirror: false,
    },
];

/// The meta keys a store carries over: its keys (clients know the server by them) and
/// its epoch.
const META: &[&str] = &["server_signing_key", "ssh_host_key", "server_epoch"];

/// A cell as PostgreSQL takes it.
#[derive(Debug)]
enum Cell {
    T(Option<String>),
    I(Option<i64>),
    B(Option<bool>),
}

impl Cell {
    fn from(v: Value, ty: Ty) -> Cell {
        match (ty, v) {
            (Ty::T, Value::Text(s)) => Cell::T(Some(s)),
            (Ty::T, _) => Cell::T(None),
            (Ty::I, Value::Integer(i)) => Cell::I(Some(i)),
            (Ty::I, _) => Cell::I(None),
            (Ty::B, Value::Integer(i)) => Cell::B(Some(i != 0)),
            (Ty::B, _) => Cell::B(None),
        }
    }

    fn sql(&self) -> &(dyn tokio_postgres::types::ToSql + Sync) {
        match self {
            Cell::T(v) => v,
            Cell::I(v) => v,
            Cell::B(v) => v,
        }
    }
}

fn file_err(e: rusqlite::Error) -> ServerError {
    ServerError::Internal(format!("the SQLite store: {e}"))
}

/// Every row of `t` in the file.
fn rows(file: &rusqlite::Connection, t: &Table) -> Result<Vec<Vec<Cell>>> {
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
    let mut stmt = file.prepare(&format!("SELECT {} FROM {}", names.join(", "), t.name)).map_err(file_err)?;
    let rows = stmt
        .query_map([], |r| {
            t.columns
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| Ok(Cell::from(r.get::<_, Value>(i)?, *ty)))
                .collect()
        })
        .map_err(file_err)?;
    rows.collect::<rusqlite::Result<Vec<Vec<Cell>>>>().map_err(file_err)
}

/// The INSERT that makes a row of `t` as the file has it.
fn upsert(t: &Table) -> String {
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
    let values: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
    let rest: Vec<String> =
        names.iter().filter(|n| !t.key.contains(n)).map(|n| format!("{n} = excluded.{n}")).collect();
    let on_conflict = match (t.key.is_empty(), rest.is_empty()) {
        (true, _) => String::new(),
        (false, true) => format!("ON CONFLICT ({}) DO NOTHING", t.key.join(", ")),
        (false, false) => format!("ON CONFLICT ({}) DO UPDATE SET {}", t.key.join(", "), rest.join(", ")),
    };
    format!("INSERT INTO {} ({}) VALUES ({}) {on_conflict}", t.name, names.join(", "), values.join(", "))
}

/// The file's checkpoints, as the database keeps them.
fn checkpoints(file: &rusqlite::Connection) -> Result<Vec<Checkpoint>> {
    let mut stmt = file
        .prepare("SELECT incident_id, origin, count, entry_id, head, at, key, sig, org, server_sig FROM checkpoints")
        .map_err(file_err)?;
    let id = |s: String| uuid::Uuid::parse_str(&s).unwrap_or_default();
    let rows = stmt
        .query_map([], |r| {
            Ok(Checkpoint {
                incident: id(r.get(0)?),
                origin: r.get(1)?,
                count: r.get(2)?,
                entry: id(r.get(3)?),
                head: r.get(4)?,
                at: r.get(5)?,
                key: r.get(6)?,
                sig: r.get(7)?,
                org: r.get(8)?,
                server_sig: r.get(9)?,
            })
        })
        .map_err(file_err)?;
    rows.collect::<rusqlite::Result<_>>().map_err(file_err)
}

/// Ops the file accepted after `after`, at most `limit`: (number, op, owner).
fn file_ops(file: &rusqlite::Connection, after: i64, limit: usize) -> Result<Vec<(i64, Op, String)>> {
    crate::server::sqlite::file::ops_after(file, after, limit)
        .map_err(|e| ServerError::Internal(e.to_string()))
}

fn file_count(file: &rusqlite::Connection, sql: &str) -> Result<i64> {
    file.query_row(sql, [], |r| r.get(0)).map_err(file_err)
}

impl PgServer {
    /// Move the SQLite store `from` into this one (see the module's notes), saying how
    /// it goes on `progress`.
    pub fn migrate_from(&self, from: &Path, progress: &mut dyn FnMut(&str)) -> Result<Moved> {
        if !from.exists() {
            return Err(ServerError::NotFound(format!("there is no SQLite store {}", from.display())));
        }
        let mut file =
            rusqlite::Connection::open_with_flags(from, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(file_err)?;
        file.busy_timeout(std::time::Duration::from_secs(10)).map_err(file_err)?;
        let server: Option<String> =
            file.query_row("SELECT value FROM meta WHERE key = 'server_schema'", [], |r| r.get(0)).ok();
        if server.is_none() {
            return Err(ServerError::BadRequest(format!(
                "{} is not a sitroom server's store",
                from.display()
            )));
        }
        // One moment of the file, whatever its server does meanwhile.
        let snapshot = file.transaction().map_err(file_err)?;
        let mut moved = Moved::default();
        self.copy_tables(&snapshot, &mut moved)?;
        progress(&format!("{} tables copied", TABLES.len()));
        self.copy_ops(&snapshot, &mut moved, progress)?;
        let at = file_count(&snapshot, "SELECT coalesce(max(seq), 0) FROM oplog WHERE state = 1")?;
        self.verify(&snapshot, &mut moved)?;
        drop(snapshot);
        // What the file took since the moment copied (its server still serving): for
        // the next run.
        moved.behind = file
            .query_row("SELECT count(*) FROM oplog WHERE state = 1 AND seq > ?1", [at], |r| r.get(0))
            .map_err(file_err)?;
        Ok(moved)
    }

    fn copy_tables(&self, file: &rusqlite::Connection, moved: &mut Moved) -> Result<()> {
        let mut tables = Vec::new();
        for t in TABLES {
            tables.push((t, rows(file, t)?));
        }
        let parents: Vec<(String, Option<String>)> = {
            let mut stmt = file.prepare("SELECT id, parent_id FROM orgs").map_err(file_err)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(file_err)?;
            rows.collect::<rusqlite::Result<_>>().map_err(file_err)?
        };
        let mut meta = Vec::new();
        for key in META {
            let value: Option<String> =
                file.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).ok();
            if let Some(value) = value {
                meta.push((key.to_string(), value));
            }
        }
        let checkpoints = checkpoints(file)?;
        moved.checkpoints = checkpoints.len() as i64;
        moved.tables = tables.iter().map(|(t, rows)| (t.name.to_string(), rows.len() as i64)).collect();
        self.run(move |mut c| async move {
            let tx = c.transaction().await.map_err(db)?;
            for (key, value) in &meta {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[key, value],
                )
                .await
                .map_err(db)?;
            }
            // Settings that may have been removed from the file since an earlier run:
            // made anew (children before what they refer to).
            for (t, _) in tables.iter().rev().filter(|(t, _)| t.mirror) {
                tx.execute(&format!("DELETE FROM {}", t.name), &[]).await.map_err(db)?;
            }
            for (t, rows) in &tables {
                let sql = tx.prepare(&upsert(t)).await.map_err(db)?;
                for row in rows {
                    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = row.iter().map(Cell::sql).collect();
                    tx.execute(&sql, &params).await.map_err(db)?;
                }
            }
            for (id, parent) in &parents {
                tx.execute("UPDATE orgs SET parent_id = $2 WHERE id = $1", &[id, parent]).await.map_err(db)?;
            }
            // The numbers shares, receipts and the audit go on from.
            tx.batch_execute(
                "SELECT setval('server_shares_seq_seq', greatest((SELECT max(seq) FROM server_shares), 1));
                 SELECT setval('receipt_seq', greatest((SELECT max(receipt_seq) FROM server_shares), 1));
                 SELECT setval('audit_seq_seq', greatest((SELECT max(seq) FROM audit), 1));",
            )
            .await
            .map_err(db)?;
            super::door::keep_checkpoints_in(&tx, &checkpoints).await?;
            tx.commit().await.map_err(db)
        })
    }

    fn copy_ops(
        &self,
        file: &rusqlite::Connection,
        moved: &mut Moved,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        // Where an earlier run stopped: its last op must be the file's under that
        // number, or the database holds another store's ops.
        let last = self.run(|c| async move {
            Ok(c.query_opt("SELECT seq, op_id FROM ops ORDER BY seq DESC LIMIT 1", &[])
                .await
                .map_err(db)?
                .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1))))
        })?;
        let mut after = 0;
        if let Some((seq, id)) = last {
            let theirs: Option<String> = file
                .query_row("SELECT op_id FROM oplog WHERE seq = ?1 AND state = 1", [seq], |r| r.get(0))
                .ok();
            if theirs.as_deref() != Some(id.as_str()) {
                return Err(ServerError::Conflict(format!(
                    "the database holds ops that are not this SQLite store's (op {seq} is {id}): \
                     migrate into a new, empty database"
                )));
            }
            after = seq;
        }
        loop {
            let ops = file_ops(file, after, BATCH)?;
            let Some((last, _, _)) = ops.last() else { break };
            after = *last;
            let n = ops.len() as i64;
            self.run(move |mut c| async move {
                let tx = c.transaction().await.map_err(db)?;
                super::door::insert_numbered(&*tx, &ops, false).await?;
                tx.commit().await.map_err(db)
            })?;
            moved.ops_new += n;
            progress(&format!("{} ops moved (up to number {after})", moved.ops_new));
        }
        Ok(())
    }

    fn verify(&self, file: &rusqlite::Connection, moved: &mut Moved) -> Result<()> {
        // Counts.
        let names: Vec<&'static str> = TABLES.iter().map(|t| t.name).collect();
        let theirs = self.run(move |c| async move {
            let mut counts = Vec::new();
            for name in names {
                let n: i64 =
                    c.query_one(&format!("SELECT count(*) FROM {name}"), &[]).await.map_err(db)?.get(0);
                counts.push(n);
            }
            let ops: i64 = c.query_one("SELECT count(*) FROM ops", &[]).await.map_err(db)?.get(0);
            let cps: i64 = c.query_one("SELECT count(*) FROM checkpoints", &[]).await.map_err(db)?.get(0);
            Ok((counts, ops, cps))
        })?;
        for ((name, mine), n) in moved.tables.iter().zip(&theirs.0) {
            if mine != n {
                return Err(ServerError::Internal(format!(
                    "verifying: {name} has {mine} rows in the file, {n} in the database"
                )));
            }
        }
        let mine = file_count(file, "SELECT count(*) FROM oplog WHERE state = 1")?;
        if mine != theirs.1 {
            return Err(ServerError::Internal(format!(
                "verifying: the file has {mine} ops, the database {}",
                theirs.1
            )));
        }
        if moved.checkpoints != theirs.2 {
            return Err(ServerError::Internal(format!(
                "verifying: the file has {} checkpoints, the database {}",
                moved.checkpoints, theirs.2
            )));
        }
        moved.ops = mine;
        // Every op, one by one, under its number.
        let mut after = 0;
        loop {
            let ours = file_ops(file, after, BATCH)?;
            let Some((last, _, _)) = ours.last() else { break };
            let from = after;
            let limit = ours.len() as i64;
            let stored = self.run(move |c| async move {
                let rows = c
                    .query(
                        "SELECT seq, body, org_id FROM ops WHERE seq > $1 ORDER BY seq LIMIT $2",
                        &[&from, &limit],
                    )
                    .await
                    .map_err(db)?;
                Ok(rows
                    .iter()
                    .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1), r.get::<_, String>(2)))
                    .collect::<Vec<_>>())
            })?;
            for ((seq, op, org), (their_seq, body, their_org)) in ours.iter().zip(&stored) {
                let same = serde_json::from_str::<Op>(body).is_ok_and(|theirs| theirs == *op);
                if seq != their_seq || org != their_org || !same {
                    return Err(ServerError::Internal(format!(
                        "verifying: op {seq} ({}) differs in the database (number {their_seq})",
                        op.id
                    )));
                }
            }
            after = *last;
        }
        // The records the ops make, and the log's hash chains, in a copy built from the
        // database as a server builds it.
        let copy = self.caught_up_copy()?;
        let file_hash =
            crate::store::Store::state_hash_of(file).map_err(|e| ServerError::Internal(e.to_string()))?;
        moved.records_match = copy.file.state_hash()? == file_hash;
        if !moved.records_match {
            return Err(ServerError::Internal(
                "verifying: the records built from the database's ops differ from the file's".into(),
            ));
        }
        for incident in copy.file.list_incidents()? {
            let entries = copy.file.entries(&incident)?;
            if let Err(at) = crate::domain::log::verify_chain(incident.id, &entries) {
                return Err(ServerError::Internal(format!(
                    "verifying: incident {}'s hash chain breaks at {at:?}",
                    incident.number
                )));
            }
            moved.chains += 1;
        }
        Ok(())
    }
}

//! The PostgreSQL store's door: this process's copy of the records (what pushed ops are
//! judged against), taking pushes under the numbering lock, pulls, and checkpoints.

use super::{accounts, db, PgServer, Result, NUMBERING};
use crate::replication::checkpoint::Checkpoint;
use crate::replication::Op;
use crate::server::pushing::{self, Directory, Waiting};
use crate::server::sqlite::file::ServerFile;
use crate::server::{Principal, Pushed, ServerError};
use deadpool_postgres::{ClientWrapper, Object};
use std::path::{Path, PathBuf};
use std::sync::{Arc, MutexGuard};
use tokio_postgres::Client;

/// How many ops a catch-up reads at a time.
const PAGE: i64 = 5_000;

/// This process's copy of the records: a SQLite server file in a folder of its own,
/// holding every op the database had up to `seq`, applied. It is thrown away with the
/// process and built again at the next start.
pub struct Copy {
    pub file: ServerFile,
    pub seq: i64,
    dir: PathBuf,
    /// The organisations (ids) the copy has a row for: who owns what refers to them.
    orgs: std::collections::HashSet<String>,
}

impl Copy {
    pub fn new(scratch: &Path) -> Result<Copy> {
        clear_stale(scratch);
        let dir = scratch.join(format!("sitroom-copy-{}-{}", std::process::id(), uuid::Uuid::now_v7()));
        let made = {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(&dir)
        };
        made.map_err(|e| ServerError::Internal(format!("cannot make {}: {e}", dir.display())))?;
        let store = crate::store::Store::open(&dir.join("copy.db"))?;
        // A copy is rebuilt from the database whenever it is lost: it need not wait
        // for the disk.
        store
            .connection()
            .execute_batch("PRAGMA synchronous = OFF")
            .map_err(crate::store::StoreError::from)?;
        Ok(Copy { file: ServerFile::new(store)?, seq: 0, dir, orgs: Default::default() })
    }

    /// Make sure the copy has a row for each of these organisations (by id; the copy
    /// needs no names).
    fn know_orgs<'o>(&mut self, ids: impl IntoIterator<Item = &'o str>) -> Result<()> {
        for id in ids {
            if self.orgs.contains(id) {
                continue;
            }
            self.file.add_org_row(id)?;
            self.orgs.insert(id.to_string());
        }
        Ok(())
    }

    /// Apply ops the database has (seq, op, owner), in order.
    fn take(&mut self, ops: Vec<(i64, Op, String)>) -> Result<()> {
        let Some(last) = ops.last().map(|(seq, _, _)| *seq) else { return Ok(()) };
        let owners: Vec<String> = ops.iter().map(|(_, _, org)| org.clone()).collect();
        self.know_orgs(owners.iter().map(String::as_str))?;
        let ops: Vec<(Op, String)> = ops.into_iter().map(|(_, op, org)| (op, org)).collect();
        let applied = self.file.take_accepted(&ops, |_| Ok(()))?;
        if !applied.failed.is_empty() || applied.waiting > 0 {
            // Every op in the database was accepted by a door like this one: one that
            // does not apply here means the copy and the database disagree.
            tracing::error!(
                failed = applied.failed.len(),
                waiting = applied.waiting,
                "ops from the database do not apply to this server's copy of the records"
            );
        }
        self.seq = last;
        Ok(())
    }
}

/// Remove the copies of processes that are gone (killed before they could remove
/// their own): named `sitroom-copy-PID-…`, with no process PID (as /proc tells).
#[cfg(target_os = "linux")]
fn clear_stale(scratch: &Path) {
    let Ok(entries) = std::fs::read_dir(scratch) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("sitroom-copy-")) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn clear_stale(_: &Path) {}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Ops numbered after `seq`, at most `limit`, in order: (seq, op, owner).
async fn ops_after(c: &ClientWrapper, seq: i64, limit: i64) -> Result<Vec<(i64, Op, String)>> {
    let statement = c
        .prepare_cached("SELECT seq, body, org_id FROM ops WHERE seq > $1 ORDER BY seq LIMIT $2")
        .await
        .map_err(db)?;
    let rows = c.query(&statement, &[&seq, &limit]).await.map_err(db)?;
    rows.iter()
        .map(|r| {
            let op: Op = serde_json::from_str(r.get(1)).map_err(|e| {
                ServerError::Internal(format!("op {} in the database: {e}", r.get::<_, i64>(0)))
            })?;
            Ok((r.get(0), op, r.get(2)))
        })
        .collect()
}

/// Number the ops accepted (each with its owner) after the newest, store them and who
/// owns what they created. Under the numbering lock, so `max(seq)` is the newest.
async fn insert(c: &Client, accepted: &[(Op, String)]) -> Result<i64> {
    let newest: i64 = c.query_one("SELECT coalesce(max(seq), 0) FROM ops", &[]).await.map_err(db)?.get(0);
    let numbered: Vec<(i64, Op, String)> =
        accepted.iter().zip(newest + 1..).map(|((op, org), seq)| (seq, op.clone(), org.clone())).collect();
    insert_numbered(c, &numbered).await?;
    Ok(newest + accepted.len() as i64)
}

/// Store ops under their numbers (seq, op, owner), and who owns what they created.
pub async fn insert_numbered(
    c: &impl tokio_postgres::GenericClient,
    ops: &[(i64, Op, String)],
) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = ops.iter().map(|(seq, _, _)| *seq).collect();
    let ids: Vec<String> = ops.iter().map(|(_, op, _)| op.id.to_string()).collect();
    let orgs: Vec<&str> = ops.iter().map(|(_, _, org)| org.as_str()).collect();
    let origins: Vec<&str> = ops.iter().map(|(_, op, _)| op.origin.as_str()).collect();
    let kinds: Vec<&str> = ops.iter().map(|(_, op, _)| op.kind.name()).collect();
    let bodies: Vec<String> =
        ops.iter().map(|(_, op, _)| serde_json::to_string(op).expect("an op is plain data")).collect();
    c.execute(
        "INSERT INTO ops (seq, op_id, org_id, origin, kind, body)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (op_id) DO NOTHING",
        &[&seqs, &ids, &orgs, &origins, &kinds, &bodies],
    )
    .await
    .map_err(db)?;
    let (mut incidents, mut incident_orgs, mut records, mut record_orgs) = (vec![], vec![], vec![], vec![]);
    for (_, op, org) in ops.iter().filter(|(_, op, _)| op.action == crate::replication::Action::Create) {
        if op.kind.org_scoped() {
            records.push(op.entity.to_string());
            record_orgs.push(org.as_str());
        } else {
            incidents.push(op.incident.to_string());
            incident_orgs.push(org.as_str());
        }
    }
    c.execute(
        "INSERT INTO incident_orgs (incident_id, org_id) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT DO NOTHING",
        &[&incidents, &incident_orgs],
    )
    .await
    .map_err(db)?;
    c.execute(
        "INSERT INTO record_orgs (entity_id, org_id) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT DO NOTHING",
        &[&records, &record_orgs],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// Ops after `cursor` that a client may see: of `org`'s incidents and records (every
/// organisation's for None), not of the `hidden` kinds, not made by `origin`. One
/// statement, so one snapshot: everything up to the newest it reads is there (see the
/// module's notes on numbering).
pub async fn pull(
    c: &ClientWrapper,
    org: Option<&str>,
    hidden: &[String],
    origin: &str,
    cursor: i64,
    limit: usize,
) -> Result<(Vec<Op>, i64, bool)> {
    let of_org = if org.is_some() { "AND o.org_id = $5" } else { "AND $5::text IS NULL" };
    let sql = format!(
        "SELECT n.newest, o.seq, o.body
         FROM (SELECT coalesce(max(seq), 0) AS newest FROM ops) n
         LEFT JOIN LATERAL (
             SELECT o.seq, o.body FROM ops o
             WHERE o.seq > $1 AND o.seq <= n.newest AND o.origin <> $2 AND o.kind <> ALL($3) {of_org}
             ORDER BY o.seq LIMIT $4) o ON true"
    );
    let limit = crate::store::sql_limit(limit);
    // Every round pulls: a statement prepared once per connection.
    let statement = c.prepare_cached(&sql).await.map_err(db)?;
    let rows = c.query(&statement, &[&cursor, &origin, &hidden, &limit, &org]).await.map_err(db)?;
    let newest: i64 = rows.first().map(|r| r.get(0)).unwrap_or(cursor);
    let mut ops = Vec::new();
    let mut last = cursor;
    for r in &rows {
        let Some(seq) = r.get::<_, Option<i64>>(1) else { continue };
        last = seq;
        match serde_json::from_str::<Op>(r.get::<_, &str>(2)) {
            Ok(op) => ops.push(op),
            Err(e) => tracing::error!(seq, "an op in the database does not read: {e}"),
        }
    }
    let full = rows.iter().filter(|r| r.get::<_, Option<i64>>(1).is_some()).count() as i64 >= limit;
    Ok((ops, if full { last } else { newest.max(cursor) }, full))
}

/// Keep countersigned checkpoints (a countersignature is added once, to the checkpoint
/// its replica signed).
pub async fn keep_checkpoints(mut c: Object, checkpoints: &[Checkpoint]) -> Result<()> {
    if checkpoints.is_empty() {
        return Ok(());
    }
    let tx = c.transaction().await.map_err(db)?;
    keep_checkpoints_in(&tx, checkpoints).await?;
    tx.commit().await.map_err(db)
}

/// [`keep_checkpoints`] inside the caller's transaction.
pub async fn keep_checkpoints_in(
    tx: &tokio_postgres::Transaction<'_>,
    checkpoints: &[Checkpoint],
) -> Result<()> {
    for cp in checkpoints {
        let body = serde_json::to_string(cp).expect("plain data");
        tx.execute(
            "INSERT INTO checkpoints (incident_id, origin, count, entry_id, sig, server_sig, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (incident_id, origin, count) DO UPDATE SET server_sig = excluded.server_sig,
               body = excluded.body
             WHERE checkpoints.server_sig = '' AND excluded.server_sig <> '' AND checkpoints.sig = excluded.sig",
            &[&cp.incident.to_string(), &cp.origin, &cp.count, &cp.entry.to_string(), &cp.sig, &cp.server_sig, &body],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// The checkpoints whose heads are among these entries.
pub async fn checkpoints_at(c: &ClientWrapper, entries: &[String]) -> Result<Vec<Checkpoint>> {
    let statement =
        c.prepare_cached("SELECT body FROM checkpoints WHERE entry_id = ANY($1)").await.map_err(db)?;
    let rows = c.query(&statement, &[&entries]).await.map_err(db)?;
    Ok(rows.iter().filter_map(|r| serde_json::from_str(r.get::<_, &str>(0)).ok()).collect())
}

/// The judge's look-ups, on connections of their own: one that fails (whatever a
/// crafted op names) fails only its own push, never the transaction that numbers
/// everyone's. What they read no push changes.
struct Looking<'s> {
    server: &'s PgServer,
}

impl Directory for Looking<'_> {
    fn replica_key(&mut self, origin: &str, account: &str) -> Result<Option<(String, bool)>> {
        crate::server::ServerStore::replica_key(self.server, origin, account)
    }

    fn account(&mut self, name: &str) -> Result<Option<Principal>> {
        let name = name.to_string();
        let found = self.server.run(move |c| async move { accounts::with_password(&c, &name).await })?;
        Ok(found.map(|(who, _, _)| who))
    }
}

impl PgServer {
    /// The copy, caught up with every op the database has now.
    pub(super) fn caught_up_copy(&self) -> Result<MutexGuard<'_, Copy>> {
        let mut copy = self.copy.lock().unwrap_or_else(|e| e.into_inner());
        self.catch_up(&mut copy)?;
        Ok(copy)
    }

    /// Bring the copy up to what the database has now, a page at a time.
    fn catch_up(&self, copy: &mut Copy) -> Result<()> {
        loop {
            let after = copy.seq;
            let ops = self.run(move |c| async move { ops_after(&c, after, PAGE).await })?;
            let more = ops.len() as i64 == PAGE;
            copy.take(ops)?;
            if !more {
                return Ok(());
            }
        }
    }

    /// Take the pushes waiting, in one database transaction under the numbering lock;
    /// each one's outcome, in order.
    pub(super) fn take_pushes(
        &self,
        copy: &mut MutexGuard<'_, Copy>,
        batch: &[Waiting],
    ) -> Vec<Result<Pushed>> {
        let pool = self.pool.clone();
        let client = match self.block(async move {
            pool.get().await.map_err(|e| ServerError::Internal(format!("the database does not answer: {e}")))
        }) {
            Ok(c) => Arc::new(c),
            Err(e) => return batch.iter().map(|_| Err(e.clone_message())).collect(),
        };
        let mut in_flight = InFlight { client: Some(client), done: false };
        let client = in_flight.client.clone().expect("just put there");
        let outcomes = self.take_on(copy, batch, &client);
        drop(client);
        in_flight.done = !outcomes.iter().any(|o| matches!(o, Err(ServerError::Internal(_))));
        outcomes
    }

    fn take_on(
        &self,
        copy: &mut MutexGuard<'_, Copy>,
        batch: &[Waiting],
        client: &Arc<Object>,
    ) -> Vec<Result<Pushed>> {
        // Most of what the copy lacks (a server that only served pulls for a while)
        // is brought before the lock, so other servers' pushes do not wait for it.
        if let Err(e) = self.catch_up(copy) {
            return batch.iter().map(|_| Err(e.clone_message())).collect();
        }
        let c = client.clone();
        let after = copy.seq;
        let begun = self.block(async move {
            c.batch_execute("BEGIN").await.map_err(db)?;
            c.execute("SELECT pg_advisory_xact_lock($1)", &[&NUMBERING]).await.map_err(db)?;
            ops_after(&c, after, i64::MAX).await
        });
        let known = begun
            .and_then(|missed| copy.take(missed))
            .and_then(|()| copy.know_orgs(batch.iter().map(|w| w.who.org_id.as_str())));
        if let Err(e) = known {
            return batch.iter().map(|_| Err(e.clone_message())).collect();
        }
        let mut looking = Looking { server: self };
        let pushers = pushing::pushers(&mut looking, batch);
        let mut numbered = None;
        let me = self.me.clone();
        let hold = match self.hold.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            ms => Some(std::time::Duration::from_millis(ms)),
        };
        let outcomes = pushing::take(batch, &pushers, |pushes| {
            copy.file.accept_pushes_then(pushes, |_, accepted| {
                let c = client.clone();
                let last = self
                    .block(async move {
                        let last = insert(&c, &accepted).await?;
                        if let Some(hold) = hold.filter(|_| !accepted.is_empty()) {
                            tokio::time::sleep(hold).await;
                        }
                        if !accepted.is_empty() {
                            // Delivered at commit: the other servers' long polls of these
                            // organisations wake.
                            let mut orgs: Vec<&str> = accepted.iter().map(|(_, org)| org.as_str()).collect();
                            orgs.sort();
                            orgs.dedup();
                            let mut payload = format!("{me} {}", orgs.join(" "));
                            if payload.len() > 7_000 {
                                // Past what a notification carries: wake everyone.
                                payload = me.clone();
                            }
                            c.execute("SELECT pg_notify($1, $2)", &[&super::STORED, &payload])
                                .await
                                .map_err(db)?;
                        }
                        c.batch_execute("COMMIT").await.map_err(db)?;
                        Ok(last)
                    })
                    .map_err(|e| crate::store::StoreError::Elsewhere(e.to_string()))?;
                numbered = Some(last);
                Ok(())
            })
        });
        // The copy is as far as the database only if it kept what was numbered (a
        // failure after the database committed leaves it behind: the next catch-up
        // brings those ops, and what it has already it skips).
        let kept = !outcomes.iter().any(|o| matches!(o, Err(ServerError::Internal(_))));
        if let Some(last) = numbered.filter(|_| kept) {
            copy.seq = last;
        }
        outcomes
    }
}

/// The push's connection while its transaction is open: unless it ends well, the
/// connection is closed instead of going back to the pool in the middle of the
/// transaction, holding the numbering lock (a failure part way, or a panic).
struct InFlight {
    client: Option<Arc<Object>>,
    done: bool,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(Ok(object)) = self.client.take().map(Arc::try_unwrap) {
            drop(Object::take(object));
        }
    }
}

impl ServerError {
    /// The same error again (one failure answers every push that waited for it).
    fn clone_message(&self) -> ServerError {
        ServerError::Internal(self.to_string())
    }
}

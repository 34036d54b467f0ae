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
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::sync::{Arc, MutexGuard};
use tokio_postgres::Client;

/// How many ops a catch-up reads at a time.
const PAGE: i64 = 5_000;

/// Where a copy of the records lives.
#[derive(Debug, Clone)]
pub enum Place {
    /// A folder of its own under this one, removed with the process (admin commands,
    /// tests).
    Scratch(PathBuf),
    /// This folder, kept between starts (a server's): the next start takes only what
    /// the database got since.
    Kept(PathBuf),
}

/// Which database's history a copy is of: its id and epoch (a restore moves the epoch
/// on), and the op numbered where the copy got to.
pub struct History<'h> {
    pub database: &'h str,
    pub epoch: i64,
    /// The servers' signing key: what the copy seals with (the journal's manifests),
    /// as a SQLite server's file does with its own.
    pub key: &'h str,
    /// The id of the op the database has under a number (None: none).
    pub op_at: &'h dyn Fn(i64) -> Result<Option<String>>,
}

/// This process's copy of the records: a SQLite server file holding every op the
/// database had up to `seq`, applied. A scratch copy is thrown away with the process;
/// a kept one stays, with the number it reached (`copy_of`, written in the same
/// transaction as the ops), for the next start to go on from.
pub struct Copy {
    pub file: ServerFile,
    pub seq: i64,
    /// The folder to remove at the end (a scratch copy's).
    scratch: Option<PathBuf>,
    /// A kept copy's lock, held while the process lives: one server per copy.
    _lock: Option<std::fs::File>,
    /// A kept copy's file.
    pub kept: Option<PathBuf>,
    /// The organisations (ids) the copy has a row for: who owns what refers to them.
    orgs: std::collections::HashSet<String>,
    /// What `/metrics` says of it.
    pub figures: Arc<Figures>,
}

/// A copy's figures, read without its lock (a push may hold it a while): the number
/// reached, the ops taken from the database since the start, and the number a kept
/// copy had reached before it (0: built whole).
#[derive(Debug, Default)]
pub struct Figures {
    pub seq: AtomicI64,
    pub taken: AtomicI64,
    pub kept_at_start: AtomicI64,
}

/// A copy's file in its folder.
const COPY_FILE: &str = "copy.db";

const COPY_OF: &str = "CREATE TABLE IF NOT EXISTS copy_of (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    database TEXT NOT NULL,
    epoch    INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    op_id    TEXT
)";

/// The folder, the owner's alone (also one made beforehand, by a service manager).
fn made(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    let fail = |e: std::io::Error| ServerError::Internal(format!("cannot make {}: {e}", dir.display()));
    b.create(dir).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    Ok(())
}

impl Copy {
    /// The copy at `place`, of the database's `history`: a kept copy of another
    /// database or history (or one that does not open) is built anew.
    pub fn open(place: &Place, history: &History<'_>) -> Result<Copy> {
        let copy = Copy::open_at(place, history)?;
        copy.file
            .connection()
            .execute(
                "INSERT INTO meta (key, value) VALUES ('server_signing_key', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [history.key],
            )
            .map_err(crate::store::StoreError::from)?;
        Ok(copy)
    }

    fn open_at(place: &Place, history: &History<'_>) -> Result<Copy> {
        match place {
            Place::Scratch(scratch) => Copy::scratch(scratch, history),
            Place::Kept(dir) => {
                made(dir)?;
                let lock = std::fs::File::create(dir.join("copy.lock"))
                    .map_err(|e| ServerError::Internal(format!("cannot use {}: {e}", dir.display())))?;
                if lock.try_lock().is_err() {
                    tracing::warn!(dir = %dir.display(), "the kept copy of the records is another server's on this machine; this one builds its own in a temporary folder");
                    return Copy::scratch(&std::env::temp_dir(), history);
                }
                let path = dir.join(COPY_FILE);
                let existed = path.exists();
                // A copy that does not open is built anew; one that opens is asked
                // whether it is of this history (a database that does not answer
                // stops the start: a copy may have taken long to build).
                let kept = match Copy::file_at(&path, "NORMAL") {
                    Ok(copy) => copy.of(history)?,
                    Err(e) => {
                        tracing::warn!(error = %e, path = %path.display(), "the kept copy of the records does not open; built anew");
                        None
                    }
                };
                let mut copy = match kept {
                    Some(copy) => copy,
                    None => {
                        for end in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{end}", path.display()));
                        }
                        if existed {
                            tracing::warn!(path = %path.display(), "the kept copy of the records is built anew: a journal kept from it goes on in a new folder");
                        }
                        Copy::file_at(&path, "NORMAL")?.begun(history)?
                    }
                };
                copy.kept = Some(path);
                copy._lock = Some(lock);
                if copy.seq > 0 {
                    tracing::info!(dir = %dir.display(), seq = copy.seq, "the kept copy of the records goes on from where it got to");
                } else {
                    tracing::info!(dir = %dir.display(), "the copy of the records is built from the database");
                }
                Ok(copy)
            }
        }
    }

    fn scratch(scratch: &Path, history: &History<'_>) -> Result<Copy> {
        clear_stale(scratch);
        let dir = scratch.join(format!("sitroom-copy-{}-{}", std::process::id(), uuid::Uuid::now_v7()));
        made(&dir)?;
        // Rebuilt from the database whenever it is lost: it need not wait for the disk.
        let mut copy = Copy::file_at(&dir.join(COPY_FILE), "OFF")?.begun(history)?;
        copy.scratch = Some(dir);
        Ok(copy)
    }

    /// The SQLite file at `path`, written with this `synchronous` (a kept copy must
    /// survive a power cut whole: WAL with NORMAL loses at most the last transactions,
    /// its number with them).
    fn file_at(path: &Path, synchronous: &str) -> Result<Copy> {
        // Every organisation's records and the servers' signing key: the owner's alone.
        crate::server::sqlite::readable_by_owner_alone(path);
        let store = crate::store::Store::open(path)?;
        crate::server::sqlite::readable_by_owner_alone(path);
        store
            .connection()
            .execute_batch(&format!("PRAGMA synchronous = {synchronous}; {COPY_OF}"))
            .map_err(crate::store::StoreError::from)?;
        Ok(Copy {
            file: ServerFile::new(store)?,
            seq: 0,
            scratch: None,
            _lock: None,
            kept: None,
            orgs: Default::default(),
            figures: Default::default(),
        })
    }

    /// A new copy, of this history.
    fn begun(self, history: &History<'_>) -> Result<Copy> {
        self.file
            .connection()
            .execute(
                "INSERT INTO copy_of (one, database, epoch, seq, op_id) VALUES (1, ?1, ?2, 0, NULL)
                 ON CONFLICT (one) DO UPDATE SET database = ?1, epoch = ?2, seq = 0, op_id = NULL",
                rusqlite::params![history.database, history.epoch],
            )
            .map_err(crate::store::StoreError::from)?;
        Ok(self)
    }

    /// This copy, going on from where it got to, if it is of this history: of this
    /// database, at its epoch, and what it took last is the op the database has under
    /// that number.
    fn of(mut self, history: &History<'_>) -> Result<Option<Copy>> {
        let row: Option<(String, i64, i64, Option<String>)> =
            rusqlite::OptionalExtension::optional(self.file.connection().query_row(
                "SELECT database, epoch, seq, op_id FROM copy_of WHERE one = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            ))
            .map_err(crate::store::StoreError::from)?;
        let Some((database, epoch, seq, op_id)) = row else { return Ok(None) };
        if database != history.database || epoch != history.epoch {
            return Ok(None);
        }
        if (history.op_at)(seq)? != op_id {
            tracing::warn!(seq, "the kept copy of the records is not of this database's history; built anew");
            return Ok(None);
        }
        let ids: Vec<String> = {
            let conn = self.file.connection();
            let mut stmt = conn.prepare("SELECT id FROM orgs").map_err(crate::store::StoreError::from)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(crate::store::StoreError::from)?;
            rows.collect::<rusqlite::Result<_>>().map_err(crate::store::StoreError::from)?
        };
        self.orgs.extend(ids);
        self.caught_up_to(seq);
        self.figures.kept_at_start.store(seq, Relaxed);
        Ok(Some(self))
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

    /// Apply ops the database has (seq, op, owner), in order, and the number reached
    /// with them.
    fn take(&mut self, ops: Vec<(i64, Op, String)>) -> Result<()> {
        let Some((last, last_id)) = ops.last().map(|(seq, op, _)| (*seq, op.id.to_string())) else {
            return Ok(());
        };
        let owners: Vec<String> = ops.iter().map(|(_, _, org)| org.clone()).collect();
        self.know_orgs(owners.iter().map(String::as_str))?;
        let count = ops.len() as i64;
        let ops: Vec<(Op, String)> = ops.into_iter().map(|(_, op, org)| (op, org)).collect();
        let applied = self.file.take_accepted(&ops, |tx| reached(tx, last, &last_id))?;
        if !applied.failed.is_empty() || applied.waiting > 0 {
            // Every op in the database was accepted by a door like this one: one that
            // does not apply here means the copy and the database disagree. A kept
            // copy is then built anew at the next start, not trusted again.
            tracing::error!(
                failed = applied.failed.len(),
                waiting = applied.waiting,
                "ops from the database do not apply to this server's copy of the records"
            );
            self.file
                .connection()
                .execute("UPDATE copy_of SET database = '' WHERE one = 1", [])
                .map_err(crate::store::StoreError::from)?;
        }
        self.caught_up_to(last);
        self.figures.taken.fetch_add(count, Relaxed);
        Ok(())
    }

    /// The copy has every op up to `seq`.
    fn caught_up_to(&mut self, seq: i64) {
        self.seq = seq;
        self.figures.seq.store(seq, Relaxed);
    }
}

/// The copy has every op up to `seq`, the last of them `op_id`: in the transaction
/// that applied them.
fn reached(tx: &rusqlite::Transaction<'_>, seq: i64, op_id: &str) -> crate::store::Result<()> {
    tx.prepare_cached("UPDATE copy_of SET seq = ?1, op_id = ?2 WHERE one = 1")?
        .execute(rusqlite::params![seq, op_id])?;
    Ok(())
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
        if let Some(dir) = &self.scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
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
    insert_numbered(c, &numbered, true).await?;
    Ok(newest + accepted.len() as i64)
}

/// Number the message journal's items the database took in before it numbered them
/// (a database from before its schema step 4), once, under the numbering lock: per
/// incident after the numbers given already, in the order they were taken in.
pub async fn number_journal_backlog(c: &mut tokio_postgres::Client) -> Result<()> {
    let tx = c.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&NUMBERING]).await.map_err(db)?;
    if tx.query_opt("SELECT 1 FROM meta WHERE key = 'journal_backlog'", &[]).await.map_err(db)?.is_some() {
        return Ok(());
    }
    let (mut after, mut numbered) = (0i64, 0u64);
    loop {
        let rows = tx
            .query(
                "SELECT seq, body FROM ops WHERE kind IN ('log_entry', 'media', 'alert') AND seq > $1
                 ORDER BY seq LIMIT 10000",
                &[&after],
            )
            .await
            .map_err(db)?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        for r in &rows {
            let Ok(op) = serde_json::from_str::<Op>(r.get::<_, &str>(1)) else { continue };
            if crate::replication::Kind::journaled(&op) {
                numbered += number(&tx, &op).await?;
            }
        }
    }
    tx.execute("INSERT INTO meta (key, value) VALUES ('journal_backlog', $1)", &[&numbered.to_string()])
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    if numbered > 0 {
        tracing::info!(numbered, "the message journal's items from before it was numbered have numbers now");
    }
    Ok(())
}

/// Give the item `op` created the next number of its incident's journal (unless it has
/// one); how many were given (0 or 1).
async fn number(c: &impl tokio_postgres::GenericClient, op: &Op) -> Result<u64> {
    c.execute(
        "INSERT INTO journal (incident_id, record_id, number)
         SELECT $1, $2, coalesce(max(number), 0) + 1 FROM journal WHERE incident_id = $1
         ON CONFLICT (record_id) DO NOTHING",
        &[&op.incident.to_string(), &op.entity.to_string()],
    )
    .await
    .map_err(db)
}

/// Store ops under their numbers (seq, op, owner), and who owns what they created.
pub async fn insert_numbered(
    c: &impl tokio_postgres::GenericClient,
    ops: &[(i64, Op, String)],
    journal: bool,
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
    on_boards(c, ops).await?;
    // The journal's items, numbered per incident in the order of the ops (a move from
    // a SQLite file brings the numbers that file gave instead).
    for (_, op, _) in ops.iter().filter(|(_, op, _)| journal && crate::replication::Kind::journaled(op)) {
        number(c, op).await?;
    }
    let entities: Vec<String> = ops.iter().map(|(_, op, _)| op.entity.to_string()).collect();
    c.execute(
        "INSERT INTO ops (seq, op_id, org_id, origin, kind, body, board_id)
         SELECT u.seq, u.op_id, u.org_id, u.origin, u.kind, u.body, rb.board_id
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              AS u(seq, op_id, org_id, origin, kind, body, entity_id)
         LEFT JOIN record_boards rb ON rb.entity_id = u.entity_id
         ON CONFLICT (op_id) DO NOTHING",
        &[&seqs, &ids, &orgs, &origins, &kinds, &bodies, &entities],
    )
    .await
    .map_err(db)?;
    // An op about a message, for every other organisation taking part in it: the
    // message's own, those it is to, and those of the users it names and its writer.
    c.execute(
        "INSERT INTO op_orgs (org_id, seq)
         SELECT DISTINCT x.org, u.seq
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(seq, entity_id, org_id, kind)
         JOIN record_boards rb ON rb.entity_id = u.entity_id AND u.kind IN ('message', 'message_read')
         JOIN message_audience ma ON ma.message_id = rb.board_id
         CROSS JOIN LATERAL (
             SELECT ma.org_id AS org
             UNION SELECT g.id FROM orgs g WHERE g.name = ANY(ma.orgs)
             UNION SELECT a.org_id FROM accounts a WHERE a.name = ANY(ma.users) OR a.name = ma.author
         ) x
         WHERE x.org <> u.org_id
         ON CONFLICT DO NOTHING",
        &[&seqs, &entities, &orgs, &kinds],
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

/// What ops on boards say, kept before the ops: which board each new record is on, and
/// each board's readers as its newest change (by HLC, then replica, as replicas merge
/// it) set them.
async fn on_boards(c: &impl tokio_postgres::GenericClient, ops: &[(i64, Op, String)]) -> Result<()> {
    use crate::domain::board::Audience;
    use crate::replication::Kind;
    let (mut records, mut boards) = (vec![], vec![]);
    let (mut read, mut readers, mut hlcs, mut origins) = (vec![], vec![], vec![], vec![]);
    for (_, op, _) in ops {
        if let Some(board) = Kind::filed_under(op) {
            records.push(op.entity.to_string());
            boards.push(board.to_string());
        }
        if let (Kind::Board, Some(codes)) = (op.kind, op.field_str("readers")) {
            let roles: Vec<String> =
                Audience::from_codes(codes).iter().map(|r| r.name().to_string()).collect();
            read.push(op.entity.to_string());
            // A text[] literal: role codes are plain words.
            readers.push(format!("{{{}}}", roles.join(",")));
            hlcs.push(op.hlc.0 as i64);
            origins.push(op.origin.as_str());
        }
    }
    if !records.is_empty() {
        c.execute(
            "INSERT INTO record_boards (entity_id, board_id) SELECT * FROM unnest($1::text[], $2::text[])
             ON CONFLICT DO NOTHING",
            &[&records, &boards],
        )
        .await
        .map_err(db)?;
    }
    for (_, op, org) in ops
        .iter()
        .filter(|(_, op, _)| op.kind == Kind::Message && op.action == crate::replication::Action::Create)
    {
        use crate::domain::message::Addressees;
        let list = |f: &str| Addressees::from_list(op.field_str(f).unwrap_or("[]"));
        let roles: Vec<String> = Audience::from_codes(op.field_str("to_roles").unwrap_or("[]"))
            .iter()
            .map(|r| r.name().to_string())
            .collect();
        c.execute(
            "INSERT INTO message_audience (message_id, org_id, author, users, roles, orgs)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[&op.entity.to_string(), org, &op.author, &list("to_users"), &roles, &list("to_orgs")],
        )
        .await
        .map_err(db)?;
    }
    for i in 0..read.len() {
        c.execute(
            "INSERT INTO board_readers (board_id, readers, hlc, origin) VALUES ($1, $2::text::text[], $3, $4)
             ON CONFLICT (board_id) DO UPDATE SET readers = excluded.readers, hlc = excluded.hlc,
                                                  origin = excluded.origin
             WHERE (excluded.hlc, excluded.origin) > (board_readers.hlc, board_readers.origin)",
            &[&read[i], &readers[i], &hlcs[i], &origins[i]],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Ops after `cursor` that a client may see: of `org`'s incidents and records (every
/// organisation's for None), not of the `hidden` kinds, not on a board whose readers
/// are none of `board_roles` (None: every board), not made by `origin`. One
/// statement, so one snapshot: everything up to the newest it reads is there (see the
/// module's notes on numbering).
#[allow(clippy::too_many_arguments)]
pub async fn pull(
    c: &ClientWrapper,
    org: Option<&str>,
    hidden: &[String],
    board_roles: Option<&[String]>,
    reader: Option<&crate::server::rules::Reader>,
    origin: &str,
    cursor: i64,
    limit: usize,
) -> Result<(Vec<Op>, i64, bool)> {
    // The organisation's own ops are a range scan of ops_by_org; another
    // organisation's messages (and their receipts) that name this reader or their
    // organisation are found through the message audience's indexes.
    let (of_org, elsewhere) = if org.is_some() {
        (
            "AND o.org_id = $5",
            "UNION ALL
             SELECT o.seq, o.body FROM op_orgs x
             JOIN ops o ON o.seq = x.seq
             JOIN message_audience ma ON ma.message_id = o.board_id
             WHERE x.org_id = $5 AND x.seq > $1 AND x.seq <= n.newest AND o.origin <> $2
               AND o.kind <> ALL($3)
               AND (ma.author = $7 OR $7 = ANY(ma.users) OR $8 = ANY(ma.orgs)
                    OR (ma.org_id = $5 AND ma.roles && $9::text[]))",
        )
    } else {
        ("AND $5::text IS NULL", "")
    };
    let sql = format!(
        "SELECT n.newest, o.seq, o.body
         FROM (SELECT coalesce(max(seq), 0) AS newest FROM ops) n
         LEFT JOIN LATERAL (
           SELECT * FROM (
             SELECT o.seq, o.body FROM ops o
             LEFT JOIN message_audience ma
               ON ma.message_id = o.board_id AND o.kind IN ('message', 'message_read')
             WHERE o.seq > $1 AND o.seq <= n.newest AND o.origin <> $2 AND o.kind <> ALL($3) {of_org}
               AND CASE WHEN ma.message_id IS NULL THEN
                     o.board_id IS NULL OR $6::text[] IS NULL OR EXISTS (
                       SELECT 1 FROM board_readers br WHERE br.board_id = o.board_id
                         AND (cardinality(br.readers) = 0 OR br.readers && $6::text[]))
                   ELSE $7::text IS NULL OR ma.author = $7 OR $7 = ANY(ma.users) OR $8 = ANY(ma.orgs)
                     OR (ma.org_id = o.org_id AND ma.roles && $9::text[])
                   END
             {elsewhere}
           ) o ORDER BY o.seq LIMIT $4) o ON true"
    );
    let limit = crate::store::sql_limit(limit);
    let boards: Option<Vec<String>> = board_roles.map(<[String]>::to_vec);
    let (name, org_name, roles) = match reader {
        Some(r) => (Some(r.name.clone()), Some(r.org.clone()), r.roles.clone()),
        None => (None, None, Vec::new()),
    };
    // Every round pulls: a statement prepared once per connection.
    let statement = c.prepare_cached(&sql).await.map_err(db)?;
    let rows = c
        .query(&statement, &[&cursor, &origin, &hidden, &limit, &org, &boards, &name, &org_name, &roles])
        .await
        .map_err(db)?;
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

/// The journal numbers given to these records, of `org`'s incidents (every
/// organisation's for None).
pub async fn journal_numbers(
    c: &ClientWrapper,
    org: Option<&str>,
    records: &[String],
) -> Result<Vec<(uuid::Uuid, i64)>> {
    let statement = c
        .prepare_cached(
            "SELECT j.record_id, j.number FROM journal j JOIN incident_orgs io ON io.incident_id = j.incident_id
             WHERE j.record_id = ANY($1) AND ($2::text IS NULL OR io.org_id = $2)",
        )
        .await
        .map_err(db)?;
    let rows = c.query(&statement, &[&records, &org]).await.map_err(db)?;
    Ok(rows
        .iter()
        .filter_map(|r| uuid::Uuid::parse_str(r.get::<_, &str>(0)).ok().map(|id| (id, r.get::<_, i64>(1))))
        .collect())
}

/// The boards of organisation `org` whose readers are none of `roles` (every board has
/// its readers in `board_readers`: its ops are sent by them).
pub async fn boards_hidden(c: &ClientWrapper, org: &str, roles: &[String]) -> Result<Vec<uuid::Uuid>> {
    let rows = c
        .query(
            "SELECT br.board_id FROM board_readers br JOIN record_orgs ro ON ro.entity_id = br.board_id
             WHERE ro.org_id = $1 AND NOT (cardinality(br.readers) = 0 OR br.readers && $2::text[])",
            &[&org, &roles],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().filter_map(|r| uuid::Uuid::parse_str(r.get::<_, &str>(0)).ok()).collect())
}

/// Every op (at most `limit` rows, in order, after number `after`) of what is on these
/// boards, of `org` (every organisation's for None), whose readers include one of
/// `board_roles` (None: every board), not made by `origin`.
pub async fn board_ops(
    c: &ClientWrapper,
    org: Option<&str>,
    boards: &[String],
    board_roles: Option<&[String]>,
    origin: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<(i64, Option<Op>)>> {
    let statement = c
        .prepare_cached(
            "SELECT o.seq, o.body FROM ops o
             WHERE o.board_id IN (SELECT coalesce(rb.board_id, x) FROM unnest($1::text[]) x
                                  LEFT JOIN record_boards rb ON rb.entity_id = x)
               AND o.kind IN ('board', 'notice', 'key_figure')
               AND ($2::text IS NULL OR o.org_id = $2) AND o.origin <> $3
               AND ($4::text[] IS NULL OR EXISTS (
                     SELECT 1 FROM board_readers br WHERE br.board_id = o.board_id
                       AND (cardinality(br.readers) = 0 OR br.readers && $4::text[])))
               AND o.seq > $6
             ORDER BY o.seq LIMIT $5",
        )
        .await
        .map_err(db)?;
    let roles: Option<Vec<String>> = board_roles.map(<[String]>::to_vec);
    let limit = crate::store::sql_limit(limit);
    let rows = c.query(&statement, &[&boards, &org, &origin, &roles, &limit, &after]).await.map_err(db)?;
    let mut ops = Vec::new();
    for r in &rows {
        match serde_json::from_str::<Op>(r.get::<_, &str>(1)) {
            Ok(op) => ops.push((r.get::<_, i64>(0), Some(op))),
            Err(e) => {
                tracing::error!("an op in the database does not read: {e}");
                ops.push((r.get::<_, i64>(0), None));
            }
        }
    }
    Ok(ops)
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

    fn accounts_named(&mut self, names: &[String]) -> Result<Vec<(String, String)>> {
        let names = names.to_vec();
        self.server.run(move |c| async move {
            let rows = c
                .query(
                    "SELECT a.name, o.name FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE a.name = ANY($1)",
                    &[&names],
                )
                .await
                .map_err(db)?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }

    fn orgs_named(&mut self, names: &[String]) -> Result<Vec<String>> {
        let names = names.to_vec();
        self.server.run(move |c| async move {
            let rows = c.query("SELECT name FROM orgs WHERE name = ANY($1)", &[&names]).await.map_err(db)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
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
            copy.file.accept_pushes_then(pushes, |tx, accepted| {
                let last_id = accepted.last().map(|(op, _)| op.id.to_string());
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
                if let Some(id) = last_id {
                    reached(tx, last, &id)?;
                }
                numbered = Some(last);
                Ok(())
            })
        });
        // The copy is as far as the database only if it kept what was numbered (a
        // failure after the database committed leaves it behind: the next catch-up
        // brings those ops, and what it has already it skips).
        let kept = !outcomes.iter().any(|o| matches!(o, Err(ServerError::Internal(_))));
        if let Some(last) = numbered.filter(|_| kept) {
            copy.caught_up_to(last);
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

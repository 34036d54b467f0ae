//! The server's SQLite file: an ordinary replica (a [`Store`]) holding every
//! organisation's data, and beside it the server's own tables, which no client file
//! has: organisations, accounts, tokens, replicas, shares, and which organisation owns
//! each incident and record. Every op the server relays has been applied (and so
//! checked) once in the replica.

use super::schema;
use crate::replication::{Kind, Op};
use crate::store::{op_from_row, Applied, Owners, Push, Result, Store};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::ops::{Deref, DerefMut};
use uuid::Uuid;

pub struct ServerFile {
    store: Store,
}

impl Deref for ServerFile {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl DerefMut for ServerFile {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl ServerFile {
    /// The replica `store`, with the server's tables brought up to date beside it.
    pub fn new(mut store: Store) -> Result<ServerFile> {
        schema::run(store.connection_mut())?;
        Ok(ServerFile { store })
    }

    /// The file's connection, for the PostgreSQL store's copy to keep its own notes in.
    pub fn connection(&self) -> &Connection {
        self.store.connection()
    }

    /// Number the message journal's items the server took in before it numbered them
    /// (a file from before its schema step 9), once: per incident after the numbers
    /// given already, in the order the server took them in.
    pub(super) fn number_journal_backlog(&mut self) -> Result<()> {
        // Asked inside the write transaction: two processes starting at once (a server
        // and an admin command) number it once.
        let tx = self.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if tx
            .query_row("SELECT 1 FROM meta WHERE key = 'journal_backlog'", [], |_| Ok(()))
            .optional()?
            .is_some()
        {
            return Ok(());
        }
        let ops: Vec<Op> = {
            let mut stmt = tx.prepare(
                "SELECT op_id, hlc, origin, author, device, entity, entity_id, incident_id, action, payload
                 FROM oplog o
                 WHERE state = 1 AND action = 'create' AND entity IN ('log_entry', 'media', 'alert')
                   AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.record_id = o.entity_id)
                 ORDER BY seq",
            )?;
            let rows = stmt.query_map([], op_from_row)?;
            rows.filter_map(|r| r.transpose()).collect::<rusqlite::Result<_>>()?
        };
        let mut numbered = 0;
        for op in ops.iter().filter(|op| Kind::journaled(op)) {
            numbered += number(&tx, op)?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('journal_backlog', ?1) ON CONFLICT (key) DO NOTHING",
            [numbered.to_string()],
        )?;
        tx.commit()?;
        if numbered > 0 {
            tracing::info!(
                numbered,
                "the message journal's items from before it was numbered have numbers now"
            );
        }
        Ok(())
    }

    pub(super) fn conn(&self) -> &Connection {
        self.store.connection()
    }

    pub(super) fn conn_mut(&mut self) -> &mut Connection {
        self.store.connection_mut()
    }

    /// Take pushed ops in one transaction: each is judged against what this store
    /// says about the record it touches (`judge` gets the facts) and applied, or
    /// refused with the reason. A new incident or record of no incident comes to
    /// belong to `org`.
    pub fn accept_pushes(&mut self, pushes: &mut [Push<'_>]) -> Result<Vec<Result<Applied>>> {
        self.store.accept_pushes(pushes, &Ownership)
    }

    /// As [`ServerFile::accept_pushes`], with `then` given the ops accepted (in the
    /// order they were, each with its organisation) inside the transaction, before it
    /// commits; if `then` fails, nothing is kept. (The PostgreSQL store's copy: `then`
    /// writes them to the database.)
    pub fn accept_pushes_then(
        &mut self,
        pushes: &mut [Push<'_>],
        then: impl FnOnce(&Transaction<'_>, Vec<(Op, String)>) -> Result<()>,
    ) -> Result<Vec<Result<Applied>>> {
        let before: i64 =
            self.conn().query_row("SELECT coalesce(max(seq), 0) FROM oplog", [], |r| r.get(0))?;
        self.store.accept_pushes_then(pushes, &Ownership, |tx| {
            let accepted = owned_ops(tx, before)?;
            then(tx, accepted)
        })
    }

    /// A row for organisation `id` (named by its id), if there is none: what a copy of
    /// the records needs for who owns what to refer to.
    pub fn add_org_row(&mut self, id: &str) -> Result<()> {
        self.conn().execute("INSERT OR IGNORE INTO orgs (id, name, created_at) VALUES (?1, ?1, 0)", [id])?;
        Ok(())
    }

    /// Apply ops another server accepted, each with the organisation that owns it, and
    /// `then` in the same transaction (the PostgreSQL store's copy catching up).
    pub fn take_accepted(
        &mut self,
        ops: &[(Op, String)],
        then: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<Applied> {
        let bare: Vec<Op> = ops.iter().map(|(op, _)| op.clone()).collect();
        self.store.apply_ops_then(&bare, crate::store::OpState::Acked, |tx| {
            for (op, org) in ops {
                let (table, key) = if op.kind.org_scoped() {
                    ("record_orgs (entity_id, org_id)", op.entity)
                } else {
                    ("incident_orgs (incident_id, org_id)", op.incident)
                };
                tx.prepare_cached(&format!("INSERT OR IGNORE INTO {table} VALUES (?1, ?2)"))?
                    .execute(params![key.to_string(), org])?;
            }
            then(tx)
        })
    }

    /// Ops after `cursor` that a client may see: of incidents or records of `org` (every
    /// organisation's for None), not of the `hidden` kinds, not on a board whose readers
    /// are none of `board_roles` (None: every board), not made by `origin` itself; and
    /// of messages (of any organisation) only those that reach `reader` (None: all).
    /// Returns them, the cursor to continue from, and whether more wait.
    #[allow(clippy::too_many_arguments)]
    pub fn ops_for(
        &self,
        org: Option<&str>,
        hidden: &[Kind],
        board_roles: Option<&[String]>,
        reader: Option<&crate::server::rules::Reader>,
        origin: &str,
        cursor: i64,
        limit: usize,
    ) -> Result<(Vec<Op>, i64, bool)> {
        let tx = self.conn().unchecked_transaction()?;
        let newest: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM oplog", [], |r| r.get(0))?;
        if newest <= cursor {
            return Ok((Vec::new(), newest.max(cursor), false));
        }
        let hidden: Vec<&str> = hidden.iter().map(|k| k.name()).collect();
        let mut stmt = tx.prepare_cached(
            "SELECT o.op_id, o.hlc, o.origin, o.author, o.device, o.entity, o.entity_id, o.incident_id, o.action,
                    o.payload, o.seq
             FROM oplog o
             LEFT JOIN incident_orgs io ON io.incident_id = o.incident_id
             LEFT JOIN record_orgs ro ON ro.entity_id = o.entity_id
             LEFT JOIN record_boards rb ON rb.entity_id = o.entity_id
             LEFT JOIN messages m ON m.id = rb.board_id AND o.entity IN ('message', 'message_read')
             LEFT JOIN record_orgs mo ON mo.entity_id = m.id
             WHERE o.seq > ?1 AND o.seq <= ?2 AND o.state = 1
               AND coalesce(io.org_id, ro.org_id) IS NOT NULL
               AND o.origin <> ?4 AND instr(?5, ',' || o.entity || ',') = 0
               AND CASE WHEN m.id IS NULL THEN
                     (?3 IS NULL OR coalesce(io.org_id, ro.org_id) = ?3)
                     AND (rb.board_id IS NULL OR ?7 IS NULL OR EXISTS (
                       SELECT 1 FROM boards b WHERE b.id = rb.board_id
                         AND (b.readers = '[]'
                              OR EXISTS (SELECT 1 FROM json_each(b.readers) j
                                         WHERE instr(?7, ',' || j.value || ',') > 0))))
                   ELSE ?8 IS NULL OR m.created_by = ?8
                     OR EXISTS (SELECT 1 FROM json_each(m.to_users) j WHERE j.value = ?8)
                     OR EXISTS (SELECT 1 FROM json_each(m.to_orgs) j WHERE j.value = ?9)
                     OR (mo.org_id = ?10 AND EXISTS (SELECT 1 FROM json_each(m.to_roles) j
                                                     WHERE instr(?11, ',' || j.value || ',') > 0))
                   END
             ORDER BY o.seq LIMIT ?6",
        )?;
        let hidden = format!(",{},", hidden.join(","));
        let boards = board_roles.map(|r| format!(",{},", r.join(",")));
        let (name, org_name, org_id, roles) = match reader {
            Some(r) => {
                (Some(&r.name), Some(&r.org), Some(&r.org_id), Some(format!(",{},", r.roles.join(","))))
            }
            None => (None, None, None, None),
        };
        let rows = stmt.query_map(
            params![
                cursor,
                newest,
                org,
                origin,
                hidden,
                crate::store::sql_limit(limit),
                boards,
                name,
                org_name,
                org_id,
                roles
            ],
            |r| Ok((op_from_row(r)?, r.get::<_, i64>(10)?)),
        )?;
        let mut ops = Vec::new();
        let mut last = cursor;
        for row in rows {
            let (op, seq) = row?;
            last = seq;
            ops.extend(op);
        }
        let full = ops.len() >= limit;
        Ok((ops, if full { last } else { newest }, full))
    }
}

impl ServerFile {
    /// The journal numbers the server gave these records, of those of `org`'s
    /// incidents (every organisation's for None).
    pub fn journal_numbers(
        &self,
        org: Option<&str>,
        records: &[uuid::Uuid],
    ) -> Result<Vec<(uuid::Uuid, i64)>> {
        let ids = serde_json::to_string(&records.iter().map(|b| b.to_string()).collect::<Vec<_>>())
            .expect("ids are strings");
        let mut stmt = self.conn().prepare_cached(
            "SELECT j.record_id, j.number FROM journal j
             JOIN incident_orgs io ON io.incident_id = j.incident_id
             WHERE j.record_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR io.org_id = ?2)",
        )?;
        let rows =
            stmt.query_map(params![ids, org], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, n) = row?;
            out.extend(uuid::Uuid::parse_str(&id).ok().map(|id| (id, n)));
        }
        Ok(out)
    }

    /// The boards of organisation `org` whose readers are none of `roles`.
    pub fn boards_hidden(&self, org: &str, roles: &[String]) -> Result<Vec<uuid::Uuid>> {
        let roles = format!(",{},", roles.join(","));
        let mut stmt = self.conn().prepare_cached(
            "SELECT b.id FROM boards b JOIN record_orgs ro ON ro.entity_id = b.id
             WHERE ro.org_id = ?1
               AND NOT (b.readers = '[]'
                    OR EXISTS (SELECT 1 FROM json_each(b.readers) j WHERE instr(?2, ',' || j.value || ',') > 0))",
        )?;
        let rows = stmt.query_map(params![org, roles], |r| r.get::<_, String>(0))?;
        let mut boards = Vec::new();
        for row in rows {
            boards.extend(uuid::Uuid::parse_str(&row?).ok());
        }
        Ok(boards)
    }

    /// Every op (at most `limit` rows, in order, after number `after`) of what is on
    /// these boards, of those `org` owns (every organisation's for None) whose readers
    /// include one of `board_roles` (None: every board), not made by `origin`.
    pub fn ops_on_boards(
        &self,
        org: Option<&str>,
        boards: &[uuid::Uuid],
        board_roles: Option<&[String]>,
        origin: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Option<Op>)>> {
        let ids = serde_json::to_string(&boards.iter().map(|b| b.to_string()).collect::<Vec<_>>())
            .expect("ids are strings");
        let roles = board_roles.map(|r| format!(",{},", r.join(",")));
        let mut stmt = self.conn().prepare_cached(
            "SELECT o.op_id, o.hlc, o.origin, o.author, o.device, o.entity, o.entity_id, o.incident_id, o.action,
                    o.payload, o.seq
             FROM record_boards rb
             JOIN oplog o ON o.entity_id = rb.entity_id AND o.state = 1
             JOIN record_orgs ro ON ro.entity_id = rb.board_id
             JOIN boards b ON b.id = rb.board_id
             WHERE rb.board_id IN (SELECT coalesce((SELECT r.board_id FROM record_boards r WHERE r.entity_id = j.value), j.value)
                                   FROM json_each(?1) j)
               AND o.entity IN ('board', 'notice', 'key_figure')
               AND (?2 IS NULL OR ro.org_id = ?2) AND o.origin <> ?3
               AND (?4 IS NULL OR b.readers = '[]'
                    OR EXISTS (SELECT 1 FROM json_each(b.readers) j WHERE instr(?4, ',' || j.value || ',') > 0))
               AND o.seq > ?6
             ORDER BY o.seq LIMIT ?5",
        )?;
        let rows = stmt
            .query_map(params![ids, org, origin, roles, crate::store::sql_limit(limit), after], |r| {
                Ok((r.get::<_, i64>(10)?, op_from_row(r)?))
            })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The ops a server file accepted after `seq` (at most `limit`), in order: each with
/// its number and the organisation that owns its incident or record (what a move to
/// PostgreSQL copies).
pub fn ops_after(conn: &Connection, seq: i64, limit: usize) -> Result<Vec<(i64, Op, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.op_id, o.hlc, o.origin, o.author, o.device, o.entity, o.entity_id, o.incident_id, o.action,
                o.payload, coalesce(io.org_id, ro.org_id, ''), o.seq
         FROM oplog o
         LEFT JOIN incident_orgs io ON io.incident_id = o.incident_id
         LEFT JOIN record_orgs ro ON ro.entity_id = o.entity_id
         WHERE o.seq > ?1 AND o.state = 1 ORDER BY o.seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![seq, crate::store::sql_limit(limit)], |r| {
        Ok((r.get::<_, i64>(11)?, op_from_row(r)?, r.get::<_, String>(10)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, op, org) = row?;
        out.extend(op.map(|op| (seq, op, org)));
    }
    Ok(out)
}

/// The ops the oplog took after `seq`, in order, each with the organisation that owns
/// its incident or record.
fn owned_ops(tx: &Transaction<'_>, seq: i64) -> Result<Vec<(Op, String)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT o.op_id, o.hlc, o.origin, o.author, o.device, o.entity, o.entity_id, o.incident_id, o.action,
                o.payload, coalesce(io.org_id, ro.org_id, '')
         FROM oplog o
         LEFT JOIN incident_orgs io ON io.incident_id = o.incident_id
         LEFT JOIN record_orgs ro ON ro.entity_id = o.entity_id
         WHERE o.seq > ?1 AND o.state = 1 ORDER BY o.seq",
    )?;
    let rows = stmt.query_map([seq], |r| Ok((op_from_row(r)?, r.get::<_, String>(10)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (op, org) = row?;
        out.extend(op.map(|op| (op, org)));
    }
    Ok(out)
}

/// The server's record of who owns what: `incident_orgs` and `record_orgs`.
struct Ownership;

impl Owners for Ownership {
    fn of_incident(&self, tx: &Transaction<'_>, incident: Uuid) -> Result<Option<String>> {
        Ok(tx
            .prepare_cached("SELECT org_id FROM incident_orgs WHERE incident_id = ?1")?
            .query_row([incident.to_string()], |r| r.get(0))
            .optional()?)
    }

    fn of_record(&self, tx: &Transaction<'_>, entity: &str) -> Result<Option<String>> {
        Ok(tx
            .prepare_cached("SELECT org_id FROM record_orgs WHERE entity_id = ?1")?
            .query_row([entity], |r| r.get(0))
            .optional()?)
    }

    fn claim(&self, tx: &Transaction<'_>, op: &Op, org: &str) -> Result<()> {
        let (table, key) = if op.kind.org_scoped() {
            ("record_orgs (entity_id, org_id)", op.entity)
        } else {
            ("incident_orgs (incident_id, org_id)", op.incident)
        };
        tx.prepare_cached(&format!("INSERT INTO {table} VALUES (?1, ?2)"))?
            .execute(params![key.to_string(), org])?;
        // What is on a board is sent to its readers only: which board, kept here.
        if let Some(board) = Kind::filed_under(op) {
            tx.prepare_cached("INSERT OR IGNORE INTO record_boards (entity_id, board_id) VALUES (?1, ?2)")?
                .execute(params![op.entity.to_string(), board.to_string()])?;
        }
        Ok(())
    }

    /// The journal's items are numbered per incident in the order the server takes
    /// them in: unique, without gaps, once each.
    fn taken(&self, tx: &Transaction<'_>, op: &Op) -> Result<()> {
        if Kind::journaled(op) {
            number(tx, op)?;
        }
        Ok(())
    }
}

/// Give the item `op` created the next number of its incident's journal (unless it has
/// one); how many were given (0 or 1).
fn number(tx: &Transaction<'_>, op: &Op) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO journal (incident_id, record_id, number)
             SELECT ?1, ?2, coalesce(max(number), 0) + 1 FROM journal WHERE incident_id = ?1
             ON CONFLICT (record_id) DO NOTHING",
        )?
        .execute(params![op.incident.to_string(), op.entity.to_string()])?)
}

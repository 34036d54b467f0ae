//! What this replica sends (ops to push, bundles), where it stands with its server,
//! and the digest two replicas compare.

use super::*;
use crate::store::sql_limit;

impl Store {
    /// Ops the server has not acknowledged, in clock order, up to `limit`. Whatever a
    /// change builds on was seen by its writer, so has an earlier clock: it goes first,
    /// in this round or an earlier one (the server refuses what it cannot place).
    pub fn ops_to_push(&self, limit: usize) -> Result<Vec<Op>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OP_COLUMNS} FROM oplog WHERE state = 0 ORDER BY hlc, op_id LIMIT ?1"
        ))?;
        let rows = stmt.query_map([sql_limit(limit)], op_from_row)?;
        Ok(rows.filter_map(|r| r.transpose()).collect::<rusqlite::Result<_>>()?)
    }

    /// How many ops the server refused (one indexed count, for a status line).
    pub fn refused_count(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM oplog WHERE state = 2", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// How many ops wait to be pushed.
    pub fn ops_waiting_to_push(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM oplog WHERE state = 0", [], |r| r.get(0))?)
    }

    /// This replica's own changes waiting to be pushed that were written under another
    /// name than `user` (before signing in as `user`): the server will refuse them as
    /// not this account's. How many, per name.
    pub fn own_ops_waiting_by_others(&self, user: &str) -> Result<Vec<(String, i64)>> {
        let origin = self.device_id()?;
        let mut stmt = self.conn.prepare(
            "SELECT author, count(*) FROM oplog WHERE state = 0 AND origin = ?1 AND author != ?2
             GROUP BY author ORDER BY author",
        )?;
        let rows = stmt.query_map(rusqlite::params![origin, user], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many ops received here wait for what they build on.
    /// Boards this replica has changes of waiting without the board (the board's own
    /// change, or a new notice's or figure's), or changes of notices and figures it
    /// does not have (whose board the server knows): the server is asked for them
    /// whole (they were opened to this user after the replica pulled past their
    /// start, or the user was given a role). At most `n`: boards, or such records.
    pub fn boards_missing(&self, n: usize) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT board FROM (
                 SELECT CASE
                     WHEN entity = 'board' THEN entity_id
                     WHEN json_extract(payload, '$.f.board_id') IS NOT NULL THEN json_extract(payload, '$.f.board_id')
                     WHEN entity = 'notice' AND entity_id NOT IN (SELECT id FROM notices) THEN entity_id
                     WHEN entity = 'key_figure' AND entity_id NOT IN (SELECT id FROM key_figures) THEN entity_id
                 END AS board
                 FROM oplog WHERE state = 4 AND entity IN ('board', 'notice', 'key_figure'))
             WHERE board IS NOT NULL AND board NOT IN (SELECT id FROM boards) LIMIT ?1",
        )?;
        let rows = stmt.query_map([crate::store::sql_limit(n)], |r| r.get::<_, String>(0))?;
        Ok(rows.filter_map(|r| r.ok().and_then(|s| Uuid::parse_str(&s).ok())).collect())
    }

    pub fn ops_held(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM oplog WHERE state = 4", [], |r| r.get(0))?)
    }

    /// Mark pushed ops as the server answered: acknowledged, or refused with a reason.
    pub fn mark_pushed(&mut self, acked: &[Uuid], rejected: &[(Uuid, String)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in acked {
            tx.prepare_cached("UPDATE oplog SET state = 1 WHERE op_id = ?1 AND state = 0")?
                .execute([id.to_string()])?;
        }
        for (id, why) in rejected {
            tx.prepare_cached("UPDATE oplog SET state = 2, reason = ?2 WHERE op_id = ?1")?
                .execute(params![id.to_string(), why])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every shareable op after oplog row `after`, in order: what a bundle carries.
    pub fn ops_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Op)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OP_COLUMNS}, seq FROM oplog WHERE seq > ?1 AND state IN (0, 1) ORDER BY seq LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![after, sql_limit(limit)], |r| Ok((r.get::<_, i64>(10)?, op_from_row(r)?)))?;
        let mut out = Vec::new();
        for row in rows {
            if let (seq, Some(op)) = row? {
                out.push((seq, op));
            }
        }
        Ok(out)
    }

    /// Ops the server refused, with its reasons, newest first.
    pub fn rejected_ops(&self) -> Result<Vec<(Op, String)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OP_COLUMNS}, reason FROM oplog WHERE state = 2 ORDER BY seq DESC"
        ))?;
        let rows = stmt.query_map([], |r| Ok((op_from_row(r)?, r.get::<_, Option<String>>(10)?)))?;
        let mut out = Vec::new();
        for row in rows {
            if let (Some(op), why) = row? {
                out.push((op, why.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    /// A digest of everything replicated (records, numbers, merged fields and open
    /// conflicts), independent of the order ops arrived in: two replicas with the same
    /// ops have the same digest.
    pub fn state_hash(&self) -> Result<String> {
        Store::state_hash_of(&self.conn)
    }

    /// [`Store::state_hash`] of the replica on `conn` (a connection of its own, or a
    /// read transaction of one).
    pub fn state_hash_of(conn: &rusqlite::Connection) -> Result<String> {
        let mut hasher = Sha256::new();
        for t in &TABLES {
            let mut cols: Vec<&str> = vec!["id"];
            match t.numbering {
                Numbering::Global => cols.push("number"),
                Numbering::PerIncident(c) | Numbering::Given(c) => cols.extend(["incident_id", c]),
                Numbering::Report => cols.extend(["incident_id", "number", "version"]),
                Numbering::Within(_) => cols.push("number"),
                Numbering::Unnumbered => {}
            }
            cols.extend(t.columns.iter().copied());
            let sql = format!("SELECT {} FROM {} ORDER BY id", cols.join(", "), t.name);
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                for i in 0..cols.len() {
                    hasher.update(to_json(r.get::<_, SqlValue>(i)?).to_string().as_bytes());
                    hasher.update([0x1f]);
                }
                hasher.update([0x1e]);
            }
        }
        let mut stmt = conn.prepare(
            "SELECT entity_id, field, op_id, value FROM field_heads f
             WHERE (SELECT count(*) FROM field_heads g WHERE g.entity_id = f.entity_id AND g.field = f.field) > 1
             ORDER BY entity_id, field, op_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            for i in 0..4 {
                hasher.update(r.get::<_, String>(i)?.as_bytes());
                hasher.update([0x1f]);
            }
        }
        let mut links = conn.prepare("SELECT task_id, entry_id FROM task_links ORDER BY 1, 2")?;
        let mut rows = links.query([])?;
        while let Some(r) = rows.next()? {
            hasher.update(r.get::<_, String>(0)?.as_bytes());
            hasher.update(r.get::<_, String>(1)?.as_bytes());
        }
        Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl Store {
    /// The server sequence number of the last op pulled.
    pub fn sync_cursor(&self) -> Result<i64> {
        Ok(self.meta("sync_cursor")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    pub fn set_sync_cursor(&mut self, cursor: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('sync_cursor', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
            [cursor.to_string()],
        )?;
        Ok(())
    }

    /// Point this replica at `server`. A different server than before starts from
    /// nothing: pull everything, push everything again (the server drops what it has).
    pub fn use_server(&mut self, server: &str, epoch: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        let meta = |key: &str| -> Result<Option<String>> {
            Ok(tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
        };
        let (before, known, origin) = (meta("sync_server")?, meta("sync_epoch")?, meta("device_id")?);
        if before.as_deref() != Some(server) {
            // Another server: everything goes to it, and comes from it from the start.
            tx.execute("UPDATE oplog SET state = 0 WHERE state IN (1, 2)", [])?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('sync_cursor', '0') ON CONFLICT (key) DO UPDATE SET value = '0'",
                [],
            )?;
        } else if known.is_some_and(|k| k != epoch.to_string()) {
            // This server, restored from a backup since.
            start_over(&tx, origin.as_deref().unwrap_or_default())?;
        }
        for (key, value) in [("sync_server", server.to_string()), ("sync_epoch", epoch.to_string())] {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                [key, &value],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server was restored from a backup: what this replica made goes to it again
    /// (what it has already is acknowledged again, not doubled), and every op is
    /// pulled from the start. (What other replicas made comes back from them: only a
    /// replica may speak for its own ops.)
    pub fn start_over(&mut self) -> Result<()> {
        let origin = self.device_id()?;
        let tx = self.conn.transaction()?;
        start_over(&tx, &origin)?;
        tx.commit()?;
        Ok(())
    }
}

fn start_over(tx: &rusqlite::Transaction<'_>, origin: &str) -> Result<()> {
    tx.execute("UPDATE oplog SET state = 0 WHERE state = 1 AND origin = ?1", [origin])?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('sync_cursor', '0') ON CONFLICT (key) DO UPDATE SET value = '0'",
        [],
    )?;
    Ok(())
}

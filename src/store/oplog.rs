//! The oplog: one row per change, written in the same transaction as the change.
//! Shared records' ops are made and applied by `replica`; this writes the ops that
//! never leave the machine (the local user list, the registers that do not sync), for
//! the record.

use super::replica::OpState;
use rusqlite::{params, Transaction};
use uuid::Uuid;

/// Who made a local-only change and what it was.
pub struct LocalOp<'a> {
    pub author: &'a str,
    pub device: &'a str,
    pub entity: &'static str,
    pub entity_id: Uuid,
    pub action: &'static str,
    pub payload: serde_json::Value,
}

pub(super) fn append_local(tx: &Transaction<'_>, op: LocalOp<'_>, at_ms: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO oplog (op_id, at, author, device, entity, entity_id, action, payload, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        Uuid::now_v7().to_string(),
        at_ms,
        op.author,
        op.device,
        op.entity,
        op.entity_id.to_string(),
        op.action,
        op.payload.to_string(),
        OpState::Local as i64,
    ])?;
    Ok(())
}

/// Record a local change to a record that does not sync (alert lists, cards, plans,
/// ROS, evaluation points): for the record, and so that a view can tell it changed.
pub(super) fn note(
    tx: &Transaction<'_>,
    who: super::replica::Who<'_>,
    entity: &'static str,
    id: Uuid,
    action: &'static str,
    now: chrono::DateTime<chrono::Utc>,
) -> super::Result<()> {
    let op = LocalOp {
        author: who.author,
        device: who.device,
        entity,
        entity_id: id,
        action,
        payload: serde_json::Value::Null,
    };
    Ok(append_local(tx, op, crate::domain::time::to_millis(now))?)
}

impl super::Store {
    /// Number of ops recorded, for tests and status.
    pub fn op_count(&self) -> super::Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM oplog", [], |r| r.get(0))?)
    }
}

/// What an automatic entry announced (see [`Store::announced_by`](super::Store::announced_by)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub kind: String,
    pub id: uuid::Uuid,
    pub made: bool,
}

impl super::Store {
    /// The record an automatic entry announced: the op written just before the
    /// entry's own, by the same person on the same device (one transaction writes both;
    /// sync keeps a replica's ops in order), and whether it made the record (else it
    /// changed it: a meeting started). `None` for an entry that announced nothing.
    pub fn announced_by(&self, entry: uuid::Uuid) -> super::Result<Option<Announced>> {
        use rusqlite::OptionalExtension;
        let found: Option<(String, String, bool)> = self
            .conn
            .prepare_cached(
                "SELECT b.entity, b.entity_id, b.action = 'create' FROM oplog a JOIN oplog b ON b.seq = a.seq - 1
                 WHERE a.entity = 'log_entry' AND a.entity_id = ?1 AND a.action = 'create'
                   AND b.author = a.author AND b.device = a.device",
            )?
            .query_row([entry.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(found.and_then(|(kind, id, made)| {
            Some(Announced { kind, id: uuid::Uuid::parse_str(&id).ok()?, made })
        }))
    }

    /// The newest oplog row for one kind of record (`task`, `media`, `report`…): it
    /// changes exactly when a record of that kind changes, so a view can tell whether
    /// to reload at the cost of one index lookup.
    pub fn entity_version(&self, entity: &str) -> super::Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM oplog WHERE entity = ?1")?
            .query_row([entity], |r| r.get(0))?)
    }
}

//! What the archive asks of the store: one snapshot to read from, where the oplog
//! stands, and what changed in an incident between two points of it (continuous
//! journalføring exports only that). Reads only.

use super::{Result, Store};
use crate::domain::Incident;
use rusqlite::params;
use std::collections::HashSet;
use uuid::Uuid;

/// The records of an incident created or changed between two oplog marks.
#[derive(Debug, Default)]
pub struct Changes {
    /// Log entries created (a later change of the significant mark does not export an
    /// entry again: it is not part of the entry's hash, and the chain stays whole).
    pub entries: HashSet<Uuid>,
    /// Every other record created or changed.
    pub records: HashSet<Uuid>,
}

impl Store {
    /// The newest oplog row: everything up to it is what the database holds now.
    pub fn oplog_mark(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(seq), 0) FROM oplog", [], |r| r.get(0))?)
    }

    /// Run `f` on one snapshot of the database: writers (the TUI, sync) may go on
    /// meanwhile, and `f` sees none of their changes, so a mark read inside it matches
    /// what else it reads.
    pub fn reading<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction()?;
        let out = f(self);
        tx.finish()?;
        out
    }

    pub fn changes_between(&self, incident: &Incident, after: i64, through: i64) -> Result<Changes> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity, entity_id, action FROM oplog
             WHERE incident_id = ?1 AND seq > ?2 AND seq <= ?3",
        )?;
        let mut rows = stmt.query(params![incident.id.to_string(), after, through])?;
        let mut c = Changes::default();
        while let Some(r) = rows.next()? {
            let (entity, id, action): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let Ok(id) = Uuid::parse_str(&id) else { continue };
            if entity == "log_entry" {
                if action == "create" {
                    c.entries.insert(id);
                }
            } else {
                c.records.insert(id);
            }
        }
        Ok(c)
    }
}

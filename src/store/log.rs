//! Log entries in the store: appended in a transaction that reads the previous hash,
//! so the chain stays whole even with a CLI writing beside the TUI.

use super::columns::{id, read_row};
use super::replica::{self, Who};
use super::{Result, Store, StoreError};
use crate::domain::log::{HashInput, GENESIS_HASH};
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{EntryKind, Incident, LogEntry};
use crate::replication::Kind;
use crate::text::fold;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use uuid::Uuid;

/// An entry ready to append; the store adds seq, chain and hash.
#[derive(Debug, Clone)]
pub struct NewEntryRecord {
    pub id: Uuid,
    pub text: String,
    pub author: String,
    pub device: String,
    pub reported_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub kind: EntryKind,
    pub tags: Vec<String>,
    pub mentions: Vec<String>,
    pub significant: bool,
    pub corrects: Option<Uuid>,
}

/// What the log view needs of an entry, borrowed from the SQLite row while it is read:
/// the view copies it straight into its own compact store, so loading 100,000 entries
/// makes no temporary copies.
#[derive(Debug, Clone, Copy)]
pub struct EntrySummary<'a> {
    pub id: Uuid,
    pub seq: i64,
    pub text: &'a str,
    /// The text folded for search (stored at insert).
    pub folded: &'a str,
    pub author: &'a str,
    pub reported_at: DateTime<Utc>,
    pub kind: EntryKind,
    /// Tags separated by single spaces.
    pub tags: &'a str,
    pub significant: bool,
    pub corrects_seq: Option<i64>,
}

const ENTRY_COLUMNS: &str = "e.id, i.number, e.seq, e.text, e.author, e.device, e.reported_at, \
     e.recorded_at, e.kind, e.tags, e.mentions, e.significant, e.corrects, e.prev_hash, e.hash, e.origin";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<LogEntry> {
    Ok(read_row!(r => LogEntry {
        id: uuid, incident: get, seq: get, text: get, author: get, device: get, reported_at: time,
        recorded_at: time, kind: code_or(EntryKind::default()), tags: list(' '), mentions: list(' '),
        significant: get, corrects: maybe_uuid, prev_hash: get, hash: get, origin: get,
    }))
}

/// Append entries inside a transaction the caller holds, so an automatic entry and the
/// change it records commit together (or not at all).
pub(super) fn append_in(
    tx: &Transaction<'_>,
    incident: &Incident,
    records: impl IntoIterator<Item = NewEntryRecord>,
) -> Result<Vec<LogEntry>> {
    let incident_key = incident.id.to_string();
    let me = replica::origin(tx)?;
    let mut seq: i64 = tx
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM log_entries WHERE incident_id = ?1")?
        .query_row([&incident_key], |r| r.get(0))?;
    // This replica's own chain through the incident (see `verify_chain`).
    let mut prev_hash: String = tx
        .prepare_cached(
            "SELECT hash FROM log_entries WHERE incident_id = ?1 AND origin = ?2 ORDER BY hlc DESC LIMIT 1",
        )?
        .query_row([&incident_key, &me], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS_HASH.to_string());
    let mut appended = Vec::new();
    for rec in records {
        let id_key = rec.id.to_string();
        let owner: Option<String> = tx
            .prepare_cached("SELECT incident_id FROM log_entries WHERE id = ?1")?
            .query_row([&id_key], |r| r.get(0))
            .optional()?;
        match owner {
                Some(o) if o == incident_key => continue,
                Some(_) => {
                    return Err(StoreError::conflict(
                        format!("loggføring {id_key} er allerede i en annen hendelse; en loggføring hører til én hendelse (utelat \"id\" for å kopiere den som en ny)"),
                        format!("entry {id_key} is already in another incident; an entry belongs to one incident only (leave out \"id\" to copy it as a new entry)"),
                    ))
                }
                None => {}
            }
        if let Some(target) = rec.corrects {
            let owner: Option<String> = tx
                .prepare_cached("SELECT incident_id FROM log_entries WHERE id = ?1")?
                .query_row([target.to_string()], |r| r.get(0))
                .optional()?;
            if owner.as_deref() != Some(incident_key.as_str()) {
                let n = incident.number;
                return Err(StoreError::not_found(
                    format!("loggføringen {target} som skal rettes er ikke i hendelse {n}"),
                    format!("entry {target} to correct is not in incident {n}"),
                ));
            }
        }
        seq += 1;
        let hash = HashInput {
            id: rec.id,
            incident_id: incident.id,
            text: &rec.text,
            author: &rec.author,
            device: &rec.device,
            reported_at: rec.reported_at,
            recorded_at: rec.recorded_at,
            kind: rec.kind,
            tags: &rec.tags,
            mentions: &rec.mentions,
            corrects: rec.corrects,
            prev_hash: &prev_hash,
        }
        .hash();
        let entry = LogEntry {
            id: rec.id,
            incident: incident.number,
            seq,
            text: rec.text,
            author: rec.author,
            device: rec.device,
            reported_at: rec.reported_at,
            recorded_at: rec.recorded_at,
            kind: rec.kind,
            tags: rec.tags,
            mentions: rec.mentions,
            significant: rec.significant,
            corrects: rec.corrects,
            origin: me.clone(),
            prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
        };
        tx.prepare_cached(
            "INSERT INTO log_entries (id, incident_id, seq, text, folded, author, device,
                    reported_at, recorded_at, kind, tags, mentions, significant, corrects,
                    prev_hash, hash, origin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?
        .execute(params![
            id_key,
            incident_key,
            entry.seq,
            entry.text,
            fold(&entry.text),
            entry.author,
            entry.device,
            to_millis(entry.reported_at),
            to_millis(entry.recorded_at),
            entry.kind.as_str(),
            entry.tags.join(" "),
            entry.mentions.join(" "),
            entry.significant,
            entry.corrects.map(|c| c.to_string()),
            entry.prev_hash,
            entry.hash,
            entry.origin,
        ])?;
        let who = Who { author: &entry.author, device: &entry.device };
        replica::created(tx, Kind::LogEntry, entry.id, who, entry.recorded_at)?;
        appended.push(entry);
    }
    Ok(appended)
}

impl Store {
    /// Append entries to an incident's log in one transaction. An entry whose id is
    /// already stored is skipped (so importing the same file twice changes nothing).
    /// Returns the entries appended, with their seq and hashes.
    pub fn append_entries(
        &mut self,
        incident: &Incident,
        records: impl IntoIterator<Item = NewEntryRecord>,
    ) -> Result<Vec<LogEntry>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let appended = append_in(&tx, incident, records)?;
        tx.commit()?;
        Ok(appended)
    }

    /// Every entry of an incident, in log order.
    pub fn entries(&self, incident: &Incident) -> Result<Vec<LogEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM log_entries e JOIN incidents i ON i.id = e.incident_id
             WHERE e.incident_id = ?1 ORDER BY e.seq"
        ))?;
        let rows = stmt.query_map([incident.id.to_string()], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The automatic entries about task `number` (its history: made, moved, given,
    /// its deadline), in log order. Automatic entries name the task the one way
    /// ("Oppgave 3 …"), whatever the writer's language.
    pub fn task_history(&self, incident: &Incident, number: i64) -> Result<Vec<LogEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM log_entries e JOIN incidents i ON i.id = e.incident_id
             WHERE e.incident_id = ?1 AND e.kind = 'auto' AND (e.text LIKE ?2 OR e.text LIKE ?3)
             ORDER BY e.seq"
        ))?;
        let (a, b) = (format!("Oppgave {number} %"), format!("Oppgave {number}:%"));
        let rows = stmt.query_map(params![incident.id.to_string(), a, b], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The incident's newest decisions that stand (not corrected or taken back), newest
    /// first, at most `limit`.
    pub fn newest_decisions(&self, incident: &Incident, limit: usize) -> Result<Vec<LogEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM log_entries e JOIN incidents i ON i.id = e.incident_id
             WHERE e.incident_id = ?1 AND e.kind = 'decision'
               AND NOT EXISTS (SELECT 1 FROM log_entries c WHERE c.corrects = e.id)
             ORDER BY e.seq DESC LIMIT ?2"
        ))?;
        let rows =
            stmt.query_map(params![incident.id.to_string(), crate::store::sql_limit(limit)], entry_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn entry_by_seq(&self, incident: &Incident, seq: i64) -> Result<LogEntry> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM log_entries e JOIN incidents i ON i.id = e.incident_id
                 WHERE e.incident_id = ?1 AND e.seq = ?2"
            ))?
            .query_row(params![incident.id.to_string(), seq], entry_from_row)
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("hendelse {} har ingen loggføring #{seq}", incident.number),
                    format!("incident {} has no entry #{seq}", incident.number),
                )
            })
    }

    /// Visit entries with `after < seq <= until`, in order, for the log view: the
    /// newest stretch at start-up, the history behind it, the new ones another process
    /// wrote.
    pub fn for_each_summary(
        &self,
        incident_id: Uuid,
        after: i64,
        until: i64,
        mut f: impl FnMut(&EntrySummary<'_>),
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.seq, e.text, e.folded, e.author, e.reported_at, e.kind, e.tags,
                    e.significant, c.seq
             FROM log_entries e LEFT JOIN log_entries c ON c.id = e.corrects
             WHERE e.incident_id = ?1 AND e.seq > ?2 AND e.seq <= ?3 ORDER BY e.seq",
        )?;
        let mut rows = stmt.query(params![incident_id.to_string(), after, until])?;
        while let Some(r) = rows.next()? {
            let text = |i: usize| -> rusqlite::Result<&str> {
                r.get_ref(i)?.as_str().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
                })
            };
            f(&EntrySummary {
                id: id(text(0)?),
                seq: r.get(1)?,
                text: text(2)?,
                folded: text(3)?,
                author: text(4)?,
                reported_at: from_millis(r.get(5)?),
                kind: EntryKind::parse(text(6)?).unwrap_or_default(),
                tags: text(7)?,
                significant: r.get(8)?,
                corrects_seq: r.get(9)?,
            });
        }
        Ok(())
    }

    /// The seq of an entry, by id.
    /// An entry as another entry's text names it (see [`crate::domain::log::entry_named`]).
    pub fn entry_named(&self, id: Uuid) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT reported_at, author, text FROM log_entries WHERE id = ?1")?
            .query_row([id.to_string()], |r| {
                let at = crate::domain::time::from_millis(r.get(0)?);
                Ok(crate::domain::log::entry_named(at, &r.get::<_, String>(1)?, &r.get::<_, String>(2)?))
            })
            .optional()?)
    }

    pub fn entry_seq(&self, id: Uuid) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq FROM log_entries WHERE id = ?1")?
            .query_row([id.to_string()], |r| r.get(0))
            .optional()?)
    }

    /// The highest seq in an incident's log (0 when empty).
    pub fn last_seq(&self, incident_id: Uuid) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT coalesce(max(seq), 0) FROM log_entries WHERE incident_id = ?1",
            [incident_id.to_string()],
            |r| r.get(0),
        )?)
    }

    /// Mark an entry significant (vesentlig) or not. The text stays untouched.
    pub fn set_significant(
        &mut self,
        entry_id: Uuid,
        significant: bool,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE log_entries SET significant = ?1 WHERE id = ?2",
            params![significant, entry_id.to_string()],
        )?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("det finnes ingen loggføring {entry_id}"),
                format!("there is no log entry {entry_id}"),
            ));
        }
        replica::changed(&tx, Kind::LogEntry, entry_id, &["significant"], Who { author, device }, now)?;
        // The marking is itself in the log: who said it mattered, and when.
        let (incident_id, named): (String, String) = tx.query_row(
            "SELECT incident_id, reported_at, author, text FROM log_entries WHERE id = ?1",
            [entry_id.to_string()],
            |r| {
                let at = crate::domain::time::from_millis(r.get(1)?);
                Ok((
                    r.get(0)?,
                    crate::domain::log::entry_named(at, &r.get::<_, String>(2)?, &r.get::<_, String>(3)?),
                ))
            },
        )?;
        let incident = super::incidents::incident_by_id_in(&tx, super::columns::id(&incident_id))?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("hendelsen til loggføring {entry_id} finnes ikke lenger"),
                    format!("the incident of entry {entry_id} is gone"),
                )
            })?;
        let text = if significant {
            format!("Loggføringen {named} markert som vesentlig")
        } else {
            format!("Loggføringen {named} er ikke lenger markert som vesentlig")
        };
        append_in(
            &tx,
            &incident,
            [NewEntryRecord {
                id: Uuid::now_v7(),
                text,
                author: author.to_string(),
                device: device.to_string(),
                reported_at: now,
                recorded_at: now,
                kind: crate::domain::EntryKind::Auto,
                tags: vec!["vesentlig".into()],
                mentions: vec![],
                significant: false,
                corrects: None,
            }],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// For tests of tamper detection: rewrite an entry's text behind the log's back,
    /// as an attacker with the file would.
    #[doc(hidden)]
    pub fn tamper_text(&mut self, incident: &Incident, seq: i64, text: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE log_entries SET text = ?1 WHERE incident_id = ?2 AND seq = ?3",
            params![text, incident.id.to_string(), seq],
        )?;
        Ok(())
    }
}

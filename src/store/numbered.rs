//! The one store shape of a numbered record (tasks, media inquiries, meetings,
//! reports): numbered 1, 2, 3… per incident, created and changed in one transaction
//! together with its op and the automatic log entry that records the change. A record
//! module says how its row is read ([`Numbered`]) and what a change writes; [`create`]
//! and [`change`] do the rest.

use super::log::{append_in, NewEntryRecord};
use super::replica::{self, Who};
use super::{Result, StoreError};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

/// Who writes and when: what a change is stamped with.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub author: &'a str,
    pub device: &'a str,
    pub now: DateTime<Utc>,
}

impl Stamp<'_> {
    pub(super) fn who(&self) -> Who<'_> {
        Who { author: self.author, device: self.device }
    }

    pub(super) fn millis(&self) -> i64 {
        to_millis(self.now)
    }
}

/// A record numbered per incident, as its module reads it.
pub(super) trait Numbered: Sized {
    /// Its table (one of ours, never input) and its kind of op.
    const TABLE: &'static str;
    const KIND: Kind;
    /// What one is called in a "no such" error.
    const NAME: &'static str;

    /// The record with this id.
    fn read(tx: &Transaction<'_>, id: Uuid) -> Result<Self>;

    /// Record `number` of the incident (for a report, its latest version).
    fn by_number(tx: &Transaction<'_>, incident: &Incident, number: i64) -> Result<Self> {
        Self::read(tx, id_by_number(tx, Self::TABLE, Self::NAME, incident, number)?)
    }
}

/// What a change did to the record, for its op.
pub(super) enum Change {
    /// Made a new record with this id (a report's new version).
    Created(Uuid),
    /// Set these fields of the record with this id.
    Set(Uuid, &'static [&'static str]),
}

/// Create a record: `insert` writes its row given its new id and number; its op and
/// the automatic log entry (`entry`, from the new record) commit with it.
pub(super) fn create<T: Numbered>(
    conn: &mut Connection,
    incident: &Incident,
    by: Stamp<'_>,
    insert: impl FnOnce(&Transaction<'_>, Uuid, i64) -> Result<()>,
    entry: impl FnOnce(&T) -> NewEntryRecord,
) -> Result<(T, LogEntry)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let number = next_number(&tx, T::TABLE, incident)?;
    let id = Uuid::now_v7();
    insert(&tx, id, number)?;
    let made = T::read(&tx, id)?;
    replica::created(&tx, T::KIND, id, by.who(), by.now)?;
    let logged = log(&tx, incident, entry(&made))?;
    tx.commit()?;
    Ok((made, logged))
}

/// Change record `number` of the incident: `check` sees it as it is in the database
/// at that moment and may refuse; `write` changes it; `entry` makes the automatic log
/// entry from before and after. One transaction.
pub(super) fn change<T: Numbered>(
    conn: &mut Connection,
    incident: &Incident,
    number: i64,
    by: Stamp<'_>,
    check: impl FnOnce(&T) -> std::result::Result<(), String>,
    write: impl FnOnce(&Transaction<'_>, &T) -> Result<Change>,
    entry: impl FnOnce(&T, &T) -> NewEntryRecord,
) -> Result<(T, LogEntry)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let before = T::by_number(&tx, incident, number)?;
    check(&before).map_err(StoreError::Conflict)?;
    match write(&tx, &before)? {
        Change::Created(id) => replica::created(&tx, T::KIND, id, by.who(), by.now)?,
        Change::Set(id, fields) => replica::changed(&tx, T::KIND, id, fields, by.who(), by.now)?,
    }
    let after = T::by_number(&tx, incident, number)?;
    let logged = log(&tx, incident, entry(&before, &after))?;
    tx.commit()?;
    Ok((after, logged))
}

fn log(tx: &Transaction<'_>, incident: &Incident, entry: NewEntryRecord) -> Result<LogEntry> {
    Ok(append_in(tx, incident, [entry])?.pop().expect("a new entry is appended"))
}

/// The next number in `table` for this incident. `table` is one of ours, never input.
pub(super) fn next_number(tx: &Transaction<'_>, table: &'static str, incident: &Incident) -> Result<i64> {
    Ok(tx.query_row(
        &format!("SELECT coalesce(max(number), 0) + 1 FROM {table} WHERE incident_id = ?1"),
        [incident.id.to_string()],
        |r| r.get(0),
    )?)
}

/// The id of record `number` of the incident in `table`, or a clear "no such" error.
pub(super) fn id_by_number(
    tx: &Transaction<'_>,
    table: &'static str,
    what: &str,
    incident: &Incident,
    number: i64,
) -> Result<Uuid> {
    let id: Option<String> = tx
        .query_row(
            &format!("SELECT id FROM {table} WHERE incident_id = ?1 AND number = ?2"),
            params![incident.id.to_string(), number],
            |r| r.get(0),
        )
        .optional()?;
    id.and_then(|s| Uuid::parse_str(&s).ok())
        .ok_or_else(|| StoreError::NotFound(format!("incident {} has no {what} {number}", incident.number)))
}

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
use rusqlite::{params, Connection, OptionalExtension, Params, Row, Transaction, TransactionBehavior};
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
    /// The columns `from_row` reads: the table as `ALIAS`, its incident as `i`.
    const COLUMNS: &'static str;
    const ALIAS: &'static str;
    /// Which rows are the records as they stand (a report's latest version).
    const CURRENT: &'static str = "1";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self>;
}

/// `SELECT` of `T`'s columns with the incident joined, `WHERE` the filter holds.
fn select<T: Numbered>(filter: &str) -> String {
    format!(
        "SELECT {columns} FROM {table} {a} JOIN incidents i ON i.id = {a}.incident_id WHERE {filter}",
        columns = T::COLUMNS,
        table = T::TABLE,
        a = T::ALIAS
    )
}

/// The record with this id.
pub(super) fn read<T: Numbered>(conn: &Connection, id: Uuid) -> Result<T> {
    let sql = select::<T>(&format!("{}.id = ?1", T::ALIAS));
    Ok(conn.prepare_cached(&sql)?.query_row([id.to_string()], T::from_row)?)
}

/// The incident's records as they stand, by number.
pub(super) fn all<T: Numbered>(conn: &Connection, incident: &Incident) -> Result<Vec<T>> {
    let filter = format!("{a}.incident_id = ?1 AND {} ORDER BY {a}.number", T::CURRENT, a = T::ALIAS);
    query(conn, &filter, [incident.id.to_string()])
}

/// The records where `filter` holds (it may add an ORDER BY), given its parameters.
pub(super) fn query<T: Numbered>(conn: &Connection, filter: &str, values: impl Params) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(&select::<T>(filter))?;
    let rows = stmt.query_map(values, T::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Record `number` of the incident as it stands, or a clear "no such" error.
pub(super) fn by_number<T: Numbered>(conn: &Connection, incident: &Incident, number: i64) -> Result<T> {
    let sql =
        select::<T>(&format!("{a}.incident_id = ?1 AND {a}.number = ?2 AND {}", T::CURRENT, a = T::ALIAS));
    conn.prepare_cached(&sql)?
        .query_row(params![incident.id.to_string(), number], T::from_row)
        .optional()?
        .ok_or_else(|| no_such(T::KIND.spec().label, incident, number))
}

fn no_such(what: crate::lang::Text, incident: &Incident, number: i64) -> StoreError {
    StoreError::not_found(
        format!("hendelse {} har ingen {} {number}", incident.number, what.get(crate::lang::Lang::Nb)),
        format!("incident {} has no {} {number}", incident.number, what.get(crate::lang::Lang::En)),
    )
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
    let made = read::<T>(&tx, id)?;
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
    let before = by_number::<T>(&tx, incident, number)?;
    check(&before).map_err(StoreError::refused)?;
    match write(&tx, &before)? {
        Change::Created(id) => replica::created(&tx, T::KIND, id, by.who(), by.now)?,
        Change::Set(id, fields) => replica::changed(&tx, T::KIND, id, fields, by.who(), by.now)?,
    }
    let after = by_number::<T>(&tx, incident, number)?;
    let logged = log(&tx, incident, entry(&before, &after))?;
    tx.commit()?;
    Ok((after, logged))
}

fn log(tx: &Transaction<'_>, incident: &Incident, entry: NewEntryRecord) -> Result<LogEntry> {
    Ok(append_in(tx, incident, [entry])?.pop().expect("a new entry is appended"))
}

/// The next number in `table` for this incident. `table` is one of ours, never input.
pub(super) fn next_number(tx: &Connection, table: &'static str, incident: &Incident) -> Result<i64> {
    Ok(tx.query_row(
        &format!("SELECT coalesce(max(number), 0) + 1 FROM {table} WHERE incident_id = ?1"),
        [incident.id.to_string()],
        |r| r.get(0),
    )?)
}

/// The next number in a register numbered 1, 2, 3… across the whole file (incidents,
/// plans, ROS events, alert lists, contacts, resources). `table` is one of ours.
pub(super) fn next_in_register(conn: &Connection, table: &'static str) -> Result<i64> {
    Ok(conn.query_row(&format!("SELECT coalesce(max(number), 0) + 1 FROM {table}"), [], |r| r.get(0))?)
}

/// The id of row `number` of a register, or the "no such" error `missing` words.
pub(super) fn id_in_register(
    conn: &Connection,
    table: &'static str,
    number: i64,
    missing: impl FnOnce() -> StoreError,
) -> Result<String> {
    conn.query_row(&format!("SELECT id FROM {table} WHERE number = ?1"), [number], |r| r.get(0))
        .optional()?
        .ok_or_else(missing)
}

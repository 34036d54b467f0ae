//! What tasks and media inquiries share in the store: records numbered 1, 2, 3… per
//! incident, and changes written together with the oplog row and the automatic log
//! entry that records them.

use super::log::{append_in, NewEntryRecord};
use super::replica::{self, Who};
use super::{Result, StoreError};
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

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

/// What happened to a record, for its op.
pub(super) enum Change<'a> {
    Created,
    Set(&'a [&'a str]),
}

/// Record a change: its op, then its automatic log entry; the caller commits.
pub(super) fn record(
    tx: &Transaction<'_>,
    incident: &Incident,
    (kind, id, change): (Kind, Uuid, Change<'_>),
    who: Who<'_>,
    now: DateTime<Utc>,
    entry: NewEntryRecord,
) -> Result<LogEntry> {
    match change {
        Change::Created => replica::created(tx, kind, id, who, now)?,
        Change::Set(fields) => replica::changed(tx, kind, id, fields, who, now)?,
    }
    Ok(append_in(tx, incident, [entry])?.pop().expect("a new entry is appended"))
}

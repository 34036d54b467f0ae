//! Incidents in the store.

use super::columns::read_row;
use super::numbered;
use super::replica::{self, Who};
use super::{Result, Store, StoreError};
use crate::domain::time::to_millis;
use crate::domain::{Incident, IncidentStatus, NewIncident, Severity};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use uuid::Uuid;

const COLUMNS: &str =
    "id, number, title, type, severity, status, exercise, created_at, closed_at, created_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Incident> {
    Ok(read_row!(r => Incident {
        id: uuid, number: get, title: get, kind: get,
        severity: with(|level: u8| Severity::new(level).unwrap_or(Severity::DEFAULT)),
        status: code_or(IncidentStatus::Open), exercise: get, created_at: time, closed_at: maybe_time,
        created_by: get,
    }))
}

impl Store {
    pub fn create_incident(
        &mut self,
        new: &NewIncident,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<Incident> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number = numbered::next_in_register(&tx, "incidents")?;
        let incident = Incident {
            id: Uuid::now_v7(),
            number,
            title: new.title.clone(),
            kind: new.kind.clone(),
            severity: new.severity,
            status: IncidentStatus::Open,
            exercise: new.exercise,
            created_at: now,
            closed_at: None,
            created_by: author.to_string(),
        };
        tx.execute(
            &format!("INSERT INTO incidents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9)"),
            params![
                incident.id.to_string(),
                number,
                incident.title,
                incident.kind,
                incident.severity.level(),
                incident.status.as_str(),
                incident.exercise,
                to_millis(now),
                author,
            ],
        )?;
        replica::created(&tx, Kind::Incident, incident.id, Who { author, device }, now)?;
        tx.commit()?;
        Ok(incident)
    }

    /// Open incidents first (newest first), then closed ones.
    pub fn list_incidents(&self) -> Result<Vec<Incident>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM incidents ORDER BY status = 'closed', number DESC"
        ))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn incident_by_number(&self, number: i64) -> Result<Incident> {
        self.conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE number = ?1"))?
            .query_row([number], from_row)
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("det finnes ingen hendelse nummer {number}"),
                    format!("there is no incident number {number}"),
                )
            })
    }

    pub fn incident_by_id(&self, id: Uuid) -> Result<Option<Incident>> {
        Ok(incident_by_id_in(&self.conn, id)?)
    }
}

/// An incident by id, inside a transaction the caller holds.
pub(super) fn incident_by_id_in(conn: &rusqlite::Connection, id: Uuid) -> rusqlite::Result<Option<Incident>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()
}

impl Store {
    /// Close or reopen, with the log entry that records it (made by `entry`), in one
    /// transaction. Returns the incident as it now stands.
    pub fn set_incident_status(
        &mut self,
        number: i64,
        status: IncidentStatus,
        by: super::Stamp<'_>,
        entry: impl FnOnce(&Incident) -> super::NewEntryRecord,
    ) -> Result<Incident> {
        let (author, device, now) = (by.author, by.device, by.now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // The entry goes where the incident is open, so that a server (which takes
        // nothing stamped while an incident is closed) takes it: before the closing,
        // after the reopening.
        let mut entry = Some(entry);
        if status == IncidentStatus::Closed {
            if let Some(before) = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE number = ?1"))?
                .query_row([number], from_row)
                .optional()?
            {
                let entry = entry.take().expect("one entry");
                super::log::append_in(&tx, &before, [entry(&before)])?;
            }
        }
        let closed_at = (status == IncidentStatus::Closed).then(|| to_millis(now));
        let changed = tx.execute(
            "UPDATE incidents SET status = ?1, closed_at = ?2 WHERE number = ?3",
            params![status.as_str(), closed_at, number],
        )?;
        if changed == 0 {
            return Err(StoreError::not_found(
                format!("det finnes ingen hendelse nummer {number}"),
                format!("there is no incident number {number}"),
            ));
        }
        let incident = tx
            .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE number = ?1"))?
            .query_row([number], from_row)?;
        replica::changed(
            &tx,
            Kind::Incident,
            incident.id,
            &["status", "closed_at"],
            Who { author, device },
            now,
        )?;
        if let Some(entry) = entry {
            super::log::append_in(&tx, &incident, [entry(&incident)])?;
        }
        tx.commit()?;
        Ok(incident)
    }
}

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
        let mut closed_at = (status == IncidentStatus::Closed).then(|| to_millis(now));
        if status == IncidentStatus::Closed {
            if let Some(before) = tx
                .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE number = ?1"))?
                .query_row([number], from_row)
                .optional()?
            {
                let entry = entry.take().expect("one entry");
                let logged = super::log::append_in(&tx, &before, [entry(&before)])?;
                // Closed no earlier than the closing entry's stamp: a replica whose
                // clock was pulled ahead by a peer stamps past its wall clock, and a
                // server takes nothing stamped after the incident closed.
                if let Some(e) = logged.first() {
                    let stamp: i64 =
                        tx.query_row("SELECT hlc FROM log_entries WHERE id = ?1", [e.id.to_string()], |r| {
                            r.get(0)
                        })?;
                    let millis = crate::replication::hlc::Hlc(stamp as u64).millis();
                    closed_at = closed_at.map(|c| c.max(millis));
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use crate::domain::IncidentStatus;

    /// A replica whose clock a peer pulled an hour ahead: the incident closes no earlier
    /// than its closing entry is stamped, so a server that takes nothing stamped after
    /// the close takes that entry.
    #[test]
    fn an_incident_closes_no_earlier_than_its_closing_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = crate::app::Session::open(&dir.path().join("s.db"), "kari", vec!["flom".into()]).unwrap();
        let i = s
            .create_incident(crate::domain::NewIncident {
                title: "Flom".into(),
                kind: "flom".into(),
                severity: crate::domain::Severity::DEFAULT,
                exercise: false,
            })
            .unwrap();
        let ahead =
            crate::replication::hlc::Hlc::from_millis(chrono::Utc::now().timestamp_millis() + 3_600_000);
        s.store.conn.execute("UPDATE meta SET value = ?1 WHERE key = 'hlc'", [ahead.0 as i64]).unwrap();
        let closed = s.close_incident(i.number).unwrap();
        assert_eq!(closed.status, IncidentStatus::Closed);
        let (stamp, closed_at): (i64, i64) = s
            .store
            .conn
            .query_row(
                "SELECT e.hlc, i.closed_at FROM log_entries e JOIN incidents i ON i.id = e.incident_id
                 WHERE e.text = 'Hendelsen avsluttet'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(
            closed_at >= crate::replication::hlc::Hlc(stamp as u64).millis(),
            "{closed_at} < the entry's stamp"
        );
    }
}

//! EPS registrations (evacuees, affected persons, inquiries from next of kin). The
//! store keeps them; who may see them is decided in `app` (and on the sync server).

use super::columns::read_row;
use super::log::{append_in, NewEntryRecord};
use super::numbered;
use super::replica::{self, Who};
use super::{Result, Store, StoreError};
use crate::domain::eps::{EpsKind, EpsStatus, NewRegistration, Registration};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

fn registrations_in(conn: &Connection, incident: &Incident) -> Result<Vec<Registration>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, number, kind, name, born, phone, location, about, status, notes, handled_by, created_at, updated_at
         FROM eps_registrations WHERE incident_id = ?1 ORDER BY number",
    )?;
    let rows = stmt.query_map([incident.id.to_string()], |r| {
        Ok(read_row!(r => Registration {
            id: uuid, number: get, kind: code_or(EpsKind::Affected), name: get, born: get, phone: get,
            location: get, about: get, status: code_or(EpsStatus::Registered), notes: get, handled_by: get,
            created_at: time, updated_at: time; incident: incident.number
        }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Store {
    pub fn eps_registrations(&self, incident: &Incident) -> Result<Vec<Registration>> {
        registrations_in(&self.conn, incident)
    }

    /// Register someone; `entry` sees every registration after this one is added (the
    /// log gets the counts, never the person).
    pub fn add_eps_registration(
        &mut self,
        incident: &Incident,
        new: &NewRegistration,
        who: Who<'_>,
        now: DateTime<Utc>,
        entry: impl FnOnce(&[Registration]) -> NewEntryRecord,
    ) -> Result<(Registration, LogEntry)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number = numbered::next_number(&tx, "eps_registrations", incident)?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO eps_registrations (id, incident_id, number, kind, name, born, phone, location, about, status,
                                            notes, handled_by, created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?13)",
            params![
                id.to_string(),
                incident.id.to_string(),
                number,
                new.kind.name(),
                new.name,
                new.born,
                new.phone,
                new.location,
                new.about,
                new.status.name(),
                new.notes,
                who.author,
                to_millis(now)
            ],
        )?;
        replica::created(&tx, crate::replication::Kind::Eps, id, who, now)?;
        let all = registrations_in(&tx, incident)?;
        let logged = append_in(&tx, incident, [entry(&all)])?.pop().expect("a new entry is appended");
        tx.commit()?;
        let me = all.into_iter().find(|r| r.id == id).expect("just added");
        Ok((me, logged))
    }

    /// Move a registration to another status, handled by the acting user.
    pub fn set_eps_status(
        &mut self,
        incident: &Incident,
        number: i64,
        status: EpsStatus,
        who: Who<'_>,
        now: DateTime<Utc>,
        entry: impl FnOnce(&[Registration]) -> NewEntryRecord,
    ) -> Result<(Registration, LogEntry)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: String = tx
            .query_row(
                "SELECT id FROM eps_registrations WHERE incident_id = ?1 AND number = ?2",
                params![incident.id.to_string(), number],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("hendelse {} har ingen EPS-registrering {number}", incident.number),
                    format!("incident {} has no EPS registration {number}", incident.number),
                )
            })?;
        tx.execute(
            "UPDATE eps_registrations SET status = ?2, handled_by = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, status.name(), who.author, to_millis(now)],
        )?;
        let key = super::columns::id(&id);
        replica::changed(&tx, crate::replication::Kind::Eps, key, &["status", "handled_by"], who, now)?;
        let all = registrations_in(&tx, incident)?;
        let logged = append_in(&tx, incident, [entry(&all)])?.pop().expect("a new entry is appended");
        tx.commit()?;
        let me = all.into_iter().find(|r| r.number == number).expect("exists");
        Ok((me, logged))
    }
}

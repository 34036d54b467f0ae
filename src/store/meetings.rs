//! Meetings in the store; each change commits with its automatic log entry.

use super::log::NewEntryRecord;
use super::numbered::{id_by_number, next_number, record, Change};
use super::replica::Who;
use super::{Result, Store, StoreError};
use crate::domain::meeting::{Meeting, MeetingStatus, NewMeeting};
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use uuid::Uuid;

const COLUMNS: &str = "m.id, i.number, m.number, m.title, m.starts_at, m.participants, m.agenda, m.status, \
     m.current_item, m.minutes_report, m.created_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Meeting> {
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    Ok(Meeting {
        id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
        incident: r.get(1)?,
        number: r.get(2)?,
        title: r.get(3)?,
        starts_at: from_millis(r.get(4)?),
        participants: list(r.get(5)?),
        agenda: list(r.get(6)?),
        status: MeetingStatus::parse(&r.get::<_, String>(7)?).unwrap_or(MeetingStatus::Planned),
        current_item: r.get(8)?,
        minutes_report: r.get(9)?,
        created_by: r.get(10)?,
    })
}

fn meeting_in(tx: &Transaction<'_>, id: Uuid) -> Result<Meeting> {
    Ok(tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM meetings m JOIN incidents i ON i.id = m.incident_id WHERE m.id = ?1"
        ))?
        .query_row([id.to_string()], from_row)?)
}

/// How a meeting changes.
#[derive(Debug, Clone)]
pub enum MeetingChange {
    /// Running, at this agenda item (None: no item yet).
    Ongoing(Option<i64>),
    /// Ended, with the minutes drafted as this report.
    Ended(Option<i64>),
}

impl Store {
    pub fn create_meeting(
        &mut self,
        incident: &Incident,
        new: &NewMeeting,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
        entry: impl FnOnce(&Meeting) -> NewEntryRecord,
    ) -> Result<(Meeting, LogEntry)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number = next_number(&tx, "meetings", incident)?;
        let id = Uuid::now_v7();
        let starts_at = new.starts_at.unwrap_or(now);
        let json = |v: &Vec<String>| serde_json::to_string(v).expect("plain data");
        tx.execute(
            "INSERT INTO meetings (id, incident_id, number, title, starts_at, participants, agenda, status,
                                   created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planlagt', ?8, ?9, ?8)",
            params![
                id.to_string(),
                incident.id.to_string(),
                number,
                new.title,
                to_millis(starts_at),
                json(&new.participants),
                json(&new.agenda),
                to_millis(now),
                author
            ],
        )?;
        let meeting = meeting_in(&tx, id)?;
        let change = (Kind::Meeting, id, Change::Created);
        let logged = record(&tx, incident, change, Who { author, device }, now, entry(&meeting))?;
        tx.commit()?;
        Ok((meeting, logged))
    }

    pub fn meetings(&self, incident: &Incident) -> Result<Vec<Meeting>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM meetings m JOIN incidents i ON i.id = m.incident_id WHERE m.incident_id = ?1 ORDER BY m.number"
        ))?;
        let rows = stmt.query_map([incident.id.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn meeting(&self, incident: &Incident, number: i64) -> Result<Meeting> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM meetings m JOIN incidents i ON i.id = m.incident_id WHERE m.incident_id = ?1 AND m.number = ?2"
            ))?
            .query_row(params![incident.id.to_string(), number], from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("incident {} has no meeting {number}", incident.number)))
    }

    /// The meeting running in the incident, if one is.
    pub fn ongoing_meeting(&self, incident: &Incident) -> Result<Option<Meeting>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM meetings m JOIN incidents i ON i.id = m.incident_id
                 WHERE m.incident_id = ?1 AND m.status = 'pågår' ORDER BY m.number DESC LIMIT 1"
            ))?
            .query_row([incident.id.to_string()], from_row)
            .optional()?)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn change_meeting(
        &mut self,
        incident: &Incident,
        number: i64,
        change: &MeetingChange,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
        check: impl FnOnce(&Meeting) -> std::result::Result<(), String>,
        entry: impl FnOnce(&Meeting, &Meeting) -> NewEntryRecord,
    ) -> Result<(Meeting, LogEntry)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = id_by_number(&tx, "meetings", "meeting", incident, number)?;
        let before = meeting_in(&tx, id)?;
        check(&before).map_err(StoreError::Conflict)?;
        let at = to_millis(now);
        let fields: &[&str] = match change {
            MeetingChange::Ongoing(item) => {
                tx.execute(
                    "UPDATE meetings SET status = 'pågår', current_item = ?1, updated_at = ?2 WHERE id = ?3",
                    params![item, at, id.to_string()],
                )?;
                &["status", "current_item"]
            }
            MeetingChange::Ended(report) => {
                tx.execute(
                    "UPDATE meetings SET status = 'avsluttet', current_item = NULL, minutes_report = ?1, updated_at = ?2 WHERE id = ?3",
                    params![report, at, id.to_string()],
                )?;
                &["status", "current_item", "minutes_report"]
            }
        };
        let after = meeting_in(&tx, id)?;
        let change = (Kind::Meeting, id, Change::Set(fields));
        let logged = record(&tx, incident, change, Who { author, device }, now, entry(&before, &after))?;
        tx.commit()?;
        Ok((after, logged))
    }
}

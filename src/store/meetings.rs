//! Meetings in the store; each change commits with its automatic log entry.

use super::columns::read_row;
use super::log::NewEntryRecord;
use super::numbered::{self, Change, Numbered, Stamp};
use super::{Result, Store};
use crate::domain::meeting::{Meeting, MeetingStatus, NewMeeting};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use rusqlite::{params, Row, Transaction};
use uuid::Uuid;

/// How a meeting changes.
#[derive(Debug, Clone)]
pub enum MeetingChange {
    /// Running, at this agenda item (None: no item yet).
    Ongoing(Option<i64>),
    /// Ended, with the minutes drafted as this report.
    Ended(Option<i64>),
    /// Taken back: planned or started by mistake.
    Void,
}

impl Store {
    pub fn create_meeting(
        &mut self,
        incident: &Incident,
        new: &NewMeeting,
        by: Stamp<'_>,
        entry: impl FnOnce(&Meeting) -> NewEntryRecord,
    ) -> Result<(Meeting, LogEntry)> {
        let insert = |tx: &Transaction<'_>, id: Uuid, number: i64| {
            let starts_at = new.starts_at.unwrap_or(by.now);
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
                    by.millis(),
                    by.author
                ],
            )?;
            Ok(())
        };
        numbered::create(&mut self.conn, incident, by, insert, entry)
    }

    pub fn meetings(&self, incident: &Incident) -> Result<Vec<Meeting>> {
        numbered::all(&self.conn, incident)
    }

    pub fn meeting(&self, incident: &Incident, number: i64) -> Result<Meeting> {
        numbered::by_number(&self.conn, incident, number)
    }

    /// The meeting running in the incident, if one is.
    pub fn ongoing_meeting(&self, incident: &Incident) -> Result<Option<Meeting>> {
        let running = "m.incident_id = ?1 AND m.status = 'pågår' ORDER BY m.number DESC LIMIT 1";
        Ok(numbered::query(&self.conn, running, [incident.id.to_string()])?.pop())
    }

    pub fn change_meeting(
        &mut self,
        incident: &Incident,
        number: i64,
        change: &MeetingChange,
        by: Stamp<'_>,
        check: impl FnOnce(&Meeting) -> std::result::Result<(), String>,
        entry: impl FnOnce(&Meeting, &Meeting) -> NewEntryRecord,
    ) -> Result<(Meeting, LogEntry)> {
        let write = |tx: &Transaction<'_>, m: &Meeting| {
            let (at, key) = (by.millis(), m.id.to_string());
            let fields: &'static [&'static str] = match change {
                MeetingChange::Ongoing(item) => {
                    tx.execute(
                        "UPDATE meetings SET status = 'pågår', current_item = ?1, updated_at = ?2 WHERE id = ?3",
                        params![item, at, key],
                    )?;
                    &["status", "current_item"]
                }
                MeetingChange::Ended(report) => {
                    tx.execute(
                        "UPDATE meetings SET status = 'avsluttet', current_item = NULL, minutes_report = ?1, updated_at = ?2 WHERE id = ?3",
                        params![report, at, key],
                    )?;
                    &["status", "current_item", "minutes_report"]
                }
                MeetingChange::Void => {
                    tx.execute(
                        "UPDATE meetings SET status = 'feilført', current_item = NULL, updated_at = ?1 WHERE id = ?2",
                        params![at, key],
                    )?;
                    &["status", "current_item"]
                }
            };
            Ok(Change::Set(m.id, fields))
        };
        numbered::change(&mut self.conn, incident, number, by, check, write, entry)
    }
}

impl Numbered for Meeting {
    const TABLE: &'static str = "meetings";
    const KIND: Kind = Kind::Meeting;
    const COLUMNS: &'static str =
        "m.id, i.number, m.number, m.title, m.starts_at, m.participants, m.agenda, m.status, \
     m.current_item, m.minutes_report, m.created_by";
    const ALIAS: &'static str = "m";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
        Ok(read_row!(r => Meeting {
            id: uuid, incident: get, number: get, title: get, starts_at: time, participants: with(list),
            agenda: with(list), status: code_or(MeetingStatus::Planned), current_item: get, minutes_report: get,
            created_by: get,
        }))
    }
}

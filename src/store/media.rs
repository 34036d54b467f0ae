//! Media inquiries in the store; like tasks, each change commits with its automatic
//! log entry.

use super::columns::read_row;
use super::log::NewEntryRecord;
use super::numbered::{self, Change, Numbered, Stamp};
use super::{Result, Store};
use crate::domain::media::{MediaInquiry, MediaStatus, NewInquiry};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use rusqlite::{params, Row, Transaction};
use uuid::Uuid;

/// A change to an inquiry's mutable fields.
#[derive(Debug, Clone)]
pub enum MediaChange {
    Status(MediaStatus),
    Responsible(Option<String>),
    /// The answer given; the status becomes besvart.
    Answer(String),
}

impl Store {
    pub fn create_inquiry(
        &mut self,
        incident: &Incident,
        new: &NewInquiry,
        by: Stamp<'_>,
        entry: impl FnOnce(&MediaInquiry) -> NewEntryRecord,
    ) -> Result<(MediaInquiry, LogEntry)> {
        let insert = |tx: &Transaction<'_>, id: Uuid, number: i64| {
            tx.execute(
                "INSERT INTO media (id, incident_id, number, outgoing, outlet, journalist, contact, question,
                                    deadline, responsible, status, answer, created_at, created_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'ny', '', ?11, ?12, ?11)",
                params![
                    id.to_string(),
                    incident.id.to_string(),
                    number,
                    new.outgoing,
                    new.outlet,
                    new.journalist,
                    new.contact,
                    new.question,
                    new.deadline.map(to_millis),
                    new.responsible,
                    by.millis(),
                    by.author
                ],
            )?;
            Ok(())
        };
        numbered::create(&mut self.conn, incident, by, insert, entry)
    }

    /// The incident's inquiries, by number.
    pub fn inquiries(&self, incident: &Incident) -> Result<Vec<MediaInquiry>> {
        numbered::all(&self.conn, incident)
    }

    pub fn inquiry(&self, incident: &Incident, number: i64) -> Result<MediaInquiry> {
        numbered::by_number(&self.conn, incident, number)
    }

    /// Change an inquiry and log it, in one transaction; `check` may refuse it.
    pub fn change_inquiry(
        &mut self,
        incident: &Incident,
        number: i64,
        change: &MediaChange,
        by: Stamp<'_>,
        check: impl FnOnce(&MediaInquiry) -> std::result::Result<(), String>,
        entry: impl FnOnce(&MediaInquiry, &MediaInquiry) -> NewEntryRecord,
    ) -> Result<(MediaInquiry, LogEntry)> {
        let write = |tx: &Transaction<'_>, m: &MediaInquiry| {
            let (at, key) = (by.millis(), m.id.to_string());
            let fields: &'static [&'static str] = match change {
                MediaChange::Status(s) => {
                    tx.execute(
                        "UPDATE media SET status = ?1, updated_at = ?2 WHERE id = ?3",
                        params![s.name(), at, key],
                    )?;
                    &["status"]
                }
                MediaChange::Responsible(r) => {
                    tx.execute(
                        "UPDATE media SET responsible = ?1, updated_at = ?2 WHERE id = ?3",
                        params![r, at, key],
                    )?;
                    &["responsible"]
                }
                MediaChange::Answer(a) => {
                    tx.execute(
                        "UPDATE media SET answer = ?1, status = 'besvart', updated_at = ?2 WHERE id = ?3",
                        params![a, at, key],
                    )?;
                    &["answer", "status"]
                }
            };
            Ok(Change::Set(m.id, fields))
        };
        numbered::change(&mut self.conn, incident, number, by, check, write, entry)
    }
}

impl Numbered for MediaInquiry {
    const TABLE: &'static str = "media";
    const KIND: Kind = Kind::Media;
    const COLUMNS: &'static str =
        "m.id, i.number, m.number, m.outgoing, m.outlet, m.journalist, m.contact, m.question, \
     m.deadline, m.responsible, m.status, m.answer, m.created_at, m.created_by, m.updated_at";
    const ALIAS: &'static str = "m";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(read_row!(r => MediaInquiry {
            id: uuid, incident: get, number: get, outgoing: get, outlet: get, journalist: get, contact: get,
            question: get, deadline: maybe_time, responsible: get, status: code_or(MediaStatus::New), answer: get,
            created_at: time, created_by: get, updated_at: time,
        }))
    }
}

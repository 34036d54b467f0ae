//! Reports in the store: one row per version. The latest version of a report is the
//! one worked on; older ones are kept as they were.

use super::columns::read_row;
use super::log::NewEntryRecord;
use super::numbered::{self, Change, Numbered, Stamp};
use super::replica::{self, Who};
use super::{Result, Store, StoreError};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use crate::i18n::{Label, Lang};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, Row, Transaction, TransactionBehavior};
use uuid::Uuid;

/// How the latest version of a report changes.
#[derive(Debug, Clone)]
pub enum ReportChange {
    /// To this status; with the approver, or the return comment.
    Status { to: ReportStatus, comment: Option<String>, approver: Option<String> },
    /// A new version (a draft, its text copied) after an approved one.
    NewVersion,
}

impl Store {
    /// A new report (version 1, a draft) of this kind, with its title and text.
    pub fn create_report(
        &mut self,
        incident: &Incident,
        new: (&str, &str, &str),
        by: Stamp<'_>,
        entry: impl FnOnce(&Report) -> NewEntryRecord,
    ) -> Result<(Report, LogEntry)> {
        let (kind, title, text) = new;
        let insert = |tx: &Transaction<'_>, id: Uuid, number: i64| {
            tx.execute(
                "INSERT INTO report_versions (id, incident_id, number, version, kind, title, text, status,
                                              created_at, created_by, updated_at)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, 'utkast', ?7, ?8, ?7)",
                params![
                    id.to_string(),
                    incident.id.to_string(),
                    number,
                    kind,
                    title,
                    text,
                    by.millis(),
                    by.author
                ],
            )?;
            Ok(())
        };
        numbered::create(&mut self.conn, incident, by, insert, entry)
    }

    /// The latest version of every report of the incident.
    pub fn reports(&self, incident: &Incident) -> Result<Vec<Report>> {
        numbered::all(&self.conn, incident)
    }

    /// Every version of every report of the incident, by report and then version, in
    /// one query (the archive, time travel and the latest sitrep read them all).
    pub fn all_report_versions(&self, incident: &Incident) -> Result<Vec<Report>> {
        let every = "r.incident_id = ?1 ORDER BY r.number, r.version";
        numbered::query(&self.conn, every, [incident.id.to_string()])
    }

    /// Every version of one report, oldest first.
    pub fn report_versions(&self, incident: &Incident, number: i64) -> Result<Vec<Report>> {
        let one = "r.incident_id = ?1 AND r.number = ?2 ORDER BY r.version";
        let all: Vec<Report> = numbered::query(&self.conn, one, params![incident.id.to_string(), number])?;
        if all.is_empty() {
            return Err(StoreError::not_found(
                format!("hendelse {} har ingen rapport {number}", incident.number),
                format!("incident {} has no report {number}", incident.number),
            ));
        }
        Ok(all)
    }

    /// Save the text of the latest version, if it may still be edited. Autosave calls
    /// this often, so it writes the oplog but no log entry.
    pub fn save_report_text(
        &mut self,
        incident: &Incident,
        number: i64,
        text: &str,
        author: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = numbered::by_number::<Report>(&tx, incident, number)?;
        if !current.status.editable() {
            let (v, status) = (current.version, current.status.label());
            return Err(StoreError::conflict(
                format!(
                    "rapport {number} versjon {v} er {} og kan ikke endres; start en ny versjon",
                    status.get(Lang::Nb)
                ),
                format!(
                    "report {number} version {v} is {} and cannot be changed; start a new version",
                    status.get(Lang::En)
                ),
            ));
        }
        if current.text == text {
            return Ok(current);
        }
        tx.execute(
            "UPDATE report_versions SET text = ?1, updated_at = ?2 WHERE id = ?3",
            params![text, to_millis(now), current.id.to_string()],
        )?;
        replica::changed(&tx, Kind::Report, current.id, &["text"], Who { author, device }, now)?;
        let saved = numbered::by_number::<Report>(&tx, incident, number)?;
        tx.commit()?;
        Ok(saved)
    }

    /// Move the latest version on, or start a new version; `check` sees the latest
    /// version as it is in the database and may refuse.
    pub fn change_report(
        &mut self,
        incident: &Incident,
        number: i64,
        change: &ReportChange,
        by: Stamp<'_>,
        check: impl FnOnce(&Report) -> std::result::Result<(), String>,
        entry: impl FnOnce(&Report, &Report) -> NewEntryRecord,
    ) -> Result<(Report, LogEntry)> {
        let write = |tx: &Transaction<'_>, before: &Report| {
            let (at, author) = (by.millis(), by.author);
            Ok(match change {
                ReportChange::Status { to, comment, approver } => {
                    // An approval names the exact revision of the text it approves.
                    let rev = approver.as_ref().map(|_| replica::seen(tx, before.id, "text")).transpose()?;
                    tx.execute(
                        "UPDATE report_versions SET status = ?1, comment = coalesce(?2, comment),
                         approved_by = coalesce(?3, approved_by),
                         approved_at = CASE WHEN ?3 IS NULL THEN approved_at ELSE ?4 END, updated_at = ?4,
                         approved_rev = coalesce(?6, approved_rev)
                     WHERE id = ?5",
                        params![
                            to.name(),
                            comment,
                            approver,
                            at,
                            before.id.to_string(),
                            rev.map(|r| r.to_string())
                        ],
                    )?;
                    let fields: &'static [&'static str] = match (comment.is_some(), approver.is_some()) {
                        (_, true) => &["status", "comment", "approved_by", "approved_at", "approved_rev"],
                        (true, false) => &["status", "comment"],
                        (false, false) => &["status"],
                    };
                    Change::Set(before.id, fields)
                }
                ReportChange::NewVersion => {
                    let id = Uuid::now_v7();
                    // Every version points at the report's first version (its root) and
                    // at the version it was written from (its parent).
                    let root: Option<String> = tx.query_row(
                        "SELECT root FROM report_versions WHERE id = ?1",
                        [before.id.to_string()],
                        |r| r.get(0),
                    )?;
                    let root = root.unwrap_or_else(|| before.id.to_string());
                    tx.execute(
                    "INSERT INTO report_versions (id, incident_id, number, version, kind, title, text, status,
                                                  created_at, created_by, updated_at, root, parent)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'utkast', ?8, ?9, ?8, ?10, ?11)",
                    params![id.to_string(), incident.id.to_string(), number, before.version + 1, before.kind, before.title, before.text, at, author, root, before.id.to_string()],
                )?;
                    Change::Created(id)
                }
            })
        };
        numbered::change(&mut self.conn, incident, number, by, check, write, entry)
    }
}

impl Numbered for Report {
    const TABLE: &'static str = "report_versions";
    const KIND: Kind = Kind::Report;
    const COLUMNS: &'static str =
        "r.id, i.number, r.number, r.version, r.kind, r.title, r.text, r.status, r.comment, \
     r.approved_by, r.approved_at, r.created_at, r.created_by, r.updated_at, \
     (SELECT p.version FROM report_versions p WHERE p.id = r.parent), \
     (SELECT max(s.version) FROM report_versions s WHERE s.parent = r.parent AND s.id <> r.id)";
    const ALIAS: &'static str = "r";
    /// A report is its latest version.
    const CURRENT: &'static str = "r.version = (SELECT max(v.version) FROM report_versions v
     WHERE v.incident_id = r.incident_id AND v.number = r.number)";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(read_row!(r => Report {
            id: uuid, incident: get, number: get, version: get, kind: get, title: get, text: get,
            status: code_or(ReportStatus::Draft), comment: get, approved_by: get, approved_at: maybe_time,
            created_at: time, created_by: get, updated_at: time, parent_version: get, fork_of: get,
        }))
    }
}

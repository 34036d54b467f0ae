//! Reports shared between installations. On a client: the reports others shared with
//! this one, kept per incident with the log entry that records their receipt. On the
//! server: which organisation reports to which, and the shared reports on their way.

use super::columns::read_row;
use super::log::{append_in, NewEntryRecord};
use super::{Result, Store, StoreError};
use crate::domain::share::ShareReceiptRecord;
use crate::domain::share::SharedReport;
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

/// A report this replica shared through the server, as remembered for its receipt.
#[derive(Debug, Clone)]
pub struct SentShare {
    pub incident_id: String,
    pub number: i64,
    pub version: i64,
    pub title: String,
    pub sent_to: String,
}

impl Store {
    /// Keep a report shared with this installation and log its receipt, together. A
    /// report received before (the same sharing) changes nothing: None.
    pub fn receive_shared(
        &mut self,
        incident: &Incident,
        report: &SharedReport,
        entry: NewEntryRecord,
        now: DateTime<Utc>,
    ) -> Result<Option<LogEntry>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known: Option<String> = tx
            .query_row("SELECT incident_id FROM shared_reports WHERE id = ?1", [report.id.to_string()], |r| {
                r.get(0)
            })
            .optional()?;
        if known.is_some() {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO shared_reports (id, incident_id, from_org, title, approved_at, shared_at, received_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                report.id.to_string(),
                incident.id.to_string(),
                report.from,
                report.title,
                to_millis(report.approved_at),
                to_millis(report.shared_at),
                to_millis(now),
                serde_json::to_string(report).expect("plain data"),
            ],
        )?;
        let logged = append_in(&tx, incident, [entry])?.pop();
        tx.commit()?;
        Ok(logged)
    }

    /// The reports shared with this installation for an incident, by source and then
    /// oldest first.
    pub fn shared_reports(&self, incident: &Incident) -> Result<Vec<SharedReport>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM shared_reports WHERE incident_id = ?1 ORDER BY from_org, approved_at, shared_at",
        )?;
        let rows = stmt.query_map([incident.id.to_string()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for body in rows {
            let body = body?;
            out.push(
                serde_json::from_str(&body).map_err(|e| {
                    StoreError::refused(format!("a stored shared report cannot be read: {e}"))
                })?,
            );
        }
        Ok(out)
    }

    /// Log that `report` was shared through the server with `to`, and remember it, so
    /// the receipt can be logged when it comes back; together.
    pub fn record_sent_share(
        &mut self,
        incident: &Incident,
        report: &SharedReport,
        to: &str,
        entry: NewEntryRecord,
    ) -> Result<LogEntry> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO sent_shares (id, incident_id, number, version, title, sent_to, shared_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
            params![
                report.id.to_string(),
                incident.id.to_string(),
                report.number,
                report.version,
                report.title,
                to,
                to_millis(report.shared_at)
            ],
        )?;
        let logged = append_in(&tx, incident, [entry])?.pop().expect("a new entry");
        tx.commit()?;
        Ok(logged)
    }

    /// A receipt for a report this replica shared: logged once, in the incident the
    /// report came from (`entry` makes the entry from the sharing). None when the
    /// sharing is not this replica's, or its receipt was logged before.
    pub fn log_receipt(
        &mut self,
        receipt: &ShareReceiptRecord,
        entry: impl FnOnce(&SentShare) -> NewEntryRecord,
    ) -> Result<Option<LogEntry>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sent: Option<SentShare> = tx
            .query_row(
                "SELECT s.incident_id, s.number, s.version, s.title, s.sent_to FROM sent_shares s
                 WHERE s.id = ?1 AND s.received_at IS NULL",
                [receipt.id.to_string()],
                |r| {
                    Ok(read_row!(r => SentShare {
                        incident_id: get, number: get, version: get, title: get, sent_to: get,
                    }))
                },
            )
            .optional()?;
        let Some(sent) = sent else { return Ok(None) };
        tx.execute(
            "UPDATE sent_shares SET received_at = ?1, received_by = ?2 WHERE id = ?3",
            params![to_millis(receipt.at), receipt.by, receipt.id.to_string()],
        )?;
        let id = super::columns::id(&sent.incident_id);
        let Some(incident) = super::incidents::incident_by_id_in(&tx, id)? else { return Ok(None) };
        let logged = append_in(&tx, &incident, [entry(&sent)])?.pop();
        tx.commit()?;
        Ok(logged)
    }
}

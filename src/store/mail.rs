//! E-mail in the store: each message becomes its log entry, its attachments and the
//! note of its Message-ID together or not at all. A batch of messages shares one
//! transaction (one fsync for many, since an import of thousands must not take
//! minutes), each message in its own savepoint so a failure leaves no trace of it.

use super::columns::read_row;
use super::log::{append_in, NewEntryRecord};
use super::{Result, Store};
use crate::domain::mail::Attachment as MailAttachment;
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

/// One message ready to store.
pub struct IncomingMail<'a> {
    pub message_id: &'a str,
    pub entry: NewEntryRecord,
    pub attachments: &'a [MailAttachment],
}

/// What became of one message in a batch.
#[derive(Debug)]
pub enum MailOutcome {
    /// Taken in: the log entry's number.
    Added(i64),
    /// Its Message-ID was taken in before: nothing changed.
    AlreadyThere,
    Failed(String),
}

/// An attachment of an incident's e-mail; its bytes only when asked for.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub entry_seq: i64,
    pub position: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Store {
    /// Store a batch of messages in one transaction, each all-or-nothing.
    pub fn import_mails(
        &mut self,
        incident: &Incident,
        batch: Vec<IncomingMail<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<MailOutcome>> {
        let key = incident.id.to_string();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(batch.len());
        for mail in batch {
            let seen: Option<String> = tx
                .prepare_cached(
                    "SELECT entry_id FROM mail_messages WHERE incident_id = ?1 AND message_id = ?2",
                )?
                .query_row(params![key, mail.message_id], |r| r.get(0))
                .optional()?;
            if seen.is_some() {
                out.push(MailOutcome::AlreadyThere);
                continue;
            }
            // A savepoint by hand: the log's append works on the transaction itself.
            tx.execute_batch("SAVEPOINT mail")?;
            let sp = &tx;
            let stored = (|| -> Result<LogEntry> {
                let entry = append_in(sp, incident, [mail.entry])?.pop().expect("a new id is appended");
                let id = entry.id.to_string();
                for (i, a) in mail.attachments.iter().enumerate() {
                    sp.prepare_cached(
                        "INSERT INTO mail_attachments (entry_id, position, name, mime, size, sha256, data)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        id,
                        i as i64 + 1,
                        a.name,
                        a.mime,
                        a.data.len() as i64,
                        a.sha256(),
                        a.data
                    ])?;
                }
                sp.prepare_cached(
                    "INSERT INTO mail_messages (incident_id, message_id, entry_id, imported_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![key, mail.message_id, id, to_millis(now)])?;
                Ok(entry)
            })();
            match stored {
                Ok(entry) => {
                    tx.execute_batch("RELEASE mail")?;
                    out.push(MailOutcome::Added(entry.seq));
                }
                Err(e) => {
                    // Undo this message alone; the batch goes on.
                    tx.execute_batch("ROLLBACK TO mail; RELEASE mail")?;
                    out.push(MailOutcome::Failed(e.to_string()));
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// The attachments of an incident's e-mail, by entry and place, with their bytes
    /// (for the archive) or without (to list them).
    pub fn attachments(&self, incident: &Incident, with_data: bool) -> Result<Vec<Attachment>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.seq, a.position, a.name, a.mime, a.size, a.sha256, CASE WHEN ?2 THEN a.data ELSE x'' END
             FROM mail_attachments a JOIN log_entries e ON e.id = a.entry_id
             WHERE e.incident_id = ?1 ORDER BY e.seq, a.position",
        )?;
        let rows = stmt.query_map(params![incident.id.to_string(), with_data], |r| {
            Ok(read_row!(r => Attachment {
                entry_seq: get, position: get, name: get, mime: get, size: get, sha256: get, data: get,
            }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The bytes of attachment `position` of the entry `seq`.
    pub fn attachment_data(&self, incident: &Incident, seq: i64, position: i64) -> Result<Vec<u8>> {
        self.conn
            .prepare_cached(
                "SELECT a.data FROM mail_attachments a JOIN log_entries e ON e.id = a.entry_id
                 WHERE e.incident_id = ?1 AND e.seq = ?2 AND a.position = ?3",
            )?
            .query_row(params![incident.id.to_string(), seq, position], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                super::StoreError::not_found(
                    format!("loggføring #{seq} har ikke vedlegg {position}"),
                    format!("entry #{seq} has no attachment {position}"),
                )
            })
    }
}

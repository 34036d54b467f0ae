//! E-mail into the incident: messages from files, a maildir or an mbox become log
//! entries of kind e-post, once each (by Message-ID), with their attachments kept.

use super::progress::{Ended, Work};
use super::{Result, Session};
use crate::domain::mail::{self, Found, Mail};
use crate::domain::roles::Permission;
use crate::domain::{EntryKind, Incident, LogEntry};
use crate::store::{IncomingMail, MailOutcome, NewEntryRecord};
use chrono::Utc;
use serde::Serialize;
use std::path::Path;
use uuid::Uuid;

/// Messages stored per transaction: one fsync for many.
const BATCH: usize = 250;

#[derive(Debug, Default, Serialize)]
pub struct MailReport {
    pub added: Vec<i64>,
    /// Messages taken in before (same Message-ID): left as they were.
    pub already_there: usize,
    /// Where each skipped message was, and why.
    pub skipped: Vec<(String, String)>,
}

impl MailReport {
    fn absorb(&mut self, other: MailReport) {
        self.added.extend(other.added);
        self.already_there += other.already_there;
        self.skipped.extend(other.skipped);
    }
}

impl Session {
    /// Take in every message found in `path` (see `mail::messages_in`).
    pub fn import_mail(&mut self, incident: &Incident, path: &Path) -> Result<MailReport> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let found = mail::messages_in(path)
            .map_err(|e| super::AppError::Usage(format!("cannot read mail from {}: {e}", path.display())))?;
        self.import_found(incident, found)
    }

    /// Take in messages already read (the watcher reads only new files).
    pub fn import_found(&mut self, incident: &Incident, found: Vec<Found>) -> Result<MailReport> {
        self.permit(Permission::WriteLog)?;
        let mut report = MailReport::default();
        let progress = self.progress.clone();
        progress.begin(Work::ImportMail, Some(found.len() as u64));
        let _ended = Ended(&*progress);
        for chunk in found.chunks(BATCH) {
            report.absorb(self.import_chunk(incident, chunk)?);
            progress.advance(chunk.len() as u64);
        }
        Ok(report)
    }

    fn import_chunk(&mut self, incident: &Incident, chunk: &[Found]) -> Result<MailReport> {
        let mut report = MailReport::default();
        let now = Utc::now();
        let mut parsed: Vec<(&str, Mail)> = Vec::new();
        for f in chunk {
            match Mail::parse(&f.raw) {
                Ok(m) => parsed.push((&f.label, m)),
                Err(e) => report.skipped.push((f.label.clone(), e.0)),
            }
        }
        // The same message twice in one batch (an mbox and its copy) counts once.
        let mut seen = std::collections::HashSet::new();
        let mut batch = Vec::new();
        let mut labels = Vec::new();
        for (label, m) in &parsed {
            if !seen.insert(m.message_id.clone()) {
                report.already_there += 1;
                continue;
            }
            let entry = NewEntryRecord {
                id: Uuid::now_v7(),
                text: m.entry_text(),
                author: self.user.clone(),
                device: self.device.clone(),
                reported_at: m.date.filter(|d| *d <= now).unwrap_or(now),
                recorded_at: now,
                kind: EntryKind::Email,
                tags: vec!["e-post".into()],
                mentions: vec![],
                significant: false,
                corrects: None,
            };
            batch.push(IncomingMail { message_id: &m.message_id, entry, attachments: &m.attachments });
            labels.push(*label);
        }
        for (outcome, label) in self.store.import_mails(incident, batch, now)?.into_iter().zip(labels) {
            match outcome {
                MailOutcome::Added(seq) => report.added.push(seq),
                MailOutcome::AlreadyThere => report.already_there += 1,
                MailOutcome::Failed(why) => report.skipped.push((label.to_string(), why)),
            }
        }
        Ok(report)
    }

    pub fn email_entries(&self, incident: &Incident) -> Result<Vec<LogEntry>> {
        Ok(self.entries(incident)?.into_iter().filter(|e| e.kind == EntryKind::Email).collect())
    }
}

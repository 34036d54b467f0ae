//! What an archived record holds, and the archivist's view of it: each document with
//! the metadata Noark 5 asks of a registry entry (title, date, author/case handler,
//! document type). See docs/archive.md.

use crate::domain::alert::Alert;
use crate::domain::media::MediaInquiry;
use crate::domain::meeting::Meeting;
use crate::domain::report::Report;
use crate::domain::task::Task;
use crate::domain::{EntryKind, Incident, LogEntry};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a record is the whole incident, or what was new since the last batch of
/// continuous journalføring.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Scope {
    Full,
    /// Changes recorded in this database's oplog after `after` up to `through`.
    Increment {
        batch: u32,
        after: i64,
        through: i64,
    },
}

/// The last entry of one replica's chain through the log, as it stood at export.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainHead {
    pub origin: String,
    pub seq: i64,
    pub hash: String,
}

/// An attachment of an e-mail, written beside the record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordAttachment {
    pub entry_seq: i64,
    pub position: i64,
    pub name: String,
    pub mime: String,
    pub sha256: String,
    /// Where it is in the folder.
    pub path: String,
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// An incident's record as archived.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub installation: String,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
    pub scope: Scope,
    pub incident: Incident,
    pub log: Vec<LogEntry>,
    pub chain_heads: Vec<ChainHead>,
    /// The signed heads of the log's chains (see `replication::checkpoint`): `archive verify`
    /// checks the log against them, the newest entries included.
    #[serde(default)]
    pub checkpoints: Vec<crate::replication::checkpoint::Checkpoint>,
    pub meetings: Vec<Meeting>,
    /// Every version of every report, in number and version order.
    pub reports: Vec<Report>,
    pub media: Vec<MediaInquiry>,
    pub tasks: Vec<Task>,
    pub alerts: Vec<Alert>,
    pub attachments: Vec<RecordAttachment>,
}

/// One document as an archivist registers it (Noark 5: registrering/dokument).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Document {
    /// tittel
    pub title: String,
    /// dokumenttype: Logg, Beslutning, E-post, Møtereferat, Situasjonsrapport …
    pub document_type: String,
    /// dokumentetsDato / journaldato: when it was said, written or approved.
    pub date: DateTime<Utc>,
    /// saksbehandler / forfatter
    pub author: String,
    /// Where it is in the record: "logg #12", "rapport 3 v2", "oppgave 4".
    pub reference: String,
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

impl Record {
    /// The record as documents, for the archive's registry (journal).
    pub fn documents(&self) -> Vec<Document> {
        let mut docs = Vec::new();
        for e in &self.log {
            let document_type = match e.kind {
                EntryKind::Decision => "Beslutning",
                EntryKind::Email => "E-post",
                EntryKind::Auto => "Logg (automatisk)",
                EntryKind::Note => "Logg",
            };
            let first_line = e.text.lines().next().unwrap_or("");
            docs.push(Document {
                title: first_line.chars().take(120).collect(),
                document_type: document_type.into(),
                date: e.reported_at,
                author: e.author.clone(),
                reference: format!("logg #{}", e.seq),
            });
        }
        for m in &self.meetings {
            docs.push(Document {
                title: m.title.clone(),
                document_type: "Møte".into(),
                date: m.starts_at,
                author: m.created_by.clone(),
                reference: format!("møte {}", m.number),
            });
        }
        for r in &self.reports {
            docs.push(Document {
                title: format!("{} (versjon {}, {})", r.title, r.version, r.status.name()),
                document_type: capital(&r.kind),
                date: r.approved_at.unwrap_or(r.updated_at),
                author: r.approved_by.clone().unwrap_or_else(|| r.created_by.clone()),
                reference: format!("rapport {} v{}", r.number, r.version),
            });
        }
        for m in &self.media {
            docs.push(Document {
                title: format!("{}: {}", m.outlet, m.question.lines().next().unwrap_or("")),
                document_type: if m.outgoing { "Medieutspill" } else { "Mediehenvendelse" }.into(),
                date: m.created_at,
                author: m.responsible.clone().unwrap_or_else(|| m.created_by.clone()),
                reference: format!("media {}", m.number),
            });
        }
        for t in &self.tasks {
            docs.push(Document {
                title: t.title.clone(),
                document_type: "Oppgave".into(),
                date: t.created_at,
                author: t.assignee.clone().unwrap_or_else(|| t.created_by.clone()),
                reference: format!("oppgave {}", t.number),
            });
        }
        for a in &self.alerts {
            docs.push(Document {
                title: format!("{}: {}", a.list, a.message),
                document_type: "Varsling".into(),
                date: a.sent_at,
                author: a.sent_by.clone(),
                reference: format!("varsling {}", a.number),
            });
        }
        docs
    }
}

//! The message journal in the store: the records that are its items (entries marked
//! as incoming or outgoing, e-mails taken in, media inquiries, alerts), each with the
//! number the sync server gave it (`journal_numbers`, filled from its answers) and the
//! replica it was written on.

use super::{Result, Store};
use crate::domain::time::from_millis;
use crate::domain::Incident;
use chrono::{DateTime, Utc};
use rusqlite::params;
use uuid::Uuid;

/// One record that is an item of the journal, as stored; `app::journal` makes the
/// item of it (direction, parties, summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    pub record: Uuid,
    pub what: JournalWhat,
    /// When it happened: for an entry the time said, which may be earlier than it was
    /// written.
    pub at: DateTime<Utc>,
    /// When it was written on its replica: what its provisional number follows, so
    /// that an entry dated back never renumbers those written before it.
    pub made: DateTime<Utc>,
    /// Who wrote it, and on which replica (its id, and its device as shown).
    pub by: String,
    pub origin: String,
    pub device: String,
    /// The server's number, once it has given one.
    pub number: Option<i64>,
    /// A task made from it (log entries).
    pub task: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalWhat {
    /// A log entry: its number in the log, its text, whether it is an e-mail.
    Entry {
        seq: i64,
        text: String,
        email: bool,
    },
    Media {
        number: i64,
        outgoing: bool,
        outlet: String,
        journalist: String,
        question: String,
        responsible: Option<String>,
    },
    Alert {
        number: i64,
        list: String,
        message: String,
    },
}

const ENTRIES: &str =
    "SELECT e.id, e.seq, e.text, e.kind = 'email', e.reported_at, e.author, e.origin, e.device,
        (SELECT n.number FROM journal_numbers n WHERE n.record_id = e.id),
        (SELECT t.number FROM task_links l JOIN tasks t ON t.id = l.task_id WHERE l.entry_id = e.id
         ORDER BY t.number LIMIT 1),
        e.recorded_at
     FROM log_entries e
     WHERE e.incident_id = ?1 AND (e.kind = 'email' OR substr(e.text, 1, 2) IN ('< ', '> ') OR (' ' || e.tags || ' ') LIKE '% deling %')
     ORDER BY e.seq";

const MEDIA: &str = "SELECT m.id, m.number, m.outgoing, m.outlet, m.journalist, m.question, m.responsible,
        m.created_at, m.created_by,
        coalesce((SELECT o.origin || char(31) || o.device FROM oplog o
                  WHERE o.entity = 'media' AND o.entity_id = m.id AND o.action = 'create' LIMIT 1), ''),
        (SELECT n.number FROM journal_numbers n WHERE n.record_id = m.id)
     FROM media m WHERE m.incident_id = ?1 ORDER BY m.number";

const ALERTS: &str = "SELECT a.id, a.number, a.list, a.message, a.sent_at, a.sent_by,
        coalesce((SELECT o.origin || char(31) || o.device FROM oplog o
                  WHERE o.entity = 'alert' AND o.entity_id = a.id AND o.action = 'create' LIMIT 1), ''),
        (SELECT n.number FROM journal_numbers n WHERE n.record_id = a.id)
     FROM alerts a WHERE a.incident_id = ?1 ORDER BY a.number";

fn id(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap_or_default()
}

/// "origin<US>device" as the queries give it.
fn origin_device(s: &str) -> (String, String) {
    let (o, d) = s.split_once('\u{1f}').unwrap_or((s, ""));
    (o.to_string(), d.to_string())
}

impl Store {
    /// The records of `incident` that may be items of its journal (an entry is one
    /// only if its mark reads as one: `app::journal` decides), oldest first per kind.
    pub fn journal_records(&self, incident: &Incident) -> Result<Vec<JournalRecord>> {
        let key = incident.id.to_string();
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(ENTRIES)?;
        let rows = stmt.query_map([&key], |r| {
            Ok(JournalRecord {
                record: id(&r.get::<_, String>(0)?),
                what: JournalWhat::Entry { seq: r.get(1)?, text: r.get(2)?, email: r.get(3)? },
                at: from_millis(r.get(4)?),
                made: from_millis(r.get(10)?),
                by: r.get(5)?,
                origin: r.get(6)?,
                device: r.get(7)?,
                number: r.get(8)?,
                task: r.get(9)?,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        let mut stmt = self.conn.prepare_cached(MEDIA)?;
        let rows = stmt.query_map([&key], |r| {
            let (origin, device) = origin_device(&r.get::<_, String>(9)?);
            Ok(JournalRecord {
                record: id(&r.get::<_, String>(0)?),
                what: JournalWhat::Media {
                    number: r.get(1)?,
                    outgoing: r.get(2)?,
                    outlet: r.get(3)?,
                    journalist: r.get(4)?,
                    question: r.get(5)?,
                    responsible: r.get(6)?,
                },
                at: from_millis(r.get(7)?),
                made: from_millis(r.get(7)?),
                by: r.get(8)?,
                origin,
                device,
                number: r.get(10)?,
                task: None,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        let mut stmt = self.conn.prepare_cached(ALERTS)?;
        let rows = stmt.query_map([&key], |r| {
            let (origin, device) = origin_device(&r.get::<_, String>(6)?);
            Ok(JournalRecord {
                record: id(&r.get::<_, String>(0)?),
                what: JournalWhat::Alert { number: r.get(1)?, list: r.get(2)?, message: r.get(3)? },
                at: from_millis(r.get(4)?),
                made: from_millis(r.get(4)?),
                by: r.get(5)?,
                origin,
                device,
                number: r.get(7)?,
                task: None,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
        Ok(out)
    }

    /// Records of any incident that may be items of the journal and have no number
    /// from the server yet (at most `limit`): the entries with their text, for the
    /// caller to read their marks.
    pub fn journal_unnumbered(&self, limit: usize) -> Result<Vec<(Uuid, Option<String>)>> {
        // The newest first: records that will never have a number (from before the
        // journal, or refused) must not fill the window for the new ones.
        let queries = [
            "SELECT e.id, CASE WHEN e.kind = 'email' THEN NULL ELSE e.text END FROM log_entries e
             WHERE (e.kind = 'email' OR substr(e.text, 1, 2) IN ('< ', '> ')
                    OR ((' ' || e.tags || ' ') LIKE '% deling %'
                        AND (e.text LIKE 'Rapport % delt med %' OR e.text LIKE 'Mottatt % fra %')))
               AND NOT EXISTS (SELECT 1 FROM journal_numbers n WHERE n.record_id = e.id)
             ORDER BY e.rowid DESC LIMIT ?1",
            "SELECT m.id, NULL FROM media m
             WHERE NOT EXISTS (SELECT 1 FROM journal_numbers n WHERE n.record_id = m.id)
             ORDER BY m.rowid DESC LIMIT ?1",
            "SELECT a.id, NULL FROM alerts a
             WHERE NOT EXISTS (SELECT 1 FROM journal_numbers n WHERE n.record_id = a.id)
             ORDER BY a.rowid DESC LIMIT ?1",
        ];
        let mut out = Vec::new();
        for sql in queries {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map([crate::store::sql_limit(limit)], |r| {
                Ok((id(&r.get::<_, String>(0)?), r.get::<_, Option<String>>(1)?))
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        out.truncate(limit);
        Ok(out)
    }

    /// Keep the numbers the server gave (a number, once given, never changes).
    pub fn keep_journal_numbers(&mut self, numbers: &[(Uuid, i64)]) -> Result<()> {
        if numbers.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for (record, number) in numbers {
            tx.prepare_cached("INSERT OR IGNORE INTO journal_numbers (record_id, number) VALUES (?1, ?2)")?
                .execute(params![record.to_string(), number])?;
        }
        tx.commit()?;
        Ok(())
    }
}

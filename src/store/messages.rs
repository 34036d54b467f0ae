//! Messages, their read receipts, and the organisation's roster in the store. Messages
//! and receipts are records of the organisation (their ops carry the nil incident) and
//! never change; a message is committed with its op and, when it is written in an
//! incident, the log entry that logs it (before it, so the entry's op goes first).
//! The roster is the sync server's word, kept as it last came.

use super::columns::Columns;
use super::log::{append_in, NewEntryRecord};
use super::numbered::Stamp;
use super::replica;
use super::{Result, Store, StoreError};
use crate::domain::message::{Addressees, Message, NewMessage, Person, Receipt};
use crate::domain::message_copy::CopySent;
use crate::domain::Incident;
use crate::replication::Kind;
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use uuid::Uuid;

const MESSAGE_COLUMNS: &str =
    "m.id, m.thread_id, m.reply_to, m.incident, i.number, m.created_by, m.from_org, \
     m.to_users, m.to_roles, m.to_orgs, m.text, m.urgent, m.copy, m.entry_id, \
     (SELECT n.number FROM journal_numbers n WHERE n.record_id = m.entry_id), m.created_at \
     FROM messages m LEFT JOIN incidents i ON i.id = m.incident";

fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    let mut c = Columns::new(r);
    let id = c.uuid()?;
    let thread = c.uuid()?;
    let reply_to = c.maybe_uuid()?;
    let incident: Option<Uuid> = c.maybe_uuid()?;
    let number: Option<i64> = c.get()?;
    Ok(Message {
        id,
        thread,
        reply_to,
        incident: incident.map(|i| (i, number)),
        author: c.get()?,
        from_org: c.get()?,
        to: Addressees {
            users: c.with(|s: String| Addressees::from_list(&s))?,
            roles: c.with(|s: String| crate::domain::board::Audience::from_codes(&s))?,
            orgs: c.with(|s: String| Addressees::from_list(&s))?,
        },
        text: c.get()?,
        urgent: c.get()?,
        copy: c.get()?,
        entry: c.maybe_uuid()?,
        journal: c.get()?,
        sent_at: c.time()?,
    })
}

fn receipt_from_row(r: &Row<'_>) -> rusqlite::Result<Receipt> {
    let mut c = Columns::new(r);
    Ok(Receipt { message: c.uuid()?, reader: c.get()?, org: c.get()?, read_at: c.time()? })
}

fn no_message(what: &str) -> StoreError {
    StoreError::not_found(format!("det finnes ingen melding {what}"), format!("there is no message {what}"))
}

impl Store {
    /// Send a message: in `thread` (a new one's own id when None), from `from_org`,
    /// logged in `incident` by `entry` (made from the message's id) if there is one,
    /// with its `copies` put in the outbox.
    #[allow(clippy::too_many_arguments)]
    pub fn send_message(
        &mut self,
        new: &NewMessage,
        thread: Option<Uuid>,
        from_org: &str,
        incident: Option<&Incident>,
        copies: &[CopySent],
        by: Stamp<'_>,
        entry: impl FnOnce(Uuid) -> Option<NewEntryRecord>,
    ) -> Result<Message> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = Uuid::now_v7();
        let logged = match (incident, entry(id)) {
            (Some(i), Some(e)) => append_in(&tx, i, [e])?.pop(),
            _ => None,
        };
        tx.execute(
            "INSERT INTO messages (id, incident, thread_id, reply_to, from_org, to_users, to_roles, to_orgs,
                                   text, urgent, copy, entry_id, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                id.to_string(),
                incident.map(|i| i.id.to_string()),
                thread.unwrap_or(id).to_string(),
                new.reply_to.map(|r| r.to_string()),
                from_org,
                Addressees::list(&new.to.users),
                Addressees::role_list(&new.to.roles),
                Addressees::list(&new.to.orgs),
                new.text,
                new.urgent,
                new.copy,
                logged.map(|e| e.id.to_string()),
                by.millis(),
                by.author,
            ],
        )?;
        replica::created(&tx, Kind::Message, id, by.who(), by.now)?;
        super::message_copies::queue(&tx, id, copies, by.now)?;
        let message = message_in(&tx, id)?;
        tx.commit()?;
        Ok(message)
    }

    /// Every message here, newest first.
    pub fn messages(&self) -> Result<Vec<Message>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {MESSAGE_COLUMNS} ORDER BY m.created_at DESC, m.id DESC"))?;
        let all = stmt.query_map([], message_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(all)
    }

    pub fn message(&self, id: Uuid) -> Result<Message> {
        message_in(&self.conn, id)
    }

    /// The message whose reference (the end of its id) is `reference`.
    pub fn message_by_reference(&self, reference: &str) -> Result<Message> {
        let r = reference.trim().trim_start_matches('#').to_ascii_lowercase().replace('-', "");
        if r.len() < 4 || !r.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(no_message(reference));
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE replace(m.id, '-', '') LIKE '%' || ?1 ORDER BY m.created_at DESC LIMIT 2"
        ))?;
        let found: Vec<Message> = stmt.query_map([&r], message_from_row)?.collect::<rusqlite::Result<_>>()?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(no_message(reference)),
            _ => Err(StoreError::conflict(
                format!("flere meldinger passer til «{reference}»; skriv mer av referansen"),
                format!("several messages match '{reference}'; type more of the reference"),
            )),
        }
    }

    /// The messages of a thread, oldest first.
    pub fn thread(&self, thread: Uuid) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.thread_id = ?1 ORDER BY m.created_at, m.id"
        ))?;
        let all = stmt.query_map([thread.to_string()], message_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(all)
    }

    /// Every read receipt here (of every message), oldest first.
    pub fn receipts(&self) -> Result<Vec<Receipt>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT message_id, created_by, org, created_at FROM message_reads ORDER BY created_at, id",
        )?;
        let all = stmt.query_map([], receipt_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(all)
    }

    /// The read receipts of one message, oldest first.
    pub fn receipts_of(&self, message: Uuid) -> Result<Vec<Receipt>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT message_id, created_by, org, created_at FROM message_reads WHERE message_id = ?1
             ORDER BY created_at, id",
        )?;
        let all =
            stmt.query_map([message.to_string()], receipt_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(all)
    }

    /// Say that the stamp's author has read `message` (of organisation `org`); once:
    /// a second time gives the first receipt back and writes nothing. And whether this
    /// one was new.
    pub fn mark_read(&mut self, message: Uuid, org: &str, by: Stamp<'_>) -> Result<(Receipt, bool)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let had: Option<Receipt> = tx
            .prepare_cached(
                "SELECT message_id, created_by, org, created_at FROM message_reads
                 WHERE message_id = ?1 AND created_by = ?2 ORDER BY created_at LIMIT 1",
            )?
            .query_row(params![message.to_string(), by.author], receipt_from_row)
            .optional()?;
        if let Some(r) = had {
            return Ok((r, false));
        }
        message_in(&tx, message)?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO message_reads (id, message_id, org, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), message.to_string(), org, by.millis(), by.author],
        )?;
        replica::created(&tx, Kind::MessageRead, id, by.who(), by.now)?;
        tx.commit()?;
        Ok((Receipt { message, reader: by.author.to_string(), org: org.to_string(), read_at: by.now }, true))
    }

    /// Urgent messages not written by `reader` that `reader` has no receipt for, newest
    /// first: few, and read on every change the screen sees, so asked for alone
    /// rather than picked out of every message.
    pub fn urgent_unread_by(&self, reader: &str) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} WHERE m.urgent = 1 AND m.created_by <> ?1
               AND NOT EXISTS (SELECT 1 FROM message_reads r WHERE r.message_id = m.id AND r.created_by = ?1)
             ORDER BY m.created_at DESC, m.id DESC"
        ))?;
        let all = stmt.query_map([reader], message_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(all)
    }

    /// Whether `reader` has a receipt for message `id`.
    pub fn has_read(&self, id: Uuid, reader: &str) -> Result<bool> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT 1 FROM message_reads WHERE message_id = ?1 AND created_by = ?2 LIMIT 1",
        )?;
        Ok(stmt.exists(params![id.to_string(), reader])?)
    }

    /// The messages `reader` has a receipt for.
    pub fn read_by(&self, reader: &str) -> Result<std::collections::HashSet<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT message_id FROM message_reads WHERE created_by = ?1")?;
        let rows = stmt.query_map([reader], |r| r.get::<_, String>(0))?;
        let mut out = std::collections::HashSet::new();
        for row in rows {
            out.extend(Uuid::parse_str(&row?).ok());
        }
        Ok(out)
    }

    /// The roster: the organisation's people and their roles (in Norwegian order), and
    /// the other organisations one may write to.
    pub fn roster(&self) -> Result<(Vec<Person>, Vec<String>)> {
        let mut stmt = self.conn.prepare_cached("SELECT kind, name, roles FROM roster")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        let (mut people, mut orgs) = (Vec::new(), Vec::new());
        for row in rows {
            let (kind, name, roles) = row?;
            if kind == "org" {
                orgs.push(name);
            } else {
                people.push((name, crate::domain::board::Audience::from_codes(&roles)));
            }
        }
        people.sort_by_cached_key(|(n, _)| crate::text::sort_key(n));
        orgs.sort_by_cached_key(|n| crate::text::sort_key(n));
        Ok((people, orgs))
    }

    /// Keep the roster the server gave, in place of the one before, with its hash.
    pub fn set_roster(&mut self, people: &[Person], orgs: &[String], hash: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM roster", [])?;
        {
            let mut put =
                tx.prepare_cached("INSERT OR IGNORE INTO roster (kind, name, roles) VALUES (?1, ?2, ?3)")?;
            for (name, roles) in people {
                put.execute(params!["user", name, crate::domain::board::Audience::codes(roles)])?;
            }
            for org in orgs {
                put.execute(params!["org", org, "[]"])?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('roster_hash', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The newest message's time here, in ms (0: none): what a pane watches.
    pub fn newest_message_at(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT max(coalesce((SELECT max(created_at) FROM messages), 0), coalesce((SELECT max(created_at) FROM message_reads), 0))",
            [],
            |r| r.get(0),
        )?)
    }
}

fn message_in(conn: &rusqlite::Connection, id: Uuid) -> Result<Message> {
    conn.prepare_cached(&format!("SELECT {MESSAGE_COLUMNS} WHERE m.id = ?1"))?
        .query_row([id.to_string()], message_from_row)
        .optional()?
        .ok_or_else(|| no_message(&crate::domain::message::reference(id)))
}

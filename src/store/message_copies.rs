//! Copies of messages by SMS and e-mail in the store: the contact linked to a user,
//! and the copies' outbox, kept by the replica the message was written on (as alert
//! deliveries are) and read by the same delivery round.

use super::alerts::{About, Outgoing};
use super::columns::Columns;
use super::register_rows::{contact_from_row, CONTACT_COLUMNS};
use super::{Result, Store};
use crate::domain::alert::{Channel, Delivery};
use crate::domain::contact::Contact;
use crate::domain::message::Addressees;
use crate::domain::message_copy::CopySent;
use crate::domain::time::to_millis;
use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};
use uuid::Uuid;

/// Put a message's copies in the outbox (inside the transaction that sends it).
pub(super) fn queue(
    tx: &Transaction<'_>,
    message: Uuid,
    copies: &[CopySent],
    now: DateTime<Utc>,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO message_deliveries (message_id, person, channel, address, status, note, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for c in copies {
        stmt.execute(params![
            message.to_string(),
            c.person,
            c.channel.name(),
            c.address,
            c.status.name(),
            c.note,
            to_millis(now)
        ])?;
    }
    Ok(())
}

impl Store {
    /// The contacts linked to the user `account`, by number.
    pub fn contacts_of_account(&self, account: &str) -> Result<Vec<Contact>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE account = ?1 AND removed = 0 ORDER BY number"
        ))?;
        let all = stmt.query_map([account], contact_from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(all)
    }

    /// Copies waiting to go, oldest first.
    pub(super) fn copy_outbox(&self, limit: usize) -> Result<Vec<Outgoing>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.id, d.channel, d.address, d.person, m.text, d.attempts, m.id, m.created_by, m.from_org,
                    m.to_users, m.to_roles, m.to_orgs, m.urgent
             FROM message_deliveries d JOIN messages m ON m.id = d.message_id
             WHERE d.status = 'venter' ORDER BY d.id LIMIT ?1",
        )?;
        let rows = stmt.query_map([super::sql_limit(limit)], |r| {
            let mut c = Columns::new(r);
            let (id, channel, address, name, message, attempts) =
                (c.get()?, c.code_or(Channel::App)?, c.get()?, c.get()?, c.get()?, c.get()?);
            let reference = crate::domain::message::reference(c.uuid()?);
            let (author, from_org) = (c.get()?, c.get()?);
            let to = Addressees {
                users: c.with(|s: String| Addressees::from_list(&s))?,
                roles: c.with(|s: String| crate::domain::board::Audience::from_codes(&s))?,
                orgs: c.with(|s: String| Addressees::from_list(&s))?,
            };
            let about =
                About::Copy { reference, author, from_org, to: to.shown_within(80), urgent: c.get()? };
            Ok(Outgoing { id, channel, address, name, message, attempts, about })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Settle one copy: delivered, given up (with why), or still waiting after a failed
    /// attempt.
    pub fn set_copy_delivery(
        &mut self,
        id: i64,
        status: Delivery,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE message_deliveries SET status = ?2, note = ?3, attempts = attempts + 1, updated_at = ?4
             WHERE id = ?1",
            params![id, status.name(), note, to_millis(now)],
        )?;
        Ok(())
    }

    /// The copies of a message and where they stand (only on the replica that sent
    /// them), in the order they were made.
    pub fn copies_of(&self, message: Uuid) -> Result<Vec<CopySent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT person, channel, address, status, note FROM message_deliveries WHERE message_id = ?1
             ORDER BY id",
        )?;
        let rows = stmt.query_map([message.to_string()], |r| {
            let mut c = Columns::new(r);
            Ok(CopySent {
                person: c.get()?,
                channel: c.code_or(Channel::Sms)?,
                address: c.get()?,
                status: c.code_or(Delivery::NotDelivered)?,
                note: c.get()?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

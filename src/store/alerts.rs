//! Alert lists, alerts sent from an incident, answers, escalations, and the outbox of
//! messages on their way. Sending records every recipient and every message in one
//! transaction with its log entry; delivery happens afterwards, from the outbox.

use super::columns::{self, read_row, Columns};
use super::log::{append_in, NewEntryRecord};
use super::numbered::{self, Stamp};
use super::oplog::note;
use super::replica::{self, Who};
use super::{Result, Store, StoreError};
use crate::domain::alert::{
    reached, Ack, Alert, AlertList, Channel, Delivery, Member, Recipient, Sent, NOT_REACHED,
};
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

/// A member to put on a list: a contact (by id) or a user (by name).
#[derive(Debug, Clone)]
pub struct NewMember {
    pub role: String,
    pub contact: Option<Uuid>,
    pub user: Option<String>,
}

/// A recipient as the alert is sent: who, whether alerted now or kept on standby, and
/// the messages to queue.
#[derive(Debug, Clone)]
pub struct Planned {
    pub position: i64,
    pub role: String,
    pub name: String,
    pub contact: Option<Uuid>,
    pub user: Option<String>,
    /// Where they are reached: kept with the recipient, so that any replica can tell.
    pub phone: String,
    pub email: String,
    pub alert_now: bool,
    pub sends: Vec<Sent>,
}

/// A message waiting in the outbox: an alert, or a copy of a message.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Its row in the outbox it is in (`about` says which).
    pub id: i64,
    pub channel: Channel,
    pub address: String,
    /// Whom it goes to.
    pub name: String,
    pub message: String,
    pub attempts: i64,
    pub about: About,
}

/// What an outgoing message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    /// Alert number `alert` of incident number `incident`.
    Alert { incident: i64, alert: i64 },
    /// A copy of a message (by its reference) written by `author` of `from_org` to
    /// `to` (as the message shows its addressees).
    Copy { reference: String, author: String, from_org: String, to: String, urgent: bool },
}

/// An alert waiting for a user's answer, shown in their sitroom at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub incident: i64,
    pub alert: i64,
    pub position: i64,
    pub message: String,
    pub sent_by: String,
    pub sent_at: DateTime<Utc>,
}

fn list_members(tx: &rusqlite::Connection, list_id: &str) -> Result<Vec<Member>> {
    let mut stmt = tx.prepare_cached(
        "SELECT m.position, m.role, coalesce(c.name, m.user_name), m.contact_id, m.user_name
         FROM alert_list_members m LEFT JOIN contacts c ON c.id = m.contact_id
         WHERE m.list_id = ?1 ORDER BY m.position",
    )?;
    let rows = stmt.query_map([list_id], |r| {
        Ok(read_row!(r => Member { position: get, role: get, name: get, contact: maybe_uuid, user: get }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A delivery (channel, address, status, note), from the row's columns at `from`.
fn sent_from(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<Sent> {
    let mut columns = Columns::new(r);
    columns.skip(from);
    Ok(Sent {
        channel: columns.code_or(Channel::App)?,
        address: columns.get()?,
        status: columns.code_or(Delivery::NotDelivered)?,
        note: columns.get()?,
    })
}

fn insert_members(tx: &Transaction<'_>, list_id: &str, members: &[NewMember]) -> Result<()> {
    tx.execute("DELETE FROM alert_list_members WHERE list_id = ?1", [list_id])?;
    for (i, m) in members.iter().enumerate() {
        tx.execute(
            "INSERT INTO alert_list_members (list_id, position, role, contact_id, user_name) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![list_id, i as i64 + 1, m.role, m.contact.map(|c| c.to_string()), m.user],
        )?;
    }
    Ok(())
}

fn insert_sends(tx: &Transaction<'_>, recipient: &str, sends: &[Sent], now: DateTime<Utc>) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO alert_deliveries (recipient_id, channel, address, status, note, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for s in sends {
        stmt.execute(params![
            recipient,
            s.channel.name(),
            s.address,
            s.status.name(),
            s.note,
            to_millis(now)
        ])?;
    }
    Ok(())
}

impl Store {
    pub fn create_alert_list(
        &mut self,
        name: &str,
        scenario: &str,
        escalate_after: i64,
        members: &[NewMember],
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<AlertList> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: bool =
            tx.query_row("SELECT count(*) FROM alert_lists WHERE name = ?1", [name], |r| r.get(0))?;
        if taken {
            return Err(StoreError::conflict(
                format!("det finnes allerede en varslingsliste som heter {name}"),
                format!("there is already an alert list named {name}"),
            ));
        }
        let number = numbered::next_in_register(&tx, "alert_lists")?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO alert_lists (id, number, name, scenario, escalate_after, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id.to_string(), number, name, scenario, escalate_after, to_millis(now), who.author],
        )?;
        insert_members(&tx, &id.to_string(), members)?;
        note(&tx, who, "alert-list", id, "create", now)?;
        tx.commit()?;
        self.alert_list(name)
    }

    /// Replace a list's members (in the order given) and, if given, its waiting time.
    pub fn set_alert_list(
        &mut self,
        name: &str,
        members: Option<&[NewMember]>,
        escalate_after: Option<i64>,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<AlertList> {
        let list = self.alert_list(name)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(m) = members {
            insert_members(&tx, &list.id.to_string(), m)?;
        }
        if let Some(e) = escalate_after {
            tx.execute(
                "UPDATE alert_lists SET escalate_after = ?2 WHERE id = ?1",
                params![list.id.to_string(), e],
            )?;
        }
        note(&tx, who, "alert-list", list.id, "set", now)?;
        tx.commit()?;
        self.alert_list(name)
    }

    pub fn alert_lists(&self) -> Result<Vec<AlertList>> {
        let names: Vec<String> = self
            .conn
            .prepare_cached("SELECT name FROM alert_lists ORDER BY number")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        names.iter().map(|n| self.alert_list(n)).collect()
    }

    /// A list by its name or its number.
    pub fn alert_list(&self, name: &str) -> Result<AlertList> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, number, name, scenario, escalate_after FROM alert_lists
                 WHERE name = ?1 OR CAST(number AS TEXT) = ?1",
            )?
            .query_row([name], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .optional()?;
        let (id, number, name, scenario, escalate_after) = row.ok_or_else(|| {
            StoreError::not_found(
                format!("det finnes ingen varslingsliste {name}"),
                format!("there is no alert list {name}"),
            )
        })?;
        let members = list_members(&self.conn, &id)?;
        Ok(AlertList { id: super::columns::id(&id), number, name, scenario, escalate_after, members })
    }

    /// Record an alert: the alert, every recipient (alerted now or on standby), every
    /// message for the outbox, and the log entry, in one transaction. Returns its number.
    pub fn send_alert(
        &mut self,
        incident: &Incident,
        list: &AlertList,
        message: &str,
        recipients: &[Planned],
        stamp: Stamp<'_>,
        entry: impl FnOnce(i64) -> NewEntryRecord,
    ) -> Result<(i64, LogEntry)> {
        let (who, now) = (stamp.who(), stamp.now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = incident.id.to_string();
        let number = numbered::next_number(&tx, "alerts", incident)?;
        let id = Uuid::now_v7();
        let me = replica::origin(&tx)?;
        tx.execute(
            "INSERT INTO alerts (id, incident_id, number, list, message, escalate_after, sent_at, sent_by, sender)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![id.to_string(), key, number, list.name, message, list.escalate_after, to_millis(now), who.author, me],
        )?;
        replica::created(&tx, Kind::Alert, id, who, now)?;
        for r in recipients {
            let rid = Uuid::now_v7();
            let state = if r.alert_now { reached(&r.sends) } else { "" };
            tx.prepare_cached(
                "INSERT INTO alert_recipients (id, incident_id, alert_id, position, role, name, contact_id, user_name,
                                               phone, email, alerted_at, reached)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                rid.to_string(),
                key,
                id.to_string(),
                r.position,
                r.role,
                r.name,
                r.contact.map(|c| c.to_string()),
                r.user,
                r.phone,
                r.email,
                r.alert_now.then(|| to_millis(now)),
                state
            ])?;
            insert_sends(&tx, &rid.to_string(), &r.sends, now)?;
            replica::created(&tx, Kind::Recipient, rid, who, now)?;
        }
        let logged = append_in(&tx, incident, [entry(number)])?.pop().expect("a new entry is appended");
        tx.commit()?;
        Ok((number, logged))
    }

    fn alert_id(&self, incident: &Incident, number: i64) -> Result<String> {
        self.conn
            .prepare_cached("SELECT id FROM alerts WHERE incident_id = ?1 AND number = ?2")?
            .query_row(params![incident.id.to_string(), number], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("hendelse {} har ingen varsling {number}", incident.number),
                    format!("incident {} has no alert {number}", incident.number),
                )
            })
    }

    pub fn alert(&self, incident: &Incident, number: i64) -> Result<Alert> {
        let id = self.alert_id(incident, number)?;
        let (list, message, escalate_after, sent_at, sent_by) = self.conn.query_row(
            "SELECT a.list, a.message, a.escalate_after, a.sent_at, a.sent_by FROM alerts a WHERE a.id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?, r.get(4)?)),
        )?;
        let mut recipients: Vec<Recipient> = self
            .conn
            .prepare_cached(
                "SELECT id, position, role, name, user_name, alerted_at, ack, ack_at, ack_by, escalated, reached,
                        phone, email
                 FROM alert_recipients WHERE alert_id = ?1 ORDER BY position",
            )?
            .query_map([&id], |r| {
                Ok(read_row!(r => Recipient {
                    id: uuid, position: get, role: get, name: get, user: get, alerted_at: maybe_time,
                    ack: maybe_code, ack_at: maybe_time, ack_by: get, escalated: get, reached: get, phone: get,
                    email: get; sent: Vec::new()
                }))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.recipient_id, d.channel, d.address, d.status, d.note
             FROM alert_deliveries d JOIN alert_recipients r ON r.id = d.recipient_id
             WHERE r.alert_id = ?1 ORDER BY r.position, d.id",
        )?;
        let mut rows = stmt.query([&id])?;
        let index: std::collections::HashMap<Uuid, usize> =
            recipients.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        while let Some(r) = rows.next()? {
            let rid = columns::id(&r.get::<_, String>(0)?);
            let sent = sent_from(r, 1)?;
            if let Some(i) = index.get(&rid) {
                recipients[*i].sent.push(sent);
            }
        }
        Ok(Alert {
            id: super::columns::id(&id),
            incident: incident.number,
            number,
            list,
            message,
            escalate_after,
            sent_at: from_millis(sent_at),
            sent_by,
            recipients,
        })
    }

    pub fn alerts(&self, incident: &Incident) -> Result<Vec<Alert>> {
        let numbers: Vec<i64> = self
            .conn
            .prepare_cached("SELECT number FROM alerts WHERE incident_id = ?1 ORDER BY number")?
            .query_map([incident.id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        numbers.into_iter().map(|n| self.alert(incident, n)).collect()
    }

    /// Record an answer (and its log entry).
    pub fn record_ack(
        &mut self,
        incident: &Incident,
        number: i64,
        position: i64,
        ack: Ack,
        stamp: Stamp<'_>,
        entry: NewEntryRecord,
    ) -> Result<LogEntry> {
        let (who, now) = (stamp.who(), stamp.now);
        let by = stamp.author;
        let id = self.alert_id(incident, number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rid: Option<String> = tx
            .query_row(
                "SELECT id FROM alert_recipients WHERE alert_id = ?1 AND position = ?2 AND alerted_at IS NOT NULL",
                params![id, position],
                |r| r.get(0),
            )
            .optional()?;
        let rid = rid.ok_or_else(|| {
            StoreError::not_found(
                format!("ingen på plass {position} er varslet i varsling {number}"),
                format!("no one at place {position} has been alerted in alert {number}"),
            )
        })?;
        tx.execute(
            "UPDATE alert_recipients SET ack = ?2, ack_at = ?3, ack_by = ?4 WHERE id = ?1",
            params![rid, ack.name(), to_millis(now), by],
        )?;
        let rid = super::columns::id(&rid);
        replica::changed(&tx, Kind::Recipient, rid, &["ack", "ack_at", "ack_by"], who, now)?;
        let logged = append_in(&tx, incident, [entry])?.pop().expect("a new entry is appended");
        tx.commit()?;
        Ok(logged)
    }

    /// Alert the next of a role in place of one who did not answer or cannot come.
    pub fn escalate_alert(
        &mut self,
        incident: &Incident,
        number: i64,
        (from, to): (i64, i64),
        sends: &[Sent],
        stamp: Stamp<'_>,
        entry: NewEntryRecord,
    ) -> Result<LogEntry> {
        let (who, now) = (stamp.who(), stamp.now);
        let id = self.alert_id(incident, number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<(String, i64, i64)> = tx
            .prepare(
                "SELECT id, position, escalated FROM alert_recipients
                 WHERE alert_id = ?1 AND ((position = ?2 AND escalated = 0) OR (position = ?3 AND alerted_at IS NULL))",
            )?
            .query_map(params![id, from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let (Some(before), Some(next)) =
            (ids.iter().find(|(_, p, _)| *p == from), ids.iter().find(|(_, p, _)| *p == to))
        else {
            // Escalated a moment ago by another sitroom on this database: nothing to do.
            return Err(StoreError::conflict(
                format!("varsling {number} er allerede eskalert der"),
                format!("alert {number} has already been escalated there"),
            ));
        };
        let (before, next) = (before.0.clone(), next.0.clone());
        tx.execute("UPDATE alert_recipients SET escalated = 1 WHERE id = ?1", [&before])?;
        tx.execute(
            "UPDATE alert_recipients SET alerted_at = ?2, reached = ?3 WHERE id = ?1",
            params![next, to_millis(now), reached(sends)],
        )?;
        insert_sends(&tx, &next, sends, now)?;
        let uuid = |s: &str| Uuid::parse_str(s).unwrap_or_default();
        replica::changed(&tx, Kind::Recipient, uuid(&before), &["escalated"], who, now)?;
        replica::changed(&tx, Kind::Recipient, uuid(&next), &["alerted_at", "reached"], who, now)?;
        let logged = append_in(&tx, incident, [entry])?.pop().expect("a new entry is appended");
        tx.commit()?;
        Ok(logged)
    }

    /// Messages waiting to go, oldest first: alerts, then copies of messages.
    pub fn outbox(&self, limit: usize) -> Result<Vec<Outgoing>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.id, d.channel, d.address, r.name, a.message, i.number, a.number, d.attempts
             FROM alert_deliveries d
             JOIN alert_recipients r ON r.id = d.recipient_id
             JOIN alerts a ON a.id = r.alert_id
             JOIN incidents i ON i.id = a.incident_id
             WHERE d.status = 'venter' ORDER BY d.id LIMIT ?1",
        )?;
        let rows = stmt.query_map([super::sql_limit(limit)], |r| {
            let mut c = Columns::new(r);
            let (id, channel, address, name, message) =
                (c.get()?, c.code_or(Channel::App)?, c.get()?, c.get()?, c.get()?);
            let about = About::Alert { incident: c.get()?, alert: c.get()? };
            Ok(Outgoing { id, channel, address, name, message, attempts: c.get()?, about })
        })?;
        let mut out: Vec<Outgoing> = rows.collect::<rusqlite::Result<_>>()?;
        // Alerts first: a copy of a message can wait for them.
        if out.len() < limit {
            out.extend(self.copy_outbox(limit - out.len())?);
        }
        Ok(out)
    }

    /// Settle one message: delivered, given up (with why), or still waiting after a
    /// failed attempt. When that changes whether its recipient was reached, the
    /// recipient's `reached` changes too, so every replica sees it.
    pub fn set_delivery(&mut self, id: i64, status: Delivery, note: &str, now: DateTime<Utc>) -> Result<()> {
        let (incident_id, alert_number, name, role): (String, i64, String, String) = self.conn.query_row(
            "SELECT a.incident_id, a.number, r.name, r.role FROM alert_deliveries d
             JOIN alert_recipients r ON r.id = d.recipient_id JOIN alerts a ON a.id = r.alert_id WHERE d.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let incident = self.incident_by_id(super::columns::id(&incident_id))?.ok_or_else(|| {
            StoreError::not_found(
                format!("hendelsen til utsending {id} finnes ikke lenger"),
                format!("the incident of delivery {id} is gone"),
            )
        })?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE alert_deliveries SET status = ?2, note = ?3, attempts = attempts + 1, updated_at = ?4 WHERE id = ?1",
            params![id, status.name(), note, to_millis(now)],
        )?;
        // The change is the sender's, made on the device the alert was sent from (what
        // the server's session for it knows).
        let (rid, was, sent_by, sent_on): (String, String, String, Option<String>) = tx.query_row(
            "SELECT r.id, r.reached, a.sent_by, (SELECT device FROM oplog WHERE op_id = a.id)
             FROM alert_deliveries d
             JOIN alert_recipients r ON r.id = d.recipient_id JOIN alerts a ON a.id = r.alert_id WHERE d.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let sends: Vec<Sent> = tx
            .prepare_cached(
                "SELECT channel, address, status, note FROM alert_deliveries WHERE recipient_id = ?1",
            )?
            .query_map([&rid], |r| sent_from(r, 0))?
            .collect::<rusqlite::Result<_>>()?;
        let now_reached = reached(&sends);
        if now_reached != was {
            tx.execute("UPDATE alert_recipients SET reached = ?2 WHERE id = ?1", params![rid, now_reached])?;
            let device = match sent_on {
                Some(d) => d,
                None => replica::origin(&tx)?,
            };
            let who = Who { author: &sent_by, device: &device };
            replica::changed(&tx, Kind::Recipient, super::columns::id(&rid), &["reached"], who, now)?;
            // Someone the alert could not reach is something the staff must know.
            if now_reached == NOT_REACHED {
                let why: Vec<String> =
                    sends.iter().map(|s| format!("{} {}: {}", s.channel.name(), s.address, s.note)).collect();
                let text =
                    format!("Varsling {alert_number}: {name} ({role}) ble ikke nådd ({})", why.join("; "));
                let entry = NewEntryRecord {
                    id: Uuid::now_v7(),
                    text,
                    author: sent_by.clone(),
                    device: device.clone(),
                    reported_at: now,
                    recorded_at: now,
                    kind: crate::domain::EntryKind::Auto,
                    tags: vec!["varsling".into()],
                    mentions: vec![],
                    significant: false,
                    corrects: None,
                };
                append_in(&tx, &incident, [entry])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Alerts sent to this user that they have not answered, newest first.
    pub fn waiting_alerts(&self, user: &str) -> Result<Vec<Waiting>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.number, a.number, r.position, a.message, a.sent_by, coalesce(r.alerted_at, a.sent_at)
             FROM alert_recipients r
             JOIN alerts a ON a.id = r.alert_id
             JOIN incidents i ON i.id = a.incident_id
             WHERE r.user_name = ?1 AND r.alerted_at IS NOT NULL AND r.ack IS NULL AND i.status = 'open'
             ORDER BY r.alerted_at DESC",
        )?;
        let rows = stmt.query_map([user], |r| {
            Ok(read_row!(r => Waiting {
                incident: get, alert: get, position: get, message: get, sent_by: get, sent_at: time,
            }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Open incidents' alerts where someone is due to be replaced at `now`: alerted,
    /// not replaced yet, and unable to come, not reached, or unanswered past the list's
    /// time, with someone of the same role still to alert. The same rule as
    /// `Alert::escalations`, asked of the database first, so that the TUI's periodic
    /// check does not load a 2,000-recipient alert every two seconds for nothing. Only
    /// alerts sent from this replica: the sender escalates (and sends), so no one is
    /// alerted twice.
    pub fn alerts_due(&self, now: DateTime<Utc>) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT i.number, a.number FROM alerts a
             JOIN incidents i ON i.id = a.incident_id
             JOIN alert_recipients r ON r.alert_id = a.id
             WHERE i.status = 'open' AND r.alerted_at IS NOT NULL AND r.escalated = 0
               AND a.sender = (SELECT value FROM meta WHERE key = 'device_id')
               AND (r.ack = 'kan ikke'
                    OR (r.ack IS NULL AND (r.reached = 'ikke levert'
                                           OR r.alerted_at <= ?1 - max(a.escalate_after, 0) * 60000)))
               AND EXISTS (SELECT 1 FROM alert_recipients n
                           WHERE n.alert_id = a.id AND n.role = r.role AND n.position > r.position
                             AND n.alerted_at IS NULL)",
        )?;
        let rows = stmt.query_map([to_millis(now)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EntryKind, NewIncident, Severity};

    #[test]
    fn an_alert_is_due_for_escalation_only_when_the_domain_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let who = Who { author: "kari", device: "pc" };
        let new = NewIncident {
            title: "Flom".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        };
        let incident = store.create_incident(&new, "kari", "pc", t0).unwrap();
        let list = store.create_alert_list("Stab", "", 15, &[], who, t0).unwrap();
        let planned = |position: i64, role: &str, alert_now: bool| Planned {
            position,
            role: role.into(),
            name: format!("p{position}"),
            contact: None,
            user: Some(format!("u{position}")),
            phone: String::new(),
            email: String::new(),
            alert_now,
            sends: vec![Sent {
                channel: Channel::App,
                address: format!("u{position}"),
                status: Delivery::Delivered,
                note: String::new(),
            }],
        };
        let recipients = [planned(1, "leder", true), planned(2, "leder", false), planned(3, "komm", true)];
        let entry = |_| NewEntryRecord {
            id: Uuid::now_v7(),
            text: "Varsling".into(),
            author: "kari".into(),
            device: "pc".into(),
            reported_at: t0,
            recorded_at: t0,
            kind: EntryKind::Auto,
            tags: vec![],
            mentions: vec![],
            significant: false,
            corrects: None,
        };
        store
            .send_alert(
                &incident,
                &list,
                "Møt",
                &recipients,
                Stamp { author: "kari", device: "pc", now: t0 },
                entry,
            )
            .unwrap();
        let minutes = |m| t0 + chrono::Duration::minutes(m);
        assert!(store.alerts_due(minutes(14)).unwrap().is_empty(), "not yet");
        assert_eq!(store.alerts_due(minutes(15)).unwrap(), [(1, 1)], "the leader's time is up");
        // "komm" has no one after: never due, however long it waits.
        let alert = store.alert(&incident, 1).unwrap();
        assert_eq!(alert.escalations(minutes(60)), [(1, 2)], "the domain agrees");
    }
}

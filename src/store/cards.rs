//! Action cards in the store, and activating one: its items become tasks of the
//! incident, all in one transaction with the log entry that says so.

use super::columns::read_row;
use super::log::{append_in, NewEntryRecord};
use super::oplog::note;
use super::replica::Who;
use super::tasks::insert_task;
use super::{Result, Store, StoreError};
use crate::domain::card::{Card, CardItem};
use crate::domain::task::{NewTask, Priority, Task};
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

/// A card as stored: the card, where it came from, and when it was last activated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredCard {
    #[serde(flatten)]
    pub card: Card,
    /// `innebygd` for a shipped card, else the file it was read from.
    pub source: String,
    #[serde(with = "crate::domain::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Store a card, replacing one of the same name. Returns whether it was new.
    pub fn save_card(&mut self, card: &Card, source: &str, who: Who<'_>, now: DateTime<Utc>) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let old: Option<String> =
            tx.query_row("SELECT id FROM cards WHERE name = ?1", [&card.name], |r| r.get(0)).optional()?;
        let id = match &old {
            Some(id) => {
                tx.execute(
                    "UPDATE cards SET title = ?2, scenario = ?3, about = ?4, source = ?5, updated_at = ?6 WHERE id = ?1",
                    params![id, card.title, card.scenario, card.about, source, to_millis(now)],
                )?;
                tx.execute("DELETE FROM card_items WHERE card_id = ?1", [id])?;
                id.clone()
            }
            None => {
                let id = Uuid::now_v7().to_string();
                tx.execute(
                    "INSERT INTO cards (id, name, title, scenario, about, source, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![id, card.name, card.title, card.scenario, card.about, source, to_millis(now)],
                )?;
                id
            }
        };
        for (i, item) in card.items.iter().enumerate() {
            tx.execute(
                "INSERT INTO card_items (card_id, position, text, role, assignee, priority, due_in)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    i as i64 + 1,
                    item.text,
                    item.role,
                    item.assignee,
                    item.priority.name(),
                    item.due_in
                ],
            )?;
        }
        note(&tx, who, "card", super::columns::id(&id), if old.is_some() { "set" } else { "create" }, now)?;
        tx.commit()?;
        Ok(old.is_none())
    }

    pub fn card_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM cards", [], |r| r.get(0))?)
    }

    pub fn cards(&self) -> Result<Vec<StoredCard>> {
        let names: Vec<String> = self
            .conn
            .prepare_cached("SELECT name FROM cards")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut cards = names.iter().map(|n| self.card(n)).collect::<Result<Vec<_>>>()?;
        cards.sort_by_cached_key(|c| crate::text::sort_key(&c.card.title));
        Ok(cards)
    }

    pub fn card(&self, name: &str) -> Result<StoredCard> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, name, title, scenario, about, source, updated_at FROM cards WHERE name = ?1",
            )?
            .query_row([name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })
            .optional()?;
        let (id, name, title, scenario, about, source, updated) = row.ok_or_else(|| {
            StoreError::not_found(
                format!("det finnes ikke noe tiltakskort {name}"),
                format!("there is no action card {name}"),
            )
        })?;
        let items = self
            .conn
            .prepare_cached(
                "SELECT text, role, assignee, priority, due_in FROM card_items WHERE card_id = ?1 ORDER BY position",
            )?
            .query_map([&id], |r| {
                Ok(read_row!(r => CardItem {
                    text: get, role: get, assignee: get, priority: code_or(Priority::default()), due_in: get,
                }))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(StoredCard {
            card: Card { name, title, scenario, about, items },
            source,
            updated_at: from_millis(updated),
        })
    }

    /// When the card was last activated in this incident, if it was.
    pub fn card_activated(&self, name: &str, incident: &Incident) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT max(a.at) FROM card_activations a JOIN cards c ON c.id = a.card_id
                 WHERE c.name = ?1 AND a.incident_id = ?2",
            )?
            .query_row(params![name, incident.id.to_string()], |r| r.get::<_, Option<i64>>(0))?
            .map(from_millis))
    }

    /// Activate a card: one task per item (made by `task`), the activation, and the log
    /// entry (made by `entry` from the tasks), in one transaction.
    pub fn activate_card(
        &mut self,
        incident: &Incident,
        name: &str,
        tasks: &[NewTask],
        who: Who<'_>,
        now: DateTime<Utc>,
        entry: impl FnOnce(&[Task]) -> NewEntryRecord,
    ) -> Result<(Vec<Task>, LogEntry)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let card_id: String = tx
            .query_row("SELECT id FROM cards WHERE name = ?1", [name], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("det finnes ikke noe tiltakskort {name}"),
                    format!("there is no action card {name}"),
                )
            })?;
        let made =
            tasks.iter().map(|t| insert_task(&tx, incident, t, who, now)).collect::<Result<Vec<_>>>()?;
        let numbers: Vec<String> = made.iter().map(|t| t.number.to_string()).collect();
        tx.execute(
            "INSERT INTO card_activations (card_id, incident_id, at, by, tasks) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![card_id, incident.id.to_string(), to_millis(now), who.author, numbers.join(" ")],
        )?;
        let logged = append_in(&tx, incident, [entry(&made)])?.pop().expect("a new entry is appended");
        tx.commit()?;
        Ok((made, logged))
    }
}

//! Tasks in the store. Every change is written together with the automatic log entry
//! that records it, in one transaction: the log never misses a task change, and never
//! records one that did not happen.

use super::columns::{id, read_row};
use super::log::append_in;
use super::log::NewEntryRecord;
use super::numbered::{self, next_number, Change, Numbered, Stamp};
use super::replica;
use super::replica::Who;
use super::{Result, Store, StoreError};
use crate::domain::task::{NewTask, Priority, Task, TaskStatus};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use uuid::Uuid;

/// Insert a task and its create op; the caller logs it and commits. Tasks made from an
/// action card or a ROS measure come through here too, several in one transaction.
pub(super) fn insert_task(
    tx: &Transaction<'_>,
    incident: &Incident,
    new: &NewTask,
    who: Who<'_>,
    now: DateTime<Utc>,
) -> Result<Task> {
    let key = incident.id.to_string();
    let number = next_number(tx, "tasks", incident)?;
    let id = Uuid::now_v7();
    tx.prepare_cached(
        "INSERT INTO tasks (id, incident_id, number, title, description, assignee, priority, due, status,
                            created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'ny', ?9, ?10, ?9)",
    )?
    .execute(params![
        id.to_string(),
        key,
        number,
        new.title,
        new.description,
        new.assignee,
        new.priority.name(),
        new.due.map(to_millis),
        to_millis(now),
        who.author
    ])?;
    for e in &new.from_entries {
        let owner: Option<String> = tx
            .query_row("SELECT incident_id FROM log_entries WHERE id = ?1", [e.to_string()], |r| r.get(0))
            .optional()?;
        if owner.as_deref() != Some(key.as_str()) {
            let n = incident.number;
            return Err(StoreError::not_found(
                format!("loggføring {e} er ikke i hendelse {n}"),
                format!("log entry {e} is not in incident {n}"),
            ));
        }
        tx.execute(
            "INSERT INTO task_links (task_id, entry_id) VALUES (?1, ?2)",
            params![id.to_string(), e.to_string()],
        )?;
    }
    replica::created(tx, Kind::Task, id, who, now)?;
    numbered::read::<Task>(tx, id)
}

/// A change to a task's mutable fields.
#[derive(Debug, Clone)]
pub enum TaskChange {
    Status(TaskStatus),
    Assignee(Option<String>),
    Due(Option<chrono::DateTime<chrono::Utc>>),
    Priority(Priority),
    Description(String),
}

impl Store {
    /// Create a task and its automatic log entry (made by `entry` from the new task).
    pub fn create_task(
        &mut self,
        incident: &Incident,
        new: &NewTask,
        by: Stamp<'_>,
        entry: impl FnOnce(&Task) -> NewEntryRecord,
    ) -> Result<(Task, LogEntry)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let task = insert_task(&tx, incident, new, by.who(), by.now)?;
        let logged = append_in(&tx, incident, [entry(&task)])?.pop().expect("a new entry is appended");
        tx.commit()?;
        Ok((task, logged))
    }

    pub fn tasks(&self, incident: &Incident) -> Result<Vec<Task>> {
        numbered::all(&self.conn, incident)
    }

    /// The incident's open tasks past their deadline at `now`, the longest overdue
    /// first, at most `limit`: what a wall display shows, without loading every task.
    pub fn overdue_tasks(&self, incident: &Incident, now: DateTime<Utc>, limit: usize) -> Result<Vec<Task>> {
        numbered::query(
            &self.conn,
            "t.incident_id = ?1 AND t.status IN ('ny', 'pågår') AND t.due IS NOT NULL AND t.due < ?2
             ORDER BY t.due LIMIT ?3",
            params![incident.id.to_string(), to_millis(now), crate::store::sql_limit(limit)],
        )
    }

    /// The incident's open tasks no one has been given, the most urgent first, at most
    /// `limit`.
    pub fn unassigned_tasks(&self, incident: &Incident, limit: usize) -> Result<Vec<Task>> {
        numbered::query(
            &self.conn,
            "t.incident_id = ?1 AND t.status IN ('ny', 'pågår') AND (t.assignee IS NULL OR t.assignee = '')
             ORDER BY CASE t.priority WHEN 'kritisk' THEN 0 WHEN 'høy' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                      coalesce(t.due, 9223372036854775807), t.number
             LIMIT ?2",
            params![incident.id.to_string(), crate::store::sql_limit(limit)],
        )
    }

    pub fn task(&self, incident: &Incident, number: i64) -> Result<Task> {
        numbered::by_number(&self.conn, incident, number)
    }

    /// Change a task and log it, in one transaction. `check` sees the task as it is in
    /// the database at that moment and may refuse the change.
    pub fn change_task(
        &mut self,
        incident: &Incident,
        number: i64,
        change: &TaskChange,
        by: Stamp<'_>,
        check: impl FnOnce(&Task) -> std::result::Result<(), String>,
        entry: impl FnOnce(&Task, &Task) -> NewEntryRecord,
    ) -> Result<(Task, LogEntry)> {
        let write = |tx: &Transaction<'_>, t: &Task| {
            let (sql, value, fields): (_, _, &'static [&'static str]) = match change {
                TaskChange::Status(s) => (
                    "UPDATE tasks SET status = ?1, updated_at = ?2 WHERE id = ?3",
                    Some(s.name().to_string()),
                    &["status"],
                ),
                TaskChange::Assignee(a) => (
                    "UPDATE tasks SET assignee = ?1, updated_at = ?2 WHERE id = ?3",
                    a.clone(),
                    &["assignee"],
                ),
                TaskChange::Priority(p) => (
                    "UPDATE tasks SET priority = ?1, updated_at = ?2 WHERE id = ?3",
                    Some(p.name().to_string()),
                    &["priority"],
                ),
                TaskChange::Description(d) => (
                    "UPDATE tasks SET description = ?1, updated_at = ?2 WHERE id = ?3",
                    Some(d.clone()),
                    &["description"],
                ),
                TaskChange::Due(d) => {
                    let millis = d.map(|d| d.timestamp_millis());
                    tx.execute(
                        "UPDATE tasks SET due = ?1, updated_at = ?2 WHERE id = ?3",
                        params![millis, by.millis(), t.id.to_string()],
                    )?;
                    return Ok(Change::Set(t.id, &["due"]));
                }
            };
            tx.execute(sql, params![value, by.millis(), t.id.to_string()])?;
            Ok(Change::Set(t.id, fields))
        };
        numbered::change(&mut self.conn, incident, number, by, check, write, entry)
    }
}

impl Numbered for Task {
    const TABLE: &'static str = "tasks";
    const KIND: Kind = Kind::Task;
    const COLUMNS: &'static str =
        "t.id, i.number, t.number, t.title, t.description, t.assignee, t.priority, t.due, t.status, \
     t.created_at, t.created_by, t.updated_at, \
     (SELECT group_concat(entry_id, ' ') FROM task_links l WHERE l.task_id = t.id)";
    const ALIAS: &'static str = "t";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(read_row!(r => Task {
            id: uuid, incident: get, number: get, title: get, description: get, assignee: get,
            priority: code_or(Priority::default()), due: maybe_time, status: code_or(TaskStatus::New),
            created_at: time, created_by: get, updated_at: time,
            from_entries: with(|ids: Option<String>| ids.unwrap_or_default().split_whitespace().map(id).collect()),
        }))
    }
}

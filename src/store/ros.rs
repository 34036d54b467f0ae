//! The ROS register: unwanted events and their measures; a measure can become a task of
//! an incident, tracked like any other.

use super::columns::read_row;
use super::log::{append_in, NewEntryRecord};
use super::numbered::{self, Stamp};
use super::oplog::note;
use super::replica::Who;
use super::tasks::insert_task;
use super::{Result, Store, StoreError};
use crate::domain::ros::{Measure, RosEvent};
use crate::domain::task::{NewTask, Task};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct NewRosEvent {
    pub title: String,
    pub description: String,
    pub likelihood: u8,
    pub consequence: u8,
    pub vulnerabilities: String,
}

#[derive(Debug, Clone, Default)]
pub struct NewMeasure {
    pub text: String,
    pub existing: bool,
    pub owner: Option<String>,
    pub due: Option<DateTime<Utc>>,
}

/// The error for a missing ROS event.
pub(super) fn no_event(number: i64) -> StoreError {
    StoreError::not_found(
        format!("ROS-registeret har ingen hendelse {number}"),
        format!("the ROS register has no event {number}"),
    )
}

impl Store {
    fn ros_id(&self, number: i64) -> Result<String> {
        numbered::id_in_register(&self.conn, "ros_events", number, || no_event(number))
    }

    pub fn add_ros_event(&mut self, e: &NewRosEvent, who: Who<'_>, now: DateTime<Utc>) -> Result<RosEvent> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number = numbered::next_in_register(&tx, "ros_events")?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO ros_events (id, number, title, description, likelihood, consequence, vulnerabilities,
                                     created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
            params![id.to_string(), number, e.title, e.description, e.likelihood, e.consequence, e.vulnerabilities, to_millis(now), who.author],
        )?;
        note(&tx, who, "ros", id, "create", now)?;
        tx.commit()?;
        self.ros_event(number)
    }

    /// Score an event again.
    pub fn score_ros_event(
        &mut self,
        number: i64,
        likelihood: u8,
        consequence: u8,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<RosEvent> {
        let id = self.ros_id(number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE ros_events SET likelihood = ?2, consequence = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, likelihood, consequence, to_millis(now)],
        )?;
        note(&tx, who, "ros", super::columns::id(&id), "set", now)?;
        tx.commit()?;
        self.ros_event(number)
    }

    pub fn add_measure(
        &mut self,
        event: i64,
        m: &NewMeasure,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<RosEvent> {
        let id = self.ros_id(event)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number: i64 = tx.query_row(
            "SELECT coalesce(max(number), 0) + 1 FROM ros_measures WHERE event_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO ros_measures (id, event_id, number, text, existing, owner, due, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![Uuid::now_v7().to_string(), id, number, m.text, m.existing, m.owner, m.due.map(to_millis), to_millis(now), who.author],
        )?;
        note(&tx, who, "ros", super::columns::id(&id), "measure", now)?;
        tx.commit()?;
        self.ros_event(event)
    }

    /// Make a measure a task of the incident, linked both ways, and log it.
    pub fn measure_to_task(
        &mut self,
        incident: &Incident,
        event: i64,
        measure: i64,
        task: &NewTask,
        stamp: Stamp<'_>,
        entry: impl FnOnce(&Task) -> NewEntryRecord,
    ) -> Result<(Task, LogEntry)> {
        let (who, now) = (stamp.who(), stamp.now);
        let id = self.ros_id(event)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT id, task_id FROM ros_measures WHERE event_id = ?1 AND number = ?2",
                params![id, measure],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (mid, existing) = row.ok_or_else(|| {
            StoreError::not_found(
                format!("ROS-hendelse {event} har ikke tiltak {measure}"),
                format!("ROS event {event} has no measure {measure}"),
            )
        })?;
        if existing.is_some() {
            return Err(StoreError::conflict(
                format!("tiltak {event}.{measure} er allerede en oppgave"),
                format!("measure {event}.{measure} is already a task"),
            ));
        }
        let t = insert_task(&tx, incident, task, who, now)?;
        tx.execute(
            "UPDATE ros_measures SET task_id = ?2, owner = coalesce(?3, owner), due = coalesce(?4, due) WHERE id = ?1",
            params![mid, t.id.to_string(), task.assignee, task.due.map(to_millis)],
        )?;
        note(&tx, who, "ros", super::columns::id(&id), "task", now)?;
        let logged = append_in(&tx, incident, [entry(&t)])?.pop().expect("a new entry is appended");
        tx.commit()?;
        Ok((t, logged))
    }

    pub fn ros_event(&self, number: i64) -> Result<RosEvent> {
        self.ros_events()?.into_iter().find(|e| e.number == number).ok_or_else(|| {
            StoreError::not_found(
                format!("ROS-registeret har ingen hendelse {number}"),
                format!("the ROS register has no event {number}"),
            )
        })
    }

    /// The register, highest risk first.
    pub fn ros_events(&self) -> Result<Vec<RosEvent>> {
        let mut measures: std::collections::HashMap<String, Vec<Measure>> = Default::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.number, m.text, m.existing, m.owner, m.due, i.number || '/' || t.number, m.event_id
             FROM ros_measures m LEFT JOIN tasks t ON t.id = m.task_id LEFT JOIN incidents i ON i.id = t.incident_id
             ORDER BY m.number",
        )?;
        let rows = stmt.query_map([], |r| {
            let event: String = r.get(7)?;
            let measure = read_row!(r => Measure {
                id: uuid, number: get, text: get, existing: get, owner: get, due: maybe_time, task: get,
            });
            Ok((event, measure))
        })?;
        for row in rows {
            let (event, m) = row?;
            measures.entry(event).or_default().push(m);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, number, title, description, likelihood, consequence, vulnerabilities FROM ros_events",
        )?;
        let rows = stmt.query_map([], |r| {
            let measures = measures.remove(&r.get::<_, String>(0)?).unwrap_or_default();
            Ok(read_row!(r => RosEvent {
                id: uuid, number: get, title: get, description: get, likelihood: get, consequence: get,
                vulnerabilities: get; measures
            }))
        })?;
        let mut all: Vec<RosEvent> = rows.collect::<rusqlite::Result<_>>()?;
        all.sort_by_key(|e| (std::cmp::Reverse(e.score()), std::cmp::Reverse(e.consequence), e.number));
        Ok(all)
    }
}

//! Evaluation points of an incident or exercise.

use super::columns::read_row;
use super::log::{append_in, NewEntryRecord};
use super::numbered::{self, Stamp};
use super::oplog::note;
use super::plans::no_plan;
use super::ros::no_event;
use super::tasks::insert_task;
use super::{Result, Store};
use crate::domain::evaluation::{NewPoint, Point, PointKind};
use crate::domain::task::{NewTask, Task};
use crate::domain::time::to_millis;
use crate::domain::{Incident, LogEntry};
use rusqlite::{params, TransactionBehavior};
use uuid::Uuid;

impl Store {
    /// Add a point, linked to a plan and a ROS event by number if given; optionally
    /// with the task that follows it up. One transaction with its log entry.
    pub fn add_evaluation_point(
        &mut self,
        incident: &Incident,
        new: &NewPoint,
        task: Option<&NewTask>,
        by: Stamp<'_>,
        entry: impl FnOnce(i64, Option<&Task>) -> NewEntryRecord,
    ) -> Result<(Point, LogEntry)> {
        let NewPoint { kind, text, plan, ros } = new;
        let (who, now) = (by.who(), by.now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let plan_id = plan.map(|n| numbered::id_in_register(&tx, "plans", n, || no_plan(n))).transpose()?;
        let ros_id =
            ros.map(|n| numbered::id_in_register(&tx, "ros_events", n, || no_event(n))).transpose()?;
        let made = task.map(|t| insert_task(&tx, incident, t, who, now)).transpose()?;
        let number = numbered::next_number(&tx, "evaluation_points", incident)?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO evaluation_points (id, incident_id, number, kind, text, task_id, plan_id, ros_id, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id.to_string(),
                incident.id.to_string(),
                number,
                kind.name(),
                text,
                made.as_ref().map(|t| t.id.to_string()),
                plan_id,
                ros_id,
                to_millis(now),
                who.author
            ],
        )?;
        note(&tx, who, "evaluation", id, "create", now)?;
        let logged =
            append_in(&tx, incident, [entry(number, made.as_ref())])?.pop().expect("a new entry is appended");
        tx.commit()?;
        let point = self.evaluation(incident)?.into_iter().find(|p| p.id == id).expect("just added");
        Ok((point, logged))
    }

    pub fn evaluation(&self, incident: &Incident) -> Result<Vec<Point>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, e.number, e.kind, e.text, t.number, p.number, r.number, e.created_by
             FROM evaluation_points e
             LEFT JOIN tasks t ON t.id = e.task_id
             LEFT JOIN plans p ON p.id = e.plan_id
             LEFT JOIN ros_events r ON r.id = e.ros_id
             WHERE e.incident_id = ?1 ORDER BY e.kind, e.number",
        )?;
        let rows = stmt.query_map([incident.id.to_string()], |r| {
            Ok(read_row!(r => Point {
                id: uuid, number: get, kind: code_or(PointKind::Improve), text: get, task: get, plan: get,
                ros: get, created_by: get,
            }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

//! The incident as it stood at a chosen time (etterprøvbarhet), rebuilt from the
//! stored history rather than guessed: every change is an op in the oplog, stamped
//! with when it was made. A record existed at `t` if its create op was made by then;
//! each changeable field holds the value of the newest op on it made by then.
//! Times are those of the change itself, on whichever machine it was made (a change
//! made offline counts from when it was made, not when it arrived here).

use super::{Result, Store};
use crate::domain::report::{Report, ReportStatus};
use crate::domain::task::{Task, TaskStatus};
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// What the staff could see at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct AsOf {
    #[serde(with = "crate::domain::time::serde_ms")]
    pub at: DateTime<Utc>,
    /// The log as it was: entries recorded by then (significant marks as they were).
    pub log: Vec<LogEntry>,
    /// The task board: tasks made by then, with the status and assignee they had.
    pub tasks: Vec<Task>,
    /// The newest situation report approved by then, as it was approved.
    pub sitrep: Option<Report>,
}

/// A record's fields as they stood, and when it last changed by then.
type Then = (Map<String, Value>, DateTime<Utc>);

impl Store {
    /// Each record of `entity` in the incident, as its fields stood at `at`: the create
    /// op's fields with every later change made by then laid over them in clock order.
    /// A record created after `at` is absent. With each, when it last changed by then.
    fn fields_at(&self, incident: &Incident, entity: &str, at: DateTime<Utc>) -> Result<HashMap<Uuid, Then>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity_id, action, payload, at FROM oplog
             WHERE incident_id = ?1 AND entity = ?2 AND at <= ?3 ORDER BY hlc, seq",
        )?;
        let mut rows = stmt.query(params![incident.id.to_string(), entity, to_millis(at)])?;
        let mut out: HashMap<Uuid, Then> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (id, action, payload): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let changed = from_millis(r.get(3)?);
            let Ok(id) = Uuid::parse_str(&id) else { continue };
            let fields = match serde_json::from_str::<Value>(&payload) {
                Ok(Value::Object(mut o)) => match o.remove("f") {
                    Some(Value::Object(f)) => f,
                    _ => Map::new(),
                },
                _ => Map::new(),
            };
            if action == "create" {
                let known = out.entry(id).or_insert_with(|| (Map::new(), changed));
                known.0.extend(fields);
                known.1 = known.1.max(changed);
            } else if let Some(known) = out.get_mut(&id) {
                known.0.extend(fields);
                known.1 = known.1.max(changed);
            }
        }
        Ok(out)
    }

    /// The log entries that existed at `at`, each with its significant mark as it was
    /// then. The log is the largest history there is (100,000 entries), so only the
    /// one field is read from each op, by SQLite.
    fn significance_at(&self, incident: &Incident, at: DateTime<Utc>) -> Result<HashMap<Uuid, bool>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity_id, action, json_extract(payload, '$.f.significant') FROM oplog
             WHERE incident_id = ?1 AND entity = 'log_entry' AND at <= ?2 ORDER BY hlc, seq",
        )?;
        let mut rows = stmt.query(params![incident.id.to_string(), to_millis(at)])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let (id, action): (String, String) = (r.get(0)?, r.get(1)?);
            let Ok(id) = Uuid::parse_str(&id) else { continue };
            // true (1) marked; false (0), or absent from a create op (unset), not.
            let marked = matches!(r.get_ref(2)?, rusqlite::types::ValueRef::Integer(n) if n != 0);
            if action == "create" || out.contains_key(&id) {
                out.insert(id, marked);
            }
        }
        Ok(out)
    }

    /// The log, the task board and the latest approved sitrep as they stood at `at`.
    pub fn as_of(&self, incident: &Incident, at: DateTime<Utc>) -> Result<AsOf> {
        let str_of = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let ms_of = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_i64).map(from_millis);

        let marks = self.significance_at(incident, at)?;
        let mut log: Vec<LogEntry> =
            self.entries(incident)?.into_iter().filter(|e| marks.contains_key(&e.id)).collect();
        for e in &mut log {
            e.significant = marks[&e.id];
        }

        let tasks_then = self.fields_at(incident, "task", at)?;
        let mut tasks: Vec<Task> =
            self.tasks(incident)?.into_iter().filter(|t| tasks_then.contains_key(&t.id)).collect();
        for t in &mut tasks {
            let (f, changed) = &tasks_then[&t.id];
            if let Some(s) = str_of(f, "status").and_then(|s| TaskStatus::parse(&s).ok()) {
                t.status = s;
            }
            t.assignee = str_of(f, "assignee");
            if let Some(p) = str_of(f, "priority").and_then(|p| crate::domain::task::Priority::parse(&p).ok())
            {
                t.priority = p;
            }
            t.due = ms_of(f, "due");
            if let Some(d) = str_of(f, "description") {
                t.description = d;
            }
            // When it last changed by then, not now.
            t.updated_at = *changed;
        }

        let reports_then = self.fields_at(incident, "report", at)?;
        let mut sitrep: Option<Report> = None;
        for mut v in self.all_report_versions(incident)?.into_iter().filter(|v| v.kind == "situasjonsrapport")
        {
            let Some((f, changed)) = reports_then.get(&v.id) else { continue };
            v.updated_at = *changed;
            let status = str_of(f, "status").and_then(|s| ReportStatus::parse(&s).ok());
            if !matches!(status, Some(ReportStatus::Approved | ReportStatus::Distributed)) {
                continue;
            }
            v.status = status.expect("matched");
            v.approved_at = ms_of(f, "approved_at");
            v.approved_by = str_of(f, "approved_by");
            if let Some(text) = str_of(f, "text") {
                v.text = text;
            }
            if sitrep
                .as_ref()
                .is_none_or(|s| (v.approved_at, v.number, v.version) > (s.approved_at, s.number, s.version))
            {
                sitrep = Some(v);
            }
        }
        Ok(AsOf { at, log, tasks, sitrep })
    }
}

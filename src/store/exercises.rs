//! Exercise clocks and their injects: a script loaded once, delivered into the log as
//! each inject falls due, each exactly once even with two sitrooms running it.

use super::log::{append_in, NewEntryRecord};
use super::{Result, Store, StoreError};
use crate::domain::exercise::Inject;
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{Incident, LogEntry};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

/// An exercise as it runs: when its clock started, and each inject with when it was
/// delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseRun {
    pub started_at: DateTime<Utc>,
    pub script: String,
    pub injects: Vec<(Inject, Option<DateTime<Utc>>)>,
}

impl Store {
    /// Start the exercise clock with a script's injects.
    pub fn start_exercise(
        &mut self,
        incident: &Incident,
        script: &str,
        injects: &[Inject],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let key = incident.id.to_string();
        let started: bool =
            tx.query_row("SELECT count(*) FROM exercise_clocks WHERE incident_id = ?1", [&key], |r| {
                r.get(0)
            })?;
        if started {
            let n = incident.number;
            return Err(StoreError::conflict(
                format!("øvelsen i hendelse {n} har allerede begynt"),
                format!("the exercise in incident {n} has already started"),
            ));
        }
        tx.execute(
            "INSERT INTO exercise_clocks (incident_id, started_at, script) VALUES (?1, ?2, ?3)",
            params![key, to_millis(now), script],
        )?;
        for (i, inj) in injects.iter().enumerate() {
            tx.execute(
                "INSERT INTO injects (incident_id, position, offset_s, sender, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, i as i64, inj.offset, inj.from, inj.text],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn exercise(&self, incident: &Incident) -> Result<Option<ExerciseRun>> {
        let key = incident.id.to_string();
        let clock: Option<(i64, String)> = self
            .conn
            .query_row("SELECT started_at, script FROM exercise_clocks WHERE incident_id = ?1", [&key], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((started, script)) = clock else { return Ok(None) };
        let injects = self
            .conn
            .prepare_cached(
                "SELECT offset_s, sender, text, delivered_at FROM injects WHERE incident_id = ?1 ORDER BY position",
            )?
            .query_map([&key], |r| {
                Ok((
                    Inject { offset: r.get(0)?, from: r.get(1)?, text: r.get(2)? },
                    r.get::<_, Option<i64>>(3)?.map(from_millis),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(ExerciseRun { started_at: from_millis(started), script, injects }))
    }

    /// Deliver injects (by position in the script) with their log entries; one already
    /// delivered is left alone. Returns the entries written.
    pub fn deliver_injects(
        &mut self,
        incident: &Incident,
        due: &[(usize, NewEntryRecord)],
        now: DateTime<Utc>,
    ) -> Result<Vec<LogEntry>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::new();
        for (position, entry) in due {
            let claimed = tx.execute(
                "UPDATE injects SET delivered_at = ?3
                 WHERE incident_id = ?1 AND position = ?2 AND delivered_at IS NULL",
                params![incident.id.to_string(), *position as i64, to_millis(now)],
            )?;
            if claimed == 1 {
                out.extend(append_in(&tx, incident, [entry.clone()])?);
                tx.execute(
                    "UPDATE injects SET entry_id = ?3 WHERE incident_id = ?1 AND position = ?2",
                    params![incident.id.to_string(), *position as i64, entry.id.to_string()],
                )?;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Open exercise incidents with injects still to come.
    pub fn running_exercises(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT i.number FROM injects j JOIN incidents i ON i.id = j.incident_id
             WHERE j.delivered_at IS NULL AND i.status = 'open'",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

//! Exercises and evaluation. An exercise incident gets an inject script; as its clock
//! runs, each inject is written into the log when it falls due (by the TUI every second,
//! or `sitroom exercise run`). Evaluation points follow an incident or exercise, and an
//! improvement can become a task linked to a plan or ROS event.

use super::{AppError, Result, Session, Writer};
use crate::domain::contact::line;
use crate::domain::evaluation::{NewPoint, Point, PointKind};
use crate::domain::exercise::{due, entry_text, parse_script};
use crate::domain::roles::Permission;
use crate::domain::task::NewTask;
use crate::domain::{EntryKind, Incident, LogEntry};
use crate::lang::Text;
use crate::store::ExerciseRun;
use chrono::{DateTime, Utc};

impl Session {
    /// Load an inject script into an exercise incident and start its clock at `now`.
    pub fn start_exercise(&mut self, incident: &Incident, script: &str, now: DateTime<Utc>) -> Result<usize> {
        self.permit(Permission::ManageIncidents)?;
        self.ensure_open(incident)?;
        if !incident.exercise {
            return Err(AppError::Usage(format!(
                "incident {} is not an exercise; injects go only into an exercise (incident new --exercise)",
                incident.number
            )));
        }
        let injects = parse_script(script)?;
        self.store.start_exercise(incident, script, &injects, now)?;
        let text = format!("Øvelsen er startet: {} innspill i dreieboken", injects.len());
        let entry = self.writer(now).entry("øvelse", text);
        self.store.append_entries(incident, [entry])?;
        Ok(injects.len())
    }

    pub fn exercise(&self, incident: &Incident) -> Result<Option<ExerciseRun>> {
        Ok(self.store.exercise(incident)?)
    }

    /// Write the injects that are due at `now` into the log, in every running exercise.
    pub fn deliver_injects(&mut self, now: DateTime<Utc>) -> Result<Vec<LogEntry>> {
        self.permit(Permission::WriteLog)?;
        let mut out = Vec::new();
        for number in self.store.running_exercises()? {
            let incident = self.store.incident_by_number(number)?;
            let Some(run) = self.store.exercise(&incident)? else { continue };
            let injects: Vec<_> = run.injects.iter().map(|(i, _)| i.clone()).collect();
            let delivered: Vec<bool> = run.injects.iter().map(|(_, d)| d.is_some()).collect();
            let ready: Vec<(usize, crate::store::NewEntryRecord)> =
                due(&injects, &delivered, run.started_at, now)
                    .into_iter()
                    .map(|i| {
                        // Injects come from the exercise control, not from whoever is logged in.
                        let control =
                            Writer { user: "øvelsesledelse".into(), device: self.device.clone(), now };
                        let mut e = control.entry("innspill", entry_text(&injects[i]));
                        e.kind = EntryKind::Note;
                        e.reported_at = run.started_at + chrono::Duration::seconds(injects[i].offset);
                        (i, e)
                    })
                    .collect();
            if !ready.is_empty() {
                out.extend(self.store.deliver_injects(&incident, &ready, now)?);
            }
        }
        Ok(out)
    }

    pub fn evaluation(&self, incident: &Incident) -> Result<Vec<Point>> {
        Ok(self.store.evaluation(incident)?)
    }

    /// Add an evaluation point; an improvement with a `follow_up` becomes a task too
    /// (assigned to its owner, due when it says), and it may point at a plan or ROS
    /// event.
    pub fn add_evaluation_point(
        &mut self,
        incident: &Incident,
        point: NewPoint,
        follow_up: Option<FollowUp>,
    ) -> Result<(Point, LogEntry)> {
        self.permit(Permission::WriteLog)?;
        let NewPoint { kind, plan, ros, .. } = point;
        let text = line(Text::new("punktet", "the point"), &point.text)?;
        let task = follow_up.is_some();
        let (task_owner, due_at) = follow_up.map_or((None, None), |f| (f.owner, f.due));
        if text.is_empty() {
            return Err(
                self.invalid("et evalueringspunkt trenger en tekst", "an evaluation point needs a text")
            );
        }
        if task && kind != PointKind::Improve {
            return Err(AppError::Usage("only an improvement (forbedre) becomes a task".into()));
        }
        let new_task = if task {
            self.permit(Permission::ManageTasks)?;
            let mut description = "Forbedringspunkt fra evalueringen.".to_string();
            if let Some(p) = plan {
                description.push_str(&format!(" Gjelder plan {p}."));
            }
            if let Some(r) = ros {
                description.push_str(&format!(" Gjelder ROS-hendelse {r}."));
            }
            let task = NewTask {
                title: text.chars().take(200).collect(),
                description,
                assignee: task_owner,
                due: due_at,
                ..NewTask::default()
            };
            Some(task.validated()?)
        } else {
            None
        };
        let now = Utc::now();
        let w = self.writer(now);
        let point = NewPoint { kind, text: text.clone(), plan, ros };
        Ok(self.store.add_evaluation_point(incident, &point, new_task.as_ref(), w.stamp(), |number, t| {
            let mut s = format!(
                "Evaluering {number} ({}): {text}",
                if kind == PointKind::WentWell { "bra" } else { "forbedre" }
            );
            if let Some(t) = t {
                s.push_str(&format!(" → oppgave {}", t.number));
            }
            w.entry("evaluering", s)
        })?)
    }
}

/// The task an improvement becomes: who owns it and when it is due.
#[derive(Debug, Clone, Default)]
pub struct FollowUp {
    pub owner: Option<String>,
    pub due: Option<DateTime<Utc>>,
}

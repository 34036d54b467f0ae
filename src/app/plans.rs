//! Contingency plans and the ROS register, and the way from a ROS measure to a task.

use super::{AppError, Result, Session};
use crate::domain::contact::{free_text, line};
use crate::domain::plan::{LinkKind, Plan, PlanLink};
use crate::domain::roles::Permission;
use crate::domain::ros::{scale, RosEvent, CONSEQUENCE_WORD, LIKELIHOOD_WORD};
use crate::domain::task::{NewTask, Task};
use crate::domain::{Incident, LogEntry};
use crate::lang::Text;
use crate::store::{NewMeasure, NewPlan, NewRosEvent};
use chrono::{DateTime, Utc};

impl Session {
    pub fn plans(&self) -> Result<Vec<Plan>> {
        let mut plans = self.store.plans()?;
        for p in &mut plans {
            self.name_links(p)?;
        }
        Ok(plans)
    }

    pub fn plan(&self, number: i64) -> Result<Plan> {
        let mut p = self.store.plan(number)?;
        self.name_links(&mut p)?;
        Ok(p)
    }

    /// A resource is linked by its id (its number may change when records made
    /// offline are merged); people see its number and what it is.
    fn name_links(&self, plan: &mut Plan) -> Result<()> {
        for l in plan.links.iter_mut().filter(|l| l.kind == LinkKind::Resource) {
            let found = uuid::Uuid::parse_str(&l.target)
                .ok()
                .map(|id| self.store.resource_by_id(id))
                .transpose()?
                .flatten();
            l.target = match found {
                Some(r) => format!("{} {}", r.number, r.what),
                None => {
                    let gone = self.lang.pick("finnes ikke lenger", "no longer there");
                    format!("{} ({gone})", l.target)
                }
            };
        }
        Ok(())
    }

    pub fn create_plan(&mut self, new: NewPlan) -> Result<Plan> {
        self.permit(Permission::ManagePreparedness)?;
        let title = line(Text::new("tittelen", "the title"), &new.title)?;
        if title.is_empty() {
            return Err(self.invalid("en plan trenger en tittel", "a plan needs a title"));
        }
        let new = NewPlan {
            title,
            owner: line(Text::new("eieren", "the owner"), &new.owner)?,
            text: free_text(Text::new("teksten", "the text"), &new.text)?,
            ..new
        };
        let w = self.writer(Utc::now());
        Ok(self.store.create_plan(&new, w.who(), w.now)?)
    }

    /// Record that a plan was revised now, and when it must be next.
    pub fn revise_plan(&mut self, number: i64, next: Option<DateTime<Utc>>) -> Result<Plan> {
        self.permit(Permission::ManagePreparedness)?;
        let w = self.writer(Utc::now());
        let now = Utc::now();
        Ok(self.store.revise_plan(number, now, next, w.who(), now)?)
    }

    /// Link a plan to an alert list or a card (by name) or a resource (by number).
    pub fn link_plan(&mut self, number: i64, kind: LinkKind, target: &str) -> Result<Plan> {
        self.permit(Permission::ManagePreparedness)?;
        let target = match kind {
            LinkKind::AlertList => self.store.alert_list(target)?.name,
            LinkKind::Card => self.card(target)?.card.name,
            LinkKind::Resource => {
                let n = target.trim().parse::<i64>().map_err(|_| {
                    AppError::Usage(format!("a resource is linked by its number, not '{target}'"))
                })?;
                self.store.resource(n)?.id.to_string()
            }
        };
        let w = self.writer(Utc::now());
        Ok(self.store.link_plan(number, &PlanLink { kind, target }, w.who(), w.now)?)
    }

    pub fn ros_events(&self) -> Result<Vec<RosEvent>> {
        Ok(self.store.ros_events()?)
    }

    pub fn add_ros_event(
        &mut self,
        title: &str,
        likelihood: i64,
        consequence: i64,
        description: &str,
        vulnerabilities: &str,
    ) -> Result<RosEvent> {
        self.permit(Permission::ManagePreparedness)?;
        let title = line(Text::new("tittelen", "the title"), title)?;
        if title.is_empty() {
            return Err(
                self.invalid("en uønsket hendelse trenger en tittel", "an unwanted event needs a title")
            );
        }
        let e = NewRosEvent {
            title,
            description: free_text(Text::new("beskrivelsen", "the description"), description)?,
            likelihood: scale(LIKELIHOOD_WORD, likelihood)?,
            consequence: scale(CONSEQUENCE_WORD, consequence)?,
            vulnerabilities: free_text(Text::new("sårbarhetene", "the vulnerabilities"), vulnerabilities)?,
        };
        let w = self.writer(Utc::now());
        Ok(self.store.add_ros_event(&e, w.who(), w.now)?)
    }

    pub fn score_ros_event(&mut self, number: i64, likelihood: i64, consequence: i64) -> Result<RosEvent> {
        self.permit(Permission::ManagePreparedness)?;
        let (l, c) = (scale(LIKELIHOOD_WORD, likelihood)?, scale(CONSEQUENCE_WORD, consequence)?);
        let w = self.writer(Utc::now());
        Ok(self.store.score_ros_event(number, l, c, w.who(), w.now)?)
    }

    pub fn add_ros_measure(&mut self, event: i64, m: NewMeasure) -> Result<RosEvent> {
        self.permit(Permission::ManagePreparedness)?;
        let text = line(Text::new("tiltaket", "the measure"), &m.text)?;
        if text.is_empty() {
            return Err(self.invalid("et tiltak trenger en tekst", "a measure needs a text"));
        }
        let owner = m
            .owner
            .map(|o| line(Text::new("eieren", "the owner"), &o))
            .transpose()?
            .filter(|o| !o.is_empty());
        let m = NewMeasure { text, owner, ..m };
        let w = self.writer(Utc::now());
        Ok(self.store.add_measure(event, &m, w.who(), w.now)?)
    }

    /// "From ROS to measures": a measure becomes a task of the incident (often a standing
    /// preparedness-work incident), with owner and due date, linked back to the event.
    pub fn ros_measure_to_task(
        &mut self,
        incident: &Incident,
        event: i64,
        measure: i64,
        owner: Option<String>,
        due: Option<DateTime<Utc>>,
    ) -> Result<(Task, LogEntry)> {
        self.permit(Permission::ManagePreparedness)?;
        self.permit(Permission::ManageTasks)?;
        self.ensure_open(incident)?;
        let e = self.store.ros_event(event)?;
        let m = e
            .measures
            .iter()
            .find(|m| m.number == measure)
            .ok_or_else(|| AppError::Usage(format!("ROS event {event} has no measure {measure}")))?;
        let task = NewTask {
            title: m.text.chars().take(200).collect(),
            description: format!(
                "Tiltak fra ROS-analysen: hendelse {} «{}» (risiko {}, {}×{}).",
                e.number,
                e.title,
                e.level().name(),
                e.likelihood,
                e.consequence
            ),
            assignee: owner.or_else(|| m.owner.clone()),
            due: due.or(m.due),
            ..NewTask::default()
        }
        .validated()?;
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.measure_to_task(incident, event, measure, &task, w.stamp(), |t| {
            let text =
                format!("Oppgave {} opprettet fra ROS-tiltak {event}.{measure}: {}", t.number, t.title);
            w.entry("ros", text)
        })?)
    }
}

//! Incident operations: create, list, close, reopen, and which one is active.

use super::{AppError, Result, Session};
use crate::domain::roles::Permission;
use crate::domain::{Incident, IncidentStatus, NewIncident};
use chrono::Utc;

const ACTIVE_KEY: &str = "active_incident";

impl Session {
    /// Open a new incident and make it the user's active one.
    pub fn create_incident(&mut self, new: NewIncident) -> Result<Incident> {
        self.permit(Permission::ManageIncidents)?;
        let new = new.validated(&self.incident_types)?;
        let incident = self.store.create_incident(&new, &self.user, &self.device, Utc::now())?;
        self.set_active(&incident)?;
        Ok(incident)
    }

    pub fn incidents(&self) -> Result<Vec<Incident>> {
        Ok(self.store.list_incidents()?)
    }

    pub fn incident(&self, number: i64) -> Result<Incident> {
        Ok(self.store.incident_by_number(number)?)
    }

    pub fn close_incident(&mut self, number: i64) -> Result<Incident> {
        self.set_status(number, IncidentStatus::Closed)
    }

    pub fn reopen_incident(&mut self, number: i64) -> Result<Incident> {
        self.set_status(number, IncidentStatus::Open)
    }

    fn set_status(&mut self, number: i64, status: IncidentStatus) -> Result<Incident> {
        self.permit(Permission::ManageIncidents)?;
        let current = self.store.incident_by_number(number)?;
        if current.status == status {
            return Err(AppError::Usage(format!("incident {number} is already {}", status.as_str())));
        }
        // The log says when the incident was closed or opened again, and by whom: the
        // last word of a closed incident's log, the first of its reopening.
        let text = match status {
            IncidentStatus::Closed => "Hendelsen avsluttet",
            IncidentStatus::Open => "Hendelsen gjenåpnet",
        };
        let w = self.writer(Utc::now());
        Ok(self.store.set_incident_status(number, status, w.stamp(), |_| w.entry("hendelse", text.into()))?)
    }

    pub fn set_active(&self, incident: &Incident) -> Result<()> {
        Ok(self.store.set_user_state(&self.user, ACTIVE_KEY, &incident.id.to_string())?)
    }

    /// The incident this user last had active, if it is still open; else the only
    /// open incident; else none (the TUI then shows the picker).
    pub fn default_incident(&self) -> Result<Option<Incident>> {
        if let Some(id) = self.store.user_state(&self.user, ACTIVE_KEY)? {
            if let Ok(id) = uuid::Uuid::parse_str(&id) {
                if let Some(i) = self.store.incident_by_id(id)?.filter(Incident::is_open) {
                    return Ok(Some(i));
                }
            }
        }
        let mut open: Vec<Incident> =
            self.store.list_incidents()?.into_iter().filter(Incident::is_open).collect();
        Ok(if open.len() == 1 { open.pop() } else { None })
    }

    /// The incident a command acts on: the one named with `--incident`, else the
    /// default one; where that is ambiguous, an error that says which flag to give.
    pub fn resolve_incident(&self, number: Option<i64>) -> Result<Incident> {
        if let Some(n) = number {
            return self.incident(n);
        }
        if let Some(i) = self.default_incident()? {
            return Ok(i);
        }
        let open: Vec<String> = self
            .store
            .list_incidents()?
            .into_iter()
            .filter(Incident::is_open)
            .map(|i| i.number.to_string())
            .collect();
        Err(AppError::Usage(if open.is_empty() {
            "no incident is open: create one with `sitroom incident new --title \"…\"`".into()
        } else {
            format!(
                "several incidents are open ({}) and none is active for {}: give --incident N, or choose one with `sitroom incident use N`",
                open.join(", "),
                self.user
            )
        }))
    }
}

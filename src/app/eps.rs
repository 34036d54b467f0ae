//! EPS: evacuees, affected persons and inquiries from next of kin. Only roles with
//! `SeeEps` see or write them; the log gets counts, never names; an export is explicit
//! and logged.

use super::{Result, Session};
use crate::domain::eps::{counts, EpsStatus, NewRegistration, Registration};
use crate::domain::roles::Permission;
use crate::domain::{Incident, LogEntry};
use chrono::Utc;

impl Session {
    pub fn eps_registrations(&self, incident: &Incident) -> Result<Vec<Registration>> {
        self.permit(Permission::SeeEps)?;
        Ok(self.store.eps_registrations(incident)?)
    }

    pub fn add_eps_registration(
        &mut self,
        incident: &Incident,
        new: NewRegistration,
    ) -> Result<(Registration, LogEntry)> {
        self.permit(Permission::SeeEps)?;
        self.ensure_open(incident)?;
        let new = new.validated()?;
        let now = Utc::now();
        let w = self.writer(now);
        let kind = new.kind;
        Ok(self.store.add_eps_registration(incident, &new, w.who(), now, |all| {
            let text = format!("EPS: ny registrering ({}). Nå {}", kind.name(), counts(all));
            w.entry("eps", text)
        })?)
    }

    pub fn set_eps_status(
        &mut self,
        incident: &Incident,
        number: i64,
        status: EpsStatus,
    ) -> Result<(Registration, LogEntry)> {
        self.permit(Permission::SeeEps)?;
        self.ensure_open(incident)?;
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.set_eps_status(incident, number, status, w.who(), now, |all| {
            let text = format!("EPS: registrering {number} satt til «{}». Nå {}", status.name(), counts(all));
            w.entry("eps", text)
        })?)
    }

    /// The registrations for an export, with the export written to the log first (who,
    /// how many, where to): sensitive data never leaves without a trace.
    pub fn export_eps(&mut self, incident: &Incident, destination: &str) -> Result<Vec<Registration>> {
        self.permit(Permission::SeeEps)?;
        let all = self.store.eps_registrations(incident)?;
        let now = Utc::now();
        let text = format!(
            "EPS: {} registreringer eksportert av {} til {}",
            all.len(),
            self.user,
            crate::text::safe_line(destination)
        );
        let entry = self.writer(now).entry("eps", text);
        self.store.append_entries(incident, [entry])?;
        Ok(all)
    }
}

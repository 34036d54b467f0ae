//! `sitroom incident`: incidents (hendelser): create, list, close, reopen, choose

use crate::app::Session;
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use crate::domain::{NewIncident, Severity};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum IncidentCmd {
    /// Open a new incident and make it your active one; prints its number
    New {
        #[arg(long)]
        title: String,
        /// Incident type (flom, brann, strømbrudd, ekom-bortfall, …)
        #[arg(long = "type", default_value = "annet")]
        kind: String,
        /// 1 (lav) to 5 (kritisk)
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=5))]
        severity: u8,
        /// Mark as an exercise (øvelse)
        #[arg(long)]
        exercise: bool,
    },
    /// List incidents, open first
    List,
    /// Close an incident
    Close { number: i64 },
    /// Reopen a closed incident
    Reopen { number: i64 },
    /// Make an incident your active one
    Use { number: i64 },
}

pub fn run(s: &mut Session, cmd: IncidentCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        IncidentCmd::New { title, kind, severity, exercise } => {
            let severity = Severity::new(severity)?;
            let i = s.create_incident(NewIncident { title, kind, severity, exercise })?;
            p.incident_created(out, &i)?;
        }
        IncidentCmd::List => p.incidents(out, &s.incidents()?)?,
        IncidentCmd::Close { number } => {
            let i = s.close_incident(number)?;
            p.incident(out, &i)?;
        }
        IncidentCmd::Reopen { number } => {
            let i = s.reopen_incident(number)?;
            p.incident(out, &i)?;
        }
        IncidentCmd::Use { number } => {
            let i = s.incident(number)?;
            s.set_active(&i)?;
            p.incident(out, &i)?;
        }
    }
    Ok(true)
}

//! `sitroom meeting`: meetings (møter): agenda, recording per item, minutes

use crate::app::{AppError, Session};
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use crate::domain::time::parse_due;
use chrono::Local;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum MeetingCmd {
    /// Plan a meeting; prints its number
    New {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        title: String,
        /// When: HH:MM (the next one) or an RFC 3339 time (default: now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Who takes part (repeat, or separate with commas)
        #[arg(long = "participant", value_delimiter = ',')]
        participants: Vec<String>,
        /// An agenda item (repeat for each, in order)
        #[arg(long = "item")]
        agenda: Vec<String>,
    },
    /// The incident's meetings
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Start a meeting: from now on log entries are recorded under it
    Start {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Go to agenda item K of the running meeting
    Item {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        item: i64,
    },
    /// End the meeting and draft its minutes as a møtereferat report; prints the report's number
    End {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
}

pub fn run(s: &mut Session, cmd: MeetingCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        MeetingCmd::New { incident, title, at, participants, agenda } => {
            let incident = s.resolve_incident(incident)?;
            let starts_at = at.map(|a| parse_due(&a, &Local::now())).transpose().map_err(AppError::Usage)?;
            let new = crate::domain::meeting::NewMeeting { title, starts_at, participants, agenda };
            let (m, _) = s.new_meeting(&incident, new)?;
            p.number_or_json(out, m.number, &m)?;
        }
        MeetingCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            p.meetings(out, &s.meetings(&incident)?)?;
        }
        MeetingCmd::Start { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            p.meetings(out, &[s.start_meeting(&incident, number)?.0])?;
        }
        MeetingCmd::Item { incident, number, item } => {
            let incident = s.resolve_incident(incident)?;
            p.meetings(out, &[s.meeting_item(&incident, number, item)?.0])?;
        }
        MeetingCmd::End { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.end_meeting(&incident, number)?;
            p.number_or_json(out, m.minutes_report.unwrap_or_default(), &m)?;
        }
    }
    Ok(true)
}

//! `sitroom media`: the media queue (mediehenvendelser)

use crate::app::{AppError, Session};
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use crate::domain::time::parse_due;
use chrono::Local;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum MediaCmd {
    /// Register a media inquiry (`media add NRK Vestfold: Hvor mange evakueres?`, or
    /// with --outlet and the question); with --outgoing, a contact the staff makes.
    /// Prints its number.
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// The question, after the outlet and a colon unless --outlet names it
        #[arg(value_name = "TEXT", conflicts_with = "question")]
        text: Vec<String>,
        /// NRK Vestfold, VG, Sandefjords Blad …
        #[arg(long)]
        outlet: Option<String>,
        #[arg(long, default_value = "")]
        journalist: String,
        /// Phone or e-mail
        #[arg(long, default_value = "")]
        contact: String,
        /// The question, or the matter (or give it as TEXT)
        #[arg(long, required_unless_present = "text")]
        question: Option<String>,
        /// HH:MM (the next one) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        deadline: Option<String>,
        #[arg(long)]
        responsible: Option<String>,
        #[arg(long)]
        outgoing: bool,
    },
    /// The queue, by deadline
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        status: Option<String>,
    },
    /// Record the answer given (the inquiry becomes besvart)
    Answer {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        answer: Vec<String>,
    },
    /// Move an inquiry: ny, under-arbeid, besvart, avsluttet
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        status: String,
    },
    /// Who answers it (or no one with --none)
    Assign {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(required_unless_present = "none")]
        responsible: Option<String>,
        #[arg(long, conflicts_with = "responsible")]
        none: bool,
    },
}

pub fn run(s: &mut Session, cmd: MediaCmd, p: &Printer, out: Out<'_>) -> Ran {
    use crate::domain::media::{MediaStatus, NewInquiry};
    match cmd {
        MediaCmd::Add {
            incident,
            text,
            outlet,
            journalist,
            contact,
            question,
            deadline,
            responsible,
            outgoing,
        } => {
            let incident = s.resolve_incident(incident)?;
            let deadline =
                deadline.map(|d| parse_due(&d, &Local::now())).transpose().map_err(AppError::Usage)?;
            let text = question.unwrap_or_else(|| text.join(" "));
            // "NRK Vestfold: Hvor mange evakueres?": the outlet, then the question, as the
            // TUI takes it; --outlet leaves the whole text as the question.
            let (outlet, question) = match outlet {
                Some(outlet) => (outlet, text),
                None => match text.split_once(':') {
                    Some((outlet, question)) => (outlet.trim().to_string(), question.trim().to_string()),
                    None => return Err(AppError::Usage(
                        "say which outlet asks: `media add \"NRK Vestfold: the question\"` or --outlet NAME"
                            .into(),
                    )
                    .into()),
                },
            };
            let new = NewInquiry { outgoing, outlet, journalist, contact, question, deadline, responsible };
            let (m, _) = s.add_inquiry(&incident, new)?;
            p.inquiry_created(out, &m)?;
        }
        MediaCmd::List { incident, status } => {
            let incident = s.resolve_incident(incident)?;
            let only = status.map(|st| MediaStatus::parse(&st)).transpose()?;
            let mut list: Vec<_> =
                s.inquiries(&incident)?.into_iter().filter(|m| only.is_none_or(|o| m.status == o)).collect();
            list.sort_by_key(|m| (!m.status.is_open(), m.deadline.is_none(), m.deadline, m.number));
            p.inquiries(out, &list)?;
        }
        MediaCmd::Answer { incident, number, answer } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.answer_inquiry(&incident, number, &answer.join(" "))?;
            p.inquiry(out, &m)?;
        }
        MediaCmd::Status { incident, number, status } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.set_inquiry_status(&incident, number, MediaStatus::parse(&status)?)?;
            p.inquiry(out, &m)?;
        }
        MediaCmd::Assign { incident, number, responsible, none } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.assign_inquiry(&incident, number, if none { None } else { responsible })?;
            p.inquiry(out, &m)?;
        }
    }
    Ok(true)
}

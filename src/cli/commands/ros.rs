//! `sitroom ros`: the ROS register: unwanted events, the risk matrix, measures

use crate::app::Session;
use crate::cli::common::{parse_date, write_output};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, json, Printer};
use crate::domain::ros::{matrix_text, to_csv, to_markdown, RosEvent};
use crate::i18n::{Label, Lang};
use crate::store::NewMeasure;
use crate::text::safe_line;
use clap::Subcommand;
use std::path::PathBuf;

// ---- ROS ----------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum RosCmd {
    /// Add an unwanted event, scored 1–5 for likelihood and consequence; prints its number
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        likelihood: i64,
        #[arg(long)]
        consequence: i64,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        vulnerabilities: String,
    },
    /// The register, highest risk first
    List,
    /// The 5×5 risk matrix (colours on a terminal; L/M/H letters always)
    Matrix {
        /// Never colour (also when NO_COLOR is set or the output is not a terminal)
        #[arg(long)]
        no_color: bool,
    },
    /// Score an event again
    Score {
        number: i64,
        #[arg(long)]
        likelihood: i64,
        #[arg(long)]
        consequence: i64,
    },
    /// Add an existing or proposed measure to an event
    Measure {
        event: i64,
        #[arg(long)]
        text: String,
        /// It is in place already (default: proposed)
        #[arg(long)]
        existing: bool,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
    },
    /// Make a measure a tracked task of the incident (owner and due date)
    Task {
        event: i64,
        measure: i64,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
    },
    /// Export the register as Markdown or CSV
    Export {
        #[arg(long, value_parser = ["md", "csv"], default_value = "md")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn print_event(out: Out<'_>, e: &RosEvent, lang: Lang) -> Result<(), CliError> {
    writeln!(
        out,
        "{:>3}  {:<7} {:>2} (S{} K{})  {}",
        e.number,
        e.level().label().get(lang),
        e.score(),
        e.likelihood,
        e.consequence,
        safe_line(&e.title)
    )
    .map_err(io)?;
    for m in &e.measures {
        writeln!(
            out,
            "       {}.{} {} ({}){}{}",
            e.number,
            m.number,
            safe_line(&m.text),
            if m.existing {
                lang.pick("eksisterende", "existing")
            } else {
                lang.pick("foreslått", "proposed")
            },
            m.owner.as_deref().map(|o| format!(", {}", safe_line(o))).unwrap_or_default(),
            m.task.as_deref().map(|t| format!(" → {} {t}", lang.pick("oppgave", "task"))).unwrap_or_default(),
        )
        .map_err(io)?;
    }
    Ok(())
}

pub fn run(s: &mut Session, cmd: RosCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        RosCmd::Add { title, likelihood, consequence, description, vulnerabilities } => {
            let e = s.add_ros_event(&title, likelihood, consequence, &description, &vulnerabilities)?;
            p.number_or_json(out, e.number, &e).map_err(io)?;
        }
        RosCmd::List => {
            let all = s.ros_events()?;
            either(out, p, &all, |out| all.iter().try_for_each(|e| print_event(out, e, p.lang)))?;
        }
        RosCmd::Matrix { no_color } => {
            let all = s.ros_events()?;
            if p.json {
                json(out, &crate::domain::ros::matrix(&all))?;
            } else {
                use std::io::IsTerminal;
                let colour =
                    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
                write!(out, "{}", matrix_text(&all, colour)).map_err(io)?;
            }
        }
        RosCmd::Score { number, likelihood, consequence } => {
            let e = s.score_ros_event(number, likelihood, consequence)?;
            either(out, p, &e, |out| print_event(out, &e, p.lang))?;
        }
        RosCmd::Measure { event, text, existing, owner, due } => {
            let due = due.map(|d| parse_date(&d)).transpose()?;
            let e = s.add_ros_measure(event, NewMeasure { text, existing, owner, due })?;
            either(out, p, &e, |out| print_event(out, &e, p.lang))?;
        }
        RosCmd::Task { event, measure, incident, owner, due } => {
            let incident = s.resolve_incident(incident)?;
            let due = due.map(|d| parse_date(&d)).transpose()?;
            let (t, _) = s.ros_measure_to_task(&incident, event, measure, owner, due)?;
            p.task_created(out, &t).map_err(io)?;
        }
        RosCmd::Export { format, out: file } => {
            let all = s.ros_events()?;
            let text = if format == "csv" { to_csv(&all) } else { to_markdown(&all) };
            write_output(out, file.as_deref(), &text)?;
        }
    }
    Ok(true)
}

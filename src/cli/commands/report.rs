//! `sitroom report`: reports and situation reports (rapporter, situasjonsrapport)

use crate::app::{AppError, Session};
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// Start a report from a template; prints its number
    New {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// situasjonsrapport, møtereferat, pressemelding, or one of your own
        #[arg(long, default_value = "situasjonsrapport")]
        template: String,
        #[arg(long)]
        title: Option<String>,
        /// A situation report whose text ends with a draft from the log since the last
        /// approved one (decisions, key figures, tasks, media, alerts, messages), each
        /// line with the entry it comes from
        #[arg(long, conflicts_with_all = ["template", "title"])]
        from_log: bool,
    },
    /// The incident's reports (latest versions)
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Show a report (the latest version, or --version V)
    Show {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Replace a draft's text with a file's (- for standard input)
    Edit {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Send for approval
    Submit {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Approve (kriseledelse, administrator)
    Approve {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Return to the writer with a comment (kriseledelse, administrator)
    Return {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        comment: String,
    },
    /// Mark an approved report distributed
    Distribute {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Start a new version (a draft) of an approved report
    NewVersion {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Write a report version as Markdown or plain text
    Export {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, value_parser = ["md", "txt"], default_value = "md")]
        format: String,
        /// A file (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The templates there are
    Templates,
    #[command(flatten)]
    Sharing(super::share::ShareCmd),
}

pub fn run(s: &mut Session, cmd: ReportCmd, p: &Printer, out: Out<'_>) -> Ran {
    use crate::domain::report::ReportStep;
    let step =
        |s: &mut Session, incident: Option<i64>, number: i64, step: ReportStep, comment: Option<String>| {
            let incident = s.resolve_incident(incident)?;
            s.report_step(&incident, number, step, comment).map(|(r, _)| r)
        };
    match cmd {
        ReportCmd::New { incident, template, title, from_log } => {
            let incident = s.resolve_incident(incident)?;
            let (r, _) = if from_log {
                s.new_sitrep_from_log(&incident)?
            } else {
                s.new_report(&incident, &template, title)?
            };
            p.report_created(out, &r)?;
        }
        ReportCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            p.reports(out, &s.reports(&incident)?)?;
        }
        ReportCmd::Show { incident, number, version } => {
            let incident = s.resolve_incident(incident)?;
            p.report_full(out, &s.report(&incident, number, version)?)?;
        }
        ReportCmd::Edit { incident, number, file } => {
            let incident = s.resolve_incident(incident)?;
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| AppError::Usage(format!("cannot read standard input: {e}")))?
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", file.display())))?
            };
            let r = s.save_report_text(&incident, number, &text)?;
            p.report(out, &r)?;
        }
        ReportCmd::Submit { incident, number } => {
            p.report(out, &step(s, incident, number, ReportStep::Submit, None)?)?
        }
        ReportCmd::Approve { incident, number } => {
            p.report(out, &step(s, incident, number, ReportStep::Approve, None)?)?
        }
        ReportCmd::Return { incident, number, comment } => {
            p.report(out, &step(s, incident, number, ReportStep::Return, Some(comment))?)?
        }
        ReportCmd::Distribute { incident, number } => {
            p.report(out, &step(s, incident, number, ReportStep::Distribute, None)?)?
        }
        ReportCmd::NewVersion { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            let (r, _) = s.new_report_version(&incident, number)?;
            p.report(out, &r)?;
        }
        ReportCmd::Export { incident, number, version, format, out: file } => {
            let incident = s.resolve_incident(incident)?;
            let text = s.export_report(&incident, number, version, format == "txt")?;
            match file {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| AppError::Usage(format!("cannot write {}: {e}", path.display())))?,
                None => out.write_all(text.as_bytes())?,
            }
        }
        ReportCmd::Sharing(_) => unreachable!("routed to commands::share"),
        ReportCmd::Templates => {
            for t in s.templates() {
                writeln!(out, "{}", t.name)?;
            }
        }
    }
    Ok(true)
}

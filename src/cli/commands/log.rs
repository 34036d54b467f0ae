//! `sitroom log`: the incident log (hendelseslogg)

use crate::app::{AppError, EntryInput, Session};
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use crate::domain::time::parse_at;
use chrono::Local;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum LogCmd {
    /// Add an entry; quick marks work as in the TUI (`!` decision, `#tag`, `@name`, `14:32 `)
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// When it was said: HH:MM (today) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Mark the entry significant (vesentlig)
        #[arg(long)]
        significant: bool,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Correct entry SEQ with a new entry (the original stays, marked as corrected)
    Correct {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        seq: i64,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Take back entry SEQ, written by mistake: a retraction ("Feilført – se bort fra")
    /// corrects it, and open tasks made from it or announced by it are cancelled
    Retract {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        seq: i64,
    },
    /// Mark entry SEQ significant (vesentlig), or clear the mark with --off
    Mark {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        seq: i64,
        #[arg(long)]
        off: bool,
    },
    /// List the log
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Import entries: JSON lines as `log list --json` prints them, or typed lines
    Import {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// The file, or - for standard input
        file: PathBuf,
    },
    /// Check the hash chain: exit 0 intact, 1 broken (naming the first broken entry)
    Verify {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
}

pub fn run(s: &mut Session, cmd: LogCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        LogCmd::Add { incident, at, significant, text } => {
            let incident = s.resolve_incident(incident)?;
            let at = at.map(|a| parse_at(&a, &Local::now())).transpose().map_err(AppError::Usage)?;
            let input = EntryInput { at, significant, ..EntryInput::now(text.join(" ")) };
            let e = s.add_entry(&incident, input)?;
            p.entry(out, &e, None)?;
        }
        LogCmd::Correct { incident, seq, text } => {
            let incident = s.resolve_incident(incident)?;
            let target = s.entry(&incident, seq)?;
            let input = EntryInput { corrects: Some(target.id), ..EntryInput::now(text.join(" ")) };
            let e = s.add_entry(&incident, input)?;
            p.entry(out, &e, Some(target.seq))?;
        }
        LogCmd::Retract { incident, seq } => {
            let incident = s.resolve_incident(incident)?;
            let (e, _cancelled) = s.retract(&incident, seq)?;
            p.entry(out, &e, Some(seq))?;
        }
        LogCmd::Mark { incident, seq, off } => {
            let incident = s.resolve_incident(incident)?;
            let target = s.entry(&incident, seq)?;
            s.set_significant(target.id, !off)?;
            let e = s.entry(&incident, seq)?;
            p.entry(out, &e, None)?;
        }
        LogCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            p.entries(out, &s.entries(&incident)?)?;
        }
        LogCmd::Import { incident, file } => {
            let incident = s.resolve_incident(incident)?;
            let report = if file.as_os_str() == "-" {
                s.import(&incident, std::io::stdin().lock())?
            } else {
                let f = std::fs::File::open(&file)
                    .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", file.display())))?;
                s.import(&incident, std::io::BufReader::with_capacity(1 << 16, f))?
            };
            p.import_report(out, &report)?;
        }
        LogCmd::Verify { incident } => {
            let incident = s.resolve_incident(incident)?;
            let intact = p.verify(out, &incident, &s.verify(&incident)?, &s.signatures(&incident)?)?;
            return Ok(intact);
        }
    }
    Ok(true)
}

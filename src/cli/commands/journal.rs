//! `sitroom journal`: the message journal (meldingsjournal) of an incident.

use crate::app::Session;
use crate::cli::error::{io, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::domain::journal::{Direction, JournalItem};
use crate::i18n::Lang;
use crate::text::safe_line;
use chrono::Local;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum JournalCmd {
    /// Every message in or out of the incident, by number: the server's, or
    /// provisional in brackets until the record has reached it
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// The journal as CSV (the default) or PDF, to a file or standard output
    Export {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// csv or pdf
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn arrow(d: Direction) -> &'static str {
    match d {
        Direction::In => "←",
        Direction::Out => "→",
    }
}

fn print_item(out: Out<'_>, i: &JournalItem, lang: Lang) -> Result<(), crate::cli::error::CliError> {
    let (party, word) = match i.direction {
        Direction::In => (&i.from, lang.pick("fra", "from")),
        Direction::Out => (&i.to, lang.pick("til", "to")),
    };
    let task = i.task.map(|t| format!("  [{} {t}]", lang.pick("oppgave", "task"))).unwrap_or_default();
    writeln!(
        out,
        "{:>5}  {}  {} {word} {}: {}  — {}{task}",
        i.shown_number(),
        i.at.with_timezone(&Local).format("%d.%m %H:%M"),
        arrow(i.direction),
        safe_line(party),
        safe_line(&i.summary),
        safe_line(&i.handled_by),
    )
    .map_err(io)
}

fn pdf(s: &Session, incident: &crate::domain::Incident, items: &[JournalItem]) -> Vec<u8> {
    use crate::doc::{Block, Doc};
    let mut d = Doc::new(
        format!("Meldingsjournal – hendelse {} {}", incident.number, incident.title),
        s.installation(),
    );
    d.push(Block::Para(
        "Tall i parentes er foreløpige: posten har ikke nådd synkroniseringstjeneren ennå.".into(),
    ));
    let rows = items
        .iter()
        .map(|i| {
            vec![
                i.shown_number(),
                i.at.with_timezone(&Local).format("%d.%m %H:%M").to_string(),
                i.direction.name().to_string(),
                i.from.clone(),
                i.to.clone(),
                i.summary.clone(),
                i.handled_by.clone(),
                i.task.map(|t| t.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let head = ["Nr.", "Tid", "Retning", "Fra", "Til", "Sammendrag", "Behandlet av", "Oppgave"];
    d.push(Block::Table { head: head.iter().map(|h| h.to_string()).collect(), rows });
    crate::pdf::render(&d)
}

pub fn run(s: &mut Session, cmd: JournalCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        JournalCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            let items = s.journal(&incident)?;
            either(out, p, &items, |out| items.iter().try_for_each(|i| print_item(out, i, p.lang)))?;
        }
        JournalCmd::Export { incident, format, out: file } => {
            let incident = s.resolve_incident(incident)?;
            let bytes = match format.to_lowercase().as_str() {
                "csv" => s.journal_csv(&incident)?.into_bytes(),
                "pdf" => pdf(s, &incident, &s.journal(&incident)?),
                other => {
                    return Err(crate::cli::error::usage(p.lang.pick(
                        format!("ukjent format «{other}»: csv eller pdf"),
                        format!("unknown format '{other}': csv or pdf"),
                    )))
                }
            };
            match file {
                Some(path) => std::fs::write(&path, bytes).map_err(io)?,
                None => out.write_all(&bytes).map_err(io)?,
            }
        }
    }
    Ok(true)
}

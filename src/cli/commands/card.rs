//! `sitroom card`: action cards (tiltakskort): checklists that become tasks

use crate::app::Session;
use crate::cli::common::write_output;
use crate::cli::error::{io, Out, Ran};
use crate::cli::output::{either, json, Printer};
use crate::text::safe_line;
use clap::Subcommand;
use std::path::PathBuf;

// ---- cards --------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum CardCmd {
    /// The action cards
    List,
    /// One card with its checklist
    Show { name: String },
    /// Read cards from a file or a folder of .md/.toml files (replacing same-named ones)
    Import { path: PathBuf },
    /// Write a card as Markdown, to edit and import again
    Export {
        name: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Turn a card's items into tasks of the incident, and log it
    Activate {
        name: String,
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Activate even if it was activated in this incident before
        #[arg(long)]
        again: bool,
    },
}

pub fn run(s: &mut Session, cmd: CardCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        CardCmd::List => {
            let cards = s.cards()?;
            if p.json {
                json(out, &cards)?;
            } else {
                for c in cards {
                    writeln!(
                        out,
                        "{:<28} {}  ({} punkter)",
                        safe_line(&c.card.name),
                        safe_line(&c.card.title),
                        c.card.items.len()
                    )
                    .map_err(io)?;
                }
            }
        }
        CardCmd::Show { name } => {
            let c = s.card(&name)?;
            either(out, p, &c, |out| {
                write!(out, "{}", crate::text::safe(&c.card.to_markdown())).map_err(io)
            })?;
        }
        CardCmd::Import { path } => {
            let done = s.import_cards(&path)?;
            if p.json {
                let v: Vec<_> =
                    done.iter().map(|(n, new)| serde_json::json!({"name": n, "new": new})).collect();
                json(out, &v)?;
            } else {
                for (name, new) in done {
                    writeln!(out, "{} {}", safe_line(&name), if new { "added" } else { "replaced" })
                        .map_err(io)?;
                }
            }
        }
        CardCmd::Export { name, out: file } => {
            let c = s.card(&name)?;
            write_output(out, file.as_deref(), &c.card.to_markdown())?;
        }
        CardCmd::Activate { name, incident, again } => {
            let incident = s.resolve_incident(incident)?;
            let (tasks, entry) = s.activate_card(&incident, &name, again)?;
            if p.json {
                json(out, &tasks)?;
            } else {
                writeln!(out, "{}", safe_line(&entry.text)).map_err(io)?;
                p.tasks(out, &tasks).map_err(io)?;
            }
        }
    }
    Ok(true)
}

//! `sitroom conflict`: conflicts: fields changed in two places at once

use crate::app::Session;
use crate::cli::error::{io, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::text::safe;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum ConflictCmd {
    /// Fields two people changed without seeing each other's change
    List,
    /// Settle one: keep --value, or the value that holds now
    Resolve {
        /// The record's id (at least 8 characters, as `conflict list` shows)
        id: String,
        field: String,
        #[arg(long)]
        value: Option<String>,
    },
}

pub fn run(s: &mut Session, cmd: ConflictCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        ConflictCmd::List => {
            let all = s.conflicts(None)?;
            either(out, p, &all, |out| {
                if all.is_empty() {
                    writeln!(out, "no conflicts").map_err(io)?;
                }
                for c in &all {
                    let id = c.entity.to_string();
                    let what = c.kind.spec().label.get(p.lang);
                    let now = safe(&c.current.to_string()).into_owned();
                    writeln!(out, "{what} {} {} ({}): {} now {now}", c.number, c.field, &id[..13], c.field)
                        .map_err(io)?;
                    for o in &c.others {
                        let at = o.at.format("%Y-%m-%d %H:%M");
                        let value = safe(&o.value.to_string()).into_owned();
                        writeln!(
                            out,
                            "    also {value} by {} on {} at {at}",
                            safe(&o.author),
                            safe(&o.device)
                        )
                        .map_err(io)?;
                    }
                }
                Ok(())
            })?;
        }
        ConflictCmd::Resolve { id, field, value } => {
            let c = s.resolve_conflict(&id, &field, value)?;
            let what = c.kind.spec().label.get(p.lang);
            writeln!(out, "conflict on {field} of {what} {} settled", c.number).map_err(io)?;
        }
    }
    Ok(true)
}

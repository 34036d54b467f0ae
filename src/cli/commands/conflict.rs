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
                    writeln!(out, "{}", p.lang.pick("ingen konflikter", "no conflicts")).map_err(io)?;
                }
                for c in &all {
                    let id = c.entity.to_string();
                    let what = c.kind.spec().label.get(p.lang);
                    let now = safe(&c.current.to_string()).into_owned();
                    let (n, field, id) = (c.number, &c.field, &id[..13]);
                    let line = crate::say!(
                        p.lang,
                        "{what} {n} {field} ({id}): {field} er nå {now}",
                        "{what} {n} {field} ({id}): {field} now {now}"
                    );
                    writeln!(out, "{line}").map_err(io)?;
                    for o in &c.others {
                        let at = o.at.format("%Y-%m-%d %H:%M");
                        let value = safe(&o.value.to_string()).into_owned();
                        let (author, device) = (safe(&o.author), safe(&o.device));
                        let also = crate::say!(
                            p.lang,
                            "    også {value} av {author} på {device} {at}",
                            "    also {value} by {author} on {device} at {at}"
                        );
                        writeln!(out, "{also}").map_err(io)?;
                    }
                }
                Ok(())
            })?;
        }
        ConflictCmd::Resolve { id, field, value } => {
            let c = s.resolve_conflict(&id, &field, value)?;
            let (what, n) = (c.kind.spec().label.get(p.lang), c.number);
            let settled = crate::say!(
                p.lang,
                "konflikten om {field} i {what} {n} er løst",
                "conflict on {field} of {what} {n} settled"
            );
            writeln!(out, "{settled}").map_err(io)?;
        }
    }
    Ok(true)
}

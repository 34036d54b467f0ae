//! `sitroom conflict`: conflicts: fields changed in two places at once

use crate::app::Session;
use crate::cli::error::Ran;
use clap::Subcommand;
use std::io::Write;

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

pub fn run(s: &mut Session, cmd: ConflictCmd, json: bool) -> Ran {
    let mut out = std::io::stdout().lock();
    match cmd {
        ConflictCmd::List => {
            let all = s.conflicts(None)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&all).expect("plain data"));
            } else if all.is_empty() {
                let _ = writeln!(out, "no conflicts");
            } else {
                for c in all {
                    let id = c.entity.to_string();
                    let _ = writeln!(
                        out,
                        "{} {} {} ({}): {} now {}",
                        c.kind.name(),
                        c.number,
                        c.field,
                        &id[..13],
                        c.field,
                        crate::text::safe(&c.current.to_string())
                    );
                    for o in c.others {
                        let _ = writeln!(
                            out,
                            "    also {} by {} on {} at {}",
                            crate::text::safe(&o.value.to_string()),
                            crate::text::safe(&o.author),
                            crate::text::safe(&o.device),
                            o.at.format("%Y-%m-%d %H:%M")
                        );
                    }
                }
            }
        }
        ConflictCmd::Resolve { id, field, value } => {
            let c = s.resolve_conflict(&id, &field, value)?;
            let _ = writeln!(out, "conflict on {} of {} {} settled", field, c.kind.name(), c.number);
        }
    }
    Ok(true)
}

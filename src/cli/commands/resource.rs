//! `sitroom resource`: resources (ressurser): what there is, where, and whether it is
//! free

use crate::app::Session;
use crate::cli::common::{export, import, ExportArgs, ImportArgs};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::domain::contact::{Availability, NewResource, Resource};
use crate::i18n::{Label, Lang};
use crate::text::safe_line;
use clap::Subcommand;

// ---- resources ----------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum ResourceCmd {
    /// Register a resource; prints its number
    Add {
        /// What it is: aggregat 40 kVA, feltsenger, satellittelefon …
        #[arg(long)]
        what: String,
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value_t = 1)]
        quantity: i64,
        /// Who owns it or is the contact for it
        #[arg(long, default_value = "")]
        owner: String,
        /// tilgjengelig, i bruk, utilgjengelig
        #[arg(long, default_value = "tilgjengelig")]
        availability: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// List resources, or those matching a search
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// Change availability, quantity, location or owner
    Set {
        number: i64,
        #[arg(long)]
        availability: Option<String>,
        #[arg(long)]
        quantity: Option<i64>,
        #[arg(long)]
        location: Option<String>,
        #[arg(long)]
        owner: Option<String>,
    },
    /// Import a CSV file; nothing is stored if a row is bad
    Import(ImportArgs),
    /// Export every resource as CSV
    Export(ExportArgs),
}

pub fn print_resource(out: Out<'_>, r: &Resource, lang: Lang) -> Result<(), CliError> {
    writeln!(
        out,
        "{:>4}  {:<13} {} × {}{}{}",
        r.number,
        r.availability.label().get(lang),
        r.quantity,
        safe_line(&r.what),
        if r.location.is_empty() { String::new() } else { format!(" @ {}", safe_line(&r.location)) },
        if r.owner.is_empty() { String::new() } else { format!("  ({})", safe_line(&r.owner)) },
    )
    .map_err(io)
}

pub fn run(s: &mut Session, cmd: ResourceCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        ResourceCmd::Add { what, location, quantity, owner, availability, notes } => {
            let availability = Availability::parse(&availability)?;
            let r = s.add_resource(NewResource { what, location, quantity, owner, availability, notes })?;
            p.number_or_json(out, r.number, &r).map_err(io)?;
        }
        ResourceCmd::List { search } => {
            let words: Vec<String> = search
                .as_deref()
                .map(crate::text::fold)
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect();
            let list: Vec<Resource> = s
                .resources()?
                .into_iter()
                .filter(|r| {
                    let hay =
                        crate::text::fold(&format!("{} {} {} {}", r.what, r.location, r.owner, r.notes));
                    words.iter().all(|w| hay.contains(w.as_str()))
                })
                .collect();
            either(out, p, &list, |out| list.iter().try_for_each(|r| print_resource(out, r, p.lang)))?;
        }
        ResourceCmd::Set { number, availability, quantity, location, owner } => {
            let availability = availability.map(|a| Availability::parse(&a)).transpose()?;
            let r = s.update_resource(number, |r| {
                if let Some(a) = availability {
                    r.availability = a;
                }
                if let Some(q) = quantity {
                    r.quantity = q;
                }
                if let Some(l) = location {
                    r.location = l;
                }
                if let Some(o) = owner {
                    r.owner = o;
                }
            })?;
            either(out, p, &r, |out| print_resource(out, &r, p.lang))?;
        }
        ResourceCmd::Import(args) => {
            return import(out, p, &args, |data, skip| s.import_resources(data, skip))
        }
        ResourceCmd::Export(args) => return export(out, &args, s.export_resources()),
    }
    Ok(true)
}

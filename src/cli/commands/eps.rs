//! `sitroom eps`: evacuees and next of kin (EPS); sensitive, for EPS, kriseledelse and
//! administrator

use crate::app::Session;
use crate::cli::common::write_private;
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::domain::eps::{EpsKind, EpsStatus, NewRegistration, Registration};
use crate::i18n::{Label, Lang};
use crate::text::safe_line;
use clap::Subcommand;
use std::path::PathBuf;

// ---- EPS ----------------------------------------------------------------------------

#[derive(Subcommand, Debug)]
pub enum EpsCmd {
    /// Register an evacuee, an affected person, or an inquiry from next of kin; prints its number
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// evakuert, berørt or henvendelse
        #[arg(long)]
        kind: String,
        /// The person (for an inquiry: the one who asks)
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        born: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// Where the person is now
        #[arg(long, default_value = "")]
        location: String,
        /// For an inquiry: whom it is about
        #[arg(long, default_value = "")]
        about: String,
        #[arg(long, default_value = "registrert")]
        status: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// The incident's registrations (EPS, kriseledelse and administrator only)
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Move a registration: registrert, savnet, ivaretatt, under oppfølging, avsluttet
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(required = true, num_args = 1..)]
        status: Vec<String>,
    },
    /// Export the registrations to a file (the export is logged)
    Export {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_parser = ["json", "csv"], default_value = "csv")]
        format: String,
    },
}

pub fn print_registration(out: Out<'_>, r: &Registration, lang: Lang) -> Result<(), CliError> {
    let about = if r.about.is_empty() { String::new() } else { format!(" (om {})", safe_line(&r.about)) };
    writeln!(
        out,
        "{:>3}  {:<11} {:<16} {}{about}{}{}",
        r.number,
        r.kind.label().get(lang),
        r.status.label().get(lang),
        safe_line(&r.name),
        if r.location.is_empty() { String::new() } else { format!(" @ {}", safe_line(&r.location)) },
        r.handled_by.as_deref().map(|h| format!("  [{}]", safe_line(h))).unwrap_or_default(),
    )
    .map_err(io)
}

pub fn eps_csv(all: &[Registration]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "nr",
        "type",
        "navn",
        "født",
        "telefon",
        "sted",
        "gjelder",
        "status",
        "notater",
        "behandlet av",
        "registrert",
    ]);
    for r in all {
        let _ = w.write_record([
            r.number.to_string(),
            r.kind.name().into(),
            r.name.clone(),
            r.born.clone(),
            r.phone.clone(),
            r.location.clone(),
            r.about.clone(),
            r.status.name().into(),
            r.notes.clone(),
            r.handled_by.clone().unwrap_or_default(),
            crate::domain::time::rfc3339(r.created_at),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn run(s: &mut Session, cmd: EpsCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        EpsCmd::Add { incident, kind, name, born, phone, location, about, status, notes } => {
            let incident = s.resolve_incident(incident)?;
            let new = NewRegistration {
                kind: EpsKind::parse(&kind)?,
                name,
                born,
                phone,
                location,
                about,
                status: EpsStatus::parse(&status)?,
                notes,
            };
            let (r, _) = s.add_eps_registration(&incident, new)?;
            p.number_or_json(out, r.number, &r).map_err(io)?;
        }
        EpsCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            let all = s.eps_registrations(&incident)?;
            either(out, p, &all, |out| all.iter().try_for_each(|r| print_registration(out, r, p.lang)))?;
        }
        EpsCmd::Status { incident, number, status } => {
            let incident = s.resolve_incident(incident)?;
            let (r, _) = s.set_eps_status(&incident, number, EpsStatus::parse(&status.join(" "))?)?;
            either(out, p, &r, |out| print_registration(out, &r, p.lang))?;
        }
        EpsCmd::Export { incident, out: file, format } => {
            let incident = s.resolve_incident(incident)?;
            let all = s.export_eps(&incident, &file.display().to_string())?;
            let text = if format == "json" {
                serde_json::to_string_pretty(&all).expect("plain data")
            } else {
                eps_csv(&all)
            };
            write_private(&file, &text)?;
            if !p.json {
                writeln!(
                    out,
                    "{} registrations written to {} (the export is logged)",
                    all.len(),
                    file.display()
                )
                .map_err(io)?;
            }
        }
    }
    Ok(true)
}

//! `sitroom print`: print on paper (PDF, text or HTML): the beredskapsperm, or an
//! incident

use crate::app::Session;
use crate::cli::error::{io, usage, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum PrintCmd {
    /// The beredskapsperm: alert lists, contacts, resources, action cards, plans
    Binder {
        /// The file: .pdf, .txt or .html (or say --format)
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_parser = ["pdf", "txt", "html"])]
        format: Option<String>,
    },
    /// An incident for a staff without screens: latest approved sitrep, open tasks, the log
    Incident {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_parser = ["pdf", "txt", "html"])]
        format: Option<String>,
    },
}

/// Write a document as the file's extension (or `--format`) says; PDF by default.
pub fn write_doc(
    doc: &crate::doc::Doc,
    file: &std::path::Path,
    format: Option<&str>,
) -> Result<(), CliError> {
    let ext = file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match format.or(ext.as_deref()) {
        Some("txt") | Some("text") => doc.to_text(crate::pdf::COLUMNS).into_bytes(),
        Some("html") | Some("htm") => doc.to_html().into_bytes(),
        _ => crate::pdf::render(doc),
    };
    std::fs::write(file, bytes).map_err(|e| usage(format!("cannot write {}: {e}", file.display())))
}

pub fn run(s: &mut Session, cmd: PrintCmd, p: &Printer, out: Out<'_>) -> Ran {
    let (doc, file, format) = match cmd {
        PrintCmd::Binder { out, format } => (s.binder()?, out, format),
        PrintCmd::Incident { incident, out, format } => {
            let incident = s.resolve_incident(incident)?;
            (s.incident_print(&incident)?, out, format)
        }
    };
    write_doc(&doc, &file, format.as_deref())?;
    let value = serde_json::json!({ "file": file, "title": doc.title });
    either(out, p, &value, |out| writeln!(out, "{}", file.display()).map_err(io))?;
    Ok(true)
}

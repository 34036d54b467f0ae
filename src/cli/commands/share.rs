//! The `sitroom report` commands that share approved reports upward between
//! organisations and take in, compare and compile what is shared with you.

use crate::app::Session;
use crate::cli::error::{io, usage, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::text::safe_line;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ShareCmd {
    /// Share an approved report upward: through the sync server to the organisation
    /// yours reports to (--upward), or as a file (--out: JSON, or EDXL-SitRep XML)
    Share {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        /// The version (default: the newest approved)
        #[arg(long)]
        version: Option<i64>,
        /// Send it through the sync server you are signed in to
        #[arg(long, conflicts_with = "out", required_unless_present = "out")]
        upward: bool,
        /// Write it to a file instead, for a link that is down
        #[arg(long)]
        out: Option<PathBuf>,
        /// json (default; another sitroom reads it) or edxl (EDXL-SitRep 1.0 XML)
        #[arg(long, value_parser = ["json", "edxl"], default_value = "json")]
        format: String,
        /// Whom the file is for, for the log (default: "fil")
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
    },
    /// Take in a report another installation shared as a file
    Receive {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        file: PathBuf,
    },
    /// Fetch the reports shared with your organisation from the sync server
    Inbox {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// The reports shared with you: the newest from each source, side by side
    Shared {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Every report received, not just the newest from each source
        #[arg(long)]
        all: bool,
    },
    /// Compile the newest shared report from each source into a new situation report
    Compile {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        title: Option<String>,
    },
}

/// The reports in columns, as many as fit the terminal (or 2 into a pipe), each
/// column headed by its source.
pub fn side_by_side(out: Out<'_>, reports: &[crate::domain::share::SharedReport]) -> Result<(), CliError> {
    let width = crossterm::terminal::size().map(|(w, _)| w as usize).unwrap_or(120).max(60);
    let per_row = (width / 40).clamp(1, 4);
    let col = width / per_row - 2;
    for group in reports.chunks(per_row) {
        let columns: Vec<Vec<String>> = group
            .iter()
            .map(|r| {
                let mut lines = vec![
                    r.from.to_uppercase(),
                    format!("{} v{}", r.title, r.version),
                    format!("godkjent {}", r.approved_at.with_timezone(&chrono::Local).format("%d.%m %H:%M")),
                    "─".repeat(col.min(30)),
                ];
                lines.extend(r.text.lines().map(str::to_string));
                lines.iter().flat_map(|l| crate::doc::wrap(&crate::text::safe_line(l), col)).collect()
            })
            .collect();
        let height = columns.iter().map(Vec::len).max().unwrap_or(0);
        for k in 0..height {
            let mut line = String::new();
            for c in &columns {
                let cell = c.get(k).map(String::as_str).unwrap_or("");
                let pad = col.saturating_sub(unicode_width::UnicodeWidthStr::width(cell));
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
            writeln!(out, "{}", line.trim_end()).map_err(io)?;
        }
        writeln!(out).map_err(io)?;
    }
    Ok(())
}

pub fn run(s: &mut Session, cmd: ShareCmd, p: &Printer, out: Out<'_>) -> Ran {
    match cmd {
        ShareCmd::Share { incident, number, version, upward, out: file, format, to } => {
            let incident = s.resolve_incident(incident)?;
            let (to, logged) = if upward {
                s.share_upward(&incident, number, version)?
            } else {
                let package = s.share_package(&incident, number, version)?;
                let file = file.expect("clap requires --out without --upward");
                let body = if format == "edxl" { package.to_edxl() } else { package.to_json() };
                std::fs::write(&file, body)
                    .map_err(|e| usage(format!("cannot write {}: {e}", file.display())))?;
                let to = to.unwrap_or_else(|| format!("fil {}", file.display()));
                let logged = s.log_shared(&incident, &package, &to)?;
                (to, logged)
            };
            let value = serde_json::json!({ "to": to, "log_entry": logged.seq });
            let to = safe_line(&to);
            either(out, p, &value, |out| {
                writeln!(out, "{}", crate::say!(p.lang, "delt med {to}", "shared with {to}")).map_err(io)
            })?;
        }
        ShareCmd::Receive { incident, file } => {
            let incident = s.resolve_incident(incident)?;
            let bytes =
                std::fs::read(&file).map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let report = crate::domain::share::SharedReport::parse(&bytes)?;
            let logged = s.receive_shared(&incident, &report, "fil")?;
            let value = serde_json::json!({ "from": report.from, "new": logged.is_some() });
            let (from, title) = (safe_line(&report.from), safe_line(&report.title));
            let said = match &logged {
                Some(_) => {
                    crate::say!(p.lang, "mottatt fra {from}: {title}", "received from {from}: {title}")
                }
                None => crate::say!(p.lang, "mottatt før: {title}", "received before: {title}"),
            };
            either(out, p, &value, |out| writeln!(out, "{said}").map_err(io))?;
        }
        ShareCmd::Inbox { incident } => {
            let incident = s.resolve_incident(incident)?;
            let fetched = s.fetch_shared(&incident)?;
            either(out, p, &fetched, |out| {
                let n = fetched.reports.len();
                writeln!(out, "{}", crate::say!(p.lang, "{n} nye delte rapporter", "{n} new shared reports"))
                    .map_err(io)?;
                for r in &fetched.reports {
                    writeln!(out, "  {}", safe_line(&r.reference())).map_err(io)?;
                }
                let receipts = fetched.receipts;
                if receipts > 0 {
                    let said = crate::say!(
                        p.lang,
                        "{receipts} kvitteringer for rapporter dere har delt",
                        "{receipts} receipts for reports you shared"
                    );
                    writeln!(out, "{said}").map_err(io)?;
                }
                Ok(())
            })?;
        }
        ShareCmd::Shared { incident, all } => {
            let incident = s.resolve_incident(incident)?;
            let reports = if all { s.shared_reports(&incident)? } else { s.latest_shared(&incident)? };
            either(out, p, &reports, |out| {
                if reports.is_empty() {
                    return writeln!(
                        out,
                        "{}",
                        p.lang.pick("ingen delte rapporter ennå", "no shared reports yet")
                    )
                    .map_err(io);
                }
                side_by_side(out, &reports)
            })?;
        }
        ShareCmd::Compile { incident, title } => {
            let incident = s.resolve_incident(incident)?;
            let r = s.compile_shared(&incident, title)?;
            p.number_or_json(out, r.number, &r).map_err(io)?;
        }
    }
    Ok(true)
}

//! The records commands: e-mail into the incident, the archive, the printed binder,
//! reports shared upward and the log as it stood.

use super::output::Printer;
use super::preparedness::{either, io, usage, Failure, Out};
use crate::app::{MailReport, Session};
use crate::domain::mail;
use crate::text::safe_line;
use clap::Subcommand;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum MailCmd {
    /// Take e-mail into the log: .eml files, a folder of them, a maildir or an mbox
    Import {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// What to import (optional with --watch)
        #[arg(required_unless_present = "watch")]
        path: Option<PathBuf>,
        /// Keep importing new mail dropped into this maildir (or folder) until stopped
        #[arg(long, value_name = "DIR")]
        watch: Option<PathBuf>,
        /// Seconds between looks at the watched folder
        #[arg(long, default_value_t = 2, value_name = "SECONDS")]
        every: u64,
    },
    /// The attachments of the incident's e-mail
    Attachments {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Save attachment POS of the e-mail in log entry SEQ to a file
    Save {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        seq: i64,
        position: i64,
        #[arg(long)]
        out: PathBuf,
    },
}

fn print_mail_report(out: Out<'_>, p: &Printer, r: &MailReport) -> Result<bool, Failure> {
    either(out, p, r, |out| {
        // Thousands of numbers help no one: the first and last, when there are many.
        let added: String = match r.added.as_slice() {
            [first, .., last] if r.added.len() > 10 => format!(" #{first} … #{last}"),
            few => few.iter().map(|s| format!(" #{s}")).collect(),
        };
        writeln!(out, "{} e-post tatt inn{added}", r.added.len()).map_err(io)?;
        if r.already_there > 0 {
            writeln!(out, "{} fantes fra før (samme Message-ID)", r.already_there).map_err(io)?;
        }
        Ok(())
    })?;
    for (label, why) in &r.skipped {
        eprintln!("sitroom: skipped {}: {}", safe_line(label), safe_line(why));
    }
    Ok(r.skipped.is_empty())
}

pub fn mail(s: &mut Session, cmd: MailCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
    match cmd {
        MailCmd::Import { incident, path, watch, every } => {
            let incident = s.resolve_incident(incident)?;
            let mut clean = true;
            if let Some(path) = path {
                clean &= print_mail_report(out, p, &s.import_mail(&incident, &path)?)?;
            }
            let Some(dir) = watch else { return Ok(clean) };
            // Files already looked at; a restart reads them once more and the
            // Message-ID check keeps them from being taken in twice.
            let mut seen: HashSet<PathBuf> = HashSet::new();
            loop {
                let mut files = Vec::new();
                for sub in ["new", "cur", ""] {
                    let folder = if sub.is_empty() { dir.clone() } else { dir.join(sub) };
                    if !sub.is_empty() || !mail::is_maildir(&dir) {
                        files.extend(
                            mail::files_in(&folder)
                                .map_err(|e| usage(format!("cannot read {}: {e}", folder.display())))?,
                        );
                    }
                }
                files.sort();
                let found: Vec<mail::Found> = files
                    .into_iter()
                    .filter_map(|f| {
                        if seen.contains(&f) {
                            return None;
                        }
                        let raw = std::fs::read(&f).ok()?; // gone meanwhile: moved by a reader
                        seen.insert(f.clone());
                        Some(mail::Found { label: f.display().to_string(), raw })
                    })
                    .collect();
                if !found.is_empty() {
                    let report = s.import_found(&incident, found)?;
                    if !report.added.is_empty() || !report.skipped.is_empty() {
                        print_mail_report(out, p, &report)?;
                        out.flush().map_err(io)?;
                    }
                }
                std::thread::sleep(Duration::from_secs(every.max(1)));
            }
        }
        MailCmd::Attachments { incident } => {
            let incident = s.resolve_incident(incident)?;
            let list = s.store.attachments(&incident, false).map_err(crate::app::AppError::from)?;
            either(out, p, &list, |out| {
                for a in &list {
                    writeln!(
                        out,
                        "#{:<5} {:>2}  {:<40} {:>9}  {}",
                        a.entry_seq,
                        a.position,
                        safe_line(&a.name),
                        mail::size(a.size as usize),
                        a.mime
                    )
                    .map_err(io)?;
                }
                Ok(())
            })?;
        }
        MailCmd::Save { incident, seq, position, out: file } => {
            let incident = s.resolve_incident(incident)?;
            let data =
                s.store.attachment_data(&incident, seq, position).map_err(crate::app::AppError::from)?;
            std::fs::write(&file, data)
                .map_err(|e| usage(format!("cannot write {}: {e}", file.display())))?;
        }
    }
    Ok(true)
}

#[derive(Subcommand, Debug)]
pub enum ArchiveCmd {
    /// Write the incident's whole record (log, decisions, minutes, reports, media,
    /// tasks, alerts) as HTML, text and JSON with a SHA-256 manifest
    Export {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// A new or empty folder
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an archive or journal folder: exit 0 intact, 1 if any file was changed,
    /// removed or added, or the log's hash chain does not hold
    Verify { dir: PathBuf },
    /// Continuous journalføring: export what is new since the last run into a folder
    Journal {
        /// The journal folder (default: [archive] journal in config.toml)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep running, once per interval: 30m, 6h, 24h, 1d (default: once)
        #[arg(long, value_name = "DURATION")]
        every: Option<String>,
    },
}

/// "90s", "30m", "6h", "1d": how often a job runs.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().map_err(|_| format!("{s:?} is not an interval (say 30m, 6h or 1d)"))?;
    let secs = match unit.trim() {
        "s" => n,
        "m" | "min" => n * 60,
        "h" | "t" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?} is not an interval (say 30m, 6h or 1d)")),
    };
    if secs == 0 {
        return Err("the interval must be more than zero".into());
    }
    Ok(Duration::from_secs(secs))
}

pub fn archive(
    s: &mut Session,
    cmd: ArchiveCmd,
    p: &Printer,
    out: Out<'_>,
    config: &crate::config::ArchiveConfig,
) -> Result<bool, Failure> {
    match cmd {
        ArchiveCmd::Export { incident, out: dir } => {
            let incident = s.resolve_incident(incident)?;
            let m = s.archive_export(&incident, &dir)?;
            either(out, p, &m, |out| {
                writeln!(
                    out,
                    "{}: {} loggføringer, {} filer og manifest.json",
                    dir.display(),
                    m.log_entries,
                    m.files.len()
                )
                .map_err(io)
            })?;
        }
        ArchiveCmd::Verify { dir } => {
            let server_key = s.store.meta("server_key")?.filter(|k| !k.is_empty());
            let v = crate::archive::verify(&dir, server_key.as_deref())
                .map_err(|e| usage(format!("{}: {e}", dir.display())))?;
            let problems: Vec<String> = v.problems.iter().map(ToString::to_string).collect();
            let value = serde_json::json!({
                "intact": problems.is_empty(), "archives": v.archives, "files": v.files,
                "log_entries": v.entries, "signed_chains": v.signed_chains, "problems": problems,
            });
            either(out, p, &value, |out| {
                for pr in &problems {
                    writeln!(out, "{}", safe_line(pr)).map_err(io)?;
                }
                if problems.is_empty() {
                    writeln!(
                        out,
                        "intact: {} archive(s), {} files, {} log entries, hash chains whole, {} chain(s) signed",
                        v.archives, v.files, v.entries, v.signed_chains
                    )
                    .map_err(io)?;
                }
                Ok(())
            })?;
            return Ok(problems.is_empty());
        }
        ArchiveCmd::Journal { out: dir, every } => {
            let dir = dir.or_else(|| config.journal.clone()).ok_or_else(|| {
                usage("say where the journal goes: --out DIR, or [archive] journal in config.toml".into())
            })?;
            let every = every
                .or_else(|| config.every.clone())
                .map(|e| parse_interval(&e))
                .transpose()
                .map_err(usage)?;
            loop {
                let batches = s.archive_journal(&dir)?;
                either(out, p, &batches, |out| {
                    if batches.is_empty() {
                        writeln!(out, "nothing new since the last run").map_err(io)?;
                    }
                    for b in &batches {
                        writeln!(
                            out,
                            "incident {}: batch {} with {} log entries and {} other records in {}",
                            b.incident,
                            b.batch,
                            b.log_entries,
                            b.records,
                            b.dir.display()
                        )
                        .map_err(io)?;
                    }
                    Ok(())
                })?;
                out.flush().map_err(io)?;
                match every {
                    Some(d) => std::thread::sleep(d),
                    None => break,
                }
            }
        }
    }
    Ok(true)
}

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
fn write_doc(doc: &crate::doc::Doc, file: &std::path::Path, format: Option<&str>) -> Result<(), Failure> {
    let ext = file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match format.or(ext.as_deref()) {
        Some("txt") | Some("text") => doc.to_text(crate::pdf::COLUMNS).into_bytes(),
        Some("html") | Some("htm") => doc.to_html().into_bytes(),
        _ => crate::pdf::render(doc),
    };
    std::fs::write(file, bytes).map_err(|e| usage(format!("cannot write {}: {e}", file.display())))
}

pub fn print(s: &mut Session, cmd: PrintCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
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

/// `sitroom history --at TIME`: the log, task board and latest approved sitrep as they
/// stood then.
pub fn history(
    s: &mut Session,
    incident: Option<i64>,
    at: &str,
    p: &Printer,
    out: Out<'_>,
) -> Result<bool, Failure> {
    let incident = s.resolve_incident(incident)?;
    let at = crate::domain::time::parse_moment(at, &chrono::Local::now()).map_err(usage)?;
    let then = s.as_of(&incident, at)?;
    let local =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono::Local).format("%d.%m %H:%M").to_string();
    either(out, p, &then, |out| {
        writeln!(out, "Slik det sto {}", then.at.with_timezone(&chrono::Local).format("%d.%m.%Y %H:%M"))
            .map_err(io)?;
        writeln!(out, "\nLogg ({} føringer)", then.log.len()).map_err(io)?;
        for e in &then.log {
            let first = e.text.lines().next().unwrap_or("");
            writeln!(
                out,
                "#{:<5} {}  {:<10} {}",
                e.seq,
                local(e.reported_at),
                safe_line(&e.author),
                safe_line(first)
            )
            .map_err(io)?;
        }
        writeln!(out, "\nOppgaver ({})", then.tasks.len()).map_err(io)?;
        for t in &then.tasks {
            let who = t.assignee.as_deref().map(safe_line).unwrap_or_default();
            writeln!(out, "{:>4}  {:<8} {:<12} {}", t.number, t.status.name(), who, safe_line(&t.title))
                .map_err(io)?;
        }
        match &then.sitrep {
            Some(r) => {
                let when = r.approved_at.map(local).unwrap_or_default();
                writeln!(
                    out,
                    "\nSiste godkjente situasjonsrapport: {} v{} (godkjent {when})",
                    r.number, r.version
                )
                .map_err(io)?;
                writeln!(out, "{}", crate::text::safe(&r.text)).map_err(io)?;
            }
            None => writeln!(out, "\nIngen godkjent situasjonsrapport da.").map_err(io)?,
        }
        Ok(())
    })?;
    Ok(true)
}

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
fn side_by_side(out: Out<'_>, reports: &[crate::domain::share::SharedReport]) -> Result<(), Failure> {
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

pub fn sharing(s: &mut Session, cmd: ShareCmd, p: &Printer, out: Out<'_>) -> Result<bool, Failure> {
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
            either(out, p, &value, |out| writeln!(out, "delt med {}", safe_line(&to)).map_err(io))?;
        }
        ShareCmd::Receive { incident, file } => {
            let incident = s.resolve_incident(incident)?;
            let bytes =
                std::fs::read(&file).map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
            let report = crate::domain::share::SharedReport::parse(&bytes)?;
            let logged = s.receive_shared(&incident, &report, "fil")?;
            let value = serde_json::json!({ "from": report.from, "new": logged.is_some() });
            either(out, p, &value, |out| match &logged {
                Some(_) => {
                    writeln!(out, "mottatt fra {}: {}", safe_line(&report.from), safe_line(&report.title))
                        .map_err(io)
                }
                None => writeln!(out, "mottatt før: {}", safe_line(&report.title)).map_err(io),
            })?;
        }
        ShareCmd::Inbox { incident } => {
            let incident = s.resolve_incident(incident)?;
            let fetched = s.fetch_shared(&incident)?;
            either(out, p, &fetched, |out| {
                writeln!(out, "{} nye delte rapporter", fetched.reports.len()).map_err(io)?;
                for r in &fetched.reports {
                    writeln!(out, "  {}", safe_line(&r.reference())).map_err(io)?;
                }
                if fetched.receipts > 0 {
                    writeln!(out, "{} kvitteringer for rapporter dere har delt", fetched.receipts)
                        .map_err(io)?;
                }
                Ok(())
            })?;
        }
        ShareCmd::Shared { incident, all } => {
            let incident = s.resolve_incident(incident)?;
            let reports = if all { s.shared_reports(&incident)? } else { s.latest_shared(&incident)? };
            either(out, p, &reports, |out| {
                if reports.is_empty() {
                    return writeln!(out, "ingen delte rapporter ennå").map_err(io);
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

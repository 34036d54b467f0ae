//! `sitroom mail`: e-mail into the incident (e-post-innboks): .eml, maildir, mbox;
//! --watch a maildir

use crate::app::{MailReport, Session};
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, Printer};
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

pub fn print_mail_report(out: Out<'_>, p: &Printer, r: &MailReport) -> Ran {
    either(out, p, r, |out| {
        // Thousands of numbers help no one: the first and last, when there are many.
        let added: String = match r.added.as_slice() {
            [first, .., last] if r.added.len() > 10 => format!(" #{first} … #{last}"),
            few => few.iter().map(|s| format!(" #{s}")).collect(),
        };
        let (n, there) = (r.added.len(), r.already_there);
        writeln!(out, "{}", crate::say!(p.lang, "{n} e-post tatt inn{added}", "{n} e-mails taken in{added}"))
            .map_err(io)?;
        if there > 0 {
            let said = crate::say!(
                p.lang,
                "{there} fantes fra før (samme Message-ID)",
                "{there} were there already (same Message-ID)"
            );
            writeln!(out, "{said}").map_err(io)?;
        }
        Ok(())
    })?;
    for (label, why) in &r.skipped {
        eprintln!("sitroom: skipped {}: {}", safe_line(label), safe_line(why));
    }
    Ok(r.skipped.is_empty())
}

pub fn run(s: &mut Session, cmd: MailCmd, p: &Printer, out: Out<'_>) -> Ran {
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

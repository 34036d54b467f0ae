//! `sitroom archive`: the archive (arkiv): export an incident's record, verify it,
//! journal continuously

use crate::app::Session;
use crate::cli::common::parse_interval;
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::text::safe_line;
use clap::Subcommand;
use std::path::PathBuf;

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

pub fn run(
    s: &mut Session,
    cmd: ArchiveCmd,
    p: &Printer,
    out: Out<'_>,
    config: &crate::config::ArchiveConfig,
) -> Ran {
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
            return verify(&dir, server_key.as_deref(), p, out);
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
                        let none = p
                            .lang
                            .pick("ingenting nytt siden forrige gang", "nothing new since the last run");
                        writeln!(out, "{none}").map_err(io)?;
                    }
                    for b in &batches {
                        let (i, n, entries, records, dir) =
                            (b.incident, b.batch, b.log_entries, b.records, b.dir.display());
                        let said = crate::say!(
                            p.lang,
                            "hendelse {i}: leveranse {n} med {entries} loggføringer og {records} andre registreringer i {dir}",
                            "incident {i}: batch {n} with {entries} log entries and {records} other records in {dir}"
                        );
                        writeln!(out, "{said}").map_err(io)?;
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

/// Check an archive folder: the hash chains, the files, and the chains' signatures
/// against `server_key` when there is one. Needs no database: an archive is checked
/// on any machine, and checking one makes nothing.
pub fn verify(dir: &std::path::Path, server_key: Option<&str>, p: &Printer, out: Out<'_>) -> Ran {
    let v = crate::archive::verify(dir, server_key).map_err(|e| usage(format!("{}: {e}", dir.display())))?;
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
            let (archives, files, entries, signed) = (v.archives, v.files, v.entries, v.signed_chains);
            let said = crate::say!(
                p.lang,
                "hel: {archives} arkiv, {files} filer, {entries} loggføringer, hash-kjedene hele, {signed} kjede(r) signert",
                "intact: {archives} archive(s), {files} files, {entries} log entries, hash chains whole, {signed} chain(s) signed"
            );
            writeln!(out, "{said}").map_err(io)?;
        }
        Ok(())
    })?;
    Ok(problems.is_empty())
}

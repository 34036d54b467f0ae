//! What several commands share: dates and intervals as people write them, files in
//! and out (sensitive ones private), passwords, roles, a runtime, the server's store.

use crate::app::settings::Settings;
use crate::app::RegisterImport;
use crate::cli::error::{io, usage, CliError, Out, Ran};
use crate::cli::output::{json, Printer};
#[cfg(feature = "server")]
use crate::domain::roles::Role;
use crate::domain::time::parse_due;
#[cfg(feature = "server")]
use crate::server::SqliteServer;
use crate::sync::client;
use crate::sync::client::Login;
use crate::text::safe_line;
use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// A date ("2027-03-01", end of that day, local time), a time today ("14:00") or an
/// RFC 3339 time.
pub fn parse_date(s: &str) -> Result<DateTime<Utc>, CliError> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let t = d.and_hms_opt(23, 59, 59).expect("a valid time");
        return Local
            .from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| usage(format!("{s} is not a date here")));
    }
    parse_due(s, &Local::now()).map_err(|e| usage(format!("{e} (or a date: 2027-03-01)")))
}

pub fn read_input(file: &Path) -> Result<Vec<u8>, CliError> {
    if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(file).map_err(|e| usage(format!("cannot read {}: {e}", file.display())))
}

pub fn write_output(out: Out<'_>, file: Option<&Path>, text: &str) -> Result<(), CliError> {
    match file {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
        }
        None => out.write_all(text.as_bytes()).map_err(io),
    }
}

/// Write sensitive data to a file only its owner can read, from the first byte.
pub fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    let fail = |e: std::io::Error| usage(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // A file that was already there keeps its mode on open: narrow it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
        }
    }
    let mut f = options.open(path).map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)
}

pub fn print_import(out: Out<'_>, p: &Printer, r: &RegisterImport) -> Ran {
    if p.json {
        json(out, r)?;
    } else {
        for bad in &r.rejected {
            let (line, reason) = (bad.line, safe_line(bad.reason.said(p.lang)));
            writeln!(out, "{}", crate::say!(p.lang, "linje {line}: {reason}", "line {line}: {reason}"))
                .map_err(io)?;
        }
        let (added, there, rejected) = (r.added, r.skipped, r.rejected.len());
        let said = if r.imported {
            crate::say!(
                p.lang,
                "{added} lagt til, {there} fantes fra før, {rejected} avvist",
                "{added} added, {there} already there, {rejected} rejected"
            )
        } else {
            crate::say!(
                p.lang,
                "ingenting tatt inn: {rejected} rad(er) avvist; rett dem, eller ta inn de gode radene med --skip-bad",
                "nothing imported: {rejected} row(s) rejected; fix them, or import the good rows with --skip-bad"
            )
        };
        writeln!(out, "{said}").map_err(io)?;
    }
    Ok(r.imported)
}

pub use crate::domain::time::parse_interval;

#[cfg(feature = "server")]
pub fn roles(names: &[String]) -> Result<Vec<Role>, CliError> {
    Ok(names.iter().map(|r| Role::parse(r)).collect::<Result<_, _>>()?)
}

/// A password from the first line of standard input, or asked for on the terminal
/// without echo.
pub fn password(from_stdin: bool, prompt: &str) -> Result<String, String> {
    let pw = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        read_hidden(prompt)?
    };
    if pw.is_empty() {
        return Err("the password is empty".into());
    }
    Ok(pw)
}

pub fn read_hidden(prompt: &str) -> Result<String, String> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    use crossterm::terminal;
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err("no terminal to ask for the password on; use --password-stdin".into());
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    terminal::enable_raw_mode().map_err(|e| e.to_string())?;
    let mut pw = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err("cancelled".into())
                }
                KeyCode::Char(c) => pw.push(c),
                KeyCode::Backspace => {
                    pw.pop();
                }
                KeyCode::Esc => break Err("cancelled".to_string()),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = terminal::disable_raw_mode();
    eprintln!();
    result.map(|_| pw)
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

/// The server's store: PostgreSQL when `store` is a postgres:// URL (its copy of the
/// records, seldom needed by an admin command, in a temporary folder), else the SQLite
/// file it names (or `db`).
#[cfg(feature = "server")]
pub fn any_server_store(
    db: &std::path::Path,
    store: Option<&str>,
) -> Result<std::sync::Arc<dyn crate::server::ServerStore>, CliError> {
    Ok(match store {
        Some(url) if crate::server::is_store_url(url) => {
            std::sync::Arc::new(crate::server::PgServer::open(url, &std::env::temp_dir())?)
        }
        Some(path) => std::sync::Arc::new(SqliteServer::open(std::path::Path::new(path))?),
        None => std::sync::Arc::new(SqliteServer::open(db)?),
    })
}

pub fn signed_in(settings: &Settings) -> Result<Login, CliError> {
    client::load_login(&settings.db)?
        .ok_or_else(|| usage("not signed in; run `sitroom login --server URL --user NAME` first".into()))
}

/// A register file to import: CSV (comma or semicolon; contacts also vCard).
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The file, or - for standard input
    pub file: PathBuf,
    /// Store the good rows even when some are bad (the bad ones are listed)
    #[arg(long)]
    pub skip_bad: bool,
}

/// Where an export goes.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The file to write (standard output if not given)
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Import a register file: nothing is stored if a row is bad, unless --skip-bad.
pub fn import(
    out: Out<'_>,
    p: &Printer,
    args: &ImportArgs,
    store: impl FnOnce(&[u8], bool) -> crate::app::Result<RegisterImport>,
) -> Ran {
    let data = read_input(&args.file)?;
    print_import(out, p, &store(&data, args.skip_bad)?)
}

/// Write an export where it was asked to go.
pub fn export(out: Out<'_>, args: &ExportArgs, text: crate::app::Result<String>) -> Ran {
    write_output(out, args.out.as_deref(), &text?)?;
    Ok(true)
}

//! The command line: every write the TUI can do, for scripts and tests, with `--json`
//! for stable output. Parsing here, work in `app`, printing in `output`.

mod output;

use crate::app::{AppError, EntryInput, Session};
use crate::config::{self, Config};
use crate::domain::{time::parse_at, NewIncident, Severity};
use crate::i18n::Lang;
use chrono::Local;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "sitroom", version, about = "Crisis staff room in the terminal: incidents and a fast, durable incident log.", long_about = None)]
pub struct Cli {
    /// The database file (default: sitroom.db in your data folder)
    #[arg(long, env = "SITROOM_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Who you are in the log (default: config, then your OS user name)
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Language of the interface (default: config, then LANG)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Theme: dark, light, high-contrast, or one of your own
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Keymap: default, vim, or one of your own
    #[arg(long, global = true, value_name = "NAME")]
    pub keymap: Option<String>,
    /// Print listings as JSON
    #[arg(long, global = true)]
    pub json: bool,
    /// Draw the first frame and exit (for start-up measurements)
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Incidents (hendelser): create, list, close, reopen, choose
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// The incident log (hendelseslogg)
    #[command(subcommand)]
    Log(LogCmd),
}

#[derive(Subcommand, Debug)]
pub enum IncidentCmd {
    /// Open a new incident and make it your active one; prints its number
    New {
        #[arg(long)]
        title: String,
        /// Incident type (flom, brann, strømbrudd, ekom-bortfall, …)
        #[arg(long = "type", default_value = "annet")]
        kind: String,
        /// 1 (lav) to 5 (kritisk)
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=5))]
        severity: u8,
        /// Mark as an exercise (øvelse)
        #[arg(long)]
        exercise: bool,
    },
    /// List incidents, open first
    List,
    /// Close an incident
    Close { number: i64 },
    /// Reopen a closed incident
    Reopen { number: i64 },
    /// Make an incident your active one
    Use { number: i64 },
}

#[derive(Subcommand, Debug)]
pub enum LogCmd {
    /// Add an entry; quick marks work as in the TUI (`!` decision, `#tag`, `@name`, `14:32 `)
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// When it was said: HH:MM (today) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Mark the entry significant (vesentlig)
        #[arg(long)]
        significant: bool,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Correct entry SEQ with a new entry (the original stays, marked as corrected)
    Correct {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        seq: i64,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Mark entry SEQ significant (vesentlig), or clear the mark with --off
    Mark {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        seq: i64,
        #[arg(long)]
        off: bool,
    },
    /// List the log
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Import entries: JSON lines as `log list --json` prints them, or typed lines
    Import {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// The file, or - for standard input
        file: PathBuf,
    },
    /// Check the hash chain: exit 0 intact, 1 broken (naming the first broken entry)
    Verify {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
}

/// Everything resolved from flags, environment and config.
pub struct Settings {
    pub db: PathBuf,
    pub user: String,
    pub lang: Lang,
    pub config: Config,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Result<Settings, String> {
        let config = Config::load().map_err(|e| e.to_string())?;
        let db = cli
            .db
            .clone()
            .or_else(|| config.db.clone())
            .or_else(config::default_db_path)
            .ok_or("cannot find a data folder for the database; give --db PATH")?;
        let user = cli.user.clone().or_else(|| config.user.clone()).unwrap_or_else(config::os_user);
        let lang = cli.lang.or(config.lang).unwrap_or_else(Lang::from_env);
        Ok(Settings { db, user, lang, config })
    }

    pub fn open_session(&self) -> Result<Session, AppError> {
        Session::open(&self.db, &self.user, self.config.incident_types())
    }
}

/// Run a parsed command line. Errors are printed here, to stderr, once.
pub fn run(cli: Cli) -> ExitCode {
    let settings = match Settings::resolve(&cli) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let result = match cli.command {
        None => crate::tui::run(&settings, &cli).map(|_| ExitCode::SUCCESS),
        Some(cmd) => settings.open_session().map_err(|e| e.to_string()).and_then(|mut s| {
            execute(&mut s, cmd, &output::Printer { json: cli.json, lang: settings.lang })
                .map_err(|e| e.to_string())
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "sitroom: {}", crate::text::safe(message));
    ExitCode::from(2)
}

fn execute(s: &mut Session, cmd: Command, p: &output::Printer) -> Result<ExitCode, AppError> {
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // `sitroom log list | head`: the reader has all it wanted.
            std::process::exit(0);
        }
        AppError::Usage(format!("cannot write output: {e}"))
    };
    match cmd {
        Command::Incident(cmd) => match cmd {
            IncidentCmd::New { title, kind, severity, exercise } => {
                let severity = Severity::new(severity)?;
                let i = s.create_incident(NewIncident { title, kind, severity, exercise })?;
                p.incident_created(&mut out, &i).map_err(io)?;
            }
            IncidentCmd::List => p.incidents(&mut out, &s.incidents()?).map_err(io)?,
            IncidentCmd::Close { number } => {
                let i = s.close_incident(number)?;
                p.incident(&mut out, &i).map_err(io)?;
            }
            IncidentCmd::Reopen { number } => {
                let i = s.reopen_incident(number)?;
                p.incident(&mut out, &i).map_err(io)?;
            }
            IncidentCmd::Use { number } => {
                let i = s.incident(number)?;
                s.set_active(&i)?;
                p.incident(&mut out, &i).map_err(io)?;
            }
        },
        Command::Log(cmd) => match cmd {
            LogCmd::Add { incident, at, significant, text } => {
                let incident = s.resolve_incident(incident)?;
                let at = at.map(|a| parse_at(&a, &Local::now())).transpose().map_err(AppError::Usage)?;
                let input = EntryInput { at, significant, ..EntryInput::now(text.join(" ")) };
                let e = s.add_entry(&incident, input)?;
                p.entry(&mut out, &e, None).map_err(io)?;
            }
            LogCmd::Correct { incident, seq, text } => {
                let incident = s.resolve_incident(incident)?;
                let target = s.entry(&incident, seq)?;
                let input = EntryInput { corrects: Some(target.id), ..EntryInput::now(text.join(" ")) };
                let e = s.add_entry(&incident, input)?;
                p.entry(&mut out, &e, Some(target.seq)).map_err(io)?;
            }
            LogCmd::Mark { incident, seq, off } => {
                let incident = s.resolve_incident(incident)?;
                let target = s.entry(&incident, seq)?;
                s.set_significant(target.id, !off)?;
                let e = s.entry(&incident, seq)?;
                p.entry(&mut out, &e, None).map_err(io)?;
            }
            LogCmd::List { incident } => {
                let incident = s.resolve_incident(incident)?;
                p.entries(&mut out, &s.entries(&incident)?).map_err(io)?;
            }
            LogCmd::Import { incident, file } => {
                let incident = s.resolve_incident(incident)?;
                let report = if file.as_os_str() == "-" {
                    s.import(&incident, std::io::stdin().lock())?
                } else {
                    let f = std::fs::File::open(&file)
                        .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", file.display())))?;
                    s.import(&incident, std::io::BufReader::with_capacity(1 << 16, f))?
                };
                p.import_report(&mut out, &report).map_err(io)?;
            }
            LogCmd::Verify { incident } => {
                let incident = s.resolve_incident(incident)?;
                let intact = p.verify(&mut out, &incident, &s.verify(&incident)?).map_err(io)?;
                return Ok(if intact { ExitCode::SUCCESS } else { ExitCode::from(1) });
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

//! The command line: every write the TUI can do, for scripts and tests, with `--json`
//! for stable output. Parsing here, work in `app`, printing in `output`.

mod output;
mod preparedness;
mod records;
mod sync_cmds;

use crate::app::settings::{Overrides, Settings};
use crate::app::{AppError, EntryInput, Session};
use crate::domain::time::{parse_at, parse_due};
use crate::domain::{NewIncident, Severity};
use crate::i18n::Lang;
use chrono::Local;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "sitroom", version, about = "Crisis staff room in the terminal: incidents, the incident log, tasks, media inquiries, reports and meetings.", long_about = None)]
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
    /// Tasks and measures (oppgaver og tiltak)
    #[command(subcommand)]
    Task(TaskCmd),
    /// The media queue (mediehenvendelser)
    #[command(subcommand)]
    Media(MediaCmd),
    /// Reports and situation reports (rapporter, situasjonsrapport)
    #[command(subcommand)]
    Report(ReportCmd),
    /// Meetings (møter): agenda, recording per item, minutes
    #[command(subcommand)]
    Meeting(MeetingCmd),
    /// Users and their roles
    #[command(subcommand)]
    User(UserCmd),
    /// Contacts (kontakter): add, search, import CSV/vCard, export CSV
    #[command(subcommand)]
    Contact(preparedness::ContactCmd),
    /// Resources (ressurser): what there is, where, and whether it is free
    #[command(subcommand)]
    Resource(preparedness::ResourceCmd),
    /// Alert lists and alerting (varslingslister, varsling) with answers and escalation
    #[command(subcommand)]
    Alert(preparedness::AlertCmd),
    /// Action cards (tiltakskort): checklists that become tasks
    #[command(subcommand)]
    Card(preparedness::CardCmd),
    /// Contingency plans (beredskapsplaner) and sub-plans
    #[command(subcommand)]
    Plan(preparedness::PlanCmd),
    /// The ROS register: unwanted events, the risk matrix, measures
    #[command(subcommand)]
    Ros(preparedness::RosCmd),
    /// Evacuees and next of kin (EPS); sensitive, for EPS, kriseledelse and administrator
    #[command(subcommand)]
    Eps(preparedness::EpsCmd),
    /// Exercises (øvelser): inject scripts on the exercise clock
    #[command(subcommand)]
    Exercise(preparedness::ExerciseCmd),
    /// Evaluation (evaluering) after an incident or exercise
    #[command(subcommand)]
    Evaluation(preparedness::EvaluationCmd),
    /// E-mail into the incident (e-post-innboks): .eml, maildir, mbox; --watch a maildir
    #[command(subcommand)]
    Mail(records::MailCmd),
    /// The archive (arkiv): export an incident's record, verify it, journal continuously
    #[command(subcommand)]
    Archive(records::ArchiveCmd),
    /// Print on paper (PDF, text or HTML): the beredskapsperm, or an incident
    #[command(subcommand)]
    Print(records::PrintCmd),
    /// The log, task board and latest approved sitrep as they stood at a time (tidsreise)
    History {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// 14:30, 24.11 14:30, 2026-11-24 14:30 or RFC 3339
        #[arg(long, value_name = "TIME")]
        at: String,
    },
    /// Run the sync server (default database: server.db in your data folder)
    Serve(ServeArgs),
    /// Administer the sync server's organisations and accounts (with the server's --db)
    #[command(subcommand)]
    Admin(sync_cmds::AdminCmd),
    /// Sign this database in to a sync server (with --user NAME)
    Login {
        /// http(s)://host:port of the server
        #[arg(long)]
        server: String,
        /// Read the password from the first line of standard input (for scripts)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign out: end the session on the server and forget it here
    Logout,
    /// Sync now: send what the server has not got, fetch what is new
    Sync {
        #[command(subcommand)]
        cmd: Option<sync_cmds::SyncCmd>,
    },
    /// Carry changes on a file between machines with no link (sneakernet)
    #[command(subcommand)]
    Bundle(sync_cmds::BundleCmd),
    /// Conflicts: fields changed in two places at once
    #[command(subcommand)]
    Conflict(sync_cmds::ConflictCmd),
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR")]
    pub listen: String,
    /// TLS certificate chain (PEM); with --tls-key the server speaks https
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Seconds a client may take to send a request (headers or body), and that a
    /// connection may stay open with nothing under way
    #[arg(long, default_value_t = 30, value_name = "SECONDS", hide = true)]
    pub read_timeout: u64,
    /// Serve plain http on an address other than loopback (passwords and tokens
    /// cross the network readable): only on a closed network
    #[arg(long)]
    pub allow_cleartext: bool,
    /// Continuous journalføring: export what is new into this archive folder
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// How often to journal: 30m, 6h, 24h, 1d (default: daily)
    #[arg(long, value_name = "DURATION", requires = "journal")]
    pub journal_every: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum MeetingCmd {
    /// Plan a meeting; prints its number
    New {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        title: String,
        /// When: HH:MM (the next one) or an RFC 3339 time (default: now)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Who takes part (repeat, or separate with commas)
        #[arg(long = "participant", value_delimiter = ',')]
        participants: Vec<String>,
        /// An agenda item (repeat for each, in order)
        #[arg(long = "item")]
        agenda: Vec<String>,
    },
    /// The incident's meetings
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Start a meeting: from now on log entries are recorded under it
    Start {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Go to agenda item K of the running meeting
    Item {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        item: i64,
    },
    /// End the meeting and draft its minutes as a møtereferat report; prints the report's number
    End {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// Start a report from a template; prints its number
    New {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// situasjonsrapport, møtereferat, pressemelding, or one of your own
        #[arg(long, default_value = "situasjonsrapport")]
        template: String,
        #[arg(long)]
        title: Option<String>,
    },
    /// The incident's reports (latest versions)
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
    },
    /// Show a report (the latest version, or --version V)
    Show {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Replace a draft's text with a file's (- for standard input)
    Edit {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        file: PathBuf,
    },
    /// Send for approval
    Submit {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Approve (kriseledelse, administrator)
    Approve {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Return to the writer with a comment (kriseledelse, administrator)
    Return {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        comment: String,
    },
    /// Mark an approved report distributed
    Distribute {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Start a new version (a draft) of an approved report
    NewVersion {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
    },
    /// Write a report version as Markdown or plain text
    Export {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, value_parser = ["md", "txt"], default_value = "md")]
        format: String,
        /// A file (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The templates there are
    Templates,
    #[command(flatten)]
    Sharing(records::ShareCmd),
}

#[derive(Subcommand, Debug)]
pub enum MediaCmd {
    /// Register a media inquiry (or with --outgoing, a contact the staff makes); prints its number
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// NRK Vestfold, VG, Sandefjords Blad …
        #[arg(long)]
        outlet: String,
        #[arg(long, default_value = "")]
        journalist: String,
        /// Phone or e-mail
        #[arg(long, default_value = "")]
        contact: String,
        /// The question, or the matter
        #[arg(long)]
        question: String,
        /// HH:MM (the next one) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        deadline: Option<String>,
        #[arg(long)]
        responsible: Option<String>,
        #[arg(long)]
        outgoing: bool,
    },
    /// The queue, by deadline
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long)]
        status: Option<String>,
    },
    /// Record the answer given (the inquiry becomes besvart)
    Answer {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        answer: Vec<String>,
    },
    /// Move an inquiry: ny, under-arbeid, besvart, avsluttet
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        status: String,
    },
    /// Who answers it (or no one with --none)
    Assign {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        number: i64,
        #[arg(required_unless_present = "none")]
        responsible: Option<String>,
        #[arg(long, conflicts_with = "responsible")]
        none: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TaskCmd {
    /// Create a task; prints its number. With --from SEQ the entry's text and @name
    /// are used where no --title or --assignee is given.
    Add {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        #[arg(long, required_unless_present = "from")]
        title: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// A user name or a free-text contact
        #[arg(long)]
        assignee: Option<String>,
        /// lav, normal, høy or kritisk
        #[arg(long, default_value = "normal")]
        priority: String,
        /// HH:MM (today) or an RFC 3339 time
        #[arg(long, value_name = "TIME")]
        due: Option<String>,
        /// The log entry (its number) the task comes from
        #[arg(long, value_name = "SEQ")]
        from: Option<i64>,
    },
    /// List the incident's tasks
    List {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// Only tasks with this status
        #[arg(long)]
        status: Option<String>,
    },
    /// Give a task to someone (or to no one with --none)
    Assign {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        task: i64,
        #[arg(required_unless_present = "none")]
        assignee: Option<String>,
        #[arg(long, conflicts_with = "assignee")]
        none: bool,
    },
    /// Move a task: ny, pågår, utført, avbrutt
    Status {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        task: i64,
        status: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user with one or more roles (the first user must be an administrator)
    Add {
        name: String,
        /// administrator, beredskapsmedarbeider, informasjonsmedarbeider, kriseledelse, loggfører, eps, gjest
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// List users and their roles
    List,
    /// Replace a user's roles
    Roles {
        name: String,
        #[arg(required = true, num_args = 1.., value_delimiter = ',')]
        roles: Vec<String>,
    },
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

/// Run a parsed command line. Errors are printed here, to stderr, once.
pub fn run(cli: Cli) -> ExitCode {
    let asked = Overrides {
        db: cli.db.clone(),
        user: cli.user.clone(),
        lang: cli.lang,
        serving: matches!(cli.command, Some(Command::Serve(_) | Command::Admin(_))),
    };
    let settings = match Settings::resolve(&asked) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let result = match cli.command {
        None => tui(&settings, &cli).map(|_| ExitCode::SUCCESS),
        Some(Command::Serve(args)) => sync_cmds::serve(&settings, &args),
        Some(Command::Admin(cmd)) => sync_cmds::admin(&settings, cmd, cli.json),
        Some(Command::Login { server, password_stdin }) => match &cli.user {
            Some(name) => sync_cmds::login(&settings, &server, name, password_stdin, cli.json),
            None => Err("say who signs in: `sitroom login --server URL --user NAME`".into()),
        },
        Some(Command::Logout) => sync_cmds::logout(&settings),
        Some(Command::Sync { cmd }) => sync_cmds::sync(&settings, cmd, cli.json),
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
                let intact = p
                    .verify(&mut out, &incident, &s.verify(&incident)?, &s.signatures(&incident)?)
                    .map_err(io)?;
                return Ok(if intact { ExitCode::SUCCESS } else { ExitCode::from(1) });
            }
        },
        Command::Task(cmd) => task(s, cmd, p, &mut out).map_err(|e| match e {
            Failure::App(e) => e,
            Failure::Io(e) => io(e),
        })?,
        Command::Media(cmd) => media(s, cmd, p, &mut out).map_err(|e| match e {
            Failure::App(e) => e,
            Failure::Io(e) => io(e),
        })?,
        Command::Report(ReportCmd::Sharing(cmd)) => {
            return prepared(records::sharing(s, cmd, p, &mut out), io)
        }
        Command::Report(cmd) => report(s, cmd, p, &mut out).map_err(|e| match e {
            Failure::App(e) => e,
            Failure::Io(e) => io(e),
        })?,
        Command::Meeting(cmd) => meeting(s, cmd, p, &mut out).map_err(|e| match e {
            Failure::App(e) => e,
            Failure::Io(e) => io(e),
        })?,
        Command::User(cmd) => user(s, cmd, p, &mut out).map_err(|e| match e {
            Failure::App(e) => e,
            Failure::Io(e) => io(e),
        })?,
        Command::Contact(cmd) => return prepared(preparedness::contact(s, cmd, p, &mut out), io),
        Command::Resource(cmd) => return prepared(preparedness::resource(s, cmd, p, &mut out), io),
        Command::Alert(cmd) => return prepared(preparedness::alert(s, cmd, p, &mut out), io),
        Command::Card(cmd) => return prepared(preparedness::card(s, cmd, p, &mut out), io),
        Command::Plan(cmd) => return prepared(preparedness::plan(s, cmd, p, &mut out), io),
        Command::Ros(cmd) => return prepared(preparedness::ros(s, cmd, p, &mut out), io),
        Command::Eps(cmd) => return prepared(preparedness::eps(s, cmd, p, &mut out), io),
        Command::Exercise(cmd) => return prepared(preparedness::exercise(s, cmd, p, &mut out), io),
        Command::Evaluation(cmd) => return prepared(preparedness::evaluation(s, cmd, p, &mut out), io),
        Command::Archive(cmd) => {
            let config = s.archive_config.clone();
            return prepared(records::archive(s, cmd, p, &mut out, &config), io);
        }
        Command::Print(cmd) => return prepared(records::print(s, cmd, p, &mut out), io),
        Command::History { incident, at } => {
            return prepared(records::history(s, incident, &at, p, &mut out), io)
        }
        Command::Mail(cmd) => return prepared(records::mail(s, cmd, p, &mut out), io),
        Command::Bundle(cmd) => return sync_cmds::bundle(s, cmd, p.json),
        Command::Conflict(cmd) => return sync_cmds::conflict(s, cmd, p.json),
        Command::Serve(_)
        | Command::Admin(_)
        | Command::Login { .. }
        | Command::Logout
        | Command::Sync { .. } => {
            unreachable!("handled before a session is opened")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A preparedness command's outcome: exit 0, or 1 when it did not do its work (an
/// import stopped by bad rows).
fn prepared(
    result: Result<bool, preparedness::Failure>,
    io: impl Fn(std::io::Error) -> AppError,
) -> Result<ExitCode, AppError> {
    match result {
        Ok(true) => Ok(ExitCode::SUCCESS),
        Ok(false) => Ok(ExitCode::from(1)),
        Err(preparedness::Failure::App(e)) => Err(e),
        Err(preparedness::Failure::Io(e)) => Err(io(e)),
    }
}

/// An error of a command: the operation's, or writing its output.
enum Failure {
    App(AppError),
    Io(std::io::Error),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::App(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<crate::domain::Invalid> for Failure {
    fn from(e: crate::domain::Invalid) -> Self {
        Failure::App(e.into())
    }
}

fn task(s: &mut Session, cmd: TaskCmd, p: &output::Printer, out: &mut impl Write) -> Result<(), Failure> {
    use crate::domain::task::{NewTask, Priority, TaskStatus};
    match cmd {
        TaskCmd::Add { incident, title, description, assignee, priority, due, from } => {
            let incident = s.resolve_incident(incident)?;
            let mut new = match from {
                Some(seq) => s.task_from_entry(&incident, seq)?,
                None => NewTask::default(),
            };
            if let Some(t) = title {
                new.title = t;
            }
            if assignee.is_some() {
                new.assignee = assignee;
            }
            new.description = description;
            new.priority = Priority::parse(&priority)?;
            new.due = due.map(|d| parse_due(&d, &Local::now())).transpose().map_err(AppError::Usage)?;
            let (t, _) = s.add_task(&incident, new)?;
            p.task_created(out, &t)?;
        }
        TaskCmd::List { incident, status } => {
            let incident = s.resolve_incident(incident)?;
            let only = status.map(|st| TaskStatus::parse(&st)).transpose()?;
            let tasks: Vec<_> =
                s.tasks(&incident)?.into_iter().filter(|t| only.is_none_or(|o| t.status == o)).collect();
            p.tasks(out, &tasks)?;
        }
        TaskCmd::Assign { incident, task, assignee, none } => {
            let incident = s.resolve_incident(incident)?;
            let (t, _) = s.assign_task(&incident, task, if none { None } else { assignee })?;
            p.task(out, &t)?;
        }
        TaskCmd::Status { incident, task, status } => {
            let incident = s.resolve_incident(incident)?;
            let (t, _) = s.set_task_status(&incident, task, TaskStatus::parse(&status)?)?;
            p.task(out, &t)?;
        }
    }
    Ok(())
}

fn media(s: &mut Session, cmd: MediaCmd, p: &output::Printer, out: &mut impl Write) -> Result<(), Failure> {
    use crate::domain::media::{MediaStatus, NewInquiry};
    match cmd {
        MediaCmd::Add {
            incident,
            outlet,
            journalist,
            contact,
            question,
            deadline,
            responsible,
            outgoing,
        } => {
            let incident = s.resolve_incident(incident)?;
            let deadline =
                deadline.map(|d| parse_due(&d, &Local::now())).transpose().map_err(AppError::Usage)?;
            let new = NewInquiry { outgoing, outlet, journalist, contact, question, deadline, responsible };
            let (m, _) = s.add_inquiry(&incident, new)?;
            p.inquiry_created(out, &m)?;
        }
        MediaCmd::List { incident, status } => {
            let incident = s.resolve_incident(incident)?;
            let only = status.map(|st| MediaStatus::parse(&st)).transpose()?;
            let mut list: Vec<_> =
                s.inquiries(&incident)?.into_iter().filter(|m| only.is_none_or(|o| m.status == o)).collect();
            list.sort_by_key(|m| (!m.status.is_open(), m.deadline.is_none(), m.deadline, m.number));
            p.inquiries(out, &list)?;
        }
        MediaCmd::Answer { incident, number, answer } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.answer_inquiry(&incident, number, &answer.join(" "))?;
            p.inquiry(out, &m)?;
        }
        MediaCmd::Status { incident, number, status } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.set_inquiry_status(&incident, number, MediaStatus::parse(&status)?)?;
            p.inquiry(out, &m)?;
        }
        MediaCmd::Assign { incident, number, responsible, none } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.assign_inquiry(&incident, number, if none { None } else { responsible })?;
            p.inquiry(out, &m)?;
        }
    }
    Ok(())
}

fn report(s: &mut Session, cmd: ReportCmd, p: &output::Printer, out: &mut impl Write) -> Result<(), Failure> {
    use crate::domain::report::ReportStep;
    let step =
        |s: &mut Session, incident: Option<i64>, number: i64, step: ReportStep, comment: Option<String>| {
            let incident = s.resolve_incident(incident)?;
            s.report_step(&incident, number, step, comment).map(|(r, _)| r)
        };
    match cmd {
        ReportCmd::New { incident, template, title } => {
            let incident = s.resolve_incident(incident)?;
            let (r, _) = s.new_report(&incident, &template, title)?;
            p.report_created(out, &r)?;
        }
        ReportCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            p.reports(out, &s.reports(&incident)?)?;
        }
        ReportCmd::Show { incident, number, version } => {
            let incident = s.resolve_incident(incident)?;
            p.report_full(out, &s.report(&incident, number, version)?)?;
        }
        ReportCmd::Edit { incident, number, file } => {
            let incident = s.resolve_incident(incident)?;
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| AppError::Usage(format!("cannot read standard input: {e}")))?
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", file.display())))?
            };
            let r = s.save_report_text(&incident, number, &text)?;
            p.report(out, &r)?;
        }
        ReportCmd::Submit { incident, number } => {
            p.report(out, &step(s, incident, number, ReportStep::Submit, None)?)?
        }
        ReportCmd::Approve { incident, number } => {
            p.report(out, &step(s, incident, number, ReportStep::Approve, None)?)?
        }
        ReportCmd::Return { incident, number, comment } => {
            p.report(out, &step(s, incident, number, ReportStep::Return, Some(comment))?)?
        }
        ReportCmd::Distribute { incident, number } => {
            p.report(out, &step(s, incident, number, ReportStep::Distribute, None)?)?
        }
        ReportCmd::NewVersion { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            let (r, _) = s.new_report_version(&incident, number)?;
            p.report(out, &r)?;
        }
        ReportCmd::Export { incident, number, version, format, out: file } => {
            let incident = s.resolve_incident(incident)?;
            let text = s.export_report(&incident, number, version, format == "txt")?;
            match file {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| AppError::Usage(format!("cannot write {}: {e}", path.display())))?,
                None => out.write_all(text.as_bytes())?,
            }
        }
        ReportCmd::Sharing(_) => unreachable!("routed to records::sharing"),
        ReportCmd::Templates => {
            for t in s.templates() {
                writeln!(out, "{}", t.name)?;
            }
        }
    }
    Ok(())
}

fn meeting(
    s: &mut Session,
    cmd: MeetingCmd,
    p: &output::Printer,
    out: &mut impl Write,
) -> Result<(), Failure> {
    match cmd {
        MeetingCmd::New { incident, title, at, participants, agenda } => {
            let incident = s.resolve_incident(incident)?;
            let starts_at = at.map(|a| parse_due(&a, &Local::now())).transpose().map_err(AppError::Usage)?;
            let new = crate::domain::meeting::NewMeeting { title, starts_at, participants, agenda };
            let (m, _) = s.new_meeting(&incident, new)?;
            p.number_or_json(out, m.number, &m)?;
        }
        MeetingCmd::List { incident } => {
            let incident = s.resolve_incident(incident)?;
            p.meetings(out, &s.meetings(&incident)?)?;
        }
        MeetingCmd::Start { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            p.meetings(out, &[s.start_meeting(&incident, number)?.0])?;
        }
        MeetingCmd::Item { incident, number, item } => {
            let incident = s.resolve_incident(incident)?;
            p.meetings(out, &[s.meeting_item(&incident, number, item)?.0])?;
        }
        MeetingCmd::End { incident, number } => {
            let incident = s.resolve_incident(incident)?;
            let (m, _) = s.end_meeting(&incident, number)?;
            p.number_or_json(out, m.minutes_report.unwrap_or_default(), &m)?;
        }
    }
    Ok(())
}

fn user(s: &mut Session, cmd: UserCmd, p: &output::Printer, out: &mut impl Write) -> Result<(), Failure> {
    use crate::domain::roles::Role;
    let parse = |names: &[String]| names.iter().map(|r| Role::parse(r)).collect::<Result<Vec<_>, _>>();
    match cmd {
        UserCmd::Add { name, roles } => {
            let u = s.add_user(&name, &parse(&roles)?)?;
            p.user(out, &u)?;
        }
        UserCmd::List => p.users(out, &s.users()?)?,
        UserCmd::Roles { name, roles } => {
            let u = s.set_roles(&name, &parse(&roles)?)?;
            p.user(out, &u)?;
        }
    }
    Ok(())
}

/// The TUI on this database, with the keymap and theme asked for (flag, then config).
fn tui(settings: &Settings, cli: &Cli) -> Result<(), String> {
    let session = settings.open_session().map_err(|e| e.to_string())?;
    let options = crate::tui::Options {
        keymap: cli
            .keymap
            .clone()
            .or_else(|| settings.config.keymap.clone())
            .unwrap_or_else(|| "default".into()),
        theme: cli.theme.clone().or_else(|| settings.config.theme.clone()).unwrap_or_else(|| "dark".into()),
        lang: settings.lang,
        exit_after_first_frame: cli.exit_after_first_frame,
    };
    crate::tui::run(session, &options)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        // clap checks names and flags only when a command is built: build them all.
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn no_command_reuses_a_global_flag() {
        // clap lets a subcommand define `--user` beside the global `--user`, and then
        // gives the value to both: `alert member-add --user ola` would act as ola.
        use clap::CommandFactory;
        let root = super::Cli::command();
        let globals: Vec<String> = root
            .get_arguments()
            .filter(|a| a.is_global_set())
            .filter_map(|a| a.get_long().map(String::from))
            .collect();
        fn walk(c: &clap::Command, globals: &[String], path: &str) {
            for a in c.get_arguments().filter(|a| !a.is_global_set()) {
                if let Some(long) = a.get_long() {
                    assert!(!globals.iter().any(|g| g == long), "`{path}` defines --{long}, a global flag");
                }
            }
            for sub in c.get_subcommands() {
                walk(sub, globals, &format!("{path} {}", sub.get_name()));
            }
        }
        for sub in root.get_subcommands() {
            walk(sub, &globals, sub.get_name());
        }
    }
}

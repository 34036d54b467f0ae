//! The command line: every write the TUI can do, for scripts and tests, with `--json`
//! for stable output. The clap tree is here; each command group is its own module in
//! `commands/` with a `run` that does the work through `app::Session` and prints
//! through `output::Printer`; every command ends with one `error::Ran`.

use crate::app::settings::{Overrides, Settings};
use crate::app::Session;
use crate::i18n::Lang;
use clap::{Parser, Subcommand};
use error::{CliError, Ran};
use output::Printer;
use std::path::PathBuf;
use std::process::ExitCode;

pub mod commands;
mod common;
mod error;
mod output;
mod progress;

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
    Incident(commands::incident::IncidentCmd),
    /// The incident log (hendelseslogg)
    #[command(subcommand)]
    Log(commands::log::LogCmd),
    /// Tasks and measures (oppgaver og tiltak)
    #[command(subcommand)]
    Task(commands::task::TaskCmd),
    /// The media queue (mediehenvendelser)
    #[command(subcommand)]
    Media(commands::media::MediaCmd),
    /// Reports and situation reports (rapporter, situasjonsrapport)
    #[command(subcommand)]
    Report(commands::report::ReportCmd),
    /// Meetings (møter): agenda, recording per item, minutes
    #[command(subcommand)]
    Meeting(commands::meeting::MeetingCmd),
    /// Users and their roles
    #[command(subcommand)]
    User(commands::user::UserCmd),
    /// Contacts (kontakter): add, search, import CSV/vCard, export CSV
    #[command(subcommand)]
    Contact(commands::contact::ContactCmd),
    /// Resources (ressurser): what there is, where, and whether it is free
    #[command(subcommand)]
    Resource(commands::resource::ResourceCmd),
    /// Alert lists and alerting (varslingslister, varsling) with answers and escalation
    #[command(subcommand)]
    Alert(commands::alert::AlertCmd),
    /// Action cards (tiltakskort): checklists that become tasks
    #[command(subcommand)]
    Card(commands::card::CardCmd),
    /// Contingency plans (beredskapsplaner) and sub-plans
    #[command(subcommand)]
    Plan(commands::plan::PlanCmd),
    /// The ROS register: unwanted events, the risk matrix, measures
    #[command(subcommand)]
    Ros(commands::ros::RosCmd),
    /// Evacuees and next of kin (EPS); sensitive, for EPS, kriseledelse and administrator
    #[command(subcommand)]
    Eps(commands::eps::EpsCmd),
    /// Exercises (øvelser): inject scripts on the exercise clock
    #[command(subcommand)]
    Exercise(commands::exercise::ExerciseCmd),
    /// Evaluation (evaluering) after an incident or exercise
    #[command(subcommand)]
    Evaluation(commands::evaluation::EvaluationCmd),
    /// E-mail into the incident (e-post-innboks): .eml, maildir, mbox; --watch a maildir
    #[command(subcommand)]
    Mail(commands::mail::MailCmd),
    /// The archive (arkiv): export an incident's record, verify it, journal continuously
    #[command(subcommand)]
    Archive(commands::archive::ArchiveCmd),
    /// Print on paper (PDF, text or HTML): the beredskapsperm, or an incident
    #[command(subcommand)]
    Print(commands::print::PrintCmd),
    /// The log, task board and latest approved sitrep as they stood at a time (tidsreise)
    History {
        #[arg(long, value_name = "N")]
        incident: Option<i64>,
        /// 14:30, 24.11 14:30, 2026-11-24 14:30 or RFC 3339
        #[arg(long, value_name = "TIME")]
        at: String,
    },
    /// Run the sync server (default database: server.db in your data folder)
    #[cfg(feature = "server")]
    Serve(commands::serve::ServeArgs),
    /// Administer the sync server's organisations and accounts (with the server's --db)
    #[cfg(feature = "server")]
    #[command(subcommand)]
    Admin(commands::admin::AdminCmd),
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
        cmd: Option<commands::sync::SyncCmd>,
    },
    /// Carry changes on a file between machines with no link (sneakernet)
    #[command(subcommand)]
    Bundle(commands::bundle::BundleCmd),
    /// Shell completions for bash, zsh, fish, elvish or powershell, on standard output
    /// (e.g. `sitroom completions bash > ~/.local/share/bash-completion/completions/sitroom`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (man 1 sitroom) on standard output, or with --out DIR one page per
    /// command written there
    Man {
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Conflicts: fields changed in two places at once
    #[command(subcommand)]
    Conflict(commands::conflict::ConflictCmd),
}

/// Run a parsed command line. Errors are printed here, to stderr, once.
pub fn run(cli: Cli) -> ExitCode {
    // What is made from the command line itself needs no database nor settings.
    let made = match &cli.command {
        Some(Command::Completions { shell }) => {
            Some(commands::docs::completions(*shell, &mut std::io::stdout()))
        }
        Some(Command::Man { out }) => Some(commands::docs::man(out.as_deref(), &mut std::io::stdout())),
        _ => None,
    };
    if let Some(ran) = made {
        return ended(ran);
    }
    let asked = Overrides {
        db: cli.db.clone(),
        user: cli.user.clone(),
        lang: cli.lang,
        serving: serving(&cli.command),
    };
    let settings = match Settings::resolve(&asked) {
        Ok(s) => s,
        Err(e) => return CliError::from(e).exit(),
    };
    let p = Printer { json: cli.json, lang: settings.lang };
    let ran = match cli.command {
        None => tui(&settings, &cli).map(|()| true),
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => commands::serve::run(&settings, &args),
        #[cfg(feature = "server")]
        Some(Command::Admin(cmd)) => commands::admin::run(&settings, cmd, &p, &mut std::io::stdout().lock()),
        Some(Command::Login { server, password_stdin }) => match &cli.user {
            Some(name) => commands::login::login(
                &settings,
                &server,
                name,
                password_stdin,
                &p,
                &mut std::io::stdout().lock(),
            ),
            None => Err("say who signs in: `sitroom login --server URL --user NAME`".into()),
        },
        Some(Command::Logout) => commands::login::logout(&settings, &mut std::io::stdout().lock()),
        Some(Command::Sync { cmd }) => commands::sync::run(&settings, cmd, &p, &mut std::io::stdout().lock()),
        Some(cmd) => match settings.open_session() {
            Ok(mut s) => {
                if let Some(bar) = progress::for_terminal(p.json, p.lang) {
                    s.progress = std::sync::Arc::new(bar);
                }
                with_session(&mut s, cmd, &p)
            }
            Err(e) => Err(e.into()),
        },
    };
    ended(ran)
}

/// The server's commands work on the server's own file.
fn serving(command: &Option<Command>) -> bool {
    #[cfg(feature = "server")]
    if matches!(command, Some(Command::Serve(_) | Command::Admin(_))) {
        return true;
    }
    let _ = command;
    false
}

/// The exit code: 0 when the command did all it was asked, 1 when not, 2 on an error.
fn ended(ran: Ran) -> ExitCode {
    match ran {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => e.exit(),
    }
}

/// The commands that work on this database as the acting user.
fn with_session(s: &mut Session, cmd: Command, p: &Printer) -> Ran {
    let mut stdout = std::io::stdout().lock();
    let out = &mut stdout;
    match cmd {
        Command::Incident(cmd) => commands::incident::run(s, cmd, p, out),
        Command::Log(cmd) => commands::log::run(s, cmd, p, out),
        Command::Task(cmd) => commands::task::run(s, cmd, p, out),
        Command::Media(cmd) => commands::media::run(s, cmd, p, out),
        Command::Report(commands::report::ReportCmd::Sharing(cmd)) => commands::share::run(s, cmd, p, out),
        Command::Report(cmd) => commands::report::run(s, cmd, p, out),
        Command::Meeting(cmd) => commands::meeting::run(s, cmd, p, out),
        Command::User(cmd) => commands::user::run(s, cmd, p, out),
        Command::Contact(cmd) => commands::contact::run(s, cmd, p, out),
        Command::Resource(cmd) => commands::resource::run(s, cmd, p, out),
        Command::Alert(cmd) => commands::alert::run(s, cmd, p, out),
        Command::Card(cmd) => commands::card::run(s, cmd, p, out),
        Command::Plan(cmd) => commands::plan::run(s, cmd, p, out),
        Command::Ros(cmd) => commands::ros::run(s, cmd, p, out),
        Command::Eps(cmd) => commands::eps::run(s, cmd, p, out),
        Command::Exercise(cmd) => commands::exercise::run(s, cmd, p, out),
        Command::Evaluation(cmd) => commands::evaluation::run(s, cmd, p, out),
        Command::Archive(cmd) => {
            let config = s.archive_config.clone();
            commands::archive::run(s, cmd, p, out, &config)
        }
        Command::Print(cmd) => commands::print::run(s, cmd, p, out),
        Command::History { incident, at } => commands::history::run(s, incident, &at, p, out),
        Command::Mail(cmd) => commands::mail::run(s, cmd, p, out),
        Command::Bundle(cmd) => commands::bundle::run(s, cmd, p, out),
        Command::Conflict(cmd) => commands::conflict::run(s, cmd, p, out),
        #[cfg(feature = "server")]
        Command::Serve(_) | Command::Admin(_) => unreachable!("these work without a session"),
        Command::Login { .. }
        | Command::Logout
        | Command::Sync { .. }
        | Command::Completions { .. }
        | Command::Man { .. } => {
            unreachable!("these work without a session")
        }
    }
}

#[cfg(feature = "tui")]
/// The TUI on this database, with the keymap and theme asked for (flag, then config).
fn tui(settings: &Settings, cli: &Cli) -> Result<(), CliError> {
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
    // The keymap, theme and workspaces first: a mistake in one must not leave a new
    // database behind.
    let look = crate::tui::Look::load(&options)?;
    let session = settings.open_session()?;
    Ok(crate::tui::run(session, look, &options)?)
}

/// Built without the terminal UI (a server-only build).
#[cfg(not(feature = "tui"))]
fn tui(_: &Settings, _: &Cli) -> Result<(), CliError> {
    Err("this sitroom was built without the terminal UI (feature `tui`); give a command, see `sitroom --help`".into())
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

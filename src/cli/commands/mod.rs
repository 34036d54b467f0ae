//! One module per command group (as atuin's `command/client/*.rs`): its clap
//! subcommands and `run`, which does the work through `app::Session` and prints
//! through `output::Printer`. Below them, the one list of commands (`Command`) and
//! where each goes (`with_session`, or `cli::run` for those that need no database).

#[cfg(feature = "server")]
pub mod admin;
pub mod alert;
pub mod archive;
pub mod board;
pub mod bundle;
pub mod card;
pub mod conflict;
pub mod contact;
pub mod docs;
pub mod eps;
pub mod evaluation;
pub mod exercise;
pub mod history;
pub mod incident;
pub mod journal;
pub mod log;
pub mod login;
pub mod mail;
pub mod media;
pub mod meeting;
pub mod message;
pub mod plan;
pub mod print;
pub mod report;
pub mod resource;
pub mod ros;
#[cfg(feature = "server")]
pub mod serve;
pub mod share;
pub mod sync;
pub mod task;
pub mod user;

use super::error::Ran;
use super::output::Printer;
use crate::app::Session;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Incidents (hendelser): create, list, close, reopen, choose
    #[command(subcommand)]
    Incident(incident::IncidentCmd),
    /// The incident log (hendelseslogg)
    #[command(subcommand)]
    Log(log::LogCmd),
    /// Tasks and measures (oppgaver og tiltak)
    #[command(subcommand)]
    Task(task::TaskCmd),
    /// The media queue (mediehenvendelser)
    #[command(subcommand)]
    Media(media::MediaCmd),
    /// Reports and situation reports (rapporter, situasjonsrapport)
    #[command(subcommand)]
    Report(report::ReportCmd),
    /// Information boards (informasjonstavler): notices and key figures for the roles
    /// that need them
    Board(board::BoardArgs),
    /// The message journal (meldingsjournal): every message in or out, numbered
    #[command(subcommand)]
    Journal(journal::JournalCmd),
    /// Messages (meldinger) to people, roles and other organisations, with read receipts
    #[command(subcommand)]
    Message(message::MessageCmd),
    /// Meetings (møter): agenda, recording per item, minutes
    #[command(subcommand)]
    Meeting(meeting::MeetingCmd),
    /// Users and their roles
    #[command(subcommand)]
    User(user::UserCmd),
    /// Contacts (kontakter): add, search, import CSV/vCard, export CSV
    #[command(subcommand)]
    Contact(contact::ContactCmd),
    /// Resources (ressurser): what there is, where, and whether it is free
    #[command(subcommand)]
    Resource(resource::ResourceCmd),
    /// Alert lists and alerting (varslingslister, varsling) with answers and escalation
    #[command(subcommand)]
    Alert(alert::AlertCmd),
    /// Action cards (tiltakskort): checklists that become tasks
    #[command(subcommand)]
    Card(card::CardCmd),
    /// Contingency plans (beredskapsplaner) and sub-plans
    #[command(subcommand)]
    Plan(plan::PlanCmd),
    /// The ROS register: unwanted events, the risk matrix, measures
    #[command(subcommand)]
    Ros(ros::RosCmd),
    /// Evacuees and next of kin (EPS); sensitive, for EPS, kriseledelse and administrator
    #[command(subcommand)]
    Eps(eps::EpsCmd),
    /// Exercises (øvelser): inject scripts on the exercise clock
    #[command(subcommand)]
    Exercise(exercise::ExerciseCmd),
    /// Evaluation (evaluering) after an incident or exercise
    #[command(subcommand)]
    Evaluation(evaluation::EvaluationCmd),
    /// E-mail into the incident (e-post-innboks): .eml, maildir, mbox; --watch a maildir
    #[command(subcommand)]
    Mail(mail::MailCmd),
    /// The archive (arkiv): export an incident's record, verify it, journal continuously
    #[command(subcommand)]
    Archive(archive::ArchiveCmd),
    /// Print on paper (PDF, text or HTML): the beredskapsperm, or an incident
    #[command(subcommand)]
    Print(print::PrintCmd),
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
    Serve(serve::ServeArgs),
    /// Administer the sync server's organisations and accounts (with the server's --db,
    /// or --store)
    #[cfg(feature = "server")]
    Admin(admin::AdminArgs),
    /// Sign this database in to a sync server: with --user NAME and a password, or
    /// with --sso through your organisation's identity provider
    Login {
        /// http(s)://host:port of the server
        #[arg(long)]
        server: String,
        /// Read the password from the first line of standard input (for scripts)
        #[arg(long, conflicts_with = "sso")]
        password_stdin: bool,
        /// Sign in through your organisation's identity provider (single sign-on): a
        /// code and an address to open in a browser on any device
        #[arg(long)]
        sso: bool,
        /// Which identity provider, when the server has several
        #[arg(long, requires = "sso", value_name = "NAME")]
        provider: Option<String>,
    },
    /// Sign out: end the session on the server and forget it here
    Logout,
    /// Sync now: send what the server has not got, fetch what is new
    Sync {
        #[command(subcommand)]
        cmd: Option<sync::SyncCmd>,
    },
    /// Carry changes on a file between machines with no link (sneakernet)
    #[command(subcommand)]
    Bundle(bundle::BundleCmd),
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
    Conflict(conflict::ConflictCmd),
}

/// The commands that work on this database as the acting user.
pub(super) fn with_session(s: &mut Session, cmd: Command, p: &Printer) -> Ran {
    let mut stdout = std::io::stdout().lock();
    let out = &mut stdout;
    match cmd {
        Command::Incident(cmd) => incident::run(s, cmd, p, out),
        Command::Log(cmd) => log::run(s, cmd, p, out),
        Command::Task(cmd) => task::run(s, cmd, p, out),
        Command::Media(cmd) => media::run(s, cmd, p, out),
        Command::Report(report::ReportCmd::Sharing(cmd)) => share::run(s, cmd, p, out),
        Command::Report(cmd) => report::run(s, cmd, p, out),
        Command::Meeting(cmd) => meeting::run(s, cmd, p, out),
        Command::Journal(cmd) => journal::run(s, cmd, p, out),
        Command::Message(cmd) => message::run(s, cmd, p, out),
        Command::Board(board::BoardArgs { cmd: Some(cmd), .. }) => board::run(s, cmd, p, out),
        Command::Board(_) => Err(crate::cli::error::usage(p.lang.pick(
            "gi en underkommando (`sitroom board list`, se --help) eller --wall",
            "give a subcommand (`sitroom board list`, see --help) or --wall",
        ))),
        Command::User(cmd) => user::run(s, cmd, p, out),
        Command::Contact(cmd) => contact::run(s, cmd, p, out),
        Command::Resource(cmd) => resource::run(s, cmd, p, out),
        Command::Alert(cmd) => alert::run(s, cmd, p, out),
        Command::Card(cmd) => card::run(s, cmd, p, out),
        Command::Plan(cmd) => plan::run(s, cmd, p, out),
        Command::Ros(cmd) => ros::run(s, cmd, p, out),
        Command::Eps(cmd) => eps::run(s, cmd, p, out),
        Command::Exercise(cmd) => exercise::run(s, cmd, p, out),
        Command::Evaluation(cmd) => evaluation::run(s, cmd, p, out),
        Command::Archive(cmd) => {
            let config = s.archive_config.clone();
            archive::run(s, cmd, p, out, &config)
        }
        Command::Print(cmd) => print::run(s, cmd, p, out),
        Command::History { incident, at } => history::run(s, incident, &at, p, out),
        Command::Mail(cmd) => mail::run(s, cmd, p, out),
        Command::Bundle(cmd) => bundle::run(s, cmd, p, out),
        Command::Conflict(cmd) => conflict::run(s, cmd, p, out),
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

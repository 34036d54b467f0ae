//! The command line: every write the TUI can do, for scripts and tests, with `--json`
//! for stable output. The clap tree is here; each command group is its own module in
//! `commands/` with a `run` that does the work through `app::Session` and prints
//! through `output::Printer`; every command ends with one `error::Ran`.

use crate::app::settings::{Overrides, Settings};
use crate::i18n::Lang;
use clap::Parser;
use error::{CliError, Ran};
use output::Printer;
use std::path::PathBuf;
use std::process::ExitCode;

pub mod commands;
pub use commands::Command;
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
    /// Make the database given with --db (or SITROOM_DB, or the config) if it does not
    /// exist yet; without it a mistyped path is refused instead of starting an empty log
    #[arg(long, env = "SITROOM_CREATE", global = true, value_parser = clap::builder::FalseyValueParser::new())]
    pub create: bool,
    /// Print listings as JSON
    #[arg(long, global = true)]
    pub json: bool,
    /// Draw the first frame and exit (for start-up measurements)
    #[arg(long, hide = true)]
    pub exit_after_first_frame: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
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
        return ended(ran, cli.lang.unwrap_or_else(Lang::from_env));
    }
    let asked = Overrides {
        db: cli.db.clone(),
        user: cli.user.clone(),
        lang: cli.lang,
        serving: serving(&cli.command),
    };
    let settings = match Settings::resolve(&asked) {
        Ok(s) => s,
        Err(e) => return CliError::from(e).exit(cli.lang.unwrap_or_else(Lang::from_env)),
    };
    let p = Printer { json: cli.json, lang: settings.lang };
    let warning = settings.lang.pick("advarsel", "warning");
    for w in &settings.warnings {
        eprintln!("sitroom: {warning}: {w}");
    }
    // Checking an archive reads no database (below, none is made for it either).
    let needs_no_db =
        matches!(cli.command, Some(Command::Archive(commands::archive::ArchiveCmd::Verify { .. })));
    if !asked.serving
        && !needs_no_db
        && !cli.create
        && !settings.db.exists()
        && Some(&settings.db) != crate::config::default_db_path().as_ref()
    {
        // A database named but not there: in the TUI the user is asked; a command is
        // refused (a typo in --db must not quietly start an empty log elsewhere).
        let ask = cli.command.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdin());
        if !(ask && create_asked(&settings)) {
            let db = settings.db.display();
            let said = crate::say!(
                settings.lang,
                "databasen {db} finnes ikke; gi --create for å opprette den (eller rett stien)",
                "the database {db} does not exist; give --create to make it (or correct the path)"
            );
            return ended(Err(CliError::from(said)), settings.lang);
        }
    }
    let ran = match cli.command {
        None => tui(&settings, &cli).map(|()| true),
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => commands::serve::run(&settings, args),
        #[cfg(feature = "server")]
        Some(Command::Admin(args)) => {
            commands::admin::run(&settings, args, &p, &mut std::io::stdout().lock())
        }
        Some(Command::Login { server, sso: true, provider, .. }) => commands::login::login_sso(
            &settings,
            &server,
            provider.as_deref(),
            &p,
            &mut std::io::stdout().lock(),
        ),
        Some(Command::Login { server, password_stdin, .. }) => match &cli.user {
            Some(name) => commands::login::login(
                &settings,
                &server,
                name,
                password_stdin,
                &p,
                &mut std::io::stdout().lock(),
            ),
            None => Err("say who signs in: `sitroom login --server URL --user NAME`, or `--sso`".into()),
        },
        Some(Command::Logout) => commands::login::logout(&settings, &mut std::io::stdout().lock()),
        Some(Command::Sync { cmd }) => commands::sync::run(&settings, cmd, &p, &mut std::io::stdout().lock()),
        Some(Command::Board(commands::board::BoardArgs { wall: true, ref boards, incident, .. })) => {
            wall(&settings, &cli, boards.clone(), incident).map(|()| true)
        }
        // Checking an archive needs no database: none is made for it.
        Some(Command::Archive(commands::archive::ArchiveCmd::Verify { ref dir }))
            if !settings.db.exists() =>
        {
            commands::archive::verify(dir, None, &p, &mut std::io::stdout().lock())
        }
        Some(cmd) => match settings.open_session() {
            Ok(mut s) => {
                if let Some(bar) = progress::for_terminal(p.json, p.lang) {
                    s.progress = std::sync::Arc::new(bar);
                }
                commands::with_session(&mut s, cmd, &p)
            }
            Err(e) => Err(e.into()),
        },
    };
    ended(ran, settings.lang)
}

/// Ask on the terminal whether to make the database that is not there. Yes only for
/// an explicit yes (j, ja, y, yes).
fn create_asked(settings: &Settings) -> bool {
    let db = settings.db.display();
    let question = crate::say!(
        settings.lang,
        "Databasen {db} finnes ikke. Opprette en ny, tom database der? [j/N] ",
        "The database {db} does not exist. Make a new, empty one there? [y/N] "
    );
    eprint!("{question}");
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_lowercase().as_str(), "j" | "ja" | "y" | "yes")
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
fn ended(ran: Ran, lang: Lang) -> ExitCode {
    match ran {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => e.exit(lang),
    }
}

#[cfg(feature = "tui")]
/// The TUI on this database, with the keymap and theme asked for (flag, then config).
fn tui(settings: &Settings, cli: &Cli) -> Result<(), CliError> {
    tui_with(settings, tui_options(settings, cli))
}

#[cfg(feature = "tui")]
/// The TUI as a wall display (`sitroom board --wall`).
fn wall(settings: &Settings, cli: &Cli, boards: Vec<String>, incident: Option<i64>) -> Result<(), CliError> {
    let mut options = tui_options(settings, cli);
    let incident = match incident {
        Some(n) => Some(settings.open_session()?.incident(n)?),
        None => None,
    };
    options.wall = Some(crate::tui::Wall { boards, incident });
    tui_with(settings, options)
}

#[cfg(feature = "tui")]
fn tui_options(settings: &Settings, cli: &Cli) -> crate::tui::Options {
    crate::tui::Options {
        keymap: cli
            .keymap
            .clone()
            .or_else(|| settings.config.keymap.clone())
            .unwrap_or_else(|| "default".into()),
        theme: cli.theme.clone().or_else(|| settings.config.theme.clone()).unwrap_or_else(|| "dark".into()),
        lang: settings.lang,
        mouse: settings.config.mouse.unwrap_or(true),
        exit_after_first_frame: cli.exit_after_first_frame,
        wall: None,
    }
}

#[cfg(feature = "tui")]
fn tui_with(settings: &Settings, options: crate::tui::Options) -> Result<(), CliError> {
    // The keymap, theme and workspaces: a mistake in one is a warning (here, and in
    // the status line once the TUI is up) and the shipped one is used.
    let mut look = crate::tui::Look::load(&options);
    let warning = settings.lang.pick("advarsel", "warning");
    for w in &look.warnings {
        eprintln!("sitroom: {warning}: {w}");
    }
    look.warnings.extend(settings.warnings.iter().cloned());
    let session = settings.open_session()?;
    Ok(crate::tui::run(session, look, &options)?)
}

/// Built without the terminal UI (a server-only build).
#[cfg(not(feature = "tui"))]
fn tui(_: &Settings, _: &Cli) -> Result<(), CliError> {
    Err("this sitroom was built without the terminal UI (feature `tui`); give a command, see `sitroom --help`".into())
}

#[cfg(not(feature = "tui"))]
fn wall(_: &Settings, _: &Cli, _: Vec<String>, _: Option<i64>) -> Result<(), CliError> {
    Err("this sitroom was built without the terminal UI (feature `tui`), which the wall display is".into())
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

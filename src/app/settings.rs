//! Settings: which database, who the user is and which language, resolved from what the
//! caller asks for (command-line flags, or an SSH session's account), the environment,
//! `config.toml` and the defaults, in that order. Here rather than in `cli` so that any
//! way into sitroom (the CLI, the TUI, a server session) resolves them the same way.

use super::{AppError, Session};
use crate::config::{self, Config};
use crate::i18n::Lang;
use std::path::PathBuf;

/// What the caller asks for; `None` leaves it to the config and the environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub db: Option<PathBuf>,
    pub user: Option<String>,
    pub lang: Option<Lang>,
    /// The sync server and its admin commands: their database is `server.db`, never
    /// the user's replica by accident.
    pub serving: bool,
}

/// Everything resolved from flags, environment and config.
pub struct Settings {
    pub db: PathBuf,
    pub user: String,
    pub lang: Lang,
    pub config: Config,
    /// What was wrong in the files read (config.toml): said, and their defaults used
    /// instead, so a typo never keeps anyone out at 3 a.m.
    pub warnings: Vec<String>,
}

impl Settings {
    pub fn resolve(asked: &Overrides) -> Result<Settings, String> {
        let mut warnings = Vec::new();
        let config = Config::load().unwrap_or_else(|e| {
            warnings.push(e.to_string());
            Config::default()
        });
        let db = if asked.serving {
            asked.db.clone().or_else(|| config::default_db_path().map(|p| p.with_file_name("server.db")))
        } else {
            asked.db.clone().or_else(|| config.db.clone()).or_else(config::default_db_path)
        }
        .ok_or("cannot find a data folder for the database; give --db PATH")?;
        // Signed in to a server, you are the account you signed in as.
        let signed_in = crate::sync::client::load_login(&db).ok().flatten().map(|l| l.user);
        let user =
            asked.user.clone().or(signed_in).or_else(|| config.user.clone()).unwrap_or_else(config::os_user);
        let lang = asked.lang.or(config.lang).unwrap_or_else(Lang::from_env);
        Ok(Settings { db, user, lang, config, warnings })
    }

    pub fn open_session(&self) -> Result<Session, AppError> {
        let mut s = Session::open(&self.db, &self.user, self.config.incident_types())?;
        s.lang = self.lang;
        s.config_dir = config::config_dir();
        s.channels = self.config.alerts.clone();
        s.installation_name = self.config.installation.clone();
        s.archive_config = self.config.archive.clone();
        Ok(s)
    }
}

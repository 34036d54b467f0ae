//! Where things live and what the user configured: `config.toml` in the config dir
//! (`SITROOM_CONFIG_DIR` overrides, for tests and portable setups), the default
//! database in the data dir.

use crate::domain::alert::Channel;
use crate::i18n::Lang;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who writes the log entries from this account.
    pub user: Option<String>,
    pub lang: Option<Lang>,
    pub theme: Option<String>,
    /// `default` or `vim`; the user's `keymap.toml` is merged over it.
    pub keymap: Option<String>,
    /// Replaces the default list of incident types.
    pub incident_types: Option<Vec<String>>,
    pub db: Option<PathBuf>,
    /// Clicks and the wheel in the TUI (default on). Off, the terminal keeps the
    /// mouse for its own text selection without Shift.
    pub mouse: Option<bool>,
    /// The installation's name on printouts, archives and shared reports
    /// ("Sandefjord kommune"); default: the organisation signed in to, else the host.
    pub installation: Option<String>,
    /// Continuous journalføring: `[archive] journal = "DIR"`, `every = "24h"`.
    #[serde(default)]
    pub archive: ArchiveConfig,
    /// Channels for alerts: `[alerts.smtp]`, `[alerts.sms]`.
    #[serde(default)]
    pub alerts: Channels,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveConfig {
    /// The archive folder new material is exported to.
    pub journal: Option<PathBuf>,
    /// How often: "30m", "6h", "24h", "1d" (default daily).
    pub every: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

/// A TOML error as "line N, column M: what is wrong".
pub fn describe_toml_error(source: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let (line, col) = line_col(source, span.start);
            format!("line {line}, column {col}: {message}")
        }
        None => message,
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SITROOM_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("no", "sitroom", "sitroom").map(|d| d.config_dir().to_path_buf())
}

pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("no", "sitroom", "sitroom").map(|d| d.data_dir().join("sitroom.db"))
}

impl Config {
    /// Read `config.toml` from the config dir; a missing file is an empty config, a
    /// broken one an error naming the file, line and problem.
    pub fn load() -> Result<Config, ConfigError> {
        match config_dir() {
            Some(dir) => Config::load_from(&dir.join("config.toml")),
            None => Ok(Config::default()),
        }
    }

    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(ConfigError { path: path.into(), message: e.to_string() }),
        };
        toml::from_str(&source)
            .map_err(|e| ConfigError { path: path.into(), message: describe_toml_error(&source, &e) })
    }

    pub fn incident_types(&self) -> Vec<String> {
        match &self.incident_types {
            Some(t) if !t.is_empty() => t.clone(),
            _ => crate::domain::incident::DEFAULT_TYPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The OS user name, the author when neither `--user` nor the config names one: from
/// the environment, else (a service, `env -i`, some containers) the account that owns
/// this process in the system's user list, and only then "ukjent".
pub fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(account_of_this_process)
        .unwrap_or_else(|| "ukjent".into())
}

/// The name of the account running this process, from /etc/passwd by the uid that owns
/// /proc/self (Linux; elsewhere None).
#[cfg(unix)]
fn account_of_this_process() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)?.parse::<u32>().ok()? == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(not(unix))]
fn account_of_this_process() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_config_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "user = \"kari\"\nlang = \"nb\"\ntheme = \n").unwrap();
        let err = Config::load_from(&path).unwrap_err().to_string();
        assert!(err.contains("config.toml") && err.contains("line 3"), "{err}");
        std::fs::write(&path, "user = \"kari\"\ncolour = \"red\"\n").unwrap();
        let err = Config::load_from(&path).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("colour"), "{err}");
    }

    #[test]
    fn missing_config_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load_from(&dir.path().join("none.toml")).unwrap();
        assert!(c.user.is_none());
        assert_eq!(c.incident_types()[0], "flom");
    }
}

// ---- alert channels ([alerts]; sent by `delivery`) ------------------------------------

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Channels {
    pub smtp: Option<Smtp>,
    pub sms: Option<Sms>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default)]
    pub security: Security,
    pub user: Option<String>,
    /// The environment variable that holds the password (never the password itself).
    pub password_env: Option<String>,
    pub from: String,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    #[default]
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Sms {
    /// A program and its arguments; `{to}` and `{text}` are replaced, and the message
    /// is also given on standard input. Exit status 0 means sent.
    pub command: Option<Vec<String>>,
    /// An HTTP gateway: a POST of `to` and `text` as a form; a 2xx answer means sent.
    pub url: Option<String>,
    /// How long the command may take before it is stopped and the message tried again
    /// (seconds; 30 when not set): a hung command must not hold up what waits behind it.
    pub timeout_seconds: Option<u64>,
}

impl Sms {
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(30).clamp(1, 600))
    }
}

impl Channels {
    /// Whether a channel can send at all (the in-app channel always can).
    pub fn has(&self, channel: Channel) -> bool {
        match channel {
            Channel::App => true,
            Channel::Email => self.smtp.is_some(),
            Channel::Sms => self.sms.as_ref().is_some_and(|s| s.command.is_some() || s.url.is_some()),
        }
    }
}

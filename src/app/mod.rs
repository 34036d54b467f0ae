//! The operations a user performs, shared by the CLI and the TUI (and later the sync
//! server): one way to do each thing. Each takes the acting user from the session.

mod alerts;
mod archive;
mod boards;
mod cards;
mod eps;
mod exercises;
mod incidents;
mod journal;
mod log;
mod mail;
mod media;

mod meetings;
pub mod messages;
pub mod picture;
mod plans;
mod printing;
pub mod progress;
mod registers;
mod reports;
pub mod settings;
mod sharing;
mod sitrep_draft;
mod sync;
mod tasks;
pub mod templates;
mod users;

pub use alerts::MemberRef;
pub use cards::BUILT_IN;
pub use exercises::FollowUp;
pub use log::{for_each_summary_at, EntryInput, ImportReport, Voids, RETRACTED};
pub use mail::MailReport;
pub use registers::{ContactFormat, RegisterImport};
pub use sharing::Fetched;

use crate::domain::Invalid;
use crate::store::{Store, StoreError};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// The user must say more (which incident?) or do something first.
    #[error("{0}")]
    Usage(String),
    /// The acting user's roles do not allow it; the message names what is missing.
    #[error("{0}")]
    Forbidden(String),
}

impl AppError {
    /// The error in `lang`: input refused and the store's "no such" and conflicts are
    /// said in every language; the rest (refusals made in the session's language, the
    /// database's own errors) as it is.
    pub fn said(&self, lang: crate::i18n::Lang) -> String {
        match self {
            AppError::Invalid(problem) => problem.said(lang).to_string(),
            AppError::Store(e) => e.said(lang),
            other => other.to_string(),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// An open database and who is acting on it, from which device.
pub struct Session {
    pub store: Store,
    pub user: String,
    /// Shown with every entry: host name plus this replica's id, e.g. `stab-pc-3f9a1c`.
    pub device: String,
    pub incident_types: Vec<String>,
    /// The language of messages meant for the user (refusals, automatic entries' words stay bokmål).
    pub lang: crate::i18n::Lang,
    /// Where the user's own report templates are (`templates/` below it).
    pub config_dir: Option<std::path::PathBuf>,
    /// Where alerts go besides sitroom itself (`[alerts]` in config.toml).
    pub channels: crate::config::Channels,
    /// The installation's name as configured (see `installation()`).
    pub installation_name: Option<String>,
    /// Where continuous journalføring goes (`[archive]` in config.toml).
    pub archive_config: crate::config::ArchiveConfig,
    /// Told how far long work has come (the CLI's bar on a terminal).
    pub progress: std::sync::Arc<dyn progress::Progress>,
}

impl Session {
    /// Input refused, in every language (the interface says it in its own).
    pub(crate) fn invalid(&self, nb: &str, en: &str) -> AppError {
        AppError::Invalid(Invalid::new(nb, en))
    }

    pub fn open(db: &Path, user: &str, incident_types: Vec<String>) -> Result<Session> {
        let user = crate::text::nfc(user.trim());
        if user.is_empty() || user.chars().any(char::is_control) {
            return Err(Invalid::new(
                "brukernavnet må være ren tekst og ikke tomt",
                "the user name must be plain text and not empty",
            )
            .into());
        }
        let store = Store::open(db)?;
        let id = store.device_id()?;
        let device = format!("{}-{}", hostname(), &id[id.len().saturating_sub(6)..]);
        Ok(Session {
            store,
            user,
            device,
            incident_types,
            lang: crate::i18n::Lang::En,
            config_dir: None,
            channels: Default::default(),
            installation_name: None,
            archive_config: Default::default(),
            progress: std::sync::Arc::new(progress::Silent),
        })
    }

    /// The name printouts, archives and shared reports carry: the configured one, else
    /// the organisation this database is signed in to, else the host.
    pub fn installation(&self) -> String {
        if let Some(n) = self.installation_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            return n.to_string();
        }
        // The organisation the server certified this replica for (kept in the
        // database at sign-in: no file to read on every refresh).
        match self.store.meta("certified_org") {
            Ok(Some(org)) if !org.trim().is_empty() => org,
            _ => hostname(),
        }
    }
}

/// The machine's host name, without extra crates: what Linux and macOS expose.
fn hostname() -> String {
    let raw = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_default();
    let name: String =
        raw.trim().chars().filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')).take(32).collect();
    if name.is_empty() {
        "device".into()
    } else {
        name
    }
}

/// Who writes and when, for one change: its stamp and its automatic log entry. The
/// user and device are copied, so the store may be borrowed mutably beside it.
pub(crate) struct Writer {
    pub user: String,
    pub device: String,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Writer {
    pub fn who(&self) -> crate::store::Who<'_> {
        crate::store::Who { author: &self.user, device: &self.device }
    }

    pub fn stamp(&self) -> crate::store::Stamp<'_> {
        crate::store::Stamp { author: &self.user, device: &self.device, now: self.now }
    }

    /// An automatic log entry (kind `auto`), tagged `tag`: what the log records when a
    /// task, a media inquiry, a report… changes.
    pub fn entry(&self, tag: &str, text: String) -> crate::store::NewEntryRecord {
        crate::store::NewEntryRecord {
            id: uuid::Uuid::now_v7(),
            text,
            author: self.user.clone(),
            device: self.device.clone(),
            reported_at: self.now,
            recorded_at: self.now,
            kind: crate::domain::EntryKind::Auto,
            tags: vec![tag.to_string()],
            mentions: vec![],
            significant: false,
            corrects: None,
        }
    }
}

impl Session {
    /// The writer of a change made at `now`.
    pub(crate) fn writer(&self, now: chrono::DateTime<chrono::Utc>) -> Writer {
        Writer { user: self.user.clone(), device: self.device.clone(), now }
    }
}

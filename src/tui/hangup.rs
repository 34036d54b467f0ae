//! Leaving safely when the terminal goes away. An SSH link that drops sends SIGHUP
//! and leaves the terminal returning end-of-file for ever; crossterm's reader then
//! spins inside `event::poll` and never returns to our loop. So stopping is not left
//! to the main thread: a watcher thread waits for SIGHUP, SIGTERM or SIGINT, writes
//! the entry line's latest text as the draft (and the report being written, if any)
//! and ends the process.
//!
//! The UI holds the lock on [`Unsaved`] while it handles a key and updates it before
//! letting go, so the watcher sees either the state before a key or after it — never
//! a draft that a commit has already logged.

use crate::store::{Draft, Store};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// What must reach the disk if the terminal disappears.
#[derive(Debug, Default)]
pub struct Unsaved {
    pub db: PathBuf,
    pub user: String,
    pub device: String,
    pub incident: Option<Uuid>,
    pub draft: Option<Draft>,
    /// Report text being written and not yet saved: (report number, text).
    pub report: Option<(i64, String)>,
}

pub type SharedUnsaved = Arc<Mutex<Unsaved>>;

/// Start the watcher. Returns `None` where signals cannot be watched.
#[cfg(unix)]
pub fn watch(db: PathBuf, user: String, device: String, restore: fn()) -> Option<SharedUnsaved> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let shared: SharedUnsaved = Arc::new(Mutex::new(Unsaved { db, user, device, ..Unsaved::default() }));
    let mut signals = signal_hook::iterator::Signals::new([SIGHUP, SIGTERM, SIGINT]).ok()?;
    let watched = Arc::clone(&shared);
    std::thread::spawn(move || {
        if signals.forever().next().is_none() {
            return;
        }
        // Held until the process ends: the UI cannot commit or change the line now.
        let unsaved = watched.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut code = 0;
        if let Some(incident) = unsaved.incident {
            let saved = Store::open(&unsaved.db).and_then(|mut s| {
                s.save_draft(&unsaved.user, incident, unsaved.draft.as_ref())?;
                if let (Some((number, text)), Some(i)) = (&unsaved.report, s.incident_by_id(incident)?) {
                    s.save_report_text(
                        &i,
                        *number,
                        text,
                        &unsaved.user,
                        &unsaved.device,
                        chrono::Utc::now(),
                    )?;
                }
                Ok(())
            });
            if saved.is_err() {
                code = 1;
            }
        }
        restore();
        std::process::exit(code);
    });
    Some(shared)
}

#[cfg(not(unix))]
pub fn watch(_db: PathBuf, _user: String, _device: String, _restore: fn()) -> Option<SharedUnsaved> {
    None
}

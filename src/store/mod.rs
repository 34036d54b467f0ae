//! The store: the only code that speaks SQL. One SQLite file in WAL mode with
//! `foreign_keys=ON` and `synchronous=FULL` (an entry is on disk when its write
//! returns), versioned migrations run at open, and an oplog row for every write so
//! that sync has one unit to ship.

mod alerts;
mod archive;
mod boards;
mod cards;
mod checkpoints;
mod columns;
mod conflicts;
mod drafts;
mod eps;
mod evaluations;
mod exercises;
mod history;
mod incidents;
mod journal;
mod log;
mod mail;
mod media;
mod meetings;
mod message_copies;
mod messages;
mod migrations;
mod numbered;
mod oplog;
pub use oplog::Announced;
mod plans;
mod register_rows;
mod registers;
mod replica;
mod reports;
mod ros;
mod sharing;
mod tasks;
mod users;

pub use alerts::{About, NewMember, Outgoing, Planned, Waiting};
pub use archive::Changes;
pub use boards::{FigureValue, NoticeChange};
pub use cards::StoredCard;
pub use drafts::Draft;
pub use exercises::ExerciseRun;
pub use history::AsOf;
pub use journal::{JournalRecord, JournalWhat};
pub use log::{EntrySummary, NewEntryRecord};
pub use mail::{Attachment, IncomingMail, MailOutcome};
pub use media::MediaChange;
pub use meetings::MeetingChange;
pub use numbered::Stamp;
pub use plans::NewPlan;
pub use registers::Duplicate;
#[cfg(feature = "server")]
pub(crate) use replica::op_from_row;
pub use replica::{entry_hash_of, Applied, Conflict, ConflictValue, Judge, OpState, Owners, Push, Who};
pub use reports::ReportChange;
pub use ros::{NewMeasure, NewRosEvent};
pub use sharing::SentShare;
pub use tasks::TaskChange;
pub use users::User;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};

/// `PRAGMA application_id` of a sitroom database ("SITR"): how we tell our files from
/// any other SQLite file.
const APPLICATION_ID: i32 = 0x5349_5452;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not a sitroom database (it is another kind of file); choose another path with --db")]
    NotSitroom(PathBuf),
    #[error("{path} was made by a newer sitroom (schema version {found}; this program knows up to {known}); update sitroom to open it")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("cannot create the database folder {path}: {source}")]
    CannotCreate { path: PathBuf, source: std::io::Error },
    #[error("cannot write to the database at {0}: the file or its folder is read-only (sitroom needs to write the file and its -wal/-shm companions there); choose another path with --db")]
    ReadOnly(PathBuf),
    /// Said in every language (`AppError::said` picks); `Display` is English.
    #[error("{}", .0.get(crate::lang::Lang::En))]
    NotFound(crate::lang::Phrase),
    #[error("{}", .0.get(crate::lang::Lang::En))]
    Conflict(crate::lang::Phrase),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The sync server's other database (PostgreSQL) failed while this store waited on it.
    #[error("the server's database: {0}")]
    Elsewhere(String),
}

impl StoreError {
    pub fn not_found(nb: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::NotFound(crate::lang::Phrase::new(nb, en))
    }

    pub fn conflict(nb: impl Into<String>, en: impl Into<String>) -> StoreError {
        StoreError::Conflict(crate::lang::Phrase::new(nb, en))
    }

    /// A refusal already said in the user's language (a check the app wrote), or one
    /// about the data itself (a malformed op from another replica, read by whoever
    /// looks into sync): the same text in every language.
    pub fn refused(said: impl Into<String>) -> StoreError {
        let said = said.into();
        StoreError::Conflict(crate::lang::Phrase::new(said.clone(), said))
    }

    /// The error in `lang`.
    pub fn said(&self, lang: crate::lang::Lang) -> String {
        match self {
            StoreError::NotFound(p) | StoreError::Conflict(p) => p.get(lang).to_string(),
            other => other.to_string(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Bring a bare connection's schema to step `n` (tests make older files with it).
#[cfg(all(test, feature = "server"))]
pub(crate) use migrations::run_to as migrate_to;

/// A row limit for SQL: `usize::MAX` (everything) stays "no limit" rather than
/// wrapping to a negative number.
pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open (creating if needed) the database at `path`, check that it is ours and not
    /// newer than this program, and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::CannotCreate { path: dir.to_path_buf(), source })?;
        }
        // Two processes opening a new file at the same moment (a TUI and a CLI
        // command) race to create its schema and switch it to WAL; SQLite answers the
        // loser "busy" or "locked" at points where it does not wait by itself. The
        // loser starts again after a moment and finds the work done.
        let started = std::time::Instant::now();
        loop {
            match Store::open_once(path) {
                Err(StoreError::Sql(e))
                    if is_busy(&e) && started.elapsed() < std::time::Duration::from_secs(10) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let classify = |e: rusqlite::Error| classify_open_error(path, e);
        let conn = Connection::open_with_flags(path, flags).map_err(classify)?;
        // Another process may be creating or migrating the same file this moment:
        // wait for it rather than fail.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(classify)?;
        // A screen reads with many statements on every change (each pane's freshness,
        // the situation's parts): kept prepared, not parsed again each time (rusqlite
        // keeps 16 unless told).
        conn.set_prepared_statement_cache_capacity(256);
        let mut store = Store { conn, path: path.to_path_buf() };
        store.check_identity().map_err(classify)??;
        store.configure().map_err(classify)?;
        migrations::run(&mut store.conn, path).map_err(|e| match e {
            StoreError::Sql(e) => classify(e),
            e => e,
        })?;
        Ok(store)
    }

    /// The connection, for a store that keeps tables of its own in this file beside
    /// the replica: the sync server's organisations, accounts and tokens
    /// (`server::sqlite`). Nothing else speaks SQL outside the store.
    #[cfg(feature = "server")]
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    #[cfg(feature = "server")]
    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Is this file empty, or a sitroom database this program can read?
    fn check_identity(&self) -> rusqlite::Result<Result<()>> {
        // One statement, so one snapshot: another process may be creating the schema.
        let (app_id, tables): (i32, i64) = self.conn.query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()), (SELECT count(*) FROM sqlite_schema)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if app_id != APPLICATION_ID && !(app_id == 0 && tables == 0) {
            return Ok(Err(StoreError::NotSitroom(self.path.clone())));
        }
        let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = migrations::latest();
        if version > known {
            return Ok(Err(StoreError::TooNew { path: self.path.clone(), found: version, known }));
        }
        Ok(Ok(()))
    }

    fn configure(&self) -> rusqlite::Result<()> {
        // WAL lets the TUI read while a CLI command writes; FULL makes every commit
        // durable on disk, as a log entry must be once Enter is pressed.
        let mode: String = self.conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some("cannot switch to WAL".into()),
            ));
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(())
    }

    /// A counter that changes when another connection (a CLI command beside the TUI)
    /// has committed: cheap to poll, so the TUI can pick up new entries.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// The device id of this replica, made once and kept in the database.
    pub fn device_id(&self) -> Result<String> {
        self.meta("device_id")?.ok_or_else(|| StoreError::refused("device id missing"))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// The value under `key`, storing `value` there first if there is none.
    pub fn meta_or_insert(&self, key: &str, value: &str) -> Result<String> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            [key, value],
        )?;
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

fn classify_open_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotSitroom(path.to_path_buf()),
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly(path.to_path_buf())
        }
        _ => StoreError::Sql(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_file_is_created_and_marked_ours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/sitroom.db");
        let store = Store::open(&path).unwrap();
        assert!(path.exists());
        assert!(!store.device_id().unwrap().is_empty());
        drop(store);
        // opens again with the same device id
        let a = Store::open(&path).unwrap().device_id().unwrap();
        let b = Store::open(&path).unwrap().device_id().unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn another_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let c = Connection::open(&path).unwrap();
        c.execute("CREATE TABLE t(x)", []).unwrap();
        drop(c);
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::NotSitroom(_)), "{err}");
    }

    #[test]
    fn garbage_file_is_refused_with_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "Dette er ikke en database, bare tekst. ".repeat(200)).unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(err.to_string().contains("not a sitroom database"), "{err}");
        // and the file is left as it was
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("Dette er"));
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
        drop(c);
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { found: 999, .. }), "{err}");
    }

    #[test]
    fn a_version_1_database_migrates_with_its_log_intact() {
        use crate::domain::{EntryKind, NewIncident, Severity};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        // made by the first version: schema step 1 only, an incident and a corrected entry
        {
            let mut c = Connection::open(&path).unwrap();
            migrations::run_to(&mut c, 1).unwrap();
            c.execute_batch(
                "INSERT INTO incidents VALUES ('i1', 1, 'Flom', 'flom', 3, 'open', 0, 1, NULL, 'kari');
                 INSERT INTO log_entries VALUES ('e1', 'i1', 1, 'Første', 'forste', 'kari', 'pc', 1, 2, 'note', '', '', 0, NULL, 'p0', 'h1');
                 INSERT INTO log_entries VALUES ('e2', 'i1', 2, 'Retting', 'retting', 'kari', 'pc', 3, 4, 'decision', 'a b', '', 1, 'e1', 'h1', 'h2');",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let n: i64 = store.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(n, migrations::latest());
        let rows: Vec<(String, String, Option<String>, String)> = store
            .conn
            .prepare("SELECT id, kind, corrects, hash FROM log_entries ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows[1], ("e2".into(), "decision".into(), Some("e1".into()), "h2".into()));
        let fk: bool = store.conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
        assert!(fk, "foreign keys are back on");
        // and the new kind is accepted
        let new = NewIncident {
            title: "x".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        };
        let i = store.create_incident(&new, "kari", "pc", chrono::Utc::now()).unwrap();
        let rec = NewEntryRecord {
            id: uuid::Uuid::now_v7(),
            text: "Oppgave 1 opprettet".into(),
            author: "kari".into(),
            device: "pc".into(),
            reported_at: chrono::Utc::now(),
            recorded_at: chrono::Utc::now(),
            kind: EntryKind::Auto,
            tags: vec![],
            mentions: vec![],
            significant: false,
            corrects: None,
        };
        assert_eq!(store.append_entries(&i, [rec]).unwrap()[0].kind, EntryKind::Auto);
    }

    #[test]
    fn folder_that_cannot_be_made_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let err = Store::open(&file.join("sitroom.db")).err().unwrap();
        assert!(matches!(err, StoreError::CannotCreate { .. }), "{err}");
    }
}

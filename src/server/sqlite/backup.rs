//! Backups of the server's file while it serves, and restoring one into an empty
//! store. A backup is SQLite's online backup in one step: a read transaction over
//! the whole file, which a serving server in WAL mode goes on writing beside, so the
//! copy is the store as it was at one moment. A restore moves the store's epoch on:
//! replicas that synced with it after the backup was taken start over with it, so
//! what they sent since is sent again and nothing they were told is lost.

use super::{readable_by_owner_alone, Result, ServerError, SqliteServer};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// What a store holds, to say after a backup or a restore.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Held {
    pub organisations: i64,
    pub accounts: i64,
    pub changes: i64,
    pub epoch: i64,
}

fn failed(what: &str, e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("{what}: {e}"))
}

/// What `conn` holds, after checking that it is a whole server store.
fn held(conn: &Connection) -> Result<Held> {
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| failed("cannot check it", e))?;
    if ok != "ok" {
        return Err(ServerError::BadRequest(format!("it is damaged: {ok}")));
    }
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    let server: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'server_schema'", [], |r| r.get(0)).ok();
    if server.is_none() {
        return Err(ServerError::BadRequest("it is not a sitroom server's store".into()));
    }
    let read = || -> rusqlite::Result<Held> {
        Ok(Held {
            organisations: count("SELECT count(*) FROM orgs")?,
            accounts: count("SELECT count(*) FROM accounts")?,
            changes: count("SELECT count(*) FROM oplog")?,
            epoch: count(
                "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'server_epoch'), 0)",
            )?,
        })
    };
    read().map_err(|e| failed("cannot read it", e))
}

/// Copy the whole of `from` into `to` in one step of the online backup.
fn copy(from: &Connection, to: &mut Connection) -> Result<()> {
    let backup = rusqlite::backup::Backup::new(from, to).map_err(|e| failed("cannot start the copy", e))?;
    match backup.step(-1).map_err(|e| failed("the copy failed", e))? {
        rusqlite::backup::StepResult::Done => Ok(()),
        other => Err(failed("the copy did not finish", format!("{other:?}"))),
    }
}

/// Write `path` for good: its bytes and its name in its folder.
fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| failed("cannot write it to disk", e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

impl SqliteServer {
    /// Back the store up into `to` (a new file, readable by its owner alone), while
    /// a server may be serving it. What the backup holds.
    pub fn backup(&self, to: &Path) -> Result<Held> {
        if to.exists() {
            return Err(ServerError::Conflict(format!("{} exists already; name a new file", to.display())));
        }
        let mut partial = to.as_os_str().to_os_string();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        readable_by_owner_alone(&partial);
        let made = (|| {
            let mut dst = Connection::open(&partial).map_err(|e| failed("cannot make the backup", e))?;
            copy(self.store().conn(), &mut dst)?;
            // One file, whole: no write-ahead log beside it.
            dst.pragma_update(None, "journal_mode", "DELETE").map_err(|e| failed("cannot finish it", e))?;
            let held = held(&dst)?;
            drop(dst);
            sync_file(&partial)?;
            std::fs::rename(&partial, to).map_err(|e| failed("cannot name the backup", e))?;
            sync_file(to)?;
            Ok(held)
        })();
        if made.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        made
    }

    /// Restore the backup `from` into `to`, which must not hold a store yet (or an
    /// empty one); the restored store's epoch moves on. What it holds.
    pub fn restore(from: &Path, to: &Path) -> Result<Held> {
        let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| ServerError::BadRequest(format!("cannot open {}: {e}", from.display())))?;
        held(&src)
            .map_err(|e| ServerError::BadRequest(format!("{} cannot be restored: {e}", from.display())))?;
        if to.exists() {
            let there = Connection::open_with_flags(to, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| failed("cannot look at the target", e))?;
            let count = |sql: &str| there.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0);
            if count("SELECT count(*) FROM accounts") > 0 || count("SELECT count(*) FROM oplog") > 0 {
                return Err(ServerError::Conflict(format!(
                    "{} holds a store already: restore into a new file (or an empty store)",
                    to.display()
                )));
            }
        }
        readable_by_owner_alone(to);
        let mut dst = Connection::open(to).map_err(|e| failed("cannot make the store", e))?;
        copy(&src, &mut dst)?;
        let epoch = held(&dst)?.epoch + 1;
        dst.execute(
            "INSERT INTO meta (key, value) VALUES ('server_epoch', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
            [epoch.to_string()],
        )
        .map_err(|e| failed("cannot move the epoch on", e))?;
        dst.pragma_update(None, "journal_mode", "WAL").map_err(|e| failed("cannot finish it", e))?;
        let held = held(&dst)?;
        drop(dst);
        sync_file(to)?;
        // Opened once as the server would: a backup from an older sitroom is brought
        // up to date now, not at the first request.
        SqliteServer::open(to)?;
        Ok(held)
    }
}

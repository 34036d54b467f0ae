//! Sign-ins on their way in the server's file: single sign-ons under way (a terminal
//! waiting for a browser), and the failures in a row of each address and account name
//! that hold password guessing back. Kept in the store, not in a process's memory, so
//! that every server of one store sees the same (see `server::guard`, `server::sso`).

use super::file::ServerFile;
use crate::server::guard::Tried;
use crate::server::sso::{Added, Find, Pending, LIFETIME};
use crate::store::{Result, StoreError};
use rusqlite::{params, OptionalExtension};

fn read(body: Option<String>) -> Result<Option<Pending>> {
    body.map(|b| Pending::from_json(&b).map_err(StoreError::refused)).transpose()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl ServerFile {
    /// Keep a sign-in under way, unless there are `per_address` from its address or
    /// `most` in all; those older than their lifetime are forgotten first.
    pub fn sso_pending_add(&mut self, p: &Pending, per_address: usize, most: usize) -> Result<Added> {
        let tx = self.conn_mut().transaction()?;
        tx.execute("DELETE FROM sso_pending WHERE started < ?1", [now() - LIFETIME.as_millis() as i64])?;
        if let Some(from) = &p.from {
            let (n, oldest): (i64, Option<i64>) = tx.query_row(
                "SELECT count(*), min(started) FROM sso_pending WHERE address = ?1",
                [from],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if n as usize >= per_address {
                return Ok(Added::Busy { oldest: oldest.unwrap_or(p.started) });
            }
        }
        let (n, oldest): (i64, Option<i64>) =
            tx.query_row("SELECT count(*), min(started) FROM sso_pending", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if n as usize >= most {
            return Ok(Added::Busy { oldest: oldest.unwrap_or(p.started) });
        }
        let added = tx.execute(
            "INSERT INTO sso_pending (code, poll, state, address, started, body) VALUES (?1, ?2, NULL, ?3, ?4, ?5)
             ON CONFLICT (code) DO NOTHING",
            params![p.code, p.poll, p.from, p.started, p.to_json()],
        )?;
        tx.commit()?;
        Ok(if added == 1 { Added::Kept } else { Added::CodeTaken })
    }

    pub fn sso_pending(&self, by: &Find) -> Result<Option<Pending>> {
        let (sql, key) = match by {
            Find::Code(code) => ("SELECT body FROM sso_pending WHERE code = ?1", code),
            Find::Poll(hash) => ("SELECT body FROM sso_pending WHERE poll = ?1", hash),
        };
        read(self.conn().query_row(sql, [key], |r| r.get(0)).optional()?)
    }

    /// Keep what the sign-in is now (ended, if it has an outcome); `state`: what the
    /// provider sends the browser back with, if it went there. Only a sign-in that has
    /// not ended is changed: false when it had.
    pub fn sso_pending_put(&mut self, p: &Pending, state: Option<&str>) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE sso_pending SET body = ?2, state = ?3, ended = ?4 WHERE code = ?1 AND ended = 0",
            params![p.code, p.to_json(), state, p.outcome.is_some()],
        )? == 1)
    }

    /// The sign-in whose browser went to the provider with `state`, its way back
    /// taken: a state is used once.
    pub fn sso_pending_went(&mut self, state: &str) -> Result<Option<Pending>> {
        read(
            self.conn()
                .query_row(
                    "UPDATE sso_pending SET state = NULL WHERE state = ?1 RETURNING body",
                    [state],
                    |r| r.get(0),
                )
                .optional()?,
        )
    }

    /// Forget it: true when this call did (what it ended with is given once).
    pub fn sso_pending_remove(&mut self, code: &str) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM sso_pending WHERE code = ?1", [code])? == 1)
    }

    /// The latest time (ms) until which sign-ins for any of these keys are held back.
    pub fn sign_in_held(&self, keys: &[String]) -> Result<i64> {
        let mut stmt = self.conn().prepare_cached("SELECT not_before FROM sign_in_tries WHERE key = ?1")?;
        let mut latest = 0;
        for key in keys {
            if let Some(t) = stmt.query_row([key], |r| r.get::<_, i64>(0)).optional()? {
                latest = latest.max(t);
            }
        }
        Ok(latest)
    }

    /// A sign-in's outcome for its keys: a success clears their failures; a failure
    /// counts, and past the free ones holds the next sign-in back.
    pub fn sign_in_tried(&mut self, keys: &[Tried], success: bool) -> Result<()> {
        let now = now();
        let tx = self.conn_mut().transaction()?;
        for t in keys {
            if success {
                tx.execute("DELETE FROM sign_in_tries WHERE key = ?1", [&t.key])?;
                continue;
            }
            let failures: i64 = tx.query_row(
                "INSERT INTO sign_in_tries (key, failures, not_before, last) VALUES (?1, 1, 0, ?2)
                 ON CONFLICT (key) DO UPDATE SET failures = failures + 1, last = ?2
                 RETURNING failures",
                params![t.key, now],
                |r| r.get(0),
            )?;
            if let Some(wait) = t.wait_after(failures as u32) {
                tx.execute(
                    "UPDATE sign_in_tries SET not_before = max(not_before, ?2) WHERE key = ?1",
                    params![t.key, now + wait.as_millis() as i64],
                )?;
            }
        }
        // Keys quiet for a day are forgotten: a flood of names cannot fill the file.
        tx.execute(
            "DELETE FROM sign_in_tries WHERE last < ?1 AND not_before < ?2",
            params![now - 86_400_000, now],
        )?;
        tx.commit()?;
        Ok(())
    }
}

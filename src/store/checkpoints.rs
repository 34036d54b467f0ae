//! Signed chain heads (see `replication::checkpoint`): kept on clients and on the server,
//! and where each entry stands in its replica's chain.

use super::columns::read_row;
use super::{Result, Store};
use crate::keys::{Sealer, SigningKey};
use crate::replication::checkpoint::{Checkpoint, SIGN_EVERY_ENTRIES, SIGN_EVERY_MS};
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

const COLUMNS: &str = "incident_id, origin, count, entry_id, head, at, key, sig, org, server_sig";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Checkpoint> {
    Ok(read_row!(r => Checkpoint {
        incident: uuid, origin: get, count: get, entry: uuid, head: get, at: get, key: get, sig: get, org: get,
        server_sig: get,
    }))
}

fn keep_in(conn: &rusqlite::Connection, checkpoints: &[Checkpoint]) -> Result<()> {
    for c in checkpoints {
        if c.key.is_empty() {
            // Only a countersignature, for a checkpoint kept here already.
            conn.prepare_cached(
                "UPDATE checkpoints SET org = ?4, server_sig = ?5
                 WHERE incident_id = ?1 AND origin = ?2 AND count = ?3 AND server_sig = ''",
            )?
            .execute(params![c.incident.to_string(), c.origin, c.count, c.org, c.server_sig])?;
            continue;
        }
        conn.prepare_cached(&format!(
            "INSERT INTO checkpoints ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (incident_id, origin, count) DO UPDATE SET org = excluded.org,
               server_sig = excluded.server_sig
             WHERE checkpoints.server_sig = '' AND excluded.server_sig <> ''
               AND checkpoints.sig = excluded.sig"
        ))?
        .execute(params![
            c.incident.to_string(),
            c.origin,
            c.count,
            c.entry.to_string(),
            c.head,
            c.at,
            c.key,
            c.sig,
            c.org,
            c.server_sig
        ])?;
    }
    Ok(())
}

impl Store {
    /// Keep checkpoints; a countersigned one takes the place of the same one without.
    pub fn keep_checkpoints(&mut self, checkpoints: &[Checkpoint]) -> Result<()> {
        if checkpoints.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        keep_in(&tx, checkpoints)?;
        tx.commit()?;
        Ok(())
    }

    /// Apply ops with the checkpoints that came with them (a bundle's), and keep them
    /// only if `check` then finds everything in order; otherwise nothing is changed
    /// and `check`'s reason is returned.
    pub fn apply_ops_checked(
        &mut self,
        ops: &[crate::replication::Op],
        state: super::OpState,
        checkpoints: &[Checkpoint],
        check: impl FnOnce(&Store) -> std::result::Result<(), String>,
    ) -> Result<std::result::Result<super::Applied, String>> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let report = super::replica::apply_in(&tx, ops, state)?;
        keep_in(&tx, checkpoints)?;
        match check(self) {
            Ok(()) => {
                tx.commit()?;
                Ok(Ok(report))
            }
            Err(why) => Ok(Err(why)),
        }
    }

    /// Every checkpoint of an incident, oldest first per replica.
    pub fn checkpoints(&self, incident: Uuid) -> Result<Vec<Checkpoint>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM checkpoints WHERE incident_id = ?1 ORDER BY origin, count"
        ))?;
        let rows = stmt.query_map([incident.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Checkpoints whose head is one of these entries.
    pub fn checkpoints_at(&self, entries: &[Uuid]) -> Result<Vec<Checkpoint>> {
        let mut out = Vec::new();
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM checkpoints WHERE entry_id = ?1"))?;
        for e in entries {
            for c in stmt.query_map([e.to_string()], from_row)? {
                out.push(c?);
            }
        }
        Ok(out)
    }

    /// The full hash of the entry of `origin`'s chain in `incident` whose hash begins
    /// with `prefix` (what an entry op carries of the one before it).
    pub fn chain_hash(&self, incident: Uuid, origin: &str, prefix: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT hash FROM log_entries WHERE incident_id = ?1 AND origin = ?2 AND substr(hash, 1, ?3) = ?4
                 ORDER BY hlc DESC LIMIT 1",
            )?
            .query_row(params![incident.to_string(), origin, prefix.len() as i64, prefix], |r| r.get(0))
            .optional()?)
    }

    /// Where an entry stands in its replica's chain: its incident, its replica, its
    /// place in that chain (1, 2, …) and its hash.
    pub fn chain_position(&self, entry: Uuid) -> Result<Option<(Uuid, String, i64, String)>> {
        let found: Option<(String, String, i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT e.incident_id, e.origin,
                        (SELECT count(*) FROM log_entries p
                          WHERE p.incident_id = e.incident_id AND p.origin = e.origin AND p.hlc <= e.hlc),
                        e.hash
                 FROM log_entries e WHERE e.id = ?1",
            )?
            .query_row([entry.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        Ok(found.map(|(i, o, n, h)| (super::columns::id(&i), o, n, h)))
    }

    /// This replica's chains that have entries newer than its last checkpoint in them:
    /// per incident, the newest entry, when the replica last signed there (ms; 0 for
    /// never) and how many entries are not yet signed. A few index look-ups per
    /// incident: it runs with every sync.
    pub fn unsigned_chains(&self, origin: &str) -> Result<Vec<(Uuid, Uuid, i64, i64)>> {
        let incidents: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM incidents")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for incident in incidents {
            let (at, signed_hlc): (i64, i64) = self
                .conn
                .prepare_cached(
                    "SELECT c.at, coalesce(l.hlc, 0) FROM checkpoints c LEFT JOIN log_entries l ON l.id = c.entry_id
                     WHERE c.incident_id = ?1 AND c.origin = ?2 ORDER BY c.count DESC LIMIT 1",
                )?
                .query_row(params![incident, origin], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .unwrap_or((0, 0));
            let unsigned: i64 = self
                .conn
                .prepare_cached(
                    "SELECT count(*) FROM log_entries WHERE incident_id = ?1 AND origin = ?2 AND hlc > ?3",
                )?
                .query_row(params![incident, origin, signed_hlc], |r| r.get(0))?;
            if unsigned == 0 {
                continue;
            }
            let head: String = self
                .conn
                .prepare_cached(
                    "SELECT id FROM log_entries WHERE incident_id = ?1 AND origin = ?2 ORDER BY hlc DESC LIMIT 1",
                )?
                .query_row(params![incident, origin], |r| r.get(0))?;
            out.push((super::columns::id(&incident), super::columns::id(&head), at, unsigned));
        }
        Ok(out)
    }

    /// For benchmarks: forget this replica's own checkpoints, as if none were made
    /// (the next sync then signs at once).
    #[doc(hidden)]
    pub fn forget_own_checkpoints(&mut self) -> Result<()> {
        self.conn.execute(
            "DELETE FROM checkpoints WHERE origin = (SELECT value FROM meta WHERE key = 'device_id')",
            [],
        )?;
        Ok(())
    }
}

impl Store {
    /// This replica's signing key, made the first time it is needed and kept in its
    /// database (readable by its user alone).
    pub fn signing_key(&self) -> Result<SigningKey> {
        let kept = match self.meta("signing_key")? {
            Some(kept) => kept,
            // Two processes asking at once keep the same key: the first one written wins.
            None => self.meta_or_insert("signing_key", &SigningKey::generate().to_text())?,
        };
        SigningKey::from_text(&kept)
            .ok_or_else(|| super::StoreError::refused("this database's signing key is damaged"))
    }

    /// Who seals what this database writes: on a sync server's own file the server's
    /// key (every signed-in replica knows it), elsewhere the replica's, with the
    /// organisation and certificate it was given at sign-in.
    pub fn sealer(&self) -> Result<Sealer> {
        let replica = self.device_id()?;
        if let Some(key) = self.meta("server_signing_key")?.as_deref().and_then(SigningKey::from_text) {
            return Ok(Sealer { key, replica, org: String::new(), certificate: String::new() });
        }
        Ok(Sealer {
            key: self.signing_key()?,
            replica,
            org: self.meta("certified_org")?.unwrap_or_default(),
            certificate: self.meta("certificate")?.unwrap_or_default(),
        })
    }

    /// The checkpoints replica `origin` owes at `now_ms` (ms): for each of its chains
    /// with entries it has not signed, once enough entries or time have passed since
    /// the last (or at once, with `force`, as when a bundle is written).
    pub fn checkpoints_due(
        &self,
        origin: &str,
        key: &SigningKey,
        now_ms: i64,
        force: bool,
    ) -> Result<Vec<Checkpoint>> {
        let mut out = Vec::new();
        for (incident, head, last_at, unsigned) in self.unsigned_chains(origin)? {
            if !force && unsigned < SIGN_EVERY_ENTRIES && now_ms - last_at < SIGN_EVERY_MS {
                continue;
            }
            let Some((_, _, count, hash)) = self.chain_position(head)? else { continue };
            let cp = Checkpoint {
                incident,
                origin: origin.to_string(),
                count,
                entry: head,
                head: hash,
                at: now_ms,
                key: String::new(),
                sig: String::new(),
                org: String::new(),
                server_sig: String::new(),
            };
            out.push(cp.signed(key));
        }
        Ok(out)
    }
}

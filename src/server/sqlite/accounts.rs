//! Organisations, accounts with their argon2 password hashes, session tokens (stored
//! hashed) and the replicas that signed in, with their keys.

use super::file::ServerFile;
use crate::domain::roles::Role;
use crate::domain::time::to_millis;
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

/// An account on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub org_id: String,
    pub org: String,
    pub roles: Vec<Role>,
    pub superadmin: bool,
    /// The argon2 hash (PHC string).
    pub password: String,
    pub disabled: bool,
}

fn roles_from(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r).ok()).collect()
}

fn roles_to(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

const ACCOUNT: &str = "SELECT a.name, a.org_id, o.name, a.roles, a.superadmin, a.password, a.disabled
     FROM accounts a JOIN orgs o ON o.id = a.org_id";

fn account_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        name: r.get(0)?,
        org_id: r.get(1)?,
        org: r.get(2)?,
        roles: roles_from(&r.get::<_, String>(3)?),
        superadmin: r.get(4)?,
        password: r.get(5)?,
        disabled: r.get(6)?,
    })
}

impl ServerFile {
    pub fn add_org(&mut self, name: &str, now: DateTime<Utc>) -> Result<String> {
        let id = Uuid::now_v7().to_string();
        let done = self.conn().execute(
            "INSERT INTO orgs (id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
            params![id, name, to_millis(now)],
        )?;
        if done == 0 {
            return Err(StoreError::conflict(
                format!("det finnes allerede en organisasjon som heter «{name}»"),
                format!("there is already an organisation named '{name}'"),
            ));
        }
        Ok(id)
    }

    /// Of these account names, those there are, each with its organisation's name.
    pub fn accounts_named(&self, names: &[String]) -> Result<Vec<(String, String)>> {
        let names = serde_json::to_string(names).expect("names are strings");
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.name, o.name FROM accounts a JOIN orgs o ON o.id = a.org_id
             WHERE a.name IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([names], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Of these organisation names, those there are.
    pub fn orgs_named(&self, names: &[String]) -> Result<Vec<String>> {
        let names = serde_json::to_string(names).expect("names are strings");
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT name FROM orgs WHERE name IN (SELECT value FROM json_each(?1))")?;
        let rows = stmt.query_map([names], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Organisations by name.
    pub fn orgs(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare("SELECT id, name FROM orgs ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn add_account(
        &mut self,
        name: &str,
        org: &str,
        roles: &[Role],
        superadmin: bool,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Account> {
        let org_id: String = self
            .conn()
            .query_row("SELECT id FROM orgs WHERE name = ?1", [org], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!(
                        "det finnes ingen organisasjon «{org}»; legg den til med `sitroom admin org add`"
                    ),
                    format!("there is no organisation '{org}'; add it with `sitroom admin org add`"),
                )
            })?;
        let done = self.conn().execute(
            "INSERT INTO accounts (name, org_id, roles, superadmin, password, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO NOTHING",
            params![name, org_id, roles_to(roles), superadmin, password_hash, to_millis(now)],
        )?;
        if done == 0 {
            return Err(StoreError::conflict(
                format!("det finnes allerede en konto som heter «{name}»"),
                format!("there is already an account named '{name}'"),
            ));
        }
        self.account(name)?.ok_or_else(|| StoreError::not_found(name, name))
    }

    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        Ok(self
            .conn()
            .prepare_cached(&format!("{ACCOUNT} WHERE a.name = ?1"))?
            .query_row([name], account_from)
            .optional()?)
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self.conn().prepare(&format!("{ACCOUNT} ORDER BY o.name, a.name"))?;
        let rows = stmt.query_map([], account_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn set_account_roles(&mut self, name: &str, roles: &[Role]) -> Result<()> {
        let n = self
            .conn()
            .execute("UPDATE accounts SET roles = ?1 WHERE name = ?2", params![roles_to(roles), name])?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("det finnes ingen konto «{name}»"),
                format!("there is no account '{name}'"),
            ));
        }
        Ok(())
    }

    /// Disable an account (or enable it again); disabling ends all its sessions.
    pub fn set_account_disabled(&mut self, name: &str, disabled: bool) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        let n = tx.execute("UPDATE accounts SET disabled = ?1 WHERE name = ?2", params![disabled, name])?;
        if n == 0 {
            return Err(StoreError::not_found(
                format!("det finnes ingen konto «{name}»"),
                format!("there is no account '{name}'"),
            ));
        }
        if disabled {
            tx.execute("UPDATE tokens SET revoked = 1 WHERE account = ?1", [name])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A new session of `account`, opened from `device` (as people see it) on replica
    /// `origin`.
    pub fn add_token(
        &mut self,
        hash: &str,
        account: &str,
        device: &str,
        origin: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO tokens (hash, account, device, origin, created_at, expires_at, epoch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                     coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'server_epoch'), 0))",
            params![hash, account, device, origin, to_millis(now), to_millis(expires)],
        )?;
        Ok(())
    }

    /// Replace a live session's token by a new one (same account, device and
    /// replica, a new lifetime); the old one ends. False if the old one is not live.
    pub fn rotate_token(
        &mut self,
        old: &str,
        new: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "INSERT INTO tokens (hash, account, device, origin, created_at, expires_at, epoch)
             SELECT ?2, t.account, t.device, t.origin, ?3, ?4, t.epoch FROM tokens t JOIN accounts a ON a.name = t.account
             WHERE t.hash = ?1 AND t.revoked = 0 AND a.disabled = 0 AND coalesce(t.expires_at, ?3 + 1) > ?3",
            params![old, new, to_millis(now), to_millis(expires)],
        )?;
        if n == 1 {
            tx.execute("UPDATE tokens SET revoked = 1 WHERE hash = ?1", [old])?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Bind replica `origin` to its signing key (the first sign-in from it registers
    /// the key; later ones must present the same) and note that `account` signed in
    /// there. Err if the replica is bound to another key.
    pub fn bind_replica(&mut self, origin: &str, key: &str, account: &str, now: DateTime<Utc>) -> Result<()> {
        let tx = self.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let bound: Option<String> =
            tx.query_row("SELECT key FROM replicas WHERE origin = ?1", [origin], |r| r.get(0)).optional()?;
        match bound {
            Some(k) if k != key => {
                return Err(StoreError::conflict(
                    format!("replikaen «{origin}» er registrert med en annen enhets nøkkel; logg inn fra den enheten, eller fra en ny database"),
                    format!("replica '{origin}' is registered to another device's key; sign in from that device, or from a new database"),
                ))
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO replicas (origin, key, created_at) VALUES (?1, ?2, ?3)",
                    params![origin, key, to_millis(now)],
                )?;
            }
        }
        tx.execute(
            "INSERT OR IGNORE INTO replica_accounts (origin, account) VALUES (?1, ?2)",
            params![origin, account],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The name of the organisation that owns an incident, if the server knows it.
    pub fn incident_org_name(&self, incident: Uuid) -> Result<Option<String>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT o.name FROM incident_orgs io JOIN orgs o ON o.id = io.org_id WHERE io.incident_id = ?1",
            )?
            .query_row([incident.to_string()], |r| r.get(0))
            .optional()?)
    }

    /// A replica's registered key, and whether `account` has signed in there.
    pub fn replica_key(&self, origin: &str, account: &str) -> Result<Option<(String, bool)>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT r.key, EXISTS (SELECT 1 FROM replica_accounts a WHERE a.origin = r.origin AND a.account = ?2)
                 FROM replicas r WHERE r.origin = ?1",
            )?
            .query_row(params![origin, account], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// The account behind a live token of an enabled account, with the session's
    /// device and replica. A token past its lifetime is not live.
    pub fn token_account(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<(Account, String, String)>> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT a.name, a.org_id, o.name, a.roles, a.superadmin, a.password, a.disabled, t.device, t.origin
                 FROM tokens t JOIN accounts a ON a.name = t.account JOIN orgs o ON o.id = a.org_id
                 WHERE t.hash = ?1 AND t.revoked = 0 AND a.disabled = 0 AND coalesce(t.expires_at, ?2 + 1) > ?2",
            )?
            .query_row(params![hash, to_millis(now)], |r| Ok((account_from(r)?, r.get(7)?, r.get(8)?)))
            .optional()?)
    }

    /// The store's epoch: moved on by every restore from a backup.
    pub fn epoch(&self) -> Result<i64> {
        Ok(self.meta("server_epoch")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Is this session of an earlier epoch than the store (opened before the backup
    /// the store was restored from)?
    pub fn token_behind(&self, hash: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT epoch < coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'server_epoch'), 0)
                 FROM tokens WHERE hash = ?1",
            )?
            .query_row([hash], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false))
    }

    /// The session's replica has started over: its session is of this epoch now.
    pub fn token_caught_up(&mut self, hash: &str) -> Result<()> {
        let epoch = self.epoch()?;
        self.conn().execute("UPDATE tokens SET epoch = ?2 WHERE hash = ?1", params![hash, epoch])?;
        Ok(())
    }

    pub fn revoke_token(&mut self, hash: &str) -> Result<bool> {
        Ok(self.conn().execute("UPDATE tokens SET revoked = 1 WHERE hash = ?1 AND revoked = 0", [hash])? > 0)
    }
}

impl ServerFile {
    /// Register `key` (OpenSSH text) with its fingerprint for `account`.
    pub fn add_ssh_key(
        &mut self,
        account: &str,
        key: &crate::server::ssh_keys::Registered<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if self.account(account)?.is_none() {
            return Err(StoreError::not_found(
                format!("det finnes ingen konto «{account}»"),
                format!("there is no account '{account}'"),
            ));
        }
        let holder: Option<String> = self
            .conn()
            .query_row("SELECT account FROM ssh_keys WHERE fingerprint = ?1", [key.fingerprint], |r| r.get(0))
            .optional()?;
        match holder {
            Some(h) if h == account => Err(StoreError::conflict(
                format!("nøkkelen {} er allerede registrert for «{account}»", key.fingerprint),
                format!("key {} is already registered for '{account}'", key.fingerprint),
            )),
            Some(h) => Err(StoreError::conflict(
                format!(
                    "nøkkelen {} tilhører allerede kontoen «{h}»; én nøkkel åpner én konto",
                    key.fingerprint
                ),
                format!(
                    "key {} already belongs to account '{h}'; one key opens one account",
                    key.fingerprint
                ),
            )),
            None => {
                self.conn().execute(
                    "INSERT INTO ssh_keys (fingerprint, account, key, algorithm, comment, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        key.fingerprint,
                        account,
                        key.openssh,
                        key.algorithm,
                        key.comment,
                        to_millis(now)
                    ],
                )?;
                Ok(())
            }
        }
    }

    pub fn ssh_keys(&self, account: &str) -> Result<Vec<crate::server::ssh_keys::SshKey>> {
        let mut stmt = self.conn().prepare(
            "SELECT fingerprint, algorithm, comment, added_at FROM ssh_keys WHERE account = ?1 ORDER BY added_at, fingerprint",
        )?;
        let rows = stmt.query_map([account], |r| {
            Ok(crate::server::ssh_keys::SshKey {
                fingerprint: r.get(0)?,
                algorithm: r.get(1)?,
                comment: r.get(2)?,
                added_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn remove_ssh_key(&mut self, account: &str, fingerprint: &str) -> Result<()> {
        let done = self.conn().execute(
            "DELETE FROM ssh_keys WHERE account = ?1 AND fingerprint = ?2",
            params![account, fingerprint],
        )?;
        if done == 0 {
            return Err(StoreError::not_found(
                format!("«{account}» har ingen nøkkel {fingerprint}"),
                format!("'{account}' has no key {fingerprint}"),
            ));
        }
        Ok(())
    }

    /// The account a key fingerprint opens, if any.
    pub fn ssh_key_account(&self, fingerprint: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT account FROM ssh_keys WHERE fingerprint = ?1", [fingerprint], |r| r.get(0))
            .optional()?)
    }
}

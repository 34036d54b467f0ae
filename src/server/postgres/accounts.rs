//! Organisations, accounts, sessions (tokens stored hashed), the replicas that signed
//! in with their keys, and SSH keys, in PostgreSQL.

use super::{db, Result};
use crate::domain::roles::Role;
use crate::server::{secrets, Principal, ServerError};
use deadpool_postgres::Object;
use tokio_postgres::{Client, Row};

fn roles_from(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r).ok()).collect()
}

pub fn roles_to(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn lifetime_ends(now: i64) -> i64 {
    now + crate::sync::wire::TOKEN_LIFETIME_DAYS * 86_400_000
}

/// Columns of an account as [`principal`] reads them (from `a`, with `o` its org).
pub const ACCOUNT: &str = "a.name, a.org_id, o.name, a.roles, a.superadmin";

/// A principal from a row that begins with [`ACCOUNT`]'s columns.
pub fn principal(r: &Row) -> Principal {
    Principal {
        name: r.get(0),
        org_id: r.get(1),
        org: r.get(2),
        roles: roles_from(r.get(3)),
        superadmin: r.get(4),
        device: String::new(),
        origin: String::new(),
    }
}

/// Text PostgreSQL can hold (no NUL): what a crafted request names otherwise is no
/// one, as it is in the SQLite store, instead of an error.
pub fn storable(s: &str) -> bool {
    !s.contains('\0')
}

fn no_account(name: &str) -> ServerError {
    ServerError::NotFound(format!("there is no account '{name}'"))
}

pub async fn org_id(c: &Client, org: &str) -> Result<String> {
    c.query_opt("SELECT id FROM orgs WHERE name = $1", &[&org])
        .await
        .map_err(db)?
        .map(|r| r.get(0))
        .ok_or_else(|| ServerError::NotFound(format!("there is no organisation '{org}'")))
}

pub async fn add_org(c: &Client, name: &str) -> Result<()> {
    let id = uuid::Uuid::now_v7().to_string();
    let done = c
        .execute(
            "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            &[&id, &name, &now()],
        )
        .await
        .map_err(db)?;
    if done == 0 {
        return Err(ServerError::Conflict(format!("there is already an organisation named '{name}'")));
    }
    Ok(())
}

pub async fn orgs(c: &Client) -> Result<Vec<String>> {
    Ok(c.query("SELECT name FROM orgs ORDER BY name", &[])
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

pub async fn add_account(
    c: &Client,
    name: &str,
    org: &str,
    roles: &[Role],
    superadmin: bool,
    hash: &str,
) -> Result<()> {
    let org_id = c
        .query_opt("SELECT id FROM orgs WHERE name = $1", &[&org])
        .await
        .map_err(db)?
        .map(|r| r.get::<_, String>(0))
        .ok_or_else(|| {
            ServerError::NotFound(format!(
                "there is no organisation '{org}'; add it with `sitroom admin org add`"
            ))
        })?;
    let done = c
        .execute(
            "INSERT INTO accounts (name, org_id, roles, superadmin, password, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
            &[&name, &org_id, &roles_to(roles), &superadmin, &hash, &now()],
        )
        .await
        .map_err(db)?;
    if done == 0 {
        return Err(ServerError::Conflict(format!("there is already an account named '{name}'")));
    }
    Ok(())
}

pub async fn set_roles(c: &Client, name: &str, roles: &[Role]) -> Result<()> {
    let n = c
        .execute("UPDATE accounts SET roles = $1 WHERE name = $2", &[&roles_to(roles), &name])
        .await
        .map_err(db)?;
    if n == 0 {
        return Err(no_account(name));
    }
    Ok(())
}

/// Disable an account (or enable it again); disabling ends all its sessions.
pub async fn set_disabled(mut c: Object, name: &str, disabled: bool) -> Result<()> {
    let tx = c.transaction().await.map_err(db)?;
    let n = tx
        .execute("UPDATE accounts SET disabled = $1 WHERE name = $2", &[&disabled, &name])
        .await
        .map_err(db)?;
    if n == 0 {
        return Err(no_account(name));
    }
    if disabled {
        tx.execute("UPDATE tokens SET revoked = true WHERE account = $1", &[&name]).await.map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

pub async fn accounts(c: &Client) -> Result<Vec<(Principal, bool)>> {
    let rows = c
        .query(
            &format!(
                "SELECT {ACCOUNT}, a.disabled FROM accounts a JOIN orgs o ON o.id = a.org_id ORDER BY o.name, a.name"
            ),
            &[],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().map(|r| (principal(r), r.get(5))).collect())
}

/// The account with its password hash and whether it is disabled.
pub async fn with_password(c: &Client, name: &str) -> Result<Option<(Principal, String, bool)>> {
    if !storable(name) {
        return Ok(None);
    }
    let row = c
        .query_opt(
            &format!(
                "SELECT {ACCOUNT}, a.password, a.disabled FROM accounts a JOIN orgs o ON o.id = a.org_id
                 WHERE a.name = $1"
            ),
            &[&name],
        )
        .await
        .map_err(db)?;
    Ok(row.map(|r| (principal(&r), r.get(5), r.get(6))))
}

/// The account as it may sign in now (not disabled, not cut off by its provider).
pub async fn may_sign_in(c: &Client, name: &str) -> Result<Option<Principal>> {
    if !storable(name) {
        return Ok(None);
    }
    let row = c
        .query_opt(
            &format!(
                "SELECT {ACCOUNT} FROM accounts a JOIN orgs o ON o.id = a.org_id
                 WHERE a.name = $1 AND NOT a.disabled
                   AND NOT EXISTS (SELECT 1 FROM sso_identities i WHERE i.account = a.name AND i.cut_off)"
            ),
            &[&name],
        )
        .await
        .map_err(db)?;
    Ok(row.as_ref().map(principal))
}

/// Bind replica `origin` to its key (the first sign-in from it registers the key;
/// later ones must present the same), note that `account` signed in there, and open a
/// session: a new token, and when it ends.
pub async fn open_replica(
    mut c: Object,
    account: &str,
    device: &str,
    origin: &str,
    key: &str,
) -> Result<(String, i64)> {
    let tx = c.transaction().await.map_err(db)?;
    let usable = tx
        .query_opt(
            "SELECT NOT a.disabled, EXISTS (SELECT 1 FROM sso_identities i WHERE i.account = a.name AND i.cut_off)
             FROM accounts a WHERE a.name = $1",
            &[&account],
        )
        .await
        .map_err(db)?;
    match usable.map(|r| (r.get::<_, bool>(0), r.get::<_, bool>(1))) {
        Some((true, false)) => {}
        Some((true, true)) => return Err(crate::server::rules::cut_off(account)),
        _ => return Err(ServerError::Unauthorized(format!("no account '{account}' may sign in"))),
    }
    let now = now();
    tx.execute(
        "INSERT INTO replicas (origin, key, created_at) VALUES ($1, $2, $3) ON CONFLICT (origin) DO NOTHING",
        &[&origin, &key, &now],
    )
    .await
    .map_err(db)?;
    let bound: String =
        tx.query_one("SELECT key FROM replicas WHERE origin = $1", &[&origin]).await.map_err(db)?.get(0);
    if bound != key {
        return Err(ServerError::Conflict(format!(
            "replica '{origin}' is registered to another device's key; sign in from that device, or from a new database"
        )));
    }
    tx.execute(
        "INSERT INTO replica_accounts (origin, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&origin, &account],
    )
    .await
    .map_err(db)?;
    let token = secrets::new_token();
    let expires = lifetime_ends(now);
    tx.execute(
        "INSERT INTO tokens (hash, account, device, origin, created_at, expires_at, epoch)
         VALUES ($1, $2, $3, $4, $5, $6,
                 coalesce((SELECT value::bigint FROM meta WHERE key = 'server_epoch'), 0))",
        &[&secrets::token_hash(&token), &account, &device, &origin, &now, &expires],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok((token, expires))
}

/// Replace a live session's token by a new one; the old one ends.
pub async fn rotate(mut c: Object, old: &str) -> Result<(String, i64)> {
    let now = now();
    let expires = lifetime_ends(now);
    let new = secrets::new_token();
    let tx = c.transaction().await.map_err(db)?;
    let n = tx
        .execute(
            "UPDATE tokens t SET revoked = true FROM accounts a
             WHERE t.hash = $1 AND a.name = t.account AND NOT t.revoked AND NOT a.disabled
               AND coalesce(t.expires_at, $2::bigint + 1) > $2::bigint",
            &[&old, &now],
        )
        .await
        .map_err(db)?;
    if n != 1 {
        return Err(crate::server::rules::invalid_session());
    }
    tx.execute(
        "INSERT INTO tokens (hash, account, device, origin, created_at, expires_at, epoch)
         SELECT $2, account, device, origin, $3, $4, epoch FROM tokens WHERE hash = $1",
        &[&old, &secrets::token_hash(&new), &now, &expires],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok((new, expires))
}

/// The account behind a live session, with its device and replica; and whether the
/// session is of an earlier epoch than the store (opened before the backup the store
/// was restored from).
pub async fn session(c: &deadpool_postgres::ClientWrapper, hash: &str) -> Result<Option<(Principal, bool)>> {
    // Every round asks: a statement prepared once per connection.
    let statement = c
        .prepare_cached(&format!(
                "SELECT {ACCOUNT}, t.device, t.origin,
                        t.epoch < coalesce((SELECT value::bigint FROM meta WHERE key = 'server_epoch'), 0)
                 FROM tokens t JOIN accounts a ON a.name = t.account JOIN orgs o ON o.id = a.org_id
                 WHERE t.hash = $1 AND NOT t.revoked AND NOT a.disabled AND coalesce(t.expires_at, $2::bigint + 1) > $2::bigint"
        ))
        .await
        .map_err(db)?;
    let row = c.query_opt(&statement, &[&hash, &now()]).await.map_err(db)?;
    Ok(row.map(|r| (Principal { device: r.get(5), origin: r.get(6), ..principal(&r) }, r.get(7))))
}

pub async fn epoch(c: &Client) -> Result<i64> {
    Ok(c.query_opt("SELECT value::bigint FROM meta WHERE key = 'server_epoch'", &[])
        .await
        .map_err(db)?
        .map(|r| r.get(0))
        .unwrap_or(0))
}

/// The session's replica has started over: its session is of this epoch now.
pub async fn caught_up(c: &Client, hash: &str) -> Result<()> {
    c.execute(
        "UPDATE tokens SET epoch = coalesce((SELECT value::bigint FROM meta WHERE key = 'server_epoch'), 0)
         WHERE hash = $1",
        &[&hash],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// A replica's registered key, and whether `account` has signed in there.
pub async fn replica_key(c: &Client, origin: &str, account: &str) -> Result<Option<(String, bool)>> {
    if !storable(origin) || !storable(account) {
        return Ok(None);
    }
    let row = c
        .query_opt(
            "SELECT r.key, EXISTS (SELECT 1 FROM replica_accounts a WHERE a.origin = r.origin AND a.account = $2)
             FROM replicas r WHERE r.origin = $1",
            &[&origin, &account],
        )
        .await
        .map_err(db)?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// The registered keys of these replicas (those that have one), for checkpoints
/// `account` sends: one look for many.
pub async fn replica_keys(
    c: &Client,
    origins: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    let origins: Vec<&str> = origins.iter().map(String::as_str).filter(|o| storable(o)).collect();
    let rows =
        c.query("SELECT origin, key FROM replicas WHERE origin = ANY($1)", &[&origins]).await.map_err(db)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The names of the organisations that own these incidents (those the server knows).
pub async fn incident_org_names(
    c: &Client,
    incidents: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    let rows = c
        .query(
            "SELECT io.incident_id, o.name FROM incident_orgs io JOIN orgs o ON o.id = io.org_id
             WHERE io.incident_id = ANY($1)",
            &[&incidents],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub async fn add_ssh_key(
    c: &Client,
    account: &str,
    fingerprint: &str,
    openssh: &str,
    algorithm: &str,
    comment: &str,
) -> Result<()> {
    let exists = c.query_opt("SELECT 1 FROM accounts WHERE name = $1", &[&account]).await.map_err(db)?;
    if exists.is_none() {
        return Err(no_account(account));
    }
    let done = c
        .execute(
            "INSERT INTO ssh_keys (fingerprint, account, key, algorithm, comment, added_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fingerprint) DO NOTHING",
            &[&fingerprint, &account, &openssh, &algorithm, &comment, &now()],
        )
        .await
        .map_err(db)?;
    if done == 1 {
        return Ok(());
    }
    let holder = ssh_key_account(c, fingerprint).await?.unwrap_or_default();
    Err(if holder == account {
        ServerError::Conflict(format!("key {fingerprint} is already registered for '{account}'"))
    } else {
        ServerError::Conflict(format!(
            "key {fingerprint} already belongs to account '{holder}'; one key opens one account"
        ))
    })
}

pub async fn ssh_keys(c: &Client, account: &str) -> Result<Vec<crate::server::ssh_keys::SshKey>> {
    let exists = c.query_opt("SELECT 1 FROM accounts WHERE name = $1", &[&account]).await.map_err(db)?;
    if exists.is_none() {
        return Err(no_account(account));
    }
    let rows = c
        .query(
            "SELECT fingerprint, algorithm, comment, added_at FROM ssh_keys WHERE account = $1
             ORDER BY added_at, fingerprint",
            &[&account],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| crate::server::ssh_keys::SshKey {
            fingerprint: r.get(0),
            algorithm: r.get(1),
            comment: r.get(2),
            added_at: r.get(3),
        })
        .collect())
}

pub async fn remove_ssh_key(c: &Client, account: &str, fingerprint: &str) -> Result<()> {
    let done = c
        .execute("DELETE FROM ssh_keys WHERE account = $1 AND fingerprint = $2", &[&account, &fingerprint])
        .await
        .map_err(db)?;
    if done == 0 {
        return Err(ServerError::NotFound(format!("'{account}' has no key {fingerprint}")));
    }
    Ok(())
}

/// The account a key fingerprint opens, if any.
pub async fn ssh_key_account(c: &Client, fingerprint: &str) -> Result<Option<String>> {
    Ok(c.query_opt("SELECT account FROM ssh_keys WHERE fingerprint = $1", &[&fingerprint])
        .await
        .map_err(db)?
        .map(|r| r.get(0)))
}

//! Single sign-on in PostgreSQL: people of identity providers linked to accounts (by
//! the provider's stable subject), which groups give which roles, links made by hand,
//! and the audit. The rules are those of the SQLite store (`server::sqlite::sso`).

use super::accounts::{org_id, principal, roles_to, ACCOUNT};
use super::{db, Result};
use crate::domain::roles::Role;
use crate::server::sso::{one_line, Audited, Identity, SsoLink, Vouched};
use crate::server::{Principal, ServerError};
use deadpool_postgres::Object;
use tokio_postgres::{Client, Row};

/// A [`Vouched`] the store's task can own.
pub struct OwnedVouched {
    provider: String,
    org: String,
    issuer: String,
    subject: String,
    hint: String,
    link_names: Vec<String>,
    groups: Vec<String>,
    refresh: Option<String>,
}

impl From<&Vouched<'_>> for OwnedVouched {
    fn from(v: &Vouched<'_>) -> Self {
        OwnedVouched {
            provider: v.provider.into(),
            org: v.org.into(),
            issuer: v.issuer.into(),
            subject: v.subject.into(),
            hint: v.hint.into(),
            link_names: v.link_names.to_vec(),
            groups: v.groups.to_vec(),
            refresh: v.refresh.map(str::to_string),
        }
    }
}

/// The person's first sign-in is being taken by another server at this moment: what
/// this transaction did is rolled back, and the sign-in is taken again (it then finds
/// the link the other made).
pub const RACED: &str = "signed in at another server at the same moment";

fn raced() -> ServerError {
    ServerError::Conflict(RACED.into())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn identity(r: &Row) -> Identity {
    Identity { issuer: r.get(0), subject: r.get(1), account: r.get(2), provider: r.get(3), refresh: r.get(4) }
}

pub async fn required(c: &Client, org_id: &str) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM sso_required WHERE org_id = $1", &[&org_id]).await.map_err(db)?.is_some())
}

/// Set or clear an organisation's flag kept as a row in `table` (`sso_required`,
/// `sso_roles_by_hand`).
pub async fn set_org_flag(c: &Client, table: &'static str, org: &str, on: bool) -> Result<()> {
    let id = org_id(c, org).await?;
    let sql = if on {
        format!("INSERT INTO {table} (org_id) VALUES ($1) ON CONFLICT DO NOTHING")
    } else {
        format!("DELETE FROM {table} WHERE org_id = $1")
    };
    c.execute(&sql, &[&id]).await.map_err(db)?;
    Ok(())
}

/// The account a provider's person signs in to (see `ServerStore::sso_account`), its
/// roles before (None: made now) and whether it is disabled. The inner error is a
/// refusal: the account is another organisation's.
pub async fn account(
    mut c: Object,
    v: &OwnedVouched,
) -> Result<std::result::Result<(Principal, Option<Vec<Role>>, bool), String>> {
    let tx = c.transaction().await.map_err(db)?;
    let org_id: String = tx
        .query_opt("SELECT id FROM orgs WHERE name = $1", &[&v.org])
        .await
        .map_err(db)?
        .map(|r| r.get(0))
        .ok_or_else(|| ServerError::NotFound(format!("the organisation '{}' is not on the server", v.org)))?;
    let mut roles: Vec<Role> = Vec::new();
    for row in tx
        .query("SELECT role FROM sso_roles WHERE org_id = $1 AND grp = ANY($2)", &[&org_id, &v.groups])
        .await
        .map_err(db)?
    {
        if let Ok(role) = Role::parse(row.get(0)) {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    roles.sort_by_key(|r| r.name());
    let governed = tx
        .query_opt("SELECT 1 FROM sso_roles_by_hand WHERE org_id = $1", &[&org_id])
        .await
        .map_err(db)?
        .is_none();
    let now = now();
    // Link the person to `account`: once (another server taking the same first
    // sign-in at this moment makes this one take it again).
    let link_to = async |account: &str| -> Result<()> {
        let linked_now = tx
            .execute(
                "INSERT INTO sso_identities (issuer, subject, account, provider, refresh, checked_at, linked_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING",
                &[&v.issuer, &v.subject, &account, &v.provider, &v.refresh, &now],
            )
            .await
            .map_err(db)?;
        if linked_now == 0 {
            return Err(raced());
        }
        Ok(())
    };
    let mut linked: Option<String> = tx
        .query_opt(
            "SELECT account FROM sso_identities WHERE issuer = $1 AND subject = $2",
            &[&v.issuer, &v.subject],
        )
        .await
        .map_err(db)?
        .map(|r| r.get(0));
    let mut taken = None;
    if linked.is_none() {
        // A link an administrator made: by the subject, or one of the person's names.
        let keys = std::iter::once((true, &v.subject)).chain(v.link_names.iter().map(|n| (false, n)));
        for (by_subject, key) in keys {
            let column = if by_subject { "subject" } else { "name" };
            let found = tx
                .query_opt(
                    &format!(
                        "DELETE FROM sso_links WHERE id = (
                             SELECT id FROM sso_links WHERE provider = $1 AND {column} = $2 AND expires_at > $3
                               AND account IN (SELECT name FROM accounts WHERE org_id = $4)
                             LIMIT 1 FOR UPDATE)
                         RETURNING account"
                    ),
                    &[&v.provider, key, &now, &org_id],
                )
                .await
                .map_err(db)?;
            if let Some(row) = found {
                let account: String = row.get(0);
                link_to(&account).await?;
                taken = Some(Audited {
                    account: Some(account.clone()),
                    provider: Some(v.provider.clone()),
                    ..Audited::now("link-taken", format!("{} at {}", v.subject, v.issuer))
                });
                linked = Some(account);
                break;
            }
        }
    }
    let account_row = async |name: &str| -> Result<(Principal, bool)> {
        let r = tx
            .query_one(
                &format!("SELECT {ACCOUNT}, a.disabled FROM accounts a JOIN orgs o ON o.id = a.org_id WHERE a.name = $1"),
                &[&name],
            )
            .await
            .map_err(db)?;
        Ok((principal(&r), r.get(5)))
    };
    let (name, before) = match linked {
        Some(name) => {
            let (account, _) = account_row(&name).await?;
            // A provider vouches for its own organisation's people only.
            if account.org_id != org_id {
                return Ok(Err(format!(
                    "the account '{name}' belongs to {}, not to {} whose provider vouched for it",
                    account.org, v.org
                )));
            }
            if governed && account.roles != roles {
                tx.execute("UPDATE accounts SET roles = $1 WHERE name = $2", &[&roles_to(&roles), &name])
                    .await
                    .map_err(db)?;
            }
            tx.execute(
                "UPDATE sso_identities SET refresh = coalesce($3, refresh), checked_at = $4, provider = $5,
                        cut_off = false
                 WHERE issuer = $1 AND subject = $2",
                &[&v.issuer, &v.subject, &v.refresh, &now, &v.provider],
            )
            .await
            .map_err(db)?;
            (name, Some(account.roles))
        }
        None => {
            // Just in time: a new account, named after the person, unique.
            let base = crate::server::sqlite::account_name(&v.hint);
            let mut name = base.clone();
            let mut n = 2;
            loop {
                let made = tx
                    .execute(
                        "INSERT INTO accounts (name, org_id, roles, superadmin, password, created_at)
                         VALUES ($1, $2, $3, false, $4, $5) ON CONFLICT (name) DO NOTHING",
                        &[&name, &org_id, &roles_to(&roles), &crate::server::sqlite::NO_PASSWORD, &now],
                    )
                    .await
                    .map_err(db)?;
                if made == 1 {
                    break;
                }
                name = format!("{base}{n}");
                n += 1;
            }
            link_to(&name).await?;
            (name, None)
        }
    };
    let (account, disabled) = account_row(&name).await?;
    tx.commit().await.map_err(db)?;
    if let Some(taken) = taken {
        audit(&c, &taken).await?;
    }
    Ok(Ok((account, before, disabled)))
}

/// Link the existing account to a provider's person before their first sign-in.
pub async fn link(mut c: Object, link: &SsoLink) -> Result<()> {
    let tx = c.transaction().await.map_err(db)?;
    let exists =
        tx.query_opt("SELECT 1 FROM accounts WHERE name = $1", &[&link.account]).await.map_err(db)?;
    if exists.is_none() {
        return Err(ServerError::NotFound(format!("there is no account '{}'", link.account)));
    }
    let (subject, name) =
        if link.by_name { (None, Some(link.key.to_lowercase())) } else { (Some(link.key.clone()), None) };
    tx.execute(
        "DELETE FROM sso_links WHERE provider = $1 AND (subject = $2 OR name = $3)",
        &[&link.provider, &subject, &name],
    )
    .await
    .map_err(db)?;
    tx.execute(
        "INSERT INTO sso_links (provider, subject, name, account, made_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&link.provider, &subject, &name, &link.account, &now(), &link.expires_at],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)
}

pub async fn links(c: &Client) -> Result<Vec<SsoLink>> {
    let rows = c
        .query(
            "SELECT provider, coalesce(subject, name), name IS NOT NULL, account, expires_at FROM sso_links
             ORDER BY provider, account",
            &[],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| SsoLink {
            provider: r.get(0),
            key: r.get(1),
            by_name: r.get(2),
            account: r.get(3),
            expires_at: r.get(4),
        })
        .collect())
}

/// Let `group` give `roles` in the organisation (none: nothing any more).
pub async fn set_map(mut c: Object, org: &str, group: &str, roles: &[Role]) -> Result<()> {
    let id = org_id(&c, org).await?;
    let tx = c.transaction().await.map_err(db)?;
    tx.execute("DELETE FROM sso_roles WHERE org_id = $1 AND grp = $2", &[&id, &group]).await.map_err(db)?;
    for role in roles {
        tx.execute(
            "INSERT INTO sso_roles (org_id, grp, role) VALUES ($1, $2, $3)",
            &[&id, &group, &role.name()],
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

pub async fn maps(c: &Client) -> Result<Vec<(String, String, Vec<Role>)>> {
    let rows = c
        .query(
            "SELECT o.name, s.grp, string_agg(s.role, ',' ORDER BY s.role) FROM sso_roles s JOIN orgs o ON o.id = s.org_id
             GROUP BY o.name, s.grp ORDER BY o.name, s.grp",
            &[],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| {
            let roles: &str = r.get(2);
            (r.get(0), r.get(1), roles.split(',').filter_map(|x| Role::parse(x).ok()).collect())
        })
        .collect())
}

/// People last asked about before `before` (ms) whose provider gave a refresh token and
/// whose account has a session open.
pub async fn due(c: &Client, before: i64) -> Result<Vec<Identity>> {
    let rows = c
        .query(
            "SELECT i.issuer, i.subject, i.account, i.provider, i.refresh FROM sso_identities i
             WHERE i.refresh IS NOT NULL AND i.checked_at < $1
               AND EXISTS (SELECT 1 FROM tokens t WHERE t.account = i.account AND NOT t.revoked
                           AND coalesce(t.expires_at, $2::bigint + 1) > $2::bigint)
             ORDER BY i.checked_at",
            &[&before, &now()],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().map(identity).collect())
}

/// The turn to ask about this person, unless they were asked about since `before` or
/// are being asked now (by any server): as they are now. Held by marking them asked
/// [`ASKING`](crate::server::sso::ASKING) ahead (see the SQLite store's).
pub async fn take_turn(c: &Client, issuer: &str, subject: &str, before: i64) -> Result<Option<Identity>> {
    let row = c
        .query_opt(
            "UPDATE sso_identities SET checked_at = $4
             WHERE issuer = $1 AND subject = $2 AND refresh IS NOT NULL AND checked_at < $3
             RETURNING issuer, subject, account, provider, refresh",
            &[&issuer, &subject, &before, &(now() + crate::server::sso::ASKING.as_millis() as i64)],
        )
        .await
        .map_err(db)?;
    Ok(row.as_ref().map(identity))
}

pub async fn identities(c: &Client, account: &str, before: i64) -> Result<Vec<Identity>> {
    let rows = c
        .query(
            "SELECT issuer, subject, account, provider, refresh FROM sso_identities
             WHERE account = $1 AND refresh IS NOT NULL AND checked_at < $2",
            &[&account, &before],
        )
        .await
        .map_err(db)?;
    Ok(rows.iter().map(identity).collect())
}

/// The provider no longer vouches for the person: every session of the account ends
/// and the refresh token is dropped. How many sessions ended.
pub async fn cut_off(mut c: Object, who: &Identity) -> Result<usize> {
    let tx = c.transaction().await.map_err(db)?;
    let n = tx
        .execute("UPDATE tokens SET revoked = true WHERE account = $1 AND NOT revoked", &[&who.account])
        .await
        .map_err(db)?;
    tx.execute(
        "UPDATE sso_identities SET refresh = NULL, cut_off = true WHERE issuer = $1 AND subject = $2",
        &[&who.issuer, &who.subject],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(n as usize)
}

pub async fn audit(c: &Client, a: &Audited) -> Result<()> {
    c.execute(
        "INSERT INTO audit (at, event, account, org, provider, address, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &a.at,
            &one_line(&a.event),
            &a.account.as_deref().map(one_line),
            &a.org.as_deref().map(one_line),
            &a.provider.as_deref().map(one_line),
            &a.address.as_deref().map(one_line),
            &one_line(&a.detail),
        ],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// The newest `limit` lines of the audit, newest first.
pub async fn audit_log(c: &Client, limit: usize) -> Result<Vec<Audited>> {
    let rows = c
        .query(
            "SELECT at, event, account, org, provider, address, detail FROM audit ORDER BY seq DESC LIMIT $1",
            &[&(limit as i64)],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| Audited {
            at: r.get(0),
            event: r.get(1),
            account: r.get(2),
            org: r.get(3),
            provider: r.get(4),
            address: r.get(5),
            detail: r.get(6),
        })
        .collect())
}

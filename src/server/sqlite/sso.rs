//! Single sign-on in the server's file: people of identity providers linked to
//! accounts (by the provider's stable subject, never the e-mail), which groups give
//! which roles in each organisation, and the audit of sign-ins and role changes.

use super::accounts::Account;
use super::file::ServerFile;
use crate::domain::roles::Role;
use crate::domain::time::to_millis;
use crate::server::sso::{one_line, Audited, Identity, SsoLink, Vouched};
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// What an account's password column holds when it signs in only through a provider:
/// not an argon2 hash, so no password ever matches it.
pub const NO_PASSWORD: &str = "sso";

/// An account name from what a provider calls the person: the part before any @,
/// Norwegian letters spelt out, nothing but letters, digits, `.`, `-` and `_`.
pub fn account_name(hint: &str) -> String {
    let local = hint.split('@').next().unwrap_or(hint).to_lowercase();
    let mut name = String::new();
    for c in local.chars() {
        match c {
            'æ' => name.push_str("ae"),
            'ø' => name.push('o'),
            'å' => name.push_str("aa"),
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => name.push(c),
            ' ' => name.push('.'),
            _ => {}
        }
    }
    let name = name.trim_matches('.').chars().take(32).collect::<String>();
    // Eleven digits may be a national identity number (fødselsnummer, or a D-number):
    // never an account's name, which is shown to everyone.
    let identity_number = name.len() == 11 && name.chars().all(|c| c.is_ascii_digit());
    if name.is_empty() || identity_number {
        "bruker".into()
    } else {
        name
    }
}

/// An identity from a row of (issuer, subject, account, provider, refresh).
fn identity(r: &rusqlite::Row<'_>) -> rusqlite::Result<Identity> {
    Ok(Identity {
        issuer: r.get(0)?,
        subject: r.get(1)?,
        account: r.get(2)?,
        provider: r.get(3)?,
        refresh: r.get(4)?,
    })
}

/// The account a person signs in to, and its roles before (`None`: made now).
pub type Signed = (Account, Option<Vec<Role>>);

impl ServerFile {
    /// Roles the groups give in the organisation, by the mapping table.
    fn mapped_roles(&self, org_id: &str, groups: &[String]) -> Result<Vec<Role>> {
        let mut stmt =
            self.conn().prepare_cached("SELECT role FROM sso_roles WHERE org_id = ?1 AND grp = ?2")?;
        let mut roles = Vec::new();
        for g in groups {
            let found = stmt.query_map(params![org_id, g], |r| r.get::<_, String>(0))?;
            for role in found {
                if let Ok(role) = Role::parse(&role?) {
                    if !roles.contains(&role) {
                        roles.push(role);
                    }
                }
            }
        }
        roles.sort_by_key(|r| r.name());
        Ok(roles)
    }

    /// The account a provider's person signs in to: the one linked to them, the one an
    /// administrator linked them to before their first sign-in, or a new one made now
    /// in the provider's organisation. Roles are what their groups give (read anew at
    /// every sign-in), unless the organisation keeps roles by hand (ID-porten has no
    /// groups): then an existing account keeps the roles given it.
    /// Also: the roles before (`None`: made now), for the audit.
    /// (The inner error is a refusal: the account is another organisation's.)
    pub fn sso_account(&mut self, v: &Vouched<'_>, now: DateTime<Utc>) -> Result<Result<Signed, String>> {
        let org_id: String = self
            .conn()
            .query_row("SELECT id FROM orgs WHERE name = ?1", [v.org], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("organisasjonen «{}» finnes ikke på tjeneren", v.org),
                    format!("the organisation '{}' is not on the server", v.org),
                )
            })?;
        let roles = self.mapped_roles(&org_id, v.groups)?;
        let governed = !self
            .conn()
            .prepare_cached("SELECT 1 FROM sso_roles_by_hand WHERE org_id = ?1")?
            .exists([&org_id])?;
        let mut linked: Option<String> = self
            .conn()
            .query_row(
                "SELECT account FROM sso_identities WHERE issuer = ?1 AND subject = ?2",
                params![v.issuer, v.subject],
                |r| r.get(0),
            )
            .optional()?;
        if linked.is_none() {
            linked = self.take_link(v, &org_id, now)?;
        }
        let before;
        let name = match linked {
            Some(name) => {
                let account = self.account(&name)?.ok_or_else(|| StoreError::not_found(&name, &name))?;
                // A provider vouches for its own organisation's people only.
                if account.org_id != org_id {
                    return Ok(Err(format!(
                        "the account '{name}' belongs to {}, not to {} whose provider vouched for it",
                        account.org, v.org
                    )));
                }
                before = Some(account.roles.clone());
                if governed && account.roles != roles {
                    self.set_account_roles(&name, &roles)?;
                }
                self.conn().execute(
                    "UPDATE sso_identities SET refresh = coalesce(?3, refresh), checked_at = ?4, provider = ?5,
                            cut_off = 0
                     WHERE issuer = ?1 AND subject = ?2",
                    params![v.issuer, v.subject, v.refresh, to_millis(now), v.provider],
                )?;
                name
            }
            None => {
                before = None;
                // Just in time: a new account, named after the person, unique.
                let base = account_name(v.hint);
                let mut name = base.clone();
                let mut n = 2;
                while self.account(&name)?.is_some() {
                    name = format!("{base}{n}");
                    n += 1;
                }
                self.add_account(&name, v.org, &roles, false, NO_PASSWORD, now)?;
                self.conn().execute(
                    "INSERT INTO sso_identities (issuer, subject, account, provider, refresh, checked_at, linked_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    params![v.issuer, v.subject, name, v.provider, v.refresh, to_millis(now)],
                )?;
                name
            }
        };
        let account = self.account(&name)?.ok_or_else(|| StoreError::not_found(&name, &name))?;
        Ok(Ok((account, before)))
    }

    /// The account an administrator linked this person to, by their subject or one of
    /// their names, before the link ran out: linked by the subject from now on, the
    /// link used up (and audited). Only an account of the provider's own organisation
    /// is taken.
    fn take_link(&mut self, v: &Vouched<'_>, org_id: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        let mut found: Option<(i64, String)> = None;
        let keys = std::iter::once((true, v.subject)).chain(v.link_names.iter().map(|n| (false, n.as_str())));
        for (by_subject, key) in keys {
            let column = if by_subject { "subject" } else { "name" };
            let sql = format!(
                "SELECT rowid, account FROM sso_links
                 WHERE provider = ?1 AND {column} = ?2 AND expires_at > ?3
                   AND account IN (SELECT name FROM accounts WHERE org_id = ?4)"
            );
            found = self
                .conn()
                .query_row(&sql, params![v.provider, key, to_millis(now), org_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if found.is_some() {
                break;
            }
        }
        let Some((row, account)) = found else { return Ok(None) };
        let tx = self.conn_mut().transaction()?;
        tx.execute("DELETE FROM sso_links WHERE rowid = ?1", [row])?;
        tx.execute(
            "INSERT INTO sso_identities (issuer, subject, account, provider, refresh, checked_at, linked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![v.issuer, v.subject, account, v.provider, v.refresh, to_millis(now)],
        )?;
        tx.commit()?;
        self.audit(&Audited {
            account: Some(account.clone()),
            provider: Some(v.provider.to_string()),
            ..Audited::now("link-taken", format!("{} at {}", v.subject, v.issuer))
        })?;
        Ok(Some(account))
    }

    /// Link the existing `account` to the person `provider` names by `subject`, or by
    /// their sign-in name or verified e-mail at their first sign-in (`by_name`), until
    /// `expires`.
    pub fn link_sso(&mut self, link: &SsoLink, now: DateTime<Utc>) -> Result<()> {
        if self.account(&link.account)?.is_none() {
            return Err(StoreError::not_found(
                format!("det finnes ingen konto «{}»", link.account),
                format!("there is no account '{}'", link.account),
            ));
        }
        let (subject, name) =
            if link.by_name { (None, Some(link.key.to_lowercase())) } else { (Some(link.key.clone()), None) };
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "DELETE FROM sso_links WHERE provider = ?1 AND (subject = ?2 OR name = ?3)",
            params![link.provider, subject, name],
        )?;
        tx.execute(
            "INSERT INTO sso_links (provider, subject, name, account, made_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![link.provider, subject, name, link.account, to_millis(now), link.expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The links waiting for a first sign-in (run out or not).
    pub fn sso_links(&self) -> Result<Vec<SsoLink>> {
        let mut stmt = self.conn().prepare(
            "SELECT provider, coalesce(subject, name), name IS NOT NULL, account, expires_at FROM sso_links
             ORDER BY provider, account",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SsoLink {
                provider: r.get(0)?,
                key: r.get(1)?,
                by_name: r.get(2)?,
                account: r.get(3)?,
                expires_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Remove the links waiting for `account` at `provider`: how many.
    pub fn unlink_sso(&mut self, provider: &str, account: &str) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM sso_links WHERE provider = ?1 AND account = ?2",
            params![provider, account],
        )?)
    }

    /// Whether the organisation keeps its people's roles by hand (its provider's groups
    /// give none), or takes them from the groups (the default).
    pub fn set_sso_roles_by_hand(&mut self, org: &str, by_hand: bool) -> Result<()> {
        let org_id = self.org_id(org)?;
        if by_hand {
            self.conn().execute("INSERT OR IGNORE INTO sso_roles_by_hand (org_id) VALUES (?1)", [&org_id])?;
        } else {
            self.conn().execute("DELETE FROM sso_roles_by_hand WHERE org_id = ?1", [&org_id])?;
        }
        Ok(())
    }

    /// Let `group` of the organisation's provider give `roles` (none: the group gives
    /// nothing any more).
    pub fn set_sso_map(&mut self, org: &str, group: &str, roles: &[Role]) -> Result<()> {
        let org_id = self.org_id(org)?;
        let tx = self.conn_mut().transaction()?;
        tx.execute("DELETE FROM sso_roles WHERE org_id = ?1 AND grp = ?2", params![org_id, group])?;
        for role in roles {
            tx.execute(
                "INSERT INTO sso_roles (org_id, grp, role) VALUES (?1, ?2, ?3)",
                params![org_id, group, role.name()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set_sso_required(&mut self, org: &str, required: bool) -> Result<()> {
        let org_id = self.org_id(org)?;
        if required {
            self.conn().execute("INSERT OR IGNORE INTO sso_required (org_id) VALUES (?1)", [&org_id])?;
        } else {
            self.conn().execute("DELETE FROM sso_required WHERE org_id = ?1", [&org_id])?;
        }
        Ok(())
    }

    pub fn sso_required(&self, org_id: &str) -> Result<bool> {
        Ok(self.conn().prepare_cached("SELECT 1 FROM sso_required WHERE org_id = ?1")?.exists([org_id])?)
    }

    fn org_id(&self, org: &str) -> Result<String> {
        self.conn()
            .query_row("SELECT id FROM orgs WHERE name = ?1", [org], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("det finnes ingen organisasjon «{org}»"),
                    format!("there is no organisation '{org}'"),
                )
            })
    }

    /// The mapping: (organisation, group, roles), by organisation and group.
    pub fn sso_maps(&self) -> Result<Vec<(String, String, Vec<Role>)>> {
        let mut stmt = self.conn().prepare(
            "SELECT o.name, s.grp, group_concat(s.role) FROM sso_roles s JOIN orgs o ON o.id = s.org_id
             GROUP BY o.name, s.grp ORDER BY o.name, s.grp",
        )?;
        let rows = stmt.query_map([], |r| {
            let roles: String = r.get(2)?;
            Ok((r.get(0)?, r.get(1)?, roles.split(',').filter_map(|x| Role::parse(x).ok()).collect()))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether a provider stopped vouching for the account's person (no session may
    /// open for it until they sign in through the provider again).
    pub fn sso_cut(&self, account: &str) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM sso_identities WHERE account = ?1 AND cut_off = 1")?
            .exists([account])?)
    }

    /// The people linked to `account` whose provider gave a refresh token and was last
    /// asked about them before `before` (ms).
    pub fn sso_identities(&self, account: &str, before: i64) -> Result<Vec<Identity>> {
        let mut stmt = self.conn().prepare(
            "SELECT issuer, subject, account, provider, refresh FROM sso_identities
             WHERE account = ?1 AND refresh IS NOT NULL AND checked_at < ?2",
        )?;
        let rows = stmt.query_map(params![account, before], identity)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The turn to ask the provider about this person, unless it was asked about them
    /// since `before` (ms) or is being asked now (by any server): as they are now
    /// (the refresh token as the last ask left it). The turn is held by marking them
    /// asked `sso::ASKING` ahead: no `before` reaches past it while the ask is under way
    /// (an ask that ends sets the time it ended).
    pub fn sso_take_turn(&mut self, issuer: &str, subject: &str, before: i64) -> Result<Option<Identity>> {
        Ok(self
            .conn()
            .query_row(
                "UPDATE sso_identities SET checked_at = ?4
                 WHERE issuer = ?1 AND subject = ?2 AND refresh IS NOT NULL AND checked_at < ?3
                 RETURNING issuer, subject, account, provider, refresh",
                params![
                    issuer,
                    subject,
                    before,
                    to_millis(Utc::now()) + crate::server::sso::ASKING.as_millis() as i64
                ],
                identity,
            )
            .optional()?)
    }

    /// People last asked about before `before` (ms) whose provider gave a refresh
    /// token and whose account has a session open: whom to ask about again.
    pub fn sso_due(&self, before: i64, now: DateTime<Utc>) -> Result<Vec<Identity>> {
        let mut stmt = self.conn().prepare(
            "SELECT i.issuer, i.subject, i.account, i.provider, i.refresh FROM sso_identities i
             WHERE i.refresh IS NOT NULL AND i.checked_at < ?1
               AND EXISTS (SELECT 1 FROM tokens t WHERE t.account = i.account AND t.revoked = 0
                           AND coalesce(t.expires_at, ?2 + 1) > ?2)
             ORDER BY i.checked_at",
        )?;
        let rows = stmt.query_map(params![before, to_millis(now)], identity)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The provider no longer vouches for the person: every session of the account
    /// ends (its SSH sessions with them) and the provider's refresh token is dropped;
    /// what they wrote stays. How many sessions ended.
    pub fn sso_cut_off(&mut self, issuer: &str, subject: &str, account: &str) -> Result<usize> {
        let tx = self.conn_mut().transaction()?;
        let n = tx.execute("UPDATE tokens SET revoked = 1 WHERE account = ?1 AND revoked = 0", [account])?;
        tx.execute(
            "UPDATE sso_identities SET refresh = NULL, cut_off = 1 WHERE issuer = ?1 AND subject = ?2",
            params![issuer, subject],
        )?;
        tx.commit()?;
        Ok(n)
    }

    pub fn audit(&mut self, a: &Audited) -> Result<()> {
        self.conn().execute(
            "INSERT INTO audit (at, event, account, org, provider, address, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.at,
                one_line(&a.event),
                a.account.as_deref().map(one_line),
                a.org.as_deref().map(one_line),
                a.provider.as_deref().map(one_line),
                a.address.as_deref().map(one_line),
                one_line(&a.detail)
            ],
        )?;
        Ok(())
    }

    /// The newest `limit` lines of the audit, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<Audited>> {
        let mut stmt = self.conn().prepare(
            "SELECT at, event, account, org, provider, address, detail FROM audit ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(Audited {
                at: r.get(0)?,
                event: r.get(1)?,
                account: r.get(2)?,
                org: r.get(3)?,
                provider: r.get(4)?,
                address: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::account_name;

    #[test]
    fn account_names_from_what_providers_say() {
        assert_eq!(account_name("kari.nordmann@sandefjord.kommune.no"), "kari.nordmann");
        assert_eq!(account_name("Pål Ærø Åsen"), "paal.aero.aasen");
        assert_eq!(account_name("@@"), "bruker");
        assert_eq!(account_name("张伟"), "bruker");
        assert_eq!(account_name("01017012345"), "bruker", "an identity number is no name");
    }
}

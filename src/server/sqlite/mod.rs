//! The server's store in one SQLite file (the embedded default): a sitroom database
//! whose replica holds every organisation's data, beside the server's own tables.

use super::secrets::{new_token, token_hash};
use super::{Principal, Result, ServerError, ServerStore, SignIn};
use crate::domain::roles::Role;
use crate::store::Store;
pub use backup::Held;
use file::ServerFile;

mod accounts;
mod backup;
pub(in crate::server) mod file;
mod schema;
mod shares;
mod signing_in;
mod sso;

use crate::replication::checkpoint::Checkpoint;
use crate::replication::{Kind, Op};
use crate::server::pushing::{Line, Waiting};
use crate::server::rules;
pub use accounts::Account;
use chrono::Utc;
pub use sso::{account_name, NO_PASSWORD};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

pub struct SqliteServer {
    store: Mutex<ServerFile>,
    /// Pushes waiting for the store, to be taken together (group commit).
    line: Line,
    /// The server's own signing key, made once and kept in its file.
    key: crate::keys::SigningKey,
    /// Its SSH host key, likewise.
    ssh_host: russh::keys::PrivateKey,
}

fn principal(a: Account, device: String, origin: String) -> Principal {
    Principal {
        name: a.name,
        org_id: a.org_id,
        org: a.org,
        roles: a.roles,
        superadmin: a.superadmin,
        device,
        origin,
    }
}

impl SqliteServer {
    pub fn open(path: &Path) -> Result<SqliteServer> {
        readable_by_owner_alone(path);
        let store = Store::open(path).map_err(|e| ServerError::Internal(e.to_string()))?;
        readable_by_owner_alone(path);
        let fresh = crate::keys::SigningKey::generate();
        let kept = store.meta_or_insert("server_signing_key", &fresh.to_text())?;
        let key = crate::keys::SigningKey::from_text(&kept)
            .ok_or_else(|| ServerError::Internal("the server's signing key is damaged".into()))?;
        let kept = store.meta_or_insert("ssh_host_key", &crate::server::ssh_keys::new_host_key())?;
        let ssh_host = crate::server::ssh_keys::host_key(&kept)
            .ok_or_else(|| ServerError::Internal("the server's SSH host key is damaged".into()))?;
        let mut file = ServerFile::new(store)?;
        file.number_journal_backlog()?;
        Ok(SqliteServer { store: Mutex::new(file), line: Default::default(), key, ssh_host })
    }

    /// A session token for `account` on replica `origin`, for a sign-in proven some
    /// other way than a password here (the benchmarks' simulated clients; single
    /// sign-on). The account must exist and not be disabled.
    pub fn open_session(&self, account: &str, device: &str, origin: &str) -> Result<String> {
        let found = self.store().account(account)?;
        match found {
            Some(a) if !a.disabled => {}
            _ => return Err(ServerError::Unauthorized(format!("no account '{account}' may sign in"))),
        }
        let now = Utc::now();
        let token = new_token();
        let expires = now + chrono::Duration::days(crate::sync::wire::TOKEN_LIFETIME_DAYS);
        self.store().add_token(&token_hash(&token), account, device, origin, now, expires)?;
        Ok(token)
    }

    fn store(&self) -> MutexGuard<'_, ServerFile> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll
        // back), so the store stays usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The server's file holds password and token hashes: it and its side files are the
/// owner's alone (mode 0600). A new file is made so before SQLite opens it, and SQLite
/// gives its -wal and -shm files the same mode. (An existing file is only chmod-ed,
/// never opened: closing a second descriptor of a file SQLite has open would drop
/// SQLite's POSIX locks on it.)
pub(crate) fn readable_by_owner_alone(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if !path.exists() {
            let _ = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_os_string();
            p.push(suffix);
            let _ =
                std::fs::set_permissions(std::path::PathBuf::from(p), std::fs::Permissions::from_mode(0o600));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The SQLite file as the judge looks people up in it.
impl crate::server::pushing::Directory for ServerFile {
    fn replica_key(&mut self, origin: &str, account: &str) -> Result<Option<(String, bool)>> {
        Ok(ServerFile::replica_key(self, origin, account)?)
    }

    fn account(&mut self, name: &str) -> Result<Option<Principal>> {
        Ok(ServerFile::account(self, name)?.map(|a| principal(a, String::new(), String::new())))
    }

    fn accounts_named(&mut self, names: &[String]) -> Result<Vec<(String, String)>> {
        Ok(ServerFile::accounts_named(self, names)?)
    }

    fn orgs_named(&mut self, names: &[String]) -> Result<Vec<String>> {
        Ok(ServerFile::orgs_named(self, names)?)
    }
}

/// Take the pushes waiting, in one transaction; each one's outcome, in order.
fn take_pushes(store: &mut ServerFile, batch: &[Waiting]) -> Vec<Result<crate::server::Pushed>> {
    let pushers = crate::server::pushing::pushers(store, batch);
    crate::server::pushing::take(batch, &pushers, |pushes| store.accept_pushes(pushes))
}

impl ServerStore for SqliteServer {
    fn add_org(&self, name: &str) -> Result<()> {
        self.store().add_org(&rules::org_name(name)?, Utc::now())?;
        Ok(())
    }

    fn orgs(&self) -> Result<Vec<String>> {
        Ok(self.store().orgs()?.into_iter().map(|(_, name)| name).collect())
    }

    fn add_user(
        &self,
        name: &str,
        org: &str,
        roles: &[Role],
        superadmin: bool,
        password: &str,
    ) -> Result<()> {
        let (name, hash) = rules::new_account(name, password)?;
        self.store().add_account(&name, org, roles, superadmin, &hash, Utc::now())?;
        Ok(())
    }

    fn set_roles(&self, name: &str, roles: &[Role]) -> Result<()> {
        Ok(self.store().set_account_roles(name, roles)?)
    }

    fn set_disabled(&self, name: &str, disabled: bool) -> Result<()> {
        Ok(self.store().set_account_disabled(name, disabled)?)
    }

    fn users(&self) -> Result<Vec<(Principal, bool)>> {
        Ok(self
            .store()
            .accounts()?
            .into_iter()
            .map(|a| (a.disabled, principal(a, String::new(), String::new())))
            .map(|(d, p)| (p, d))
            .collect())
    }

    fn check_password(&self, user: &str, password: &str) -> Result<Principal> {
        let found = self.store().account(user)?;
        // The slow hash runs without holding the store.
        let found = found.map(|a| {
            let (hash, disabled) = (a.password.clone(), a.disabled);
            (principal(a, String::new(), String::new()), hash, disabled)
        });
        rules::check_password(user, password, found, |org| Ok(self.store().sso_required(org)?))
    }

    fn login(&self, req: &SignIn<'_>) -> Result<(String, i64, Principal)> {
        let who = self.check_password(req.user, req.password)?;
        let (device, origin) = rules::sign_in_replica(&who, req)?;
        let (token, expires) = self.open_replica(&who.name, &device, &origin, req.key)?;
        Ok((token, expires, Principal { device, origin, ..who }))
    }

    fn open_replica(&self, account: &str, device: &str, origin: &str, key: &str) -> Result<(String, i64)> {
        match self.store().account(account)? {
            Some(a) if !a.disabled => {}
            _ => return Err(ServerError::Unauthorized(format!("no account '{account}' may sign in"))),
        }
        if self.store().sso_cut(account)? {
            return Err(rules::cut_off(account));
        }
        let now = Utc::now();
        self.store().bind_replica(origin, key, account, now)?;
        let token = new_token();
        let expires = now + chrono::Duration::days(crate::sync::wire::TOKEN_LIFETIME_DAYS);
        self.store().add_token(&token_hash(&token), account, device, origin, now, expires)?;
        Ok((token, expires.timestamp_millis()))
    }

    fn refresh(&self, token: &str) -> Result<(String, i64)> {
        let now = Utc::now();
        let expires = now + chrono::Duration::days(crate::sync::wire::TOKEN_LIFETIME_DAYS);
        let new = new_token();
        if self.store().rotate_token(&token_hash(token), &token_hash(&new), now, expires)? {
            Ok((new, expires.timestamp_millis()))
        } else {
            Err(rules::invalid_session())
        }
    }

    fn epoch(&self) -> Result<i64> {
        Ok(self.store().epoch()?)
    }

    fn authenticate_round(&self, token: &str) -> Result<(Principal, bool)> {
        let hash = token_hash(token);
        let store = self.store();
        let who = store
            .token_account(&hash, Utc::now())?
            .map(|(a, d, o)| principal(a, d, o))
            .ok_or_else(rules::invalid_session)?;
        Ok((who, store.token_behind(&hash)?))
    }

    fn caught_up(&self, token: &str) -> Result<()> {
        Ok(self.store().token_caught_up(&token_hash(token))?)
    }

    fn replica_key(&self, origin: &str, account: &str) -> Result<Option<(String, bool)>> {
        Ok(self.store().replica_key(origin, account)?)
    }

    fn authenticate(&self, token: &str) -> Result<Principal> {
        self.store()
            .token_account(&token_hash(token), Utc::now())?
            .map(|(a, d, o)| principal(a, d, o))
            .ok_or_else(rules::invalid_session)
    }

    fn logout(&self, token: &str) -> Result<()> {
        self.store().revoke_token(&token_hash(token))?;
        Ok(())
    }

    fn ping(&self) -> Result<()> {
        self.store()
            .conn()
            .query_row("SELECT count(*) FROM meta", [], |_| Ok(()))
            .map_err(|e| ServerError::Internal(format!("the store does not answer: {e}")))
    }

    fn push(&self, who: &Principal, ops: &[Op]) -> Result<crate::server::Pushed> {
        self.line.push(who, ops, || self.store(), |store, batch| take_pushes(store, batch))
    }

    fn countersign(&self, who: &Principal, checkpoints: &[Checkpoint]) -> Result<Vec<Checkpoint>> {
        let mut signed = Vec::new();
        let mut store = self.store();
        for cp in checkpoints.iter().take(1000) {
            let registered = store.replica_key(&cp.origin, &who.name)?.map(|(k, _)| k);
            let position = store.chain_position(cp.entry)?;
            let held =
                rules::checkpoint_holds(who, cp, registered, position, |i| Ok(store.incident_org_name(i)?))?;
            if let Some(mut cp) = held {
                cp.server_sig = self.key.sign(&cp.countersigned_message());
                signed.push(cp);
            }
        }
        store.keep_checkpoints(&signed)?;
        Ok(signed)
    }

    fn checkpoints_for(&self, ops: &[Op]) -> Result<Vec<Checkpoint>> {
        let entries: Vec<Uuid> = ops.iter().filter(|o| o.kind == Kind::LogEntry).map(|o| o.entity).collect();
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self.store().checkpoints_at(&entries)?)
    }

    fn public_key(&self) -> String {
        self.key.public()
    }

    fn certify(&self, origin: &str, org: &str) -> String {
        // The key registered for the replica: the one the sign-in proved it holds.
        let Ok(Some((key, _))) = self.store().replica_key(origin, "") else { return String::new() };
        self.key.sign(&crate::keys::certificate_message(origin, &key, org))
    }

    fn set_parent(&self, org: &str, parent: Option<&str>) -> Result<()> {
        Ok(self.store().set_org_parent(org, parent)?)
    }

    fn parents(&self) -> Result<Vec<(String, Option<String>)>> {
        Ok(self.store().org_parents()?)
    }

    fn share(&self, who: &Principal, report: &crate::domain::share::SharedReport) -> Result<String> {
        let reports_to =
            self.store().org_parents()?.into_iter().find(|(o, _)| *o == who.org).and_then(|(_, p)| p);
        let registered =
            self.store().replica_key(&who.origin, &who.name)?.map(|(k, _)| k).unwrap_or_default();
        rules::may_share(who, report, reports_to.as_deref(), &registered, &self.key.public())?;
        Ok(self.store().store_share(&who.org_id, &who.name, report, chrono::Utc::now())?)
    }

    fn shares(
        &self,
        who: &Principal,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<(i64, crate::domain::share::SharedReport)>, bool)> {
        let mut got = self.store().shares_for(&who.org_id, after, limit + 1)?;
        let more = got.len() > limit;
        got.truncate(limit);
        Ok((got, more))
    }

    fn acknowledge(&self, who: &Principal, ids: &[Uuid]) -> Result<usize> {
        if ids.len() > 1000 {
            return Err(ServerError::BadRequest("acknowledge at most 1,000 sharings at a time".into()));
        }
        Ok(self.store().acknowledge_shares(&who.org_id, &who.name, ids, chrono::Utc::now())?)
    }

    fn receipts(
        &self,
        who: &Principal,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<crate::domain::share::ShareReceiptRecord>, bool)> {
        let mut got = self.store().receipts_for(&who.org_id, after, limit + 1)?;
        let more = got.len() > limit;
        got.truncate(limit);
        Ok((got, more))
    }

    fn pull(&self, who: &Principal, origin: &str, cursor: i64, limit: usize) -> Result<(Vec<Op>, i64, bool)> {
        let hidden = rules::hidden_kinds(who);
        let org = (!who.superadmin).then_some(who.org_id.as_str());
        let boards = rules::board_roles(who);
        let reader = rules::reader(who);
        Ok(self.store().ops_for(org, &hidden, boards.as_deref(), reader.as_ref(), origin, cursor, limit)?)
    }

    fn journal_numbers(&self, who: &Principal, records: &[uuid::Uuid]) -> Result<Vec<(uuid::Uuid, i64)>> {
        let org = (!who.superadmin).then_some(who.org_id.as_str());
        Ok(self.store().journal_numbers(org, records)?)
    }

    fn boards_hidden(&self, org_id: &str, roles: &[String]) -> Result<Vec<uuid::Uuid>> {
        Ok(self.store().boards_hidden(org_id, roles)?)
    }

    fn board_ops(
        &self,
        who: &Principal,
        boards: &[uuid::Uuid],
        origin: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Option<Op>)>> {
        let org = (!who.superadmin).then_some(who.org_id.as_str());
        let roles = rules::board_roles(who);
        Ok(self.store().ops_on_boards(org, boards, roles.as_deref(), origin, after, limit)?)
    }

    fn add_ssh_key(&self, account: &str, line: &str) -> Result<String> {
        let (key, fingerprint) =
            crate::server::ssh_keys::parse_public(line).map_err(ServerError::BadRequest)?;
        let openssh = key.to_openssh().map_err(|e| ServerError::BadRequest(e.to_string()))?;
        let comment = key.comment().as_str_lossy().to_string();
        let algorithm = key.algorithm();
        let registered = crate::server::ssh_keys::Registered {
            fingerprint: &fingerprint,
            openssh: &openssh,
            algorithm: algorithm.as_str(),
            comment: &comment,
        };
        self.store().add_ssh_key(account, &registered, Utc::now())?;
        Ok(fingerprint)
    }

    fn ssh_keys(&self, account: &str) -> Result<Vec<crate::server::ssh_keys::SshKey>> {
        let store = self.store();
        if store.account(account)?.is_none() {
            return Err(ServerError::NotFound(format!("there is no account '{account}'")));
        }
        Ok(store.ssh_keys(account)?)
    }

    fn remove_ssh_key(&self, account: &str, fingerprint: &str) -> Result<()> {
        Ok(self.store().remove_ssh_key(account, fingerprint)?)
    }

    fn ssh_key_account(&self, key: &russh::keys::PublicKey) -> Result<Option<Principal>> {
        let fingerprint = key.fingerprint(russh::keys::HashAlg::Sha256).to_string();
        let store = self.store();
        let Some(name) = store.ssh_key_account(&fingerprint)? else { return Ok(None) };
        // A person their provider stopped vouching for is not let in by a key either.
        if store.sso_cut(&name)? {
            return Ok(None);
        }
        Ok(store.account(&name)?.filter(|a| !a.disabled).map(|a| principal(a, "ssh".into(), String::new())))
    }

    fn ssh_host_key(&self) -> &russh::keys::PrivateKey {
        &self.ssh_host
    }

    fn sso_account(&self, v: &crate::server::sso::Vouched<'_>) -> Result<(Principal, Option<Vec<Role>>)> {
        let (account, before) =
            self.store().sso_account(v, Utc::now())?.map_err(ServerError::Unauthorized)?;
        if account.disabled {
            return Err(ServerError::Unauthorized(format!("the account '{}' is disabled", account.name)));
        }
        Ok((principal(account, String::new(), String::new()), before))
    }

    fn set_sso_required(&self, org: &str, required: bool) -> Result<()> {
        Ok(self.store().set_sso_required(org, required)?)
    }

    fn set_sso_map(&self, org: &str, group: &str, roles: &[Role]) -> Result<()> {
        Ok(self.store().set_sso_map(org, group, roles)?)
    }

    fn link_sso(&self, link: &crate::server::sso::SsoLink) -> Result<()> {
        Ok(self.store().link_sso(link, Utc::now())?)
    }

    fn sso_links(&self) -> Result<Vec<crate::server::sso::SsoLink>> {
        Ok(self.store().sso_links()?)
    }

    fn unlink_sso(&self, provider: &str, account: &str) -> Result<usize> {
        Ok(self.store().unlink_sso(provider, account)?)
    }

    fn set_sso_roles_by_hand(&self, org: &str, by_hand: bool) -> Result<()> {
        Ok(self.store().set_sso_roles_by_hand(org, by_hand)?)
    }

    fn sso_maps(&self) -> Result<Vec<(String, String, Vec<Role>)>> {
        Ok(self.store().sso_maps()?)
    }

    fn sso_due(&self, before: i64) -> Result<Vec<crate::server::sso::Identity>> {
        Ok(self.store().sso_due(before, Utc::now())?)
    }

    fn sso_identities(&self, account: &str, before: i64) -> Result<Vec<crate::server::sso::Identity>> {
        Ok(self.store().sso_identities(account, before)?)
    }

    fn sso_cut_off(&self, who: &crate::server::sso::Identity) -> Result<usize> {
        Ok(self.store().sso_cut_off(&who.issuer, &who.subject, &who.account)?)
    }

    fn account_principal(&self, name: &str) -> Result<Option<Principal>> {
        let store = self.store();
        if store.sso_cut(name)? {
            return Ok(None);
        }
        Ok(store.account(name)?.filter(|a| !a.disabled).map(|a| principal(a, String::new(), String::new())))
    }

    fn audit(&self, a: &crate::server::sso::Audited) -> Result<()> {
        Ok(self.store().audit(a)?)
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<crate::server::sso::Audited>> {
        Ok(self.store().audit_log(limit)?)
    }

    fn sso_take_turn(
        &self,
        issuer: &str,
        subject: &str,
        before: i64,
    ) -> Result<Option<crate::server::sso::Identity>> {
        Ok(self.store().sso_take_turn(issuer, subject, before)?)
    }

    fn sso_pending_add(
        &self,
        p: &crate::server::sso::Pending,
        per_address: usize,
        most: usize,
    ) -> Result<crate::server::sso::Added> {
        Ok(self.store().sso_pending_add(p, per_address, most)?)
    }

    fn sso_pending(&self, by: &crate::server::sso::Find) -> Result<Option<crate::server::sso::Pending>> {
        Ok(self.store().sso_pending(by)?)
    }

    fn sso_pending_put(&self, p: &crate::server::sso::Pending, state: Option<&str>) -> Result<bool> {
        Ok(self.store().sso_pending_put(p, state)?)
    }

    fn sso_pending_went(&self, state: &str) -> Result<Option<crate::server::sso::Pending>> {
        Ok(self.store().sso_pending_went(state)?)
    }

    fn sso_pending_remove(&self, code: &str) -> Result<bool> {
        Ok(self.store().sso_pending_remove(code)?)
    }

    fn sign_in_held(&self, keys: &[String]) -> Result<i64> {
        Ok(self.store().sign_in_held(keys)?)
    }

    fn sign_in_tried(&self, keys: &[crate::server::guard::Tried], success: bool) -> Result<()> {
        Ok(self.store().sign_in_tried(keys, success)?)
    }
}

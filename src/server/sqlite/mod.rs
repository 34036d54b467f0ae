//! The server's store in one SQLite file (the embedded default): a sitroom database
//! whose replica holds every organisation's data, beside the server's own tables.

use super::secrets::{hash_password, new_token, token_hash, verify_password};
use super::{Principal, Result, ServerError, ServerStore, SignIn};
use crate::domain::roles::Role;
use crate::store::Store;
pub use backup::Held;
use file::ServerFile;

mod accounts;
mod backup;
mod file;
mod schema;
mod shares;
mod sso;

use crate::replication::authorize::{self, needed_to_read};
use crate::replication::checkpoint::Checkpoint;
use crate::replication::{Kind, Op};
pub use accounts::Account;
use chrono::Utc;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

pub struct SqliteServer {
    store: Mutex<ServerFile>,
    /// Pushes waiting for the store, to be taken together (see `push`).
    waiting: Mutex<Vec<Waiting>>,
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
        Ok(SqliteServer {
            store: Mutex::new(ServerFile::new(store)?),
            waiting: Default::default(),
            key,
            ssh_host,
        })
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
fn readable_by_owner_alone(path: &Path) {
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

fn invalid() -> ServerError {
    ServerError::Unauthorized(
        "the session is not valid (signed out, revoked, expired or disabled); run `sitroom login` again"
            .into(),
    )
}

/// Where a push's outcome is left for its sender.
type Slot = std::sync::Arc<Mutex<Option<Result<crate::server::Pushed>>>>;

/// A push waiting for the store.
struct Waiting {
    who: Principal,
    ops: Vec<Op>,
    slot: Slot,
}

/// Who pushes, as the judge needs them: the account, the ops of other replicas (carried
/// here in a bundle) that their own replicas signed, and those ops' authors.
struct Pusher<'w> {
    who: &'w Principal,
    vouched: Vec<Uuid>,
    authors: std::collections::BTreeMap<String, Option<Principal>>,
}

impl<'w> Pusher<'w> {
    /// Ops of other replicas count only with their own replica's signature, by the key
    /// it registered, for an account that signed in there; and then they must be
    /// allowed to their author as well as to the sender.
    fn new(store: &ServerFile, who: &'w Principal, ops: &[Op]) -> Result<Pusher<'w>> {
        let mut vouched = Vec::new();
        let mut authors: std::collections::BTreeMap<String, Option<Principal>> = Default::default();
        for op in ops.iter().filter(|op| op.origin != who.origin && !op.sig.is_empty()) {
            let Some((key, signed_in)) = store.replica_key(&op.origin, &op.author)? else { continue };
            if signed_in && crate::keys::verify(&key, &op.signed_bytes(), &op.sig) {
                vouched.push(op.id);
                if !authors.contains_key(&op.author) {
                    let author = store.account(&op.author)?;
                    let author = author.map(|a| principal(a, op.device.clone(), op.origin.clone()));
                    authors.insert(op.author.clone(), author);
                }
            }
        }
        vouched.sort();
        Ok(Pusher { who, vouched, authors })
    }

    fn judge(&self, op: &Op, facts: &authorize::Target) -> std::result::Result<(), authorize::Refusal> {
        let who = self.who;
        let account = authorize::Account {
            name: &who.name,
            org: &who.org_id,
            roles: &who.roles,
            superadmin: who.superadmin,
            origin: &who.origin,
            device: &who.device,
            vouched: &self.vouched,
        };
        authorize::judge(&account, op, facts)?;
        if op.origin == who.origin {
            return Ok(());
        }
        let Some(Some(author)) = self.authors.get(&op.author) else {
            return Err(authorize::Refusal::Denied(format!(
                "there is no account '{}' on this server",
                op.author
            )));
        };
        let as_author = authorize::Account {
            name: &author.name,
            org: &author.org_id,
            roles: &author.roles,
            superadmin: author.superadmin,
            origin: &op.origin,
            device: &op.device,
            vouched: &[],
        };
        authorize::judge(&as_author, op, facts)
    }
}

/// Take the pushes waiting, in one transaction; each one's outcome, in order.
fn take_pushes(store: &mut ServerFile, batch: &[Waiting]) -> Vec<Result<crate::server::Pushed>> {
    let pushers: Vec<Result<Pusher<'_>>> = batch.iter().map(|w| Pusher::new(store, &w.who, &w.ops)).collect();
    // Only a push whose sender could be looked up is judged.
    let ready: Vec<(usize, &Pusher<'_>)> =
        pushers.iter().enumerate().filter_map(|(i, p)| p.as_ref().ok().map(|p| (i, p))).collect();
    let mut judges: Vec<_> =
        ready.iter().map(|(_, p)| move |op: &Op, facts: &authorize::Target| p.judge(op, facts)).collect();
    let mut pushes: Vec<crate::store::Push<'_>> = ready
        .iter()
        .zip(judges.iter_mut())
        .map(|((i, _), judge)| crate::store::Push { ops: &batch[*i].ops, org: &batch[*i].who.org_id, judge })
        .collect();
    let taken = store.accept_pushes(&mut pushes);
    drop(pushes);
    let mut taken: Vec<Option<Result<crate::store::Applied>>> = match taken {
        Ok(each) => each.into_iter().map(|r| Some(r.map_err(ServerError::from))).collect(),
        Err(e) => ready.iter().map(|_| Some(Err(ServerError::Internal(e.to_string())))).collect(),
    };
    let mut outcomes: Vec<Result<crate::server::Pushed>> = Vec::with_capacity(batch.len());
    let mut next = 0;
    for pusher in &pushers {
        if let Err(e) = pusher {
            outcomes.push(Err(ServerError::Internal(e.to_string())));
            continue;
        }
        let applied = taken[next].take().expect("each push taken once");
        next += 1;
        outcomes.push(applied.map(|applied| {
            let (mut refused, mut refused_as) = (applied.refused, applied.refused_as);
            if !applied.failed.is_empty() {
                *refused_as.entry("unappliable").or_default() += applied.failed.len();
                refused.extend(applied.failed);
            }
            crate::server::Pushed { refused, refused_as, committed: 0 }
        }));
    }
    outcomes
}

impl ServerStore for SqliteServer {
    fn add_org(&self, name: &str) -> Result<()> {
        let name = crate::text::nfc(name.trim());
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(ServerError::BadRequest("an organisation needs a plain-text name".into()));
        }
        self.store().add_org(&name, Utc::now())?;
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
        let name = crate::text::nfc(name.trim());
        if name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ServerError::BadRequest("a user name must be one word of plain text".into()));
        }
        if password.chars().count() < 8 {
            return Err(ServerError::BadRequest("the password must be at least 8 characters".into()));
        }
        let hash = hash_password(password);
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
        let refused = || ServerError::Unauthorized("wrong user name or password".into());
        let account = self.store().account(user)?;
        // The slow hash runs without holding the store, and as long for a name that
        // has no account as for one that has.
        let Some(account) = account else {
            super::secrets::verify_nobody(password);
            return Err(refused());
        };
        // An organisation that signs in through its identity provider: passwords are
        // for its administrators (break-glass, when the provider is down) alone.
        let exempt = account.superadmin || account.roles.contains(&Role::Administrator);
        if !exempt && self.store().sso_required(&account.org_id)? {
            super::secrets::verify_nobody(password);
            return Err(ServerError::Unauthorized(format!(
                "{} signs in through its identity provider: `sitroom login --sso` (passwords are for administrators)",
                account.org
            )));
        }
        if !verify_password(password, &account.password) {
            return Err(refused());
        }
        if account.disabled {
            return Err(ServerError::Unauthorized(format!("the account '{user}' is disabled")));
        }
        Ok(principal(account, String::new(), String::new()))
    }

    fn login(&self, req: &SignIn<'_>) -> Result<(String, i64, Principal)> {
        let who = self.check_password(req.user, req.password)?;
        let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(80).collect() };
        let (device, origin) = (clean(req.device), clean(req.origin));
        if origin.is_empty() || origin != req.origin {
            return Err(ServerError::BadRequest("the sign-in must name its replica (a plain id)".into()));
        }
        if !crate::keys::verify(req.key, &crate::keys::login_message(&who.name, &origin, req.key), req.proof)
        {
            return Err(ServerError::BadRequest(
                "the sign-in must carry the replica's key and its proof; update sitroom".into(),
            ));
        }
        let (token, expires) = self.open_replica(&who.name, &device, &origin, req.key)?;
        Ok((token, expires, Principal { device, origin, ..who }))
    }

    fn open_replica(&self, account: &str, device: &str, origin: &str, key: &str) -> Result<(String, i64)> {
        match self.store().account(account)? {
            Some(a) if !a.disabled => {}
            _ => return Err(ServerError::Unauthorized(format!("no account '{account}' may sign in"))),
        }
        if self.store().sso_cut(account)? {
            return Err(ServerError::Unauthorized(format!(
                "the identity provider no longer vouches for '{account}': sign in again through it (`sitroom login --sso`)"
            )));
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
            Err(ServerError::Unauthorized(
                "the session is not valid (signed out, revoked, expired or disabled); run `sitroom login` again".into(),
            ))
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
            .ok_or_else(invalid)?;
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
            .ok_or_else(invalid)
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
        if ops.is_empty() {
            return Ok(Default::default());
        }
        // Group commit: the push waits in line for the store. Whoever gets the store
        // next takes every push waiting (this one too, unless one before it did) in one
        // transaction: a push that came while another was being flushed shares the
        // next flush instead of waiting for one of its own.
        let slot: Slot = Default::default();
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).push(Waiting {
            who: who.clone(),
            ops: ops.to_vec(),
            slot: slot.clone(),
        });
        let mut store = self.store();
        if let Some(done) = slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return done;
        }
        let batch = std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()));
        let mut done = take_pushes(&mut store, &batch);
        // This push's transaction committed them all: the metrics count commits.
        if let Some(Ok(first)) = done.first_mut() {
            first.committed = batch.len();
        }
        // Each outcome is left before the store is let go: a sender that gets the
        // store next must find its own.
        for (waiting, pushed) in batch.iter().zip(done) {
            *waiting.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(pushed);
        }
        drop(store);
        let done = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        done.unwrap_or_else(|| Err(ServerError::Internal("a push was lost in line".into())))
    }

    fn countersign(&self, who: &Principal, checkpoints: &[Checkpoint]) -> Result<Vec<Checkpoint>> {
        let mut signed = Vec::new();
        let mut store = self.store();
        for cp in checkpoints.iter().take(1000) {
            let mut cp = cp.clone();
            // Only a replica's own key signs for it: the one it registered.
            let Some((registered, _)) = store.replica_key(&cp.origin, &who.name)? else { continue };
            if cp.origin != who.origin && cp.key != registered {
                continue;
            }
            cp.key = registered;
            let Some((incident, origin, count, hash)) = store.chain_position(cp.entry)? else { continue };
            if incident != cp.incident || origin != cp.origin || count != cp.count {
                continue;
            }
            if cp.head.is_empty() {
                cp.head = hash;
            } else if cp.head != hash {
                continue;
            }
            if !cp.replica_signature_holds() {
                tracing::warn!(user = %who.name, origin = %cp.origin, "a checkpoint's signature does not hold");
                continue;
            }
            let Some(org) = store.incident_org_name(cp.incident)? else { continue };
            cp.org = org;
            cp.server_sig = self.key.sign(&cp.countersigned_message());
            signed.push(cp);
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
        use crate::domain::roles::{allowed, Permission};
        if !allowed(&who.roles, Permission::WriteReports) {
            return Err(ServerError::Unauthorized(format!(
                "{} may not share reports (write reports)",
                who.name
            )));
        }
        if report.from.trim().is_empty() {
            return Err(ServerError::BadRequest("the shared report does not say where it comes from".into()));
        }
        let reports_to =
            self.store().org_parents()?.into_iter().find(|(o, _)| *o == who.org).and_then(|(_, p)| p);
        if reports_to.is_none() {
            return Err(ServerError::Conflict(
                "your organisation reports to no one on this server; the server's administrator sets it with `sitroom admin org parent`".into(),
            ));
        }
        // It comes from the organisation the session is signed in for, as this server
        // knows it, signed by the replica's registered key and certified by this server.
        if report.from != who.org {
            return Err(ServerError::BadRequest(format!(
                "the report says it comes from '{}', but {} is signed in for '{}'",
                report.from, who.name, who.org
            )));
        }
        let registered =
            self.store().replica_key(&who.origin, &who.name)?.map(|(k, _)| k).unwrap_or_default();
        use crate::keys::Sealed;
        if report.seal.replica != who.origin
            || report.seal.key != registered
            || report.seal.org != report.from
            || report.check_seal(Some(&self.key.public())) != Ok(Some(true))
        {
            return Err(ServerError::BadRequest(
                "the shared report is not signed by this session's replica with the key this server certified"
                    .into(),
            ));
        }
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
        let hidden: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| {
                needed_to_read(*k)
                    .is_some_and(|p| !who.superadmin && !crate::domain::roles::allowed(&who.roles, p))
            })
            .collect();
        let org = (!who.superadmin).then_some(who.org_id.as_str());
        Ok(self.store().ops_for(org, &hidden, origin, cursor, limit)?)
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
}

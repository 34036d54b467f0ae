//! The data an SSH session works on: a replica kept on the server for each account
//! (its folder holds the replica and the account's own `config.toml`, keymap, themes
//! and workspaces), shared by that account's sessions and synced like any client, but
//! inside this process: its rounds go straight to the server's own push and pull, so
//! every op it sends is judged as one sent over HTTP would be (the same permission
//! table, organisation boundary and hidden kinds), stamped with the account that
//! signed in at the SSH door.
//!
//! Why not let a session work on the server's file itself: that file holds every
//! organisation's records, and a write made there would skip the judging.

use crate::app::Session;
use crate::domain::roles::Role;
use crate::server::{round_or_wait, Offload, Principal, ServerError, Serving};
use crate::sync::background::Background;
use crate::sync::client::{self, ClientError, Link, Login};
use crate::sync::wire::{self, SyncRequest, SyncResponse};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// What a synced replica records as its server: rounds never leave the process.
pub const IN_PROCESS: &str = "sitroom-serve:ssh";
/// The device the server records for work done in SSH sessions.
pub const DEVICE: &str = "ssh";

/// One account's replica while any of its sessions is open.
pub struct Replica {
    pub db: PathBuf,
    /// The account's folder: the replica and the account's settings.
    pub dir: PathBuf,
    /// Its sync (shared by the account's sessions; stops with the last).
    pub sync: Background,
    /// Set when the server no longer takes the replica's session (the account was
    /// disabled, its sessions revoked): the account's SSH sessions end.
    pub revoked: Arc<AtomicBool>,
    /// The replica's session on the server, ended when the last session closes.
    token: String,
    serving: Arc<Serving>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.serving.store.logout(&self.token);
    }
}

/// The replicas of the accounts with a session open.
pub struct Pool {
    dir: PathBuf,
    serving: Arc<Serving>,
    open: Mutex<HashMap<String, Weak<Replica>>>,
}

impl Pool {
    /// Replicas in folders under `dir`; alerts written in them are sent with `channels`.
    pub fn new(dir: PathBuf, serving: Arc<Serving>, channels: crate::config::Channels) -> Arc<Pool> {
        let pool = Arc::new(Pool { dir, serving, open: Mutex::new(HashMap::new()) });
        deliver_alerts(Arc::downgrade(&pool), channels);
        pool
    }

    /// The folder an account's replica and settings live in: its name made safe for a
    /// file name (and told apart by a hash, so that "Kari" and "kari" never share).
    pub fn folder(&self, account: &str) -> PathBuf {
        let safe: String = account
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
            .take(40)
            .collect();
        let hash = crate::text::sha256_hex(account.as_bytes());
        self.dir.join(format!("{}-{}", safe.trim_start_matches('.'), &hash[..12]))
    }

    /// The account's replica, made and signed in on its first session, shared while
    /// any session of the account is open.
    pub fn replica(&self, who: &Principal) -> Result<Arc<Replica>, String> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let live = open.get(&who.name).and_then(Weak::upgrade);
        if let Some(r) = live.filter(|r| !r.revoked.load(Ordering::Acquire)) {
            // The account's roles may have changed since: the replica follows.
            sign_in_locally(&r.db, who)?;
            return Ok(r);
        }
        let dir = self.folder(&who.name);
        private_folder(&dir)?;
        let db = dir.join("replica.db");
        let login = self.sign_in(&db, who)?;
        let (serving, token) = (self.serving.clone(), login.token.clone());
        let revoked = Arc::new(AtomicBool::new(false));
        let told = revoked.clone();
        let sync = Background::start_over(db.clone(), login, move || InProcess { serving, revoked: told });
        let replica = Arc::new(Replica { db, dir, sync, revoked, token, serving: self.serving.clone() });
        open.retain(|_, r| r.strong_count() > 0);
        open.insert(who.name.clone(), Arc::downgrade(&replica));
        Ok(replica)
    }

    /// Register the replica's key with the server, open a session for it, and set the
    /// replica up as a signed-in one, as `sitroom login` does for a laptop.
    fn sign_in(&self, db: &Path, who: &Principal) -> Result<Login, String> {
        let session = open(db, who, Vec::new())?;
        let store = &session.store;
        let origin = store.device_id().map_err(|e| e.to_string())?;
        let key = store.signing_key().map_err(|e| e.to_string())?;
        let server = &self.serving.store;
        let (token, expires_at) =
            server.open_replica(&who.name, DEVICE, &origin, &key.public()).map_err(|e| e.to_string())?;
        let meta = |k: &str, v: &str| store.set_meta(k, v).map_err(|e| e.to_string());
        meta("server_key", &server.public_key())?;
        meta("certificate", &server.certify(&origin, &who.org))?;
        meta("certified_org", &who.org)?;
        drop(session);
        sign_in_locally(db, who)?;
        Ok(Login {
            server: IN_PROCESS.into(),
            user: who.name.clone(),
            org: who.org.clone(),
            roles: who.roles.clone(),
            superadmin: who.superadmin,
            token,
            device: DEVICE.into(),
            expires_at,
        })
    }

    fn live(&self) -> Vec<Arc<Replica>> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.values().filter_map(Weak::upgrade).collect()
    }
}

/// A session on an account's replica, as the account on the SSH door's device.
pub fn open(db: &Path, who: &Principal, incident_types: Vec<String>) -> Result<Session, String> {
    let mut session = Session::open(db, &who.name, incident_types).map_err(|e| e.to_string())?;
    // The device the server stamps on the replica's ops: the same here.
    session.device = DEVICE.into();
    Ok(session)
}

/// The account with its roles in the replica, as `sitroom login` leaves a laptop's.
fn sign_in_locally(db: &Path, who: &Principal) -> Result<(), String> {
    let mut session = open(db, who, Vec::new())?;
    // A superadministrator may do everything: locally that is the administrator role.
    let mut roles = who.roles.clone();
    if who.superadmin && !roles.contains(&Role::Administrator) {
        roles.push(Role::Administrator);
    }
    let known = session.store.users().map_err(|e| e.to_string())?;
    let same = |theirs: &[Role]| theirs.len() == roles.len() && roles.iter().all(|r| theirs.contains(r));
    if known.iter().any(|u| u.name == who.name && same(&u.roles) && !u.disabled) {
        return Ok(());
    }
    session.signed_in(IN_PROCESS, &who.name, &roles).map_err(|e| e.to_string())
}

/// A folder only the server's user may read: the replicas hold what the accounts see.
fn private_folder(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Alerts written in the open replicas go out from their outboxes, as a laptop's
/// background worker sends its own; one thread for all of them.
fn deliver_alerts(pool: Weak<Pool>, channels: crate::config::Channels) {
    std::thread::Builder::new()
        .name("ssh-alerts".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(2));
            let Some(pool) = pool.upgrade() else { return };
            for replica in pool.live() {
                let sent = crate::store::Store::open(&replica.db)
                    .and_then(|mut s| crate::delivery::deliver_outbox(&mut s, &channels));
                if let Err(e) = sent {
                    tracing::warn!(db = %replica.db.display(), error = %e, "delivering alerts");
                }
            }
        })
        .expect("a thread for alerts");
}

/// Rounds straight into the server's own code, on the replica's sync thread.
struct InProcess {
    serving: Arc<Serving>,
    /// Set when the server refuses the session.
    revoked: Arc<AtomicBool>,
}

fn client_error(e: ServerError) -> ClientError {
    match e {
        ServerError::Unauthorized(why) => ClientError::SignedOut(why),
        other => ClientError::Refused(other.to_string()),
    }
}

impl Link for InProcess {
    async fn round(&self, token: &str, req: &SyncRequest) -> client::Result<SyncResponse> {
        // Each round asks who the token belongs to, as over HTTP: a disabled account's
        // replica stops syncing at once.
        let who = self.serving.store.authenticate(token).map_err(|e| {
            if matches!(e, ServerError::Unauthorized(_)) {
                self.revoked.store(true, Ordering::Release);
            }
            client_error(e)
        })?;
        let mut req = req.clone();
        wire::fill_in(&mut req, &who.name, &who.device, &who.origin);
        let done =
            round_or_wait(self.serving.clone(), who, req, Offload::InPlace).await.map_err(client_error)?;
        Ok(done.response)
    }

    async fn refresh_if_due(&self, _db: &Path, login: &mut Login) -> client::Result<()> {
        let half = wire::TOKEN_LIFETIME_DAYS * 24 * 3_600_000 / 2;
        if login.expires_at - chrono::Utc::now().timestamp_millis() > half {
            return Ok(());
        }
        let (token, expires_at) = self.serving.store.refresh(&login.token).map_err(client_error)?;
        login.token = token;
        login.expires_at = expires_at;
        Ok(())
    }
}

//! `sitroom serve`: the HTTP sync server. It keeps the authoritative copy, authorises
//! every pushed op against the account's roles and organisation, and hands each client
//! what it may see. Storage sits behind [`ServerStore`] so that a PostgreSQL store can
//! stand beside the SQLite one for deployments one file cannot carry.

pub mod config;
pub mod guard;
mod http;
pub mod metrics;
mod postgres;
mod pushing;
mod rules;
mod sqlite;
pub mod ssh_keys;
pub mod sso;

pub use http::{router, serve, Listen};
pub use postgres::{
    is_url as is_store_url, shown_url as postgres_shown, PgServer, NUMBERING as NUMBERING_LOCK,
};
pub use sqlite::{Held, SqliteServer};

use crate::domain::roles::Role;
use crate::replication::checkpoint::Checkpoint;
use crate::replication::Op;
use crate::sync::wire;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// No or a wrong token, a wrong password, a disabled account.
    #[error("{0}")]
    Unauthorized(String),
    /// Bad input from the client.
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// Too many sign-ins: try again after this many seconds.
    #[error("too many sign-in attempts; try again in {0} s")]
    TooMany(u64),
    /// Our fault; the client may try again.
    #[error("server error: {0}")]
    Internal(String),
}

impl From<crate::store::StoreError> for ServerError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        match e {
            // The server speaks English on the wire: it has no user's language.
            S::NotFound(m) => ServerError::NotFound(m.get(crate::lang::Lang::En).to_string()),
            S::Conflict(m) => ServerError::Conflict(m.get(crate::lang::Lang::En).to_string()),
            other => ServerError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// The signed-in account a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub org_id: String,
    pub org: String,
    pub roles: Vec<Role>,
    pub superadmin: bool,
    /// The session's device (as people see it) and replica: what ops from it leave out.
    pub device: String,
    pub origin: String,
}

/// A sign-in: the account's password, and the replica it comes from with proof that the
/// replica holds the key it registers.
pub struct SignIn<'a> {
    pub user: &'a str,
    pub password: &'a str,
    pub device: &'a str,
    pub origin: &'a str,
    pub key: &'a str,
    pub proof: &'a str,
}

/// What one sync round did, for the reply and the server's log.
#[derive(Debug, Clone)]
pub struct Round {
    pub response: wire::SyncResponse,
    /// Pushed ops taken in, new to the server.
    pub accepted: usize,
    /// Pushed ops the server had already (sent again after a lost answer).
    pub resent: usize,
    pub refused: usize,
    /// Pushes its transaction committed (group commit; 0: none of its own).
    pub committed: usize,
}

/// What a push did: the ops refused with their reasons (for the client), and how many
/// were refused for what (for the metrics).
#[derive(Debug, Default)]
pub struct Pushed {
    pub refused: Vec<(Uuid, String)>,
    /// Ops the store had already: acknowledged again, not stored twice.
    pub resent: usize,
    pub refused_as: std::collections::BTreeMap<&'static str, usize>,
    /// How many pushes this one's transaction took, if it was the one that committed
    /// them (group commit); 0 if another push's transaction took it.
    pub committed: usize,
}

/// The server's storage: accounts and sessions, and the ops.
pub trait ServerStore: Send + Sync + 'static {
    fn add_org(&self, name: &str) -> Result<()>;
    fn orgs(&self) -> Result<Vec<String>>;
    fn add_user(&self, name: &str, org: &str, roles: &[Role], superadmin: bool, password: &str)
        -> Result<()>;
    fn set_roles(&self, name: &str, roles: &[Role]) -> Result<()>;
    fn set_disabled(&self, name: &str, disabled: bool) -> Result<()>;
    fn users(&self) -> Result<Vec<(Principal, bool)>>;
    /// The account whose password this is (one that may sign in); no session yet.
    fn check_password(&self, user: &str, password: &str) -> Result<Principal>;
    /// Check the password and the replica's proof of its key, bind the replica to the
    /// key, and open a session: a new random token, and when it ends (ms).
    fn login(&self, req: &SignIn<'_>) -> Result<(String, i64, Principal)>;
    /// Open a session for `account` on replica `origin` (bound to `key`) for a sign-in
    /// proven some other way: an SSH key or password at the SSH door, whose session
    /// replica on the server syncs like any client. A new token, and when it ends.
    fn open_replica(&self, account: &str, device: &str, origin: &str, key: &str) -> Result<(String, i64)>;
    /// A new token for a live session (the old one ends), and when it ends.
    fn refresh(&self, token: &str) -> Result<(String, i64)>;
    fn authenticate(&self, token: &str) -> Result<Principal>;
    /// The store's epoch, which a restore from a backup moves on (sign-ins say it, so
    /// a replica can tell a restored server from the one it knew).
    fn epoch(&self) -> Result<i64>;
    /// As [`ServerStore::authenticate`], for a sync round: also whether the session
    /// is from before the backup the store was restored from (its replica may have
    /// seen and sent what the store lacks, and must start over). One look at the store.
    fn authenticate_round(&self, token: &str) -> Result<(Principal, bool)>;
    /// The session's replica has started over (it asks from the beginning).
    fn caught_up(&self, token: &str) -> Result<()>;
    /// A replica's registered key, and whether `account` has signed in there.
    fn replica_key(&self, origin: &str, account: &str) -> Result<Option<(String, bool)>>;
    fn logout(&self, token: &str) -> Result<()>;
    /// Judge and store pushed ops; the refused ones, with reasons.
    fn push(&self, who: &Principal, ops: &[Op]) -> Result<Pushed>;
    /// Whether the store answers now (`/readyz`).
    fn ping(&self) -> Result<()>;
    /// Figures of the store's own for `/metrics` (PostgreSQL: its connections and its
    /// copy of the records).
    fn figures(&self) -> Vec<metrics::Figure> {
        Vec::new()
    }
    /// Get ready to serve, or bring up to date what is read beside the store (the
    /// PostgreSQL store builds its copy of the records and takes what other servers
    /// stored since: the first push does not wait for it, and the journal has it all).
    fn warm_up(&self) -> Result<()> {
        Ok(())
    }
    /// Call `wake` whenever another server on the same store has stored ops, with the
    /// organisations (ids) they belong to (its long polls wake as for this server's
    /// own). A store only one server uses never does.
    fn on_stored_elsewhere(&self, wake: Wake) {
        let _ = wake;
    }
    /// Check a replica's checkpoints against the store, countersign and keep those
    /// that hold; the countersigned ones.
    fn countersign(&self, who: &Principal, checkpoints: &[Checkpoint]) -> Result<Vec<Checkpoint>>;
    /// The checkpoints whose heads are among these ops' entries.
    fn checkpoints_for(&self, ops: &[Op]) -> Result<Vec<Checkpoint>>;
    /// The server's public key (it countersigns checkpoints and shared reports).
    fn public_key(&self) -> String;
    /// The certificate that replica `origin`'s registered key belongs to `org`.
    fn certify(&self, origin: &str, org: &str) -> String;
    /// Ops after `cursor` that `who` may see, not made by `origin`.
    fn pull(&self, who: &Principal, origin: &str, cursor: i64, limit: usize) -> Result<(Vec<Op>, i64, bool)>;
    /// The ops (at most `limit` rows, in order, each with its number; None for a row
    /// that does not read) after number `after` of what is on these boards, those of
    /// them `who` may see, not made by `origin`: a board opened to a role after its
    /// replicas pulled past the board's start.
    fn board_ops(
        &self,
        who: &Principal,
        boards: &[uuid::Uuid],
        origin: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Option<Op>)>>;
    /// The message journal's numbers the store gave these records (of `who`'s
    /// organisation's incidents): a replica asks for those it has not got.
    fn journal_numbers(&self, who: &Principal, records: &[uuid::Uuid]) -> Result<Vec<(uuid::Uuid, i64)>>;
    /// `org` reports to `parent` (None: to no one).
    /// `who`'s organisation's roster: its enabled accounts and their roles, and the
    /// other organisations (whom a message may go to).
    fn roster(&self, who: &Principal) -> Result<wire::Roster> {
        let people = self
            .users()?
            .into_iter()
            .filter(|(p, disabled)| !disabled && p.org_id == who.org_id)
            .map(|(p, _)| {
                // As the sign-in gives them: a superadministrator administers here.
                let mut roles = p.roles;
                if p.superadmin && !roles.contains(&Role::Administrator) {
                    roles.push(Role::Administrator);
                }
                (p.name, roles)
            })
            .collect();
        let orgs = self.orgs()?.into_iter().filter(|o| *o != who.org).collect();
        let hidden = match rules::board_roles(who) {
            Some(roles) => self.boards_hidden(&who.org_id, &roles)?,
            None => Vec::new(),
        };
        Ok(wire::Roster::new(people, orgs, hidden))
    }
    /// The boards of organisation `org_id` whose readers are none of `roles`.
    fn boards_hidden(&self, org_id: &str, roles: &[String]) -> Result<Vec<uuid::Uuid>>;
    fn set_parent(&self, org: &str, parent: Option<&str>) -> Result<()>;
    fn parents(&self) -> Result<Vec<(String, Option<String>)>>;
    /// Pass a report shared upward to the organisation `who`'s reports to; its name.
    fn share(&self, who: &Principal, report: &crate::domain::share::SharedReport) -> Result<String>;
    /// Reports shared with `who`'s organisation after `after`: (seq, report), and more?
    fn shares(
        &self,
        who: &Principal,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<(i64, crate::domain::share::SharedReport)>, bool)>;
    /// `who`'s organisation has stored these sharings: receipts for their senders.
    fn acknowledge(&self, who: &Principal, ids: &[Uuid]) -> Result<usize>;
    /// Receipts for what `who`'s organisation shared, after `after`; and more?
    fn receipts(
        &self,
        who: &Principal,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<crate::domain::share::ShareReceiptRecord>, bool)>;
    /// Register an SSH public key (one line as OpenSSH writes it) for `account`: its
    /// SHA-256 fingerprint.
    fn add_ssh_key(&self, account: &str, line: &str) -> Result<String>;
    fn ssh_keys(&self, account: &str) -> Result<Vec<ssh_keys::SshKey>>;
    fn remove_ssh_key(&self, account: &str, fingerprint: &str) -> Result<()>;
    /// The account a public key opens, if it is registered and the account may sign in.
    fn ssh_key_account(&self, key: &russh::keys::PublicKey) -> Result<Option<Principal>>;
    /// The server's SSH host key: made on first start, kept in the store.
    fn ssh_host_key(&self) -> &russh::keys::PrivateKey;
    /// The account a provider's person signs in to: the one linked to them, or one
    /// made now in the provider's organisation (just in time), with the roles their
    /// groups give (read anew at every sign-in); and the roles it had before (`None`:
    /// new). Refused when the account is disabled or another organisation's.
    fn sso_account(&self, v: &sso::Vouched<'_>) -> Result<(Principal, Option<Vec<Role>>)>;
    /// Whether the organisation's people must sign in through its provider (its
    /// administrators keep their passwords, for when the provider is down).
    fn set_sso_required(&self, org: &str, required: bool) -> Result<()>;
    /// Let `group` of the organisation's provider give `roles` (none: nothing more).
    fn set_sso_map(&self, org: &str, group: &str, roles: &[Role]) -> Result<()>;
    /// Link an existing account to a provider's person before their first sign-in.
    fn link_sso(&self, link: &sso::SsoLink) -> Result<()>;
    /// The links waiting for a first sign-in.
    fn sso_links(&self) -> Result<Vec<sso::SsoLink>>;
    /// Remove the links waiting for `account` at `provider`: how many there were.
    fn unlink_sso(&self, provider: &str, account: &str) -> Result<usize>;
    /// Whether the organisation keeps roles by hand instead of from groups.
    fn set_sso_roles_by_hand(&self, org: &str, by_hand: bool) -> Result<()>;
    /// (organisation, group, roles) for every group that gives roles.
    fn sso_maps(&self) -> Result<Vec<(String, String, Vec<Role>)>>;
    /// People whose provider was last asked about them before `before` (ms), who
    /// have a session open: whom to ask about again.
    fn sso_due(&self, before: i64) -> Result<Vec<sso::Identity>>;
    /// The people linked to `account` whose provider gave a refresh token and was
    /// last asked about them before `before` (ms): whom to ask about when the
    /// account's session is renewed (and, with the current refresh token, again).
    fn sso_identities(&self, account: &str, before: i64) -> Result<Vec<sso::Identity>>;
    /// The provider no longer vouches for the person: every session of the account
    /// ends (SSH included); what they wrote stays. How many sessions ended.
    fn sso_cut_off(&self, who: &sso::Identity) -> Result<usize>;
    /// The account as it may sign in now (not disabled, not cut off by its provider).
    fn account_principal(&self, name: &str) -> Result<Option<Principal>>;
    fn audit(&self, a: &sso::Audited) -> Result<()>;
    /// The newest `limit` lines of the audit, newest first.
    fn audit_log(&self, limit: usize) -> Result<Vec<sso::Audited>>;

    /// The turn to ask the provider about this person, unless it was asked about them
    /// since `before` (ms) or is being asked now by any server: as they are now.
    fn sso_take_turn(&self, issuer: &str, subject: &str, before: i64) -> Result<Option<sso::Identity>>;
    /// Keep a single sign-on under way, unless there are `per_address` from its
    /// address or `most` in all (those past their lifetime forgotten first).
    fn sso_pending_add(&self, p: &sso::Pending, per_address: usize, most: usize) -> Result<sso::Added>;
    fn sso_pending(&self, by: &sso::Find) -> Result<Option<sso::Pending>>;
    /// Keep what the sign-in is now (ended, if it has an outcome), and the state its
    /// browser comes back with (none: no way back open). Only one that has not ended
    /// is changed (false: it had; the first ending holds).
    fn sso_pending_put(&self, p: &sso::Pending, state: Option<&str>) -> Result<bool>;
    /// The sign-in whose browser comes back with `state`, that way back taken (once).
    fn sso_pending_went(&self, state: &str) -> Result<Option<sso::Pending>>;
    /// Forget it: true when this call did.
    fn sso_pending_remove(&self, code: &str) -> Result<bool>;
    /// Until when (ms) sign-ins for any of these keys are held back.
    fn sign_in_held(&self, keys: &[String]) -> Result<i64>;
    /// A sign-in's outcome counted for its keys.
    fn sign_in_tried(&self, keys: &[guard::Tried], success: bool) -> Result<()>;
}

/// What the server's ways in (HTTP, SSH) share: the store, the signal that new ops
/// were stored (long polls and SSH sessions' replicas wake on it), and the guard on
/// sign-ins (a password guesser has one budget, whichever door they knock on).
pub struct Serving {
    pub store: std::sync::Arc<dyn ServerStore>,
    pub stored: Stored,
    pub guard: guard::Guard,
    /// Single sign-on, when the server's config sets up identity providers.
    pub sso: Option<sso::Sso>,
    pub metrics: metrics::Metrics,
    /// Set when the server is stopping: long polls answer at once, connections are
    /// asked to close once what is under way is done.
    pub closing: tokio::sync::watch::Sender<bool>,
}

impl Serving {
    pub fn new(store: std::sync::Arc<dyn ServerStore>) -> std::sync::Arc<Serving> {
        Serving::with_sso(store, None)
    }

    pub fn with_sso(
        store: std::sync::Arc<dyn ServerStore>,
        sso: Option<sso::Sso>,
    ) -> std::sync::Arc<Serving> {
        let serving = std::sync::Arc::new(Serving {
            store,
            stored: Stored::default(),
            guard: Default::default(),
            sso,
            metrics: Default::default(),
            closing: tokio::sync::watch::channel(false).0,
        });
        let weak = std::sync::Arc::downgrade(&serving);
        serving.store.on_stored_elsewhere(std::sync::Arc::new(move |orgs: &[String]| {
            if let Some(serving) = weak.upgrade() {
                serving.stored.wake(orgs);
            }
        }));
        serving
    }

    /// Stop: long polls answer now, and connections close once idle.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// What wakes a server's long polls for the organisations (ids) named (none named:
/// for all).
pub type Wake = std::sync::Arc<dyn Fn(&[String]) + Send + Sync>;

/// Who waits for new ops, by organisation: what one organisation stores wakes its own
/// people's long polls and those of who see every organisation (superadministrators),
/// not the thousands of other organisations' (which would each pull, for nothing).
#[derive(Default)]
pub struct Stored {
    orgs: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Notify>>>,
    everyone: std::sync::Arc<tokio::sync::Notify>,
}

impl Stored {
    /// What `who`'s long poll waits on.
    pub fn watch(&self, who: &Principal) -> std::sync::Arc<tokio::sync::Notify> {
        if who.superadmin {
            return self.everyone.clone();
        }
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        orgs.entry(who.org_id.clone()).or_default().clone()
    }

    /// Ops of these organisations were stored (none named: of any).
    pub fn wake(&self, orgs: &[String]) {
        self.everyone.notify_waiters();
        let waiting = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if orgs.is_empty() {
            waiting.values().for_each(|n| n.notify_waiters());
        } else {
            orgs.iter().filter_map(|o| waiting.get(o)).for_each(|n| n.notify_waiters());
        }
    }

    /// `who` stored ops: of their own organisation, or of any for a superadministrator.
    pub fn stored_by(&self, who: &Principal) {
        if who.superadmin {
            self.wake(&[]);
        } else {
            self.wake(std::slice::from_ref(&who.org_id));
        }
    }
}

/// Where store work runs: off the async threads where they serve many (HTTP), in
/// place where a thread is the round's own (an SSH session's replica).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offload {
    Blocking,
    InPlace,
}

impl Offload {
    pub async fn run<T: Send + 'static>(self, f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        match self {
            Offload::Blocking => tokio::task::spawn_blocking(f)
                .await
                .map_err(|e| ServerError::Internal(format!("a worker stopped: {e}")))?,
            Offload::InPlace => f(),
        }
    }
}

/// A round as a client asks for it: push and pull; when nothing was pushed or pulled
/// and the client may wait, wait (at most [`wire::MAX_WAIT_MS`]) for ops others store
/// and pull again. Ops accepted here wake everyone else's wait.
pub async fn round_or_wait(
    serving: std::sync::Arc<Serving>,
    who: Principal,
    req: wire::SyncRequest,
    off: Offload,
) -> Result<Round> {
    let pushed = req.push.len();
    let wait = std::time::Duration::from_millis(req.wait_ms.min(wire::MAX_WAIT_MS) as u64);
    let (origin, cursor) = (req.origin.clone(), req.cursor);
    // Listen before looking, so that ops stored in between still wake this round.
    let watched = serving.stored.watch(&who);
    let stored = watched.notified();
    tokio::pin!(stored);
    stored.as_mut().enable();
    let (st, who2) = (serving.store.clone(), who.clone());
    let started = std::time::Instant::now();
    let (mut done, refused_as) = off.run(move || round(st.as_ref(), &who2, req)).await?;
    serving.metrics.round(started.elapsed(), done.accepted, done.resent, &refused_as);
    if pushed > 0 {
        serving.metrics.pushed(done.committed);
    }
    if done.accepted > 0 {
        serving.stored.stored_by(&who);
    }
    let mut closing = serving.closing.subscribe();
    if pushed == 0
        && done.response.pull.is_empty()
        && done.response.journal.is_empty()
        && !wait.is_zero()
        && !*closing.borrow()
    {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // A server that is stopping answers a long poll at once, with nothing.
            let woken = tokio::select! {
                w = tokio::time::timeout_at(deadline, stored.as_mut()) => w.is_ok(),
                _ = closing.wait_for(|c| *c) => false,
            };
            if !woken {
                break;
            }
            stored.set(watched.notified());
            stored.as_mut().enable();
            let (st, who2, origin2) = (serving.store.clone(), who.clone(), origin.clone());
            let (pull, next, more, signed) = off
                .run(move || {
                    let (pull, next, more) = st.pull(&who2, &origin2, cursor, wire::BATCH)?;
                    let signed = st.checkpoints_for(&pull)?;
                    Ok((pull, next, more, signed))
                })
                .await?;
            done.response.cursor = next;
            if !pull.is_empty() {
                done.response.pull = pull;
                done.response.more = more;
                done.response.checkpoints.extend(signed);
                break;
            }
        }
    }
    Ok(done)
}

/// The next connection on `listener`. A failed accept (out of file descriptors, say)
/// is logged and tried again a moment later, never the end of the server.
pub async fn accept(listener: &tokio::net::TcpListener) -> (tokio::net::TcpStream, std::net::SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// One sync round: push, then pull; and how many pushed ops were refused for what.
/// Blocking (SQLite); the HTTP layer runs it off the async threads.
/// Boards one round may ask for whole.
const MAX_BOARDS_FETCHED: usize = 16;
/// The most ops of boards fetched whole one round sends; the rest come in the next.
pub const BOARD_PAGE: usize = wire::BATCH * 4;

pub fn round(
    store: &dyn ServerStore,
    who: &Principal,
    req: wire::SyncRequest,
) -> Result<(Round, std::collections::BTreeMap<&'static str, usize>)> {
    if req.push.len() > wire::BATCH * 4 {
        return Err(ServerError::BadRequest(format!(
            "a round may push at most {} ops; send the rest in the next round",
            wire::BATCH * 4
        )));
    }
    let Pushed { refused, refused_as, resent, committed } = store.push(who, &req.push)?;
    // The pusher gets back only the countersignatures of its own checkpoints.
    let mut checkpoints: Vec<Checkpoint> =
        store.countersign(who, &req.checkpoints)?.iter().map(Checkpoint::countersignature_only).collect();
    let (mut pull, cursor, more) = store.pull(who, &req.origin, req.cursor, wire::BATCH)?;
    let mut board_fetch = None;
    if !req.boards.is_empty() {
        // Before the pull's ops, which may build on them; a page at a time.
        let boards: Vec<uuid::Uuid> = req.boards.iter().copied().take(MAX_BOARDS_FETCHED).collect();
        let page = store.board_ops(who, &boards, &req.origin, req.boards_after, BOARD_PAGE)?;
        // A full page of rows (some may not read) means more may follow.
        let more_after = page.last().map(|(seq, _)| *seq).filter(|_| page.len() >= BOARD_PAGE);
        let mut whole: Vec<Op> = page.into_iter().filter_map(|(_, op)| op).collect();
        whole.append(&mut pull);
        pull = whole;
        board_fetch = Some(wire::BoardFetch { boards, more_after });
    }
    checkpoints.extend(store.checkpoints_for(&pull)?);
    // Asked after the push is taken, so a record pushed in this round has its number.
    let asked: Vec<uuid::Uuid> = req.journal.iter().copied().take(wire::BATCH).collect();
    let journal = if asked.is_empty() { Vec::new() } else { store.journal_numbers(who, &asked)? };
    let roster = match &req.roster {
        Some(held) => Some(store.roster(who)?).filter(|r| &r.hash != held),
        None => None,
    };
    let accepted = req.push.len().saturating_sub(refused.len() + resent);
    let n_refused = refused.len();
    let round = Round {
        response: wire::SyncResponse {
            version: wire::VERSION,
            cursor,
            refused,
            pull,
            more,
            checkpoints,
            journal,
            roster,
            board_fetch,
        },
        accepted,
        resent,
        refused: n_refused,
        committed,
    };
    Ok((round, refused_as))
}

// ---- passwords and tokens -----------------------------------------------------------

pub mod secrets {
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use argon2::Argon2;

    pub fn hash_password(password: &str) -> String {
        let mut raw = [0u8; 16];
        getrandom::getrandom(&mut raw).expect("the OS random source");
        let salt = SaltString::encode_b64(&raw).expect("16 bytes make a valid salt");
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("argon2 with default parameters")
            .to_string()
    }

    pub fn verify_password(password: &str, hash: &str) -> bool {
        PasswordHash::new(hash)
            .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    }

    /// The same work as checking a real account's password, for a name with no
    /// account, so that the answer's timing does not tell which names exist.
    pub fn verify_nobody(password: &str) {
        static NOBODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hash = NOBODY.get_or_init(|| hash_password("no account has this password"));
        let _ = verify_password(password, hash);
    }

    /// A new session token: 144 random bits as 24 characters of base64url (it rides
    /// in every request's headers, so it is as short as its strength allows).
    pub fn new_token() -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bytes = [0u8; 18];
        getrandom::getrandom(&mut bytes).expect("the OS random source");
        let mut out = String::with_capacity(24);
        for chunk in bytes.chunks(3) {
            let n = (chunk[0] as u32) << 16 | (chunk[1] as u32) << 8 | chunk[2] as u32;
            for shift in [18, 12, 6, 0] {
                out.push(ALPHABET[(n >> shift & 63) as usize] as char);
            }
        }
        out
    }

    /// Tokens are stored only as this hash: a copy of the database opens no sessions.
    pub fn token_hash(token: &str) -> String {
        crate::text::sha256_hex(token.as_bytes())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn passwords_verify_and_tokens_are_long_and_new() {
            let h = hash_password("sommerfugl i vinterland");
            assert!(h.starts_with("$argon2"));
            assert!(verify_password("sommerfugl i vinterland", &h));
            assert!(!verify_password("sommerfugl", &h));
            let (a, b) = (new_token(), new_token());
            assert_eq!(a.len(), 24, "144 bits");
            assert_ne!(a, b);
            assert_ne!(token_hash(&a), a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Principal, Stored};
    use std::time::Duration;

    fn of(org: &str, superadmin: bool) -> Principal {
        Principal {
            name: format!("{org}-person"),
            org_id: org.into(),
            org: org.into(),
            roles: vec![],
            superadmin,
            device: String::new(),
            origin: String::new(),
        }
    }

    /// Whether a wait on `watched` ends within a moment of `then`.
    fn woken(watched: &tokio::sync::Notify, then: impl FnOnce()) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let waiting = watched.notified();
            tokio::pin!(waiting);
            waiting.as_mut().enable();
            then();
            tokio::time::timeout(Duration::from_millis(50), waiting).await.is_ok()
        })
    }

    #[test]
    fn an_organisations_ops_wake_its_own_and_the_superadministrators_long_polls_only() {
        let stored = Stored::default();
        let (a, b, root) = (of("A", false), of("B", false), of("R", true));
        assert!(woken(&stored.watch(&a), || stored.stored_by(&a)));
        assert!(!woken(&stored.watch(&b), || stored.stored_by(&a)), "B's poll sleeps on when A stores");
        assert!(
            woken(&stored.watch(&root), || stored.stored_by(&a)),
            "a superadministrator sees every organisation"
        );
        assert!(
            woken(&stored.watch(&b), || stored.stored_by(&root)),
            "a superadministrator's ops may be anyone's"
        );
        assert!(woken(&stored.watch(&b), || stored.wake(&["B".to_string()])), "another server stored B's");
        assert!(woken(&stored.watch(&a), || stored.wake(&[])), "unknown whose: everyone wakes");
    }
}

//! The client side of sync: signing in (the server and token kept beside the database,
//! readable by the user alone), and sync rounds that push what the server has not
//! acknowledged and pull everything after the cursor. Everything here may fail at any
//! moment (the link drops); nothing is marked done before the server has answered, so
//! a failed round is simply repeated.

use super::wire::{self, LoginRequest, LoginResponse, SyncRequest, SyncResponse};
use crate::domain::roles::Role;
use crate::store::{OpState, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server cannot be reached now: work goes on, the next round will try again.
    #[error("offline: {0}")]
    Offline(String),
    /// The server answered with a refusal.
    #[error("the server refused: {0}")]
    Refused(String),
    /// The session is no longer valid: sign in again.
    #[error("{0}")]
    SignedOut(String),
    /// The server's store was restored from a backup taken before this replica's
    /// last rounds: start over (send everything again, ask from the start).
    #[error("the server was restored from a backup")]
    Restored,
    #[error("{0}")]
    Protocol(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
}

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// What `sitroom login` keeps beside the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Login {
    pub server: String,
    pub user: String,
    pub org: String,
    pub roles: Vec<Role>,
    pub superadmin: bool,
    pub token: String,
    /// The device name the session was opened with: ops from it leave it out.
    #[serde(default)]
    pub device: String,
    /// When the token ends (ms since the epoch; 0: not said). Sync refreshes it well
    /// before then.
    #[serde(default)]
    pub expires_at: i64,
}

/// `sitroom.db` → `sitroom.db.login`: one per database, so replicas stay apart.
pub fn login_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "sitroom.db".into());
    name.push(".login");
    db.with_file_name(name)
}

pub fn load_login(db: &Path) -> Result<Option<Login>> {
    let path = login_path(db);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            ClientError::Io(format!("{} is damaged ({e}); run `sitroom login` again", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ClientError::Io(format!("cannot read {}: {e}", path.display()))),
    }
}

/// Write the login file readable by its owner alone, and close the database files to
/// others too: they hold what the server shares with this user.
pub fn save_login(db: &Path, login: &Login) -> Result<()> {
    let path = login_path(db);
    let io = |e: std::io::Error| ClientError::Io(format!("cannot write {}: {e}", path.display()));
    let tmp = path.with_extension("login.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(io)?;
        f.write_all(serde_json::to_string_pretty(login).expect("plain data").as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, &path).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.as_os_str().to_os_string();
            p.push(suffix);
            let _ = std::fs::set_permissions(PathBuf::from(p), std::fs::Permissions::from_mode(0o600));
        }
    }
    Ok(())
}

pub fn remove_login(db: &Path) -> Result<bool> {
    match std::fs::remove_file(login_path(db)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(ClientError::Io(e.to_string())),
    }
}

/// The server's base URL, checked: http or https, no trailing slash.
pub fn server_url(raw: &str) -> Result<String> {
    let url = raw.trim().trim_end_matches('/');
    let ok = (url.starts_with("http://") || url.starts_with("https://")) && reqwest::Url::parse(url).is_ok();
    if !ok {
        return Err(ClientError::Protocol(format!(
            "'{raw}' is not a server address; give one like https://sitroom.kommune.no or http://127.0.0.1:7878"
        )));
    }
    Ok(url.to_string())
}

/// An HTTP client that keeps its connection open between rounds. It speaks HTTP/2
/// (negotiated over https; with prior knowledge over plain http), whose compressed
/// headers cost a few bytes a round on a warm connection, and falls back to HTTP/1.1
/// for a server (or proxy) that does not speak it.
pub struct Client {
    http: reqwest::Client,
    /// HTTP/1.1 only, once the server has shown it does not speak HTTP/2.
    http1: reqwest::Client,
    fallen_back: std::sync::atomic::AtomicBool,
    base: String,
}

/// A certificate authority to trust beside the public ones (a municipality's own CA,
/// or a server's self-signed certificate): the PEM file named by `SITROOM_CA_CERT`.
fn extra_root() -> Result<Option<reqwest::Certificate>> {
    let Some(path) = std::env::var_os("SITROOM_CA_CERT") else { return Ok(None) };
    let pem = std::fs::read(&path).map_err(|e| {
        ClientError::Io(format!("SITROOM_CA_CERT: cannot read {}: {e}", path.to_string_lossy()))
    })?;
    reqwest::Certificate::from_pem(&pem).map(Some).map_err(|e| {
        ClientError::Protocol(format!(
            "SITROOM_CA_CERT: {} is not a PEM certificate: {e}",
            path.to_string_lossy()
        ))
    })
}

/// The token header. Not marked sensitive, so that HTTP/2 compresses it to a byte
/// after the first round (its encoder never indexes Authorization, hence a header of
/// our own); this client never sends headers an attacker chooses, which is what
/// makes header compression risky elsewhere.
fn token_header(token: &str) -> reqwest::header::HeaderValue {
    reqwest::header::HeaderValue::from_str(token)
        .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("-"))
}

fn offline(e: reqwest::Error) -> ClientError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    ClientError::Offline(text)
}

impl Client {
    pub fn new(server: &str) -> Result<Client> {
        let base = server_url(server)?;
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                // A slow link carries a large backlog slowly; a dead one is noticed here.
                .timeout(Duration::from_secs(120))
                .pool_idle_timeout(Duration::from_secs(90))
                .tcp_nodelay(true)
        };
        let extra_root = extra_root()?;
        let builder = || match &extra_root {
            Some(cert) => builder().add_root_certificate(cert.clone()),
            None => builder(),
        };
        let h2 = if base.starts_with("http://") { builder().http2_prior_knowledge() } else { builder() };
        let http = h2.build().map_err(|e| ClientError::Protocol(e.to_string()))?;
        let http1 = builder().http1_only().build().map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Client { http, http1, fallen_back: std::sync::atomic::AtomicBool::new(false), base })
    }

    fn http(&self) -> &reqwest::Client {
        if self.fallen_back.load(Ordering::Relaxed) {
            &self.http1
        } else {
            &self.http
        }
    }

    /// Send, falling back to HTTP/1.1 for good when an HTTP/2 connection was made
    /// but the server did not answer in HTTP/2.
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response> {
        match build(self.http()).send().await {
            Ok(r) => Ok(r),
            Err(e) if !e.is_connect() && !e.is_timeout() && !self.fallen_back.load(Ordering::Relaxed) => {
                // Only a server that then answers in HTTP/1.1 makes the fallback stick;
                // a link cut in the middle of a round does not.
                match build(&self.http1).send().await {
                    Ok(r) => {
                        self.fallen_back.store(true, Ordering::Relaxed);
                        Ok(r)
                    }
                    Err(_) => Err(offline(e)),
                }
            }
            Err(e) => Err(offline(e)),
        }
    }

    async fn refusal(resp: reqwest::Response) -> ClientError {
        let status = resp.status();
        if status == reqwest::StatusCode::CONFLICT && resp.headers().contains_key(wire::RESTORED_HEADER) {
            return ClientError::Restored;
        }
        let text = resp.text().await.unwrap_or_default();
        let text = crate::text::safe(text.trim()).into_owned();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            ClientError::SignedOut(text)
        } else {
            ClientError::Refused(format!("{text} ({status})"))
        }
    }

    /// Open a session for `user` from `device` (as people see it) on replica `origin`,
    /// whose signing key is `key`.
    pub async fn login(
        &self,
        user: &str,
        password: &str,
        device: &str,
        origin: &str,
        key: &crate::keys::SigningKey,
    ) -> Result<LoginResponse> {
        let public = key.public();
        let req = LoginRequest {
            version: wire::VERSION,
            user: user.to_string(),
            password: password.to_string(),
            device: device.to_string(),
            origin: origin.to_string(),
            proof: key.sign(&crate::keys::login_message(user, origin, &public)),
            key: public,
        };
        let body = serde_json::to_vec(&req).expect("plain data");
        let url = format!("{}{}", self.base, wire::LOGIN_PATH);
        let resp = self
            .send(|c| {
                c.post(&url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.clone())
            })
            .await?;
        if !resp.status().is_success() {
            return Err(Self::refusal(resp).await);
        }
        let body = resp.bytes().await.map_err(offline)?;
        serde_json::from_slice(&body)
            .map_err(|e| ClientError::Protocol(format!("the server's answer is not valid: {e}")))
    }

    /// Start a single sign-on for replica `origin`: the code and address for the
    /// person's browser, and the token to poll with.
    pub async fn sso_start(
        &self,
        provider: &str,
        device: &str,
        origin: &str,
        key: &crate::keys::SigningKey,
    ) -> Result<wire::SsoStartResponse> {
        let public = key.public();
        let req = wire::SsoStartRequest {
            version: wire::VERSION,
            provider: provider.to_string(),
            device: device.to_string(),
            origin: origin.to_string(),
            proof: key.sign(&crate::keys::login_message(wire::SSO_USER, origin, &public)),
            key: public,
        };
        let body = serde_json::to_vec(&req).expect("plain data");
        self.post_json(wire::SSO_START_PATH, body)
            .await?
            .ok_or_else(|| ClientError::Protocol("the server did not start the sign-in".into()))
    }

    /// Has the person signed in yet? `None` while they have not.
    pub async fn sso_poll(&self, poll_token: &str) -> Result<Option<LoginResponse>> {
        let body = serde_json::to_vec(&wire::SsoPollRequest { poll_token: poll_token.to_string() })
            .expect("plain data");
        self.post_json(wire::SSO_POLL_PATH, body).await
    }

    /// A POST of JSON without a session; its JSON answer, or `None` for 202 (not yet).
    async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<Option<T>> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .send(|c| {
                c.post(&url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.clone())
            })
            .await?;
        if resp.status() == reqwest::StatusCode::ACCEPTED {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(Self::refusal(resp).await);
        }
        let body = resp.bytes().await.map_err(offline)?;
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| ClientError::Protocol(format!("the server's answer is not valid: {e}")))
    }

    /// A new token for this session (the old one ends).
    pub async fn refresh(&self, token: &str) -> Result<wire::RefreshResponse> {
        self.json(token, wire::REFRESH_PATH, Some(Vec::new())).await
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let url = format!("{}{}", self.base, wire::LOGOUT_PATH);
        let resp = self.send(|c| c.post(&url).header(wire::TOKEN_HEADER, token_header(token))).await?;
        if !resp.status().is_success() {
            return Err(Self::refusal(resp).await);
        }
        Ok(())
    }

    /// A JSON request to `path` (GET without a body, POST with one) and its JSON answer.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T> {
        let url = format!("{}{path}", self.base);
        let auth = token_header(token);
        let resp = self
            .send(|c| match &body {
                Some(b) => c
                    .post(&url)
                    .header(wire::TOKEN_HEADER, auth.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone()),
                None => c.get(&url).header(wire::TOKEN_HEADER, auth.clone()),
            })
            .await?;
        if !resp.status().is_success() {
            return Err(Self::refusal(resp).await);
        }
        let answer = resp.bytes().await.map_err(offline)?;
        serde_json::from_slice(&answer)
            .map_err(|e| ClientError::Protocol(format!("the server's answer is not valid: {e}")))
    }

    /// Share a report with the organisation this one reports to; its name.
    pub async fn share(&self, token: &str, report: &crate::domain::share::SharedReport) -> Result<String> {
        let body = serde_json::to_vec(report).expect("plain data");
        let receipt: wire::ShareReceipt = self.json(token, wire::SHARES_PATH, Some(body)).await?;
        Ok(receipt.to)
    }

    /// Reports shared with this organisation after `after`.
    pub async fn shares(&self, token: &str, after: i64) -> Result<wire::SharesResponse> {
        self.json(token, &format!("{}?after={after}", wire::SHARES_PATH), None).await
    }

    /// Tell the server these sharings are stored here (their senders get receipts).
    pub async fn acknowledge_shares(&self, token: &str, ids: &[uuid::Uuid]) -> Result<()> {
        let body = serde_json::to_vec(&wire::SharesReceived { ids: ids.to_vec() }).expect("plain data");
        let _: serde_json::Value = self.json(token, wire::SHARES_RECEIVED_PATH, Some(body)).await?;
        Ok(())
    }

    /// Receipts for what this organisation shared, after `after`.
    pub async fn receipts(&self, token: &str, after: i64) -> Result<wire::ReceiptsResponse> {
        self.json(token, &format!("{}?after={after}", wire::SHARES_RECEIPTS_PATH), None).await
    }

    pub async fn round(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse> {
        let url = format!("{}{}", self.base, wire::SYNC_PATH);
        let body = wire::encode(req);
        let auth = token_header(token);
        let resp =
            self.send(|c| c.post(&url).header(wire::TOKEN_HEADER, auth.clone()).body(body.clone())).await?;
        if !resp.status().is_success() {
            return Err(Self::refusal(resp).await);
        }
        let body = resp.bytes().await.map_err(offline)?;
        let answer: SyncResponse =
            wire::decode(&body).map_err(|e| ClientError::Protocol(format!("the server's answer: {e}")))?;
        if answer.version != wire::VERSION {
            return Err(ClientError::Protocol(format!(
                "the server speaks protocol version {}; this program speaks {}",
                answer.version,
                wire::VERSION
            )));
        }
        Ok(answer)
    }
}

/// How rounds reach the server: over HTTP ([`Client`]), or inside the server's own
/// process (an SSH session's replica on the server).
pub trait Link {
    fn round(
        &self,
        token: &str,
        req: &SyncRequest,
    ) -> impl std::future::Future<Output = Result<SyncResponse>>;
    /// Replace the session's token when it is due (see [`refresh_if_due`]).
    fn refresh_if_due(&self, db: &Path, login: &mut Login) -> impl std::future::Future<Output = Result<()>>;
}

impl Link for Client {
    async fn round(&self, token: &str, req: &SyncRequest) -> Result<SyncResponse> {
        Client::round(self, token, req).await
    }

    async fn refresh_if_due(&self, db: &Path, login: &mut Login) -> Result<()> {
        refresh_if_due(db, self, login).await
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub pulled: usize,
    /// Pushed changes the server refused, with its reasons.
    pub refused: Vec<String>,
    /// Changes still waiting to be pushed (none after a complete sync).
    pub waiting: i64,
    /// Changes received that wait here for what they build on (not here yet).
    pub held: i64,
    /// Open conflicts in this replica.
    pub conflicts: usize,
    pub rounds: usize,
}

/// Apply what a round pulled and move the cursor on (never back: rounds may overlap,
/// a long poll beside a push, and each answer covers its own stretch).
/// The records of the message journal this replica has no number for (those the
/// server numbers: an entry only if its mark reads as one), at most a round's worth.
pub fn unnumbered(store: &Store) -> Result<Vec<uuid::Uuid>> {
    Ok(store
        .journal_unnumbered(wire::BATCH)?
        .into_iter()
        .filter(|(_, text)| {
            text.as_deref().is_none_or(|t| {
                crate::domain::journal::marked(t).is_some() || crate::domain::journal::shared(t).is_some()
            })
        })
        .map(|(id, _)| id)
        .collect())
}

/// A round from the replica's cursor pushing `push` and asking for what it lacks: the
/// rest of a board fetch cut short, or else the boards it has changes of but not the
/// board (those not `asked` in this sync already), the journal numbers it has not got
/// (not in `numbers_asked`), and the roster when it is due.
pub fn request(
    store: &Store,
    push: Vec<crate::replication::Op>,
    asked: &[uuid::Uuid],
    numbers_asked: &std::collections::HashSet<uuid::Uuid>,
) -> Result<SyncRequest> {
    let mut req = SyncRequest::new(store.sync_cursor()?, push);
    req.origin = store.device_id()?;
    match board_fetch_under_way(store) {
        Some((boards, after)) => (req.boards, req.boards_after) = (boards, after),
        None => req.boards = store.boards_missing(16)?.into_iter().filter(|b| !asked.contains(b)).collect(),
    }
    req.journal = unnumbered(store)?.into_iter().filter(|r| !numbers_asked.contains(r)).collect();
    req.roster = roster_due(store);
    Ok(req)
}

/// A fetch of whole boards that did not fit in its round: the boards, and the number
/// of the last op of them received. Kept in the database, so a fetch cut short by the
/// link going on where it stopped, never leaving a board half there.
fn board_fetch_under_way(store: &Store) -> Option<(Vec<uuid::Uuid>, i64)> {
    let kept = store.meta("board_fetch").ok().flatten()?;
    let fetch: wire::BoardFetch = serde_json::from_str(&kept).ok()?;
    Some((fetch.boards, fetch.more_after?))
}

/// How often a replica asks whether its organisation's roster changed.
const ROSTER_EVERY_MS: i64 = 5 * 60_000;

/// The roster hash to send when it is time to ask again (and the asking noted), or
/// None.
pub fn roster_due(store: &Store) -> Option<String> {
    let now = chrono::Utc::now().timestamp_millis();
    let checked: i64 = store.meta("roster_checked").ok().flatten().and_then(|v| v.parse().ok()).unwrap_or(0);
    if (now - checked).abs() < ROSTER_EVERY_MS {
        return None;
    }
    store.set_meta("roster_checked", &now.to_string()).ok()?;
    Some(store.meta("roster_hash").ok().flatten().unwrap_or_default())
}

pub fn take(store: &mut Store, answer: &SyncResponse) -> Result<usize> {
    store.apply_ops(&answer.pull, OpState::Acked)?;
    if let Some(r) = &answer.roster {
        store.set_roster(&r.people, &r.orgs, &r.hash)?;
        // The boards here the user may no longer see: forgotten now, or (one with a
        // change not answered yet) once they may be; kept in the database until then.
        let gone = store.boards_among(&r.hidden_boards)?;
        store.set_meta("boards_to_forget", &serde_json::to_string(&gone).expect("ids"))?;
        // Roles changed on the server hold here from now, not from the next sign-in.
        let device = store.device_id()?;
        for (name, roles) in &r.people {
            let sorted = |r: &[crate::domain::roles::Role]| {
                let mut r = r.to_vec();
                r.sort();
                r
            };
            if store.user(name)?.is_some_and(|u| sorted(&u.roles) != sorted(roles)) {
                store.put_user(name, roles, true, "server", &device, chrono::Utc::now())?;
            }
        }
    }
    let to_forget: Vec<uuid::Uuid> =
        store.meta("boards_to_forget")?.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
    if !to_forget.is_empty() {
        let kept = store.forget_boards(&to_forget)?;
        if kept.len() < to_forget.len() {
            tracing::info!(
                "{} board(s) no longer open to this user were taken off this replica",
                to_forget.len() - kept.len()
            );
        }
        if kept != to_forget {
            store.set_meta("boards_to_forget", &serde_json::to_string(&kept).expect("ids"))?;
        }
    }
    if let Some(fetch) = &answer.board_fetch {
        // Kept after the ops it follows are, so an answer lost half-way asks again.
        let kept = match fetch.more_after {
            Some(_) => serde_json::to_string(fetch).expect("ids and numbers"),
            None => String::new(),
        };
        store.set_meta("board_fetch", &kept)?;
    }
    // A countersignature of this replica's own checkpoint comes without the rest.
    let me = store.device_id()?;
    let checkpoints: Vec<_> = answer
        .checkpoints
        .iter()
        .cloned()
        .map(|mut c| {
            if c.origin.is_empty() {
                c.origin = me.clone();
            }
            c
        })
        .collect();
    store.keep_checkpoints(&checkpoints)?;
    store.keep_journal_numbers(&answer.journal)?;
    if answer.cursor > store.sync_cursor()? {
        store.set_sync_cursor(answer.cursor)?;
    }
    Ok(answer.pull.len())
}

/// Replace the session's token by a fresh one when less than half its lifetime is
/// left, and keep the new one beside the database (`db`). A session in daily use never
/// ends; a copied token stops working at the next refresh.
pub async fn refresh_if_due(db: &Path, client: &Client, login: &mut Login) -> Result<()> {
    let half = super::wire::TOKEN_LIFETIME_DAYS * 24 * 3_600_000 / 2;
    let now = chrono::Utc::now().timestamp_millis();
    if login.expires_at == 0 || login.expires_at - now > half {
        return Ok(());
    }
    let fresh = client.refresh(&login.token).await?;
    login.token = fresh.token;
    login.expires_at = fresh.expires_at;
    save_login(db, login)
}

/// Sync until nothing is left to push or pull (or `max_rounds` rounds).
pub async fn sync(
    store: &mut Store,
    client: &impl Link,
    login: &mut Login,
    max_rounds: usize,
) -> Result<SyncReport> {
    let db = store.path().to_path_buf();
    client.refresh_if_due(&db, login).await?;
    let origin = store.device_id()?;
    let mut report = SyncReport::default();
    let mut started_over = false;
    // Boards asked for whole in this sync (once each: one the user may not see stays
    // missing).
    let mut asked: Vec<uuid::Uuid> = Vec::new();
    // Journal records asked for their numbers (once each in a sync: one pushed in a
    // round is asked in the next).
    let mut numbers_asked: std::collections::HashSet<uuid::Uuid> = Default::default();
    for _ in 0..max_rounds {
        let push = store.ops_to_push(wire::BATCH)?;
        // The ids before `leave_out`, which blanks those the server can derive.
        let pushed: Vec<_> = push.iter().map(|op| op.id).collect();
        // With the last of what waits in this round, sign the heads of this replica's
        // chains when it is time (kept here at once; the server countersigns).
        let checkpoints = if push.len() < wire::BATCH {
            let key = store.signing_key()?;
            let now = chrono::Utc::now().timestamp_millis();
            let due = store.checkpoints_due(&origin, &key, now, false)?;
            store.keep_checkpoints(&due)?;
            due
        } else {
            Vec::new()
        };
        let mut req = request(store, push, &asked, &numbers_asked)?;
        req.checkpoints = checkpoints;
        asked.extend(req.boards.iter().copied());
        numbers_asked.extend(req.journal.iter().copied());
        // What the server knows from the session stays off the wire.
        wire::leave_out(&mut req, &login.user, &login.device);
        let answer = match client.round(&login.token, &req).await {
            // The server was restored from a backup: what it acknowledged since may be
            // gone, and its numbering started again. Everything goes again (what it
            // has is acknowledged again, not doubled) and is pulled from the start.
            Err(ClientError::Restored) if !started_over => {
                store.start_over()?;
                started_over = true;
                continue;
            }
            answer => answer?,
        };
        report.rounds += 1;
        let acked: Vec<_> =
            pushed.into_iter().filter(|id| !answer.refused.iter().any(|(r, _)| r == id)).collect();
        store.mark_pushed(&acked, &answer.refused)?;
        store.correct_refused_on_boards(&answer.refused)?;
        report.pushed += acked.len();
        report.refused.extend(answer.refused.iter().map(|(_, why)| why.clone()));
        report.pulled += take(store, &answer)?;
        let unasked = store.boards_missing(16)?.iter().any(|b| !asked.contains(b))
            || board_fetch_under_way(store).is_some()
            || unnumbered(store)?.iter().any(|r| !numbers_asked.contains(r));
        if !answer.more && store.ops_waiting_to_push()? == 0 && !unasked {
            break;
        }
    }
    report.waiting = store.ops_waiting_to_push()?;
    report.held = store.ops_held()?;
    report.conflicts = store.conflicts(None)?.len();
    Ok(report)
}

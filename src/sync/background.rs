//! Sync in the background while the TUI runs: its own thread, tokio runtime and
//! database connection, so the screen never waits for the network. A change made here
//! (or by a CLI command beside the TUI) is pushed within a quarter of a second; others'
//! changes arrive through a long poll the moment the server has them; while the server
//! cannot be reached, rounds are retried every half second for a minute, then every
//! few seconds. The UI reads [`SyncState`].

use super::client::{self, Client, ClientError, Link, Login};
use super::wire::SyncResponse;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the link to the server stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// The first round has not finished yet.
    Connecting,
    Online,
    /// Unreachable since then (the first failed round after the last good one).
    Offline {
        since: DateTime<Utc>,
    },
    /// The server refused the session: sign in again.
    SignedOut(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncState {
    pub link: LinkState,
    /// Changes made here that the server has not acknowledged.
    pub waiting: i64,
    pub conflicts: usize,
    /// Changes the server refused (the reasons are in `sitroom sync status`).
    pub refused: usize,
    /// The newest refusal, to show once.
    pub last_refusal: Option<String>,
    pub last_round: Option<DateTime<Utc>>,
}

impl Default for SyncState {
    fn default() -> Self {
        SyncState {
            link: LinkState::Connecting,
            waiting: 0,
            conflicts: 0,
            refused: 0,
            last_refusal: None,
            last_round: None,
        }
    }
}

/// How often to look for local changes to push.
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// How long the server may hold a long poll (its own limit is lower if need be).
const LONG_POLL_MS: u32 = 20_000;
/// Waits between attempts while the server cannot be reached: short at first, so that
/// work merges within a second of the link coming back; longer after a minute.
const RETRY_SOON: Duration = Duration::from_millis(500);
const RETRY_LATER: Duration = Duration::from_secs(5);
const SOON_FOR: Duration = Duration::from_secs(60);

/// The sync of one database. Clones share it (the SSH sessions of one account share
/// their replica's); it stops when the last is dropped.
#[derive(Clone)]
pub struct Background {
    state: Arc<Mutex<SyncState>>,
    /// Held, never read: dropping the last clone stops the sync.
    _stop: Arc<Stop>,
}

/// Set when the last [`Background`] for a sync goes.
struct Stop(Arc<AtomicBool>);

impl Drop for Stop {
    fn drop(&mut self) {
        // The thread notices within a quarter second; a round in flight is abandoned
        // (nothing is marked done before the server answers, so nothing is lost).
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Background {
    /// Start syncing the database at `db` as `login`, over HTTP to its server.
    pub fn start(db: PathBuf, login: Login) -> Background {
        match Client::new(&login.server) {
            Ok(client) => Background::start_over(db, login, move || client),
            Err(e) => {
                let state = SyncState { link: LinkState::SignedOut(e.to_string()), ..Default::default() };
                let stop = Arc::new(Stop(Arc::new(AtomicBool::new(true))));
                Background { state: Arc::new(Mutex::new(state)), _stop: stop }
            }
        }
    }

    /// Start syncing the database at `db` as `login` over the link `make` makes (on
    /// the sync's own thread).
    pub fn start_over<L: Link + 'static>(
        db: PathBuf,
        login: Login,
        make: impl FnOnce() -> L + Send + 'static,
    ) -> Background {
        let state = Arc::new(Mutex::new(SyncState::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        set(&st, |s| s.link = LinkState::SignedOut(format!("cannot start sync: {e}")));
                        return;
                    }
                };
                rt.block_on(run(db, login, make(), st, sp));
            })
            .expect("a thread for sync");
        Background { state, _stop: Arc::new(Stop(stop)) }
    }

    pub fn state(&self) -> SyncState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn set(state: &Mutex<SyncState>, f: impl FnOnce(&mut SyncState)) {
    if let Ok(mut s) = state.lock() {
        f(&mut s);
    }
}

/// The loop: push whatever waits (at once), and keep one long poll open so that
/// others' changes arrive as soon as the server has them. The push goes on a second
/// connection beside the poll; both answers carry pulled ops, applied as they come.
async fn run(
    db: PathBuf,
    mut login: Login,
    client: impl Link,
    state: Arc<Mutex<SyncState>>,
    stop: Arc<AtomicBool>,
) {
    let mut store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) => return set(&state, |s| s.link = LinkState::SignedOut(e.to_string())),
    };
    let mut poll: Option<Pin<Box<dyn Future<Output = client::Result<SyncResponse>> + '_>>> = None;
    let mut retry_at: Option<Instant> = None;
    let mut offline_since: Option<Instant> = None;
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        if retry_at.is_some_and(|t| Instant::now() < t) {
            tokio::time::sleep(LOOK_EVERY).await;
            continue;
        }
        let waiting = store.ops_waiting_to_push().unwrap_or(0);
        set(&state, |s| s.waiting = waiting);
        if waiting > 0 || offline_since.is_some() || first {
            let round = tokio::select! {
                r = client::sync(&mut store, &client, &mut login, 50) => r,
                _ = wait_for_stop(&stop) => return,
            };
            match round {
                Ok(report) => {
                    first = false;
                    offline_since = None;
                    retry_at = None;
                    online(&state, &store, &report.refused, report.waiting, report.conflicts);
                }
                Err(e) => {
                    poll = None;
                    let since = *offline_since.get_or_insert_with(Instant::now);
                    retry_at = Some(
                        Instant::now() + if since.elapsed() < SOON_FOR { RETRY_SOON } else { RETRY_LATER },
                    );
                    failed(&state, e);
                    continue;
                }
            }
        }
        if poll.is_none() {
            let mut req = match client::request(&store, vec![], &[], &Default::default()) {
                Ok(req) => req,
                Err(e) => {
                    retry_at = Some(Instant::now() + RETRY_SOON);
                    failed(&state, e);
                    continue;
                }
            };
            req.wait_ms = LONG_POLL_MS;
            let client = &client;
            let token = login.token.clone();
            poll = Some(Box::pin(async move { client.round(&token, &req).await }));
        }
        let answer = tokio::select! {
            a = poll.as_mut().expect("a poll is open") => Some(a),
            _ = tokio::time::sleep(LOOK_EVERY) => None,
        };
        if let Some(answer) = answer {
            poll = None;
            match answer.and_then(|a| client::take(&mut store, &a)) {
                Ok(_) => {
                    let conflicts = store.conflicts(None).map(|c| c.len()).unwrap_or(0);
                    let waiting = store.ops_waiting_to_push().unwrap_or(0);
                    online(&state, &store, &[], waiting, conflicts);
                }
                Err(e) => {
                    offline_since.get_or_insert_with(Instant::now);
                    retry_at = Some(Instant::now() + RETRY_SOON);
                    failed(&state, e);
                }
            }
        }
    }
}

fn online(state: &Mutex<SyncState>, store: &Store, refused: &[String], waiting: i64, conflicts: usize) {
    let refused_total = store.refused_count().unwrap_or(0);
    set(state, |s| {
        s.link = LinkState::Online;
        s.waiting = waiting;
        s.conflicts = conflicts;
        s.refused = refused_total;
        if let Some(why) = refused.last() {
            s.last_refusal = Some(why.clone());
        }
        s.last_round = Some(Utc::now());
    });
}

fn failed(state: &Mutex<SyncState>, e: ClientError) {
    set(state, |s| match e {
        ClientError::SignedOut(why) => s.link = LinkState::SignedOut(why),
        _ => {
            if !matches!(s.link, LinkState::Offline { .. }) {
                s.link = LinkState::Offline { since: Utc::now() };
            }
        }
    });
}

async fn wait_for_stop(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

//! Sync in the background while the TUI runs: its own thread, tokio runtime and
//! database connection, so the screen never waits for the network. A change made here
//! (or by a CLI command beside the TUI) is pushed within a quarter of a second; with
//! nothing to send, an idle round fetches others' changes every few seconds; while the
//! server cannot be reached, rounds back off and are retried. The UI reads [`SyncState`].

use super::client::{self, Client, ClientError, Login};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
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
/// An idle round with nothing to push, to fetch what others wrote.
const IDLE_EVERY: Duration = Duration::from_secs(3);
/// Longest wait between attempts while offline.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

pub struct Background {
    state: Arc<Mutex<SyncState>>,
    stop: Arc<AtomicBool>,
}

impl Background {
    /// Start syncing the database at `db` as `login`.
    pub fn start(db: PathBuf, login: Login) -> Background {
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
                rt.block_on(run(db, login, st, sp));
            })
            .expect("a thread for sync");
        Background { state, stop }
    }

    pub fn state(&self) -> SyncState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // The thread notices within a quarter second; a round in flight is abandoned
        // (nothing is marked done before the server answers, so nothing is lost).
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn set(state: &Mutex<SyncState>, f: impl FnOnce(&mut SyncState)) {
    if let Ok(mut s) = state.lock() {
        f(&mut s);
    }
}

async fn run(db: PathBuf, login: Login, state: Arc<Mutex<SyncState>>, stop: Arc<AtomicBool>) {
    let mut store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) => return set(&state, |s| s.link = LinkState::SignedOut(e.to_string())),
    };
    let client = match Client::new(&login.server) {
        Ok(c) => c,
        Err(e) => return set(&state, |s| s.link = LinkState::SignedOut(e.to_string())),
    };
    let mut next_round = Instant::now();
    let mut backoff = Duration::from_secs(1);
    let mut online = true;
    while !stop.load(Ordering::SeqCst) {
        let waiting = store.ops_waiting_to_push().unwrap_or(0);
        set(&state, |s| s.waiting = waiting);
        let due = Instant::now() >= next_round || (online && waiting > 0);
        if !due {
            tokio::time::sleep(LOOK_EVERY).await;
            continue;
        }
        let round = tokio::select! {
            r = client::sync(&mut store, &client, &login.token, 50) => r,
            _ = wait_for_stop(&stop) => return,
        };
        match round {
            Ok(report) => {
                online = true;
                backoff = Duration::from_secs(1);
                next_round = Instant::now() + IDLE_EVERY;
                let refused = store.rejected_ops().map(|r| r.len()).unwrap_or(0);
                set(&state, |s| {
                    s.link = LinkState::Online;
                    s.waiting = report.waiting;
                    s.conflicts = report.conflicts;
                    s.refused = refused;
                    if let Some(why) = report.refused.last() {
                        s.last_refusal = Some(why.clone());
                    }
                    s.last_round = Some(Utc::now());
                });
            }
            Err(ClientError::SignedOut(why)) => {
                set(&state, |s| s.link = LinkState::SignedOut(why));
                next_round = Instant::now() + MAX_BACKOFF * 4;
                online = false;
            }
            Err(_) => {
                if online {
                    set(&state, |s| s.link = LinkState::Offline { since: Utc::now() });
                }
                online = false;
                next_round = Instant::now() + backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

async fn wait_for_stop(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

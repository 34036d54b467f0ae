//! The guard at sign-in. Passwords are checked with argon2, which costs about 19 MiB
//! and tens of milliseconds each: a flood of sign-ins must neither fill the memory nor
//! let anyone guess passwords quickly. So:
//! - at most [`HASHING`] password checks run at once (a semaphore), the rest queue;
//! - each address and each account name may have only a few sign-ins under way at
//!   once on a server;
//! - after repeated failures an address or account name must wait, longer each time
//!   (back-off), before the next sign-in is even looked at. The failures are counted
//!   in the store, so that a guesser spreading guesses over several servers of one
//!   store has one budget, and a restart forgets nothing. The same rules hold for
//!   names that have no account, so the answers do not tell which names exist.

use super::{ServerError, ServerStore};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Password checks at once: argon2's memory (19 MiB each) times this is the bound.
pub const HASHING: usize = 2;

/// The limits for one kind of key.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Sign-ins under way at once.
    at_once: u32,
    /// Failures in a row before back-off starts.
    free_failures: u32,
    /// The longest wait.
    longest: Duration,
}

const BY_ADDRESS: Limits = Limits { at_once: 4, free_failures: 10, longest: Duration::from_secs(300) };
const BY_ACCOUNT: Limits = Limits { at_once: 2, free_failures: 5, longest: Duration::from_secs(900) };

/// One key a sign-in counts against (an address, an account name), as the store
/// keeps it: a hash, so the store holds neither.
#[derive(Debug, Clone)]
pub struct Tried {
    pub key: String,
    limits: Limits,
}

impl Tried {
    fn new(what: &str, limits: Limits) -> Tried {
        Tried { key: crate::text::sha256_hex(what.as_bytes()), limits }
    }

    /// How long the next sign-in waits after this many failures in a row: none while
    /// they are free, then 1 s, 2 s, 4 s, … up to the longest.
    pub fn wait_after(&self, failures: u32) -> Option<Duration> {
        let past = failures.checked_sub(self.limits.free_failures + 1)?;
        Some(Duration::from_secs(1 << past.min(16)).min(self.limits.longest))
    }
}

pub struct Guard {
    pub hashing: tokio::sync::Semaphore,
    /// Sign-ins under way on this server, by key.
    under_way: Mutex<HashMap<String, u32>>,
}

/// A sign-in let through: settle it with the outcome. Dropped, it is no longer under
/// way (also when its client went away before the outcome).
pub struct Pass<'g> {
    guard: &'g Guard,
    keys: [Tried; 2],
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut under_way = self.guard.under_way.lock().unwrap_or_else(|e| e.into_inner());
        for t in &self.keys {
            if let Some(n) = under_way.get_mut(&t.key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    under_way.remove(&t.key);
                }
            }
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Default for Guard {
    fn default() -> Guard {
        Guard { hashing: tokio::sync::Semaphore::new(HASHING), under_way: Default::default() }
    }
}

impl Guard {
    /// May a sign-in for `user` from `addr` go ahead now? Err: how long to wait.
    pub async fn admit(
        &self,
        store: &Arc<dyn ServerStore>,
        addr: Option<IpAddr>,
        user: &str,
    ) -> Result<Pass<'_>, Duration> {
        let keys = [
            Tried::new(&format!("addr {}", addr.map(|a| a.to_string()).unwrap_or_default()), BY_ADDRESS),
            Tried::new(&format!("user {}", crate::text::fold(user.trim())), BY_ACCOUNT),
        ];
        let pass = {
            let mut under_way = self.under_way.lock().unwrap_or_else(|e| e.into_inner());
            if keys.iter().any(|t| under_way.get(&t.key).is_some_and(|n| *n >= t.limits.at_once)) {
                return Err(Duration::from_secs(1));
            }
            for t in &keys {
                *under_way.entry(t.key.clone()).or_default() += 1;
            }
            Pass { guard: self, keys }
        };
        let (store, keys) = (store.clone(), pass.keys.iter().map(|t| t.key.clone()).collect::<Vec<_>>());
        match super::Offload::Blocking.run(move || store.sign_in_held(&keys)).await {
            Ok(until) if until > now_ms() => Err(Duration::from_millis((until - now_ms()).max(1) as u64)),
            Ok(_) => Ok(pass),
            Err(e) => {
                // The sign-in itself needs the store and fails with its own message.
                tracing::warn!(error = %e, "cannot read the sign-in failures");
                Ok(pass)
            }
        }
    }

    /// How the sign-in went, from its outcome: a success clears the failures, a
    /// failure counts. The server's own failure (its store down, say) is no guess and
    /// counts neither way.
    pub async fn settle<T>(
        &self,
        store: &Arc<dyn ServerStore>,
        pass: Pass<'_>,
        outcome: &Result<T, ServerError>,
    ) {
        let success = match outcome {
            Err(ServerError::Internal(_)) => return,
            other => other.is_ok(),
        };
        let (store, keys) = (store.clone(), pass.keys.to_vec());
        if let Err(e) = super::Offload::Blocking.run(move || store.sign_in_tried(&keys, success)).await {
            tracing::warn!(error = %e, "cannot count a sign-in's outcome");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Arc<dyn ServerStore>) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::server::SqliteServer::open(&dir.path().join("server.db")).unwrap();
        (dir, Arc::new(store))
    }

    fn wrong(g: &Guard, s: &Arc<dyn ServerStore>, addr: &str, user: &str) -> Result<(), Duration> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let p = g.admit(s, Some(addr.parse().unwrap()), user).await?;
            g.settle(s, p, &Err::<(), _>(ServerError::Unauthorized("wrong".into()))).await;
            Ok(())
        })
    }

    #[test]
    fn failures_back_off_and_success_clears_them() {
        let (_dir, s) = store();
        let g = Guard::default();
        for _ in 0..=BY_ACCOUNT.free_failures {
            wrong(&g, &s, "10.0.0.1", "kari").unwrap();
        }
        let wait = wrong(&g, &s, "10.0.0.1", "kari").expect_err("backed off");
        assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1), "{wait:?}");
        // Another account from another address is not held up by kari's.
        wrong(&g, &s, "10.0.0.2", "ola").unwrap();
        // Another server of the same store holds kari back too: the count is the store's.
        assert!(wrong(&Guard::default(), &s, "10.0.0.5", "Kari").is_err(), "held on every server");
        // A name with no account is treated the same as one that has.
        for _ in 0..=BY_ACCOUNT.free_failures {
            wrong(&g, &s, "10.0.0.3", "finnes-ikke").unwrap();
        }
        assert!(wrong(&g, &s, "10.0.0.4", "finnes-ikke").is_err());
        // A success clears the count.
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        rt.block_on(async {
            let p = g.admit(&s, Some("10.0.0.1".parse().unwrap()), "kari").await.unwrap();
            g.settle(&s, p, &Ok::<(), ServerError>(())).await;
        });
        wrong(&g, &s, "10.0.0.1", "kari").unwrap();
    }

    #[test]
    fn only_a_few_at_once_from_one_address() {
        let (_dir, s) = store();
        let g = Guard::default();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let addr = Some("10.0.0.9".parse().unwrap());
        rt.block_on(async {
            let mut passes = Vec::new();
            for i in 0..BY_ADDRESS.at_once {
                passes.push(g.admit(&s, addr, &format!("u{i}")).await.unwrap());
            }
            assert!(g.admit(&s, addr, "another").await.is_err(), "the fifth waits");
            drop(passes);
            assert!(g.admit(&s, addr, "another").await.is_ok());
        });
    }

    #[test]
    fn the_wait_doubles_up_to_the_longest() {
        let t = Tried::new("user kari", BY_ACCOUNT);
        assert_eq!(t.wait_after(BY_ACCOUNT.free_failures), None);
        assert_eq!(t.wait_after(BY_ACCOUNT.free_failures + 1), Some(Duration::from_secs(1)));
        assert_eq!(t.wait_after(BY_ACCOUNT.free_failures + 3), Some(Duration::from_secs(4)));
        assert_eq!(t.wait_after(60), Some(BY_ACCOUNT.longest));
    }
}

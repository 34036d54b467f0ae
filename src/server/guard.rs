//! The guard at sign-in. Passwords are checked with argon2, which costs about 19 MiB
//! and tens of milliseconds each: a flood of sign-ins must neither fill the memory nor
//! let anyone guess passwords quickly. So:
//! - at most [`HASHING`] password checks run at once (a semaphore), the rest queue;
//! - each address and each account name may have only a few sign-ins under way, and
//!   after repeated failures must wait, longer each time (back-off), before the next
//!   is even looked at. The same rules hold for names that have no account, so the
//!   answers do not tell which names exist.
//!
//! The state is in this process's memory: a restart forgets it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Password checks at once: argon2's memory (19 MiB each) times this is the bound.
pub const HASHING: usize = 2;

/// Per key (an address or an account name): sign-ins under way, failures in a row,
/// and when the next may be tried.
#[derive(Debug, Clone)]
struct Tries {
    under_way: u32,
    failures: u32,
    not_before: Instant,
    last: Instant,
}

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

pub struct Guard {
    pub hashing: tokio::sync::Semaphore,
    tries: Mutex<HashMap<String, Tries>>,
}

/// A sign-in let through: give it back with the outcome.
pub struct Pass {
    keys: [(String, Limits); 2],
}

impl Default for Guard {
    fn default() -> Self {
        Guard { hashing: tokio::sync::Semaphore::new(HASHING), tries: Mutex::new(HashMap::new()) }
    }
}

impl Guard {
    /// May a sign-in for `user` from `addr` go ahead now? Err: how long to wait.
    pub fn admit(&self, addr: Option<IpAddr>, user: &str) -> Result<Pass, Duration> {
        let now = Instant::now();
        let keys = [
            (format!("addr {}", addr.map(|a| a.to_string()).unwrap_or_default()), BY_ADDRESS),
            (format!("user {}", crate::text::fold(user.trim())), BY_ACCOUNT),
        ];
        let mut tries = self.tries.lock().unwrap_or_else(|e| e.into_inner());
        if tries.len() > 100_000 {
            // Forget the quiet ones, so that a flood of names cannot fill the memory.
            tries.retain(|_, t| t.under_way > 0 || now.duration_since(t.last) < Duration::from_secs(3600));
        }
        for (key, limits) in &keys {
            if let Some(t) = tries.get(key) {
                if t.not_before > now {
                    return Err(t.not_before - now);
                }
                if t.under_way >= limits.at_once {
                    return Err(Duration::from_secs(1));
                }
            }
        }
        for (key, _) in &keys {
            let t = tries.entry(key.clone()).or_insert(Tries {
                under_way: 0,
                failures: 0,
                not_before: now,
                last: now,
            });
            t.under_way += 1;
            t.last = now;
        }
        Ok(Pass { keys })
    }

    /// How the sign-in went, from its outcome: the server's own failure (its store
    /// down, say) is no guess, and counts neither way.
    pub fn settle<T>(&self, pass: Pass, outcome: &Result<T, super::ServerError>) {
        match outcome {
            Err(super::ServerError::Internal(_)) => self.done_as(pass, None),
            other => self.done_as(pass, Some(other.is_ok())),
        }
    }

    /// How the sign-in went: a success clears the failures, a failure counts and,
    /// past the free ones, makes the next wait (1 s, 2 s, 4 s, … up to the longest).
    pub fn done(&self, pass: Pass, success: bool) {
        self.done_as(pass, Some(success))
    }

    fn done_as(&self, pass: Pass, success: Option<bool>) {
        let now = Instant::now();
        let mut tries = self.tries.lock().unwrap_or_else(|e| e.into_inner());
        for (key, limits) in pass.keys {
            if let Some(t) = tries.get_mut(&key) {
                t.under_way = t.under_way.saturating_sub(1);
                t.last = now;
                let Some(success) = success else { continue };
                if success {
                    t.failures = 0;
                    t.not_before = now;
                } else {
                    t.failures += 1;
                    if t.failures > limits.free_failures {
                        let doublings = (t.failures - limits.free_failures - 1).min(16);
                        let wait = Duration::from_secs(1 << doublings).min(limits.longest);
                        t.not_before = now + wait;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_and_success_clears_them() {
        let g = Guard::default();
        let addr = Some("10.0.0.1".parse().unwrap());
        for _ in 0..BY_ACCOUNT.free_failures {
            let p = g.admit(addr, "kari").unwrap();
            g.done(p, false);
        }
        let p = g.admit(addr, "kari").unwrap();
        g.done(p, false);
        let wait = g.admit(addr, "kari").err().expect("backed off");
        assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1), "{wait:?}");
        // Another account from another address is not held up by kari's.
        let other = g.admit(Some("10.0.0.2".parse().unwrap()), "ola").unwrap();
        g.done(other, true);
        // A name with no account is treated the same as one that has.
        for _ in 0..=BY_ACCOUNT.free_failures {
            let p = g.admit(Some("10.0.0.3".parse().unwrap()), "finnes-ikke").unwrap();
            g.done(p, false);
        }
        assert!(g.admit(Some("10.0.0.4".parse().unwrap()), "finnes-ikke").is_err());
    }

    #[test]
    fn only_a_few_at_once_from_one_address() {
        let g = Guard::default();
        let addr = Some("10.0.0.9".parse().unwrap());
        let passes: Vec<Pass> =
            (0..BY_ADDRESS.at_once).map(|i| g.admit(addr, &format!("u{i}")).unwrap()).collect();
        assert!(g.admit(addr, "another").is_err(), "the fifth waits");
        for p in passes {
            g.done(p, true);
        }
        assert!(g.admit(addr, "another").is_ok());
    }
}

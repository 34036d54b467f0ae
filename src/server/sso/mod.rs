//! Single sign-on: the server is the only OpenID Connect client. A terminal (the CLI,
//! the TUI, an SSH session) never talks to the provider; it asks the server to start
//! a sign-in and gets a short code and an address that any browser can open (a phone
//! will do). The browser goes through the server to the provider (authorization code
//! with PKCE, the way every provider allows, ID-porten and Entra tenants that block
//! the device grant included), comes back to the server's callback, and the
//! terminal's next poll gets its session.
//!
//! Sign-ins under way are kept in this process's memory (ten minutes at most, a
//! bounded number): a restart asks the person to start again.

pub mod config;
mod pages;
pub mod provider;
pub mod recheck;
pub mod web;

use crate::domain::roles::Role;
use crate::sync::wire::{LoginResponse, SsoStartRequest, SsoStartResponse};
use config::SsoConfig;
use provider::{Begun, Person, Provider, SsoError};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A person as a provider vouched for them, and where they belong.
pub struct Vouched<'a> {
    pub provider: &'a str,
    pub org: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    /// What to make an account name of, if the person is new.
    pub hint: &'a str,
    /// What an administrator's link by name may match (lowercase).
    pub link_names: &'a [String],
    pub groups: &'a [String],
    pub refresh: Option<&'a str>,
}

/// An existing account an administrator linked to a provider's person before their
/// first sign-in: by the provider's subject, or by their sign-in name or verified
/// e-mail (`by_name`), until `expires_at` (ms).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SsoLink {
    pub provider: String,
    pub key: String,
    pub by_name: bool,
    pub account: String,
    pub expires_at: i64,
}

/// A person linked to an account, as the server asks their provider about them again.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub account: String,
    pub provider: String,
    pub refresh: String,
}

impl Person {
    /// The person as the store takes them, vouched for by `provider` of `org`.
    pub fn vouched<'a>(&'a self, provider: &'a str, org: &'a str) -> Vouched<'a> {
        Vouched {
            provider,
            org,
            issuer: &self.issuer,
            subject: &self.subject,
            hint: &self.hint,
            link_names: &self.link_names,
            groups: &self.groups,
            refresh: self.refresh.as_deref(),
        }
    }
}

/// One line of the server's audit: sign-ins, refusals, role changes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Audited {
    pub at: i64,
    pub event: String,
    pub account: Option<String>,
    pub org: Option<String>,
    pub provider: Option<String>,
    pub address: Option<String>,
    pub detail: String,
}

impl Audited {
    pub fn now(event: &str, detail: impl Into<String>) -> Audited {
        Audited {
            at: chrono::Utc::now().timestamp_millis(),
            event: event.into(),
            account: None,
            org: None,
            provider: None,
            address: None,
            detail: detail.into(),
        }
    }
}

/// What came from outside (a provider's error text, a name), as one line of plain
/// text: control characters and line breaks made spaces, at most 500 characters, so
/// that it cannot forge a line of the audit or the log.
pub fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(500).collect()
}

/// How long a started sign-in waits for the person.
pub const LIFETIME: Duration = Duration::from_secs(600);
/// Sign-ins under way at most (a flood of starts cannot fill the memory).
const MAX_UNDER_WAY: usize = 10_000;
/// Letters of a user code: no vowels (no words), none that look alike.
const CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// The replica that asked, to be bound to the session when it opens.
#[derive(Debug, Clone)]
pub struct Replica {
    pub device: String,
    pub origin: String,
    pub key: String,
}

/// How a sign-in under way stands, for the terminal's poll.
#[derive(Debug, Clone)]
pub enum Polled {
    Waiting,
    /// A replica's session opened.
    Done(Box<LoginResponse>),
    /// The account the provider vouched for (an SSH connection's sign-in: the SSH
    /// door opens its own replica).
    Person(String),
    Failed(String),
}

struct UnderWay {
    poll: String,
    provider: Option<usize>,
    started: Instant,
    /// Where the request to start came from (each address gets a share).
    from: Option<std::net::IpAddr>,
    /// The replica to open a session for; none for an SSH connection.
    replica: Option<Replica>,
    /// On the way to the provider: which, what to keep, and the hash of the cookie
    /// of the browser that went.
    begun: Option<(usize, Begun, String)>,
    outcome: Option<Polled>,
}

/// Sign-ins under way by their code, and the codes by their poll token's hash.
#[derive(Default)]
struct Held {
    by_code: HashMap<String, UnderWay>,
    by_poll: HashMap<String, String>,
}

impl Held {
    fn forget_old(&mut self) {
        let by_poll = &mut self.by_poll;
        self.by_code.retain(|_, u| {
            let keep = u.started.elapsed() < LIFETIME;
            if !keep {
                by_poll.remove(&u.poll);
            }
            keep
        });
    }

    fn remove(&mut self, code: &str) -> Option<UnderWay> {
        let u = self.by_code.remove(code)?;
        self.by_poll.remove(&u.poll);
        Some(u)
    }
}

/// Why a start is refused.
pub enum Refusal {
    /// Too many under way (from this address, or in all): try again in this many s.
    Busy(u64),
    Bad(String),
}

impl From<String> for Refusal {
    fn from(s: String) -> Refusal {
        Refusal::Bad(s)
    }
}

/// Why a browser cannot go on to the provider.
pub enum BrowseError {
    Unreachable(String),
    Refused(String),
}

/// Sign-ins under way from one address at most: a flood from one place cannot take
/// every other person's turn.
const PER_ADDRESS: usize = 20;

pub const UNKNOWN_CODE: &str =
    "this code is not known, has been used, or is more than ten minutes old: start again from your terminal";

/// What the browser is shown or sent to for a code.
pub enum Browse {
    /// To the provider, to sign in.
    Provider(String),
    /// Choose one of these (name, organisation).
    Choose(Vec<(String, String)>),
}

pub struct Sso {
    pub public_url: String,
    pub recheck: Duration,
    pub providers: Vec<Provider>,
    under_way: Mutex<Held>,
    /// The people (issuer, subject) whose provider is being asked about them now: one
    /// ask at a time per person, so that a refresh token the provider rotates is never
    /// used twice (which providers that detect reuse punish by revoking the grant).
    asking: Mutex<std::collections::HashSet<(String, String)>>,
}

/// Held while a person's provider is asked about them (see `Sso::asking`).
pub struct Asking<'a> {
    sso: &'a Sso,
    who: (String, String),
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        self.sso.asking.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.who);
    }
}

fn user_code() -> String {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("the system's random source");
    let letters: String =
        bytes.iter().map(|b| CODE_LETTERS[*b as usize % CODE_LETTERS.len()] as char).collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// A code as a person may type it: any case, with or without the dash or spaces.
pub fn normal_code(typed: &str) -> String {
    let letters: String =
        typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

impl Sso {
    /// Single sign-on as configured; providers that cannot be set up are left out
    /// with a warning each.
    pub fn new(config: SsoConfig) -> (Sso, Vec<String>) {
        let mut warnings = Vec::new();
        let mut providers = Vec::new();
        for p in config.providers {
            let name = p.name.clone();
            match Provider::new(p, &config.public_url) {
                Ok(p) => providers.push(p),
                Err(e) => warnings.push(format!("[[sso.provider]] {name}: {e}; left out")),
            }
        }
        let sso = Sso {
            public_url: config.public_url,
            recheck: crate::domain::time::parse_interval(&config.recheck).unwrap_or(Duration::from_secs(900)),
            providers,
            under_way: Mutex::new(Held::default()),
            asking: Mutex::new(Default::default()),
        };
        (sso, warnings)
    }

    /// The turn to ask about this person, unless someone is asking already.
    pub fn ask_about(&self, issuer: &str, subject: &str) -> Option<Asking<'_>> {
        let who = (issuer.to_string(), subject.to_string());
        self.asking
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(who.clone())
            .then_some(Asking { sso: self, who })
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.under_way.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn provider(&self, name: &str) -> Option<(usize, &Provider)> {
        self.providers.iter().enumerate().find(|(_, p)| p.config.name == name)
    }

    /// A terminal asks to sign in: its code, the page, its poll token.
    pub fn start(
        &self,
        req: &SsoStartRequest,
        from: Option<std::net::IpAddr>,
    ) -> Result<SsoStartResponse, Refusal> {
        let provider = match req.provider.as_str() {
            "" if self.providers.len() == 1 => Some(0),
            "" => None,
            name => Some(self.provider(name).map(|(i, _)| i).ok_or_else(|| {
                let names: Vec<&str> = self.providers.iter().map(|p| p.config.name.as_str()).collect();
                format!("there is no identity provider '{name}' here; there are: {}", names.join(", "))
            })?),
        };
        if self.providers.is_empty() {
            return Err(Refusal::Bad("this server has no identity provider that can be used".into()));
        }
        let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(80).collect() };
        if req.origin.is_empty() || clean(&req.origin) != req.origin {
            return Err(Refusal::Bad("the sign-in must name its replica (a plain id)".into()));
        }
        let message = crate::keys::login_message(crate::sync::wire::SSO_USER, &req.origin, &req.key);
        if !crate::keys::verify(&req.key, &message, &req.proof) {
            return Err(Refusal::Bad(
                "the sign-in must carry the replica's key and its proof; update sitroom".into(),
            ));
        }
        let replica =
            Replica { device: clean(&req.device), origin: req.origin.clone(), key: req.key.clone() };
        let (code, poll) = self.under_way(provider, Some(replica), from)?;
        Ok(SsoStartResponse {
            verification_uri: format!("{}/sso", self.public_url),
            verification_uri_complete: format!("{}/sso?code={code}", self.public_url),
            user_code: code,
            poll_token: poll,
            interval: 2,
            expires_in: LIFETIME.as_secs() as u32,
        })
    }

    /// The provider a terminal's sign-in under way goes through, if it is settled
    /// already (named, or the only one), with its replica.
    pub fn chosen(&self, code: &str) -> Option<(usize, Replica)> {
        let held = self.held();
        let u = held.by_code.get(code)?;
        Some((u.provider?, u.replica.clone()?))
    }

    /// An SSH connection's sign-in: its code, its poll token, and the page (with the
    /// code) to open.
    pub fn start_for_ssh(&self) -> Result<(String, String, String), String> {
        if self.providers.is_empty() {
            return Err("this server has no identity provider that can be used".into());
        }
        let provider = (self.providers.len() == 1).then_some(0);
        let (code, poll) = self.under_way(provider, None, None).map_err(|e| match e {
            Refusal::Busy(_) => "too many sign-ins under way; try again in a few minutes".to_string(),
            Refusal::Bad(why) => why,
        })?;
        let page = format!("{}/sso?code={code}", self.public_url);
        Ok((code, poll, page))
    }

    /// A sign-in under way, kept: its code and poll token.
    fn under_way(
        &self,
        provider: Option<usize>,
        replica: Option<Replica>,
        from: Option<std::net::IpAddr>,
    ) -> Result<(String, String), Refusal> {
        let mut held = self.held();
        held.forget_old();
        // How long until the oldest of the lot ends: when to try again.
        let wait = |mut of: Vec<Instant>| {
            of.sort();
            of.first().map_or(60, |t| LIFETIME.saturating_sub(t.elapsed()).as_secs().max(1))
        };
        let here: Vec<Instant> =
            held.by_code.values().filter(|u| from.is_some() && u.from == from).map(|u| u.started).collect();
        if here.len() >= PER_ADDRESS {
            return Err(Refusal::Busy(wait(here)));
        }
        if held.by_code.len() >= MAX_UNDER_WAY {
            return Err(Refusal::Busy(wait(held.by_code.values().map(|u| u.started).collect())));
        }
        let code = loop {
            let c = user_code();
            if !held.by_code.contains_key(&c) {
                break c;
            }
        };
        let poll = crate::server::secrets::new_token();
        let hash = crate::server::secrets::token_hash(&poll);
        held.by_poll.insert(hash.clone(), code.clone());
        held.by_code.insert(
            code.clone(),
            UnderWay {
                poll: hash,
                provider,
                started: Instant::now(),
                from,
                replica,
                begun: None,
                outcome: None,
            },
        );
        Ok((code, poll))
    }

    /// Who asks to be signed in with `code`: the device and how many minutes ago.
    pub fn asking(&self, code: &str) -> Option<(String, u64)> {
        let held = self.held();
        let u = held
            .by_code
            .get(&normal_code(code))
            .filter(|u| u.started.elapsed() < LIFETIME && u.outcome.is_none())?;
        let device = match &u.replica {
            Some(r) => r.device.clone(),
            None => "SSH".into(),
        };
        Some((device, u.started.elapsed().as_secs() / 60))
    }

    /// A browser goes on with the code (and perhaps a chosen provider, when the
    /// terminal chose none); `browser` is the cookie it is given, to come back with.
    pub async fn browse(
        &self,
        code: &str,
        chosen: Option<&str>,
        browser: &str,
    ) -> Result<Browse, BrowseError> {
        let code = normal_code(code);
        let provider = {
            let held = self.held();
            let u = held
                .by_code
                .get(&code)
                .filter(|u| u.started.elapsed() < LIFETIME && u.outcome.is_none())
                .ok_or(BrowseError::Refused(UNKNOWN_CODE.into()))?;
            // The terminal's choice holds; the page chooses only when it made none.
            match u.provider.or_else(|| chosen.and_then(|c| self.provider(c)).map(|(i, _)| i)) {
                Some(i) => i,
                None => {
                    return Ok(Browse::Choose(
                        self.providers
                            .iter()
                            .map(|p| (p.config.name.clone(), p.config.org.clone()))
                            .collect(),
                    ))
                }
            }
        };
        let begun = match self.providers[provider].begin().await {
            Ok(b) => b,
            Err(e) => {
                // The terminal hears why too, rather than waiting ten minutes.
                let why = e.to_string();
                self.ended(&code, Polled::Failed(why.clone()));
                return Err(match e {
                    SsoError::Unreachable(_) => BrowseError::Unreachable(why),
                    _ => BrowseError::Refused(why),
                });
            }
        };
        let url = begun.url.clone();
        let mut held = self.held();
        let u = held
            .by_code
            .get_mut(&code)
            .ok_or(BrowseError::Refused("this sign-in has ended: start again from your terminal".into()))?;
        u.begun = Some((provider, begun, crate::server::secrets::token_hash(browser)));
        Ok(Browse::Provider(url))
    }

    /// The sign-in whose browser came back with `state` (and the cookie it was given
    /// on the way out): its code, provider and what was kept for the way back.
    /// Taken, so that a state is used once.
    pub fn returned(&self, state: &str, browser: &str) -> Option<(String, usize, Begun, Option<Replica>)> {
        let mut held = self.held();
        let browser = crate::server::secrets::token_hash(browser);
        let (code, u) = held.by_code.iter_mut().find(|(_, u)| {
            u.outcome.is_none() && u.begun.as_ref().is_some_and(|(_, b, _)| constant_eq(&b.state, state))
        })?;
        let (provider, begun, went) = u.begun.take()?;
        // Another browser than the one that went: a forwarded link is not theirs.
        if u.started.elapsed() >= LIFETIME || !constant_eq(&went, &browser) {
            return None;
        }
        Some((code.clone(), provider, begun, u.replica.clone()))
    }

    /// How the sign-in with `code` ended, for its terminal.
    pub fn ended(&self, code: &str, outcome: Polled) {
        if let Some(u) = self.held().by_code.get_mut(code) {
            u.outcome = Some(outcome);
        }
    }

    /// The terminal's poll: waiting, done (the session, given once), or failed.
    pub fn poll(&self, poll_token: &str) -> Option<Polled> {
        let hash = crate::server::secrets::token_hash(poll_token);
        let mut held = self.held();
        let code = held.by_poll.get(&hash)?.clone();
        let u = held.by_code.get(&code)?;
        if u.started.elapsed() >= LIFETIME && u.outcome.is_none() {
            held.remove(&code);
            return Some(Polled::Failed("nobody signed in within ten minutes; start again".into()));
        }
        match &u.outcome {
            None => Some(Polled::Waiting),
            Some(_) => held.remove(&code).and_then(|u| u.outcome),
        }
    }

    /// The person a provider vouches for after the browser came back with a code.
    pub async fn person(&self, provider: usize, code: &str, begun: &Begun) -> Result<Person, SsoError> {
        self.providers[provider].finish(code, begun).await
    }
}

/// Comparing secrets without telling by the time how much matched.
fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Roles in words for the audit.
pub fn roles_said(roles: &[Role]) -> String {
    if roles.is_empty() {
        "no roles".into()
    } else {
        roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_easy_to_read_and_type() {
        let c = user_code();
        assert_eq!(c.len(), 9);
        assert!(c.chars().all(|ch| ch == '-' || CODE_LETTERS.contains(&(ch as u8))), "{c}");
        assert_eq!(normal_code(&c.to_lowercase().replace('-', " ")), c);
        assert_ne!(user_code(), user_code());
    }
}

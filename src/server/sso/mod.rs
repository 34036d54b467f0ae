//! Single sign-on: the server is the only OpenID Connect client. A terminal (the CLI,
//! the TUI, an SSH session) never talks to the provider; it asks the server to start
//! a sign-in and gets a short code and an address that any browser can open (a phone
//! will do). The browser goes through the server to the provider (authorization code
//! with PKCE, the way every provider allows, ID-porten and Entra tenants that block
//! the device grant included), comes back to the server's callback, and the
//! terminal's next poll gets its session.
//!
//! Sign-ins under way are kept by the store (ten minutes at most, a bounded number),
//! so that several servers of one store take each other's steps: the terminal's poll,
//! the browser and the provider's way back need not reach the same server.

pub mod config;
mod pages;
pub mod provider;
pub mod recheck;
pub mod web;

use crate::domain::roles::Role;
use crate::server::ServerStore;
use crate::sync::wire::{LoginResponse, SsoStartRequest, SsoStartResponse};
use config::SsoConfig;
use provider::{Begun, Person, Provider, SsoError};
use std::time::Duration;

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

/// How long a turn to ask a provider about a person is held: past any ask (a
/// provider's answer is waited for 15 s at most), so that no second ask, on any
/// server, uses the same refresh token meanwhile.
pub const ASKING: Duration = Duration::from_secs(120);

/// How long a started sign-in waits for the person.
pub const LIFETIME: Duration = Duration::from_secs(600);
/// Sign-ins under way at most (a flood of starts cannot fill the store).
const MAX_UNDER_WAY: usize = 10_000;
/// Letters of a user code: no vowels (no words), none that look alike.
const CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// The replica that asked, to be bound to the session when it opens.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

/// How a sign-in ended, as the store keeps it until the terminal polls: the session
/// itself is opened only then, by the server the poll reaches, so that no session
/// token ever rests in the store.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// The account the provider vouched for.
    Account(String),
    Failed(String),
}

/// A sign-in under way, kept by the store: the terminal's start and polls, the
/// browser's pages and the provider's way back may each reach another server of
/// the same store (behind a load balancer), and any of them takes the next step.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    pub code: String,
    /// The hash of the terminal's poll token.
    pub poll: String,
    /// The provider, by name, once chosen.
    pub provider: Option<String>,
    /// When it started (ms).
    pub started: i64,
    /// Where the request to start came from (each address gets a share).
    pub from: Option<String>,
    /// The replica to open a session for; none for an SSH connection.
    pub replica: Option<Replica>,
    /// On the way to the provider: what to keep for the way back, and the hash of the
    /// cookie of the browser that went.
    pub begun: Option<(Begun, String)>,
    pub outcome: Option<Outcome>,
}

impl Pending {
    /// As the store keeps it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data")
    }

    /// As the store kept it.
    pub fn from_json(text: &str) -> Result<Pending, String> {
        serde_json::from_str(text).map_err(|e| format!("a sign-in under way: {e}"))
    }

    fn age(&self) -> Duration {
        let ms = chrono::Utc::now().timestamp_millis().saturating_sub(self.started);
        Duration::from_millis(ms.max(0) as u64)
    }

    fn live(&self) -> bool {
        self.age() < LIFETIME
    }
}

/// How a sign-in under way is found in the store.
#[derive(Debug, Clone)]
pub enum Find {
    Code(String),
    /// By the hash of its poll token.
    Poll(String),
}

/// Why a start is refused.
pub enum Refusal {
    /// Too many under way (from this address, or in all): try again in this many s.
    Busy(u64),
    Bad(String),
    /// The server's own failure (its store).
    Failed(String),
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
pub const PER_ADDRESS: usize = 20;

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

/// The store's work, off the async threads (a database may be a network away).
async fn kept<T: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&dyn ServerStore) -> crate::server::Result<T> + Send + 'static,
) -> crate::server::Result<T> {
    let store = store.clone();
    crate::server::Offload::Blocking.run(move || f(&*store)).await
}

type Store = std::sync::Arc<dyn ServerStore>;

/// A sign-in under way by its code, if it is still waiting for the person; a store
/// that fails is logged and taken as no sign-in.
async fn waiting(store: &Store, code: &str) -> Option<Pending> {
    let code = code.to_string();
    match kept(store, move |s| s.sso_pending(&Find::Code(code))).await {
        Ok(p) => p.filter(|p| p.live() && p.outcome.is_none()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read a sign-in under way");
            None
        }
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
        };
        (sso, warnings)
    }

    pub fn provider(&self, name: &str) -> Option<(usize, &Provider)> {
        self.providers.iter().enumerate().find(|(_, p)| p.config.name == name)
    }

    /// A terminal asks to sign in: its code, the page, its poll token.
    pub async fn start(
        &self,
        store: &Store,
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
        let (code, poll) = self.under_way(store, provider, Some(replica), from).await?;
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
    /// already (named, or the only one).
    pub async fn chosen(&self, store: &Store, code: &str) -> Option<usize> {
        let p = waiting(store, code).await.filter(|p| p.replica.is_some())?;
        Some(self.provider(p.provider.as_deref()?)?.0)
    }

    /// An SSH connection's sign-in: its code, its poll token, and the page (with the
    /// code) to open.
    pub async fn start_for_ssh(
        &self,
        store: &Store,
        from: std::net::IpAddr,
    ) -> Result<(String, String, String), String> {
        if self.providers.is_empty() {
            return Err("this server has no identity provider that can be used".into());
        }
        let provider = (self.providers.len() == 1).then_some(0);
        let (code, poll) = self.under_way(store, provider, None, Some(from)).await.map_err(|e| match e {
            Refusal::Busy(_) => "too many sign-ins under way; try again in a few minutes".to_string(),
            Refusal::Bad(why) | Refusal::Failed(why) => why,
        })?;
        let page = format!("{}/sso?code={code}", self.public_url);
        Ok((code, poll, page))
    }

    /// A sign-in under way, kept: its code and poll token.
    async fn under_way(
        &self,
        store: &Store,
        provider: Option<usize>,
        replica: Option<Replica>,
        from: Option<std::net::IpAddr>,
    ) -> Result<(String, String), Refusal> {
        let poll = crate::server::secrets::new_token();
        let mut pending = Pending {
            code: user_code(),
            poll: crate::server::secrets::token_hash(&poll),
            provider: provider.map(|i| self.providers[i].config.name.clone()),
            started: chrono::Utc::now().timestamp_millis(),
            from: from.map(|a| a.to_string()),
            replica,
            begun: None,
            outcome: None,
        };
        // A code taken already (one in 20^8) is drawn again.
        for _ in 0..8 {
            let p = pending.clone();
            let added = kept(store, move |s| s.sso_pending_add(&p, PER_ADDRESS, MAX_UNDER_WAY)).await;
            match added.map_err(|e| Refusal::Failed(e.to_string()))? {
                Added::Kept => return Ok((pending.code, poll)),
                // How long until the oldest of the lot ends: when to try again.
                Added::Busy { oldest } => {
                    let ends = oldest + LIFETIME.as_millis() as i64 - chrono::Utc::now().timestamp_millis();
                    return Err(Refusal::Busy((ends / 1000).max(1) as u64));
                }
                Added::CodeTaken => pending.code = user_code(),
            }
        }
        Err(Refusal::Failed("no free sign-in code was found".into()))
    }

    /// Who asks to be signed in with `code`: the device and how many minutes ago.
    pub async fn asking(&self, store: &Store, code: &str) -> Option<(String, u64)> {
        let p = waiting(store, &normal_code(code)).await?;
        let device = match &p.replica {
            Some(r) => r.device.clone(),
            None => "SSH".into(),
        };
        Some((device, p.age().as_secs() / 60))
    }

    /// A browser goes on with the code (and perhaps a chosen provider, when the
    /// terminal chose none); `browser` is the cookie it is given, to come back with.
    pub async fn browse(
        &self,
        store: &Store,
        code: &str,
        chosen: Option<&str>,
        browser: &str,
    ) -> Result<Browse, BrowseError> {
        let code = normal_code(code);
        let mut pending = waiting(store, &code).await.ok_or(BrowseError::Refused(UNKNOWN_CODE.into()))?;
        // The terminal's choice holds; the page chooses only when it made none.
        let named = pending.provider.as_deref().or(chosen);
        let Some((provider, _)) = named.and_then(|n| self.provider(n)) else {
            return Ok(Browse::Choose(
                self.providers.iter().map(|p| (p.config.name.clone(), p.config.org.clone())).collect(),
            ));
        };
        let begun = match self.providers[provider].begin().await {
            Ok(b) => b,
            Err(e) => {
                // The terminal hears why too, rather than waiting ten minutes.
                let why = e.to_string();
                self.ended(store, &code, Outcome::Failed(why.clone())).await;
                return Err(match e {
                    SsoError::Unreachable(_) => BrowseError::Unreachable(why),
                    _ => BrowseError::Refused(why),
                });
            }
        };
        let url = begun.url.clone();
        let state = begun.state.clone();
        pending.provider = Some(self.providers[provider].config.name.clone());
        pending.begun = Some((begun, crate::server::secrets::token_hash(browser)));
        let kept = kept(store, move |s| s.sso_pending_put(&pending, Some(&state))).await.map_err(|e| {
            tracing::warn!(error = %e, "cannot keep a sign-in under way");
            BrowseError::Refused("this sign-in cannot go on now: start again from your terminal".into())
        })?;
        // Ended meanwhile (through its provider's own device page, say): it stays as
        // it ended.
        if !kept {
            return Err(BrowseError::Refused(UNKNOWN_CODE.into()));
        }
        Ok(Browse::Provider(url))
    }

    /// The sign-in whose browser came back with `state` (and the cookie it was given
    /// on the way out): its code, provider and what was kept for the way back.
    /// Taken, so that a state is used once.
    pub async fn returned(
        &self,
        store: &Store,
        state: &str,
        browser: &str,
    ) -> Option<(String, usize, Begun, Option<Replica>)> {
        let state = state.to_string();
        let p = match kept(store, move |s| s.sso_pending_went(&state)).await {
            Ok(p) => p?,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a sign-in under way");
                return None;
            }
        };
        let (begun, went) = p.begun.clone()?;
        let browser = crate::server::secrets::token_hash(browser);
        // Another browser than the one that went: a forwarded link is not theirs.
        if !p.live() || p.outcome.is_some() || !constant_eq(&went, &browser) {
            return None;
        }
        let (provider, _) = self.provider(p.provider.as_deref()?)?;
        Some((p.code, provider, begun, p.replica))
    }

    /// How the sign-in with `code` ended, for its terminal (the first ending holds).
    pub async fn ended(&self, store: &Store, code: &str, outcome: Outcome) {
        let code = code.to_string();
        let kept = kept(store, move |s| {
            let Some(mut p) = s.sso_pending(&Find::Code(code))? else { return Ok(()) };
            p.outcome = Some(outcome);
            s.sso_pending_put(&p, None).map(drop)
        })
        .await;
        if let Err(e) = kept {
            tracing::warn!(error = %e, "cannot keep how a sign-in ended");
        }
    }

    /// The terminal's poll: waiting, done (the session, opened now and given once),
    /// or failed. None: no such sign-in.
    pub async fn poll(&self, store: &Store, poll_token: &str) -> Option<Polled> {
        let hash = crate::server::secrets::token_hash(poll_token);
        let found = kept(store, move |s| {
            let Some(p) = s.sso_pending(&Find::Poll(hash))? else { return Ok(None) };
            if p.live() && p.outcome.is_none() {
                return Ok(Some(Polled::Waiting));
            }
            // Ended (or too old): given once, to whichever poll removes it.
            if !s.sso_pending_remove(&p.code)? {
                return Ok(None);
            }
            Ok(Some(match (p.outcome, p.replica) {
                (None, _) => Polled::Failed("nobody signed in within ten minutes; start again".into()),
                (Some(Outcome::Failed(why)), _) => Polled::Failed(why),
                (Some(Outcome::Account(name)), None) => Polled::Person(name),
                (Some(Outcome::Account(name)), Some(replica)) => match session_for(s, &name, &replica) {
                    Ok(login) => Polled::Done(Box::new(login)),
                    Err(e) => Polled::Failed(e.to_string()),
                },
            }))
        })
        .await;
        found.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read a sign-in under way");
            None
        })
    }

    /// The person a provider vouches for after the browser came back with a code.
    pub async fn person(&self, provider: usize, code: &str, begun: &Begun) -> Result<Person, SsoError> {
        self.providers[provider].finish(code, begun).await
    }
}

/// What the store says to a sign-in to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Kept,
    /// Too many under way (from its address, or in all): when the oldest of them
    /// started (ms).
    Busy {
        oldest: i64,
    },
    /// Its code is another's under way.
    CodeTaken,
}

/// A session for `replica` of `account`, as a password's sign-in gives one.
fn session_for(
    store: &dyn ServerStore,
    account: &str,
    replica: &Replica,
) -> crate::server::Result<LoginResponse> {
    let who = store
        .account_principal(account)?
        .ok_or_else(|| crate::server::ServerError::Unauthorized(format!("there is no account {account}")))?;
    let (token, expires_at) =
        store.open_replica(&who.name, &replica.device, &replica.origin, &replica.key)?;
    Ok(LoginResponse {
        epoch: store.epoch()?,
        server_key: store.public_key(),
        certificate: store.certify(&replica.origin, &who.org),
        token,
        user: who.name.clone(),
        org: who.org.clone(),
        roles: who.roles.clone(),
        superadmin: who.superadmin,
        expires_at,
    })
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

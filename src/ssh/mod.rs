//! `sitroom serve --ssh ADDR`: the server also speaks SSH, and each staff member who
//! connects gets their own sitroom TUI, with their roles, in their organisation, on
//! the server's data (through their account's replica, see [`replicas`]). Nothing to
//! install on the machine they sit at; over a slow link only changed cells cross it.
//!
//! Who connects is decided by the accounts' registered public keys (after russh has
//! verified the signature) or, on a borrowed machine, the account's password asked by
//! keyboard-interactive (argon2, behind the same guard as sign-ins over HTTP). The
//! doors are kept narrow: a second to every refusal, a few attempts per connection, a
//! few connections per address still signing in, a minute to sign in, sessions per
//! account and in all capped, an idle limit, and keep-alives that notice a dead link.

mod handler;
pub mod replicas;
mod session;
mod terminal;

use crate::i18n::Lang;
use crate::server::Serving;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the SSH door is run (`sitroom serve --ssh …`).
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// Where the accounts' folders (replica and settings) are kept.
    pub dir: PathBuf,
    /// Sessions open at once, in all.
    pub max_sessions: usize,
    /// Sessions open at once, per account.
    pub max_per_account: usize,
    /// A session with no input for this long ends (its draft is kept).
    pub idle: Option<Duration>,
    /// The language of sessions whose account and connection say none.
    pub lang: Lang,
    pub incident_types: Vec<String>,
    pub channels: crate::config::Channels,
    pub installation: Option<String>,
}

impl SshOptions {
    pub fn new(dir: PathBuf, lang: Lang) -> SshOptions {
        SshOptions {
            dir,
            max_sessions: 256,
            max_per_account: 8,
            idle: Some(Duration::from_secs(12 * 3600)),
            lang,
            incident_types: crate::config::Config::default().incident_types(),
            channels: Default::default(),
            installation: None,
        }
    }
}

/// Connections from one address that have not signed in yet, at most.
const SIGNING_IN_PER_ADDRESS: usize = 8;
/// Connections that have not signed in yet, at most, in all.
const SIGNING_IN: usize = 256;
/// Time to sign in before the connection is closed.
const GRACE: Duration = Duration::from_secs(60);
/// With single sign-on, time to open a page on another device and sign in there.
const GRACE_SSO: Duration = Duration::from_secs(300);
/// Every refusal takes this long (russh waits it out), so guessing is slow and the
/// answer's timing tells nothing.
const REJECTION: Duration = Duration::from_secs(1);
/// Sign-in attempts per connection.
const ATTEMPTS: usize = 6;

/// What every connection shares.
pub struct Ctx {
    serving: Arc<Serving>,
    options: SshOptions,
    pool: Arc<replicas::Pool>,
    counts: Mutex<Counts>,
    /// Set when the server stops: sessions end, keeping their drafts.
    stopping: Arc<AtomicBool>,
}

/// Places taken, per key (an address, an account) and in all.
struct Places<K> {
    per: HashMap<K, usize>,
    total: usize,
}

impl<K> Default for Places<K> {
    fn default() -> Self {
        Places { per: HashMap::new(), total: 0 }
    }
}

impl<K: std::hash::Hash + Eq + Clone> Places<K> {
    /// Take a place for `key`, or say which limit is reached.
    fn take(&mut self, key: &K, per_key: usize, in_all: usize) -> Result<(), Full> {
        if self.per.get(key).copied().unwrap_or(0) >= per_key {
            return Err(Full::Account);
        }
        if self.total >= in_all {
            return Err(Full::Server);
        }
        *self.per.entry(key.clone()).or_default() += 1;
        self.total += 1;
        Ok(())
    }

    fn give_back(&mut self, key: &K) {
        self.total -= 1;
        if let Some(n) = self.per.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                self.per.remove(key);
            }
        }
    }
}

#[derive(Default)]
struct Counts {
    signing_in: Places<IpAddr>,
    sessions: Places<String>,
}

/// A place among the connections still signing in; given back on drop.
struct SigningIn {
    ctx: Arc<Ctx>,
    addr: IpAddr,
}

impl Drop for SigningIn {
    fn drop(&mut self) {
        self.ctx.counts().signing_in.give_back(&self.addr);
    }
}

/// A place among the open sessions; given back on drop.
pub struct SessionSlot {
    ctx: Arc<Ctx>,
    account: String,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.ctx.counts().sessions.give_back(&self.account);
    }
}

/// Why a session could not open: the account's (or address's) limit, or the server's.
pub enum Full {
    Account,
    Server,
}

impl Ctx {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn signing_in(self: &Arc<Self>, addr: IpAddr) -> Option<SigningIn> {
        self.counts().signing_in.take(&addr, SIGNING_IN_PER_ADDRESS, SIGNING_IN).ok()?;
        Some(SigningIn { ctx: self.clone(), addr })
    }

    fn session(self: &Arc<Self>, account: &str) -> Result<SessionSlot, Full> {
        let account = account.to_string();
        self.counts().sessions.take(&account, self.options.max_per_account, self.options.max_sessions)?;
        Ok(SessionSlot { ctx: self.clone(), account })
    }

    /// Sessions open now.
    pub fn sessions(&self) -> usize {
        self.counts().sessions.total
    }
}

/// Serve SSH on `listener` until `shutdown` completes; then open sessions are ended
/// (their drafts kept) within a few seconds.
pub async fn serve(
    listener: tokio::net::TcpListener,
    serving: Arc<Serving>,
    options: SshOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let config = Arc::new(russh::server::Config {
        server_id: russh::SshId::Standard(format!("SSH-2.0-sitroom_{}", env!("CARGO_PKG_VERSION")).into()),
        // The password by keyboard-interactive only: offering the "password" method
        // too makes OpenSSH ask a second time after a wrong one.
        methods: russh::MethodSet::from(
            &[russh::MethodKind::PublicKey, russh::MethodKind::KeyboardInteractive][..],
        ),
        auth_rejection_time: REJECTION,
        // OpenSSH asks "none" first only to learn the methods: no wait for that.
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![serving.store.ssh_host_key().clone()],
        max_auth_attempts: ATTEMPTS,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    });
    let pool = replicas::Pool::new(options.dir.clone(), serving.clone(), options.channels.clone());
    let ctx = Arc::new(Ctx {
        serving,
        options,
        pool,
        counts: Mutex::new(Counts::default()),
        stopping: Arc::new(AtomicBool::new(false)),
    });
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = crate::server::accept(&listener) => accepted,
            _ = &mut shutdown => break,
        };
        let Some(place) = ctx.signing_in(peer.ip()) else {
            tracing::warn!(%peer, "ssh: too many connections signing in; closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (stream, socket) = terminal::Counted::new(stream);
        let handler = handler::Conn::new(ctx.clone(), peer, place, socket);
        let signed_in = handler.signed_in_flag();
        let config = config.clone();
        let sso = ctx.serving.sso.is_some();
        tokio::spawn(async move {
            let running = match russh::server::run_stream(config, stream, handler).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "ssh: handshake failed");
                    return;
                }
            };
            tokio::pin!(running);
            let grace_for = if sso { GRACE_SSO } else { GRACE };
            let grace = async {
                tokio::time::sleep(grace_for).await;
                if signed_in.load(Ordering::Acquire) {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                ended = &mut running => if let Err(e) = ended {
                    tracing::debug!(%peer, error = %e, "ssh: connection ended");
                },
                _ = grace => tracing::info!(%peer, "ssh: not signed in within {} s; closed", grace_for.as_secs()),
            }
        });
    }
    ctx.stopping.store(true, Ordering::Release);
    // The sessions see it within a second and save their drafts.
    let until = tokio::time::Instant::now() + Duration::from_secs(5);
    while ctx.sessions() > 0 && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

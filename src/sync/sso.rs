//! Signing in from a terminal, above all by single sign-on. The server hands out a
//! short code and a page; whoever has a browser (the same machine, a phone) signs in
//! there at the organisation's identity provider; the terminal polls until the server
//! has a session for it. The CLI waits for that in the foreground; the TUI runs it
//! (or a sign-in with a sitroom password) on a thread of its own ([`SignIn`]), so the
//! screen never waits for the provider or the server.

use super::client::{Client, ClientError};
use super::wire::{LoginResponse, SsoStartResponse};
use crate::keys::SigningKey;
use crate::text::safe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the person is shown: the page, the code to type there, and the page with the
/// code in it (for a QR code). Cleaned of control codes: the server's words reach a
/// terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub code: String,
    pub page: String,
    pub complete: String,
    /// When the code stops working.
    pub until: Instant,
}

impl Shown {
    pub fn of(started: &SsoStartResponse) -> Shown {
        Shown {
            code: safe(&started.user_code).into_owned(),
            page: safe(&started.verification_uri).into_owned(),
            complete: safe(&started.verification_uri_complete).into_owned(),
            until: Instant::now() + Duration::from_secs(started.expires_in.into()),
        }
    }
}

/// How a sign-in waited.
#[derive(Debug)]
pub enum Waited {
    Done(Box<LoginResponse>),
    /// Nobody signed in before the code ran out.
    Expired,
    /// The terminal gave up.
    Stopped,
}

/// Poll until the person has signed in, the code runs out, or `stop` says so. The link
/// may come and go meanwhile (a laptop carried to where the phone has signal): a poll
/// that cannot reach the server is simply tried again.
pub async fn wait(
    client: &Client,
    started: &SsoStartResponse,
    stop: &AtomicBool,
) -> Result<Waited, ClientError> {
    let deadline = Instant::now() + Duration::from_secs(started.expires_in.into());
    let every = Duration::from_secs(started.interval.clamp(1, 30).into());
    let mut next = Instant::now() + every;
    loop {
        // Look at `stop` often, so that giving up is immediate.
        while Instant::now() < next {
            if stop.load(Ordering::SeqCst) {
                return Ok(Waited::Stopped);
            }
            tokio::time::sleep(Duration::from_millis(100).min(next - Instant::now())).await;
        }
        if Instant::now() >= deadline {
            return Ok(Waited::Expired);
        }
        next = Instant::now() + every;
        match client.sso_poll(&started.poll_token).await {
            Ok(Some(answer)) => return Ok(Waited::Done(Box::new(answer))),
            Ok(None) | Err(ClientError::Offline(_)) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Where a sign-in on its own thread stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Asking the server for a code.
    Starting,
    /// The code is out; waiting for the person to sign in with it.
    Waiting(Shown),
    /// Signed in: the session is ready to be taken ([`SignIn::take`]).
    Done,
    /// It did not work, and why (in English, as the server says it; see [`Failure`]).
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The code ran out before anyone signed in.
    Expired,
    /// The server cannot be reached.
    Offline(String),
    /// The server or the provider refused, in its words.
    Refused(String),
}

struct Shared {
    stage: Stage,
    answer: Option<LoginResponse>,
}

/// How to sign in.
pub enum How {
    /// Through the organisation's provider (`provider` empty: the person picks on
    /// the page).
    Sso { provider: String },
    /// With a sitroom account's password.
    Password { user: String, password: String },
}

/// A sign-in running on its own thread. Clones share it; it stops (and the thread
/// ends within a tenth of a second) when [`SignIn::stop`] is called or the last clone
/// is dropped.
#[derive(Clone)]
pub struct SignIn {
    pub server: String,
    /// The account named, for a sign-in with a password (empty for single sign-on).
    pub user: String,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<StopOnDrop>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn").field("server", &self.server).field("stage", &self.stage()).finish()
    }
}

struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl SignIn {
    /// Start signing in at `server` as `how` says, for the replica `origin` with its key.
    pub fn start(server: String, how: How, device: String, origin: String, key: SigningKey) -> SignIn {
        let user = match &how {
            How::Password { user, .. } => user.clone(),
            How::Sso { .. } => String::new(),
        };
        let shared = Arc::new(Mutex::new(Shared { stage: Stage::Starting, answer: None }));
        let stop = Arc::new(AtomicBool::new(false));
        let (sh, sp, url) = (shared.clone(), stop.clone(), server.clone());
        let spawned = std::thread::Builder::new().name("sign-in".into()).spawn(move || {
            let outcome = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(run(&url, how, &device, &origin, &key, &sh, &sp)),
                Err(e) => Err(ClientError::Io(e.to_string())),
            };
            set(&sh, |s| match outcome {
                Ok(Waited::Done(answer)) => {
                    s.answer = Some(*answer);
                    s.stage = Stage::Done;
                }
                Ok(Waited::Expired) => s.stage = Stage::Failed(Failure::Expired),
                Ok(Waited::Stopped) => {}
                Err(ClientError::Offline(why)) => s.stage = Stage::Failed(Failure::Offline(why)),
                Err(e) => s.stage = Stage::Failed(Failure::Refused(e.to_string())),
            });
        });
        if let Err(e) = spawned {
            set(&shared, |s| s.stage = Stage::Failed(Failure::Refused(format!("cannot start: {e}"))));
        }
        SignIn { server, user, shared, stop: Arc::new(StopOnDrop(stop)) }
    }

    pub fn stage(&self) -> Stage {
        self.shared.lock().map(|s| s.stage.clone()).unwrap_or(Stage::Starting)
    }

    /// The session, once signed in; given out once.
    pub fn take(&self) -> Option<LoginResponse> {
        self.shared.lock().ok()?.answer.take()
    }

    /// Give up (the code is left to run out on the server).
    pub fn stop(&self) {
        self.stop.0.store(true, Ordering::SeqCst);
    }
}

fn set(shared: &Mutex<Shared>, f: impl FnOnce(&mut Shared)) {
    if let Ok(mut s) = shared.lock() {
        f(&mut s);
    }
}

async fn run(
    server: &str,
    how: How,
    device: &str,
    origin: &str,
    key: &SigningKey,
    shared: &Mutex<Shared>,
    stop: &AtomicBool,
) -> Result<Waited, ClientError> {
    let client = Client::new(server)?;
    let provider = match how {
        How::Sso { provider } => provider,
        How::Password { user, password } => {
            let answer = client.login(&user, &password, device, origin, key).await?;
            if stop.load(Ordering::SeqCst) {
                // Stopped while the server was answering: the session it opened is
                // nobody's; end it (if the link allows).
                let _ = client.logout(&answer.token).await;
                return Ok(Waited::Stopped);
            }
            return Ok(Waited::Done(Box::new(answer)));
        }
    };
    let started = client.sso_start(&provider, device, origin, key).await?;
    set(shared, |s| s.stage = Stage::Waiting(Shown::of(&started)));
    wait(&client, &started, stop).await
}

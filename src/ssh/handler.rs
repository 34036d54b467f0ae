//! One SSH connection: who it is (a registered key, or the account's password), what
//! it asks for (a terminal of a size, a language, no colour), and its session: the
//! channel's bytes in, the UI's frames out.

use super::session::{self, Asked};
use super::terminal::{self, Socket};
use super::{Ctx, Full, SigningIn};
use crate::i18n::Lang;
use crate::server::sso::Polled;
use crate::server::{Offload, Principal};
use crate::tui::event_loop::Incoming;
use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Response, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Input waiting for the UI, at most (in pieces as they came): a client that sends
/// faster than the UI takes is held back, not buffered without end.
const INPUT_QUEUE: usize = 256;

pub struct Conn {
    ctx: Arc<Ctx>,
    peer: SocketAddr,
    /// Held until signed in: counts against the address's connections signing in.
    place: Option<SigningIn>,
    socket: Socket,
    signed_in: Arc<AtomicBool>,
    who: Option<Principal>,
    channel: Option<ChannelId>,
    pty: bool,
    asked: Asked,
    /// `SITROOM_LANG` sent: it wins over the account's setting; `LANG` does not.
    chosen_lang: Option<Lang>,
    input: Option<SyncSender<Incoming>>,
    /// A sign-in through the organisation's identity provider, offered beside the
    /// password: (code, poll token, page).
    sso: Option<(String, String, String)>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Nothing more will be acknowledged: a frame waiting for that stops waiting.
        self.socket.close();
    }
}

impl Conn {
    pub fn new(ctx: Arc<Ctx>, peer: SocketAddr, place: SigningIn, socket: Socket) -> Conn {
        Conn {
            ctx,
            peer,
            place: Some(place),
            socket,
            signed_in: Arc::new(AtomicBool::new(false)),
            who: None,
            channel: None,
            pty: false,
            asked: Asked::default(),
            chosen_lang: None,
            input: None,
            sso: None,
        }
    }

    pub fn signed_in_flag(&self) -> Arc<AtomicBool> {
        self.signed_in.clone()
    }

    fn lang(&self) -> Lang {
        self.chosen_lang.or(self.asked.lang).unwrap_or(self.ctx.options.lang)
    }

    /// The account `key` opens, if it is `user`'s.
    async fn key_account(&self, user: &str, key: &PublicKey) -> Option<Principal> {
        let (store, key) = (self.ctx.serving.store.clone(), key.clone());
        match Offload::Blocking.run(move || store.ssh_key_account(&key)).await {
            Ok(Some(who)) if who.name == crate::text::nfc(user) => Some(who),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "ssh: looking up a key failed");
                None
            }
        }
    }

    /// Check `user`'s password, behind the guard that holds sign-ins over HTTP too.
    async fn password(&mut self, user: &str, password: &str) -> Auth {
        let guard = &self.ctx.serving.guard;
        let addr = self.peer.ip();
        let pass = match guard.admit(&self.ctx.serving.store, Some(addr), user).await {
            Ok(p) => p,
            Err(_) => {
                tracing::warn!(user, %addr, "ssh: sign-in held back (too many failures)");
                return Auth::reject();
            }
        };
        let Ok(permit) = guard.hashing.acquire().await else { return Auth::reject() };
        let (store, u, p) = (self.ctx.serving.store.clone(), user.to_string(), password.to_string());
        let outcome = Offload::Blocking.run(move || store.check_password(&u, &p)).await;
        drop(permit);
        guard.settle(&self.ctx.serving.store, pass, &outcome).await;
        match outcome {
            Ok(who) => self.accept(who, "keyboard-interactive (password)"),
            Err(e) => {
                tracing::warn!(user, %addr, error = %e, "ssh: password refused");
                Auth::reject()
            }
        }
    }

    /// The keyboard-interactive question: the password, or (where the server has single
    /// sign-on) Enter once signed in through the page it shows.
    async fn ask(&mut self, user: &str, note: Option<&str>) -> Auth {
        let user = crate::text::safe(user).into_owned();
        if self.sso.is_none() {
            if let Some(sso) = self.ctx.serving.sso.as_ref() {
                self.sso = sso.start_for_ssh(&self.ctx.serving.store, self.peer.ip()).await.ok();
            }
        }
        // All of it in the prompt: clients show the prompt always, the instructions
        // only sometimes (OpenSSH not below LogLevel INFO).
        let mut prompt = String::new();
        if let Some(note) = note {
            prompt.push_str(note);
            prompt.push('\n');
        }
        match &self.sso {
            Some((code, _, page)) => prompt.push_str(&format!(
                "Logg inn med organisasjonen din: åpne {page} (kode {code}) på en hvilken som helst enhet.\n\
                 Sign in with your organisation: open {page} (code {code}) on any device.\n\
                 Passord, eller Enter etter innlogging / password, or Enter once signed in ({user}): "
            )),
            None => prompt.push_str(&format!("Passord / password ({user}): ")),
        }
        Auth::Partial {
            name: "sitroom".into(),
            instructions: "".into(),
            prompts: vec![(prompt.into(), false)].into(),
        }
    }

    /// The person pressed Enter after signing in through the page: whom the provider
    /// vouched for, if that is who connected (or they connected as `sso`).
    async fn signed_in_elsewhere(&mut self, user: &str) -> Auth {
        let (Some(sso), Some((_, poll, _))) = (self.ctx.serving.sso.as_ref(), self.sso.clone()) else {
            return Auth::reject();
        };
        match sso.poll(&self.ctx.serving.store, &poll).await {
            Some(Polled::Person(name)) if name == user || user == crate::sync::wire::SSO_USER => {
                let store = self.ctx.serving.store.clone();
                match Offload::Blocking.run(move || store.account_principal(&name)).await {
                    Ok(Some(who)) => self.accept(who, "keyboard-interactive (single sign-on)"),
                    _ => Auth::reject(),
                }
            }
            Some(Polled::Person(name)) => {
                tracing::warn!(user, signed_in = %name, addr = %self.peer, "ssh: signed in through the provider as someone else");
                self.sso = None;
                let note = format!(
                    "Du logget inn som {name}, men koblet til som {user}. / You signed in as {name} but connected as {user}.",
                    name = crate::text::safe(&name),
                    user = crate::text::safe(user)
                );
                self.ask(user, Some(&note)).await
            }
            Some(Polled::Waiting) => self.ask(user, Some("Ikke logget inn ennå. / Not signed in yet.")).await,
            Some(Polled::Failed(why)) => {
                self.sso = None;
                let note =
                    format!("Innloggingen ble avvist / the sign-in was refused: {}", crate::text::safe(&why));
                self.ask(user, Some(&note)).await
            }
            Some(Polled::Done(_)) | None => {
                self.sso = None;
                self.ask(
                    user,
                    Some("Innloggingen gikk ut; her er en ny. / The sign-in expired; here is a new one."),
                )
                .await
            }
        }
    }

    fn accept(&mut self, who: Principal, method: &str) -> Auth {
        tracing::info!(user = %who.name, org = %who.org, addr = %self.peer, method, "ssh: signed in");
        self.who = Some(who);
        self.place = None;
        self.signed_in.store(true, Ordering::Release);
        Auth::Accept
    }

    /// Say one line and close the channel (a session that cannot be served).
    fn refuse(&self, channel: ChannelId, session: &mut Session, line: String) -> Result<(), russh::Error> {
        session.data(channel, format!("{line}\r\n").into_bytes())?;
        session.exit_status_request(channel, 1)?;
        session.eof(channel)?;
        session.close(channel)
    }

    /// Hand input to the UI, waiting (and so holding the client back) while it is busy.
    async fn give(&self, mut item: Incoming) {
        let Some(tx) = &self.input else { return };
        loop {
            match tx.try_send(item) {
                Ok(()) => return,
                Err(TrySendError::Full(back)) => {
                    item = back;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
    }

    fn start(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), russh::Error> {
        let Some(who) = self.who.clone() else { return session.channel_failure(channel) };
        let lang = self.lang();
        let slot = match self.ctx.session(&who.name) {
            Ok(slot) => slot,
            Err(full) => {
                let max = self.ctx.options.max_per_account;
                let line = match full {
                    Full::Account => crate::say!(
                        lang,
                        "sitroom: {who} har allerede {max} økter åpne; lukk en av dem først",
                        "sitroom: {who} already has {max} sessions open; close one of them first",
                        who = who.name
                    ),
                    Full::Server => crate::say!(
                        lang,
                        "sitroom: tjeneren har så mange økter åpne som den tar nå; prøv igjen om litt",
                        "sitroom: the server has as many sessions open as it takes now; try again in a while"
                    ),
                };
                tracing::warn!(user = %who.name, "ssh: session refused: full");
                return self.refuse(channel, session, line);
            }
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(INPUT_QUEUE);
        self.input = Some(tx);
        let exit = Arc::new(AtomicU32::new(0));
        let (mut out, in_flight, frames) =
            terminal::frames(session.handle(), channel, self.socket.clone(), exit.clone());
        tokio::spawn(frames);
        session.channel_success(channel)?;
        let mut asked = self.asked.clone();
        asked.lang = self.chosen_lang;
        let locale = self.asked.lang;
        let ctx = self.ctx.clone();
        let peer = self.peer;
        std::thread::Builder::new()
            .name(format!("ssh {}", who.name))
            .spawn(move || {
                let _slot = slot;
                let opened = Instant::now();
                tracing::info!(user = %who.name, addr = %peer, "ssh: session opened");
                let ended = ctx.pool.replica(&who).and_then(|replica| {
                    // The account's setting wins over the client's locale.
                    let mut asked = asked;
                    if asked.lang.is_none() {
                        asked.lang = crate::config::Config::load_from(&replica.dir.join("config.toml"))
                            .ok()
                            .and_then(|c| c.lang)
                            .or(locale);
                    }
                    session::run(&ctx, &who, replica, &asked, rx, &mut out, in_flight)
                });
                if let Err(e) = ended {
                    use std::io::Write;
                    tracing::warn!(user = %who.name, error = %e, "ssh: session failed");
                    exit.store(1, Ordering::Release);
                    let _ = write!(out, "\r\nsitroom: {}\r\n", crate::text::safe(&e));
                    let _ = out.flush();
                }
                tracing::info!(user = %who.name, addr = %peer, secs = opened.elapsed().as_secs(), "ssh: session closed");
            })
            .map(|_| ())
            .map_err(|e| russh::Error::from(std::io::Error::other(e)))
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Only a key registered for this account is worth the client's signature.
        Ok(if self.key_account(user, offer.public_key).await.is_some() {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        // The signature is verified: the client holds the key. Is it this account's?
        match self.key_account(user, key.public_key).await {
            Some(who) => Ok(self.accept(who, "publickey")),
            None => {
                tracing::warn!(user, addr = %self.peer, "ssh: key refused");
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let Some(mut response) = response else { return Ok(self.ask(user, None).await) };
        let password = response.next().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        if !password.is_empty() || self.sso.is_none() {
            return Ok(self.password(user, &password).await);
        }
        // Enter alone: signed in in the browser, or not yet.
        Ok(self.signed_in_elsewhere(user).await)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // One terminal per connection: a second (ssh's connection sharing) is refused.
        if self.channel.is_some() {
            reply.reject(ChannelOpenFailure::AdministrativelyProhibited).await;
        } else {
            self.channel = Some(channel.id());
            reply.accept().await;
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        cols: u32,
        rows: u32,
        _px: u32,
        _py: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.pty = true;
        self.asked.cols = cols.clamp(1, 1000) as u16;
        self.asked.rows = rows.clamp(1, 1000) as u16;
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        _channel: ChannelId,
        name: &str,
        value: &str,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        match name {
            "SITROOM_LANG" => self.chosen_lang = Some(Lang::from_locale(value)),
            // As POSIX orders them: LC_ALL and LC_MESSAGES over LANG.
            "LC_ALL" | "LC_MESSAGES" if !value.is_empty() => self.asked.lang = Some(Lang::from_locale(value)),
            "LANG" if !value.is_empty() && self.asked.lang.is_none() => {
                self.asked.lang = Some(Lang::from_locale(value))
            }
            "NO_COLOR" => self.asked.no_color = !value.is_empty(),
            _ => {}
        }
        Ok(())
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        if self.input.is_some() {
            return session.channel_failure(channel);
        }
        if !self.pty {
            let line = crate::say!(
                self.lang(),
                "sitroom trenger en terminal: koble til uten -T (med -t om du gir en kommando)",
                "sitroom needs a terminal: connect without -T (with -t if you give a command)"
            );
            return self.refuse(channel, session, line);
        }
        self.start(channel, session)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let line = crate::say!(
            self.lang(),
            "sitroom gir bare terminalvisningen over SSH: koble til uten kommando",
            "sitroom gives only its terminal UI over SSH: connect without a command"
        );
        self.refuse(channel, session, line)
    }

    async fn data(
        &mut self,
        _channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.give(Incoming::Bytes(data.to_vec())).await;
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        _channel: ChannelId,
        cols: u32,
        rows: u32,
        _px: u32,
        _py: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.give(Incoming::Resize(cols.clamp(1, 1000) as u16, rows.clamp(1, 1000) as u16)).await;
        Ok(())
    }

    async fn channel_eof(&mut self, _channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        // The far end will send nothing more: the session ends (its draft kept).
        self.input = None;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.input = None;
        Ok(())
    }
}

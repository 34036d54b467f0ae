//! SSH in the test process: a sitroom server with its SSH door on a free loopback
//! port, and russh's client with a vt100 screen, for what tmux cannot do (a link that
//! backs up, a hundred sessions at once, timings).

use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::ChannelMsg;
use sitroom::domain::roles::Role;
use sitroom::server::{ServerStore, Serving, SqliteServer};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "riktig-hest-batteri";

/// A server with only its SSH door, in this process.
pub struct Door {
    pub rt: tokio::runtime::Runtime,
    pub store: Arc<dyn ServerStore>,
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Door {
    /// A server on `dir/server.db`, sessions per account and in all as given.
    pub fn open(dir: &Path, per_account: usize, total: usize) -> Door {
        let store: Arc<dyn ServerStore> = Arc::new(SqliteServer::open(&dir.join("server.db")).unwrap());
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut options = sitroom::ssh::SshOptions::new(dir.join("server.ssh"), sitroom::i18n::Lang::Nb);
        options.max_per_account = per_account;
        options.max_sessions = total;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = Serving::new(store.clone());
        rt.spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            sitroom::ssh::serve(listener, serving, options, stop).await.unwrap();
        });
        Door { rt, store, port, stop: Some(tx) }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// An account in `org` (made if new) with a new key registered; the key.
    pub fn account(&self, name: &str, org: &str, role: Role) -> PrivateKey {
        if !self.store.orgs().unwrap().iter().any(|o| o == org) {
            self.store.add_org(org).unwrap();
        }
        self.store.add_user(name, org, &[role], false, PASSWORD).unwrap();
        let key = sitroom::server::ssh_keys::host_key(&sitroom::server::ssh_keys::new_host_key()).unwrap();
        let line = key.public_key().to_openssh().unwrap();
        self.store.add_ssh_key(name, &line).unwrap();
        key
    }
}

impl Drop for Door {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// One terminal on an SSH session: what it shows, and what crossed to it.
pub struct Term {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Terminal bytes received (the channel's data, not the SSH packets).
    pub received: Arc<AtomicU64>,
    /// Data messages received: frames, as the server sends one message a frame.
    pub frames: Arc<AtomicU64>,
    /// The session's channel has closed.
    pub closed: Arc<AtomicBool>,
    write: russh::ChannelWriteHalf<client::Msg>,
    _session: client::Handle<Trusting>,
}

/// A reader that can stop reading (its socket's receive buffer as small as the
/// kernel allows): the server's socket then fills, as behind a slow link.
#[derive(Clone, Default)]
pub struct Reading {
    paused: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<std::task::Waker>>>,
}

impl Reading {
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }
}

struct Pausable {
    inner: tokio::net::TcpStream,
    reading: Reading,
}

impl tokio::io::AsyncRead for Pausable {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.reading.paused.load(Ordering::SeqCst) {
            *self.reading.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.reading.paused.load(Ordering::SeqCst) {
                return std::task::Poll::Pending;
            }
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Pausable {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Connect to `addr` (directly or through a link) as `user` with `key`, with a
/// `cols`×`rows` terminal and these environment variables sent.
pub async fn connect(
    addr: &str,
    user: &str,
    key: &PrivateKey,
    cols: u16,
    rows: u16,
    env: &[(&str, &str)],
) -> Result<Term, String> {
    connect_as(addr, user, key, cols, rows, env, false).await
}

/// As [`connect`]; with `compress`, asking for compression as `ssh -C` does.
pub async fn connect_as(
    addr: &str,
    user: &str,
    key: &PrivateKey,
    cols: u16,
    rows: u16,
    env: &[(&str, &str)],
    compress: bool,
) -> Result<Term, String> {
    let mut config = client::Config { nodelay: true, ..Default::default() };
    if compress {
        use russh::compression::{NONE, ZLIB, ZLIB_LEGACY};
        config.preferred.compression = std::borrow::Cow::Borrowed(&[ZLIB_LEGACY, ZLIB, NONE]);
    }
    let session = client::connect(Arc::new(config), addr, Trusting).await.map_err(|e| e.to_string())?;
    open_terminal(session, user, key, cols, rows, env).await
}

/// As [`connect`], reading only while `reading` says so.
pub async fn connect_reading(
    addr: &str,
    user: &str,
    key: &PrivateKey,
    cols: u16,
    rows: u16,
    reading: Reading,
) -> Result<Term, String> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket.set_recv_buffer_size(1).map_err(|e| e.to_string())?;
    let stream =
        socket.connect(addr.parse().map_err(|e| format!("{e}"))?).await.map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let config = Arc::new(client::Config { nodelay: true, ..Default::default() });
    let session = client::connect_stream(config, Pausable { inner: stream, reading }, Trusting)
        .await
        .map_err(|e| e.to_string())?;
    open_terminal(session, user, key, cols, rows, &[("SITROOM_LANG", "nb")]).await
}

async fn open_terminal(
    mut session: client::Handle<Trusting>,
    user: &str,
    key: &PrivateKey,
    cols: u16,
    rows: u16,
    env: &[(&str, &str)],
) -> Result<Term, String> {
    let signed = session
        .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None))
        .await
        .map_err(|e| e.to_string())?;
    if !signed.success() {
        return Err(format!("{user}: the key was refused"));
    }
    let channel = session.channel_open_session().await.map_err(|e| e.to_string())?;
    for (k, v) in env {
        channel.set_env(false, *k, *v).await.map_err(|e| e.to_string())?;
    }
    channel
        .request_pty(false, "xterm-256color", cols as u32, rows as u32, 0, 0, &[])
        .await
        .map_err(|e| e.to_string())?;
    channel.request_shell(false).await.map_err(|e| e.to_string())?;
    let (mut read, write) = channel.split();
    let screen =
        Arc::new(Mutex::new(vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0)));
    let received = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicBool::new(false));
    let frames = Arc::new(AtomicU64::new(0));
    let (s, r, c, f) = (screen.clone(), received.clone(), closed.clone(), frames.clone());
    tokio::spawn(async move {
        while let Some(msg) = read.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    r.fetch_add(data.len() as u64, Ordering::SeqCst);
                    f.fetch_add(1, Ordering::SeqCst);
                    s.lock().unwrap().process(&data);
                    // SITROOM_SSH_DUMP=FILE keeps every frame (a u32 length, then the
                    // bytes) for looking at what a frame costs.
                    if let Ok(path) = std::env::var("SITROOM_SSH_DUMP") {
                        use std::io::Write;
                        let mut file =
                            std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
                        file.write_all(&(data.len() as u32).to_le_bytes()).unwrap();
                        file.write_all(&data).unwrap();
                    }
                }
                ChannelMsg::Close | ChannelMsg::Eof => break,
                _ => {}
            }
        }
        c.store(true, Ordering::SeqCst);
    });
    Ok(Term { screen, received, frames, closed, write, _session: session })
}

impl Term {
    pub async fn send(&self, bytes: &[u8]) {
        self.write.data(bytes).await.unwrap();
    }

    /// The terminal's screen, cell by cell.
    pub fn screen(&self) -> vt100::Screen {
        self.screen.lock().unwrap().screen().clone()
    }

    /// Where the terminal's cursor is (row, column).
    pub fn cursor(&self) -> (u16, u16) {
        self.screen.lock().unwrap().screen().cursor_position()
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    pub async fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.contents();
            if s.contains(needle) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited for {needle:?}; the screen shows:\n{s}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn resize(&self, cols: u16, rows: u16) {
        self.screen.lock().unwrap().screen_mut().set_size(rows.try_into().unwrap(), cols.try_into().unwrap());
        self.write.window_change(cols as u32, rows as u32, 0, 0).await.unwrap();
    }
}

//! The HTTP face of the server: axum routes, served by hyper connection by connection
//! (plain TCP, or TLS through rustls) so that headers stay minimal and a stalled client
//! times out instead of holding a connection forever.

use super::{Offload, Principal, ServerError, ServerStore, Serving, SignIn};
use crate::sync::wire::{self, LoginRequest, LoginResponse, SyncRequest};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

type Shared = Arc<dyn ServerStore>;

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = match &self {
            ServerError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::Conflict(_) => StatusCode::CONFLICT,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            ServerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = (status, format!("{self}\n")).into_response();
        if let ServerError::TooMany(secs) = self {
            response.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub fn router(serving: Arc<Serving>, read_timeout: Duration) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route(wire::LOGIN_PATH, post(login))
        .route(wire::LOGOUT_PATH, post(logout))
        .route(wire::REFRESH_PATH, post(refresh))
        .route(wire::SYNC_PATH, post(sync))
        .route(wire::SHARES_PATH, post(share).get(shares))
        .route(wire::SHARES_RECEIVED_PATH, post(shares_received))
        .route(wire::SHARES_RECEIPTS_PATH, get(receipts))
        .route(wire::SSO_START_PATH, post(sso_start))
        .route(wire::SSO_POLL_PATH, post(sso_poll))
        .route("/sso", get(super::sso::web::page))
        .route("/sso/callback", get(super::sso::web::callback))
        .fallback(|| async { (StatusCode::NOT_FOUND, "no such endpoint; sitroom speaks /v1/sync\n") })
        .with_state(Served { store: serving.store.clone(), serving, read_timeout })
}

/// The address a request came from (set per connection by [`serve`]).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

/// What every handler gets.
#[derive(Clone)]
struct Served {
    store: Shared,
    /// How long a client may take to send a request's headers or body.
    read_timeout: Duration,
    /// The signal that new ops were stored, and the guard on sign-ins.
    serving: Arc<Serving>,
}

impl axum::extract::FromRef<Served> for Arc<Serving> {
    fn from_ref(served: &Served) -> Arc<Serving> {
        served.serving.clone()
    }
}

/// Ready to serve: not stopping, and the store answers (within two seconds).
async fn ready(State(served): State<Served>) -> Response {
    if *served.serving.closing.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "not ready: stopping\n").into_response();
    }
    let store = served.store.clone();
    match tokio::time::timeout(Duration::from_secs(2), blocking(move || store.ping())).await {
        Ok(Ok(())) => "ready\n".into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "not ready: the store did not answer within 2 s\n")
            .into_response(),
    }
}

/// The server's counters in Prometheus's text format.
async fn metrics(State(served): State<Served>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], {
        let mut text = served.serving.metrics.render();
        crate::server::metrics::render_figures(&mut text, &served.serving.store.figures());
        text
    })
        .into_response()
}

/// Read a body, refusing one that is too large or too slow.
async fn read_body(body: Body, limit: Duration) -> Result<Bytes, ServerError> {
    match tokio::time::timeout(limit, axum::body::to_bytes(body, wire::MAX_BODY)).await {
        Err(_) => Err(ServerError::BadRequest("the request body did not arrive in time".into())),
        Ok(Err(_)) => Err(ServerError::BadRequest(format!(
            "the request body is too large or broken (at most {} bytes)",
            wire::MAX_BODY
        ))),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// Run store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServerError::Internal(format!("a worker stopped: {e}")))?
}

/// The session token: from `Authorization: Bearer <token>`, or from the short header
/// `t` that sitroom's own client sends (HTTP/2 compresses a custom header to one byte
/// on later rounds, while it sends Authorization in full every time).
fn bearer(headers: &HeaderMap) -> Result<String, ServerError> {
    if let Some(t) = headers.get(wire::TOKEN_HEADER).and_then(|v| v.to_str().ok()) {
        let t = t.trim();
        if !t.is_empty() && t.len() <= 128 {
            return Ok(t.to_string());
        }
        return Err(ServerError::Unauthorized("the token header is malformed".into()));
    }
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
        ServerError::Unauthorized("sign in first: `sitroom login --server URL --user NAME`".into())
    })?;
    value
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(|| ServerError::Unauthorized("the Authorization header must be 'Bearer <token>'".into()))
}

async fn authenticate(store: &Shared, headers: &HeaderMap) -> Result<Principal, ServerError> {
    let token = bearer(headers)?;
    let store = store.clone();
    blocking(move || store.authenticate(&token)).await.inspect_err(|e| {
        tracing::info!(error = %e, "session refused");
    })
}

async fn login(
    State(served): State<Served>,
    peer: Option<axum::Extension<Peer>>,
    body: Body,
) -> Result<Response, ServerError> {
    let bytes = read_body(body, served.read_timeout).await?;
    let store = served.store.clone();
    let req: LoginRequest = serde_json::from_slice(&bytes)
        .map_err(|e| ServerError::BadRequest(format!("the login request is not valid: {e}")))?;
    if req.version != wire::VERSION {
        return Err(ServerError::BadRequest(format!(
            "protocol version {} is not supported (this server speaks version {})",
            req.version,
            wire::VERSION
        )));
    }
    let user = req.user.clone();
    let addr = peer.map(|p| p.0 .0.ip());
    // As the log shows it: the address, or "-" when the connection gave none.
    let shown_addr = addr.map_or_else(|| "-".to_string(), |a| a.to_string());
    let pass = served.serving.guard.admit(&served.store, addr, &req.user).await.map_err(|wait| {
        tracing::warn!(user = %user, addr = %shown_addr, "sign-in held back");
        ServerError::TooMany(wait.as_secs().max(1))
    })?;
    // At most a few password checks at once: argon2's memory stays bounded however
    // many sign-ins arrive.
    let permit =
        served.serving.guard.hashing.acquire().await.map_err(|e| ServerError::Internal(e.to_string()))?;
    let outcome = blocking(move || {
        store.login(&SignIn {
            user: &req.user,
            password: &req.password,
            device: &req.device,
            origin: &req.origin,
            key: &req.key,
            proof: &req.proof,
        })
    })
    .await;
    drop(permit);
    // Only a sign-in that opened a session counts as a success: a right password with
    // a wrong key proof must not clear the count of wrong guesses.
    served.serving.guard.settle(&served.store, pass, &outcome).await;
    // The store's work off the async threads (a database may be a network away).
    let audit = |event: &str, org: Option<String>, detail: String| {
        let line = super::sso::Audited {
            account: Some(user.clone()),
            org,
            address: addr.map(|a| a.to_string()),
            ..super::sso::Audited::now(event, detail)
        };
        let store = served.store.clone();
        async move {
            if let Err(e) = blocking(move || store.audit(&line)).await {
                tracing::warn!(error = %e, "cannot write the audit");
            }
        }
    };
    let (token, expires_at, who) = match outcome {
        Ok(signed) => signed,
        Err(e) => {
            tracing::warn!(user = %user, addr = %shown_addr, error = %e, "login refused");
            audit("refused", None, format!("password: {e}")).await;
            return Err(e);
        }
    };
    tracing::info!(user = %who.name, org = %who.org, origin = %who.origin, "signed in");
    audit("signed-in", Some(who.org.clone()), "password".into()).await;
    let store = served.store.clone();
    let (origin, org) = (who.origin.clone(), who.org.clone());
    let (epoch, certificate) = blocking(move || Ok((store.epoch()?, store.certify(&origin, &org)))).await?;
    let reply = LoginResponse {
        epoch,
        server_key: served.store.public_key(),
        certificate,
        token,
        user: who.name,
        org: who.org,
        roles: who.roles,
        superadmin: who.superadmin,
        expires_at,
    };
    Ok(axum::Json(reply).into_response())
}

/// Single sign-on's JSON endpoints, their bodies read as every other's (in time).
async fn sso_start(
    State(served): State<Served>,
    peer: Option<axum::Extension<Peer>>,
    body: Body,
) -> Result<Response, ServerError> {
    let bytes = read_body(body, served.read_timeout).await?;
    super::sso::web::start(served.serving, peer.map(|p| p.0 .0.ip()), bytes).await
}

async fn sso_poll(State(served): State<Served>, body: Body) -> Result<Response, ServerError> {
    let bytes = read_body(body, served.read_timeout).await?;
    super::sso::web::poll(served.serving, bytes).await
}

/// A new token for the session, without the password; the old one ends. A person
/// signed in through a provider is asked about there first: their roles follow their
/// groups, and one the provider no longer vouches for gets no new token (a provider
/// that cannot be reached keeps nobody out).
async fn refresh(State(served): State<Served>, headers: HeaderMap) -> Result<Response, ServerError> {
    let token = bearer(&headers)?;
    if let Some(sso) = served.serving.sso.as_ref() {
        let (store, t) = (served.store.clone(), token.clone());
        let who = blocking(move || store.authenticate(&t)).await?;
        // Not again within a sixtieth of the recheck (15 s of 15 minutes): a client
        // renewing in a loop must not make the server hammer the provider.
        let calm = (sso.recheck / 60).clamp(Duration::from_secs(1), Duration::from_secs(60));
        let before = chrono::Utc::now().timestamp_millis() - calm.as_millis() as i64;
        let store = served.store.clone();
        for identity in blocking(move || store.sso_identities(&who.name, before)).await? {
            if !super::sso::recheck::ask_again(&served.serving, identity, before).await {
                return Err(ServerError::Unauthorized(
                    "your organisation's identity provider no longer vouches for you; sign in again".into(),
                ));
            }
        }
    }
    let store = served.store;
    let (token, expires_at) = blocking(move || store.refresh(&token)).await?;
    Ok(axum::Json(wire::RefreshResponse { token, expires_at }).into_response())
}

async fn logout(State(served): State<Served>, headers: HeaderMap) -> Result<Response, ServerError> {
    let token = bearer(&headers)?;
    let store = served.store;
    blocking(move || store.logout(&token)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sync(State(served): State<Served>, headers: HeaderMap, body: Body) -> Result<Response, ServerError> {
    let started = Instant::now();
    let store = served.store;
    let token = bearer(&headers)?;
    let (st, t) = (store.clone(), token.clone());
    let (who, behind) = blocking(move || st.authenticate_round(&t)).await.inspect_err(|e| {
        tracing::info!(error = %e, "session refused");
    })?;
    let bytes = read_body(body, served.read_timeout).await?;
    let mut req = SyncRequest::decode(&bytes).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    // A session from before the backup this store was restored from: its replica may
    // hold acknowledgements and a cursor the store no longer backs. It starts over,
    // which it shows by asking from the beginning.
    if behind && req.cursor == 0 {
        let st = store.clone();
        blocking(move || st.caught_up(&token)).await?;
    } else if behind {
        let mut answer = (
            StatusCode::CONFLICT,
            "the server was restored from a backup: this replica sends everything again and asks from the start\n",
        )
            .into_response();
        answer.headers_mut().insert(wire::RESTORED_HEADER, axum::http::HeaderValue::from_static("1"));
        return Ok(answer);
    }
    wire::fill_in(&mut req, &who.name, &who.device, &who.origin);
    let pushed = req.push.len();
    let name = who.name.clone();
    let done = super::round_or_wait(served.serving.clone(), who, req, Offload::Blocking).await?;
    let response = done.response;
    tracing::info!(
        user = %name,
        pushed,
        accepted = done.accepted,
        refused = done.refused,
        pulled = response.pull.len(),
        cursor = response.cursor,
        micros = started.elapsed().as_micros() as u64,
        "sync"
    );
    // A bare body: no content type, nothing the client does not read.
    Ok(Response::new(Body::from(wire::encode(&response))))
}

/// A report shared upward: checked as the receiver would check it, then passed on.
async fn share(
    State(served): State<Served>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServerError> {
    let who = authenticate(&served.store, &headers).await?;
    let bytes = read_body(body, served.read_timeout).await?;
    let report = crate::domain::share::SharedReport::parse(&bytes)
        .map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let store = served.store;
    let (name, org) = (who.name.clone(), who.org.clone());
    let to = blocking(move || store.share(&who, &report)).await?;
    tracing::info!(user = %name, org = %org, to = %to, "report shared");
    Ok(axum::Json(wire::ShareReceipt { to }).into_response())
}

#[derive(serde::Deserialize)]
struct After {
    #[serde(default)]
    after: i64,
}

async fn shares(
    State(served): State<Served>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<After>,
) -> Result<Response, ServerError> {
    let who = authenticate(&served.store, &headers).await?;
    let store = served.store;
    let (shares, more) = blocking(move || store.shares(&who, q.after, 100)).await?;
    Ok(axum::Json(wire::SharesResponse { shares, more }).into_response())
}

async fn shares_received(
    State(served): State<Served>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServerError> {
    let who = authenticate(&served.store, &headers).await?;
    let bytes = read_body(body, served.read_timeout).await?;
    let got: wire::SharesReceived = serde_json::from_slice(&bytes)
        .map_err(|e| ServerError::BadRequest(format!("expected {{\"ids\": [...]}}: {e}")))?;
    let store = served.store;
    let n = blocking(move || store.acknowledge(&who, &got.ids)).await?;
    Ok(axum::Json(serde_json::json!({ "acknowledged": n })).into_response())
}

async fn receipts(
    State(served): State<Served>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<After>,
) -> Result<Response, ServerError> {
    let who = authenticate(&served.store, &headers).await?;
    let store = served.store;
    let (receipts, more) = blocking(move || store.receipts(&who, q.after, 100)).await?;
    Ok(axum::Json(wire::ReceiptsResponse { receipts, more }).into_response())
}

/// Plain TCP or TLS.
pub enum Listen {
    Plain,
    Tls { cert: PathBuf, key: PathBuf },
}

fn tls_acceptor(cert: &PathBuf, key: &PathBuf) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("cannot read the certificate {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate {} is not valid PEM: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the private key {}: {e}", key.display()))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Serve until `shutdown` completes. Each connection is HTTP/1.1 with keep-alive (a
/// client reuses its connection round after round) and no Date header (bytes count on
/// a slow link).
pub async fn serve(
    listener: TcpListener,
    serving: Arc<Serving>,
    listen: Listen,
    read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let tls = match &listen {
        Listen::Plain => None,
        Listen::Tls { cert, key } => Some(tls_acceptor(cert, key)?),
    };
    let app = router(serving.clone(), read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = super::accept(&listener) => accepted,
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let serving = serving.clone();
        tokio::spawn(async move {
            let _open = serving.metrics.connected();
            let closing = serving.closing.subscribe();
            let live = Arc::new(Live::default());
            let service = hyper_util::service::TowerToHyperService::new(Tracked {
                inner: app,
                peer,
                live: live.clone(),
                serving: serving.clone(),
            });
            // HTTP/1.1, or HTTP/2 (h2c with prior knowledge, or negotiated over TLS):
            // on a warm HTTP/2 connection the headers shrink to a few bytes a round.
            let mut http = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            http.http1()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(read_timeout)
                .auto_date_header(false)
                .keep_alive(true);
            http.http2()
                .timer(hyper_util::rt::TokioTimer::new())
                .auto_date_header(false)
                .max_concurrent_streams(32);
            let result = match tls {
                None => {
                    let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                    until_idle(conn, &live, read_timeout, closing).await
                }
                Some(acceptor) => match tokio::time::timeout(read_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(tls_stream)) => {
                        let conn = http.serve_connection(hyper_util::rt::TokioIo::new(tls_stream), service);
                        until_idle(conn, &live, read_timeout, closing).await
                    }
                    Ok(Err(e)) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                },
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
    // Stopping: no new connections; long polls answer now, every connection closes
    // once what it has under way is done. Bounded: a client that does not go is cut off.
    serving.close();
    let until = Instant::now() + SHUTDOWN_GRACE;
    while serving.metrics.connections() > 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left = serving.metrics.connections();
    if left > 0 {
        tracing::warn!(connections = left, "stopped with connections still open");
    }
    Ok(())
}

/// How long a stopping server waits for the rounds under way to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What a connection is doing: requests under way, and when the last one ended.
#[derive(Default)]
struct Live {
    under_way: std::sync::atomic::AtomicUsize,
    last: std::sync::Mutex<Option<Instant>>,
}

impl Live {
    fn idle_for(&self) -> Duration {
        use std::sync::atomic::Ordering;
        if self.under_way.load(Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        self.last.lock().unwrap_or_else(|e| e.into_inner()).map(|t| t.elapsed()).unwrap_or(Duration::ZERO)
    }
}

/// Counts a request under way until its answer is done (or dropped).
struct UnderWay(Arc<Live>);

impl UnderWay {
    fn new(live: Arc<Live>) -> UnderWay {
        live.under_way.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        UnderWay(live)
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        *self.0.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        self.0.under_way.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The router, per connection: tells each request where it came from, keeps count of
/// what is under way so that an idle connection can be closed, counts bytes for the
/// metrics, and gives every request an id: in the `x-request-id` header of its answer
/// and on every log line about it.
#[derive(Clone)]
struct Tracked {
    inner: Router,
    peer: std::net::SocketAddr,
    live: Arc<Live>,
    serving: Arc<Serving>,
}

/// A new request id: this process's random prefix and a count.
fn request_id() -> String {
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::getrandom(&mut b);
        u32::from_le_bytes(b)
    });
    format!("{prefix:08x}-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

impl tower_service::Service<axum::http::Request<hyper::body::Incoming>> for Tracked {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: axum::http::Request<hyper::body::Incoming>) -> Self::Future {
        use axum::body::HttpBody;
        use tracing::Instrument;
        req.extensions_mut().insert(Peer(self.peer));
        let under_way = UnderWay::new(self.live.clone());
        let id = request_id();
        let span = tracing::info_span!("request", id = %id, peer = %self.peer);
        let inn = req.body().size_hint().exact().unwrap_or(0) as usize;
        let fut = tower_service::Service::call(&mut self.inner.clone(), req);
        let serving = self.serving.clone();
        Box::pin(
            async move {
                let mut answer = fut.await;
                if let Ok(response) = &mut answer {
                    let out = response.body().size_hint().exact().unwrap_or(0) as usize;
                    serving.metrics.request(inn, out);
                    if let Ok(value) = axum::http::HeaderValue::from_str(&id) {
                        response.headers_mut().insert("x-request-id", value);
                    }
                }
                drop(under_way);
                answer
            }
            .instrument(span),
        )
    }
}

/// Serve a connection until it ends, closing it gracefully once it has had nothing
/// under way for `idle` (HTTP/2 connections too, which hyper would keep forever).
async fn until_idle<C, E>(
    conn: C,
    live: &Live,
    idle: Duration,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> Result<(), E>
where
    C: std::future::Future<Output = Result<(), E>> + GracefulShutdown,
{
    tokio::pin!(conn);
    // Before the first request, the connection counts as idle from its start.
    *live.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    let look = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        tokio::select! {
            done = conn.as_mut() => return done,
            _ = tokio::time::sleep(look) => {
                if live.idle_for() >= idle {
                    break;
                }
            }
            // The server is stopping: finish what is under way, then close.
            _ = closing.wait_for(|c| *c) => break,
        }
    }
    // Ask the client to go (HTTP/2: GOAWAY); one that does not answer is cut off.
    conn.as_mut().shut_down();
    match tokio::time::timeout(idle, conn.as_mut()).await {
        Ok(done) => done,
        Err(_) => Ok(()),
    }
}

/// A connection that can be asked to finish what is under way and close.
trait GracefulShutdown {
    fn shut_down(self: std::pin::Pin<&mut Self>);
}

impl<I, S, E> GracefulShutdown for hyper_util::server::conn::auto::Connection<'_, I, S, E>
where
    S: hyper::service::HttpService<hyper::body::Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: axum::body::HttpBody + Send + 'static,
    <S::ResBody as axum::body::HttpBody>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    E: hyper::rt::bounds::Http2ServerConnExec<S::Future, S::ResBody>,
{
    fn shut_down(self: std::pin::Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

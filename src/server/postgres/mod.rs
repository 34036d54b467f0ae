//! The server's store in PostgreSQL, for deployments one file cannot carry: any number
//! of `sitroom serve` processes on one database, a client reaching any of them round
//! by round.
//!
//! Everything the servers share lives in the database: organisations, accounts,
//! sessions, replicas, shares, single sign-on, the audit, and every op accepted,
//! numbered. What a process keeps of its own is a copy of the records (a SQLite
//! replica in a temporary folder, rebuilt from the database's ops at start), which the
//! door judges pushed ops against with the same rules as the SQLite store: before it
//! judges, it catches up with every op the database has, under the numbering lock.
//!
//! **Numbering.** A push takes a transaction-scoped advisory lock ([`NUMBERING`]),
//! catches its copy up, judges, numbers the accepted ops from a sequence, and commits.
//! PostgreSQL makes a transaction visible before it lets its locks go, so an op
//! numbered 12 is never visible while 11 is still in flight: a pull that reads
//! `max(seq)` and everything up to it never skips an op (the trap of sequence numbers
//! taken by transactions that commit out of order). The price: pushes are taken one
//! transaction at a time across all servers, which group commit (every push waiting
//! is taken in the same transaction) makes cheap.
//!
//! The store's methods are called from plain threads and from async tasks alike; the
//! database client is async (tokio-postgres with a deadpool pool) and runs on a small
//! runtime of the store's own, so a call never needs to know where it runs.

mod accounts;
mod door;
mod migrate;
mod schema;
mod shares;
mod signing_in;
mod sso;

use super::pushing::Line;
use super::{Principal, Result, ServerError, ServerStore, SignIn};
use crate::domain::roles::Role;
use crate::replication::checkpoint::Checkpoint;
use crate::replication::Op;
use deadpool_postgres::{Object, Pool};
use std::future::Future;
use std::sync::Mutex;
use uuid::Uuid;

/// The transaction-scoped advisory lock under which ops are numbered.
pub const NUMBERING: i64 = 7_412_001;

/// The channel a server notifies when it has stored ops (the payload: its id, then the
/// ids of the organisations the ops belong to), so that the other servers' long polls
/// of those organisations wake.
const STORED: &str = "sitroom_stored";

pub struct PgServer {
    /// Where the database work runs (taken on drop: a runtime must not be dropped
    /// inside another one's task).
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    /// This process's copy of the records, for judging (see the module's notes).
    copy: Mutex<door::Copy>,
    /// Its figures, read without the lock.
    copy_figures: std::sync::Arc<door::Figures>,
    line: Line,
    key: crate::keys::SigningKey,
    ssh_host: russh::keys::PrivateKey,
    /// What the store URL names, without its password (for messages and logs).
    shown: String,
    /// For the tests: how long (ms) a push waits, numbered but not committed, holding
    /// the numbering lock ([`PgServer::hold_numbering`]), so that a test can make a
    /// later push and a pull come in between.
    hold: std::sync::atomic::AtomicU64,
    /// How to reach the database outside the pool (the listener for other servers'
    /// pushes).
    config: tokio_postgres::Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    /// This process among the servers (what its own notifications carry).
    me: String,
}

/// A database error as the server reports it (never with the password).
fn db(e: tokio_postgres::Error) -> ServerError {
    match e.as_db_error() {
        Some(d) => ServerError::Internal(format!("the database: {}", d.message())),
        None => ServerError::Internal(format!("the database: {e}")),
    }
}

/// Whether a store address names PostgreSQL.
pub fn is_url(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// A store URL as it may be shown (without its password).
pub fn shown_url(url: &str) -> String {
    url.parse::<tokio_postgres::Config>().map(|c| shown(&c)).unwrap_or_else(|_| "postgres://…".into())
}

/// The address without its password.
fn shown(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{}:{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        port,
        config.get_dbname().unwrap_or("")
    )
}

/// TLS to the database: none when the address says `sslmode=disable`; otherwise
/// rustls, trusting the certificates in `PGSSLROOTCERT` (the file libpq reads) or,
/// without it, the public web's roots.
fn tls(config: &tokio_postgres::Config) -> Result<Option<tokio_postgres_rustls::MakeRustlsConnect>> {
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Disable {
        return Ok(None);
    }
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    match std::env::var_os("PGSSLROOTCERT") {
        Some(path) => {
            use rustls_pki_types::pem::PemObject;
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(&path)
                .and_then(|c| c.collect::<std::result::Result<Vec<_>, _>>())
                .map_err(|e| {
                    ServerError::Internal(format!(
                        "cannot read PGSSLROOTCERT {}: {e}",
                        path.to_string_lossy()
                    ))
                })?;
            for cert in certs {
                roots.add(cert).map_err(|e| ServerError::Internal(format!("PGSSLROOTCERT: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Internal(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Some(tokio_postgres_rustls::MakeRustlsConnect::new(config)))
}

impl PgServer {
    /// Connect to the database at `url`, bring its tables up to date, with this
    /// process's copy of the records in a new folder under `scratch` (removed at the
    /// end; built from the database's ops when first needed).
    pub fn open(url: &str, scratch: &std::path::Path) -> Result<PgServer> {
        PgServer::open_at(url, &door::Place::Scratch(scratch.to_path_buf()))
    }

    /// As [`PgServer::open`], the copy kept in `dir` between starts: a server's next
    /// start takes only what the database got since (one server process per folder).
    pub fn open_kept(url: &str, dir: &std::path::Path) -> Result<PgServer> {
        PgServer::open_at(url, &door::Place::Kept(dir.to_path_buf()))
    }

    fn open_at(url: &str, place: &door::Place) -> Result<PgServer> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            ServerError::BadRequest(format!("the store address is not a PostgreSQL URL: {e}"))
        })?;
        // A server that stops answering while it holds the numbering lock (frozen, cut
        // off) must not stop every other server's pushes for long: PostgreSQL ends a
        // session idle in a transaction, and a wait for a lock ends in an error the
        // client retries. (The URL's own options come first; these are added.)
        let options = format!(
            "{} -c idle_in_transaction_session_timeout=30s -c lock_timeout=20s",
            config.get_options().unwrap_or("")
        );
        config.options(options.trim());
        // TLS unless the URL says `sslmode=disable`: libpq's default (`prefer`) would
        // go on without it where the database offers none.
        if config.get_ssl_mode() == tokio_postgres::config::SslMode::Prefer {
            config.ssl_mode(tokio_postgres::config::SslMode::Require);
        }
        config.keepalives_idle(std::time::Duration::from_secs(30));
        config.connect_timeout(std::time::Duration::from_secs(5));
        let shown = shown(&config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sitroom-db")
            .enable_all()
            .build()
            .map_err(|e| ServerError::Internal(e.to_string()))?;
        let manager_config =
            deadpool_postgres::ManagerConfig { recycling_method: deadpool_postgres::RecyclingMethod::Fast };
        let tls = tls(&config)?;
        let manager = match tls.clone() {
            None => {
                deadpool_postgres::Manager::from_config(config.clone(), tokio_postgres::NoTls, manager_config)
            }
            Some(tls) => deadpool_postgres::Manager::from_config(config.clone(), tls, manager_config),
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .recycle_timeout(Some(std::time::Duration::from_secs(5)))
            .build()
            .map_err(|e| ServerError::Internal(e.to_string()))?;
        // The tables, and what the database keeps once for every server: its keys, its
        // id and epoch (which tell a kept copy of the records whether it is of this
        // database's history).
        let (key, ssh_host, database, epoch) = rt
            .block_on(async {
                let mut c = pool.get().await.map_err(|e| ServerError::Internal(e.to_string()))?;
                schema::run(&mut c).await?;
                door::number_journal_backlog(&mut c).await?;
                let key =
                    meta_or_insert(&c, "server_signing_key", &crate::keys::SigningKey::generate().to_text())
                        .await?;
                let ssh =
                    meta_or_insert(&c, "ssh_host_key", &crate::server::ssh_keys::new_host_key()).await?;
                let database = meta_or_insert(&c, "database_id", &uuid::Uuid::now_v7().to_string()).await?;
                let epoch = accounts::epoch(&c).await?;
                Ok::<_, ServerError>((key, ssh, database, epoch))
            })
            .map_err(|e| ServerError::Internal(format!("cannot open the store at {shown}: {e}")))?;
        let key_text = key;
        let key = crate::keys::SigningKey::from_text(&key_text)
            .ok_or_else(|| ServerError::Internal("the server's signing key is damaged".into()))?;
        let ssh_host = crate::server::ssh_keys::host_key(&ssh_host)
            .ok_or_else(|| ServerError::Internal("the server's SSH host key is damaged".into()))?;
        let op_at = |seq: i64| -> Result<Option<String>> {
            rt.block_on(async {
                let c = pool.get().await.map_err(|e| ServerError::Internal(e.to_string()))?;
                let row = c.query_opt("SELECT op_id FROM ops WHERE seq = $1", &[&seq]).await.map_err(db)?;
                Ok(row.map(|r| r.get(0)))
            })
        };
        let copy = door::Copy::open(
            place,
            &door::History { database: &database, epoch, key: &key_text, op_at: &op_at },
        )?;
        Ok(PgServer {
            rt: Some(rt),
            pool,
            copy_figures: copy.figures.clone(),
            copy: Mutex::new(copy),
            line: Line::default(),
            key,
            ssh_host,
            shown,
            hold: 0.into(),
            config,
            tls,
            me: uuid::Uuid::now_v7().to_string(),
        })
    }

    /// The file of this server's copy of the records, if it is a kept one (not a
    /// temporary one: the folder given was another server's).
    pub fn kept_copy(&self) -> Option<std::path::PathBuf> {
        self.copy.lock().unwrap_or_else(|e| e.into_inner()).kept.clone()
    }

    /// For the tests: hold the numbering lock this long (ms) in every push that numbers
    /// ops, after numbering them and before committing (0: not at all).
    pub fn hold_numbering(&self, ms: u64) {
        self.hold.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// After a restore with pg_restore: move the store's epoch on, so that replicas
    /// that synced after the dump was taken start over (as `admin restore` does for a
    /// SQLite store); what the store holds.
    pub fn restored(&self) -> Result<super::Held> {
        self.run(|mut c| async move {
            let tx = c.transaction().await.map_err(db)?;
            let epoch: i64 = tx
                .query_one(
                    "INSERT INTO meta (key, value) VALUES ('server_epoch', '1')
                     ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
                     RETURNING value::bigint",
                    &[],
                )
                .await
                .map_err(db)?
                .get(0);
            let count =
                async |sql: &str| -> Result<i64> { Ok(tx.query_one(sql, &[]).await.map_err(db)?.get(0)) };
            let held = super::Held {
                organisations: count("SELECT count(*) FROM orgs").await?,
                accounts: count("SELECT count(*) FROM accounts").await?,
                changes: count("SELECT count(*) FROM ops").await?,
                epoch,
            };
            tx.commit().await.map_err(db)?;
            Ok(held)
        })
    }

    /// The database's address, without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn rt(&self) -> &tokio::runtime::Runtime {
        self.rt.as_ref().expect("the runtime lives as long as the store")
    }

    /// Run `fut` on the store's runtime and wait for it, from wherever the caller is
    /// (a plain thread or an async task of another runtime).
    fn block<T: Send + 'static>(&self, fut: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.rt().spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().unwrap_or_else(|_| Err(ServerError::Internal("the database task stopped".into())))
    }

    /// Run `f` with a connection of the pool.
    fn run<T, F, Fut>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
    {
        let pool = self.pool.clone();
        self.block(async move {
            let c = pool
                .get()
                .await
                .map_err(|e| ServerError::Internal(format!("the database does not answer: {e}")))?;
            f(c).await
        })
    }
}

/// The value the database keeps under `key`, this one if it had none.
async fn meta_or_insert(c: &tokio_postgres::Client, key: &str, value: &str) -> Result<String> {
    c.execute("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", &[&key, &value])
        .await
        .map_err(db)?;
    Ok(c.query_one("SELECT value FROM meta WHERE key = $1", &[&key]).await.map_err(db)?.get(0))
}

/// Listen on [`STORED`] until the connection ends, waking the long polls at every
/// other server's notification.
async fn listen<T>(config: &tokio_postgres::Config, tls: T, me: &str, wake: &super::Wake) -> Result<()>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    let (client, mut connection) = config.connect(tls).await.map_err(db)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let driving = tokio::spawn(async move {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_string()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {STORED}")).await.map_err(db)?;
    // The payload: the server's id, then the organisations whose ops it stored.
    while let Some(payload) = rx.recv().await {
        let mut words = payload.split(' ');
        if words.next() != Some(me) {
            let orgs: Vec<String> = words.map(str::to_string).collect();
            wake(&orgs);
        }
    }
    driving.abort();
    Err(ServerError::Internal("the listening connection ended".into()))
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl ServerStore for PgServer {
    fn add_org(&self, name: &str) -> Result<()> {
        let name = super::rules::org_name(name)?;
        self.run(move |c| async move { accounts::add_org(&c, &name).await })
    }

    fn orgs(&self) -> Result<Vec<String>> {
        self.run(|c| async move { accounts::orgs(&c).await })
    }

    fn add_user(
        &self,
        name: &str,
        org: &str,
        roles: &[Role],
        superadmin: bool,
        password: &str,
    ) -> Result<()> {
        let (name, hash) = super::rules::new_account(name, password)?;
        let (org, roles) = (org.to_string(), roles.to_vec());
        self.run(
            move |c| async move { accounts::add_account(&c, &name, &org, &roles, superadmin, &hash).await },
        )
    }

    fn set_roles(&self, name: &str, roles: &[Role]) -> Result<()> {
        let (name, roles) = (name.to_string(), roles.to_vec());
        self.run(move |c| async move { accounts::set_roles(&c, &name, &roles).await })
    }

    fn set_disabled(&self, name: &str, disabled: bool) -> Result<()> {
        let name = name.to_string();
        self.run(move |c| async move { accounts::set_disabled(c, &name, disabled).await })
    }

    fn users(&self) -> Result<Vec<(Principal, bool)>> {
        self.run(|c| async move { accounts::accounts(&c).await })
    }

    fn check_password(&self, user: &str, password: &str) -> Result<Principal> {
        let name = user.to_string();
        let found = self.run(move |c| async move { accounts::with_password(&c, &name).await })?;
        super::rules::check_password(user, password, found, |org| {
            let org = org.to_string();
            self.run(move |c| async move { sso::required(&c, &org).await })
        })
    }

    fn login(&self, req: &SignIn<'_>) -> Result<(String, i64, Principal)> {
        let who = self.check_password(req.user, req.password)?;
        let (device, origin) = super::rules::sign_in_replica(&who, req)?;
        let (token, expires) = self.open_replica(&who.name, &device, &origin, req.key)?;
        Ok((token, expires, Principal { device, origin, ..who }))
    }

    fn open_replica(&self, account: &str, device: &str, origin: &str, key: &str) -> Result<(String, i64)> {
        let (account, device, origin, key) =
            (account.to_string(), device.to_string(), origin.to_string(), key.to_string());
        self.run(move |c| async move { accounts::open_replica(c, &account, &device, &origin, &key).await })
    }

    fn refresh(&self, token: &str) -> Result<(String, i64)> {
        let hash = super::secrets::token_hash(token);
        self.run(move |c| async move { accounts::rotate(c, &hash).await })
    }

    fn authenticate(&self, token: &str) -> Result<Principal> {
        self.authenticate_round(token).map(|(who, _)| who)
    }

    fn epoch(&self) -> Result<i64> {
        self.run(|c| async move { accounts::epoch(&c).await })
    }

    fn authenticate_round(&self, token: &str) -> Result<(Principal, bool)> {
        let hash = super::secrets::token_hash(token);
        self.run(move |c| async move { accounts::session(&c, &hash).await })?
            .ok_or_else(super::rules::invalid_session)
    }

    fn caught_up(&self, token: &str) -> Result<()> {
        let hash = super::secrets::token_hash(token);
        self.run(move |c| async move { accounts::caught_up(&c, &hash).await })
    }

    fn replica_key(&self, origin: &str, account: &str) -> Result<Option<(String, bool)>> {
        let (origin, account) = (origin.to_string(), account.to_string());
        self.run(move |c| async move { accounts::replica_key(&c, &origin, &account).await })
    }

    fn logout(&self, token: &str) -> Result<()> {
        let hash = super::secrets::token_hash(token);
        self.run(move |c| async move {
            c.execute("UPDATE tokens SET revoked = true WHERE hash = $1", &[&hash]).await.map_err(db)?;
            Ok(())
        })
    }

    fn push(&self, who: &Principal, ops: &[Op]) -> Result<super::Pushed> {
        self.line.push(
            who,
            ops,
            || self.copy.lock().unwrap_or_else(|e| e.into_inner()),
            |copy, batch| self.take_pushes(copy, batch),
        )
    }

    fn ping(&self) -> Result<()> {
        self.run(|c| async move {
            c.query_one("SELECT 1", &[]).await.map_err(db)?;
            Ok(())
        })
    }

    fn warm_up(&self) -> Result<()> {
        drop(self.caught_up_copy()?);
        Ok(())
    }

    fn on_stored_elsewhere(&self, wake: super::Wake) {
        let (config, tls, me) = (self.config.clone(), self.tls.clone(), self.me.clone());
        self.rt().spawn(async move {
            loop {
                let ended = match tls.clone() {
                    None => listen(&config, tokio_postgres::NoTls, &me, &wake).await,
                    Some(tls) => listen(&config, tls, &me, &wake).await,
                };
                if let Err(e) = ended {
                    tracing::warn!(error = %e, "listening for other servers' ops: trying again in a second");
                }
                // Something may have been stored while no one listened.
                wake(&[]);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
    }

    fn figures(&self) -> Vec<crate::server::metrics::Figure> {
        use crate::server::metrics::Figure;
        use std::sync::atomic::Ordering::Relaxed;
        let s = self.pool.status();
        let copy = &self.copy_figures;
        let figure = |name, help, counter, value| Figure { name, help, counter, value };
        vec![
            figure("sitroom_store_connections", "Connections to the store's database, open.", false, s.size as i64),
            figure("sitroom_store_connections_idle", "Of them, idle.", false, s.available as i64),
            figure(
                "sitroom_copy_seq",
                "The database's op number this server's copy of the records has reached.",
                false,
                copy.seq.load(Relaxed),
            ),
            figure(
                "sitroom_copy_ops_taken_total",
                "Ops this server's copy took from the database since it started (other servers' pushes, and its own build).",
                true,
                copy.taken.load(Relaxed),
            ),
            figure(
                "sitroom_copy_kept_at_start",
                "The op number a kept copy had reached when the server started (0: built whole).",
                false,
                copy.kept_at_start.load(Relaxed),
            ),
        ]
    }

    fn countersign(&self, who: &Principal, checkpoints: &[Checkpoint]) -> Result<Vec<Checkpoint>> {
        // Most rounds carry none: they need not wait for the copy, which a push may
        // hold while it waits for the numbering lock.
        if checkpoints.is_empty() {
            return Ok(Vec::new());
        }
        let checkpoints = &checkpoints[..checkpoints.len().min(1000)];
        // What the database says, in two looks for them all, before the copy is taken:
        // a push may be waiting for it.
        let origins: Vec<String> = checkpoints.iter().map(|cp| cp.origin.clone()).collect();
        let incidents: Vec<String> = checkpoints.iter().map(|cp| cp.incident.to_string()).collect();
        let (keys, orgs) = self.run(move |c| async move {
            Ok((
                accounts::replica_keys(&c, &origins).await?,
                accounts::incident_org_names(&c, &incidents).await?,
            ))
        })?;
        let copy = self.caught_up_copy()?;
        let positions = checkpoints
            .iter()
            .map(|cp| copy.file.chain_position(cp.entry))
            .collect::<crate::store::Result<Vec<_>>>()?;
        drop(copy);
        let mut signed = Vec::new();
        for (cp, position) in checkpoints.iter().zip(positions) {
            let registered = keys.get(&cp.origin).cloned();
            let held = super::rules::checkpoint_holds(who, cp, registered, position, |incident| {
                Ok(orgs.get(&incident.to_string()).cloned())
            })?;
            if let Some(mut cp) = held {
                cp.server_sig = self.key.sign(&cp.countersigned_message());
                signed.push(cp);
            }
        }
        let kept = signed.clone();
        self.run(move |c| async move { door::keep_checkpoints(c, &kept).await })?;
        Ok(signed)
    }

    fn checkpoints_for(&self, ops: &[Op]) -> Result<Vec<Checkpoint>> {
        let entries: Vec<String> = ops
            .iter()
            .filter(|o| o.kind == crate::replication::Kind::LogEntry)
            .map(|o| o.entity.to_string())
            .collect();
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        self.run(move |c| async move { door::checkpoints_at(&c, &entries).await })
    }

    fn public_key(&self) -> String {
        self.key.public()
    }

    fn certify(&self, origin: &str, org: &str) -> String {
        // The key registered for the replica: the one the sign-in proved it holds.
        let Ok(Some((key, _))) = self.replica_key(origin, "") else { return String::new() };
        self.key.sign(&crate::keys::certificate_message(origin, &key, org))
    }

    fn pull(&self, who: &Principal, origin: &str, cursor: i64, limit: usize) -> Result<(Vec<Op>, i64, bool)> {
        let hidden: Vec<String> =
            super::rules::hidden_kinds(who).iter().map(|k| k.name().to_string()).collect();
        let org = (!who.superadmin).then(|| who.org_id.clone());
        let boards = super::rules::board_roles(who);
        let reader = super::rules::reader(who);
        let origin = origin.to_string();
        self.run(move |c| async move {
            door::pull(
                &c,
                org.as_deref(),
                &hidden,
                boards.as_deref(),
                reader.as_ref(),
                &origin,
                cursor,
                limit,
            )
            .await
        })
    }

    fn journal_numbers(&self, who: &Principal, records: &[uuid::Uuid]) -> Result<Vec<(uuid::Uuid, i64)>> {
        let org = (!who.superadmin).then(|| who.org_id.clone());
        let records: Vec<String> = records.iter().map(|r| r.to_string()).collect();
        self.run(move |c| async move { door::journal_numbers(&c, org.as_deref(), &records).await })
    }

    fn boards_hidden(&self, org_id: &str, roles: &[String]) -> Result<Vec<uuid::Uuid>> {
        let (org, roles) = (org_id.to_string(), roles.to_vec());
        self.run(move |c| async move { door::boards_hidden(&c, &org, &roles).await })
    }

    fn board_ops(
        &self,
        who: &Principal,
        boards: &[uuid::Uuid],
        origin: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, Option<Op>)>> {
        let org = (!who.superadmin).then(|| who.org_id.clone());
        let roles = super::rules::board_roles(who);
        let boards: Vec<String> = boards.iter().map(|b| b.to_string()).collect();
        let origin = origin.to_string();
        self.run(move |c| async move {
            door::board_ops(&c, org.as_deref(), &boards, roles.as_deref(), &origin, after, limit).await
        })
    }

    fn set_parent(&self, org: &str, parent: Option<&str>) -> Result<()> {
        let (org, parent) = (org.to_string(), parent.map(str::to_string));
        self.run(move |c| async move { shares::set_parent(c, &org, parent.as_deref()).await })
    }

    fn parents(&self) -> Result<Vec<(String, Option<String>)>> {
        self.run(|c| async move { shares::parents(&c).await })
    }

    fn share(&self, who: &Principal, report: &crate::domain::share::SharedReport) -> Result<String> {
        let reports_to = self.parents()?.into_iter().find(|(o, _)| *o == who.org).and_then(|(_, p)| p);
        let registered = self.replica_key(&who.origin, &who.name)?.map(|(k, _)| k).unwrap_or_default();
        super::rules::may_share(who, report, reports_to.as_deref(), &registered, &self.key.public())?;
        let (org, by, report) = (who.org_id.clone(), who.name.clone(), report.clone());
        self.run(move |c| async move { shares::store(c, &org, &by, &report).await })
    }

    fn shares(
        &self,
        who: &Principal,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<(i64, crate::domain::share::SharedReport)>, bool)> {
        let org = who.org_id.clone();
        let mut got =
            self.run(move |c| async move { shares::shares_for(&c, &org, after, limit + 1).await })?;
        let more = got.len() > limit;
        got.truncate(limit);
        Ok((got, more))
    }

    fn acknowledge(&self, who: &Principal, ids: &[Uuid]) -> Result<usize> {
        if ids.len() > 1000 {
            return Err(ServerError::BadRequest("acknowledge at most 1,000 sharings at a time".into()));
        }
        let (org, by, ids) = (who.org_id.clone(), who.name.clone(), ids.to_vec());
        self.run(move |c| async move { shares::acknowledge(c, &org, &by, &ids).await })
    }

    fn receipts(
        &self,
        who: &Principal,
        after: i64,
        limit: usize,
    ) -> Result<(Vec<crate::domain::share::ShareReceiptRecord>, bool)> {
        let org = who.org_id.clone();
        let mut got =
            self.run(move |c| async move { shares::receipts_for(&c, &org, after, limit + 1).await })?;
        let more = got.len() > limit;
        got.truncate(limit);
        Ok((got, more))
    }

    fn add_ssh_key(&self, account: &str, line: &str) -> Result<String> {
        let (key, fingerprint) =
            crate::server::ssh_keys::parse_public(line).map_err(ServerError::BadRequest)?;
        let openssh = key.to_openssh().map_err(|e| ServerError::BadRequest(e.to_string()))?;
        let comment = key.comment().as_str_lossy().to_string();
        let algorithm = key.algorithm().as_str().to_string();
        let (account, print) = (account.to_string(), fingerprint.clone());
        self.run(move |c| async move {
            accounts::add_ssh_key(&c, &account, &print, &openssh, &algorithm, &comment).await
        })?;
        Ok(fingerprint)
    }

    fn ssh_keys(&self, account: &str) -> Result<Vec<crate::server::ssh_keys::SshKey>> {
        let account = account.to_string();
        self.run(move |c| async move { accounts::ssh_keys(&c, &account).await })
    }

    fn remove_ssh_key(&self, account: &str, fingerprint: &str) -> Result<()> {
        let (account, fingerprint) = (account.to_string(), fingerprint.to_string());
        self.run(move |c| async move { accounts::remove_ssh_key(&c, &account, &fingerprint).await })
    }

    fn ssh_key_account(&self, key: &russh::keys::PublicKey) -> Result<Option<Principal>> {
        let fingerprint = key.fingerprint(russh::keys::HashAlg::Sha256).to_string();
        let found = self.run(move |c| async move { accounts::ssh_key_account(&c, &fingerprint).await })?;
        let Some(name) = found else { return Ok(None) };
        Ok(self.account_principal(&name)?.map(|p| Principal { device: "ssh".into(), ..p }))
    }

    fn ssh_host_key(&self) -> &russh::keys::PrivateKey {
        &self.ssh_host
    }

    fn sso_account(&self, v: &crate::server::sso::Vouched<'_>) -> Result<(Principal, Option<Vec<Role>>)> {
        let v = std::sync::Arc::new(sso::OwnedVouched::from(v));
        // Two servers taking the same person's first sign-in at once: the second
        // takes it again, and finds what the first made.
        let mut tries = 0;
        let taken = loop {
            let v = v.clone();
            match self.run(move |c| async move { sso::account(c, &v).await }) {
                Err(ServerError::Conflict(why)) if why == sso::RACED && tries < 3 => tries += 1,
                other => break other,
            }
        };
        let (account, before, disabled) = taken?.map_err(ServerError::Unauthorized)?;
        if disabled {
            return Err(ServerError::Unauthorized(format!("the account '{}' is disabled", account.name)));
        }
        Ok((account, before))
    }

    fn set_sso_required(&self, org: &str, required: bool) -> Result<()> {
        let org = org.to_string();
        self.run(move |c| async move { sso::set_org_flag(&c, "sso_required", &org, required).await })
    }

    fn set_sso_map(&self, org: &str, group: &str, roles: &[Role]) -> Result<()> {
        let (org, group, roles) = (org.to_string(), group.to_string(), roles.to_vec());
        self.run(move |c| async move { sso::set_map(c, &org, &group, &roles).await })
    }

    fn link_sso(&self, link: &crate::server::sso::SsoLink) -> Result<()> {
        let link = link.clone();
        self.run(move |c| async move { sso::link(c, &link).await })
    }

    fn sso_links(&self) -> Result<Vec<crate::server::sso::SsoLink>> {
        self.run(|c| async move { sso::links(&c).await })
    }

    fn unlink_sso(&self, provider: &str, account: &str) -> Result<usize> {
        let (provider, account) = (provider.to_string(), account.to_string());
        self.run(move |c| async move {
            let n = c
                .execute("DELETE FROM sso_links WHERE provider = $1 AND account = $2", &[&provider, &account])
                .await
                .map_err(db)?;
            Ok(n as usize)
        })
    }

    fn set_sso_roles_by_hand(&self, org: &str, by_hand: bool) -> Result<()> {
        let org = org.to_string();
        self.run(move |c| async move { sso::set_org_flag(&c, "sso_roles_by_hand", &org, by_hand).await })
    }

    fn sso_maps(&self) -> Result<Vec<(String, String, Vec<Role>)>> {
        self.run(|c| async move { sso::maps(&c).await })
    }

    fn sso_due(&self, before: i64) -> Result<Vec<crate::server::sso::Identity>> {
        self.run(move |c| async move { sso::due(&c, before).await })
    }

    fn sso_identities(&self, account: &str, before: i64) -> Result<Vec<crate::server::sso::Identity>> {
        let account = account.to_string();
        self.run(move |c| async move { sso::identities(&c, &account, before).await })
    }

    fn sso_cut_off(&self, who: &crate::server::sso::Identity) -> Result<usize> {
        let who = who.clone();
        self.run(move |c| async move { sso::cut_off(c, &who).await })
    }

    fn account_principal(&self, name: &str) -> Result<Option<Principal>> {
        let name = name.to_string();
        self.run(move |c| async move { accounts::may_sign_in(&c, &name).await })
    }

    fn audit(&self, a: &crate::server::sso::Audited) -> Result<()> {
        let a = a.clone();
        self.run(move |c| async move { sso::audit(&c, &a).await })
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<crate::server::sso::Audited>> {
        self.run(move |c| async move { sso::audit_log(&c, limit).await })
    }

    fn sso_take_turn(
        &self,
        issuer: &str,
        subject: &str,
        before: i64,
    ) -> Result<Option<crate::server::sso::Identity>> {
        let (issuer, subject) = (issuer.to_string(), subject.to_string());
        self.run(move |c| async move { sso::take_turn(&c, &issuer, &subject, before).await })
    }

    fn sso_pending_add(
        &self,
        p: &crate::server::sso::Pending,
        per_address: usize,
        most: usize,
    ) -> Result<crate::server::sso::Added> {
        let p = p.clone();
        self.run(move |c| async move { signing_in::add(c, &p, per_address, most).await })
    }

    fn sso_pending(&self, by: &crate::server::sso::Find) -> Result<Option<crate::server::sso::Pending>> {
        let by = by.clone();
        self.run(move |c| async move { signing_in::find(&c, &by).await })
    }

    fn sso_pending_put(&self, p: &crate::server::sso::Pending, state: Option<&str>) -> Result<bool> {
        let (p, state) = (p.clone(), state.map(str::to_string));
        self.run(move |c| async move { signing_in::put(&c, &p, state.as_deref()).await })
    }

    fn sso_pending_went(&self, state: &str) -> Result<Option<crate::server::sso::Pending>> {
        let state = state.to_string();
        self.run(move |c| async move { signing_in::went(&c, &state).await })
    }

    fn sso_pending_remove(&self, code: &str) -> Result<bool> {
        let code = code.to_string();
        self.run(move |c| async move { signing_in::remove(&c, &code).await })
    }

    fn sign_in_held(&self, keys: &[String]) -> Result<i64> {
        let keys = keys.to_vec();
        self.run(move |c| async move { signing_in::held(&c, &keys).await })
    }

    fn sign_in_tried(&self, keys: &[crate::server::guard::Tried], success: bool) -> Result<()> {
        let keys = keys.to_vec();
        self.run(move |c| async move { signing_in::tried(c, &keys, success).await })
    }
}

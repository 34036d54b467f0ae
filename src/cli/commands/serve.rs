//! `sitroom serve`: run the sync server (default database: server.db in your data
//! folder)

use crate::app::settings::Settings;
use crate::cli::common::{any_server_store, parse_interval};
use crate::cli::error::Ran;
use crate::server;
use crate::server::ServerStore;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The server's config file (serve.toml): [store] (url, copy), [server], [journal],
    /// [ssh] as the flags say them (a flag given wins), and single sign-on's identity
    /// providers in [sso].
    /// A mistake in it is a warning; what can be used is used.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store: a PostgreSQL URL (postgres://user@host/db), which any number of
    /// servers may share, or a SQLite file [default: --db]. From the environment as
    /// SITROOM_STORE, which keeps a password out of the process list.
    #[arg(long, value_name = "URL", env = "SITROOM_STORE", hide_env_values = true)]
    pub store: Option<String>,
    /// With a PostgreSQL store: where this server keeps its copy of the records
    /// between starts, so that a start takes only what is new (one server per folder)
    /// [default: beside the database, in a folder named after it with .copy]
    #[arg(long, value_name = "DIR")]
    pub copy: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:7878]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// TLS certificate chain (PEM); with --tls-key the server speaks https
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Seconds a client may take to send a request (headers or body), and that a
    /// connection may stay open with nothing under way [default: 30]
    #[arg(long, value_name = "SECONDS", hide = true)]
    pub read_timeout: Option<u64>,
    /// Serve plain http on an address other than loopback (passwords and tokens
    /// cross the network readable): only on a closed network
    #[arg(long)]
    pub allow_cleartext: bool,
    /// Continuous journalføring: export what is new into this archive folder
    #[arg(long, value_name = "DIR")]
    pub journal: Option<PathBuf>,
    /// How often to journal: 30m, 6h, 24h, 1d (default: daily)
    #[arg(long, value_name = "DURATION")]
    pub journal_every: Option<String>,
    /// Also serve the TUI over SSH on this address (e.g. 0.0.0.0:2222): each account
    /// signs in with a registered key or its password
    #[arg(long, value_name = "ADDR")]
    pub ssh: Option<String>,
    /// Serve only SSH, no sync over HTTP
    #[arg(long)]
    pub no_http: bool,
    /// SSH sessions open at once, in all [default: 256]
    #[arg(long, value_name = "N")]
    pub ssh_max_sessions: Option<usize>,
    /// SSH sessions open at once, per account [default: 8]
    #[arg(long, value_name = "N")]
    pub ssh_sessions_per_account: Option<usize>,
    /// End an SSH session after this long without a key pressed (the draft is kept):
    /// 30m, 12h, 1d; 0 never [default: 12h]
    #[arg(long, value_name = "DURATION")]
    pub ssh_idle: Option<String>,
    /// Where the SSH accounts' replicas and settings are kept (default: beside the
    /// database, in a folder named after it with .ssh)
    #[arg(long, value_name = "DIR")]
    pub ssh_dir: Option<PathBuf>,
}

const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

impl ServeArgs {
    /// The flags, with what the config file says where a flag was not given.
    fn over(self, file: server::config::ServeConfig) -> ServeArgs {
        ServeArgs {
            config: self.config,
            store: self.store.or(file.store),
            copy: self.copy.or(file.copy),
            listen: self.listen.or(file.listen),
            tls_cert: self.tls_cert.or(file.tls_cert),
            tls_key: self.tls_key.or(file.tls_key),
            read_timeout: self.read_timeout.or(file.read_timeout.map(|d| d.as_secs())),
            allow_cleartext: self.allow_cleartext || file.allow_cleartext.unwrap_or(false),
            journal: self.journal.or(file.journal),
            journal_every: self.journal_every.or(file.journal_every),
            ssh: self.ssh.or(file.ssh),
            no_http: self.no_http || file.ssh_only.unwrap_or(false),
            ssh_max_sessions: self.ssh_max_sessions.or(file.ssh_max_sessions),
            ssh_sessions_per_account: self.ssh_sessions_per_account.or(file.ssh_sessions_per_account),
            ssh_idle: self.ssh_idle.or(file.ssh_idle),
            ssh_dir: self.ssh_dir.or(file.ssh_dir),
        }
    }

    /// What only makes sense with something else given: said, not refused.
    fn loose_ends(&self) -> Vec<&'static str> {
        let mut said = Vec::new();
        let ssh_options = self.ssh_max_sessions.is_some()
            || self.ssh_sessions_per_account.is_some()
            || self.ssh_idle.is_some()
            || self.ssh_dir.is_some();
        if self.ssh.is_none() && (ssh_options || self.no_http) {
            said.push("SSH settings without an SSH address (--ssh, or [ssh] listen) do nothing");
        }
        if self.journal.is_none() && self.journal_every.is_some() {
            said.push("--journal-every without a journal folder (--journal, or [journal] dir) does nothing");
        }
        said
    }
}

/// Continuous journalføring by the server: with `--journal DIR` (or `[archive]
/// journal` in config.toml), every interval the new material of every incident the
/// server holds goes into the journal folder, on a thread of its own with its own
/// connection.
pub fn spawn_journal(
    settings: &Settings,
    args: &ServeArgs,
    db: &std::path::Path,
    store: Arc<dyn ServerStore>,
) -> Result<(), String> {
    let Some(dir) = args.journal.clone().or_else(|| settings.config.archive.journal.clone()) else {
        return Ok(());
    };
    let every = args.journal_every.clone().or_else(|| settings.config.archive.every.clone());
    let every = parse_interval(every.as_deref().unwrap_or("24h"))?;
    let db = db.to_path_buf();
    std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || loop {
            // A PostgreSQL server's copy takes what other servers stored only when it
            // is used: brought up to date first, so the journal has every op.
            if let Err(e) = store.warm_up() {
                tracing::warn!(error = %e, "journalføring: the copy of the records cannot be brought up to date; trying again next interval");
                std::thread::sleep(every);
                continue;
            }
            let run = crate::app::Session::open(&db, "sitroom-serve", Vec::new())
                .and_then(|mut s| s.archive_journal(&dir));
            match run {
                Ok(batches) => {
                    for b in batches {
                        tracing::info!(incident = b.incident, batch = b.batch, entries = b.log_entries, dir = %b.dir.display(), "journalført");
                    }
                }
                Err(e) => tracing::warn!(error = %e, dir = %dir.display(), "journalføring failed; trying again next interval"),
            }
            std::thread::sleep(every);
        })
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The SSH door's options from the flags and the server's settings.
#[cfg(feature = "tui")]
fn ssh_options(settings: &Settings, args: &ServeArgs) -> Result<crate::ssh::SshOptions, String> {
    let dir = args.ssh_dir.clone().unwrap_or_else(|| settings.db.with_extension("ssh"));
    let mut options = crate::ssh::SshOptions::new(dir, settings.lang);
    options.max_sessions = args.ssh_max_sessions.unwrap_or(256).max(1);
    options.max_per_account = args.ssh_sessions_per_account.unwrap_or(8).max(1);
    options.idle = match args.ssh_idle.as_deref().unwrap_or("12h").trim() {
        "0" => None,
        other => Some(parse_interval(other)?),
    };
    options.incident_types = settings.config.incident_types();
    options.channels = settings.config.alerts.clone();
    options.installation = settings.config.installation.clone();
    Ok(options)
}

/// Serve SSH until `stop` turns true.
#[cfg(feature = "tui")]
async fn serve_ssh(
    settings: &Settings,
    args: &ServeArgs,
    addr: &str,
    serving: std::sync::Arc<server::Serving>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let options = ssh_options(settings, args)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for SSH: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let fingerprint = server::ssh_keys::host_fingerprint(serving.store.ssh_host_key());
    tracing::info!(addr = %bound, %fingerprint, dir = %options.dir.display(), "ssh");
    // Printed, so that whoever starts the server can tell users what their `ssh`
    // should show the first time it connects.
    println!("ssh on {bound}, host key {fingerprint}");
    let _ = std::io::stdout().flush();
    crate::ssh::serve(listener, serving, options, stopped(stop)).await
}

#[cfg(not(feature = "tui"))]
async fn serve_ssh(
    _: &Settings,
    _: &ServeArgs,
    _: &str,
    _: std::sync::Arc<server::Serving>,
    _: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    Err("this sitroom was built without the terminal UI (feature `tui`), so it cannot serve it over SSH"
        .into())
}

/// The server's config file, if one is given: its settings, and single sign-on if it
/// sets up any. Every mistake is a warning (on standard error and in the log), and
/// the server starts regardless.
fn read_config(config: Option<&std::path::Path>) -> (server::config::ServeConfig, Option<server::sso::Sso>) {
    let Some(path) = config else { return Default::default() };
    let warn = |w: &str| {
        eprintln!("WARNING: {}: {w}", path.display());
        tracing::warn!(file = %path.display(), "{w}");
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            warn(&format!("cannot be read ({e}); starting without it"));
            return Default::default();
        }
    };
    let (settings, warnings) = server::config::parse(&text);
    warnings.iter().for_each(|w| warn(w));
    (settings, single_sign_on(&text, &warn))
}

fn single_sign_on(text: &str, warn: &dyn Fn(&str)) -> Option<server::sso::Sso> {
    // (The file's own mistakes were said already.)
    let (config, warnings) = server::sso::config::parse(text);
    warnings.iter().filter(|w| !w.contains("cannot be read")).for_each(|w| warn(w));
    let (sso, warnings) = server::sso::Sso::new(config?);
    warnings.iter().for_each(|w| warn(w));
    let names: Vec<String> =
        sso.providers.iter().map(|p| format!("{} ({})", p.config.name, p.config.org)).collect();
    tracing::info!(providers = %names.join(", "), public_url = %sso.public_url, "single sign-on");
    Some(sso)
}

/// Ctrl-C, or SIGTERM (what systemd sends to stop a service).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

pub fn run(settings: &Settings, args: ServeArgs) -> Ran {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
    let (file, sso) = read_config(args.config.as_deref());
    let mut args = args.over(file);
    for said in args.loose_ends() {
        eprintln!("WARNING: {said}");
        tracing::warn!("{said}");
    }
    if args.ssh.is_none() {
        // Nothing would be served: HTTP it is (said above).
        args.no_http = false;
    }
    let args = &args;
    let postgres = args.store.as_deref().filter(|s| server::is_store_url(s));
    let db = match args.store.as_deref().filter(|_| postgres.is_none()) {
        Some(path) => PathBuf::from(path),
        None => settings.db.clone(),
    };
    // A PostgreSQL store's copy of the records, kept between starts beside the
    // server's files (as its SSH folder is).
    // On PostgreSQL the journal reads that copy, which holds every op the database
    // has (kept between starts, so the journal's marks hold); a temporary one (the
    // folder is another server's) journals nothing.
    let (store, journalled): (Arc<dyn ServerStore>, Option<PathBuf>) = match postgres {
        Some(url) => {
            let copy = args.copy.clone().unwrap_or_else(|| settings.db.with_extension("copy"));
            let pg = server::PgServer::open_kept(url, &copy)?;
            let kept = pg.kept_copy();
            (Arc::new(pg), kept)
        }
        None => (any_server_store(&db, None)?, Some(db.clone())),
    };
    store.warm_up()?;
    let listen = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => server::Listen::Tls { cert: cert.clone(), key: key.clone() },
        (None, None) => server::Listen::Plain,
        _ => return Err("give both --tls-cert and --tls-key, or neither".into()),
    };
    match journalled {
        Some(file) => spawn_journal(settings, args, &file, store.clone())?,
        None if args.journal.is_some() || settings.config.archive.journal.is_some() => {
            let said = "continuous journalføring reads this server's kept copy of the records, and its copy \
                        folder is another server's: this server journals nothing (give it a --copy of its own)";
            eprintln!("WARNING: {said}");
            tracing::warn!("{said}");
        }
        None => {}
    }
    tracing::info!(store = %postgres.map(server::postgres_shown).unwrap_or_else(|| db.display().to_string()), "store");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let serving = server::Serving::with_sso(store, sso);
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        // People signed in through a provider: asked about again, roles follow.
        tokio::spawn(server::sso::recheck::run(serving.clone(), stop.clone()));
        tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        });
        let http = async {
            if args.no_http {
                return Ok(());
            }
            serve_http(args, listen, serving.clone(), stop.clone()).await
        };
        let ssh = async {
            match &args.ssh {
                Some(addr) => serve_ssh(settings, args, addr, serving.clone(), stop.clone()).await,
                None => Ok(()),
            }
        };
        // Either failing to start stops the server: half a server is not what was asked.
        tokio::try_join!(http, ssh).map(|_| ())
    })?;
    Ok(true)
}

/// Serve sync over HTTP until `stop` turns true.
async fn serve_http(
    args: &ServeArgs,
    listen: server::Listen,
    serving: std::sync::Arc<server::Serving>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    {
        let at = args.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listener =
            tokio::net::TcpListener::bind(at).await.map_err(|e| format!("cannot listen on {at}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let plain = matches!(listen, server::Listen::Plain);
        if plain && !addr.ip().is_loopback() {
            if !args.allow_cleartext {
                return Err(format!(
                    "refusing to serve plain http on {addr}: passwords and session tokens would cross the network readable. \
                     Give --tls-cert and --tls-key, or listen on 127.0.0.1 behind a TLS proxy, \
                     or add --allow-cleartext on a closed network"
                ));
            }
            eprintln!(
                "WARNING: serving plain http on {addr}: passwords and session tokens cross the network readable"
            );
            tracing::warn!(%addr, "serving plain http on a non-loopback address");
        }
        let scheme = if plain { "http" } else { "https" };
        tracing::info!(%addr, "sitroom serve");
        // The address goes to stdout too, so a script that asked for port 0 learns it.
        println!("listening on {scheme}://{addr}");
        let _ = std::io::stdout().flush();
        let read_timeout = std::time::Duration::from_secs(args.read_timeout.unwrap_or(30).max(1));
        server::serve(listener, serving, listen, read_timeout, stopped(stop)).await
    }
}

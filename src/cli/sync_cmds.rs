//! Commands of sync: the server (`serve`, `admin`), signing in and out, a sync round,
//! bundles and conflicts.

use super::ServeArgs;
use crate::app::settings::Settings;
use crate::app::{AppError, Session};
use crate::domain::roles::Role;
use crate::server::{self, ServerStore, SqliteServer};
use crate::sync::bundle::Bundle;
use crate::sync::client::{self, Client, ClientError, Login};
use clap::Subcommand;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum AdminCmd {
    /// Organisations (installations): one per municipality or agency
    #[command(subcommand)]
    Org(OrgCmd),
    /// Accounts that sign in to this server
    #[command(subcommand)]
    User(AdminUserCmd),
}

#[derive(Subcommand, Debug)]
pub enum OrgCmd {
    /// Add an organisation
    Add { name: String },
    /// List organisations (with the one each reports to)
    List,
    /// Say which organisation ORG reports to (its shared reports go there): a
    /// municipality to the county governor, the county governor to DSB
    Parent {
        org: String,
        /// The organisation it reports to
        parent: Option<String>,
        /// Reports to no one
        #[arg(long, conflicts_with = "parent")]
        none: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminUserCmd {
    /// Add an account (the password is asked for, or read from standard input)
    Add {
        name: String,
        #[arg(long)]
        org: String,
        /// administrator, beredskapsmedarbeider, informasjonsmedarbeider, kriseledelse, loggfører, eps, gjest
        #[arg(long = "role", value_delimiter = ',')]
        roles: Vec<String>,
        /// May act in every organisation
        #[arg(long)]
        superadmin: bool,
        /// Read the password from the first line of standard input (for scripts)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Replace an account's roles
    Roles {
        name: String,
        #[arg(required = true, num_args = 1.., value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// Disable an account: its sessions end at once
    Disable { name: String },
    /// Enable a disabled account again
    Enable { name: String },
    /// List accounts
    List,
}

#[derive(Subcommand, Debug)]
pub enum SyncCmd {
    /// Where this replica stands: server, changes waiting, conflicts, refusals
    Status,
}

#[derive(Subcommand, Debug)]
pub enum BundleCmd {
    /// Write this replica's changes to a file
    Export {
        /// Only changes after this position (printed by the previous export)
        #[arg(long, value_name = "CURSOR", default_value_t = 0)]
        since: i64,
        file: PathBuf,
    },
    /// Apply the changes in a bundle (importing twice changes nothing)
    Import {
        file: PathBuf,
        /// Import a bundle whose writer your sync server has not vouched for (checked
        /// against its own signature only): only if you trust how it came
        #[arg(long)]
        unverified: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConflictCmd {
    /// Fields two people changed without seeing each other's change
    List,
    /// Settle one: keep --value, or the value that holds now
    Resolve {
        /// The record's id (at least 8 characters, as `conflict list` shows)
        id: String,
        field: String,
        #[arg(long)]
        value: Option<String>,
    },
}

fn roles(names: &[String]) -> Result<Vec<Role>, String> {
    names.iter().map(|r| Role::parse(r).map_err(|e| e.to_string())).collect()
}

/// A password from the first line of standard input, or asked for on the terminal
/// without echo.
fn password(from_stdin: bool, prompt: &str) -> Result<String, String> {
    let pw = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        read_hidden(prompt)?
    };
    if pw.is_empty() {
        return Err("the password is empty".into());
    }
    Ok(pw)
}

fn read_hidden(prompt: &str) -> Result<String, String> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    use crossterm::terminal;
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err("no terminal to ask for the password on; use --password-stdin".into());
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    terminal::enable_raw_mode().map_err(|e| e.to_string())?;
    let mut pw = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err("cancelled".into())
                }
                KeyCode::Char(c) => pw.push(c),
                KeyCode::Backspace => {
                    pw.pop();
                }
                KeyCode::Esc => break Err("cancelled".to_string()),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.to_string()),
        }
    };
    let _ = terminal::disable_raw_mode();
    eprintln!();
    result.map(|_| pw)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

/// Continuous journalføring by the server: with `--journal DIR` (or `[archive]
/// journal` in config.toml), every interval the new material of every incident the
/// server holds goes into the journal folder, on a thread of its own with its own
/// connection.
fn spawn_journal(settings: &Settings, args: &ServeArgs) -> Result<(), String> {
    let Some(dir) = args.journal.clone().or_else(|| settings.config.archive.journal.clone()) else {
        return Ok(());
    };
    let every = args.journal_every.clone().or_else(|| settings.config.archive.every.clone());
    let every = super::records::parse_interval(every.as_deref().unwrap_or("24h"))?;
    let db = settings.db.clone();
    std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || loop {
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

fn server_store(settings: &Settings) -> Result<SqliteServer, String> {
    SqliteServer::open(&settings.db).map_err(|e| e.to_string())
}

pub fn serve(settings: &Settings, args: &ServeArgs) -> Result<ExitCode, String> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
    let store: Arc<dyn ServerStore> = Arc::new(server_store(settings)?);
    let listen = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => server::Listen::Tls { cert: cert.clone(), key: key.clone() },
        (None, None) => server::Listen::Plain,
        _ => return Err("give both --tls-cert and --tls-key, or neither".into()),
    };
    spawn_journal(settings, args)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
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
        tracing::info!(%addr, db = %settings.db.display(), "sitroom serve");
        // The address goes to stdout too, so a script that asked for port 0 learns it.
        println!("listening on {scheme}://{addr}");
        let _ = std::io::stdout().flush();
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let read_timeout = std::time::Duration::from_secs(args.read_timeout.max(1));
        server::serve(listener, store, listen, read_timeout, shutdown).await
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn admin(settings: &Settings, cmd: AdminCmd, json: bool) -> Result<ExitCode, String> {
    let store = server_store(settings)?;
    let e = |e: server::ServerError| e.to_string();
    let mut out = std::io::stdout().lock();
    match cmd {
        AdminCmd::Org(OrgCmd::Add { name }) => {
            store.add_org(&name).map_err(e)?;
            let _ = writeln!(out, "organisation '{}' added", crate::text::safe(&name));
        }
        AdminCmd::Org(OrgCmd::Parent { org, parent, none }) => {
            if parent.is_none() && !none {
                return Err("say whom it reports to, or --none".into());
            }
            store.set_parent(&org, parent.as_deref()).map_err(e)?;
            let _ = match &parent {
                Some(p) => {
                    writeln!(out, "'{}' reports to '{}'", crate::text::safe(&org), crate::text::safe(p))
                }
                None => writeln!(out, "'{}' reports to no one", crate::text::safe(&org)),
            };
        }
        AdminCmd::Org(OrgCmd::List) => {
            let orgs = store.parents().map_err(e)?;
            if json {
                let list: Vec<_> =
                    orgs.iter().map(|(o, p)| serde_json::json!({ "name": o, "reports_to": p })).collect();
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list).expect("plain data"));
            } else {
                for (o, p) in orgs {
                    match p {
                        Some(p) => {
                            let _ = writeln!(out, "{}  → {}", crate::text::safe(&o), crate::text::safe(&p));
                        }
                        None => {
                            let _ = writeln!(out, "{}", crate::text::safe(&o));
                        }
                    }
                }
            }
        }
        AdminCmd::User(cmd) => match cmd {
            AdminUserCmd::Add { name, org, roles: names, superadmin, password_stdin } => {
                let roles = roles(&names)?;
                if roles.is_empty() && !superadmin {
                    return Err("give the account at least one --role".into());
                }
                let pw = password(password_stdin, &format!("password for {name}: "))?;
                store.add_user(&name, &org, &roles, superadmin, &pw).map_err(e)?;
                let _ = writeln!(
                    out,
                    "account '{}' added to {}",
                    crate::text::safe(&name),
                    crate::text::safe(&org)
                );
            }
            AdminUserCmd::Roles { name, roles: names } => {
                store.set_roles(&name, &roles(&names)?).map_err(e)?;
                let _ = writeln!(out, "roles of '{}' replaced", crate::text::safe(&name));
            }
            AdminUserCmd::Disable { name } => {
                store.set_disabled(&name, true).map_err(e)?;
                let _ =
                    writeln!(out, "account '{}' disabled; its sessions have ended", crate::text::safe(&name));
            }
            AdminUserCmd::Enable { name } => {
                store.set_disabled(&name, false).map_err(e)?;
                let _ = writeln!(out, "account '{}' enabled", crate::text::safe(&name));
            }
            AdminUserCmd::List => {
                let users = store.users().map_err(e)?;
                if json {
                    let rows: Vec<_> = users
                        .iter()
                        .map(|(p, disabled)| {
                            serde_json::json!({"name": p.name, "org": p.org, "roles": p.roles,
                                "superadmin": p.superadmin, "disabled": disabled})
                        })
                        .collect();
                    let _ = writeln!(out, "{}", serde_json::to_string_pretty(&rows).expect("plain data"));
                } else {
                    for (p, disabled) in users {
                        let roles: Vec<&str> = p.roles.iter().map(|r| r.name()).collect();
                        let _ = writeln!(
                            out,
                            "{}  {}  {}{}{}",
                            crate::text::safe(&p.name),
                            crate::text::safe(&p.org),
                            roles.join(","),
                            if p.superadmin { "  superadmin" } else { "" },
                            if disabled { "  (disabled)" } else { "" }
                        );
                    }
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

pub fn login(
    settings: &Settings,
    server: &str,
    user: &str,
    password_stdin: bool,
    json: bool,
) -> Result<ExitCode, String> {
    let url = client::server_url(server).map_err(|e| e.to_string())?;
    let pw = password(password_stdin, &format!("password for {user} at {url}: "))?;
    let mut session =
        Session::open(&settings.db, user, settings.config.incident_types()).map_err(|e| e.to_string())?;
    let client = Client::new(&url).map_err(|e| e.to_string())?;
    let origin = session.store.device_id().map_err(|e| e.to_string())?;
    let key = session.store.signing_key().map_err(|e| e.to_string())?;
    let answer = runtime()?
        .block_on(client.login(user, &pw, &session.device, &origin, &key))
        .map_err(|e| e.to_string())?;
    let login = Login {
        server: url.clone(),
        user: answer.user.clone(),
        org: answer.org.clone(),
        roles: answer.roles.clone(),
        superadmin: answer.superadmin,
        token: answer.token,
        device: session.device.clone(),
        expires_at: answer.expires_at,
    };
    client::save_login(&settings.db, &login).map_err(|e| e.to_string())?;
    // The key that countersigns checkpoints: `log verify` checks against it.
    if !answer.server_key.is_empty() {
        session.store.set_meta("server_key", &answer.server_key).map_err(|e| e.to_string())?;
    }
    // The server's word that this replica's key is one of the organisation's: shared
    // reports carry it.
    session.store.set_meta("certificate", &answer.certificate).map_err(|e| e.to_string())?;
    session.store.set_meta("certified_org", &answer.org).map_err(|e| e.to_string())?;
    // A superadministrator may do everything: locally that is the administrator role.
    let mut local_roles = answer.roles.clone();
    if answer.superadmin && !local_roles.contains(&Role::Administrator) {
        local_roles.push(Role::Administrator);
    }
    session.signed_in(&url, &answer.user, &local_roles).map_err(|e| e.to_string())?;
    let roles: Vec<&str> = answer.roles.iter().map(|r| r.name()).collect();
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({"server": url, "user": answer.user, "org": answer.org, "roles": roles})
        );
    } else {
        let _ = writeln!(
            out,
            "signed in to {url} as {} ({}; {})",
            crate::text::safe(&answer.user),
            crate::text::safe(&answer.org),
            roles.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn logout(settings: &Settings) -> Result<ExitCode, String> {
    let Some(login) = client::load_login(&settings.db).map_err(|e| e.to_string())? else {
        println!("not signed in");
        return Ok(ExitCode::SUCCESS);
    };
    // End the session on the server if it can be reached; the local sign-in goes
    // either way (a lost laptop's token can be revoked by an administrator).
    let ended = Client::new(&login.server)
        .map_err(|e| e.to_string())
        .and_then(|c| runtime()?.block_on(c.logout(&login.token)).map_err(|e| e.to_string()));
    client::remove_login(&settings.db).map_err(|e| e.to_string())?;
    match ended {
        Ok(()) => println!("signed out of {}", login.server),
        Err(e) => println!(
            "signed out here; the server could not be told ({e}): an administrator can disable the session"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn signed_in(settings: &Settings) -> Result<Login, String> {
    client::load_login(&settings.db)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "not signed in; run `sitroom login --server URL --user NAME` first".to_string())
}

pub fn sync(settings: &Settings, cmd: Option<SyncCmd>, json: bool) -> Result<ExitCode, String> {
    let session = settings.open_session().map_err(|e| e.to_string())?;
    let mut store = session.store;
    let mut out = std::io::stdout().lock();
    if let Some(SyncCmd::Status) = cmd {
        let login = client::load_login(&settings.db).map_err(|e| e.to_string())?;
        let waiting = store.ops_waiting_to_push().map_err(|e| e.to_string())?;
        let held = store.ops_held().map_err(|e| e.to_string())?;
        let conflicts = store.conflicts(None).map_err(|e| e.to_string())?.len();
        let refused: Vec<String> =
            store.rejected_ops().map_err(|e| e.to_string())?.into_iter().map(|(_, why)| why).collect();
        let hash = store.state_hash().map_err(|e| e.to_string())?;
        if json {
            let v = serde_json::json!({
                "server": login.as_ref().map(|l| &l.server),
                "user": login.as_ref().map(|l| &l.user),
                "waiting": waiting,
                "held": held,
                "conflicts": conflicts,
                "refused": refused,
                "cursor": store.sync_cursor().map_err(|e| e.to_string())?,
                "state_hash": hash,
            });
            let _ = writeln!(out, "{v}");
        } else {
            match &login {
                Some(l) => {
                    let _ = writeln!(out, "server: {} as {}", l.server, crate::text::safe(&l.user));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "not signed in (changes stay here until you sign in or carry a bundle)"
                    );
                }
            }
            let _ = writeln!(out, "changes waiting: {waiting}\nconflicts: {conflicts}");
            if held > 0 {
                let _ = writeln!(out, "held back: {held} changes received wait for what they build on");
            }
            for r in refused {
                let _ = writeln!(out, "refused by the server: {}", crate::text::safe(&r));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut login = signed_in(settings)?;
    let client = Client::new(&login.server).map_err(|e| e.to_string())?;
    let report = runtime()?.block_on(client::sync(&mut store, &client, &mut login, 1000));
    let report = match report {
        Ok(r) => r,
        Err(ClientError::Offline(why)) => {
            let waiting = store.ops_waiting_to_push().unwrap_or(0);
            return Err(format!("offline ({why}); {waiting} changes wait here and go with the next sync"));
        }
        Err(e) => return Err(e.to_string()),
    };
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string(&report).expect("plain data"));
    } else {
        let _ = writeln!(
            out,
            "synced with {}: {} sent, {} received, {} waiting, {} conflicts",
            login.server, report.pushed, report.pulled, report.waiting, report.conflicts
        );
        if report.held > 0 {
            let _ = writeln!(out, "held back: {} changes received wait for what they build on", report.held);
        }
        for r in &report.refused {
            let _ = writeln!(out, "refused by the server: {}", crate::text::safe(r));
        }
    }
    Ok(if report.refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn bundle(s: &mut Session, cmd: BundleCmd, json: bool) -> Result<ExitCode, AppError> {
    let mut out = std::io::stdout().lock();
    let io = |path: &PathBuf, e: std::io::Error| AppError::Usage(format!("{}: {e}", path.display()));
    match cmd {
        BundleCmd::Export { since, file } => {
            let bundle = s.export_bundle(since)?;
            let tmp = file.with_extension("partial");
            let f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
            bundle.write(std::io::BufWriter::new(f)).map_err(|e| io(&tmp, e))?;
            std::fs::rename(&tmp, &file).map_err(|e| io(&file, e))?;
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({"ops": bundle.ops.len(), "through": bundle.through})
                );
            } else {
                let _ = writeln!(
                    out,
                    "{} changes written to {}; next time: --since {}",
                    bundle.ops.len(),
                    file.display(),
                    bundle.through
                );
            }
        }
        BundleCmd::Import { file, unverified } => {
            let f = std::fs::File::open(&file).map_err(|e| io(&file, e))?;
            let bundle = Bundle::read(std::io::BufReader::new(f))
                .map_err(|e| AppError::Usage(format!("{}: {e}", file.display())))?;
            let done = s.import_bundle(&bundle, unverified)?;
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::json!({"applied": done.applied, "already_here": done.duplicates,
                        "waiting": done.waiting, "failed": done.failed.len()})
                );
            } else {
                let _ = writeln!(
                    out,
                    "{} changes applied, {} already here, {} waiting for changes not here yet",
                    done.applied, done.duplicates, done.waiting
                );
                for (id, why) in &done.failed {
                    let _ = writeln!(out, "could not apply {id}: {}", crate::text::safe(why));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn conflict(s: &mut Session, cmd: ConflictCmd, json: bool) -> Result<ExitCode, AppError> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ConflictCmd::List => {
            let all = s.conflicts(None)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&all).expect("plain data"));
            } else if all.is_empty() {
                let _ = writeln!(out, "no conflicts");
            } else {
                for c in all {
                    let id = c.entity.to_string();
                    let _ = writeln!(
                        out,
                        "{} {} {} ({}): {} now {}",
                        c.kind.name(),
                        c.number,
                        c.field,
                        &id[..13],
                        c.field,
                        crate::text::safe(&c.current.to_string())
                    );
                    for o in c.others {
                        let _ = writeln!(
                            out,
                            "    also {} by {} on {} at {}",
                            crate::text::safe(&o.value.to_string()),
                            crate::text::safe(&o.author),
                            crate::text::safe(&o.device),
                            o.at.format("%Y-%m-%d %H:%M")
                        );
                    }
                }
            }
        }
        ConflictCmd::Resolve { id, field, value } => {
            let c = s.resolve_conflict(&id, &field, value)?;
            let _ = writeln!(out, "conflict on {} of {} {} settled", field, c.kind.name(), c.number);
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `sitroom admin`: administer the sync server's organisations and accounts (with the
//! server's --db)

use crate::app::settings::Settings;
use crate::cli::common::{any_server_store, password, read_input, roles};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::server::{ServerStore, SqliteServer};
use crate::text::safe;
use clap::Subcommand;

#[derive(clap::Args, Debug)]
pub struct AdminArgs {
    /// The server's store: a PostgreSQL URL (postgres://user@host/db) or a SQLite
    /// file [default: --db]. From the environment as SITROOM_STORE, which keeps a
    /// password out of the process list.
    #[arg(long, value_name = "URL", env = "SITROOM_STORE", hide_env_values = true)]
    pub store: Option<String>,
    #[command(subcommand)]
    pub cmd: AdminCmd,
}

#[derive(Subcommand, Debug)]
pub enum AdminCmd {
    /// Organisations (installations): one per municipality or agency
    #[command(subcommand)]
    Org(OrgCmd),
    /// Accounts that sign in to this server
    #[command(subcommand)]
    User(AdminUserCmd),
    /// The server's SSH side
    #[command(subcommand)]
    Ssh(SshCmd),
    /// Single sign-on: which of a provider's groups give which roles
    #[command(subcommand)]
    Sso(SsoCmd),
    /// Back the store up into a new file, while the server serves it (a consistent
    /// copy of one moment)
    Backup { file: std::path::PathBuf },
    /// Restore a backup into --db, which must be new (or an empty store); replicas
    /// that synced after the backup was taken send everything again
    Restore { file: std::path::PathBuf },
    /// After restoring a PostgreSQL store with pg_restore (into an empty database,
    /// before any server starts on it): move its epoch on, so replicas that synced after
    /// the dump send again what it lacks. (A SQLite store's `restore` does this itself.)
    Restored,
    /// Move the SQLite store FROM into the PostgreSQL store TO and verify it (counts,
    /// every op, the records and log hash chains they make). Interrupted, or run while
    /// the SQLite server still serves, run it again: it goes on from where it stopped
    /// and brings what is new. Clients keep their place: nothing is sent twice
    Migrate {
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// The newest sign-ins, refusals and role changes, newest first
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Subcommand, Debug)]
pub enum SsoCmd {
    /// Let a group (or app role) of the organisation's provider give roles; with no
    /// roles the group gives none any more. People get them at their next sign-in or
    /// the server's next check with the provider.
    Map {
        /// The organisation
        #[arg(long)]
        org: String,
        /// The group or app role as the provider's claim names it
        group: String,
        roles: Vec<String>,
    },
    /// Link an existing account (a password account, say) to a person of a provider
    /// before their first sign-in: by the provider's subject (Entra: TENANT/OBJECT
    /// id), or with --name by their sign-in name or verified e-mail once, and from then
    /// on by the subject. Unused, the link runs out
    Link {
        /// The account
        account: String,
        /// The provider's name in the server's config
        #[arg(long)]
        provider: String,
        /// The person's subject at the provider
        #[arg(long, conflicts_with = "name", required_unless_present = "name")]
        subject: Option<String>,
        /// Their sign-in name or verified e-mail, used once at the first sign-in
        #[arg(long)]
        name: Option<String>,
        /// Days until an unused link runs out
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// The links waiting for a first sign-in
    Links,
    /// Remove the links waiting for an account at a provider
    Unlink {
        account: String,
        #[arg(long)]
        provider: String,
    },
    /// Where the organisation's people's roles come from: their provider's groups
    /// (the default; `map` says which give what) or --by-hand (`admin user roles`;
    /// for providers without groups, like ID-porten)
    Roles {
        #[arg(long)]
        org: String,
        #[arg(long, conflicts_with = "from_groups", required_unless_present = "from_groups")]
        by_hand: bool,
        #[arg(long)]
        from_groups: bool,
    },
    /// The groups that give roles
    List,
    /// Make the organisation's people sign in through its provider (its
    /// administrators keep their passwords, for when the provider is down); --off to
    /// allow passwords again
    Require {
        #[arg(long)]
        org: String,
        #[arg(long)]
        off: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SshCmd {
    /// The SSH host key's fingerprint, for users to compare when they first connect
    Fingerprint,
}

#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// Register a public key (an id_ed25519.pub or id_rsa.pub file; - for standard input)
    Add {
        name: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Register every key of an authorized_keys file (options before a key are passed over)
    Import {
        name: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// The keys registered for an account, with their SHA-256 fingerprints
    List { name: String },
    /// Remove a key by its fingerprint (SHA256:…)
    Remove { name: String, fingerprint: String },
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
    /// SSH public keys the account may open a session with
    #[command(subcommand)]
    Key(KeyCmd),
}

pub fn run(settings: &Settings, args: AdminArgs, p: &Printer, out: Out<'_>) -> Ran {
    let cmd = args.cmd;
    let postgres = args.store.as_deref().filter(|s| crate::server::is_store_url(s));
    if let (Some(_), AdminCmd::Backup { .. } | AdminCmd::Restore { .. }) = (postgres, &cmd) {
        return Err(crate::say!(
            p.lang,
            "en PostgreSQL-database sikkerhetskopieres med pg_dump og gjenopprettes med pg_restore, deretter `sitroom admin --store URL restored`; se docs/service.md",
            "a PostgreSQL store is backed up with pg_dump and restored with pg_restore, then `sitroom admin --store URL restored`; see docs/service.md"
        )
        .into());
    }
    if let AdminCmd::Migrate { from, to } = &cmd {
        return migrate(from, to, p, out);
    }
    if let AdminCmd::Restored = cmd {
        let Some(url) = postgres else {
            return Err(crate::say!(
                p.lang,
                "en SQLite-database gjenopprettes med `sitroom admin restore FIL`, som gjør dette selv",
                "a SQLite store is restored with `sitroom admin restore FILE`, which does this itself"
            )
            .into());
        };
        let held = crate::server::PgServer::open(url, &std::env::temp_dir())?.restored()?;
        return said_held(p, out, &held, &crate::server::postgres_shown(url), false);
    }
    // A SQLite file named by --store stands for --db.
    let db = match args.store.as_deref().filter(|_| postgres.is_none()) {
        Some(path) => std::path::PathBuf::from(path),
        None => settings.db.clone(),
    };
    // These two open the files themselves: a restore's target must not be made first.
    match &cmd {
        AdminCmd::Backup { file } => {
            if !db.exists() {
                let db = db.display();
                return Err(crate::say!(
                    p.lang,
                    "det finnes ingen tjenerdatabase {db}",
                    "there is no server database {db}"
                )
                .into());
            }
            let held = SqliteServer::open(&db)?.backup(file)?;
            return said_held(p, out, &held, &file.display().to_string(), true);
        }
        AdminCmd::Restore { file } => {
            let held = SqliteServer::restore(file, &db)?;
            return said_held(p, out, &held, &db.display().to_string(), false);
        }
        _ => {}
    }
    let store = any_server_store(&db, postgres)?;
    let store = &*store;
    match cmd {
        AdminCmd::Org(OrgCmd::Add { name }) => {
            store.add_org(&name)?;
            let name = safe(&name);
            let said =
                crate::say!(p.lang, "organisasjonen «{name}» er lagt til", "organisation '{name}' added");
            writeln!(out, "{said}").map_err(io)?;
        }
        AdminCmd::Org(OrgCmd::Parent { org, parent, none }) => {
            if parent.is_none() && !none {
                return Err("say whom it reports to, or --none".into());
            }
            store.set_parent(&org, parent.as_deref())?;
            match &parent {
                Some(to) => {
                    let (org, to) = (safe(&org), safe(to));
                    writeln!(
                        out,
                        "{}",
                        crate::say!(p.lang, "«{org}» rapporterer til «{to}»", "'{org}' reports to '{to}'")
                    )
                }
                None => {
                    let org = safe(&org);
                    writeln!(
                        out,
                        "{}",
                        crate::say!(p.lang, "«{org}» rapporterer ikke til noen", "'{org}' reports to no one")
                    )
                }
            }
            .map_err(io)?;
        }
        AdminCmd::Org(OrgCmd::List) => {
            let orgs = store.parents()?;
            let list: Vec<_> =
                orgs.iter().map(|(o, to)| serde_json::json!({ "name": o, "reports_to": to })).collect();
            either(out, p, &list, |out| {
                for (o, to) in &orgs {
                    match to {
                        Some(to) => writeln!(out, "{}  → {}", safe(o), safe(to)),
                        None => writeln!(out, "{}", safe(o)),
                    }
                    .map_err(io)?;
                }
                Ok(())
            })?;
        }
        // (An import with refused lines exits 1: the key commands say how they went.)
        AdminCmd::User(AdminUserCmd::Key(cmd)) => return key(store, cmd, p, out),
        AdminCmd::User(cmd) => user(store, cmd, p, out)?,
        AdminCmd::Ssh(SshCmd::Fingerprint) => {
            let fingerprint = crate::server::ssh_keys::host_fingerprint(store.ssh_host_key());
            writeln!(out, "{fingerprint} (ED25519)").map_err(io)?;
        }
        AdminCmd::Sso(SsoCmd::Map { org, group, roles: names }) => {
            let given = roles(&names)?;
            store.set_sso_map(&org, &group, &given)?;
            let (org, group) = (safe(&org), safe(&group));
            let said = if given.is_empty() {
                crate::say!(
                    p.lang,
                    "gruppen «{group}» i «{org}» gir ingen roller",
                    "group '{group}' of '{org}' gives no roles"
                )
            } else {
                let list = crate::server::sso::roles_said(&given);
                crate::say!(
                    p.lang,
                    "gruppen «{group}» i «{org}» gir {list}",
                    "group '{group}' of '{org}' gives {list}"
                )
            };
            writeln!(out, "{said}").map_err(io)?;
        }
        AdminCmd::Sso(SsoCmd::Require { org, off }) => {
            store.set_sso_required(&org, !off)?;
            let org = safe(&org);
            let said = if off {
                crate::say!(
                    p.lang,
                    "«{org}» kan logge inn med passord igjen",
                    "'{org}' may sign in with passwords again"
                )
            } else {
                crate::say!(
                    p.lang,
                    "«{org}» logger inn gjennom identitetsleverandøren; administratorene beholder passordet",
                    "'{org}' signs in through its identity provider; its administrators keep their passwords"
                )
            };
            writeln!(out, "{said}").map_err(io)?;
        }
        AdminCmd::Sso(SsoCmd::Link { account, provider, subject, name, days }) => {
            let (key, by_name) = match (subject, name) {
                (Some(s), _) => (s, false),
                (None, Some(n)) => (n, true),
                (None, None) => return Err(crate::cli::error::usage("give --subject or --name".into())),
            };
            let expires_at = (chrono::Utc::now() + chrono::Duration::days(days.into())).timestamp_millis();
            let link = crate::server::sso::SsoLink { provider, key, by_name, account, expires_at };
            store.link_sso(&link)?;
            let what = format!("{}: {} → {} (for {days} days)", link.provider, link.key, link.account);
            store.audit(&crate::server::sso::Audited::now("link-made", what))?;
            let (account, provider, key) = (safe(&link.account), safe(&link.provider), safe(&link.key));
            let said = if by_name {
                crate::say!(
                    p.lang,
                    "«{account}» er koblet til den som først logger inn som «{key}» gjennom «{provider}» (i {days} dager)",
                    "'{account}' is linked to whoever first signs in as '{key}' through '{provider}' (for {days} days)"
                )
            } else {
                crate::say!(
                    p.lang,
                    "«{account}» er koblet til «{key}» hos «{provider}» (i {days} dager)",
                    "'{account}' is linked to '{key}' at '{provider}' (for {days} days)"
                )
            };
            writeln!(out, "{said}").map_err(io)?;
        }
        AdminCmd::Sso(SsoCmd::Links) => {
            let links = store.sso_links()?;
            let now = chrono::Utc::now().timestamp_millis();
            either(out, p, &links, |out| {
                for l in &links {
                    let until = chrono::DateTime::from_timestamp_millis(l.expires_at)
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default();
                    let state = if l.expires_at <= now { p.lang.pick("gått ut", "ran out") } else { until };
                    let how = if l.by_name { "name" } else { "subject" };
                    writeln!(
                        out,
                        "{}  {how} {}  → {}  ({state})",
                        safe(&l.provider),
                        safe(&l.key),
                        safe(&l.account)
                    )
                    .map_err(io)?;
                }
                Ok(())
            })?;
        }
        AdminCmd::Sso(SsoCmd::Unlink { account, provider }) => {
            let n = store.unlink_sso(&provider, &account)?;
            store
                .audit(&crate::server::sso::Audited::now("link-removed", format!("{provider}: {account}")))?;
            let account = safe(&account);
            writeln!(
                out,
                "{}",
                crate::say!(
                    p.lang,
                    "{n} koblinger for «{account}» fjernet",
                    "{n} links for '{account}' removed"
                )
            )
            .map_err(io)?;
        }
        AdminCmd::Sso(SsoCmd::Roles { org, by_hand, .. }) => {
            store.set_sso_roles_by_hand(&org, by_hand)?;
            let event = if by_hand { "roles-by-hand" } else { "roles-from-groups" };
            store.audit(&crate::server::sso::Audited {
                org: Some(org.clone()),
                ..crate::server::sso::Audited::now(event, String::new())
            })?;
            let org = safe(&org);
            let said = if by_hand {
                crate::say!(
                    p.lang,
                    "rollene i «{org}» gis for hånd (sitroom admin user roles); innlogging endrer dem ikke",
                    "roles in '{org}' are given by hand (sitroom admin user roles); signing in does not change them"
                )
            } else {
                crate::say!(
                    p.lang,
                    "rollene i «{org}» følger gruppene hos identitetsleverandøren",
                    "roles in '{org}' follow the groups at the identity provider"
                )
            };
            writeln!(out, "{said}").map_err(io)?;
        }
        AdminCmd::Sso(SsoCmd::List) => {
            let maps = store.sso_maps()?;
            let list: Vec<_> = maps
                .iter()
                .map(|(o, g, r)| {
                    serde_json::json!({"org": o, "group": g, "roles": r.iter().map(|r| r.name()).collect::<Vec<_>>()})
                })
                .collect();
            either(out, p, &list, |out| {
                for (o, g, r) in &maps {
                    writeln!(out, "{}  {}  → {}", safe(o), safe(g), crate::server::sso::roles_said(r))
                        .map_err(io)?;
                }
                Ok(())
            })?;
        }
        // Done above, before the store is opened.
        AdminCmd::Backup { .. }
        | AdminCmd::Restore { .. }
        | AdminCmd::Restored
        | AdminCmd::Migrate { .. } => {}
        AdminCmd::Audit { limit } => {
            let lines = store.audit_log(limit)?;
            either(out, p, &lines, |out| {
                for a in &lines {
                    let at = chrono::DateTime::from_timestamp_millis(a.at)
                        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default();
                    let who = a.account.as_deref().map(safe).unwrap_or_default();
                    let org = a.org.as_deref().map(safe).unwrap_or_default();
                    let from = a.address.as_deref().map(safe).unwrap_or_default();
                    let via = a.provider.as_deref().map(safe).unwrap_or_default();
                    writeln!(out, "{at}  {:<13} {who} ({org}) {via} {from}: {}", a.event, safe(&a.detail))
                        .map_err(io)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(true)
}

/// The keys an account may open an SSH session with.
fn key(store: &dyn ServerStore, cmd: KeyCmd, p: &Printer, out: Out<'_>) -> Ran {
    let lang = p.lang;
    let text = |file: &std::path::Path| -> Result<String, CliError> {
        String::from_utf8(read_input(file)?).map_err(|_| "the key file is not text".into())
    };
    // The lines that hold keys: not blank, not a comment.
    let lines = |t: &str| -> Vec<(usize, String)> {
        t.lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim().to_string()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
            .collect()
    };
    match cmd {
        KeyCmd::Add { name, file } => {
            let t = text(&file)?;
            if t.contains("PRIVATE KEY") {
                // The private key by mistake: said as for one line of it.
                if let Err(said) = crate::server::ssh_keys::parse_public(&t) {
                    return Err(said.into());
                }
            }
            let keys = lines(&t);
            let [(_, line)] = keys.as_slice() else {
                let n = keys.len();
                return Err(crate::say!(
                    lang,
                    "filen har {n} nøkler; gi én (eller bruk `admin user key import` for en authorized_keys-fil)",
                    "the file has {n} keys; give one (or use `admin user key import` for an authorized_keys file)"
                )
                .into());
            };
            let fingerprint = store.add_ssh_key(&name, line)?;
            let name = safe(&name);
            let said = crate::say!(
                lang,
                "nøkkel {fingerprint} lagt til for «{name}»",
                "key {fingerprint} added for '{name}'"
            );
            writeln!(out, "{said}").map_err(io)?;
            Ok(true)
        }
        KeyCmd::Import { name, file } => {
            let t = text(&file)?;
            let (mut added, mut refused) = (0, 0);
            for (n, line) in lines(&t) {
                match store.add_ssh_key(&name, &line) {
                    Ok(fingerprint) => {
                        added += 1;
                        writeln!(out, "{fingerprint}").map_err(io)?;
                    }
                    Err(e) => {
                        refused += 1;
                        eprintln!("{}: {} {n}: {e}", file.display(), lang.pick("linje", "line"));
                    }
                }
            }
            let said =
                crate::say!(lang, "{added} lagt til, {refused} avvist", "{added} added, {refused} refused");
            writeln!(out, "{said}").map_err(io)?;
            Ok(refused == 0)
        }
        KeyCmd::List { name } => {
            let keys = store.ssh_keys(&name)?;
            either(out, p, &keys, |out| {
                for k in &keys {
                    let at = crate::domain::time::from_millis(k.added_at).with_timezone(&chrono::Local);
                    writeln!(
                        out,
                        "{}  {}  {}  {}",
                        k.fingerprint,
                        k.algorithm,
                        safe(&k.comment),
                        at.format("%Y-%m-%d %H:%M")
                    )
                    .map_err(io)?;
                }
                Ok(())
            })?;
            Ok(true)
        }
        KeyCmd::Remove { name, fingerprint } => {
            store.remove_ssh_key(&name, &fingerprint)?;
            let name = safe(&name);
            let said = crate::say!(
                lang,
                "nøkkel {fingerprint} fjernet fra «{name}»",
                "key {fingerprint} removed from '{name}'"
            );
            writeln!(out, "{said}").map_err(io)?;
            Ok(true)
        }
    }
}

fn user(store: &dyn ServerStore, cmd: AdminUserCmd, p: &Printer, out: Out<'_>) -> Result<(), CliError> {
    match cmd {
        AdminUserCmd::Key(cmd) => return key(store, cmd, p, out).map(|_| ()),
        AdminUserCmd::Add { name, org, roles: names, superadmin, password_stdin } => {
            let roles = roles(&names)?;
            if roles.is_empty() && !superadmin {
                return Err("give the account at least one --role".into());
            }
            let pw = password(
                password_stdin,
                &crate::say!(p.lang, "passord for {name}: ", "password for {name}: "),
            )?;
            store.add_user(&name, &org, &roles, superadmin, &pw)?;
            let (name, org) = (safe(&name), safe(&org));
            let said = crate::say!(
                p.lang,
                "kontoen «{name}» er lagt til i {org}",
                "account '{name}' added to {org}"
            );
            writeln!(out, "{said}")
        }
        AdminUserCmd::Roles { name, roles: names } => {
            store.set_roles(&name, &roles(&names)?)?;
            let name = safe(&name);
            writeln!(
                out,
                "{}",
                crate::say!(p.lang, "rollene til «{name}» er byttet", "roles of '{name}' replaced")
            )
        }
        AdminUserCmd::Disable { name } => {
            store.set_disabled(&name, true)?;
            let name = safe(&name);
            let said = crate::say!(
                p.lang,
                "kontoen «{name}» er slått av; øktene er avsluttet",
                "account '{name}' disabled; its sessions have ended"
            );
            writeln!(out, "{said}")
        }
        AdminUserCmd::Enable { name } => {
            store.set_disabled(&name, false)?;
            let name = safe(&name);
            writeln!(
                out,
                "{}",
                crate::say!(p.lang, "kontoen «{name}» er slått på", "account '{name}' enabled")
            )
        }
        AdminUserCmd::List => {
            let users = store.users()?;
            let rows: Vec<_> = users
                .iter()
                .map(|(a, disabled)| {
                    serde_json::json!({"name": a.name, "org": a.org, "roles": a.roles,
                        "superadmin": a.superadmin, "disabled": disabled})
                })
                .collect();
            return either(out, p, &rows, |out| {
                for (a, disabled) in &users {
                    let roles: Vec<&str> = a.roles.iter().map(|r| r.name()).collect();
                    writeln!(
                        out,
                        "{}  {}  {}{}{}",
                        safe(&a.name),
                        safe(&a.org),
                        roles.join(","),
                        if a.superadmin { "  superadmin" } else { "" },
                        if *disabled { "  (disabled)" } else { "" }
                    )
                    .map_err(io)?;
                }
                Ok(())
            });
        }
    }
    .map_err(io)
}

/// What a backup or a restore holds, said.
fn said_held(p: &Printer, out: Out<'_>, held: &crate::server::Held, file: &str, backup: bool) -> Ran {
    either(out, p, held, |out| {
        let (orgs, accounts, changes, epoch) = (held.organisations, held.accounts, held.changes, held.epoch);
        let file = safe(file);
        let said = if backup {
            crate::say!(
                p.lang,
                "sikkerhetskopi i {file}: {orgs} organisasjoner, {accounts} kontoer, {changes} endringer",
                "backed up into {file}: {orgs} organisations, {accounts} accounts, {changes} changes"
            )
        } else {
            crate::say!(
                p.lang,
                "gjenopprettet i {file}: {orgs} organisasjoner, {accounts} kontoer, {changes} endringer (epoke {epoch}: replikaer som synkroniserte etter kopien, sender alt på nytt)",
                "restored into {file}: {orgs} organisations, {accounts} accounts, {changes} changes (epoch {epoch}: replicas that synced after the backup send everything again)"
            )
        };
        writeln!(out, "{said}").map_err(io)
    })?;
    Ok(true)
}

/// `admin migrate`: the move, its progress on standard error, what it did.
fn migrate(from: &std::path::Path, to: &str, p: &Printer, out: Out<'_>) -> Ran {
    if !crate::server::is_store_url(to) {
        return Err(crate::say!(
            p.lang,
            "--to må være en PostgreSQL-adresse (postgres://…)",
            "--to must be a PostgreSQL URL (postgres://…)"
        )
        .into());
    }
    let store = crate::server::PgServer::open(to, &std::env::temp_dir())?;
    let moved = store.migrate_from(from, &mut |said| eprintln!("{said}"))?;
    either(out, p, &moved, |out| {
        let (ops, new, chains, behind) = (moved.ops, moved.ops_new, moved.chains, moved.behind);
        let rows: i64 = moved.tables.iter().map(|(_, n)| n).sum();
        let said = crate::say!(
            p.lang,
            "flyttet og kontrollert: {ops} endringer ({new} nye nå), {rows} rader i tjenerens tabeller; hver endring lik, postene like, hash-kjedene i {chains} hendelser hele",
            "moved and verified: {ops} changes ({new} new now), {rows} rows of the server's tables; every change the same, the records the same, the hash chains of {chains} incidents intact"
        );
        writeln!(out, "{said}").map_err(io)?;
        if behind > 0 {
            let said = crate::say!(
                p.lang,
                "SQLite-databasen har tatt imot {behind} endringer siden: stopp tjeneren på den og kjør flyttingen én gang til",
                "the SQLite store has taken {behind} changes since: stop its server and run the move once more"
            );
            writeln!(out, "{said}").map_err(io)?;
        }
        Ok(())
    })?;
    Ok(true)
}

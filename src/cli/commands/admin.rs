//! `sitroom admin`: administer the sync server's organisations and accounts (with the
//! server's --db)

use crate::app::settings::Settings;
use crate::cli::common::{password, roles, server_store};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::server::{ServerStore, SqliteServer};
use crate::text::safe;
use clap::Subcommand;

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

pub fn run(settings: &Settings, cmd: AdminCmd, p: &Printer, out: Out<'_>) -> Ran {
    let store = server_store(settings)?;
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
        AdminCmd::User(cmd) => user(&store, cmd, p, out)?,
    }
    Ok(true)
}

fn user(store: &SqliteServer, cmd: AdminUserCmd, p: &Printer, out: Out<'_>) -> Result<(), CliError> {
    match cmd {
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

//! `sitroom admin`: administer the sync server's organisations and accounts (with the
//! server's --db)

use crate::app::settings::Settings;
use crate::cli::common::{password, roles, server_store};
use crate::cli::error::Ran;
use crate::server;
use crate::server::ServerStore;
use clap::Subcommand;
use std::io::Write;

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

pub fn run(settings: &Settings, cmd: AdminCmd, json: bool) -> Ran {
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
    Ok(true)
}

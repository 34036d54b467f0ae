//! `sitroom user`: users and their roles

use crate::app::Session;
use crate::cli::error::{Out, Ran};
use crate::cli::output::Printer;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a user with one or more roles (the first user must be an administrator)
    Add {
        name: String,
        /// administrator, beredskapsmedarbeider, informasjonsmedarbeider, kriseledelse, loggfører, eps, gjest
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// List users and their roles
    List,
    /// Replace a user's roles
    Roles {
        name: String,
        #[arg(required = true, num_args = 1.., value_delimiter = ',')]
        roles: Vec<String>,
    },
}

pub fn run(s: &mut Session, cmd: UserCmd, p: &Printer, out: Out<'_>) -> Ran {
    use crate::domain::roles::Role;
    let parse = |names: &[String]| names.iter().map(|r| Role::parse(r)).collect::<Result<Vec<_>, _>>();
    match cmd {
        UserCmd::Add { name, roles } => {
            let u = s.add_user(&name, &parse(&roles)?)?;
            p.user(out, &u)?;
        }
        UserCmd::List => p.users(out, &s.users()?)?,
        UserCmd::Roles { name, roles } => {
            let u = s.set_roles(&name, &parse(&roles)?)?;
            p.user(out, &u)?;
        }
    }
    Ok(true)
}

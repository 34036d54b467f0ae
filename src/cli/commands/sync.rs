//! `sitroom sync`: sync now: send what the server has not got, fetch what is new

use crate::app::settings::Settings;
use crate::cli::common::{runtime, signed_in};
use crate::cli::error::{io, usage, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::sync::client;
use crate::sync::client::{Client, ClientError};
use crate::text::safe;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum SyncCmd {
    /// Where this replica stands: server, changes waiting, conflicts, refusals
    Status,
}

pub fn run(settings: &Settings, cmd: Option<SyncCmd>, p: &Printer, out: Out<'_>) -> Ran {
    let mut store = settings.open_session()?.store;
    if let Some(SyncCmd::Status) = cmd {
        let login = client::load_login(&settings.db)?;
        let waiting = store.ops_waiting_to_push()?;
        let held = store.ops_held()?;
        let conflicts = store.conflicts(None)?.len();
        let refused: Vec<String> = store.rejected_ops()?.into_iter().map(|(_, why)| why).collect();
        let status = serde_json::json!({
            "server": login.as_ref().map(|l| &l.server),
            "user": login.as_ref().map(|l| &l.user),
            "waiting": waiting,
            "held": held,
            "conflicts": conflicts,
            "refused": refused,
            "cursor": store.sync_cursor()?,
            "state_hash": store.state_hash()?,
        });
        either(out, p, &status, |out| {
            match &login {
                Some(l) => writeln!(out, "server: {} as {}", l.server, safe(&l.user)),
                None => {
                    writeln!(out, "not signed in (changes stay here until you sign in or carry a bundle)")
                }
            }
            .map_err(io)?;
            writeln!(out, "changes waiting: {waiting}\nconflicts: {conflicts}").map_err(io)?;
            held_and_refused(out, held, &refused)
        })?;
        return Ok(true);
    }
    let mut login = signed_in(settings)?;
    let client = Client::new(&login.server)?;
    let report = match runtime()?.block_on(client::sync(&mut store, &client, &mut login, 1000)) {
        Ok(r) => r,
        Err(ClientError::Offline(why)) => {
            let waiting = store.ops_waiting_to_push().unwrap_or(0);
            return Err(usage(format!(
                "offline ({why}); {waiting} changes wait here and go with the next sync"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    either(out, p, &report, |out| {
        writeln!(
            out,
            "synced with {}: {} sent, {} received, {} waiting, {} conflicts",
            login.server, report.pushed, report.pulled, report.waiting, report.conflicts
        )
        .map_err(io)?;
        held_and_refused(out, report.held, &report.refused)
    })?;
    Ok(report.refused.is_empty())
}

fn held_and_refused(out: Out<'_>, held: i64, refused: &[String]) -> Result<(), crate::cli::error::CliError> {
    if held > 0 {
        writeln!(out, "held back: {held} changes received wait for what they build on").map_err(io)?;
    }
    for r in refused {
        writeln!(out, "refused by the server: {}", safe(r)).map_err(io)?;
    }
    Ok(())
}

//! `sitroom sync`: sync now: send what the server has not got, fetch what is new

use crate::app::settings::Settings;
use crate::cli::common::{runtime, signed_in};
use crate::cli::error::Ran;
use crate::sync::client;
use crate::sync::client::{Client, ClientError};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum SyncCmd {
    /// Where this replica stands: server, changes waiting, conflicts, refusals
    Status,
}

pub fn run(settings: &Settings, cmd: Option<SyncCmd>, json: bool) -> Ran {
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
        return Ok(true);
    }
    let mut login = signed_in(settings)?;
    let client = Client::new(&login.server).map_err(|e| e.to_string())?;
    let report = runtime()?.block_on(client::sync(&mut store, &client, &mut login, 1000));
    let report = match report {
        Ok(r) => r,
        Err(ClientError::Offline(why)) => {
            let waiting = store.ops_waiting_to_push().unwrap_or(0);
            return Err(
                format!("offline ({why}); {waiting} changes wait here and go with the next sync").into()
            );
        }
        Err(e) => return Err(e.to_string().into()),
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
    Ok(report.refused.is_empty())
}

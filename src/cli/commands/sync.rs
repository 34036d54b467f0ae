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
            let said = match &login {
                Some(l) => {
                    let (server, user) = (&l.server, safe(&l.user));
                    crate::say!(p.lang, "tjener: {server} som {user}", "server: {server} as {user}")
                }
                None => p.lang.pick(
                    "ikke logget inn (endringene blir her til du logger inn eller bærer en bunt)",
                    "not signed in (changes stay here until you sign in or carry a bundle)",
                ),
            };
            writeln!(out, "{said}").map_err(io)?;
            let counts = crate::say!(
                p.lang,
                "endringer som venter: {waiting}\nkonflikter: {conflicts}",
                "changes waiting: {waiting}\nconflicts: {conflicts}"
            );
            writeln!(out, "{counts}").map_err(io)?;
            held_and_refused(out, p.lang, held, &refused)
        })?;
        return Ok(true);
    }
    let mut login = signed_in(settings)?;
    let client = Client::new(&login.server)?;
    // Asked to sync now: who holds which role, and which boards one may see, too
    // (the background sync asks every five minutes).
    store.set_meta("roster_checked", "0")?;
    let report = match runtime()?.block_on(client::sync(&mut store, &client, &mut login, 1000)) {
        Ok(r) => r,
        Err(ClientError::Offline(why)) => {
            let waiting = store.ops_waiting_to_push().unwrap_or(0);
            return Err(usage(crate::say!(
                p.lang,
                "frakoblet ({why}); {waiting} endringer venter her og går med neste synkronisering",
                "offline ({why}); {waiting} changes wait here and go with the next sync"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    either(out, p, &report, |out| {
        let (server, sent, got, waiting, conflicts) =
            (&login.server, report.pushed, report.pulled, report.waiting, report.conflicts);
        let said = crate::say!(
            p.lang,
            "synkronisert med {server}: {sent} sendt, {got} mottatt, {waiting} venter, {conflicts} konflikter",
            "synced with {server}: {sent} sent, {got} received, {waiting} waiting, {conflicts} conflicts"
        );
        writeln!(out, "{said}").map_err(io)?;
        held_and_refused(out, p.lang, report.held, &report.refused)
    })?;
    Ok(report.refused.is_empty())
}

fn held_and_refused(
    out: Out<'_>,
    lang: crate::i18n::Lang,
    held: i64,
    refused: &[String],
) -> Result<(), crate::cli::error::CliError> {
    if held > 0 {
        let said = crate::say!(
            lang,
            "holdt tilbake: {held} mottatte endringer venter på det de bygger på",
            "held back: {held} changes received wait for what they build on"
        );
        writeln!(out, "{said}").map_err(io)?;
    }
    for r in refused {
        let r = safe(r);
        writeln!(out, "{}", crate::say!(lang, "avvist av tjeneren: {r}", "refused by the server: {r}"))
            .map_err(io)?;
    }
    Ok(())
}

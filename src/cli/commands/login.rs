//! `sitroom login`: sign this database in to a sync server (with --user NAME);
//! `sitroom logout`: end the session on the server and forget it here

use crate::app::settings::Settings;
use crate::app::Session;
use crate::cli::common::{password, runtime};
use crate::cli::error::Ran;
use crate::domain::roles::Role;
use crate::sync::client;
use crate::sync::client::{Client, Login};
use std::io::Write;

pub fn login(settings: &Settings, server: &str, user: &str, password_stdin: bool, json: bool) -> Ran {
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
    Ok(true)
}

pub fn logout(settings: &Settings) -> Ran {
    let Some(login) = client::load_login(&settings.db).map_err(|e| e.to_string())? else {
        println!("not signed in");
        return Ok(true);
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
    Ok(true)
}

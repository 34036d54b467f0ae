//! `sitroom login`: sign this database in to a sync server (with --user NAME);
//! `sitroom logout`: end the session on the server and forget it here

use crate::app::settings::Settings;
use crate::app::Session;
use crate::cli::common::{password, runtime};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::domain::roles::Role;
use crate::sync::client;
use crate::sync::client::{Client, Login};
use crate::text::safe;

pub fn login(
    settings: &Settings,
    server: &str,
    user: &str,
    password_stdin: bool,
    p: &Printer,
    out: Out<'_>,
) -> Ran {
    let url = client::server_url(server)?;
    let pw = password(
        password_stdin,
        &crate::say!(p.lang, "passord for {user} på {url}: ", "password for {user} at {url}: "),
    )?;
    let mut session = Session::open(&settings.db, user, settings.config.incident_types())?;
    let client = Client::new(&url)?;
    let origin = session.store.device_id()?;
    let key = session.store.signing_key()?;
    let answer = match runtime()?.block_on(client.login(user, &pw, &session.device, &origin, &key)) {
        Ok(answer) => answer,
        // The server says why in English (its protocol's language); a refused sign-in is
        // said in the user's.
        // Other refusals (a disabled account, an organisation that signs in through its
        // provider) are said as the server says them.
        Err(client::ClientError::SignedOut(why)) if !why.contains("wrong user name or password") => {
            return Err(
                crate::say!(settings.lang, "innlogging avvist: {why}", "sign-in refused: {why}").into()
            )
        }
        Err(client::ClientError::SignedOut(_)) => {
            return Err(crate::say!(
                settings.lang,
                "feil brukernavn eller passord for {user} på {url}",
                "wrong user name or password for {user} at {url}"
            )
            .into())
        }
        Err(e) => return Err(e.into()),
    };
    signed_in(settings, &mut session, &url, answer, p, out)
}

/// `sitroom login --sso`: a code and an address for any browser; the session comes
/// when the person has signed in there.
pub fn login_sso(
    settings: &Settings,
    server: &str,
    provider: Option<&str>,
    p: &Printer,
    out: Out<'_>,
) -> Ran {
    let url = client::server_url(server)?;
    // Who signs in, the provider says: the local user is set when it has.
    let mut session =
        Session::open(&settings.db, crate::sync::wire::SSO_USER, settings.config.incident_types())?;
    let client = Client::new(&url)?;
    let origin = session.store.device_id()?;
    let key = session.store.signing_key()?;
    let rt = runtime()?;
    let started = rt.block_on(client.sso_start(provider.unwrap_or(""), &session.device, &origin, &key))?;
    let (code, page, complete) = (
        safe(&started.user_code).into_owned(),
        safe(&started.verification_uri).into_owned(),
        safe(&started.verification_uri_complete).into_owned(),
    );
    // What to do goes to standard error: standard output is the result (and --json).
    let said = crate::say!(
        p.lang,
        "Åpne {page} i en nettleser (på hvilken som helst enhet) og skriv koden\n\n    {code}\n\neller åpne {complete}, eller skann koden med telefonen:\n",
        "Open {page} in a browser (on any device) and type the code\n\n    {code}\n\nor open {complete}, or scan this with your phone:\n"
    );
    eprintln!("{said}");
    // For a phone's camera: the address with the code in it.
    for line in crate::qr::lines(&started.verification_uri_complete) {
        eprintln!("    {line}");
    }
    eprintln!("\n{}", p.lang.pick("Venter på at du logger inn …", "Waiting for you to sign in …"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(started.expires_in.into());
    let every = std::time::Duration::from_secs(started.interval.clamp(1, 30).into());
    let answer = loop {
        if std::time::Instant::now() >= deadline {
            return Err(p
                .lang
                .pick(
                    "ingen logget inn innen ti minutter; prøv igjen",
                    "nobody signed in within ten minutes; try again",
                )
                .into());
        }
        std::thread::sleep(every);
        match rt.block_on(client.sso_poll(&started.poll_token)) {
            Ok(Some(answer)) => break answer,
            Ok(None) => {}
            // The link may come and go while the person signs in: keep polling.
            Err(client::ClientError::Offline(_)) => {}
            Err(e) => return Err(e.into()),
        }
    };
    signed_in(settings, &mut session, &url, answer, p, out)
}

/// Keep the session the server opened, and say who signed in.
fn signed_in(
    settings: &Settings,
    session: &mut Session,
    url: &str,
    answer: crate::sync::wire::LoginResponse,
    p: &Printer,
    out: Out<'_>,
) -> Ran {
    let url = url.to_string();
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
    client::save_login(&settings.db, &login)?;
    // The key that countersigns checkpoints: `log verify` checks against it.
    if !answer.server_key.is_empty() {
        session.store.set_meta("server_key", &answer.server_key)?;
    }
    // The server's word that this replica's key is one of the organisation's: shared
    // reports carry it.
    session.store.set_meta("certificate", &answer.certificate)?;
    session.store.set_meta("certified_org", &answer.org)?;
    // A superadministrator may do everything: locally that is the administrator role.
    let mut local_roles = answer.roles.clone();
    if answer.superadmin && !local_roles.contains(&Role::Administrator) {
        local_roles.push(Role::Administrator);
    }
    session.signed_in(&url, &answer.user, &local_roles)?;
    let roles: Vec<&str> = answer.roles.iter().map(|r| r.name()).collect();
    let signed = serde_json::json!({"server": url, "user": answer.user, "org": answer.org, "roles": roles});
    either(out, p, &signed, |out| {
        let (user, org) = (safe(&answer.user), safe(&answer.org));
        let roles = roles.join(", ");
        let said = crate::say!(
            p.lang,
            "logget inn på {url} som {user} ({org}; {roles})",
            "signed in to {url} as {user} ({org}; {roles})"
        );
        writeln!(out, "{said}").map_err(io)
    })?;
    Ok(true)
}

pub fn logout(settings: &Settings, out: Out<'_>) -> Ran {
    let lang = settings.lang;
    let Some(login) = client::load_login(&settings.db)? else {
        writeln!(out, "{}", lang.pick("ikke logget inn", "not signed in")).map_err(io)?;
        return Ok(true);
    };
    // End the session on the server if it can be reached; the local sign-in goes
    // either way (a lost laptop's token can be revoked by an administrator).
    let ended = Client::new(&login.server)
        .map_err(CliError::from)
        .and_then(|c| Ok(runtime()?.block_on(c.logout(&login.token))?));
    client::remove_login(&settings.db)?;
    let server = &login.server;
    let said = match ended {
        Ok(()) => crate::say!(lang, "logget ut av {server}", "signed out of {server}"),
        Err(e) => {
            let why = e.to_string();
            crate::say!(
                lang,
                "logget ut her; tjeneren kunne ikke få beskjed ({why}): en administrator kan slå av økten",
                "signed out here; the server could not be told ({why}): an administrator can disable the session"
            )
        }
    };
    writeln!(out, "{said}").map_err(io)?;
    Ok(true)
}

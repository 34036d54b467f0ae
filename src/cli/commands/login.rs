//! `sitroom login`: sign this database in to a sync server (with --user NAME);
//! `sitroom logout`: end the session on the server and forget it here

use crate::app::settings::Settings;
use crate::app::Session;
use crate::cli::common::{password, runtime};
use crate::cli::error::{io, CliError, Out, Ran};
use crate::cli::output::{either, Printer};
use crate::sync::client;
use crate::sync::client::Client;
use crate::sync::sso;
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
    signed_in(&mut session, &url, answer, p, out)
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
    let shown = sso::Shown::of(&started);
    let (code, page, complete) = (&shown.code, &shown.page, &shown.complete);
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
    let never = std::sync::atomic::AtomicBool::new(false);
    let answer = match rt.block_on(sso::wait(&client, &started, &never))? {
        sso::Waited::Done(answer) => *answer,
        sso::Waited::Expired | sso::Waited::Stopped => {
            return Err(p
                .lang
                .pick(
                    "ingen logget inn før koden gikk ut; prøv igjen",
                    "nobody signed in before the code ran out; try again",
                )
                .into())
        }
    };
    signed_in(&mut session, &url, answer, p, out)
}

/// Keep the session the server opened, and say who signed in.
fn signed_in(
    session: &mut Session,
    url: &str,
    answer: crate::sync::wire::LoginResponse,
    p: &Printer,
    out: Out<'_>,
) -> Ran {
    let login = session.accept_login(url, answer)?;
    let roles: Vec<&str> = login.roles.iter().map(|r| r.name()).collect();
    let signed = serde_json::json!({"server": url, "user": login.user, "org": login.org, "roles": roles});
    either(out, p, &signed, |out| {
        let (user, org) = (safe(&login.user), safe(&login.org));
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

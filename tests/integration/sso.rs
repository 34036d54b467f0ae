//! Single sign-on against a real OpenID provider (panva's certified `oidc-provider`
//! on 127.0.0.1): `sitroom login --sso` shows a code, a browser signs in at the
//! provider through the server, and the replica gets its session and syncs.

use crate::common::oidc::{free_port, Browser, Provider, SECRET};
use crate::common::server::Server;
use crate::common::Home;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

const ORG: &str = "Sandefjord kommune";

struct Setup {
    provider: Provider,
    server: Server,
    /// The server's config (serve.toml).
    config: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// A provider with Kari (in the log-keepers' group) and Ola (in no group that gives
/// a role), a server whose config sets it up for the organisation.
fn setup() -> Setup {
    setup_with(&[], "15m")
}

fn setup_with(flags: &[&str], recheck: &str) -> Setup {
    setup_more(flags, recheck, false, |_| String::new())
}

/// As [`setup`], with extra `serve` flags, the server's interval between checks with
/// the provider, and more of the config (given the provider's issuer).
/// `device`: the server uses the provider's own device grant (else its own page).
fn setup_more(flags: &[&str], recheck: &str, device: bool, more: impl Fn(&str) -> String) -> Setup {
    setup_on(None, flags, recheck, device, more)
}

/// As [`setup_more`], the server on a store of the test's choosing (None: the run's).
fn setup_on(
    store: Option<(String, std::sync::Arc<crate::common::postgres::Cluster>)>,
    flags: &[&str],
    recheck: &str,
    device: bool,
    more: impl Fn(&str) -> String,
) -> Setup {
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(
        &format!("{public}/sso/callback"),
        &[
            ("kari-7f3a", "Kari Nordmann", "kari.nordmann@sandefjord.kommune.no", &["stab-logg"]),
            ("ola-19c2", "Ola Ås", "ola.aas@sandefjord.kommune.no", &["alle-ansatte"]),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "[sso]\npublic_url = \"{public}\"\nrecheck = \"{recheck}\"\n\n[[sso.provider]]\nname = \"kommunen\"\norg = \"{ORG}\"\n\
             issuer = \"{}\"\nclient_id = \"sitroom\"\nclient_secret = \"{SECRET}\"\n\
             scopes = [\"openid\", \"profile\", \"email\", \"groups\", \"offline_access\"]\n\
             device_flow = {device}\n",
            provider.issuer
        ) + &more(&provider.issuer),
    )
    .unwrap();
    let mut args = vec!["--config", config.to_str().unwrap()];
    args.extend_from_slice(flags);
    let listen = format!("127.0.0.1:{port}");
    let server = match store {
        Some(store) => Server::start_listen_on(&listen, &args, Some(store)),
        None => Server::start_listen(&listen, &args),
    };
    server.add_org(ORG);
    let out = server.admin(&["sso", "map", "--org", ORG, "stab-logg", "loggfører"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Setup { provider, server, config, _dir: dir }
}

/// `sitroom login --sso` (with `extra` flags) started: the process, and what it said
/// up to "Waiting" (the address, its code, the QR code); the rest of its standard
/// error is kept for when it ends.
fn spawn_login(home: &Home, server: &Server, extra: &[&str]) -> (Login, String) {
    let mut child = home
        .cmd()
        .args(["login", "--server", &server.url, "--sso"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("Waiting for you to sign in") {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "login --sso ended saying: {said}");
        said.push_str(&line);
    }
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).ok();
        rest
    });
    (Login { child, rest }, said)
}

/// `sitroom login --sso` started: the process, the address, the code.
fn start_login(home: &Home, server: &Server) -> (Login, String, String) {
    let (login, said) = spawn_login(home, server, &[]);
    let page = address_in(&said).unwrap_or_else(|| panic!("no address in: {said}"));
    let code = page.split("code=").nth(1).unwrap().to_string();
    // The QR code a phone would scan says the same address.
    let qr: Vec<String> = said.lines().filter(|l| l.contains('█')).map(String::from).collect();
    assert_eq!(crate::common::read_qr(&qr).as_deref(), Some(page.as_str()), "{said}");
    (login, page, code)
}

struct Login {
    child: Child,
    rest: std::thread::JoinHandle<String>,
}

impl Login {
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Wait for it to end: whether it succeeded, its output and its standard error.
    fn wait(self) -> (bool, String, String) {
        let out = self.child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), self.rest.join().unwrap())
    }
}

/// The sign-in address (with its code) in what `login --sso` said.
fn address_in(said: &str) -> Option<String> {
    let i = said.find("/sso?code=")?;
    let start = said[..i].rfind(char::is_whitespace).map_or(0, |s| s + 1);
    Some(said[start..].chars().take_while(|c| !c.is_whitespace() && *c != ',').collect())
}

/// A person signs in at the provider from the page, as `who`: the page says which
/// device asks, they go on, and sign in at the provider.
fn sign_in(browser: &mut Browser, page: &str, who: &str) -> crate::common::oidc::Page {
    let confirm = browser.open(page);
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("asks to sign in"), "{}", confirm.body);
    let form = browser.submit(&confirm, &[]);
    assert!(form.body.contains("<form"), "the provider's sign-in page: {} {}", form.status, form.body);
    browser.submit(&form, &[("login", who)])
}

#[test]
fn a_person_signs_in_through_the_provider_and_their_entries_sync() {
    let s = setup();
    let home = Home::new();
    let (child, page, code) = start_login(&home, &s.server);
    assert_eq!(code.len(), 9, "a code of eight letters: {code}");

    let mut browser = Browser::new();
    let done = sign_in(&mut browser, &page, "kari-7f3a");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("kari.nordmann") && done.body.contains(ORG), "{}", done.body);

    let (ok, said, err) = child.wait();
    assert!(ok, "{said}{err}");
    assert!(said.contains("kari.nordmann") && said.contains("loggfører"), "the role from her group: {said}");

    // The account was made just in time, in the provider's organisation, with the
    // role its group gives; and it was audited.
    let users = String::from_utf8_lossy(&s.server.admin(&["user", "list"]).stdout).to_string();
    assert!(users.contains("kari.nordmann") && users.contains(ORG), "{users}");
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert!(
        audit.contains("signed-in") && audit.contains("account-made") && audit.contains("kommunen"),
        "{audit}"
    );

    // Her replica writes and syncs like any other: the crisis leader (signed in with
    // a password) opens the incident, she logs in it, he sees her entry.
    s.server.add_user("ola-vakt", ORG, &["kriseledelse"]);
    let colleague = Home::new();
    colleague.login(&s.server.url, "ola-vakt");
    colleague.ok(&["incident", "new", "--title", "Flom i Numedalslågen", "--type", "flom"]);
    colleague.ok(&["sync"]);
    home.ok(&["sync"]);
    home.ok(&["log", "add", "Kari: Brannvesenet melder at Fv 40 er stengt ved Hvarnes"]);
    home.ok(&["sync"]);
    colleague.ok(&["sync"]);
    let texts: Vec<String> =
        colleague.entries().iter().map(|e| e["text"].as_str().unwrap_or("").to_string()).collect();
    assert!(texts.iter().any(|t| t.contains("Fv 40 er stengt")), "{texts:?}");

    // The code is used up: the page refuses it now.
    let again = browser.open(&page);
    assert_eq!(again.status, 400, "{}", again.body);
}

/// Two servers of one store behind one address (a load balancer): the terminal starts
/// its sign-in and polls at the second, the browser opens the page and sets off to the
/// provider at the second too, the provider sends it back to the first (the public
/// address), and the terminal gets its session. On PostgreSQL, the national case; on
/// one SQLite file, two servers of it.
fn a_sign_in_started_at_one_server_finishes_through_another(
    store: Option<(String, std::sync::Arc<crate::common::postgres::Cluster>)>,
) {
    let s = setup_on(store, &[], "15m", false, |_| String::new());
    let second = s.server.another_with("127.0.0.1:0", &["--config", s.config.to_str().unwrap()]);
    let home = Home::new();
    let (child, page, _) = start_login(&home, &second);
    assert!(page.starts_with(&s.server.url), "the page is at the public address, the first server: {page}");
    // (Behind a balancer one address reaches either: here the page is the second's.)
    let done = sign_in(&mut Browser::new(), &page.replace(&s.server.url, &second.url), "kari-7f3a");
    assert_eq!(done.status, 200, "{}", done.body);
    let (ok, said, err) = child.wait();
    assert!(ok, "the terminal's poll at the second server gets the session: {said}{err}");
    assert!(said.contains("kari.nordmann"), "{said}");
    // The session is one every server of the store knows.
    home.ok(&["sync"]);
    let audit = String::from_utf8_lossy(&second.admin(&["audit"]).stdout).to_string();
    assert!(audit.contains("signed-in"), "{audit}");
}

#[test]
fn a_sign_in_goes_through_two_servers_of_one_file() {
    a_sign_in_started_at_one_server_finishes_through_another(None);
}

#[test]
fn a_sign_in_goes_through_two_servers_of_one_postgresql_database() {
    let cluster = crate::common::postgres::Cluster::start();
    let url = cluster.database();
    a_sign_in_started_at_one_server_finishes_through_another(Some((url, std::sync::Arc::new(cluster))));
}

#[test]
fn a_group_that_gives_no_role_gives_an_account_without_roles_and_a_cancelled_sign_in_is_refused() {
    let s = setup();
    // Ola's group gives nothing: he gets an account, but no role.
    let home = Home::new();
    let (child, page, _) = start_login(&home, &s.server);
    let mut browser = Browser::new();
    let done = sign_in(&mut browser, &page, "ola-19c2");
    assert_eq!(done.status, 200, "{}", done.body);
    let (ok, _, err) = child.wait();
    assert!(ok, "{err}");
    let users = String::from_utf8_lossy(&s.server.admin(&["user", "list", "--json"]).stdout).to_string();
    let list: serde_json::Value = serde_json::from_str(&users).unwrap();
    let ola = list.as_array().unwrap().iter().find(|u| u["name"] == "ola.aas").expect("ola's account");
    assert_eq!(ola["roles"].as_array().unwrap().len(), 0, "{ola}");

    // Someone unknown at the provider: the provider refuses, and so does the server;
    // the terminal says why.
    let other = Home::new();
    let (child, page, _) = start_login(&other, &s.server);
    let mut browser = Browser::new();
    let refused = sign_in(&mut browser, &page, "ukjent");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("access_denied"), "{}", refused.body);
    let (ok, _, err) = child.wait();
    assert!(!ok);
    assert!(err.contains("access_denied"), "{err}");
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert!(audit.contains("refused"), "{audit}");
    drop(s.provider);
}

/// Kari signed in through the provider (her replica in `home`), the server checking
/// with the provider every two seconds.
fn kari_signed_in(s: &Setup, home: &Home) {
    let (child, page, _) = start_login(home, &s.server);
    let done = sign_in(&mut Browser::new(), &page, "kari-7f3a");
    assert_eq!(done.status, 200, "{}", done.body);
    let (ok, _, err) = child.wait();
    assert!(ok, "{err}");
}

fn roles_of(server: &Server, name: &str) -> Vec<String> {
    let users = String::from_utf8_lossy(&server.admin(&["user", "list", "--json"]).stdout).to_string();
    let list: serde_json::Value = serde_json::from_str(&users).unwrap();
    let user = list.as_array().unwrap().iter().find(|u| u["name"] == name).expect("the account").clone();
    user["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

fn within<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(t) = check() {
            return t;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(secs),
            "{what} did not happen within {secs} s"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn roles_follow_the_providers_groups_and_a_person_disabled_there_loses_access_ssh_included() {
    let s = setup_with(&["--ssh", "127.0.0.1:0"], "2s");
    let home = Home::new();
    kari_signed_in(&s, &home);
    assert_eq!(roles_of(&s.server, "kari.nordmann"), ["loggfører"]);

    // Moved out of the group at the provider: the role goes at the server's next check.
    s.provider.change("kari-7f3a", serde_json::json!({"groups": ["alle-ansatte"]}));
    within(20, "the role going", || roles_of(&s.server, "kari.nordmann").is_empty().then_some(()));
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert!(audit.contains("roles-changed") && audit.contains("loggfører → no roles"), "{audit}");
    s.provider.change("kari-7f3a", serde_json::json!({"groups": ["stab-logg"]}));
    within(20, "the role coming back", || {
        (roles_of(&s.server, "kari.nordmann") == ["loggfører"]).then_some(())
    });

    // Her SSH session is open when she is disabled at the provider.
    let key = sitroom::server::ssh_keys::new_host_key();
    let key = sitroom::server::ssh_keys::host_key(&key).unwrap();
    let pubfile = home.path().join("id.pub");
    std::fs::write(&pubfile, key.public_key().to_openssh().unwrap()).unwrap();
    let out = s.server.admin(&["user", "key", "add", "kari.nordmann", "--file", pubfile.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let addr = format!("127.0.0.1:{}", s.server.ssh_port.unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let nb = [("SITROOM_LANG", "nb")];
    let t =
        rt.block_on(crate::common::ssh_client::connect(&addr, "kari.nordmann", &key, 100, 30, &nb)).unwrap();
    rt.block_on(t.wait_for("sitroom"));
    home.ok(&["sync"]);

    s.provider.change("kari-7f3a", serde_json::json!({"disabled": true}));
    within(20, "the SSH session ending", || t.closed.load(std::sync::atomic::Ordering::SeqCst).then_some(()));
    // Her replica's session ended too, and no key or new session lets her back in.
    let (_, err) = home.fails(&["sync"]);
    assert!(err.contains("sitroom login"), "{err}");
    assert!(
        rt.block_on(crate::common::ssh_client::connect(&addr, "kari.nordmann", &key, 100, 30, &nb)).is_err(),
        "her key no longer opens a session"
    );
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert!(audit.contains("cut-off"), "{audit}");

    // Enabled again at the provider, she signs in through it and is back.
    s.provider.change("kari-7f3a", serde_json::json!({"disabled": false}));
    kari_signed_in(&s, &home);
    home.ok(&["sync"]);
}

/// Id tokens that do not hold up are refused, each with its reason, on the page and in
/// the terminal; no account is made from them.
#[test]
fn forged_expired_misaddressed_and_replayed_id_tokens_are_refused_with_their_reason() {
    let s = setup();
    for (mode, reason) in
        [("forged", "signature"), ("expired", "expired"), ("audience", "audience"), ("nonce", "nonce")]
    {
        s.provider.tamper(mode);
        let home = Home::new();
        let (child, page, _) = start_login(&home, &s.server);
        let refused = sign_in(&mut Browser::new(), &page, "kari-7f3a");
        assert_eq!(refused.status, 403, "{mode}: {}", refused.body);
        assert!(refused.body.to_lowercase().contains(reason), "{mode}: {}", refused.body);
        let (ok, _, err) = child.wait();
        assert!(!ok, "{mode}: signed in");
        assert!(err.to_lowercase().contains(reason), "{mode}: {err}");
    }
    let users = String::from_utf8_lossy(&s.server.admin(&["user", "list"]).stdout).to_string();
    assert!(!users.contains("kari.nordmann"), "no account from a spoilt token: {users}");
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert_eq!(audit.matches("refused").count(), 4, "{audit}");
    // As issued, the same person gets in.
    s.provider.tamper("none");
    kari_signed_in(&s, &Home::new());
}

/// One identity provider for two organisations (a tenant shared by a municipal IT
/// cooperation): a person's account belongs to the organisation they first signed in
/// to, and the other organisation's entry to the same provider does not open it.
#[test]
fn a_provider_entry_of_another_organisation_does_not_open_the_account() {
    let s = setup_more(&[], "15m", false, |issuer| {
        format!(
            "\n[[sso.provider]]\nname = \"nabo\"\norg = \"Larvik kommune\"\nissuer = \"{issuer}\"\n\
             client_id = \"sitroom\"\nclient_secret = \"{SECRET}\"\ndevice_flow = false\n\
             scopes = [\"openid\", \"profile\", \"email\", \"groups\", \"offline_access\"]\n"
        )
    });
    s.server.add_org("Larvik kommune");
    let home = Home::new();
    let login = |provider: &str| {
        let (child, said) = spawn_login(&home, &s.server, &["--provider", provider]);
        let page = address_in(&said).unwrap();
        let done = sign_in(&mut Browser::new(), &page, "kari-7f3a");
        let (ok, _, err) = child.wait();
        (done, ok, err)
    };
    let (done, ok, _) = login("kommunen");
    assert!(ok && done.body.contains(ORG), "{}", done.body);
    let (refused, ok, err) = login("nabo");
    assert!(!ok);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(err.contains("belongs to Sandefjord kommune, not to Larvik kommune"), "{err}");
}

/// The provider down: single sign-on says why it cannot, and a break-glass
/// administrator with a password signs in as always.
#[test]
fn with_the_provider_down_sso_says_why_and_a_password_still_works() {
    let Setup { provider, server, _dir, .. } = setup();
    drop(provider);
    let home = Home::new();
    let (child, page, _) = start_login(&home, &server);
    let mut browser = Browser::new();
    let confirm = browser.open(&page);
    let page = browser.submit(&confirm, &[]);
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("cannot be reached"), "{}", page.body);
    let (ok, _, err) = child.wait();
    assert!(!ok);
    assert!(err.contains("identity provider cannot be reached"), "{err}");

    server.add_user("beredskap-admin", ORG, &["administrator"]);
    let admin = Home::new();
    admin.login(&server.url, "beredskap-admin");
    admin.ok(&["sync"]);
}

/// Over SSH from a borrowed machine: no key, no sitroom password; the session shows
/// the page and its code, the person signs in there on their phone, presses Enter,
/// and is in their own TUI. Someone else's sign-in does not open it.
#[test]
fn an_ssh_session_signs_in_through_the_provider() {
    let s = setup_with(&["--ssh", "127.0.0.1:0"], "15m");
    // Kari's account exists from an earlier sign-in.
    kari_signed_in(&s, &Home::new());
    let dir = tempfile::tempdir().unwrap();
    let args = crate::common::ssh_args(
        s.server.ssh_port.unwrap(),
        &dir.path().join("known_hosts"),
        "kari.nordmann",
        None,
    );
    let t = crate::common::tmux::Tmux::new();
    t.run(&format!("ssh {}; sleep 30", args.join(" ")));
    let shown = t.wait_for("Enter etter innlogging");
    // (From the English line: the first line of a prompt carries ssh's own prefix
    // and wraps in the middle of the address.)
    let start = shown
        .find("open http://")
        .map(|i| i + "open ".len())
        .unwrap_or_else(|| panic!("the page to open: {shown}"));
    let page: String = shown[start..].chars().take_while(|c| !c.is_whitespace() && *c != ')').collect();
    assert!(page.contains("/sso?code="), "{shown}");

    // Enter before signing in: not yet, asked again.
    t.keys(&["Enter"]);
    t.wait_for("Not signed in yet");
    // Someone else signs in with the code: not Kari's session.
    let done = sign_in(&mut Browser::new(), &page, "ola-19c2");
    assert_eq!(done.status, 200, "{}", done.body);
    t.keys(&["Enter"]);
    let shown = t.wait_for("but connected as kari.nordmann");
    // The new page the session offers, for Kari herself.
    let again = shown.rfind("http://").unwrap();
    let page2: String = shown[again..].chars().take_while(|c| !c.is_whitespace() && *c != ')').collect();
    assert_ne!(page2, page, "a new sign-in");
    let done = sign_in(&mut Browser::new(), &page2, "kari-7f3a");
    assert_eq!(done.status, 200, "{}", done.body);
    t.keys(&["Enter"]);
    let screen = t.wait_for("Venter på organisasjonens hendelser");
    assert!(screen.contains("kari.nordmann"), "{screen}");
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert!(audit.contains("single sign-on for SSH"), "{audit}");
}

/// An organisation that requires its provider: a colleague's password no longer
/// opens a session (the reason says how to sign in), an administrator's still does
/// (break-glass), and single sign-on works as before.
#[test]
fn an_organisation_that_requires_its_provider_keeps_passwords_for_administrators_only() {
    let s = setup();
    s.server.add_user("ola-vakt", ORG, &["kriseledelse"]);
    s.server.add_user("it-vakt", ORG, &["administrator"]);
    let out = s.server.admin(&["sso", "require", "--org", ORG]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let colleague = Home::new();
    let out = colleague.try_login(&s.server.url, "ola-vakt", crate::common::server::PASSWORD, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("login --sso"), "{err}");
    Home::new().login(&s.server.url, "it-vakt");
    kari_signed_in(&s, &Home::new());
    // And back: passwords again.
    s.server.admin(&["sso", "require", "--org", ORG, "--off"]);
    colleague.login(&s.server.url, "ola-vakt");
}

/// Where the provider has its own device grant (RFC 8628), the terminal shows the
/// provider's page and code; the person signs in there and confirms the code; the
/// server, polling the provider, opens the session.
#[test]
fn the_providers_own_device_grant_signs_in_too() {
    let s = setup_more(&[], "15m", true, |_| String::new());
    let home = Home::new();
    let (child, said) = spawn_login(&home, &s.server, &[]);
    // The provider's page, not the server's.
    let i = said.find("/device?user_code=").unwrap_or_else(|| panic!("the provider's page: {said}"));
    let start = said[..i].rfind(char::is_whitespace).unwrap() + 1;
    let page: String = said[start..].chars().take_while(|c| !c.is_whitespace() && *c != ',').collect();
    assert!(page.starts_with(&s.provider.issuer), "{page}");

    let mut browser = Browser::new();
    let entered = browser.open(&page); // the code, filled in, goes on by itself
    let confirm = browser.submit(&entered, &[]);
    let login = browser.submit(&confirm, &[]);
    let done = browser.submit(&login, &[("login", "kari-7f3a")]);
    assert!(done.body.contains("return to your terminal"), "{}", done.body);
    let (ok, out, err) = child.wait();
    assert!(ok, "{out}{err}");
    assert!(out.contains("kari.nordmann") && out.contains("loggfører"), "{out}");
    home.ok(&["sync"]);
}

/// A sign-in link forwarded to someone else (the phishing of device-code sign-ins):
/// the page first says which device asks; and the provider's address, once a browser
/// has gone on with it, brings only that browser back, not another one's.
#[test]
fn a_forwarded_sign_in_does_not_come_back_as_someone_elses() {
    let s = setup();
    let attacker = Home::new();
    let (child, page, _) = start_login(&attacker, &s.server);
    // The attacker goes on to the provider in their own browser, then sends the
    // provider's address to Kari.
    let mut theirs = Browser::new();
    let confirm = theirs.open(&page);
    assert!(
        confirm.body.contains("asks to sign in")
            && confirm.body.contains("Go on only if you started this yourself")
    );
    let authorize = theirs.location(&format!("{page}&go=1")).expect("on to the provider");
    assert!(authorize.starts_with(&s.provider.issuer), "{authorize}");
    // Kari, in her own browser, opens the forwarded address and signs in.
    let mut kari = Browser::new();
    let form = kari.open(&authorize);
    let back = kari.submit(&form, &[("login", "kari-7f3a")]);
    assert_eq!(back.status, 400, "{}", back.body);
    assert!(back.body.contains("another browser"), "{}", back.body);
    child.kill();
    let users = String::from_utf8_lossy(&s.server.admin(&["user", "list"]).stdout).to_string();
    // (The account may be made at the provider's word only through a sign-in that
    // comes back to its own browser.)
    assert!(!users.contains("kari.nordmann"), "{users}");
}

/// An HTTP request as bytes on a fresh connection; the whole answer.
fn raw(addr: &str, request: &[u8], wait: u64) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(wait))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).to_string()
}

fn start_request(origin: &str) -> Vec<u8> {
    let key = sitroom::keys::SigningKey::generate();
    let public = key.public();
    let body = serde_json::json!({
        "version": 1, "provider": "", "device": "flom-pc", "origin": origin,
        "proof": key.sign(&sitroom::keys::login_message("sso", origin, &public)), "key": public,
    })
    .to_string();
    format!(
        "POST /v1/sso/start HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Crafted requests: what a provider's error says cannot forge a line of the audit; a
/// flood of starts from one address is held back, saying when to try again; a body
/// that stalls is answered, not waited on.
#[test]
fn floods_stalls_and_forged_audit_lines_are_held_off() {
    let s = setup();
    // A provider's error with a line break and escape codes in it.
    let home = Home::new();
    let (child, page, _) = start_login(&home, &s.server);
    let mut browser = Browser::new();
    let authorize = browser.location(&format!("{page}&go=1")).unwrap();
    let state = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.to_string())
        .unwrap();
    let forged = "nei\u{1b}[2J\n2026-12-03 09:00:00  signed-in     superadmin (Sandefjord kommune): forged";
    let mut callback = url::Url::parse(&format!("{}/sso/callback", s.server.url)).unwrap();
    callback
        .query_pairs_mut()
        .append_pair("state", &state)
        .append_pair("error", "access_denied")
        .append_pair("error_description", forged);
    let refused = browser.open(callback.as_str());
    assert_eq!(refused.status, 403, "{}", refused.body);
    let (ok, _, _) = child.wait();
    assert!(!ok);
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert_eq!(audit.lines().filter(|l| l.contains("superadmin")).count(), 1, "one line, not two:\n{audit}");
    assert!(!audit.contains('\u{1b}'), "{audit}");
    assert!(audit.lines().all(|l| !l.starts_with("2026-12-03 09:00:00")), "{audit}");

    // Then a flood from this address: held back, with when to try again.
    let addr = s.server.url.trim_start_matches("http://").to_string();
    let mut answers = Vec::new();
    for i in 0..21 {
        answers.push(raw(&addr, &start_request(&format!("flom-{i}")), 10));
    }
    assert!(answers[..20].iter().all(|a| a.starts_with("HTTP/1.1 200")), "{}", answers[0]);
    let last = &answers[20];
    assert!(last.starts_with("HTTP/1.1 429") && last.to_lowercase().contains("retry-after"), "{last}");

    // A body promised and not sent: answered within the server's time, not held.
    let stalled = raw(
        &addr,
        b"POST /v1/sso/poll HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{",
        60,
    );
    assert!(stalled.starts_with("HTTP/1.1 400") && stalled.contains("did not arrive in time"), "{stalled}");
}

/// The QR code drawn on a terminal screen: the rows from the first run of light
/// blocks (its quiet zone) down, cut to its columns.
fn qr_on_screen(screen: &str) -> Vec<String> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, start, width)) = lines.iter().enumerate().find_map(|(i, l)| {
        let start = l.windows(12).position(|w| w.iter().all(|c| *c == '█'))?;
        let width = l[start..].iter().take_while(|c| **c == '█').count();
        Some((i, start, width))
    }) else {
        return Vec::new();
    };
    lines[top..].iter().take(width.div_ceil(2)).map(|l| l.iter().skip(start).take(width).collect()).collect()
}

/// The TUI's sign-in box at `server` in `t`: Ctrl-T, the address, Enter; the page
/// read off the QR code drawn, which must say the code shown in words too.
/// The page the QR code on the screen says, once it is drawn whole: the box's words
/// can reach the terminal a frame before the code does.
fn qr_page(t: &crate::common::tmux::Tmux, mut screen: String) -> (String, String) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(page) = crate::common::read_qr(&qr_on_screen(&screen)) {
            return (page, screen);
        }
        assert!(std::time::Instant::now() < until, "no QR code a phone could read:\n{screen}");
        std::thread::sleep(std::time::Duration::from_millis(100));
        screen = t.screen();
    }
}

fn tui_sign_in(t: &crate::common::tmux::Tmux, server: &Server) -> (String, String) {
    t.keys(&["C-t"]);
    t.wait_for("Tjener:");
    t.keys(&["C-u"]);
    t.text(&server.url);
    t.keys(&["Enter"]);
    let screen = t.wait_for("Venter på at du logger inn");
    assert!(screen.contains(&format!("{}/sso", server.url)), "the page:\n{screen}");
    let (page, screen) = qr_page(t, screen);
    let code = page.split("code=").nth(1).unwrap_or_else(|| panic!("no code in {page}")).to_string();
    assert!(screen.contains(&code), "the code is shown in words too:\n{screen}");
    (page, code)
}

/// The logger signs in from the TUI itself: the box shows the page, the code and a
/// QR code of the page; closed, the sign-in goes on while they keep writing (the
/// title bar shows the code); once signed in through a browser, sync starts and what
/// was written before and meanwhile reaches the server. (Her laptop knows her by her
/// account's name, as the organisation set it up in config.toml.)
#[test]
fn the_tui_signs_in_through_the_provider_while_the_logger_writes_on() {
    let s = setup();
    // Her group makes her a crisis leader here, so that the incident she opened on
    // her own laptop before signing in is hers to bring.
    let out = s.server.admin(&["sso", "map", "--org", ORG, "stab-logg", "kriseledelse"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let home = Home::new();
    home.configure("user = \"kari.nordmann\"\n");
    home.ok(&["incident", "new", "--title", "Flom i Numedalslågen", "--type", "flom"]);

    let t = crate::common::tmux::Tmux::new();
    t.start(&home, "--lang nb");
    t.wait_for("Flom i Numedalslågen");
    t.text("Skrevet før innlogging: Fv 40 stengt ved Hvarnes");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #1");
    let (page, code) = tui_sign_in(&t, &s.server);

    // Closed, the sign-in goes on: the title bar shows its code; she writes on.
    t.keys(&["Escape"]);
    t.wait_for(&format!("logger inn, kode {code}"));
    t.text("Skrevet mens innloggingen venter");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #2");
    t.text("Utkast under innlogging");

    // Back in the box when the browser is done: it stays until closed, so the Enter
    // she presses on coming back closes it and does not write her draft.
    t.keys(&["C-t"]);
    t.wait_for("Venter på at du logger inn");
    let done = sign_in(&mut Browser::new(), &page, "kari-7f3a");
    assert_eq!(done.status, 200, "{}", done.body);
    let screen = t.wait_for("synkroniseringen har startet");
    assert!(screen.contains("Logget inn som kari.nordmann"), "the status line says who:\n{screen}");
    t.keys(&["Enter"]);
    let screen = t.wait_for("● tilkoblet");
    assert!(screen.contains("Utkast under innlogging"), "the draft stays in the entry line:\n{screen}");
    assert!(!screen.contains("Lagret #3"), "the Enter wrote nothing:\n{screen}");

    // What she wrote reaches a colleague through the server.
    s.server.add_user("ola-vakt", ORG, &["kriseledelse"]);
    let colleague = Home::new();
    colleague.login(&s.server.url, "ola-vakt");
    within(20, "her entries reaching the colleague", || {
        colleague.ok(&["sync"]);
        let texts: Vec<String> =
            colleague.entries().iter().map(|e| e["text"].as_str().unwrap_or("").to_string()).collect();
        (texts.iter().any(|t| t.contains("Fv 40 stengt"))
            && texts.iter().any(|t| t.contains("mens innloggingen venter")))
        .then_some(())
    });
    assert!(!t.screen().contains("avvist"), "nothing refused:\n{}", t.screen());

    // Her draft is still hers when she opens sitroom again.
    reopened_with_draft(t, &home, "Utkast under innlogging");
}

/// Signed in as someone other than the name the laptop wrote under: the TUI says at
/// once that what was written under that name stays on the machine (the server takes
/// only the account's own), and the draft in the entry line goes with the account.
/// Stopping a sign-in and the provider refusing are said too.
#[test]
fn signing_in_under_another_name_says_what_stays_and_keeps_the_draft() {
    let s = setup();
    let home = Home::new();
    home.ok(&["incident", "new", "--title", "Flom i Numedalslågen", "--type", "flom"]);
    let t = crate::common::tmux::Tmux::new();
    t.start(&home, "--lang nb");
    t.wait_for("Flom i Numedalslågen");
    t.text("Skrevet som kari");
    t.keys(&["Enter"]);
    t.wait_for("Lagret #1");

    // A sign-in stopped: its code goes from the title bar; a new one gets a new code.
    let (_, first) = tui_sign_in(&t, &s.server);
    t.keys(&["C-x"]);
    t.wait_for("Innloggingen er avbrutt");
    t.keys(&["Escape"]);
    let screen = t.screen();
    assert!(!screen.contains(&first), "{screen}");

    // Someone the provider does not know: refused, with the provider's reason.
    let (page, _) = tui_sign_in(&t, &s.server);
    let refused = sign_in(&mut Browser::new(), &page, "ukjent");
    assert_eq!(refused.status, 403, "{}", refused.body);
    t.wait_for("Innloggingen ble avvist");
    t.keys(&["Enter"]);
    t.wait_for("Tjener:");
    t.keys(&["Enter"]);
    let (page, _) = qr_page(&t, t.wait_for("Venter på at du logger inn"));

    t.keys(&["Escape"]);
    t.text("Utkast under innlogging");
    let done = sign_in(&mut Browser::new(), &page, "kari-7f3a");
    assert_eq!(done.status, 200, "{}", done.body);
    let screen = t.wait_for("blir på denne maskinen");
    assert!(screen.contains("«kari»"), "{screen}");
    t.wait_for("avvist");

    // The draft is hers now: it comes back when she opens sitroom again (as her
    // account, which the sign-in made this laptop's user).
    reopened_with_draft(t, &home, "Utkast under innlogging");
}

/// Quit sitroom in `t`, open it again on `home`, and find `draft` in the entry line.
fn reopened_with_draft(t: crate::common::tmux::Tmux, home: &Home, draft: &str) {
    t.keys(&["C-q"]);
    t.wait_exit();
    let t = crate::common::tmux::Tmux::new();
    t.start(home, "--lang nb");
    t.wait_for(draft);
    t.keys(&["C-q"]);
    t.wait_exit();
}

/// A session renewed (`/v1/refresh`, as sync does before its token runs out) asks the
/// provider first: the roles follow the groups at once, and a person disabled there
/// gets no new token, whatever the server's own interval between checks.
#[test]
fn renewing_a_session_asks_the_provider_again() {
    // Checks every minute: a renewal asks again once a second has passed since the
    // last ask (a sixtieth of it), and the server's own check does not come first.
    let s = setup_with(&[], "1m");
    let home = Home::new();
    kari_signed_in(&s, &home);
    assert_eq!(roles_of(&s.server, "kari.nordmann"), ["loggfører"]);
    let addr = s.server.url.trim_start_matches("http://").to_string();
    let renew = |token: &str| {
        raw(
            &addr,
            format!(
                "POST /v1/refresh HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer {token}\r\ncontent-length: 0\r\n\r\n"
            )
            .as_bytes(),
            10,
        )
    };
    let login: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("sitroom.db.login")).unwrap())
            .unwrap();
    let token = login["token"].as_str().unwrap().to_string();

    s.provider.change("kari-7f3a", serde_json::json!({"groups": ["alle-ansatte"]}));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let answer = renew(&token);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(roles_of(&s.server, "kari.nordmann").is_empty(), "the role went with the group");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let token =
        serde_json::from_str::<serde_json::Value>(body).unwrap()["token"].as_str().unwrap().to_string();

    // Renewed again at once, the provider is not asked: she keeps her session.
    s.provider.change("kari-7f3a", serde_json::json!({"disabled": true}));
    let answer = renew(&token);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let token =
        serde_json::from_str::<serde_json::Value>(body).unwrap()["token"].as_str().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let answer = renew(&token);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("no longer vouches"), "{answer}");
    let audit = String::from_utf8_lossy(&s.server.admin(&["audit"]).stdout).to_string();
    assert!(audit.contains("cut-off") && audit.contains("roles-changed"), "{audit}");
}

/// An administrator links existing accounts before their people first sign in: by
/// sign-in name or verified e-mail (used once, then the subject) or by the provider's
/// subject; an e-mail the provider has not verified links nothing. The groups govern
/// the roles, unless the organisation keeps them by hand.
#[test]
fn an_administrator_links_existing_accounts_to_the_providers_people() {
    let s = setup();
    for name in ["kari", "ola-vakt", "per-vakt"] {
        s.server.add_user(name, ORG, &["kriseledelse"]);
    }
    let admin = |args: &[&str]| {
        let out = s.server.admin(args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let signs_in_as = |who: &str| {
        let home = Home::new();
        let (child, page, _) = start_login(&home, &s.server);
        assert_eq!(sign_in(&mut Browser::new(), &page, who).status, 200);
        let (ok, said, err) = child.wait();
        assert!(ok, "{err}");
        said
    };
    admin(&[
        "sso",
        "link",
        "kari",
        "--provider",
        "kommunen",
        "--name",
        "Kari.Nordmann@Sandefjord.Kommune.no",
    ]);
    admin(&["sso", "link", "ola-vakt", "--provider", "kommunen", "--subject", "ola-19c2"]);
    // Per's e-mail is not verified at the provider: a link by it is no way in.
    s.provider.change(
        "per-5d1e",
        serde_json::json!({"name": "Per Berg", "email": "per.berg@sandefjord.kommune.no", "email_verified": false, "groups": ["stab-logg"]}),
    );
    admin(&["sso", "link", "per-vakt", "--provider", "kommunen", "--name", "per.berg@sandefjord.kommune.no"]);

    let said = signs_in_as("kari-7f3a");
    assert!(
        said.contains("as kari (") && said.contains("loggfører"),
        "her account, her group's role: {said}"
    );
    let said = signs_in_as("ola-19c2");
    assert!(said.contains("as ola-vakt ("), "{said}");
    assert!(roles_of(&s.server, "ola-vakt").is_empty(), "his group gives no role, and the groups govern");
    let said = signs_in_as("per-5d1e");
    assert!(said.contains("as per.berg ("), "a new account, not per-vakt: {said}");
    let links = admin(&["sso", "links"]);
    assert!(links.contains("per-vakt") && !links.contains("ola-vakt"), "used links are gone: {links}");
    admin(&["sso", "unlink", "per-vakt", "--provider", "kommunen"]);
    assert!(!admin(&["sso", "links"]).contains("per-vakt"));

    // Roles by hand: signing in leaves them be.
    admin(&["sso", "roles", "--org", ORG, "--by-hand"]);
    admin(&["user", "roles", "ola-vakt", "kriseledelse"]);
    let said = signs_in_as("ola-19c2");
    assert!(said.contains("as ola-vakt (") && said.contains("kriseledelse"), "{said}");

    let users = admin(&["user", "list"]);
    assert!(
        !users.contains("kari.nordmann") && !users.contains("ola.aas"),
        "no new accounts for them: {users}"
    );
    let audit = admin(&["audit"]);
    for event in ["link-made", "link-taken", "link-removed", "roles-by-hand"] {
        assert!(audit.contains(event), "{event}: {audit}");
    }
}

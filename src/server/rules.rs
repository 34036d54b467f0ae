//! What every server store checks the same way before it stores anything: names,
//! passwords, a sign-in's proof, a report shared upward. The stores keep the data; the
//! rules are here once.

use super::{Principal, Result, ServerError, SignIn};
use crate::domain::roles::Role;

/// An organisation's name as stored (trimmed, NFC), or why it cannot be one.
pub fn org_name(name: &str) -> Result<String> {
    let name = crate::text::nfc(name.trim());
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(ServerError::BadRequest("an organisation needs a plain-text name".into()));
    }
    Ok(name)
}

/// A new account's name as stored, and its password's hash; or why not.
pub fn new_account(name: &str, password: &str) -> Result<(String, String)> {
    let name = crate::text::nfc(name.trim());
    if name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ServerError::BadRequest("a user name must be one word of plain text".into()));
    }
    if password.chars().count() < 8 {
        return Err(ServerError::BadRequest("the password must be at least 8 characters".into()));
    }
    Ok((name, super::secrets::hash_password(password)))
}

/// The refusal of a wrong name or password (the same for both).
pub fn wrong_password() -> ServerError {
    ServerError::Unauthorized("wrong user name or password".into())
}

/// The refusal of a token that opens no session.
pub fn invalid_session() -> ServerError {
    ServerError::Unauthorized(
        "the session is not valid (signed out, revoked, expired or disabled); run `sitroom login` again"
            .into(),
    )
}

/// Whether `password` opens the account `found` (None: no such account), whose
/// organisation must sign in through its provider if `sso_required`. The slow hash
/// runs as long for a name that has no account as for one that has.
pub fn check_password(
    user: &str,
    password: &str,
    found: Option<(Principal, String, bool)>,
    sso_required: impl FnOnce(&str) -> Result<bool>,
) -> Result<Principal> {
    let Some((who, hash, disabled)) = found else {
        super::secrets::verify_nobody(password);
        return Err(wrong_password());
    };
    // An organisation that signs in through its identity provider: passwords are for
    // its administrators (break-glass, when the provider is down) alone.
    let exempt = who.superadmin || who.roles.contains(&Role::Administrator);
    if !exempt && sso_required(&who.org_id)? {
        super::secrets::verify_nobody(password);
        return Err(ServerError::Unauthorized(format!(
            "{} signs in through its identity provider: `sitroom login --sso` (passwords are for administrators)",
            who.org
        )));
    }
    if !super::secrets::verify_password(password, &hash) {
        return Err(wrong_password());
    }
    if disabled {
        return Err(ServerError::Unauthorized(format!("the account '{user}' is disabled")));
    }
    Ok(who)
}

/// A sign-in's device and replica as stored, once its proof that the replica holds the
/// key it registers holds.
pub fn sign_in_replica(who: &Principal, req: &SignIn<'_>) -> Result<(String, String)> {
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(80).collect() };
    let (device, origin) = (clean(req.device), clean(req.origin));
    if origin.is_empty() || origin != req.origin {
        return Err(ServerError::BadRequest("the sign-in must name its replica (a plain id)".into()));
    }
    if !crate::keys::verify(req.key, &crate::keys::login_message(&who.name, &origin, req.key), req.proof) {
        return Err(ServerError::BadRequest(
            "the sign-in must carry the replica's key and its proof; update sitroom".into(),
        ));
    }
    Ok((device, origin))
}

/// The refusal of a session for an account its provider stopped vouching for.
pub fn cut_off(account: &str) -> ServerError {
    ServerError::Unauthorized(format!(
        "the identity provider no longer vouches for '{account}': sign in again through it (`sitroom login --sso`)"
    ))
}

/// Whether `who` may share `report` upward: they may write reports, their organisation
/// reports to someone (`reports_to`), and the report comes from their organisation,
/// sealed by their session's replica with the key this server certified (`registered`).
pub fn may_share(
    who: &Principal,
    report: &crate::domain::share::SharedReport,
    reports_to: Option<&str>,
    registered: &str,
    server_key: &str,
) -> Result<()> {
    use crate::domain::roles::{allowed, Permission};
    if !allowed(&who.roles, Permission::WriteReports) {
        return Err(ServerError::Unauthorized(format!("{} may not share reports (write reports)", who.name)));
    }
    if report.from.trim().is_empty() {
        return Err(ServerError::BadRequest("the shared report does not say where it comes from".into()));
    }
    if reports_to.is_none() {
        return Err(ServerError::Conflict(
            "your organisation reports to no one on this server; the server's administrator sets it with `sitroom admin org parent`".into(),
        ));
    }
    // It comes from the organisation the session is signed in for, as this server
    // knows it, signed by the replica's registered key and certified by this server.
    if report.from != who.org {
        return Err(ServerError::BadRequest(format!(
            "the report says it comes from '{}', but {} is signed in for '{}'",
            report.from, who.name, who.org
        )));
    }
    use crate::keys::Sealed;
    if report.seal.replica != who.origin
        || report.seal.key != registered
        || report.seal.org != report.from
        || report.check_seal(Some(server_key)) != Ok(Some(true))
    {
        return Err(ServerError::BadRequest(
            "the shared report is not signed by this session's replica with the key this server certified"
                .into(),
        ));
    }
    Ok(())
}

/// The kinds `who` may not read: a pull leaves their ops out.
pub fn hidden_kinds(who: &Principal) -> Vec<crate::replication::Kind> {
    use crate::replication::authorize::needed_to_read;
    crate::replication::Kind::ALL
        .iter()
        .copied()
        .filter(|k| {
            needed_to_read(*k)
                .is_some_and(|p| !who.superadmin && !crate::domain::roles::allowed(&who.roles, p))
        })
        .collect()
}

/// The roles a pull for `who` sees boards as: a board (and what is on it) is sent only
/// if it names none of the roles as readers, or one of these. None: every board (the
/// superadmin, and administrators, who see every board).
pub fn board_roles(who: &Principal) -> Option<Vec<String>> {
    let every = who.superadmin || who.roles.contains(&crate::domain::roles::Role::Administrator);
    (!every).then(|| who.roles.iter().map(|r| r.name().to_string()).collect())
}

/// Whom a pull for `who` is: what decides which messages (and their receipts) it
/// sends. None: the superadmin, who is sent every message. An administrator is not:
/// a message is for those it is to.
#[derive(Debug, Clone)]
pub struct Reader {
    pub name: String,
    pub org_id: String,
    pub org: String,
    pub roles: Vec<String>,
}

pub fn reader(who: &Principal) -> Option<Reader> {
    (!who.superadmin).then(|| Reader {
        name: who.name.clone(),
        org_id: who.org_id.clone(),
        org: who.org.clone(),
        roles: who.roles.iter().map(|r| r.name().to_string()).collect(),
    })
}

/// Whether a countersigned checkpoint of replica `cp.origin` may be taken from `who`:
/// only a replica's own key signs for it, the one it registered; then the checkpoint
/// must name the entry where the store has it in the chain. The checkpoint completed
/// (the registered key, the head, the organisation) and ready for the server's
/// signature, or None.
pub fn checkpoint_holds(
    who: &Principal,
    cp: &crate::replication::checkpoint::Checkpoint,
    registered: Option<String>,
    position: Option<(uuid::Uuid, String, i64, String)>,
    org: impl FnOnce(uuid::Uuid) -> Result<Option<String>>,
) -> Result<Option<crate::replication::checkpoint::Checkpoint>> {
    let mut cp = cp.clone();
    let Some(registered) = registered else { return Ok(None) };
    if cp.origin != who.origin && cp.key != registered {
        return Ok(None);
    }
    cp.key = registered;
    let Some((incident, origin, count, hash)) = position else { return Ok(None) };
    if incident != cp.incident || origin != cp.origin || count != cp.count {
        return Ok(None);
    }
    if cp.head.is_empty() {
        cp.head = hash;
    } else if cp.head != hash {
        return Ok(None);
    }
    if !cp.replica_signature_holds() {
        tracing::warn!(user = %who.name, origin = %cp.origin, "a checkpoint's signature does not hold");
        return Ok(None);
    }
    let Some(org) = org(cp.incident)? else { return Ok(None) };
    cp.org = org;
    Ok(Some(cp))
}

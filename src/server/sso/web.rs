//! Single sign-on's HTTP face: the terminal's start and poll (JSON), and the pages a
//! browser opens (the code, the way to the provider, the way back).

use super::pages;
use super::{Audited, Browse, Outcome, Polled};
use crate::server::http::Peer;
use crate::server::{ServerError, Serving};
use crate::sync::wire::{self, SsoPollRequest, SsoStartRequest};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

fn sso(serving: &Serving) -> Result<&super::Sso, ServerError> {
    serving.sso.as_ref().ok_or_else(|| {
        ServerError::NotFound("this server has no single sign-on; sign in with a password".into())
    })
}

/// Write to the audit (off the async threads); a failure to is logged, never a reason
/// to fail the sign-in.
async fn audit(serving: &Serving, a: Audited) {
    let store = serving.store.clone();
    let written = crate::server::Offload::Blocking.run(move || store.audit(&a)).await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "cannot write the audit");
    }
}

fn audit_store(store: &dyn crate::server::ServerStore, a: Audited) {
    if let Err(e) = store.audit(&a) {
        tracing::warn!(error = %e, "cannot write the audit");
    }
}

/// `POST /v1/sso/start` (its body read, in time, by the HTTP layer).
pub async fn start(
    serving: Arc<Serving>,
    from: Option<std::net::IpAddr>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let sso = sso(&serving)?;
    let req: SsoStartRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("the sign-in request is not valid: {e}")))?;
    if req.version != wire::VERSION {
        return Err(ServerError::BadRequest(format!(
            "protocol version {} is not supported (this server speaks version {})",
            req.version,
            wire::VERSION
        )));
    }
    let mut started = sso.start(&serving.store, &req, from).await.map_err(|e| match e {
        super::Refusal::Busy(wait) => ServerError::TooMany(wait),
        super::Refusal::Bad(why) => ServerError::BadRequest(why),
        super::Refusal::Failed(why) => ServerError::Internal(why),
    })?;
    // The provider's own device grant, where it has one: its page and its code.
    if let Some(provider) = sso.chosen(&serving.store, &started.user_code).await {
        if let Some(d) = device(&serving, provider, &started.user_code).await {
            started.verification_uri = d.verification_uri;
            started.verification_uri_complete = d.verification_uri_complete;
            started.user_code = d.user_code;
            started.expires_in = started.expires_in.min(d.expires_in.as_secs() as u32);
        }
    }
    Ok(axum::Json(started).into_response())
}

/// `POST /v1/sso/poll`.
pub async fn poll(serving: Arc<Serving>, body: Bytes) -> Result<Response, ServerError> {
    let sso = sso(&serving)?;
    let req: SsoPollRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("the poll is not valid: {e}")))?;
    match sso.poll(&serving.store, &req.poll_token).await {
        None => Err(ServerError::NotFound("no sign-in under way with this poll token; start again".into())),
        Some(Polled::Waiting) => {
            Ok((StatusCode::ACCEPTED, axum::Json(serde_json::json!({"pending": true}))).into_response())
        }
        Some(Polled::Done(login)) => Ok(axum::Json(*login).into_response()),
        // (Only an SSH connection's sign-in ends so, and its poll token never leaves
        // the server.)
        Some(Polled::Person(_)) => {
            Err(ServerError::NotFound("no sign-in under way with this poll token".into()))
        }
        Some(Polled::Failed(why)) => Err(ServerError::Unauthorized(why)),
    }
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, Html(body)).into_response();
    // Nothing of a sign-in is kept by browsers or proxies.
    r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    r
}

/// The cookie that ties a sign-in's way back to the browser that set off on it: a
/// link to the provider forwarded to someone else does not come back to this server
/// as theirs.
const COOKIE: &str = "sitroom_sso";

/// `/sso`: type the code; `/sso?code=…`: which device asks, confirm (or choose a
/// provider); `/sso?code=…&go=1`: on to the provider.
pub async fn page(State(serving): State<Arc<Serving>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Ok(sso) = sso(&serving) else {
        return html(StatusCode::NOT_FOUND, pages::failed("no single sign-on here"));
    };
    let Some(code) = q.get("code").filter(|c| !c.trim().is_empty()) else {
        return html(StatusCode::OK, pages::enter_code());
    };
    let chosen = q.get("provider").map(String::as_str);
    if !q.contains_key("go") {
        // First say who asks: a sign-in someone else started (a forwarded link, a
        // phishing mail) is not one to finish.
        return match sso.asking(&serving.store, code).await {
            Some((device, minutes)) => {
                html(StatusCode::OK, pages::confirm(&super::normal_code(code), chosen, &device, minutes))
            }
            None => html(StatusCode::BAD_REQUEST, pages::failed(super::UNKNOWN_CODE)),
        };
    }
    let browser = crate::server::secrets::new_token();
    match sso.browse(&serving.store, code, chosen, &browser).await {
        Ok(Browse::Provider(url)) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            let cookie = format!("{COOKIE}={browser}; Path=/sso; HttpOnly; SameSite=Lax; Max-Age=600");
            match (header::HeaderValue::from_str(&url), header::HeaderValue::from_str(&cookie)) {
                (Ok(v), Ok(c)) => {
                    r.headers_mut().insert(header::LOCATION, v);
                    r.headers_mut().insert(header::SET_COOKIE, c);
                    r.headers_mut()
                        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
                    r
                }
                _ => html(StatusCode::BAD_GATEWAY, pages::failed("the provider's address cannot be used")),
            }
        }
        Ok(Browse::Choose(providers)) => {
            html(StatusCode::OK, pages::choose(&super::normal_code(code), &providers))
        }
        Err(super::BrowseError::Unreachable(why)) => {
            tracing::info!(%why, "single sign-on page: provider unreachable");
            html(StatusCode::BAD_GATEWAY, pages::failed(&why))
        }
        Err(super::BrowseError::Refused(why)) => {
            tracing::info!(%why, "single sign-on page refused");
            html(StatusCode::BAD_REQUEST, pages::failed(&why))
        }
    }
}

/// The browser's tie to its sign-in, from its cookies.
fn browser_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == COOKIE).then(|| v.to_string())
        })
}

/// `/sso/callback`: the provider sends the browser back with a code (or an error).
pub async fn callback(
    State(serving): State<Arc<Serving>>,
    peer: Option<axum::Extension<Peer>>,
    headers: axum::http::HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(sso) = sso(&serving) else {
        return html(StatusCode::NOT_FOUND, pages::failed("no single sign-on here"));
    };
    let address = peer.map(|p| p.0 .0.ip().to_string());
    let browser = browser_cookie(&headers).unwrap_or_default();
    let returned = match q.get("state") {
        Some(state) => sso.returned(&serving.store, state, &browser).await,
        None => None,
    };
    let Some((code_id, provider, begun, replica)) = returned else {
        return html(
            StatusCode::BAD_REQUEST,
            pages::failed(
                "this sign-in is not known, was finished already, is too old, or was started in another browser",
            ),
        );
    };
    let person = match (q.get("error"), q.get("code")) {
        (Some(error), _) => {
            let said =
                q.get("error_description").map(|d| format!("{error} ({d})")).unwrap_or_else(|| error.clone());
            Err(format!("the identity provider refused: {said}"))
        }
        (None, None) => Err("the identity provider sent no code back".into()),
        (None, Some(code)) => sso.person(provider, code, &begun).await.map_err(|e| e.to_string()),
    };
    let unreachable = person.as_ref().is_err_and(|e| e.contains("cannot be reached"));
    let (outcome, page) = complete(&serving, provider, person, replica.is_none(), address).await;
    let status = match &outcome {
        Outcome::Failed(_) if unreachable => StatusCode::BAD_GATEWAY,
        Outcome::Failed(_) => StatusCode::FORBIDDEN,
        Outcome::Account(_) => StatusCode::OK,
    };
    sso.ended(&serving.store, &code_id, outcome).await;
    html(status, page)
}

/// A sign-in through the provider's own device grant: the provider's page and code
/// for the person; the server waits on the provider and finishes it when they have
/// signed in there. `None` when the provider has no device grant (or may not use it).
async fn device(serving: &Arc<Serving>, provider: usize, code_id: &str) -> Option<super::provider::Device> {
    let sso = serving.sso.as_ref()?;
    let device = match sso.providers[provider].device_start().await {
        Ok(Some(d)) => d,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(provider = %sso.providers[provider].config.name, error = %e, "the provider's device grant failed; its own page instead");
            return None;
        }
    };
    let (serving, code_id) = (serving.clone(), code_id.to_string());
    let polling = device.clone();
    tokio::spawn(async move {
        let Some(sso) = serving.sso.as_ref() else { return };
        let person = sso.providers[provider].device_finish(&polling).await.map_err(|e| e.to_string());
        let (outcome, _) = complete(&serving, provider, person, false, None).await;
        sso.ended(&serving.store, &code_id, outcome).await;
    });
    Some(device)
}

/// A person the provider vouched for (or its refusal): the account (made or updated),
/// the audit; the outcome for the poll and the page for the browser. The replica's
/// session opens when its terminal polls (on whichever server that reaches).
async fn complete(
    serving: &Arc<Serving>,
    provider: usize,
    person: Result<super::provider::Person, String>,
    for_ssh: bool,
    address: Option<String>,
) -> (Outcome, String) {
    let Some(sso) = serving.sso.as_ref() else {
        return (Outcome::Failed("no single sign-on".into()), String::new());
    };
    let name = sso.providers[provider].config.name.clone();
    let org = sso.providers[provider].config.org.clone();
    let refuse = |why: String| refused(serving, &name, &org, address.clone(), why);
    let person = match person {
        Ok(p) => p,
        Err(why) => return refuse(why).await,
    };
    let store = serving.store.clone();
    let (name2, org2) = (name.clone(), org.clone());
    let vouched = tokio::task::spawn_blocking(move || {
        let vouched = person.vouched(&name2, &org2);
        let (who, before) = store.sso_account(&vouched)?;
        // What happened to the account is audited whatever follows.
        let line = |event: &str, detail: String| Audited {
            account: Some(who.name.clone()),
            org: Some(who.org.clone()),
            provider: Some(name2.clone()),
            ..Audited::now(event, detail)
        };
        match &before {
            None => audit_store(
                &*store,
                line("account-made", format!("made just in time; groups {}", person.groups.join(", "))),
            ),
            Some(b) if *b != who.roles => audit_store(
                &*store,
                line(
                    "roles-changed",
                    format!("{} → {}", super::roles_said(b), super::roles_said(&who.roles)),
                ),
            ),
            Some(_) => {}
        }
        Ok::<_, ServerError>(who)
    })
    .await;
    let who = match vouched {
        Ok(Ok(who)) => who,
        Ok(Err(e)) => return refuse(e.to_string()).await,
        Err(e) => return refuse(format!("a worker stopped: {e}")).await,
    };
    tracing::info!(user = %who.name, org = %who.org, provider = %name, "signed in through single sign-on");
    let door = if for_ssh { "single sign-on for SSH" } else { "single sign-on" };
    let line = Audited {
        account: Some(who.name.clone()),
        org: Some(who.org.clone()),
        provider: Some(name.clone()),
        address: address.clone(),
        ..Audited::now("signed-in", format!("{door}; roles {}", super::roles_said(&who.roles)))
    };
    audit(serving, line).await;
    let page = pages::signed_in(&who.name, &who.org);
    (Outcome::Account(who.name), page)
}

/// A sign-in the provider (or the account's rules) refused: logged, audited, and the
/// outcome and page that say why.
async fn refused(
    serving: &Serving,
    provider: &str,
    org: &str,
    address: Option<String>,
    why: String,
) -> (Outcome, String) {
    let why = super::one_line(&why);
    tracing::warn!(provider, %why, "single sign-on refused");
    let line = Audited {
        org: Some(org.to_string()),
        provider: Some(provider.to_string()),
        address,
        ..Audited::now("refused", why.clone())
    };
    audit(serving, line).await;
    let page = pages::failed(&why);
    (Outcome::Failed(why), page)
}

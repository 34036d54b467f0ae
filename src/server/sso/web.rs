//! Single sign-on's HTTP face: the terminal's start and poll (JSON), and the pages a
//! browser opens (the code, the way to the provider, the way back).

use super::pages;
use super::{Audited, Browse, Polled, Vouched};
use crate::server::http::Peer;
use crate::server::{ServerError, Serving};
use crate::sync::wire::{self, LoginResponse, SsoPollRequest, SsoStartRequest};
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

/// Write to the audit; a failure to is logged, never a reason to fail the sign-in.
fn audit(serving: &Serving, a: Audited) {
    if let Err(e) = serving.store.audit(&a) {
        tracing::warn!(error = %e, "cannot write the audit");
    }
}

pub async fn start(State(serving): State<Arc<Serving>>, body: Bytes) -> Result<Response, ServerError> {
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
    let started = sso.start(&req).map_err(ServerError::BadRequest)?;
    Ok(axum::Json(started).into_response())
}

pub async fn poll(State(serving): State<Arc<Serving>>, body: Bytes) -> Result<Response, ServerError> {
    let sso = sso(&serving)?;
    let req: SsoPollRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("the poll is not valid: {e}")))?;
    match sso.poll(&req.poll_token) {
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

/// `/sso`: type the code; `/sso?code=…`: on to the provider (or choose one first).
pub async fn page(State(serving): State<Arc<Serving>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Ok(sso) = sso(&serving) else {
        return html(StatusCode::NOT_FOUND, pages::failed("no single sign-on here"));
    };
    let Some(code) = q.get("code").filter(|c| !c.trim().is_empty()) else {
        return html(StatusCode::OK, pages::enter_code());
    };
    match sso.browse(code, q.get("provider").map(String::as_str)).await {
        Ok(Browse::Provider(url)) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            match header::HeaderValue::from_str(&url) {
                Ok(v) => {
                    r.headers_mut().insert(header::LOCATION, v);
                    r.headers_mut()
                        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
                    r
                }
                Err(_) => {
                    html(StatusCode::BAD_GATEWAY, pages::failed("the provider's address cannot be used"))
                }
            }
        }
        Ok(Browse::Choose(providers)) => {
            html(StatusCode::OK, pages::choose(&super::normal_code(code), &providers))
        }
        Err(why) => {
            tracing::info!(%why, "single sign-on page refused");
            html(StatusCode::BAD_REQUEST, pages::failed(&why))
        }
    }
}

/// `/sso/callback`: the provider sends the browser back with a code (or an error).
pub async fn callback(
    State(serving): State<Arc<Serving>>,
    peer: Option<axum::Extension<Peer>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Ok(sso) = sso(&serving) else {
        return html(StatusCode::NOT_FOUND, pages::failed("no single sign-on here"));
    };
    let address = peer.map(|p| p.0 .0.ip().to_string());
    let Some((code_id, provider, begun, replica)) = q.get("state").and_then(|s| sso.returned(s)) else {
        return html(
            StatusCode::BAD_REQUEST,
            pages::failed("this sign-in is not known, was finished already, or is too old"),
        );
    };
    let name = sso.providers[provider].config.name.clone();
    let org = sso.providers[provider].config.org.clone();
    let refuse = |why: String| {
        tracing::warn!(provider = %name, %why, "single sign-on refused");
        audit(
            &serving,
            Audited {
                org: Some(org.clone()),
                provider: Some(name.clone()),
                address: address.clone(),
                ..Audited::now("refused", why.clone())
            },
        );
        sso.ended(&code_id, Polled::Failed(why.clone()));
        html(StatusCode::FORBIDDEN, pages::failed(&why))
    };
    if let Some(error) = q.get("error") {
        let said =
            q.get("error_description").map(|d| format!("{error} ({d})")).unwrap_or_else(|| error.clone());
        return refuse(format!("the identity provider refused: {said}"));
    }
    let Some(code) = q.get("code") else { return refuse("the identity provider sent no code back".into()) };
    let person = match sso.person(provider, code, &begun).await {
        Ok(p) => p,
        Err(e) => return refuse(e.to_string()),
    };
    let store = serving.store.clone();
    let (name2, org2) = (name.clone(), org.clone());
    let opened = tokio::task::spawn_blocking(move || {
        let vouched = Vouched {
            provider: &name2,
            org: &org2,
            issuer: &person.issuer,
            subject: &person.subject,
            hint: &person.hint,
            groups: &person.groups,
            refresh: person.refresh.as_deref(),
        };
        let (who, before) = store.sso_account(&vouched)?;
        // An SSH connection's sign-in: the door opens its own replica for the account.
        let Some(replica) = replica else { return Ok::<_, ServerError>((who, None, before, person.groups)) };
        let (token, expires_at) =
            store.open_replica(&who.name, &replica.device, &replica.origin, &replica.key)?;
        let login = LoginResponse {
            server_key: store.public_key(),
            certificate: store.certify(&replica.origin, &who.org),
            token,
            user: who.name.clone(),
            org: who.org.clone(),
            roles: who.roles.clone(),
            superadmin: who.superadmin,
            expires_at,
        };
        Ok((who, Some(login), before, person.groups))
    })
    .await;
    let (who, login, before, groups) = match opened {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => return refuse(e.to_string()),
        Err(e) => return refuse(format!("a worker stopped: {e}")),
    };
    tracing::info!(user = %who.name, org = %who.org, provider = %name, "signed in through single sign-on");
    let line = |event: &str, detail: String| Audited {
        account: Some(who.name.clone()),
        org: Some(who.org.clone()),
        provider: Some(name.clone()),
        address: address.clone(),
        ..Audited::now(event, detail)
    };
    match &before {
        None => {
            audit(&serving, line("account-made", format!("made just in time; groups {}", groups.join(", "))))
        }
        Some(b) if *b != who.roles => audit(
            &serving,
            line("roles-changed", format!("{} → {}", super::roles_said(b), super::roles_said(&who.roles))),
        ),
        Some(_) => {}
    }
    let door = if login.is_some() { "single sign-on" } else { "single sign-on for SSH" };
    audit(&serving, line("signed-in", format!("{door}; roles {}", super::roles_said(&who.roles))));
    let page = pages::signed_in(&who.name, &who.org);
    sso.ended(&code_id, login.map_or(Polled::Person(who.name.clone()), |l| Polled::Done(Box::new(l))));
    html(StatusCode::OK, page)
}

//! The server asks each provider again, every `recheck`, about the people signed in
//! through it who have a session open (with the refresh token the provider gave):
//! - still vouched for: their groups are read anew and their roles follow (a person
//!   moved out of a group loses its role now, not at their next sign-in);
//! - refused (disabled or removed at the provider, the grant revoked): every session
//!   of the account ends, its SSH sessions with them; what they wrote stays;
//! - the provider unreachable: nothing changes. In a crisis the identity provider may
//!   be the thing that is down, and that must not lock the staff room out; it is
//!   logged and asked again next time.

use super::provider::SsoError;
use super::{roles_said, Audited, Identity};
use crate::server::Serving;
use std::sync::Arc;
use std::time::Duration;

/// Ask again until `stop` turns true.
pub async fn run(serving: Arc<Serving>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some(sso) = serving.sso.as_ref() else { return };
    // Often enough that nobody keeps access much past the bound.
    let every = (sso.recheck / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let before = chrono::Utc::now().timestamp_millis() - sso.recheck.as_millis() as i64;
        let store = serving.store.clone();
        let due = match tokio::task::spawn_blocking(move || store.sso_due(before)).await {
            Ok(Ok(due)) => due,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read whom to ask the identity providers about");
                continue;
            }
            Err(_) => continue,
        };
        for who in due {
            ask_again(&serving, who, before).await;
        }
    }
}

/// Ask the person's provider about them now (at a check, or as their session is
/// renewed), unless it was asked about them since `before` (ms) or is being asked
/// now: false when it no longer vouches for them, and their sessions have ended.
pub async fn ask_again(serving: &Arc<Serving>, who: Identity, before: i64) -> bool {
    let Some(sso) = serving.sso.as_ref() else { return true };
    // A provider taken out of the config: its people keep what they have until their
    // sessions end; nobody is asked.
    let Some((_, provider)) = sso.provider(&who.provider) else { return true };
    // The turn to ask, taken in the store, so that one server asks at a time (a
    // refresh token the provider rotates is never used twice, which providers that
    // detect reuse punish by revoking the grant); and the refresh token as it is now.
    let (store, issuer, subject) = (serving.store.clone(), who.issuer.clone(), who.subject.clone());
    let turn = tokio::task::spawn_blocking(move || store.sso_take_turn(&issuer, &subject, before)).await;
    let who = match turn {
        Ok(Ok(Some(who))) => who,
        Ok(Ok(None)) => return true,
        Ok(Err(e)) => {
            tracing::warn!(account = %who.account, error = %e, "cannot take the turn to ask the provider");
            return true;
        }
        Err(_) => return true,
    };
    let org = provider.config.org.clone();
    let line = |event: &str, detail: String| Audited {
        account: Some(who.account.clone()),
        org: Some(org.clone()),
        provider: Some(who.provider.clone()),
        ..Audited::now(event, detail)
    };
    let store = serving.store.clone();
    match provider.refresh(&who.refresh).await {
        Ok(person) if person.subject == who.subject && person.issuer == who.issuer => {
            let (name, org2) = (who.provider.clone(), org.clone());
            let updated = tokio::task::spawn_blocking(move || {
                let vouched = person.vouched(&name, &org2);
                store.sso_account(&vouched)
            })
            .await;
            match updated {
                Ok(Ok((now, Some(before)))) if before != now.roles => {
                    let said = format!("{} → {}", roles_said(&before), roles_said(&now.roles));
                    tracing::info!(account = %who.account, roles = %said, "roles follow the provider's groups");
                    audit(serving, line("roles-changed", said)).await;
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(account = %who.account, error = %e, "cannot update from the provider")
                }
                Err(_) => {}
            }
            true
        }
        Ok(_) => {
            cut_off(serving, &who, line("cut-off", "the provider named someone else".into())).await;
            false
        }
        Err(SsoError::Unreachable(why)) => {
            tracing::warn!(provider = %who.provider, account = %who.account, %why, "identity provider unreachable; access kept until it answers");
            true
        }
        Err(e) => {
            cut_off(serving, &who, line("cut-off", e.to_string())).await;
            false
        }
    }
}

async fn cut_off(serving: &Arc<Serving>, who: &Identity, line: Audited) {
    let store = serving.store.clone();
    let who2 = who.clone();
    match tokio::task::spawn_blocking(move || store.sso_cut_off(&who2)).await {
        Ok(Ok(n)) => {
            tracing::warn!(account = %who.account, sessions = n, why = %line.detail, "the identity provider no longer vouches for the person: sessions ended");
            audit(serving, line).await;
        }
        Ok(Err(e)) => tracing::error!(account = %who.account, error = %e, "cannot end the sessions"),
        Err(_) => {}
    }
}

/// Write to the audit, off the async threads (a database may be a network away).
async fn audit(serving: &Serving, a: Audited) {
    let store = serving.store.clone();
    let written = tokio::task::spawn_blocking(move || store.audit(&a)).await;
    if let Ok(Err(e)) = written {
        tracing::warn!(error = %e, "cannot write the audit");
    }
}

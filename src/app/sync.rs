//! Sync operations a user performs on their replica: conflicts, bundles, and what a
//! sign-in brings (the roles the server gives this user, mirrored locally so that the
//! local checks refuse what the server would).

use super::{AppError, Result, Session};
use crate::domain::roles::Role;
use crate::domain::Incident;
use crate::keys::{Sealed, Sealer};
use crate::replication::authorize::{needed, needed_to_change};
use crate::store::{Applied, Conflict, OpState};
use crate::sync::bundle::Bundle;
use crate::sync::client::Login;
use crate::sync::wire::LoginResponse;
use chrono::Utc;

impl Session {
    /// The conflicts this user may see: none of EPS data without the right to see it.
    pub fn conflicts(&self, incident: Option<&Incident>) -> Result<Vec<Conflict>> {
        let mut all = self.store.conflicts(incident.map(|i| i.id))?;
        let mut hidden = Vec::new();
        for &kind in crate::replication::Kind::ALL {
            if let Some(p) = crate::replication::authorize::needed_to_read(kind) {
                if !self.may(p)? {
                    hidden.push(kind);
                }
            }
        }
        all.retain(|c| !hidden.contains(&c.kind));
        Ok(all)
    }

    /// Settle a conflict on the record whose id starts with `id` (at least 8
    /// characters): keep `value`, or the value that holds now.
    pub fn resolve_conflict(&mut self, id: &str, field: &str, value: Option<String>) -> Result<Conflict> {
        let id = id.trim().to_lowercase();
        if id.len() < 8 {
            return Err(AppError::Usage("give at least 8 characters of the record's id".into()));
        }
        let found: Vec<Conflict> = self
            .conflicts(None)?
            .into_iter()
            .filter(|c| c.entity.to_string().starts_with(&id) && c.field == field)
            .collect();
        let conflict = match found.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(AppError::Usage(format!("there is no conflict on '{field}' of a record {id}…")))
            }
            _ => {
                return Err(AppError::Usage(format!(
                    "{id} matches more than one record; give more of the id"
                )))
            }
        };
        // Typed values are text; numbers and "none" are understood where the field
        // holds them. Without a value, the one that holds now is kept.
        let value = match value.as_deref() {
            None => conflict.current.clone(),
            Some("none" | "ingen") => serde_json::Value::Null,
            Some(v) if conflict.current.is_number() => v.parse::<i64>().map(Into::into).unwrap_or(v.into()),
            Some(v) => v.into(),
        };
        self.settle_conflict(&conflict, value)?;
        Ok(conflict)
    }

    /// Settle a conflict with `value` (one of the values in conflict, as the TUI offers).
    /// Settle a conflict, and say so in the incident's log (bokmål, as every automatic
    /// entry): which value was kept, and which were set aside, by whom.
    pub fn settle_conflict(&mut self, conflict: &Conflict, value: serde_json::Value) -> Result<()> {
        self.permit(needed_to_change(conflict.kind))?;
        let shown = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "ingen".to_string(),
            other => other.to_string(),
        };
        let set_aside: Vec<String> = std::iter::once(&conflict.current)
            .chain(conflict.others.iter().map(|o| &o.value))
            .filter(|v| **v != value)
            .map(|v| format!("«{}»", shown(v)))
            .collect();
        let (what, n, field) =
            (conflict.kind.spec().label.get(crate::i18n::Lang::Nb), conflict.number, &conflict.field);
        let mut text = format!("Konflikt om {field} i {what} {n} løst: «{}» beholdt", shown(&value));
        if !set_aside.is_empty() {
            text.push_str(&format!(", {} satt til side", set_aside.join(", ")));
        }
        let w = self.writer(Utc::now());
        let entry = w.entry("konflikt", text);
        self.store.settle_conflict_logged(conflict, value, w.who(), w.now, entry)?;
        Ok(())
    }

    pub fn export_bundle(&mut self, since: i64) -> Result<Bundle> {
        let ops = self.store.ops_after(since, usize::MAX)?;
        let through = ops.last().map(|(seq, _)| *seq).unwrap_or(since);
        let sealer = self.store.sealer()?;
        // The writer signs the heads of its chains now, so that the newest entry in
        // the bundle is covered too.
        self.sign_own_chains(&sealer)?;
        let ops = ops.into_iter().map(|(_, op)| op).collect();
        let mut bundle = Bundle::new(sealer.replica.clone(), through, ops, &sealer.key);
        let incidents = bundle.log_incidents();
        for incident in incidents {
            bundle.checkpoints.extend(self.store.checkpoints(incident)?);
        }
        bundle.sign(&sealer);
        Ok(bundle)
    }

    /// Apply a bundle. The importing user must be allowed every kind of change in it;
    /// the ops are then shared onward at the next sync.
    /// A bundle sealed by a writer this replica's sync server has not vouched for is
    /// refused unless `unverified` (the user trusts how it came).
    pub fn import_bundle(&mut self, bundle: &Bundle, unverified: bool) -> Result<Applied> {
        let lang = self.lang;
        let refused = |why: String| {
            AppError::Usage(
                lang.pick(format!("pakken avvises, og ingenting av den er tatt inn: {why}"), &why),
            )
        };
        let server_key = self.store.meta("server_key")?.filter(|k| !k.is_empty());
        if bundle.check_writer(server_key.as_deref()).map_err(refused)? == Some(false) && !unverified {
            let (origin, org) =
                (crate::text::safe_line(&bundle.origin), crate::text::safe_line(&bundle.seal.org));
            return Err(AppError::Usage(lang.pick(format!(
                    "pakkens forfatter (replika {origin}, «{org}») er ikke godkjent av synkroniseringstjeneren din; \
                     ta den inn med --unverified bare om du stoler på veien den kom"
                ),
                format!(
                    "the bundle's writer (replica {origin}, '{org}') is not vouched for by your sync server; \
                     import it with --unverified only if you trust how it came"
                ),
            )));
        }
        bundle.check_signatures().map_err(refused)?;
        bundle
            .check_links(|op| {
                let prefix = op.field_str("prev_hash")?;
                self.store.chain_hash(op.incident, &op.origin, prefix).ok().flatten()
            })
            .map_err(refused)?;
        let mut seen = Vec::new();
        for op in &bundle.ops {
            let p = needed(op);
            if !seen.contains(&p) {
                self.permit(p)?;
                seen.push(p);
            }
        }
        // Applied and checked in one transaction: every signed head must be the entry
        // that is there once the bundle is in, or nothing of it is kept.
        let incidents = bundle.log_incidents();
        let checked =
            self.store.apply_ops_checked(&bundle.ops, OpState::ToPush, &bundle.checkpoints, |store| {
                for incident in &incidents {
                    let Some(i) = store.incident_by_id(*incident).map_err(|e| e.to_string())? else {
                        continue;
                    };
                    let entries = store.entries(&i).map_err(|e| e.to_string())?;
                    // Signed heads that are here are checked; one whose entry has not
                    // arrived yet (an earlier bundle not taken in) is for later.
                    let here: std::collections::HashSet<uuid::Uuid> = entries.iter().map(|e| e.id).collect();
                    let checkpoints: Vec<_> = store
                        .checkpoints(*incident)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .filter(|c| here.contains(&c.entry))
                        .collect();
                    crate::replication::checkpoint::check(
                        *incident,
                        &entries,
                        &checkpoints,
                        server_key.as_deref(),
                    )?;
                    crate::domain::log::verify_chain(*incident, &entries).map_err(|b| b.to_string())?;
                }
                Ok(())
            })?;
        checked.map_err(|why| {
            AppError::Usage(lang.pick(
                format!("pakken er endret underveis, og ingenting av den er tatt inn: {why}"),
                format!("the bundle was altered; nothing of it was imported: {why}"),
            ))
        })
    }

    /// Sign the heads of this replica's chains now (a bundle or an archive is being
    /// written: its newest entries are covered too).
    pub(super) fn sign_own_chains(&mut self, sealer: &Sealer) -> Result<()> {
        let now = Utc::now().timestamp_millis();
        let fresh = self.store.checkpoints_due(&sealer.replica, &sealer.key, now, true)?;
        self.store.keep_checkpoints(&fresh)?;
        Ok(())
    }

    /// After a sign-in: point the replica at the server and give the user the roles
    /// the server gave them.
    pub fn signed_in(&mut self, server: &str, user: &str, roles: &[Role]) -> Result<()> {
        self.signed_in_at(server, 0, user, roles)
    }

    /// As [`Session::signed_in`], at a server whose store is of `epoch` (a restore
    /// from a backup moves it on; this replica then starts over with it).
    pub fn signed_in_at(&mut self, server: &str, epoch: i64, user: &str, roles: &[Role]) -> Result<()> {
        self.store.use_server(server, epoch)?;
        let exists = self.store.users()?.iter().any(|u| u.name == user);
        self.store.put_user(user, roles, exists, "server", &self.device, Utc::now())?;
        Ok(())
    }

    /// Keep the session a server opened for this replica (after a password or a
    /// single sign-on): the sign-in beside the database, the server's key that
    /// countersigns checkpoints, its word that this replica's key is the
    /// organisation's, and the user with the roles the server gave. From now on this
    /// session acts as that user.
    pub fn accept_login(&mut self, server: &str, answer: LoginResponse) -> Result<Login> {
        let login = Login {
            server: server.to_string(),
            user: answer.user.clone(),
            org: answer.org.clone(),
            roles: answer.roles.clone(),
            superadmin: answer.superadmin,
            token: answer.token,
            device: self.device.clone(),
            expires_at: answer.expires_at,
        };
        crate::sync::client::save_login(self.store.path(), &login)
            .map_err(|e| AppError::Usage(e.to_string()))?;
        // `log verify` checks countersigned checkpoints against this key.
        if !answer.server_key.is_empty() {
            self.store.set_meta("server_key", &answer.server_key)?;
        }
        // Shared reports carry the certificate.
        self.store.set_meta("certificate", &answer.certificate)?;
        self.store.set_meta("certified_org", &answer.org)?;
        // The roster is the organisation's: ask for it at the next round.
        self.store.set_meta("roster_checked", "0")?;
        // A superadministrator may do everything: locally that is the administrator role.
        let mut local_roles = answer.roles;
        if answer.superadmin && !local_roles.contains(&Role::Administrator) {
            local_roles.push(Role::Administrator);
        }
        self.signed_in_at(server, answer.epoch, &answer.user, &local_roles)?;
        self.user = answer.user;
        Ok(login)
    }
}

//! What each op needs: the same permission table the CLI and TUI consult, applied by
//! the server to every op it is sent. Pure rules; the server supplies the account and
//! the organisation that owns the incident.

use super::{Action, Kind, Op};
use crate::domain::roles::{allowed, roles_granting, Permission, Role};

/// The permission to create or change records of a kind (judging a report needs more:
/// see [`needed`]).
pub fn needed_to_change(kind: Kind) -> Permission {
    match kind {
        Kind::Incident => Permission::ManageIncidents,
        // Automatic entries come with the change they record; every role that may
        // change anything may write the log.
        Kind::LogEntry | Kind::Meeting => Permission::WriteLog,
        Kind::Task => Permission::ManageTasks,
        Kind::Media => Permission::WorkMedia,
        Kind::Report => Permission::WriteReports,
        Kind::Eps => Permission::SeeEps,
        Kind::Alert => Permission::SendAlerts,
        // Answers and escalations change recipients; who is alerted is part of sending.
        Kind::Recipient => Permission::WriteLog,
        Kind::Contact | Kind::Resource => Permission::ManagePreparedness,
    }
}

/// The permission an op needs.
pub fn needed(op: &Op) -> Permission {
    match op.kind {
        Kind::Recipient if op.action == Action::Create => Permission::SendAlerts,
        Kind::Report => {
            let judged = matches!(op.field_str("status"), Some("godkjent" | "returnert"))
                || op.fields.get("approved_by").is_some_and(|v| !v.is_null());
            if judged && op.action == Action::Set {
                Permission::ApproveReports
            } else if op.action == Action::Create && op.field_str("status") != Some("utkast") {
                // A new record must start as a draft; anything else is an approval.
                Permission::ApproveReports
            } else {
                Permission::WriteReports
            }
        }
        kind => needed_to_change(kind),
    }
}

/// The permission needed to *see* records of a kind, beyond belonging to the
/// organisation: evacuee and next-of-kin registrations (EPS) need `SeeEps`, and the
/// server's pull leaves them out for everyone else.
pub fn needed_to_read(kind: Kind) -> Option<Permission> {
    match kind {
        Kind::Incident
        | Kind::LogEntry
        | Kind::Task
        | Kind::Media
        | Kind::Report
        | Kind::Meeting
        | Kind::Alert
        | Kind::Recipient
        | Kind::Contact
        | Kind::Resource => None,
        Kind::Eps => Some(Permission::SeeEps),
    }
}

/// The account an op is judged for.
pub struct Account<'a> {
    pub name: &'a str,
    pub org: &'a str,
    pub roles: &'a [Role],
    pub superadmin: bool,
}

/// Whether `who` may push `op`, given the organisation that owns its incident (None
/// for an incident this server has not seen). `Err` carries the reason the user sees.
pub fn judge(who: &Account<'_>, op: &Op, owner: Option<&str>) -> Result<(), String> {
    if op.id.is_nil() || op.entity.is_nil() || op.incident.is_nil() != op.kind.org_scoped() {
        return Err(if op.kind.org_scoped() {
            format!("a {} op needs its own id and its record's, and no incident", op.kind.name())
        } else {
            format!("a {} op needs its own id, its record's and its incident's", op.kind.name())
        });
    }
    match (owner, op.kind, op.action) {
        (None, Kind::Incident, Action::Create) => {}
        // A new record of the organisation comes to belong to the sender's.
        (None, k, Action::Create) if k.org_scoped() => {}
        (None, k, _) if k.org_scoped() => {
            return Err(format!("{} {} is not known to the server", op.kind.name(), op.entity))
        }
        (None, _, _) => {
            return Err(format!(
                "{} {} belongs to incident {}, which the server does not know",
                op.kind.name(),
                op.entity,
                op.incident
            ))
        }
        (Some(org), k, _) if org != who.org && !who.superadmin => {
            return Err(if k.org_scoped() {
                format!(
                    "{} {} belongs to another organisation; {} may only change their own organisation's",
                    op.kind.name(),
                    op.entity,
                    who.name
                )
            } else {
                format!(
                    "{} belongs to another organisation's incident; {} may only write to incidents of their own organisation",
                    op.kind.name(),
                    who.name
                )
            })
        }
        _ => {}
    }
    let p = needed(op);
    if who.superadmin || allowed(who.roles, p) {
        return Ok(());
    }
    let have: Vec<&str> = who.roles.iter().map(|r| r.name()).collect();
    let granting: Vec<&str> = roles_granting(p).iter().map(|r| r.name()).collect();
    Err(format!(
        "{} ({}) may not {}: that needs one of the roles {}",
        who.name,
        if have.is_empty() { "no roles".to_string() } else { have.join(", ") },
        p.describe(false),
        granting.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Hlc;
    use serde_json::json;
    use uuid::Uuid;

    fn op(kind: Kind, action: Action, fields: serde_json::Value) -> Op {
        Op {
            id: Uuid::now_v7(),
            hlc: Hlc(1),
            origin: "r".into(),
            author: "a".into(),
            device: "d".into(),
            kind,
            entity: Uuid::now_v7(),
            incident: Uuid::now_v7(),
            action,
            fields: fields.as_object().cloned().unwrap(),
            base: Default::default(),
        }
    }

    fn who(roles: &[Role]) -> Account<'_> {
        Account { name: "ola", org: "o1", roles, superadmin: false }
    }

    #[test]
    fn a_guest_writes_nothing() {
        let entry = op(Kind::LogEntry, Action::Create, json!({"text": "hei"}));
        let err = judge(&who(&[Role::Gjest]), &entry, Some("o1")).unwrap_err();
        assert!(err.contains("may not write the incident log"), "{err}");
        assert!(judge(&who(&[Role::Loggforer]), &entry, Some("o1")).is_ok());
    }

    #[test]
    fn approving_needs_the_approving_role_even_when_writing_is_allowed() {
        let approve = op(Kind::Report, Action::Set, json!({"status": "godkjent", "approved_by": "ola"}));
        let submit = op(Kind::Report, Action::Set, json!({"status": "til godkjenning"}));
        let writer = [Role::Beredskapsmedarbeider];
        assert!(judge(&who(&writer), &submit, Some("o1")).is_ok());
        let err = judge(&who(&writer), &approve, Some("o1")).unwrap_err();
        assert!(err.contains("approve reports") && err.contains("kriseledelse"), "{err}");
        let born_approved = op(Kind::Report, Action::Create, json!({"status": "godkjent"}));
        assert!(judge(&who(&writer), &born_approved, Some("o1")).is_err());
    }

    #[test]
    fn another_organisations_incident_is_closed_except_to_a_superadministrator() {
        let entry = op(Kind::LogEntry, Action::Create, json!({"text": "hei"}));
        let err = judge(&who(&[Role::Administrator]), &entry, Some("o2")).unwrap_err();
        assert!(err.contains("another organisation"), "{err}");
        let root = Account { name: "dsb", org: "o1", roles: &[], superadmin: true };
        assert!(judge(&root, &entry, Some("o2")).is_ok());
        let unknown = judge(&who(&[Role::Administrator]), &entry, None).unwrap_err();
        assert!(unknown.contains("does not know"), "{unknown}");
    }
}

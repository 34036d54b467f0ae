//! What each op needs, judged by the server against what *its own store* says about the
//! record the op touches, never against what the op says about itself. One description
//! per kind (the kinds table, `replication::kind`, which a new kind cannot be added
//! without filling in) and one function every pushed op goes through ([`judge`]).
//! Pure rules: the store supplies the [`Target`], the server the account.

use super::kind::KindSpec;
use super::{Action, Kind, Op};
use crate::domain::report::ReportStatus;
use crate::domain::roles::{allowed, roles_granting, Permission, Role};
use crate::i18n::{Label, Lang};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What the server needs to know about a kind of record: its row in the kinds table.
pub fn rules(kind: Kind) -> &'static KindSpec {
    kind.spec()
}

/// The permission to create or change records of a kind.
pub fn needed_to_change(kind: Kind) -> Permission {
    rules(kind).change
}

/// The permission needed to *see* records of a kind: evacuee and next-of-kin
/// registrations (EPS) need `SeeEps`, and the server's pull leaves them out for
/// everyone else.
pub fn needed_to_read(kind: Kind) -> Option<Permission> {
    rules(kind).read
}

/// The permission an op needs.
pub fn needed(op: &Op) -> Permission {
    match op.kind {
        Kind::Recipient if op.action == Action::Create => Permission::SendAlerts,
        // A copy by SMS or e-mail goes through the alert channels, as an alert does.
        Kind::Message if op.fields.get("copy").is_some_and(|c| !c.is_null()) => Permission::SendAlerts,
        Kind::Report => {
            // The approval record (who, when, which revision) is the approver's to set.
            let approval = ["approved_by", "approved_at", "approved_rev"];
            let judged = matches!(op.field_str("status"), Some("godkjent" | "returnert"))
                || approval.iter().any(|f| match op.fields.get(*f) {
                    Some(v) => op.action == Action::Set || !v.is_null(),
                    None => false,
                });
            if judged {
                Permission::ApproveReports
            } else if op.action == Action::Create && op.field_str("status") != Some("utkast") {
                // A new record must start as a draft; anything else is an approval.
                Permission::ApproveReports
            } else {
                Permission::WriteReports
            }
        }
        // A decision, or the significant mark, on an entry: what the staff decided
        // and what mattered is not for every log writer to say.
        Kind::LogEntry
            if op.field_str("kind") == Some("decision")
                || op
                    .fields
                    .get("significant")
                    .is_some_and(|v| v.as_i64().unwrap_or(0) != 0 || v == true)
                || (op.action == Action::Set && op.fields.contains_key("significant")) =>
        {
            Permission::Decide
        }
        kind => needed_to_change(kind),
    }
}

/// The session an op arrived on, and the account it is judged for.
pub struct Account<'a> {
    pub name: &'a str,
    /// The organisation's id, and its name (what messages and receipts carry).
    pub org: &'a str,
    pub org_name: &'a str,
    pub roles: &'a [Role],
    pub superadmin: bool,
    /// The replica bound to the session at sign-in, and its device as people see it.
    pub origin: &'a str,
    pub device: &'a str,
    /// Ops of other replicas carried in this request (a bundle's, relayed) that their
    /// own replica signed, for an account that signed in there: sorted.
    pub vouched: &'a [Uuid],
}

/// Why an op is not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Something it builds on is not on the server (perhaps later in the same push).
    Missing(String),
    /// It may not be taken, ever.
    Denied(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Missing(s) | Refusal::Denied(s) => f.write_str(s),
        }
    }
}

impl From<String> for Refusal {
    fn from(s: String) -> Self {
        Refusal::Denied(s)
    }
}

/// Who and where: an op of the session's own replica carries the session's account
/// and device; an op of another replica (relayed from a bundle) must be signed by that
/// replica, for an account that signed in there. A log entry names the same author
/// and device as its op.
fn stamped(who: &Account<'_>, op: &Op) -> Result<(), String> {
    let own = op.origin == who.origin;
    if own && op.author != who.name {
        return Err(format!(
            "the change names '{}' as its author, but the session is {}'s",
            op.author, who.name
        ));
    }
    if own && op.device != who.device {
        return Err(format!(
            "the change names device '{}', but the session was opened on '{}'",
            op.device, who.device
        ));
    }
    if !own && who.vouched.binary_search(&op.id).is_err() {
        return Err(format!(
            "the change was made on replica '{}', not on this session's ({}), and that replica's signature for it is missing or wrong",
            op.origin, who.origin
        ));
    }
    // Who made or approved a record is the op's author, not what the op says.
    let whose: &[&str] = match op.action {
        Action::Create => &["created_by", "sent_by", "approved_by"],
        Action::Set => &["approved_by"],
    };
    for field in whose {
        if let Some(v) = op.fields.get(*field).filter(|v| !v.is_null()) {
            if v.as_str() != Some(op.author.as_str()) {
                return Err(format!("the change names {v} in '{field}' but was made by {}", op.author));
            }
        }
    }
    if op.kind == Kind::LogEntry && op.action == Action::Create {
        for (field, stamp) in [("author", &op.author), ("device", &op.device)] {
            if let Some(v) = op.fields.get(field) {
                if v.as_str() != Some(stamp.as_str()) {
                    return Err(format!(
                        "the entry names {field} {v} but was sent as {stamp}'s; an entry keeps its true author"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A record as the server's store has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub kind: Kind,
    /// Its incident (nil for a record of no incident).
    pub incident: Uuid,
    /// Its current values: the columns that change after creation, and `status`.
    pub values: Map<String, Value>,
}

/// What the server's store says about what an op touches. Filled in from the store
/// alone: the op's record id is looked up, and its incident and organisation come from
/// there, not from the op's `n`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    /// The record itself, if the server has it.
    pub record: Option<Stored>,
    /// The organisation owning the record (through its incident, or directly for a
    /// record of no incident); for a new record, the owner of the incident the op
    /// names. None when the server knows neither.
    pub owner: Option<String>,
    /// The incident the record is in (for a new record: the one the op names), when
    /// the server has it: open, or closed at this time (ms).
    pub incident: Option<IncidentState>,
    /// The records the op's fields name, as the server has them.
    pub named: Vec<Named>,
    /// The server's clock (ms), and the earliest stamp the op may carry: that of the
    /// record it changes, or of the incident a new record goes into.
    pub now: i64,
    pub since: Option<u64>,
    /// A change the op says it replaced that is not a change of its record here.
    pub foreign_base: Option<Uuid>,
    /// The board the record is on (a board's own, for a change of a board), as the
    /// server has it: who may see it and who may write on it.
    pub board: Option<OnBoard>,
    /// The message a read receipt is of, or a reply answers, as the server has it:
    /// who it reaches.
    pub message: Option<Addressed>,
}

/// A message as the server's store has it: who wrote it, in which organisation (its
/// id and name), and whom it is to.
#[derive(Debug, Clone, PartialEq)]
pub struct Addressed {
    pub id: Uuid,
    pub thread: Uuid,
    pub author: String,
    pub org: String,
    pub org_name: String,
    pub to: crate::domain::message::Addressees,
}

impl Addressed {
    /// Does it reach the account?
    pub fn reaches(&self, who: &Account<'_>) -> bool {
        who.superadmin || self.to.reach(&self.author, &self.org_name, who.name, who.org_name, who.roles)
    }
}

/// A board as the server's store has it.
#[derive(Debug, Clone, PartialEq)]
pub struct OnBoard {
    pub id: Uuid,
    pub audience: crate::domain::board::Audience,
}

/// How far ahead of the receiver's clock a stamp may be. Clocks drift, and a PC whose
/// hardware clock keeps local time is an hour or two off; a stamp from the far future
/// would drag every replica's clock along for good.
pub const MAX_AHEAD_MS: i64 = 12 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentState {
    pub closed_at: Option<i64>,
}

/// A record an op names in one of its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub field: &'static str,
    pub id: String,
    /// Its kind, incident and owning organisation, if the server has it.
    pub found: Option<(Kind, Uuid, Option<String>)>,
}

/// Whether `who` may push `op`, given what the server's store says about it. `Err`
/// carries the reason the user sees.
pub fn judge(who: &Account<'_>, op: &Op, target: &Target) -> Result<(), Refusal> {
    let kind = op.kind.name();
    if op.id.is_nil() || op.entity.is_nil() || op.incident.is_nil() != op.kind.org_scoped() {
        return Err(Refusal::Denied(if op.kind.org_scoped() {
            format!("a {kind} op needs its own id and its record's, and no incident")
        } else {
            format!("a {kind} op needs its own id, its record's and its incident's")
        }));
    }
    // A stamp decides order and numbers: one from the far future would drag every
    // replica's clock along, one from before its record or incident would renumber.
    if op.hlc.0 > i64::MAX as u64 || op.hlc.millis() > target.now + MAX_AHEAD_MS {
        return Err(Refusal::Denied(format!(
            "the {kind} change is stamped in the future ({}); check the clock of the machine it was made on",
            op.hlc.millis()
        )));
    }
    if target.since.is_some_and(|since| op.hlc.0 < since) {
        return Err(Refusal::Denied(format!(
            "the {kind} change is stamped before its record or incident existed"
        )));
    }
    if let Some(b) = target.foreign_base {
        return Err(Refusal::Missing(format!(
            "the {kind} change says it replaced change {b}, which the server does not have for {}",
            op.entity
        )));
    }
    match (&target.record, op.action) {
        (Some(_), Action::Create) => return Err(format!("{kind} {} already exists", op.entity).into()),
        (None, Action::Set) => {
            return Err(Refusal::Missing(format!("there is no {kind} {} on the server", op.entity)))
        }
        (Some(r), Action::Set) if r.kind != op.kind => {
            return Err(format!("{} is a {}, not a {kind}", op.entity, r.kind.name()).into())
        }
        (Some(r), Action::Set) if r.incident != op.incident => {
            return Err(format!(
                "{kind} {} belongs to incident {}, not to incident {} that the change names",
                op.entity, r.incident, op.incident
            )
            .into())
        }
        _ => {}
    }
    if op.action == Action::Create && op.id != op.entity {
        return Err(format!("a new {kind} takes its record's id as its own").into());
    }
    if op.kind == Kind::Incident && op.entity != op.incident {
        return Err(Refusal::Denied("an incident's op must name the incident itself".into()));
    }
    match (&target.owner, op.kind, op.action) {
        // A new incident or record of no incident comes to belong to the sender's
        // organisation.
        (None, Kind::Incident, Action::Create) => {}
        (None, k, Action::Create) if k.org_scoped() => {}
        (None, _, _) => {
            return Err(Refusal::Missing(format!(
                "{kind} {} belongs to incident {}, which the server does not know",
                op.entity, op.incident
            )))
        }
        (Some(org), k, _) if org != who.org && !who.superadmin => {
            return Err(if k.org_scoped() {
                format!(
                    "{kind} {} belongs to another organisation; {} may only change their own organisation's",
                    op.entity, who.name
                )
            } else {
                format!(
                    "{kind} belongs to another organisation's incident; {} may only write to incidents of their own organisation",
                    who.name
                )
            }
            .into());
        }
        _ => {}
    }
    let rules = rules(op.kind);
    if let (false, Some(IncidentState { closed_at: Some(closed) })) = (rules.after_closing, target.incident) {
        // A change made before its writer could know of the closing (offline, at the
        // same time) still counts: the writer saw an open incident.
        if op.hlc.millis() > closed {
            return Err(format!(
                "the incident was closed before this {kind} change was made; reopen it to write in it"
            )
            .into());
        }
    }
    // Whose the record is, or will be (a new record of no incident: the sender's).
    let owner = target.owner.as_deref().or(if op.kind.org_scoped() { Some(who.org) } else { None });
    for named in &target.named {
        check_named(op, owner, named)?;
    }
    frozen(op, target.record.as_ref())?;
    addressed(who, op, target)?;
    copies_of_others(who, op, target)?;
    if let (Some(board), false) = (&target.board, who.superadmin) {
        let roles = Some(who.roles);
        if !board.audience.may_read(roles) {
            return Err(Refusal::Denied(format!(
                "{} may not see board {}, so may not change what is on it",
                who.name, board.id
            )));
        }
        let on_it = matches!(op.kind.spec().filed, super::kind::Filed::OnBoard(_));
        if on_it && !board.audience.may_write(roles) {
            let writers: Vec<&str> = board.audience.writers.iter().map(|r| r.name()).collect();
            return Err(Refusal::Denied(format!(
                "{} may not write on board {}: that is for the roles {}",
                who.name,
                board.id,
                writers.join(", ")
            )));
        }
    }
    let p = needed(op);
    if who.superadmin || allowed(who.roles, p) {
        return Ok(stamped(who, op)?);
    }
    let have: Vec<&str> = who.roles.iter().map(|r| r.name()).collect();
    let granting: Vec<&str> = roles_granting(p).iter().map(|r| r.name()).collect();
    Err(Refusal::Denied(format!(
        "{} ({}) may not {}: that needs one of the roles {}",
        who.name,
        if have.is_empty() { "no roles".to_string() } else { have.join(", ") },
        p.label().get(Lang::En),
        granting.join(", ")
    )))
}

/// A contact linked to a user is where copies of that user's messages go. Linking a
/// contact to someone else, or changing where copies to someone else go (the phone,
/// the e-mail address, the link itself, whether the contact is there at all), is for
/// those who manage users or that person:
/// otherwise anyone keeping the contacts could have another's messages sent to their
/// own phone. Judged against the contact as the server has it, so an edit of the notes
/// that sends the other fields unchanged passes.
fn copies_of_others(who: &Account<'_>, op: &Op, target: &Target) -> Result<(), Refusal> {
    if op.kind != Kind::Contact || who.superadmin || allowed(who.roles, Permission::ManageUsers) {
        return Ok(());
    }
    let stored = |f: &str| target.record.as_ref().and_then(|r| r.values.get(f));
    let changed =
        |f: &str| op.fields.get(f).is_some_and(|v| Some(v) != stored(f) && !(v == "" && stored(f).is_none()));
    let someone_else = |v: Option<&serde_json::Value>| {
        v.and_then(serde_json::Value::as_str).filter(|a| !a.is_empty() && *a != who.name).map(str::to_string)
    };
    let other = match changed("account") {
        true => someone_else(op.fields.get("account")).or_else(|| someone_else(stored("account"))),
        false if changed("phones") || changed("email") || changed("removed") => {
            someone_else(stored("account"))
        }
        false => None,
    };
    match other {
        Some(other) => Err(Refusal::Denied(format!(
            "{} may not link a contact to {other} or change where copies of messages to {other} go: that is for administrators or {other}",
            who.name
        ))),
        None => Ok(()),
    }
}

/// A message says truly which organisation it comes from, and a read receipt whose
/// reader it is; a reply answers, and a receipt is of, a message its writer was sent;
/// a reply is in the thread of what it answers.
fn addressed(who: &Account<'_>, op: &Op, target: &Target) -> Result<(), Refusal> {
    let (field, org_field) = match (op.kind, op.action) {
        (Kind::Message, Action::Create) => ("reply_to", "from_org"),
        (Kind::MessageRead, Action::Create) => ("message_id", "org"),
        _ => return Ok(()),
    };
    let kind = op.kind.name();
    if op.field_str(org_field).unwrap_or_default() != who.org_name && !who.superadmin {
        return Err(Refusal::Denied(format!(
            "the {kind} says it comes from organisation '{}', but {} is of '{}'",
            op.field_str(org_field).unwrap_or_default(),
            who.name,
            who.org_name
        )));
    }
    let thread = op.field_str("thread_id").and_then(|t| Uuid::parse_str(t).ok());
    match (op.field_str(field), &target.message) {
        (None, _) if op.kind == Kind::Message => {
            if thread != Some(op.entity) {
                return Err(Refusal::Denied("a first message is its own thread ('thread_id')".into()));
            }
            Ok(())
        }
        (None, _) => Err(Refusal::Denied("a read receipt names its message".into())),
        (Some(id), None) => Err(Refusal::Missing(format!(
            "the {kind} names message {id} in '{field}', which is not on the server"
        ))),
        (Some(_), Some(m)) => {
            if !m.reaches(who) {
                return Err(Refusal::Denied(format!("message {} was not sent to {}", m.id, who.name)));
            }
            if op.kind == Kind::Message && thread != Some(m.thread) {
                return Err(Refusal::Denied(format!(
                    "a reply is in the thread of what it answers ({}), not another",
                    m.thread
                )));
            }
            Ok(())
        }
    }
}

/// A record named in a field must be on the server, of the kind the field names, and
/// in the same incident (or organisation, for records of no incident).
fn check_named(op: &Op, owner: Option<&str>, named: &Named) -> Result<(), Refusal> {
    let Some(expected) = rules(op.kind).refs.iter().find(|(f, _)| *f == named.field).map(|(_, k)| *k) else {
        return Ok(());
    };
    let what = format!(
        "{} {} names {} {} in '{}'",
        op.kind.name(),
        op.entity,
        expected.name(),
        named.id,
        named.field
    );
    match &named.found {
        // A contact an alert was sent to may be one the server never had (kept on one
        // machine); the recipient carries the number and address it was alerted at.
        None if expected.org_scoped() => Ok(()),
        None => Err(Refusal::Missing(format!("{what}, which is not on the server"))),
        Some((k, _, _)) if *k != expected => Err(format!("{what}, but that is a {}", k.name()).into()),
        // A message may have come from another organisation: whether the writer was
        // sent it is the audience's to say (`addressed`).
        Some((Kind::Message, _, _)) if matches!(op.kind, Kind::Message | Kind::MessageRead) => Ok(()),
        // A record of the organisation may be named by a record of the same one; and a
        // record of the organisation (a notice) may name a record of one of its
        // incidents (the entry it was put up from).
        Some((k, _, theirs)) if k.org_scoped() || op.kind.org_scoped() => match (theirs.as_deref(), owner) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => Err(format!("{what}, which belongs to another organisation").into()),
        },
        Some((_, incident, _)) if *incident != op.incident => {
            Err(format!("{what}, which belongs to another incident").into())
        }
        Some(_) => Ok(()),
    }
}

/// What may no longer change: an approved (or submitted) report's text, a report's
/// status except by a step of the approval flow.
fn frozen(op: &Op, stored: Option<&Stored>) -> Result<(), String> {
    let (Kind::Report, Action::Set, Some(stored)) = (op.kind, op.action, stored) else {
        return Ok(());
    };
    let now = stored.values.get("status").and_then(Value::as_str).and_then(|s| ReportStatus::parse(s).ok());
    let Some(now) = now else { return Ok(()) };
    if matches!(now, ReportStatus::Approved | ReportStatus::Distributed)
        && op.fields.keys().any(|f| f != "status")
    {
        return Err(format!(
            "report {} is '{}': it and its approval are frozen; write a new version to change it",
            op.entity,
            now.label().get(Lang::En)
        ));
    }
    if op.fields.get("approved_by").is_some_and(|v| !v.is_null())
        && op.field_str("status") != Some("godkjent")
    {
        return Err(format!("report {}: an approval sets the status 'godkjent' with it", op.entity));
    }
    if op.fields.contains_key("text") && !now.editable() {
        return Err(format!(
            "report {} is '{}': its text is frozen; write a new version to change it",
            op.entity,
            now.label().get(Lang::En)
        ));
    }
    if let Some(next) = op.fields.get("status") {
        let next = next
            .as_str()
            .and_then(|s| ReportStatus::parse(s).ok())
            .ok_or_else(|| "a report's status must be a known status".to_string())?;
        use crate::domain::report::ReportStep::*;
        let reachable = next == now
            || [Submit, Approve, Return, Distribute].into_iter().any(|s| now.after(s) == Some(next));
        if !reachable {
            return Err(format!(
                "report {} cannot go from '{}' to '{}'",
                op.entity,
                now.label().get(Lang::En),
                next.label().get(Lang::En)
            ));
        }
    }
    if op.fields.contains_key("approved_by")
        && now != ReportStatus::Submitted
        && now != ReportStatus::Approved
    {
        return Err(format!(
            "report {} is '{}' and cannot be approved",
            op.entity,
            now.label().get(Lang::En)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::Hlc;
    use serde_json::json;
    use uuid::Uuid;

    fn op(kind: Kind, action: Action, fields: serde_json::Value) -> Op {
        let entity = Uuid::now_v7();
        Op {
            id: if action == Action::Create { entity } else { Uuid::now_v7() },
            hlc: Hlc(1),
            origin: "r".into(),
            author: "a".into(),
            device: "d".into(),
            kind,
            entity,
            incident: Uuid::now_v7(),
            action,
            fields: fields.as_object().cloned().unwrap(),
            base: Default::default(),
            sig: String::new(),
        }
    }

    fn who(roles: &[Role]) -> Account<'_> {
        Account {
            name: "a",
            org: "o1",
            org_name: "Org 1",
            roles,
            superadmin: false,
            origin: "r",
            device: "d",
            vouched: &[],
        }
    }

    fn owned(org: &str) -> Target {
        Target {
            owner: Some(org.into()),
            incident: Some(IncidentState { closed_at: None }),
            ..Target::default()
        }
    }

    fn existing(op: &Op, org: &str, values: serde_json::Value) -> Target {
        Target {
            record: Some(Stored {
                kind: op.kind,
                incident: op.incident,
                values: values.as_object().cloned().unwrap(),
            }),
            ..owned(org)
        }
    }

    #[test]
    fn a_guest_writes_nothing() {
        let entry = op(Kind::LogEntry, Action::Create, json!({"text": "hei"}));
        let err = judge(&who(&[Role::Gjest]), &entry, &owned("o1")).unwrap_err().to_string();
        assert!(err.to_string().contains("may not write the incident log"), "{err}");
        assert!(judge(&who(&[Role::Loggforer]), &entry, &owned("o1")).is_ok());
    }

    #[test]
    fn approving_needs_the_approving_role_even_when_writing_is_allowed() {
        let approve = op(Kind::Report, Action::Set, json!({"status": "godkjent", "approved_by": "a"}));
        let submit = op(Kind::Report, Action::Set, json!({"status": "til godkjenning"}));
        let writer = [Role::Beredskapsmedarbeider];
        let draft = existing(&submit, "o1", json!({"status": "utkast"}));
        assert!(judge(&who(&writer), &submit, &draft).is_ok());
        let submitted = existing(&approve, "o1", json!({"status": "til godkjenning"}));
        let err = judge(&who(&writer), &approve, &submitted).unwrap_err().to_string();
        assert!(err.contains("approve reports") && err.contains("kriseledelse"), "{err}");
        assert!(judge(&who(&[Role::Kriseledelse]), &approve, &submitted).is_ok());
        let born_approved = op(Kind::Report, Action::Create, json!({"status": "godkjent"}));
        assert!(judge(&who(&writer), &born_approved, &owned("o1")).is_err());
    }

    #[test]
    fn an_approved_text_is_frozen_for_everyone() {
        let edit = op(Kind::Report, Action::Set, json!({"text": "omskrevet"}));
        let approved = existing(&edit, "o1", json!({"status": "godkjent"}));
        for roles in [&[Role::Beredskapsmedarbeider][..], &[Role::Administrator]] {
            let err = judge(&who(roles), &edit, &approved).unwrap_err().to_string();
            assert!(err.contains("frozen"), "{err}");
        }
        let back = op(Kind::Report, Action::Set, json!({"status": "utkast"}));
        let err =
            judge(&who(&[Role::Administrator]), &back, &existing(&back, "o1", json!({"status": "godkjent"})))
                .unwrap_err()
                .to_string();
        assert!(err.contains("cannot go from"), "{err}");
    }

    #[test]
    fn the_record_decides_the_incident_not_the_op() {
        let mut close = op(Kind::Task, Action::Set, json!({"status": "avbrutt"}));
        let mut target = existing(&close, "o1", json!({"status": "ny"}));
        close.incident = Uuid::now_v7();
        let err = judge(&who(&[Role::Administrator]), &close, &target).unwrap_err().to_string();
        assert!(err.contains("belongs to incident"), "{err}");
        close.incident = target.record.as_ref().unwrap().incident;
        target.owner = Some("o2".into());
        let err = judge(&who(&[Role::Administrator]), &close, &target).unwrap_err().to_string();
        assert!(err.contains("another organisation"), "{err}");
        let missing = op(Kind::Task, Action::Set, json!({"status": "avbrutt"}));
        let err = judge(&who(&[Role::Administrator]), &missing, &owned("o1")).unwrap_err().to_string();
        assert!(err.contains("no task"), "{err}");
    }

    #[test]
    fn named_records_must_be_of_the_same_incident() {
        let fix = op(Kind::LogEntry, Action::Create, json!({"text": "retting", "corrects": "x"}));
        let mut target = owned("o1");
        target.named = vec![Named { field: "corrects", id: "x".into(), found: None }];
        assert!(judge(&who(&[Role::Loggforer]), &fix, &target)
            .unwrap_err()
            .to_string()
            .contains("not on the server"));
        target.named[0].found = Some((Kind::LogEntry, Uuid::now_v7(), Some("o2".into())));
        assert!(judge(&who(&[Role::Loggforer]), &fix, &target)
            .unwrap_err()
            .to_string()
            .contains("another incident"));
        target.named[0].found = Some((Kind::Task, fix.incident, Some("o1".into())));
        assert!(judge(&who(&[Role::Loggforer]), &fix, &target)
            .unwrap_err()
            .to_string()
            .contains("is a task"));
        target.named[0].found = Some((Kind::LogEntry, fix.incident, Some("o1".into())));
        assert!(judge(&who(&[Role::Loggforer]), &fix, &target).is_ok());
    }

    #[test]
    fn a_closed_incident_takes_only_what_was_written_before_it_closed() {
        let mut entry = op(Kind::LogEntry, Action::Create, json!({"text": "hei"}));
        let mut target = owned("o1");
        target.incident = Some(IncidentState { closed_at: Some(1_000) });
        entry.hlc = Hlc::tick(Hlc(0), 2_000);
        assert!(judge(&who(&[Role::Loggforer]), &entry, &target).unwrap_err().to_string().contains("closed"));
        entry.hlc = Hlc::tick(Hlc(0), 500);
        assert!(judge(&who(&[Role::Loggforer]), &entry, &target).is_ok());
    }

    #[test]
    fn another_organisations_incident_is_closed_except_to_a_superadministrator() {
        let entry = op(Kind::LogEntry, Action::Create, json!({"text": "hei"}));
        let err = judge(&who(&[Role::Administrator]), &entry, &owned("o2")).unwrap_err().to_string();
        assert!(err.contains("another organisation"), "{err}");
        let root = Account { superadmin: true, roles: &[], ..who(&[]) };
        assert!(judge(&root, &entry, &owned("o2")).is_ok());
        let unknown = judge(&who(&[Role::Administrator]), &entry, &Target::default()).unwrap_err();
        assert!(matches!(&unknown, Refusal::Missing(m) if m.contains("does not know")), "{unknown}");
    }

    #[test]
    fn author_device_and_replica_are_the_sessions() {
        let mut entry = op(Kind::LogEntry, Action::Create, json!({"text": "hei"}));
        let logger = [Role::Loggforer];
        entry.author = "kari".into();
        assert!(judge(&who(&logger), &entry, &owned("o1")).unwrap_err().to_string().contains("author"));
        entry.author = "a".into();
        entry.device = "kari-pc".into();
        assert!(judge(&who(&logger), &entry, &owned("o1")).unwrap_err().to_string().contains("device"));
        entry.device = "d".into();
        entry.fields.insert("author".into(), json!("kari"));
        assert!(judge(&who(&logger), &entry, &owned("o1")).unwrap_err().to_string().contains("true author"));
        entry.fields.remove("author");
        entry.origin = "karis-replica".into();
        let err = judge(&who(&logger), &entry, &owned("o1")).unwrap_err().to_string();
        assert!(err.contains("signature"), "{err}");
        let vouched = [entry.id];
        assert!(judge(&Account { vouched: &vouched, ..who(&logger) }, &entry, &owned("o1")).is_ok());
    }
}

//! The server's door: what its store says about the record a pushed op touches (the
//! facts [`crate::replication::authorize::judge`] rules on), and taking a push in, in which
//! nothing waits. An op that cannot apply is refused with its reason, never kept
//! half-known and relayed.

use super::*;
use crate::replication::authorize::{self, IncidentState, Named, Refusal, Stored, Target};

/// An op's shape against the table description: a kind's known columns only, a change
/// only of columns that change.
pub(in crate::store) fn shape(op: &Op) -> std::result::Result<(), String> {
    let t = table(op.kind);
    let allowed: &[&str] = match op.action {
        Action::Create => t.columns,
        Action::Set => t.mutable,
    };
    if op.action == Action::Set && op.fields.is_empty() {
        return Err(format!("a change of a {} must change some field", op.kind.name()));
    }
    for field in op.fields.keys() {
        let extra = op.kind == Kind::Task && op.action == Action::Create && field == "links";
        if !allowed.contains(&field.as_str()) && !extra {
            return Err(match op.action {
                Action::Create => format!("a {} has no field '{field}'", op.kind.name()),
                Action::Set => format!("field '{field}' of a {} cannot be changed", op.kind.name()),
            });
        }
    }
    for (field, replaced) in &op.base {
        if !op.fields.contains_key(field) {
            return Err(format!("the change names what it replaced in '{field}' but does not change it"));
        }
        if replaced.len() > 64 {
            return Err(format!("the change names {} changes it replaced in '{field}'", replaced.len()));
        }
    }
    if op.kind == Kind::Board {
        board_roles(op)?;
    }
    if op.kind == Kind::Message && op.action == Action::Create {
        message_shape(op)?;
    }
    if op.kind == Kind::Contact {
        contact_shape(op)?;
    }
    if op.kind == Kind::LogEntry {
        // Times an entry shows: from this century to a day ahead.
        let latest = chrono::Utc::now().timestamp_millis() + 86_400_000;
        for field in ["reported_at", "recorded_at"] {
            if let Some(v) = op.fields.get(field) {
                if !v.as_i64().is_some_and(|ms| (946_684_800_000..=latest).contains(&ms)) {
                    return Err(format!("the entry's '{field}' is not a time it could have"));
                }
            }
        }
        let chars = op.field_str("text").map(|t| t.chars().count()).unwrap_or(0);
        if chars > crate::domain::log::MAX_TEXT_CHARS {
            return Err(format!(
                "the entry is longer than {} characters",
                crate::domain::log::MAX_TEXT_CHARS
            ));
        }
    }
    Ok(())
}

/// A board's readers and writers as every store reads them: text holding a JSON list
/// of known role codes, in order, each once, the writers among the readers (unless
/// everyone reads). Anything else would be read differently by the server's pull, its
/// judge and the replicas.
fn board_roles(op: &Op) -> std::result::Result<(), String> {
    use crate::domain::board::Audience;
    let mut lists = Vec::new();
    for field in ["readers", "writers"] {
        let Some(v) = op.fields.get(field) else { continue };
        let text = v.as_str().ok_or_else(|| format!("a board's {field} are text holding a list of roles"))?;
        let roles = Audience::from_codes(text);
        if Audience::codes(&roles) != text || {
            let mut sorted = roles.clone();
            sorted.sort();
            sorted.dedup();
            sorted != roles
        } {
            return Err(format!(
                "a board's {field} must be a list of known roles, in order, each once: {text}"
            ));
        }
        lists.push((field, roles));
    }
    if let (Some((_, readers)), Some((_, writers))) =
        (lists.iter().find(|(f, _)| *f == "readers"), lists.iter().find(|(f, _)| *f == "writers"))
    {
        let administrator = crate::domain::roles::Role::Administrator;
        if !readers.is_empty() && writers.iter().any(|w| !readers.contains(w) && *w != administrator) {
            return Err("a board's writers must be among its readers".into());
        }
    }
    Ok(())
}

/// A message as every store reads it: its addressees lists as text holding JSON
/// lists (roles as a board's are; names of one line, each once), someone to go to, and
/// text within bounds.
fn message_shape(op: &Op) -> std::result::Result<(), String> {
    use crate::domain::message::{Addressees, MAX_ADDRESSEES, MAX_TEXT};
    // What it answers and its thread are ids, as every store reads them.
    for (field, may_be_null) in [("reply_to", true), ("thread_id", false)] {
        let v = op.fields.get(field).unwrap_or(&serde_json::Value::Null);
        let id = v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok_and(|u| u.to_string() == s));
        if !(id || (may_be_null && v.is_null())) {
            return Err(format!("a message's {field} is the id of a message: {}", echoed(v)));
        }
    }
    let mut count = 0;
    for field in ["to_users", "to_orgs"] {
        let Some(v) = op.fields.get(field) else { continue };
        let text =
            v.as_str().ok_or_else(|| format!("a message's {field} is text holding a list of names"))?;
        let names: Vec<String> = serde_json::from_str(text)
            .map_err(|_| format!("a message's {field} must be a list of names: {}", echoed(v)))?;
        let mut seen = std::collections::HashSet::new();
        if names.iter().any(|n| {
            n.trim().is_empty()
                || n.chars().any(char::is_control)
                || n.chars().count() > 120
                || !seen.insert(n)
        }) {
            return Err(format!("a message's {field} must name each once, on one line: {}", echoed(v)));
        }
        if Addressees::list(&names) != text {
            return Err(format!("a message's {field} must be a plain list of names: {}", echoed(v)));
        }
        count += names.len();
    }
    if let Some(v) = op.fields.get("to_roles") {
        let text = v.as_str().ok_or("a message's roles are text holding a list of roles")?;
        let roles = crate::domain::board::Audience::from_codes(text);
        let mut sorted = roles.clone();
        sorted.sort();
        sorted.dedup();
        if Addressees::role_list(&roles) != text || sorted != roles {
            return Err(format!(
                "a message's roles must be a list of known roles, in order, each once: {}",
                echoed(v)
            ));
        }
        if roles.contains(&crate::domain::roles::Role::Gjest) {
            return Err("a message cannot go to the role gjest: guests may not read messages".into());
        }
        count += roles.len();
    }
    if count == 0 {
        return Err("a message must go to someone".into());
    }
    if count > MAX_ADDRESSEES {
        return Err(format!("a message names at most {MAX_ADDRESSEES} addressees"));
    }
    if let Some(copy) = op.fields.get("copy").filter(|v| !v.is_null()) {
        let known = crate::domain::message_copy::COPIES;
        if !copy.as_str().is_some_and(|c| known.contains(&c)) {
            return Err(format!(
                "a message's copy is one of {}, or none: {}",
                known.join(", "),
                echoed(copy)
            ));
        }
    }
    let chars = op.field_str("text").map(|t| t.trim().chars().count()).unwrap_or(0);
    if chars == 0 || chars > MAX_TEXT {
        return Err(format!("a message has text, at most {MAX_TEXT} characters"));
    }
    Ok(())
}

/// A contact's link to a user is one line of text naming them (or empty): the server
/// judges where copies go by it, so no other type may stand in for a name.
fn contact_shape(op: &Op) -> std::result::Result<(), String> {
    match op.fields.get("account") {
        None => Ok(()),
        Some(v) => match v.as_str() {
            Some(a) if a.chars().count() <= 120 && !a.chars().any(char::is_control) => Ok(()),
            _ => Err(format!("a contact's account is a user's name, one line of text: {}", echoed(v))),
        },
    }
}

/// A bad value as a refusal shows it: the beginning of it, not a megabyte sent back.
fn echoed(v: &serde_json::Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// Which organisation owns each incident, and each record that belongs to no incident
/// (contacts, resources). Only a sync server knows: the answer lives in its own tables,
/// kept by the server store, which the door asks and tells inside the push's
/// transaction.
pub trait Owners {
    /// The organisation (its id) that owns `incident`.
    fn of_incident(&self, tx: &Transaction<'_>, incident: Uuid) -> Result<Option<String>>;
    /// The organisation (its id) that owns the record `entity` of no incident.
    fn of_record(&self, tx: &Transaction<'_>, entity: &str) -> Result<Option<String>>;
    /// `op` created what it names, which now belongs to `org`.
    fn claim(&self, tx: &Transaction<'_>, op: &Op, org: &str) -> Result<()>;
    /// `op` was taken in (a server numbers the items of the message journal here).
    fn taken(&self, _tx: &Transaction<'_>, _op: &Op) -> Result<()> {
        Ok(())
    }
}

/// A record of `kind` as stored: its incident and, when asked, its current values.
fn stored(tx: &Transaction<'_>, kind: Kind, id: &str, values: bool) -> Result<Option<Stored>> {
    let t = table(kind);
    let mut columns: Vec<&str> = Vec::new();
    if values {
        columns.extend(t.mutable.iter().copied());
        if t.columns.contains(&"status") && !columns.contains(&"status") {
            columns.push("status");
        }
    }
    let incident_col = if kind == Kind::Incident {
        "id"
    } else if kind.org_scoped() {
        "NULL"
    } else {
        "incident_id"
    };
    let mut select = vec![incident_col];
    select.extend(columns.iter().copied());
    let sql = format!("SELECT {} FROM {} WHERE id = ?1", select.join(", "), t.name);
    let row = tx
        .prepare_cached(&sql)?
        .query_row([id], |r| {
            let incident: Option<String> = r.get(0)?;
            let mut m = Map::new();
            for (i, c) in columns.iter().enumerate() {
                m.insert(c.to_string(), to_json(r.get::<_, SqlValue>(i + 1)?));
            }
            Ok((incident, m))
        })
        .optional()?;
    Ok(row.map(|(incident, values)| Stored {
        kind,
        incident: incident.and_then(|s| Uuid::parse_str(&s).ok()).unwrap_or_default(),
        values,
    }))
}

/// What the server's store says about what `op` touches: the record by its id, its
/// incident and organisation from there, and every record its fields name.
pub(in crate::store) fn target(tx: &Transaction<'_>, owners: &dyn Owners, op: &Op) -> Result<Target> {
    let entity = op.entity.to_string();
    let mut record = stored(tx, op.kind, &entity, op.action == Action::Set)?;
    // One id, one record: the server files what is on a board or about a message by
    // its id (who it is sent to follows from there), so such a new record that takes
    // the id of a record of another kind is refused as existing, never filed beside it.
    if record.is_none() && op.action == Action::Create && Kind::filed_under(op).is_some() {
        for kind in Kind::ALL.iter().copied().filter(|k| *k != op.kind) {
            if let Some(other) = stored(tx, kind, &entity, false)? {
                record = Some(other);
                break;
            }
        }
    }
    let incident = match (&record, op.kind) {
        (_, k) if k.org_scoped() => None,
        (Some(r), _) => Some(r.incident),
        (None, _) => Some(op.incident),
    };
    let owner = match incident {
        None => owners.of_record(tx, &entity)?,
        Some(i) => owners.of_incident(tx, i)?,
    };
    let state = match incident {
        None => None,
        Some(i) => tx
            .prepare_cached("SELECT closed_at FROM incidents WHERE id = ?1")?
            .query_row([i.to_string()], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .map(|closed_at| IncidentState { closed_at }),
    };
    let mut named = Vec::new();
    for (field, kind) in authorize::rules(op.kind).refs {
        let ids: Vec<String> = match op.fields.get(*field) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect(),
            Some(Value::Null) | None => continue,
            Some(other) => vec![other.to_string()],
        };
        for id in ids {
            let found = match stored(tx, *kind, &id, false)? {
                None => None,
                Some(s) if kind.org_scoped() => Some((*kind, s.incident, owners.of_record(tx, &id)?)),
                Some(s) => Some((*kind, s.incident, owners.of_incident(tx, s.incident)?)),
            };
            named.push(Named { field, id, found });
        }
    }
    // The earliest stamp the op may carry: its record's, or its incident's.
    let hlc_of = |table: &str, id: &str| -> Result<Option<u64>> {
        Ok(tx
            .prepare_cached(&format!("SELECT hlc FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|h| h as u64))
    };
    let since = match (op.action, op.kind) {
        (Action::Set, kind) => hlc_of(table(kind).name, &entity)?,
        (Action::Create, Kind::Incident) => None,
        (Action::Create, k) if k.org_scoped() => None,
        (Action::Create, _) => hlc_of("incidents", &op.incident.to_string())?,
    };
    let mut foreign_base = None;
    for replaced in op.base.values().flatten().filter(|b| **b != op.entity) {
        let of_record = tx
            .prepare_cached("SELECT 1 FROM oplog WHERE op_id = ?1 AND entity_id = ?2 AND state = 1")?
            .query_row(params![replaced.to_string(), entity], |_| Ok(()))
            .optional()?
            .is_some();
        if !of_record {
            foreign_base = Some(*replaced);
            break;
        }
    }
    let board = on_board(tx, op)?;
    let message = answered(tx, owners, op)?;
    Ok(Target {
        record,
        owner,
        incident: state,
        named,
        now: chrono::Utc::now().timestamp_millis(),
        since,
        foreign_base,
        board,
        message,
    })
}

/// The message a new read receipt is of, or a new reply answers, as the store has it.
fn answered(tx: &Transaction<'_>, owners: &dyn Owners, op: &Op) -> Result<Option<authorize::Addressed>> {
    use crate::domain::message::Addressees;
    let field = match (op.kind, op.action) {
        (Kind::Message, Action::Create) => "reply_to",
        (Kind::MessageRead, Action::Create) => "message_id",
        _ => return Ok(None),
    };
    let Some(id) = op.field_str(field) else { return Ok(None) };
    let row: Option<(String, String, String, String, String, String)> = tx
        .prepare_cached(
            "SELECT thread_id, created_by, from_org, to_users, to_roles, to_orgs FROM messages WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    let Some((thread, author, org_name, users, roles, orgs)) = row else { return Ok(None) };
    let (Ok(id), Ok(thread)) = (Uuid::parse_str(id), Uuid::parse_str(&thread)) else { return Ok(None) };
    Ok(Some(authorize::Addressed {
        id,
        thread,
        author,
        org: owners.of_record(tx, &id.to_string())?.unwrap_or_default(),
        org_name,
        to: Addressees {
            users: Addressees::from_list(&users),
            roles: crate::domain::board::Audience::from_codes(&roles),
            orgs: Addressees::from_list(&orgs),
        },
    }))
}

/// The board the op's record is on, as the store has it (a change of a board: the
/// board as it stands; a new board is on none yet).
fn on_board(tx: &Transaction<'_>, op: &Op) -> Result<Option<authorize::OnBoard>> {
    use crate::replication::kind::Filed;
    let board_id = match (op.kind.spec().filed, op.action) {
        (Filed::Apart | Filed::Message | Filed::OnMessage(_), _) | (Filed::Board, Action::Create) => {
            return Ok(None)
        }
        (Filed::Board, Action::Set) => Some(op.entity.to_string()),
        (Filed::OnBoard(f), Action::Create) => op.field_str(f).map(str::to_string),
        (Filed::OnBoard(f), Action::Set) => tx
            .prepare_cached(&format!("SELECT {f} FROM {} WHERE id = ?1", table(op.kind).name))?
            .query_row([op.entity.to_string()], |r| r.get::<_, String>(0))
            .optional()?,
    };
    let Some(board_id) = board_id else { return Ok(None) };
    let row: Option<(String, String)> = tx
        .prepare_cached(&format!("SELECT readers, writers FROM {} WHERE id = ?1", table(Kind::Board).name))?
        .query_row([&board_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    use crate::domain::board::Audience;
    Ok(row.and_then(|(readers, writers)| {
        Some(authorize::OnBoard {
            id: Uuid::parse_str(&board_id).ok()?,
            audience: Audience {
                readers: Audience::from_codes(&readers),
                writers: Audience::from_codes(&writers),
            },
        })
    }))
}

/// On the server, a log entry must extend its replica's chain at its newest entry:
/// two entries after the same one, or one stamped before the entry it follows, would
/// break `log verify` everywhere.
fn follows_the_tip(tx: &Transaction<'_>, op: &Op) -> Result<Option<String>> {
    if op.kind != Kind::LogEntry || op.action != Action::Create {
        return Ok(None);
    }
    let tip: Option<(String, i64)> = tx
        .prepare_cached(
            "SELECT hash, hlc FROM log_entries WHERE incident_id = ?1 AND origin = ?2 ORDER BY hlc DESC LIMIT 1",
        )?
        .query_row(params![op.incident.to_string(), op.origin], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let prev = op.field_str("prev_hash").unwrap_or_default();
    let genesis = crate::domain::log::GENESIS_HASH;
    let follows = match &tip {
        None => genesis.starts_with(prev) && !prev.is_empty(),
        Some((hash, hlc)) => hash.starts_with(prev) && !prev.is_empty() && (op.hlc.0 as i64) > *hlc,
    };
    Ok((!follows).then(|| {
        format!(
            "log entry {} does not follow the newest entry of its replica's chain in this incident",
            op.entity
        )
    }))
}

fn stored_op(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Op>> {
    Ok(tx
        .prepare_cached(&format!("SELECT {OP_COLUMNS} FROM oplog WHERE op_id = ?1"))?
        .query_row([id.to_string()], op_from_row)
        .optional()?
        .flatten())
}

/// Passes over one push before what still cannot be placed is refused.
const MAX_PASSES: usize = 4;

/// Judges one op, given the facts: Ok, or why not.
pub type Judge<'j> = &'j mut dyn FnMut(&Op, &Target) -> std::result::Result<(), Refusal>;

/// Take a push on the server, inside the caller's transaction. Each op is judged
/// against the store and applied, or refused with its reason. An op that builds on
/// something not here yet is tried again after the rest of the same push (a push
/// may come in any order); what still cannot apply is refused. Nothing waits, so
/// nothing half-known is ever relayed, and no push pays for another's leftovers.
/// A new incident, contact or resource comes to belong to `org`.
pub(in crate::store) fn accept_batch(
    tx: &Transaction<'_>,
    ops: &[Op],
    org: &str,
    owners: &dyn Owners,
    judge: Judge<'_>,
) -> Result<Applied> {
    let mut report = Applied::default();
    let mut placing = Placing::default();
    let mut pending: Vec<&Op> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        if !seen.insert(op.id) {
            // The same op twice in one push: once is enough.
            report.duplicates += 1;
            continue;
        }
        match known_op(tx, op.id)? {
            // What an older server kept waiting or failed is judged afresh.
            Some(s) if s == OpState::Waiting as i64 || s == OpState::Rejected as i64 => {
                tx.prepare_cached("DELETE FROM oplog WHERE op_id = ?1")?.execute([op.id.to_string()])?;
                pending.push(op);
            }
            // An op the server has is acknowledged again, unless what arrives under its
            // id is not what the server has: then it was changed on the way.
            Some(_) => match stored_op(tx, op.id)? {
                Some(have) if !have.same_as(op) => report.refuse(
                    "altered",
                    op.id,
                    format!("this is not the change the server has under id {}: it was altered", op.id),
                ),
                _ => report.duplicates += 1,
            },
            None => pending.push(op),
        }
    }
    let mut later: Vec<(&Op, String)> = Vec::new();
    // A client pushes in clock order, so one pass places everything; a few more
    // forgive a push out of order. A push crafted in reverse must not hold the store
    // for thousands of passes.
    for pass in 1..=MAX_PASSES {
        let mut progressed = false;
        for op in pending.drain(..) {
            if let Err(why) = shape(op) {
                report.refuse("malformed", op.id, why);
                continue;
            }
            let facts = target(tx, owners, op)?;
            match judge(op, &facts) {
                Ok(()) => {}
                Err(Refusal::Denied(why)) => {
                    report.refuse("denied", op.id, why);
                    continue;
                }
                Err(Refusal::Missing(why)) => {
                    later.push((op, why));
                    continue;
                }
            }
            if let Some(why) = follows_the_tip(tx, op)? {
                later.push((op, why));
                continue;
            }
            observe(tx, op.hlc)?;
            match apply_guarded(tx, op, &mut placing)? {
                Ok(Outcome::Done) => {
                    if facts.owner.is_none() && op.action == Action::Create {
                        owners.claim(tx, op, org)?;
                    }
                    insert_op(tx, op, OpState::Acked, None)?;
                    owners.taken(tx, op)?;
                    report.applied += 1;
                    progressed = true;
                }
                Ok(Outcome::Wait) => later.push((
                    op,
                    format!("{} {} builds on a record the server does not have", op.kind.name(), op.entity),
                )),
                Err(why) => report.refuse("unappliable", op.id, why),
            }
        }
        if !progressed || later.is_empty() || pass == MAX_PASSES {
            break;
        }
        pending = later.drain(..).map(|(op, _)| op).collect();
    }
    for (op, why) in later {
        report.refuse("missing", op.id, why);
    }
    placing.finish(tx)?;
    report.reordered_log = placing.reordered_log;
    Ok(report)
}

/// One push among those taken together: its ops, the organisation a new incident or
/// record of no incident comes to belong to, and its sender's judge.
pub struct Push<'p> {
    pub ops: &'p [Op],
    pub org: &'p str,
    pub judge: Judge<'p>,
}

impl Store {
    /// Take pushes on the server in one transaction, so that pushes arriving together
    /// share one flush to disk (group commit): each op is judged against what this
    /// store says about the record it touches (the push's `judge` gets the facts,
    /// `owners` says which organisation owns what) and applied, or refused with the
    /// reason. Each push in a savepoint of its own: one that fails leaves the others.
    pub fn accept_pushes(
        &mut self,
        pushes: &mut [Push<'_>],
        owners: &dyn Owners,
    ) -> Result<Vec<Result<Applied>>> {
        self.accept_pushes_then(pushes, owners, |_| Ok(()))
    }

    /// As [`Store::accept_pushes`], with `then` run inside the same transaction before
    /// it commits: if `then` fails, nothing of the pushes is kept here. (The PostgreSQL
    /// server store writes what was accepted to the database there, and commits it,
    /// before this copy keeps it.)
    pub fn accept_pushes_then(
        &mut self,
        pushes: &mut [Push<'_>],
        owners: &dyn Owners,
        then: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<Vec<Result<Applied>>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut taken = Vec::with_capacity(pushes.len());
        for push in pushes.iter_mut() {
            tx.execute_batch("SAVEPOINT push")?;
            match accept_batch(&tx, push.ops, push.org, owners, &mut *push.judge) {
                Ok(applied) => {
                    tx.execute_batch("RELEASE push")?;
                    taken.push(Ok(applied));
                }
                Err(e) => {
                    tx.execute_batch("ROLLBACK TO push; RELEASE push")?;
                    taken.push(Err(e));
                }
            }
        }
        then(&tx)?;
        tx.commit()?;
        Ok(taken)
    }
}

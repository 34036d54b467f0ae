//! Replication in the store: every change to a shared record becomes an op in the
//! oplog (made here, from the row as it now stands), and ops made elsewhere are applied
//! to the tables here. One description of the replicated tables drives both ways.
//!
//! The rules, so that every replica that has the same ops has the same data:
//! - a record is created once, by id; creating it again changes nothing;
//! - numbers (incident 3, task 12, log entry #45) follow creation order, the (HLC, id)
//!   of the create op; a record created offline that arrives late takes its place and
//!   later numbers move up by one;
//! - a mutable field holds the value of its newest *head*: the ops on that field that
//!   no other op has replaced. Each set op names, per field, the ops it replaced (what
//!   its writer saw); two heads at once means two people changed the field without
//!   seeing each other's change: a conflict, kept until someone resolves it, with the
//!   losing value kept visible.

use super::{Result, Store, StoreError};
use crate::domain::time::to_millis;
use crate::replication::{Action, Hlc, Kind, Op};
use chrono::{DateTime, Utc};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

/// How a table numbers its records.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Numbering {
    /// `number`, across the whole replica (incidents).
    Global,
    /// A column counted per incident: `number`, or `seq` for the log.
    PerIncident(&'static str),
    /// Reports: `number` per incident for each first version (root), `version` within
    /// a root.
    Report,
    /// A number the record carries and keeps (a recipient's place on its alert).
    Given(&'static str),
    /// `number`, counted per value of this column (a notice's board): a scope every
    /// replica that has one of its records has whole.
    Within(&'static str),
    /// None: found by name (boards, key figures; boards some replicas may not see
    /// would number differently on each).
    Unnumbered,
}

impl Numbering {
    /// The column holding the number (an expression for a record without one).
    fn column(self) -> &'static str {
        match self {
            Numbering::PerIncident(c) | Numbering::Given(c) => c,
            Numbering::Unnumbered => "0",
            _ => "number",
        }
    }
}

/// One replicated table.
struct Table {
    kind: Kind,
    name: &'static str,
    /// Columns a create op carries: all but the id, the incident, numbers and what is
    /// derived here (`folded`, `hlc`, `origin`, `updated_at`).
    columns: &'static [&'static str],
    /// Columns that change after creation, merged per field.
    mutable: &'static [&'static str],
    numbering: Numbering,
    /// Has an `updated_at` column, kept as the newest change's time.
    touched: bool,
}

/// One row per kind of the kinds table (`replication::kind`), in its order.
const TABLES: [Table; Kind::ALL.len()] = [
    Table {
        kind: Kind::Incident,
        name: "incidents",
        columns: &[
            "title",
            "type",
            "severity",
            "status",
            "exercise",
            "created_at",
            "closed_at",
            "created_by",
        ],
        mutable: &["status", "closed_at"],
        numbering: Numbering::Global,
        touched: false,
    },
    Table {
        kind: Kind::LogEntry,
        name: "log_entries",
        columns: &[
            "text",
            "author",
            "device",
            "reported_at",
            "recorded_at",
            "kind",
            "tags",
            "mentions",
            "significant",
            "corrects",
            "prev_hash",
            "hash",
        ],
        mutable: &["significant"],
        numbering: Numbering::PerIncident("seq"),
        touched: false,
    },
    Table {
        kind: Kind::Task,
        name: "tasks",
        columns: &[
            "title",
            "description",
            "assignee",
            "priority",
            "due",
            "status",
            "created_at",
            "created_by",
        ],
        mutable: &["assignee", "status", "due", "priority", "description"],
        numbering: Numbering::PerIncident("number"),
        touched: true,
    },
    Table {
        kind: Kind::Media,
        name: "media",
        columns: &[
            "outgoing",
            "outlet",
            "journalist",
            "contact",
            "question",
            "deadline",
            "responsible",
            "status",
            "answer",
            "created_at",
            "created_by",
        ],
        mutable: &["responsible", "status", "answer"],
        numbering: Numbering::PerIncident("number"),
        touched: true,
    },
    Table {
        kind: Kind::Report,
        name: "report_versions",
        columns: &[
            "kind",
            "title",
            "text",
            "status",
            "comment",
            "approved_by",
            "approved_at",
            "approved_rev",
            "created_at",
            "created_by",
            "root",
            "parent",
        ],
        mutable: &["text", "status", "comment", "approved_by", "approved_at", "approved_rev"],
        numbering: Numbering::Report,
        touched: true,
    },
    Table {
        kind: Kind::Meeting,
        name: "meetings",
        columns: &[
            "title",
            "starts_at",
            "participants",
            "agenda",
            "status",
            "current_item",
            "minutes_report",
            "created_at",
            "created_by",
        ],
        mutable: &["status", "current_item", "minutes_report"],
        numbering: Numbering::PerIncident("number"),
        touched: true,
    },
    Table {
        kind: Kind::Eps,
        name: "eps_registrations",
        columns: &[
            "kind",
            "name",
            "born",
            "phone",
            "location",
            "about",
            "status",
            "notes",
            "handled_by",
            "created_at",
            "created_by",
        ],
        mutable: &["status", "handled_by", "notes"],
        numbering: Numbering::PerIncident("number"),
        touched: true,
    },
    Table {
        kind: Kind::Alert,
        name: "alerts",
        columns: &["list", "message", "escalate_after", "sent_at", "sent_by", "sender"],
        mutable: &[],
        numbering: Numbering::PerIncident("number"),
        touched: false,
    },
    Table {
        kind: Kind::Recipient,
        name: "alert_recipients",
        columns: &[
            "alert_id",
            "position",
            "role",
            "name",
            "contact_id",
            "user_name",
            "phone",
            "email",
            "alerted_at",
            "ack",
            "ack_at",
            "ack_by",
            "escalated",
            "reached",
        ],
        mutable: &["alerted_at", "ack", "ack_at", "ack_by", "escalated", "reached"],
        numbering: Numbering::Given("position"),
        touched: false,
    },
    Table {
        kind: Kind::Contact,
        name: "contacts",
        columns: &[
            "name",
            "organisation",
            "function",
            "phones",
            "email",
            "notes",
            "groups",
            "account",
            "removed",
            "created_at",
            "created_by",
        ],
        mutable: &[
            "name",
            "organisation",
            "function",
            "phones",
            "email",
            "notes",
            "groups",
            "account",
            "removed",
        ],
        numbering: Numbering::Global,
        touched: true,
    },
    Table {
        kind: Kind::Resource,
        name: "resources",
        columns: &[
            "what",
            "location",
            "quantity",
            "owner",
            "availability",
            "notes",
            "created_at",
            "created_by",
        ],
        mutable: &["what", "location", "quantity", "owner", "availability", "notes"],
        numbering: Numbering::Global,
        touched: true,
    },
    Table {
        kind: Kind::Board,
        name: "boards",
        columns: &["incident", "title", "readers", "writers", "archived", "created_at", "created_by"],
        mutable: &["title", "readers", "writers", "archived"],
        numbering: Numbering::Unnumbered,
        touched: true,
    },
    Table {
        kind: Kind::Notice,
        name: "notices",
        columns: &[
            "board_id",
            "title",
            "text",
            "priority",
            "valid_until",
            "entry_id",
            "status",
            "created_at",
            "created_by",
        ],
        mutable: &["title", "text", "priority", "valid_until", "status"],
        numbering: Numbering::Within("board_id"),
        touched: true,
    },
    Table {
        kind: Kind::Figure,
        name: "key_figures",
        columns: &["board_id", "name", "value", "unit", "removed", "created_at", "created_by"],
        mutable: &["name", "value", "unit", "removed"],
        numbering: Numbering::Unnumbered,
        touched: true,
    },
    Table {
        kind: Kind::Message,
        name: "messages",
        columns: &[
            "incident",
            "thread_id",
            "reply_to",
            "from_org",
            "to_users",
            "to_roles",
            "to_orgs",
            "text",
            "urgent",
            "copy",
            "entry_id",
            "created_at",
            "created_by",
        ],
        // Sent is sent: a message never changes.
        mutable: &[],
        numbering: Numbering::Unnumbered,
        touched: false,
    },
    Table {
        kind: Kind::MessageRead,
        name: "message_reads",
        columns: &["message_id", "org", "created_at", "created_by"],
        mutable: &[],
        numbering: Numbering::Unnumbered,
        touched: false,
    },
];

fn table(kind: Kind) -> &'static Table {
    TABLES.iter().find(|t| t.kind == kind).expect("every kind has a table")
}

/// Where an op stands in this replica's oplog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpState {
    /// Made or imported here; the server has not acknowledged it yet.
    ToPush = 0,
    /// The server has it.
    Acked = 1,
    /// The server refused it (the reason is kept and shown).
    Rejected = 2,
    /// Never leaves this machine (local users, pre-sync history).
    Local = 3,
    /// Arrived before what it builds on (a change to a record not here yet); retried
    /// as more ops arrive.
    Waiting = 4,
}

/// Who makes a local change.
#[derive(Clone, Copy)]
pub struct Who<'a> {
    pub author: &'a str,
    pub device: &'a str,
}

// ---- values between SQLite and JSON ------------------------------------------------

fn to_json(v: SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(f) => Value::from(f),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(b) => Value::from(b),
    }
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(*b as i64),
        Value::Number(n) => {
            n.as_i64().map(SqlValue::Integer).unwrap_or(SqlValue::Real(n.as_f64().unwrap_or(0.0)))
        }
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

fn read_columns(
    tx: &Transaction<'_>,
    t: &Table,
    id: Uuid,
    columns: &[&str],
) -> Result<Option<Map<String, Value>>> {
    let sql = format!("SELECT {} FROM {} WHERE id = ?1", columns.join(", "), t.name);
    let row = tx
        .prepare_cached(&sql)?
        .query_row([id.to_string()], |r| {
            let mut m = Map::new();
            for (i, c) in columns.iter().enumerate() {
                m.insert(c.to_string(), to_json(r.get::<_, SqlValue>(i)?));
            }
            Ok(m)
        })
        .optional()?;
    Ok(row)
}

// ---- the clock ----------------------------------------------------------------------

fn last_hlc(tx: &Transaction<'_>) -> Result<Hlc> {
    let v: Option<i64> = tx
        .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hlc'")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(Hlc(v.unwrap_or(0) as u64))
}

fn save_hlc(tx: &Transaction<'_>, hlc: Hlc) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES ('hlc', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
    )?
    .execute([(hlc.0 as i64).to_string()])?;
    Ok(())
}

/// A stamp for a local change at `now`, later than everything seen.
fn tick(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<Hlc> {
    let hlc = Hlc::tick(last_hlc(tx)?, to_millis(now));
    save_hlc(tx, hlc)?;
    Ok(hlc)
}

fn observe(tx: &Transaction<'_>, seen: Hlc) -> Result<()> {
    if seen > last_hlc(tx)? {
        save_hlc(tx, seen)?;
    }
    Ok(())
}

pub(in crate::store) fn origin(tx: &Transaction<'_>) -> Result<String> {
    Ok(tx.prepare_cached("SELECT value FROM meta WHERE key = 'device_id'")?.query_row([], |r| r.get(0))?)
}

// ---- the oplog ----------------------------------------------------------------------

fn insert_op(tx: &Transaction<'_>, op: &Op, state: OpState, reason: Option<&str>) -> Result<()> {
    let mut payload = serde_json::json!({ "f": op.fields, "b": op.base });
    if !op.sig.is_empty() {
        payload["g"] = Value::String(op.sig.clone());
    }
    tx.prepare_cached(
        "INSERT INTO oplog (op_id, at, author, device, entity, entity_id, action, payload, hlc, origin,
                            incident_id, state, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        op.id.to_string(),
        op.hlc.millis(),
        op.author,
        op.device,
        op.kind.name(),
        op.entity.to_string(),
        op.action.name(),
        payload.to_string(),
        op.hlc.0 as i64,
        op.origin,
        op.incident.to_string(),
        state as i64,
        reason,
    ])?;
    Ok(())
}

const OP_COLUMNS: &str =
    "op_id, hlc, origin, author, device, entity, entity_id, incident_id, action, payload";

pub(crate) fn op_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Op>> {
    let uuid = |s: String| Uuid::parse_str(&s).ok();
    let payload: String = r.get(9)?;
    let payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
    let fields = payload.get("f").and_then(Value::as_object).cloned().unwrap_or_default();
    let base: BTreeMap<String, Vec<Uuid>> =
        payload.get("b").and_then(|b| serde_json::from_value(b.clone()).ok()).unwrap_or_default();
    let sig = payload.get("g").and_then(Value::as_str).unwrap_or_default().to_string();
    let (Some(id), Some(entity), Some(incident)) =
        (uuid(r.get(0)?), uuid(r.get(6)?), r.get::<_, Option<String>>(7)?.and_then(uuid))
    else {
        return Ok(None);
    };
    let (Some(kind), Some(action)) =
        (Kind::parse(&r.get::<_, String>(5)?), Action::parse(&r.get::<_, String>(8)?))
    else {
        return Ok(None);
    };
    Ok(Some(Op {
        id,
        hlc: Hlc(r.get::<_, i64>(1)? as u64),
        origin: r.get(2)?,
        author: r.get(3)?,
        device: r.get(4)?,
        kind,
        entity,
        incident,
        action,
        fields,
        base,
        sig,
    }))
}

fn incident_of(tx: &Transaction<'_>, t: &Table, id: Uuid) -> Result<Uuid> {
    if t.kind == Kind::Incident {
        return Ok(id);
    }
    if t.kind.org_scoped() {
        return Ok(Uuid::nil());
    }
    let s: String = tx
        .prepare_cached(&format!("SELECT incident_id FROM {} WHERE id = ?1", t.name))?
        .query_row([id.to_string()], |r| r.get(0))?;
    Uuid::parse_str(&s).map_err(|_| StoreError::refused(format!("record {id} has a malformed incident id")))
}

mod applying;
mod door;
mod heads;
mod making;
mod outbox;
mod snapshot;

use applying::*;
use heads::*;
use making::set_op;

pub(in crate::store) use applying::apply_in;
pub use applying::Applied;

/// A log entry op's hash, given the hash of the entry before it in its chain.
pub fn entry_hash_of(op: &Op, prev: &str) -> std::result::Result<String, String> {
    applying::entry_hash(op, prev).map_err(|e| e.to_string())
}
pub use door::{Judge, Owners, Push};
pub(in crate::store) use heads::seen;
pub use heads::{Conflict, ConflictValue};
pub(in crate::store) use making::{changed, created};
pub(in crate::store) use snapshot::snapshot;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_table_in_the_kinds_order() {
        for (t, k) in TABLES.iter().zip(Kind::ALL) {
            assert_eq!(t.kind, *k, "{}", t.name);
        }
    }
}

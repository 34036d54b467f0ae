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
use crate::sync::{Action, Hlc, Kind, Op};
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

const TABLES: [Table; 6] = [
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
        mutable: &["assignee", "status"],
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

pub(super) fn origin(tx: &Transaction<'_>) -> Result<String> {
    Ok(tx.prepare_cached("SELECT value FROM meta WHERE key = 'device_id'")?.query_row([], |r| r.get(0))?)
}

// ---- the oplog ----------------------------------------------------------------------

fn insert_op(tx: &Transaction<'_>, op: &Op, state: OpState, reason: Option<&str>) -> Result<()> {
    let payload = serde_json::json!({ "f": op.fields, "b": op.base });
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

pub(super) fn op_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Op>> {
    let uuid = |s: String| Uuid::parse_str(&s).ok();
    let payload: String = r.get(9)?;
    let payload: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
    let fields = payload.get("f").and_then(Value::as_object).cloned().unwrap_or_default();
    let base: BTreeMap<String, Vec<Uuid>> =
        payload.get("b").and_then(|b| serde_json::from_value(b.clone()).ok()).unwrap_or_default();
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
    }))
}

fn incident_of(tx: &Transaction<'_>, t: &Table, id: Uuid) -> Result<Uuid> {
    if t.kind == Kind::Incident {
        return Ok(id);
    }
    let s: String = tx
        .prepare_cached(&format!("SELECT incident_id FROM {} WHERE id = ?1", t.name))?
        .query_row([id.to_string()], |r| r.get(0))?;
    Uuid::parse_str(&s).map_err(|_| StoreError::Conflict(format!("record {id} has a malformed incident id")))
}

// ---- local changes: make the op from the row ----------------------------------------

/// Record the creation of a row the caller has just inserted (with the next number):
/// stamp it and write its create op.
pub(super) fn created(
    tx: &Transaction<'_>,
    kind: Kind,
    id: Uuid,
    who: Who<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let t = table(kind);
    let hlc = tick(tx, now)?;
    let me = origin(tx)?;
    let extra = if kind == Kind::LogEntry { ", origin = ?3" } else { "" };
    let sql = format!("UPDATE {} SET hlc = ?1{extra} WHERE id = ?2", t.name);
    if kind == Kind::LogEntry {
        tx.prepare_cached(&sql)?.execute(params![hlc.0 as i64, id.to_string(), me])?;
    } else {
        tx.prepare_cached(&sql)?.execute(params![hlc.0 as i64, id.to_string()])?;
    }
    let mut fields = read_columns(tx, t, id, t.columns)?.ok_or_else(|| {
        StoreError::NotFound(format!("{} {id} vanished before it was recorded", kind.name()))
    })?;
    if kind == Kind::Task {
        fields.insert("links".into(), Value::from(task_links(tx, id)?));
    }
    let mut op = Op {
        // A record is created once: its create op takes the record's id.
        id,
        hlc,
        origin: me,
        author: who.author.to_string(),
        device: who.device.to_string(),
        kind,
        entity: id,
        incident: incident_of(tx, t, id)?,
        action: Action::Create,
        fields: Map::new(),
        base: BTreeMap::new(),
    };
    // What the receiver would fill in anyway is left out: ops cross slow links.
    // A log entry's hash is computed again by whoever applies the op, from what it
    // carries: it need not travel.
    // Of the hash before it in this replica's chain, a prefix is enough to find it.
    if kind == Kind::LogEntry {
        fields.remove("hash");
        if let Some(Value::String(prev)) = fields.get_mut("prev_hash") {
            prev.truncate(PREV_PREFIX);
        }
    }
    op.fields = fields
        .iter()
        .filter(|(c, v)| to_sql(v) != default_for(&op, &fields, c))
        .map(|(c, v)| (c.clone(), v.clone()))
        .collect();
    insert_op(tx, &op, OpState::ToPush, None)
}

/// Record a change the caller has just made to `fields` of a row: the op carries the
/// new values and, per field, the values it replaced (those the user could see).
pub(super) fn changed(
    tx: &Transaction<'_>,
    kind: Kind,
    id: Uuid,
    fields: &[&str],
    who: Who<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let t = table(kind);
    let values = read_columns(tx, t, id, fields)?
        .ok_or_else(|| StoreError::NotFound(format!("there is no {} {id}", kind.name())))?;
    // A change replaces every value its writer could see: the one shown, and any it
    // was in conflict with (a new change settles the conflict, as resolving does).
    let mut base = BTreeMap::new();
    for f in fields {
        let heads = heads(tx, id, f)?;
        let seen: Vec<Uuid> = if heads.is_empty() { vec![id] } else { heads.iter().map(|h| h.op).collect() };
        base.insert(f.to_string(), seen);
    }
    set_op(tx, kind, id, values, base, who, now)
}

fn set_op(
    tx: &Transaction<'_>,
    kind: Kind,
    id: Uuid,
    values: Map<String, Value>,
    base: BTreeMap<String, Vec<Uuid>>,
    who: Who<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let t = table(kind);
    let op = Op {
        id: Uuid::now_v7(),
        hlc: tick(tx, now)?,
        origin: origin(tx)?,
        author: who.author.to_string(),
        device: who.device.to_string(),
        kind,
        entity: id,
        incident: incident_of(tx, t, id)?,
        action: Action::Set,
        fields: values,
        base,
    };
    for (field, value) in &op.fields {
        merge_field(tx, t, &op, field, value)?;
    }
    insert_op(tx, &op, OpState::ToPush, None)
}

fn task_links(tx: &Transaction<'_>, id: Uuid) -> Result<Vec<String>> {
    let mut stmt =
        tx.prepare_cached("SELECT entry_id FROM task_links WHERE task_id = ?1 ORDER BY entry_id")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---- field heads --------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Head {
    op: Uuid,
    hlc: Hlc,
    origin: String,
    value: Value,
}

/// The current heads of a field. None stored means the value from the record's
/// creation is the only head (stored as the record's own id, to save a row per field
/// of every record).
fn heads(tx: &Transaction<'_>, entity: Uuid, field: &str) -> Result<Vec<Head>> {
    let mut stmt = tx.prepare_cached(
        "SELECT op_id, hlc, origin, value FROM field_heads WHERE entity_id = ?1 AND field = ?2",
    )?;
    let rows = stmt.query_map(params![entity.to_string(), field], |r| {
        Ok(Head {
            op: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
            hlc: Hlc(r.get::<_, i64>(1)? as u64),
            origin: r.get(2)?,
            value: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or(Value::Null),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn is_superseded(tx: &Transaction<'_>, op: Uuid, field: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM superseded WHERE op_id = ?1 AND field = ?2")?
        .query_row(params![op.to_string(), field], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Merge one field of a set op into the heads and write the winner into the row.
/// The same result whatever order the ops arrive in.
fn merge_field(tx: &Transaction<'_>, t: &Table, op: &Op, field: &str, value: &Value) -> Result<()> {
    let entity = op.entity;
    let key = entity.to_string();
    let stored = heads(tx, entity, field)?;
    if stored.is_empty() && !is_superseded(tx, entity, field)? {
        // The creation value is the head so far: make it a real head row, so that it
        // survives as a conflict if this op did not replace it.
        let current =
            read_columns(tx, t, entity, &[field])?.and_then(|mut m| m.remove(field)).unwrap_or(Value::Null);
        tx.prepare_cached(
            "INSERT INTO field_heads (entity_id, field, op_id, hlc, origin, value) VALUES (?1, ?2, ?1, 0, '', ?3)",
        )?
        .execute(params![key, field, current.to_string()])?;
    }
    for replaced in op.base.get(field).into_iter().flatten() {
        tx.prepare_cached("INSERT OR IGNORE INTO superseded (op_id, field) VALUES (?1, ?2)")?
            .execute(params![replaced.to_string(), field])?;
        tx.prepare_cached("DELETE FROM field_heads WHERE entity_id = ?1 AND field = ?2 AND op_id = ?3")?
            .execute(params![key, field, replaced.to_string()])?;
    }
    if !is_superseded(tx, op.id, field)? {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO field_heads (entity_id, field, op_id, hlc, origin, value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            key,
            field,
            op.id.to_string(),
            op.hlc.0 as i64,
            op.origin,
            value.to_string()
        ])?;
    }
    let all = heads(tx, entity, field)?;
    if let Some(winner) = all.iter().max_by(|a, b| (a.hlc, &a.origin).cmp(&(b.hlc, &b.origin))) {
        tx.prepare_cached(&format!("UPDATE {} SET {field} = ?1 WHERE id = ?2", t.name))?
            .execute(params![to_sql(&winner.value), key])?;
    }
    if all.len() == 1 {
        // No conflict: the row holds the value; one head row per changed field is
        // enough to know what the next change replaces.
    }
    Ok(())
}

// ---- applying ops made elsewhere ----------------------------------------------------

/// What applying a batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// New ops applied.
    pub applied: usize,
    /// Ops this replica had already.
    pub duplicates: usize,
    /// Ops waiting for what they build on.
    pub waiting: usize,
    /// Ops that cannot be applied here (malformed): kept, with the reason, never lost.
    pub failed: Vec<(Uuid, String)>,
    /// Ops refused by the gate (the server's authorisation), with the reason.
    pub refused: Vec<(Uuid, String)>,
    /// The log of some incident got an entry before its newest ones: a view showing it
    /// must reload rather than append.
    pub reordered_log: bool,
}

enum Outcome {
    Done,
    /// What the op builds on is not here yet.
    Wait,
}

fn known_op(tx: &Transaction<'_>, id: Uuid) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT state FROM oplog WHERE op_id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

fn exists(tx: &Transaction<'_>, table: &str, id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn apply_one(tx: &Transaction<'_>, op: &Op, placing: &mut Placing) -> Result<Outcome> {
    let t = table(op.kind);
    let key = op.entity.to_string();
    if t.kind != Kind::Incident && !exists(tx, "incidents", &op.incident.to_string())? {
        return Ok(Outcome::Wait);
    }
    match op.action {
        Action::Create => {
            if exists(tx, t.name, &key)? {
                return Ok(Outcome::Done);
            }
            if let Some(wait) = create_row(tx, t, op, placing)? {
                return Ok(wait);
            }
        }
        Action::Set => {
            if !exists(tx, t.name, &key)? {
                return Ok(Outcome::Wait);
            }
            for (field, value) in &op.fields {
                if !t.mutable.contains(&field.as_str()) {
                    return Err(StoreError::Conflict(format!(
                        "field '{field}' of a {} cannot be changed",
                        op.kind.name()
                    )));
                }
                merge_field(tx, t, op, field, value)?;
            }
            if t.touched {
                tx.prepare_cached(&format!(
                    "UPDATE {} SET updated_at = max(updated_at, ?1) WHERE id = ?2",
                    t.name
                ))?
                .execute(params![op.hlc.millis(), key])?;
            }
        }
    }
    Ok(Outcome::Done)
}

/// The value of a column a create op leaves out: a log entry's author and device are
/// the op's, it was recorded at the op's time and reported when recorded, it is a
/// note, its tags and mentions are those typed in its text, and it is not marked;
/// anything else is NULL.
fn default_for(op: &Op, fields: &Map<String, Value>, column: &str) -> SqlValue {
    match (op.kind, column) {
        (Kind::LogEntry, "recorded_at") => SqlValue::Integer(op.hlc.millis()),
        (Kind::LogEntry, "reported_at") => {
            fields.get("recorded_at").map(to_sql).unwrap_or(SqlValue::Integer(op.hlc.millis()))
        }
        (Kind::LogEntry, "author") => SqlValue::Text(op.author.clone()),
        (Kind::LogEntry, "device") => SqlValue::Text(op.device.clone()),
        // The tags and names typed in the text (#flom, @kari), as the entry line found them.
        (Kind::LogEntry, "tags" | "mentions") => {
            let text = fields.get("text").and_then(Value::as_str).unwrap_or_default();
            let marked = crate::domain::quickmarks::parse(text);
            SqlValue::Text(if column == "tags" { marked.tags } else { marked.mentions }.join(" "))
        }
        (Kind::LogEntry, "kind") => SqlValue::Text("note".into()),
        (Kind::LogEntry, "significant") => SqlValue::Integer(0),
        _ => SqlValue::Null,
    }
}

/// Insert the row of a create op, numbered by creation order.
fn create_row(tx: &Transaction<'_>, t: &Table, op: &Op, placing: &mut Placing) -> Result<Option<Outcome>> {
    let mut columns: Vec<&str> = vec!["id", "hlc"];
    let mut values: Vec<SqlValue> =
        vec![SqlValue::Text(op.entity.to_string()), SqlValue::Integer(op.hlc.0 as i64)];
    for c in t.columns {
        columns.push(c);
        values.push(op.fields.get(*c).map(to_sql).unwrap_or_else(|| default_for(op, &op.fields, c)));
    }
    if t.kind != Kind::Incident {
        columns.push("incident_id");
        values.push(SqlValue::Text(op.incident.to_string()));
    }
    match t.kind {
        Kind::LogEntry => {
            let Some(prev) = previous_hash(tx, op)? else {
                return Ok(Some(Outcome::Wait));
            };
            let hash = entry_hash(op, &prev)?;
            let at = columns.iter().position(|c| *c == "hash").expect("the hash is a column");
            values[at] = SqlValue::Text(hash);
            let at = columns.iter().position(|c| *c == "prev_hash").expect("the chain is a column");
            values[at] = SqlValue::Text(prev);
            let text = op.field_str("text").unwrap_or_default();
            columns.extend(["folded", "origin"]);
            values.push(SqlValue::Text(crate::text::fold(text)));
            values.push(SqlValue::Text(op.origin.clone()));
            if let Some(c) = op.field_str("corrects") {
                if !exists(tx, "log_entries", c)? {
                    return Ok(Some(Outcome::Wait));
                }
            }
        }
        Kind::Report => {
            for c in ["root", "parent"] {
                if let Some(r) = op.field_str(c) {
                    if !exists(tx, "report_versions", r)? {
                        return Ok(Some(Outcome::Wait));
                    }
                }
            }
        }
        Kind::Task => {
            for e in op.fields.get("links").and_then(Value::as_array).into_iter().flatten() {
                if !exists(tx, "log_entries", e.as_str().unwrap_or_default())? {
                    return Ok(Some(Outcome::Wait));
                }
            }
        }
        _ => {}
    }
    if t.touched {
        columns.push("updated_at");
        values.push(op.fields.get("created_at").map(to_sql).unwrap_or(SqlValue::Integer(op.hlc.millis())));
    }
    // Numbered later (reports at once, the rest once the batch is in); a placeholder
    // below every real number meanwhile.
    match t.numbering {
        Numbering::Report => {
            columns.push("number");
            values.push(SqlValue::Integer(-1));
        }
        Numbering::Global => {
            columns.push("number");
            values.push(SqlValue::Integer(placing.placeholder()));
        }
        Numbering::PerIncident(col) => {
            columns.push(col);
            values.push(SqlValue::Integer(placing.placeholder()));
        }
    }
    if t.numbering == Numbering::Report {
        columns.push("version");
        values.push(SqlValue::Integer(-1));
    }
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let sql = format!("INSERT INTO {} ({}) VALUES ({})", t.name, columns.join(", "), marks.join(", "));
    tx.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values.iter()))?;
    if t.kind == Kind::Task {
        for e in op.fields.get("links").and_then(Value::as_array).into_iter().flatten() {
            tx.prepare_cached("INSERT OR IGNORE INTO task_links (task_id, entry_id) VALUES (?1, ?2)")?
                .execute(params![op.entity.to_string(), e.as_str().unwrap_or_default()])?;
        }
    }
    if t.numbering == Numbering::Report {
        place_report(tx, op)?;
    } else {
        placing.later(t, op);
    }
    Ok(None)
}

/// Numbering deferred to the end of a batch: a thousand entries merged from a replica
/// that was offline are placed in one pass, not a thousand shifts of the log.
#[derive(Default)]
pub(super) struct Placing {
    /// Per table and incident (None: the whole table), the earliest (HLC, id) inserted.
    pending: BTreeMap<(&'static str, Option<String>), (i64, String)>,
    next: i64,
    /// Some synced entry was placed before entries already numbered.
    reordered_log: bool,
}

impl Placing {
    fn placeholder(&mut self) -> i64 {
        self.next += 1;
        -1_000_000_000 - self.next
    }

    fn later(&mut self, t: &Table, op: &Op) {
        let scope = (t.numbering != Numbering::Global).then(|| op.incident.to_string());
        let at = (op.hlc.0 as i64, op.entity.to_string());
        self.pending.entry((t.name, scope)).and_modify(|m| *m = (*m).clone().min(at.clone())).or_insert(at);
    }

    /// Number everything inserted: rows from the earliest new one on are ranked by
    /// (HLC, id) after those before it.
    fn finish(&mut self, tx: &Transaction<'_>) -> Result<()> {
        for ((name, scope), (hlc, id)) in std::mem::take(&mut self.pending) {
            let t = TABLES.iter().find(|t| t.name == name).expect("a replicated table");
            let col = match t.numbering {
                Numbering::PerIncident(c) => c,
                _ => "number",
            };
            let scope_sql = if scope.is_some() { "incident_id = ?3" } else { "?3 IS NULL" };
            let before = "(hlc < ?1 OR (hlc = ?1 AND id < ?2))";
            let base: i64 = tx
                .prepare_cached(&format!(
                    "SELECT {col} FROM {name} WHERE {scope_sql} AND {col} > 0 AND {before}
                     ORDER BY hlc DESC, id DESC LIMIT 1"
                ))?
                .query_row(params![hlc, id, scope], |r| r.get(0))
                .optional()?
                .unwrap_or(0);
            let moved = tx
                .prepare_cached(&format!(
                    "UPDATE {name} SET {col} = -{col} WHERE {scope_sql} AND (hlc > ?1 OR (hlc = ?1 AND id >= ?2))
                       AND {col} > 0"
                ))?
                .execute(params![hlc, id, scope])?;
            tx.prepare_cached(&format!(
                "UPDATE {name} SET {col} = r.n FROM
                   (SELECT id, ?1 + row_number() OVER (ORDER BY hlc, id) AS n FROM {name}
                    WHERE {scope_sql} AND {col} < 0) AS r
                 WHERE {name}.id = r.id"
            ))?
            .execute(params![base, Option::<String>::None, scope])?;
            if moved > 0 && t.kind == Kind::LogEntry {
                self.reordered_log = true;
            }
        }
        Ok(())
    }
}

/// Hex digits of the previous hash an entry's op carries: 48 bits find the entry
/// before it among its replica's entries in the incident.
const PREV_PREFIX: usize = 12;

/// The full hash of the entry before this one in its replica's chain, from the prefix
/// the op carries (or the full hash, as older ops have it); None while that entry has
/// not arrived.
fn previous_hash(tx: &Transaction<'_>, op: &Op) -> Result<Option<String>> {
    use crate::domain::log::GENESIS_HASH;
    let prefix = op
        .field_str("prev_hash")
        .ok_or_else(|| StoreError::Conflict(format!("log entry {}: 'prev_hash' is missing", op.entity)))?;
    if prefix.len() < PREV_PREFIX || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Conflict(format!("log entry {}: 'prev_hash' is malformed", op.entity)));
    }
    if GENESIS_HASH.starts_with(prefix) {
        return Ok(Some(GENESIS_HASH.to_string()));
    }
    // The newest of the replica's entries is nearly always the one: the scan stops there.
    Ok(tx
        .prepare_cached(
            "SELECT hash FROM log_entries WHERE incident_id = ?1 AND origin = ?2 AND substr(hash, 1, ?3) = ?4
             ORDER BY hlc DESC LIMIT 1",
        )?
        .query_row(params![op.incident.to_string(), op.origin, prefix.len() as i64, prefix], |r| r.get(0))
        .optional()?)
}

/// A log entry's hash, computed from what arrived. One that also carries a hash (as
/// ops of older replicas and bundles may) must match it, or the entry was changed on
/// the way (or made up) and is refused.
fn entry_hash(op: &Op, prev: &str) -> Result<String> {
    use crate::domain::log::HashInput;
    use crate::domain::time::from_millis;
    let bad = |what: &str| StoreError::Conflict(format!("log entry {}: {what}", op.entity));
    let text = |name: &'static str| -> Result<String> {
        match op.fields.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            None => match default_for(op, &op.fields, name) {
                SqlValue::Text(s) => Ok(s),
                _ => Err(bad(&format!("'{name}' is missing"))),
            },
            Some(_) => Err(bad(&format!("'{name}' must be text"))),
        }
    };
    let millis = |name: &str| match op.fields.get(name) {
        Some(v) => v.as_i64().ok_or_else(|| bad(&format!("'{name}' must be a time"))),
        None => match default_for(op, &op.fields, name) {
            SqlValue::Integer(ms) => Ok(ms),
            _ => Err(bad(&format!("'{name}' is missing"))),
        },
    };
    let words = |name: &'static str| -> Result<Vec<String>> {
        Ok(text(name)?.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect())
    };
    let kind = crate::domain::EntryKind::parse(&text("kind")?).ok_or_else(|| bad("unknown kind"))?;
    let corrects = match op.fields.get("corrects") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(Uuid::parse_str(s).map_err(|_| bad("'corrects' must be an entry id"))?)
        }
        Some(_) => return Err(bad("'corrects' must be an entry id")),
    };
    let (tags, mentions) = (words("tags")?, words("mentions")?);
    let (body, author, device) = (text("text")?, text("author")?, text("device")?);
    let expected = HashInput {
        id: op.entity,
        incident_id: op.incident,
        text: &body,
        author: &author,
        device: &device,
        reported_at: from_millis(millis("reported_at")?),
        recorded_at: from_millis(millis("recorded_at")?),
        kind,
        tags: &tags,
        mentions: &mentions,
        corrects,
        prev_hash: prev,
    }
    .hash();
    match op.fields.get("hash") {
        Some(Value::String(h)) if *h != expected => {
            Err(bad("its hash does not match its content; it was changed after it was written"))
        }
        _ => Ok(expected),
    }
}

/// Number a report version at once. A first version (a report's root) takes its
/// place by creation order among the incident's reports, and later reports, every
/// version of them, move up by one. A later version takes its report's number and a
/// version by creation order among the report's versions. Both go through negative
/// numbers, so that the UNIQUE constraint holds at every step.
fn place_report(tx: &Transaction<'_>, op: &Op) -> Result<()> {
    let id = op.entity.to_string();
    let hlc = op.hlc.0 as i64;
    if let Some(root) = op.field_str("root") {
        let number: i64 =
            tx.query_row("SELECT number FROM report_versions WHERE id = ?1", [root], |r| r.get(0))?;
        tx.execute("UPDATE report_versions SET number = ?1 WHERE id = ?2", params![number, id])?;
        let before: i64 = tx.query_row(
            "SELECT count(*) FROM report_versions WHERE (id = ?1 OR root = ?1) AND id <> ?2
               AND (hlc, id) < (?3, ?2)",
            params![root, id, hlc],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE report_versions SET version = -(version + 1) WHERE root = ?1 AND version > ?2",
            params![root, before],
        )?;
        tx.execute("UPDATE report_versions SET version = -version WHERE root = ?1 AND version < -1", [root])?;
        tx.execute("UPDATE report_versions SET version = ?1 WHERE id = ?2", params![before + 1, id])?;
        return Ok(());
    }
    let incident = op.incident.to_string();
    let before: i64 = tx.query_row(
        "SELECT count(*) FROM report_versions WHERE incident_id = ?1 AND root IS NULL AND id <> ?2
           AND (hlc, id) < (?3, ?2)",
        params![incident, id, hlc],
        |r| r.get(0),
    )?;
    let moved = tx.execute(
        "UPDATE report_versions SET number = -(number + 1) WHERE incident_id = ?1 AND number > ?2 AND id <> ?3",
        params![incident, before, id],
    )?;
    if moved > 0 {
        tx.execute(
            "UPDATE report_versions SET number = -number WHERE incident_id = ?1 AND number < -1",
            [&incident],
        )?;
    }
    tx.execute("UPDATE report_versions SET number = ?1, version = 1 WHERE id = ?2", params![before + 1, id])?;
    Ok(())
}

/// Decides, per op, whether this replica takes it: `None` to take it, or the reason it
/// is refused. The server's authorisation goes here; replicas take everything.
pub(super) type Gate<'g> = &'g mut dyn FnMut(&Transaction<'_>, &Op) -> Result<Option<String>>;

/// Apply a batch inside the caller's transaction (see [`Store::apply_ops`]).
pub(super) fn apply_batch(
    tx: &Transaction<'_>,
    ops: &[Op],
    state: OpState,
    gate: Gate<'_>,
) -> Result<Applied> {
    let mut report = Applied::default();
    let mut placing = Placing::default();
    let mut progressed = false;
    for op in ops {
        match known_op(tx, op.id)? {
            Some(s) if s != OpState::Waiting as i64 => {
                report.duplicates += 1;
                continue;
            }
            Some(_) => continue,
            None => {}
        }
        if let Some(why) = gate(tx, op)? {
            report.refused.push((op.id, why));
            continue;
        }
        observe(tx, op.hlc)?;
        match apply_guarded(tx, op, &mut placing)? {
            Ok(Outcome::Done) => {
                insert_op(tx, op, state, None)?;
                report.applied += 1;
                progressed = true;
            }
            Ok(Outcome::Wait) => {
                // The state it takes once applied rides along in `reason`.
                insert_op(tx, op, OpState::Waiting, Some(&format!("{}", state as i64)))?;
            }
            Err(why) => {
                insert_op(tx, op, OpState::Rejected, Some(&why))?;
                report.failed.push((op.id, why));
            }
        }
    }
    if progressed {
        retry_waiting(tx, &mut report, &mut placing)?;
    }
    placing.finish(tx)?;
    let reordered = placing.reordered_log;
    report.waiting =
        tx.query_row("SELECT count(*) FROM oplog WHERE state = ?1", [OpState::Waiting as i64], |r| r.get(0))?;
    if reordered {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('log_reorders', '1')
             ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            [],
        )?;
    }
    report.reordered_log = reordered;
    Ok(report)
}

impl Store {
    /// Apply ops made elsewhere, in one transaction. Each op is applied at most once;
    /// one that builds on something not here yet waits and is retried as more arrive;
    /// one that cannot be applied is kept with its reason. `state` is what the oplog
    /// records for them (acknowledged when they came from the server).
    pub fn apply_ops(&mut self, ops: &[Op], state: OpState) -> Result<Applied> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let report = apply_batch(&tx, ops, state, &mut |_, _| Ok(None))?;
        tx.commit()?;
        Ok(report)
    }

    /// A counter that moves when synced entries were placed before others in a log.
    pub fn log_reorders(&self) -> Result<i64> {
        Ok(self.meta("log_reorders")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }
}

/// Apply one op inside a savepoint, so a malformed one leaves nothing behind.
fn apply_guarded(
    tx: &Transaction<'_>,
    op: &Op,
    placing: &mut Placing,
) -> Result<std::result::Result<Outcome, String>> {
    tx.execute_batch("SAVEPOINT op")?;
    match apply_one(tx, op, placing) {
        Ok(outcome) => {
            tx.execute_batch("RELEASE op")?;
            Ok(Ok(outcome))
        }
        Err(StoreError::Sql(e)) if is_constraint(&e) => {
            tx.execute_batch("ROLLBACK TO op; RELEASE op")?;
            Ok(Err(format!("the change does not fit the data: {e}")))
        }
        Err(StoreError::Conflict(why)) => {
            tx.execute_batch("ROLLBACK TO op; RELEASE op")?;
            Ok(Err(why))
        }
        Err(e) => Err(e),
    }
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation))
        || matches!(e, rusqlite::Error::InvalidColumnName(_) | rusqlite::Error::SqlInputError { .. })
}

/// Ops that waited for something that may now be here, oldest first, until no more
/// can be applied.
fn retry_waiting(tx: &Transaction<'_>, report: &mut Applied, placing: &mut Placing) -> Result<()> {
    loop {
        let waiting: Vec<(Op, i64)> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {OP_COLUMNS}, reason FROM oplog WHERE state = ?1 ORDER BY hlc, op_id"
            ))?;
            let rows = stmt.query_map([OpState::Waiting as i64], |r| {
                Ok((
                    op_from_row(r)?,
                    r.get::<_, Option<String>>(10)?.and_then(|s| s.parse().ok()).unwrap_or(1),
                ))
            })?;
            rows.filter_map(|r| match r {
                Ok((Some(op), s)) => Some(Ok((op, s))),
                Ok((None, _)) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<rusqlite::Result<_>>()?
        };
        let mut progressed = false;
        for (op, state) in waiting {
            match apply_guarded(tx, &op, placing)? {
                Ok(Outcome::Done) => {
                    tx.prepare_cached("UPDATE oplog SET state = ?1, reason = NULL WHERE op_id = ?2")?
                        .execute(params![state, op.id.to_string()])?;
                    report.applied += 1;
                    progressed = true;
                }
                Ok(Outcome::Wait) => {}
                Err(why) => {
                    tx.prepare_cached("UPDATE oplog SET state = ?1, reason = ?2 WHERE op_id = ?3")?
                        .execute(params![OpState::Rejected as i64, why, op.id.to_string()])?;
                    report.failed.push((op.id, why));
                }
            }
        }
        if !progressed {
            return Ok(());
        }
    }
}

// ---- what to send, and the state to compare ------------------------------------------

impl Store {
    /// Ops the server has not acknowledged, oldest first, up to `limit`.
    pub fn ops_to_push(&self, limit: usize) -> Result<Vec<Op>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OP_COLUMNS} FROM oplog WHERE state = 0 ORDER BY seq LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], op_from_row)?;
        Ok(rows.filter_map(|r| r.transpose()).collect::<rusqlite::Result<_>>()?)
    }

    /// How many ops wait to be pushed.
    pub fn ops_waiting_to_push(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM oplog WHERE state = 0", [], |r| r.get(0))?)
    }

    /// Mark pushed ops as the server answered: acknowledged, or refused with a reason.
    pub fn mark_pushed(&mut self, acked: &[Uuid], rejected: &[(Uuid, String)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in acked {
            tx.prepare_cached("UPDATE oplog SET state = 1 WHERE op_id = ?1 AND state = 0")?
                .execute([id.to_string()])?;
        }
        for (id, why) in rejected {
            tx.prepare_cached("UPDATE oplog SET state = 2, reason = ?2 WHERE op_id = ?1")?
                .execute(params![id.to_string(), why])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every shareable op after oplog row `after`, in order: what a bundle carries.
    pub fn ops_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, Op)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OP_COLUMNS}, seq FROM oplog WHERE seq > ?1 AND state IN (0, 1) ORDER BY seq LIMIT ?2"
        ))?;
        let rows =
            stmt.query_map(params![after, limit as i64], |r| Ok((r.get::<_, i64>(10)?, op_from_row(r)?)))?;
        let mut out = Vec::new();
        for row in rows {
            if let (seq, Some(op)) = row? {
                out.push((seq, op));
            }
        }
        Ok(out)
    }

    /// Ops the server refused, with its reasons, newest first.
    pub fn rejected_ops(&self) -> Result<Vec<(Op, String)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OP_COLUMNS}, reason FROM oplog WHERE state = 2 ORDER BY seq DESC"
        ))?;
        let rows = stmt.query_map([], |r| Ok((op_from_row(r)?, r.get::<_, Option<String>>(10)?)))?;
        let mut out = Vec::new();
        for row in rows {
            if let (Some(op), why) = row? {
                out.push((op, why.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    /// A digest of everything replicated (records, numbers, merged fields and open
    /// conflicts), independent of the order ops arrived in: two replicas with the same
    /// ops have the same digest.
    pub fn state_hash(&self) -> Result<String> {
        let mut hasher = Sha256::new();
        for t in &TABLES {
            let mut cols: Vec<&str> = vec!["id"];
            match t.numbering {
                Numbering::Global => cols.push("number"),
                Numbering::PerIncident(c) => cols.extend(["incident_id", c]),
                Numbering::Report => cols.extend(["incident_id", "number", "version"]),
            }
            cols.extend(t.columns.iter().copied());
            let sql = format!("SELECT {} FROM {} ORDER BY id", cols.join(", "), t.name);
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                for i in 0..cols.len() {
                    hasher.update(to_json(r.get::<_, SqlValue>(i)?).to_string().as_bytes());
                    hasher.update([0x1f]);
                }
                hasher.update([0x1e]);
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT entity_id, field, op_id, value FROM field_heads f
             WHERE (SELECT count(*) FROM field_heads g WHERE g.entity_id = f.entity_id AND g.field = f.field) > 1
             ORDER BY entity_id, field, op_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            for i in 0..4 {
                hasher.update(r.get::<_, String>(i)?.as_bytes());
                hasher.update([0x1f]);
            }
        }
        let mut links = self.conn.prepare("SELECT task_id, entry_id FROM task_links ORDER BY 1, 2")?;
        let mut rows = links.query([])?;
        while let Some(r) = rows.next()? {
            hasher.update(r.get::<_, String>(0)?.as_bytes());
            hasher.update(r.get::<_, String>(1)?.as_bytes());
        }
        Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

// ---- conflicts ----------------------------------------------------------------------

/// A field two people changed without seeing each other's change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Conflict {
    pub kind: Kind,
    pub entity: Uuid,
    pub incident: Uuid,
    /// The record's number in its incident (the log entry's #seq), for people.
    pub number: i64,
    pub field: String,
    /// The value that holds now (the newest change).
    pub current: Value,
    /// The values it won over, still to be looked at.
    pub others: Vec<ConflictValue>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConflictValue {
    pub value: Value,
    pub author: String,
    pub device: String,
    #[serde(with = "crate::domain::time::serde_ms")]
    pub at: DateTime<Utc>,
}

impl Store {
    /// Open conflicts, for one incident or all.
    pub fn conflicts(&self, incident: Option<Uuid>) -> Result<Vec<Conflict>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT entity_id, field FROM field_heads GROUP BY entity_id, field HAVING count(*) > 1 ORDER BY entity_id, field",
        )?;
        let pairs: Vec<(String, String)> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let tx = self.conn.unchecked_transaction()?;
        let mut out = Vec::new();
        for (entity, field) in pairs {
            let Ok(entity) = Uuid::parse_str(&entity) else { continue };
            let Some(t) = TABLES.iter().find(|t| exists(&tx, t.name, &entity.to_string()).unwrap_or(false))
            else {
                continue;
            };
            let incident_id = incident_of(&tx, t, entity)?;
            if incident.is_some_and(|i| i != incident_id) {
                continue;
            }
            let number_col = match t.numbering {
                Numbering::PerIncident(c) => c,
                _ => "number",
            };
            let number: i64 = tx.query_row(
                &format!("SELECT {number_col} FROM {} WHERE id = ?1", t.name),
                [entity.to_string()],
                |r| r.get(0),
            )?;
            let mut heads = heads(&tx, entity, &field)?;
            heads.sort_by(|a, b| (b.hlc, &b.origin).cmp(&(a.hlc, &a.origin)));
            let current = heads.first().map(|h| h.value.clone()).unwrap_or(Value::Null);
            let mut others = Vec::new();
            for h in heads.iter().skip(1) {
                let (author, device) = if h.op == entity {
                    let who: Option<(String, String)> = tx
                        .query_row(
                            "SELECT author, device FROM oplog WHERE entity_id = ?1 AND action = 'create'",
                            [entity.to_string()],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?;
                    who.unwrap_or_default()
                } else {
                    tx.query_row(
                        "SELECT author, device FROM oplog WHERE op_id = ?1",
                        [h.op.to_string()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?
                    .unwrap_or_default()
                };
                others.push(ConflictValue {
                    value: h.value.clone(),
                    author,
                    device,
                    at: crate::domain::time::from_millis(h.hlc.millis()),
                });
            }
            out.push(Conflict {
                kind: t.kind,
                entity,
                incident: incident_id,
                number,
                field,
                current,
                others,
            });
        }
        Ok(out)
    }

    /// Settle a conflict: `value` (or, if none, the value that holds now) replaces all
    /// the competing values. Recorded as an op like any change, so it syncs.
    pub fn resolve_conflict(
        &mut self,
        kind: Kind,
        entity: Uuid,
        field: &str,
        value: Option<Value>,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let t = table(kind);
        if !t.mutable.contains(&field) {
            return Err(StoreError::NotFound(format!(
                "a {} has no field '{field}' that can conflict",
                kind.name()
            )));
        }
        let heads = heads(&tx, entity, field)?;
        if heads.len() < 2 {
            return Err(StoreError::NotFound(format!(
                "there is no conflict on '{field}' of that {}",
                kind.name()
            )));
        }
        let value = match value {
            Some(v) => v,
            None => heads
                .iter()
                .max_by(|a, b| (a.hlc, &a.origin).cmp(&(b.hlc, &b.origin)))
                .map(|h| h.value.clone())
                .unwrap_or(Value::Null),
        };
        tx.execute(
            &format!("UPDATE {} SET {field} = ?1 WHERE id = ?2", t.name),
            params![to_sql(&value), entity.to_string()],
        )?;
        let mut values = Map::new();
        values.insert(field.to_string(), value);
        let base = BTreeMap::from([(field.to_string(), heads.iter().map(|h| h.op).collect())]);
        set_op(&tx, kind, entity, values, base, who, now)?;
        tx.commit()?;
        Ok(())
    }
}

/// The op whose value of `field` the user sees now (the record itself while the
/// creation value still holds).
pub(super) fn seen(tx: &Transaction<'_>, entity: Uuid, field: &str) -> Result<Uuid> {
    let heads = heads(tx, entity, field)?;
    Ok(heads
        .iter()
        .max_by(|a, b| (a.hlc, &a.origin).cmp(&(b.hlc, &b.origin)))
        .map(|h| h.op)
        .unwrap_or(entity))
}

// ---- bringing a database from before sync into it ------------------------------------

/// Stamp every record made before sync, in the order its numbers give, and write its
/// create op, so that a replica's earlier work is shared when it first syncs.
pub(super) fn snapshot(tx: &Transaction<'_>) -> Result<()> {
    let me = origin(tx)?;
    tx.execute("UPDATE log_entries SET origin = ?1", [&me])?;
    // Reports: each version points at its first version and the one before it.
    tx.execute_batch(
        "UPDATE report_versions SET
             root = (SELECT v.id FROM report_versions v WHERE v.incident_id = report_versions.incident_id
                     AND v.number = report_versions.number AND v.version = 1),
             parent = (SELECT v.id FROM report_versions v WHERE v.incident_id = report_versions.incident_id
                     AND v.number = report_versions.number AND v.version = report_versions.version - 1)
         WHERE version > 1;",
    )?;
    let order: [(Kind, &str); 6] = [
        (Kind::Incident, "SELECT id, created_by, '', created_at FROM incidents ORDER BY number"),
        (Kind::LogEntry, "SELECT id, author, device, recorded_at FROM log_entries ORDER BY incident_id, seq"),
        (Kind::Report, "SELECT id, created_by, '', created_at FROM report_versions ORDER BY incident_id, number, version"),
        (Kind::Task, "SELECT id, created_by, '', created_at FROM tasks ORDER BY incident_id, number"),
        (Kind::Media, "SELECT id, created_by, '', created_at FROM media ORDER BY incident_id, number"),
        (Kind::Meeting, "SELECT id, created_by, '', created_at FROM meetings ORDER BY incident_id, number"),
    ];
    for (kind, sql) in order {
        let rows: Vec<(String, String, String, i64)> = tx
            .prepare(sql)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, author, device, at) in rows {
            let Ok(id) = Uuid::parse_str(&id) else { continue };
            let device = if device.is_empty() { me.clone() } else { device };
            let who = Who { author: &author, device: &device };
            created(tx, kind, id, who, crate::domain::time::from_millis(at))?;
        }
    }
    Ok(())
}

// ---- where this replica stands with its server ----------------------------------------

impl Store {
    /// The server sequence number of the last op pulled.
    pub fn sync_cursor(&self) -> Result<i64> {
        Ok(self.meta("sync_cursor")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    pub fn set_sync_cursor(&mut self, cursor: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('sync_cursor', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
            [cursor.to_string()],
        )?;
        Ok(())
    }

    /// Point this replica at `server`. A different server than before starts from
    /// nothing: pull everything, push everything again (the server drops what it has).
    pub fn use_server(&mut self, server: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let before: Option<String> =
            tx.query_row("SELECT value FROM meta WHERE key = 'sync_server'", [], |r| r.get(0)).optional()?;
        if before.as_deref() != Some(server) {
            tx.execute("UPDATE oplog SET state = 0 WHERE state IN (1, 2)", [])?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('sync_cursor', '0') ON CONFLICT (key) DO UPDATE SET value = '0'",
                [],
            )?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('sync_server', ?1) ON CONFLICT (key) DO UPDATE SET value = ?1",
                [server],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

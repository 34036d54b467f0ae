//! Local changes: the op made from the row a store function has just written.

use super::*;

/// Record the creation of a row the caller has just inserted (with the next number):
/// stamp it and write its create op.
pub(in crate::store) fn created(
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
        StoreError::refused(format!("{} {id} vanished before it was recorded", kind.name()))
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
        sig: String::new(),
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
pub(in crate::store) fn changed(
    tx: &Transaction<'_>,
    kind: Kind,
    id: Uuid,
    fields: &[&str],
    who: Who<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let t = table(kind);
    let values = read_columns(tx, t, id, fields)?.ok_or_else(|| {
        StoreError::not_found(
            format!("det finnes ingen {} {id}", kind.spec().label.get(crate::lang::Lang::Nb)),
            format!("there is no {} {id}", kind.spec().label.get(crate::lang::Lang::En)),
        )
    })?;
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

pub(super) fn set_op(
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
        sig: String::new(),
    };
    for (field, value) in &op.fields {
        merge_field(tx, t, &op, field, value)?;
    }
    insert_op(tx, &op, OpState::ToPush, None)
}

pub(super) fn task_links(tx: &Transaction<'_>, id: Uuid) -> Result<Vec<String>> {
    let mut stmt =
        tx.prepare_cached("SELECT entry_id FROM task_links WHERE task_id = ?1 ORDER BY entry_id")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

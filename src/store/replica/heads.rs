//! Per-field merging: the heads of each changed field, conflicts and settling them.

use super::*;

#[derive(Debug, Clone)]
pub(super) struct Head {
    pub(super) op: Uuid,
    pub(super) hlc: Hlc,
    pub(super) origin: String,
    pub(super) value: Value,
}

/// The current heads of a field. None stored means the value from the record's
/// creation is the only head (stored as the record's own id, to save a row per field
/// of every record).
pub(super) fn heads(tx: &Transaction<'_>, entity: Uuid, field: &str) -> Result<Vec<Head>> {
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

pub(super) fn is_superseded(tx: &Transaction<'_>, op: Uuid, field: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM superseded WHERE op_id = ?1 AND field = ?2")?
        .query_row(params![op.to_string(), field], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Merge one field of a set op into the heads and write the winner into the row.
/// The same result whatever order the ops arrive in.
pub(super) fn merge_field(
    tx: &Transaction<'_>,
    t: &Table,
    op: &Op,
    field: &str,
    value: &Value,
) -> Result<()> {
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
            let number_col = t.numbering.column();
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

    /// Settle a conflict: `value` replaces all the competing values. Recorded as an op like any change, so it syncs.
    pub fn resolve_conflict(
        &mut self,
        kind: Kind,
        entity: Uuid,
        field: &str,
        value: Value,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        settle_in(&tx, Settling { kind, entity, field, value }, who, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The same for a conflict as listed, and `then` in the same transaction (the
    /// automatic log entry that says how it was settled, so the two commit together).
    pub(in crate::store) fn settle_then(
        &mut self,
        c: &Conflict,
        value: Value,
        who: Who<'_>,
        now: DateTime<Utc>,
        then: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        settle_in(&tx, Settling { kind: c.kind, entity: c.entity, field: &c.field, value }, who, now)?;
        then(&tx)?;
        tx.commit()?;
        Ok(())
    }
}

/// Which field of which record is settled, and to what.
struct Settling<'a> {
    kind: Kind,
    entity: Uuid,
    field: &'a str,
    value: Value,
}

fn settle_in(tx: &Transaction<'_>, s: Settling<'_>, who: Who<'_>, now: DateTime<Utc>) -> Result<()> {
    let Settling { kind, entity, field, value } = s;
    let t = table(kind);
    if !t.mutable.contains(&field) {
        let what = kind.spec().label;
        return Err(StoreError::not_found(
            format!(
                "en {} har ikke noe felt «{field}» som kan være i konflikt",
                what.get(crate::lang::Lang::Nb)
            ),
            format!("a {} has no field '{field}' that can conflict", what.get(crate::lang::Lang::En)),
        ));
    }
    let heads = heads(tx, entity, field)?;
    if heads.len() < 2 {
        let what = kind.spec().label;
        return Err(StoreError::not_found(
            format!("det er ingen konflikt om «{field}» i den {}", what.get(crate::lang::Lang::Nb)),
            format!("there is no conflict on '{field}' of that {}", what.get(crate::lang::Lang::En)),
        ));
    }
    tx.execute(
        &format!("UPDATE {} SET {field} = ?1 WHERE id = ?2", t.name),
        params![to_sql(&value), entity.to_string()],
    )?;
    let mut values = Map::new();
    values.insert(field.to_string(), value);
    let base = BTreeMap::from([(field.to_string(), heads.iter().map(|h| h.op).collect())]);
    set_op(tx, kind, entity, values, base, who, now)
}

/// The op whose value of `field` the user sees now (the record itself while the
/// creation value still holds).
pub(in crate::store) fn seen(tx: &Transaction<'_>, entity: Uuid, field: &str) -> Result<Uuid> {
    let heads = heads(tx, entity, field)?;
    Ok(heads
        .iter()
        .max_by(|a, b| (a.hlc, &a.origin).cmp(&(b.hlc, &b.origin)))
        .map(|h| h.op)
        .unwrap_or(entity))
}

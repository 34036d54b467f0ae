//! Applying ops made elsewhere: once, in any order, numbered by creation.

use super::*;

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
    /// How many were refused for what (`malformed`, `denied`, `missing`, `altered`,
    /// `unappliable`): what the server's metrics count.
    pub refused_as: std::collections::BTreeMap<&'static str, usize>,
    /// The log of some incident got an entry before its newest ones: a view showing it
    /// must reload rather than append.
    pub reordered_log: bool,
}

impl Applied {
    /// Refuse `op` for `why`, counted as `class`.
    pub(in crate::store) fn refuse(&mut self, class: &'static str, op: Uuid, why: String) {
        self.refused.push((op, why));
        *self.refused_as.entry(class).or_default() += 1;
    }
}

pub(super) enum Outcome {
    Done,
    /// What the op builds on is not here yet.
    Wait,
}

pub(super) fn known_op(tx: &Transaction<'_>, id: Uuid) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT state FROM oplog WHERE op_id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?)
}

pub(super) fn exists(tx: &Transaction<'_>, table: &str, id: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(super) fn apply_one(tx: &Transaction<'_>, op: &Op, placing: &mut Placing) -> Result<Outcome> {
    let t = table(op.kind);
    let key = op.entity.to_string();
    if t.kind != Kind::Incident && !t.kind.org_scoped() && !exists(tx, "incidents", &op.incident.to_string())?
    {
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
            refold(tx, t, op.entity)?;
        }
        Action::Set => {
            if !exists(tx, t.name, &key)? {
                return Ok(Outcome::Wait);
            }
            for (field, value) in &op.fields {
                if !t.mutable.contains(&field.as_str()) {
                    return Err(StoreError::refused(format!(
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
            refold(tx, t, op.entity)?;
        }
    }
    Ok(Outcome::Done)
}

/// The search text of a contact or resource, made again from the row as it now is
/// (it is derived here, never sent).
fn refold(tx: &Transaction<'_>, t: &Table, id: Uuid) -> Result<()> {
    match t.kind {
        Kind::Contact => crate::store::register_rows::refold_contact(tx, id),
        Kind::Resource => crate::store::register_rows::refold_resource(tx, id),
        _ => Ok(()),
    }
}

/// The value of a column a create op leaves out: a log entry's author and device are
/// the op's, it was recorded at the op's time and reported when recorded, it is a
/// note, its tags and mentions are those typed in its text, and it is not marked;
/// anything else is NULL.
pub(super) fn default_for(op: &Op, fields: &Map<String, Value>, column: &str) -> SqlValue {
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
pub(super) fn create_row(
    tx: &Transaction<'_>,
    t: &Table,
    op: &Op,
    placing: &mut Placing,
) -> Result<Option<Outcome>> {
    let mut columns: Vec<&str> = vec!["id", "hlc"];
    let mut values: Vec<SqlValue> =
        vec![SqlValue::Text(op.entity.to_string()), SqlValue::Integer(op.hlc.0 as i64)];
    for c in t.columns {
        columns.push(c);
        values.push(op.fields.get(*c).map(to_sql).unwrap_or_else(|| default_for(op, &op.fields, c)));
    }
    if t.kind != Kind::Incident && !t.kind.org_scoped() {
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
        Kind::Recipient if !exists(tx, "alerts", op.field_str("alert_id").unwrap_or_default())? => {
            return Ok(Some(Outcome::Wait));
        }
        Kind::Notice | Kind::Figure
            if !exists(tx, "boards", op.field_str("board_id").unwrap_or_default())? =>
        {
            return Ok(Some(Outcome::Wait));
        }
        // A receipt waits for its message; a reply does not wait for what it answers,
        // which its reader may never be sent.
        Kind::MessageRead if !exists(tx, "messages", op.field_str("message_id").unwrap_or_default())? => {
            return Ok(Some(Outcome::Wait));
        }
        Kind::Board
            if op.field_str("incident").is_some_and(|i| !exists(tx, "incidents", i).unwrap_or(false)) =>
        {
            return Ok(Some(Outcome::Wait));
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
        Numbering::Global | Numbering::Within(_) => {
            columns.push("number");
            values.push(SqlValue::Integer(placing.placeholder()));
        }
        Numbering::Unnumbered => {}
        Numbering::PerIncident(col) => {
            columns.push(col);
            values.push(SqlValue::Integer(placing.placeholder()));
        }
        // Carried in the op's fields like any column.
        Numbering::Given(_) => {}
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
    match t.numbering {
        Numbering::Report => place_report(tx, op)?,
        Numbering::Given(_) | Numbering::Unnumbered => {}
        _ => placing.later(t, op),
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
    pub(super) reordered_log: bool,
}

impl Placing {
    fn placeholder(&mut self) -> i64 {
        self.next += 1;
        -1_000_000_000 - self.next
    }

    fn later(&mut self, t: &Table, op: &Op) {
        let scope = match t.numbering {
            Numbering::Global => None,
            Numbering::Within(c) => Some(op.field_str(c).unwrap_or_default().to_string()),
            _ => Some(op.incident.to_string()),
        };
        let at = (op.hlc.0 as i64, op.entity.to_string());
        self.pending.entry((t.name, scope)).and_modify(|m| *m = (*m).clone().min(at.clone())).or_insert(at);
    }

    /// Number everything inserted: rows from the earliest new one on are ranked by
    /// (HLC, id) after those before it.
    pub(super) fn finish(&mut self, tx: &Transaction<'_>) -> Result<()> {
        for ((name, scope), (hlc, id)) in std::mem::take(&mut self.pending) {
            let t = TABLES.iter().find(|t| t.name == name).expect("a replicated table");
            let col = t.numbering.column();
            let scope_sql = match (t.numbering, &scope) {
                (Numbering::Within(c), _) => format!("{c} = ?3"),
                (_, Some(_)) => "incident_id = ?3".to_string(),
                (_, None) => "?3 IS NULL".to_string(),
            };
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
pub(super) const PREV_PREFIX: usize = 12;

/// The full hash of the entry before this one in its replica's chain, from the prefix
/// the op carries (or the full hash, as older ops have it); None while that entry has
/// not arrived.
pub(super) fn previous_hash(tx: &Transaction<'_>, op: &Op) -> Result<Option<String>> {
    use crate::domain::log::GENESIS_HASH;
    let prefix = op
        .field_str("prev_hash")
        .ok_or_else(|| StoreError::refused(format!("log entry {}: 'prev_hash' is missing", op.entity)))?;
    if prefix.len() < PREV_PREFIX || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::refused(format!("log entry {}: 'prev_hash' is malformed", op.entity)));
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
pub(super) fn entry_hash(op: &Op, prev: &str) -> Result<String> {
    use crate::domain::log::HashInput;
    use crate::domain::time::from_millis;
    let bad = |what: &str| StoreError::refused(format!("log entry {}: {what}", op.entity));
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
pub(super) fn place_report(tx: &Transaction<'_>, op: &Op) -> Result<()> {
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

/// Apply a batch inside the caller's transaction (see [`Store::apply_ops`]).
pub(in crate::store) fn apply_in(tx: &Transaction<'_>, ops: &[Op], state: OpState) -> Result<Applied> {
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
        let latest = chrono::Utc::now().timestamp_millis() + crate::replication::authorize::MAX_AHEAD_MS;
        if op.hlc.0 > i64::MAX as u64 || op.hlc.millis() > latest {
            // Taken, it would drag this replica's clock into the future for good.
            let why = "the change is stamped in the future".to_string();
            insert_op(tx, op, OpState::Rejected, Some(&why))?;
            report.failed.push((op.id, why));
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
        self.apply_ops_then(ops, state, |_| Ok(()))
    }

    /// As [`Store::apply_ops`], with `then` run in the same transaction before it
    /// commits (the PostgreSQL server store's copy notes how far it has caught up).
    pub fn apply_ops_then(
        &mut self,
        ops: &[Op],
        state: OpState,
        then: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<Applied> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let report = apply_in(&tx, ops, state)?;
        then(&tx)?;
        tx.commit()?;
        Ok(report)
    }

    /// A counter that moves when synced entries were placed before others in a log.
    pub fn log_reorders(&self) -> Result<i64> {
        Ok(self.meta("log_reorders")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }
}

/// Apply one op inside a savepoint, so a malformed one leaves nothing behind.
pub(super) fn apply_guarded(
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
            Ok(Err(why.get(crate::lang::Lang::En).to_string()))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation))
        || matches!(e, rusqlite::Error::InvalidColumnName(_) | rusqlite::Error::SqlInputError { .. })
}

/// Ops that waited for something that may now be here, oldest first, until no more
/// can be applied.
pub(super) fn retry_waiting(tx: &Transaction<'_>, report: &mut Applied, placing: &mut Placing) -> Result<()> {
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

//! Information boards, their notices and key figures in the store. Records of the
//! organisation: their ops carry the nil incident. Each change commits with its op
//! and, when there is an incident to log it in, its automatic log entry.

use super::columns::{read_row, Columns};
use super::log::{append_in, NewEntryRecord};
use super::numbered::Stamp;
use super::replica;
use super::{Result, Store, StoreError};
use crate::domain::board::{
    Audience, Board, FigureChange, KeyFigure, NewBoard, NewNotice, Notice, NoticeStatus,
};
use crate::domain::task::Priority;
use crate::domain::time::{from_millis, to_millis};
use crate::domain::{Incident, LogEntry};
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use uuid::Uuid;

const BOARD_COLUMNS: &str =
    "b.id, b.title, b.incident, i.number, b.readers, b.writers, b.archived, b.created_at, \
     b.created_by FROM boards b LEFT JOIN incidents i ON i.id = b.incident";

fn board_from_row(r: &Row<'_>) -> rusqlite::Result<Board> {
    let mut c = Columns::new(r);
    let id = c.uuid()?;
    let title = c.get()?;
    let incident = match (c.maybe_uuid()?, c.get::<Option<i64>>()?) {
        (Some(id), Some(n)) => Some((id, n)),
        _ => None,
    };
    let readers = c.with(|s: String| Audience::from_codes(&s))?;
    let writers = c.with(|s: String| Audience::from_codes(&s))?;
    Ok(Board {
        id,
        title,
        incident,
        audience: Audience { readers, writers },
        archived: c.get()?,
        created_at: c.time()?,
        created_by: c.get()?,
    })
}

const NOTICE_COLUMNS: &str = "n.id, n.board_id, n.number, n.title, n.text, n.priority, n.valid_until, \
     n.entry_id, n.status, n.created_at, n.created_by, n.updated_at, \
     CASE WHEN n.entry_id IS NULL THEN NULL ELSE \
       (SELECT c.text FROM log_entries c WHERE c.corrects = n.entry_id ORDER BY c.seq DESC LIMIT 1) END \
     FROM notices n";

fn notice_from_row(r: &Row<'_>) -> rusqlite::Result<Notice> {
    Ok(read_row!(r => Notice {
        id: uuid, board: uuid, number: get, title: get, text: get, priority: code_or(Priority::Normal),
        valid_until: maybe_time, entry: maybe_uuid, status: code_or(NoticeStatus::Up), created_at: time,
        created_by: get, updated_at: time, correction: get,
    }))
}

const FIGURE_COLUMNS: &str = "f.id, f.board_id, f.name, f.value, f.unit, f.updated_at FROM key_figures f";

fn figure_from_row(r: &Row<'_>) -> rusqlite::Result<KeyFigure> {
    Ok(
        read_row!(r => KeyFigure { id: uuid, board: uuid, name: get, value: get, unit: get, updated_at: time }),
    )
}

/// A key figure's new value, by its name (and its unit, if given).
#[derive(Debug, Clone, Copy)]
pub struct FigureValue<'a> {
    pub name: &'a str,
    pub value: i64,
    pub unit: Option<&'a str>,
}

/// What a change of a notice sets.
#[derive(Debug, Clone)]
pub enum NoticeChange {
    /// Title, text, priority and valid-until, as the notice now reads.
    Text(NewNotice),
    Status(NoticeStatus),
}

fn no_board(id: Uuid) -> StoreError {
    StoreError::not_found(format!("det finnes ingen tavle {id}"), format!("there is no board {id}"))
}

fn log_in(
    tx: &Transaction<'_>,
    incident: Option<&Incident>,
    entry: NewEntryRecord,
) -> Result<Option<LogEntry>> {
    match incident {
        Some(i) => Ok(append_in(tx, i, [entry])?.pop()),
        None => Ok(None),
    }
}

/// A record just inserted: its op, the record read back, its automatic entry in
/// `incident` (if any), committed together.
fn made<T>(
    tx: Transaction<'_>,
    kind: Kind,
    id: Uuid,
    by: Stamp<'_>,
    incident: Option<&Incident>,
    read: fn(&Transaction<'_>, Uuid) -> Result<T>,
    entry: impl FnOnce(&T) -> NewEntryRecord,
) -> Result<(T, Option<LogEntry>)> {
    replica::created(&tx, kind, id, by.who(), by.now)?;
    let record = read(&tx, id)?;
    let logged = log_in(&tx, incident, entry(&record))?;
    tx.commit()?;
    Ok((record, logged))
}

/// Notice `number` of `board`, as the connection (or transaction) has it.
fn notice_numbered(conn: &rusqlite::Connection, board: Uuid, number: i64) -> Result<Notice> {
    conn.prepare_cached(&format!("SELECT {NOTICE_COLUMNS} WHERE n.board_id = ?1 AND n.number = ?2"))?
        .query_row(params![board.to_string(), number], notice_from_row)
        .optional()?
        .ok_or_else(|| {
            StoreError::not_found(
                format!("tavla har ikke oppslag {number}"),
                format!("the board has no notice {number}"),
            )
        })
}

impl Store {
    /// Make a board, logged in `incident` if given.
    pub fn create_board(
        &mut self,
        new: &NewBoard,
        by: Stamp<'_>,
        incident: Option<&Incident>,
        entry: impl FnOnce(&Board) -> NewEntryRecord,
    ) -> Result<(Board, Option<LogEntry>)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO boards (id, incident, title, readers, writers, archived, created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?6)",
            params![
                id.to_string(),
                new.incident.map(|i| i.to_string()),
                new.title,
                Audience::codes(&new.audience.readers),
                Audience::codes(&new.audience.writers),
                by.millis(),
                by.author
            ],
        )?;
        made(tx, Kind::Board, id, by, incident, board_in, entry)
    }

    /// Every board, archived ones too, standing boards first, then by incident, each
    /// group in Norwegian alphabetical order.
    pub fn boards(&self) -> Result<Vec<Board>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {BOARD_COLUMNS}"))?;
        let mut all: Vec<Board> = stmt.query_map([], board_from_row)?.collect::<rusqlite::Result<_>>()?;
        all.sort_by_cached_key(|b| (b.incident.map(|(_, n)| n), crate::text::sort_key(&b.title)));
        Ok(all)
    }

    pub fn board(&self, id: Uuid) -> Result<Board> {
        self.conn
            .prepare_cached(&format!("SELECT {BOARD_COLUMNS} WHERE b.id = ?1"))?
            .query_row([id.to_string()], board_from_row)
            .optional()?
            .ok_or_else(|| no_board(id))
    }

    /// Change a board's title, audience or archived mark, logged in `incident` if
    /// given, by `entry` (of the board as it becomes).
    #[allow(clippy::too_many_arguments)]
    pub fn change_board(
        &mut self,
        id: Uuid,
        title: Option<&str>,
        audience: Option<&Audience>,
        archived: Option<bool>,
        by: Stamp<'_>,
        incident: Option<&Incident>,
        entry: impl FnOnce(&Board) -> NewEntryRecord,
    ) -> Result<Board> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        board_in(&tx, id)?;
        let mut fields: Vec<&'static str> = Vec::new();
        let key = id.to_string();
        if let Some(t) = title {
            tx.execute("UPDATE boards SET title = ?1 WHERE id = ?2", params![t, key])?;
            fields.push("title");
        }
        if let Some(a) = audience {
            tx.execute(
                "UPDATE boards SET readers = ?1, writers = ?2 WHERE id = ?3",
                params![Audience::codes(&a.readers), Audience::codes(&a.writers), key],
            )?;
            fields.extend(["readers", "writers"]);
        }
        if let Some(a) = archived {
            tx.execute("UPDATE boards SET archived = ?1 WHERE id = ?2", params![a, key])?;
            fields.push("archived");
        }
        if fields.is_empty() {
            return board_in(&tx, id);
        }
        tx.execute("UPDATE boards SET updated_at = ?1 WHERE id = ?2", params![by.millis(), key])?;
        replica::changed(&tx, Kind::Board, id, &fields, by.who(), by.now)?;
        let board = board_in(&tx, id)?;
        if let Some(i) = incident {
            append_in(&tx, i, [entry(&board)])?;
        }
        tx.commit()?;
        Ok(board)
    }

    /// Put up a notice on a board, logged in `incident` if given.
    pub fn post_notice(
        &mut self,
        board: Uuid,
        new: &NewNotice,
        by: Stamp<'_>,
        incident: Option<&Incident>,
        entry: impl FnOnce(&Notice) -> NewEntryRecord,
    ) -> Result<(Notice, Option<LogEntry>)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        board_in(&tx, board)?;
        let number: i64 = tx.query_row(
            "SELECT coalesce(max(number), 0) + 1 FROM notices WHERE board_id = ?1",
            [board.to_string()],
            |r| r.get(0),
        )?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO notices (id, board_id, number, title, text, priority, valid_until, entry_id, status,
                                  created_at, created_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'oppe', ?9, ?10, ?9)",
            params![
                id.to_string(),
                board.to_string(),
                number,
                new.title,
                new.text,
                new.priority.name(),
                new.valid_until.map(to_millis),
                new.entry.map(|e| e.to_string()),
                by.millis(),
                by.author
            ],
        )?;
        made(tx, Kind::Notice, id, by, incident, notice_in, entry)
    }

    /// A board's notices, by number (taken down ones too).
    pub fn notices(&self, board: Uuid) -> Result<Vec<Notice>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {NOTICE_COLUMNS} WHERE n.board_id = ?1 ORDER BY n.number"))?;
        let rows = stmt.query_map([board.to_string()], notice_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn notice(&self, board: Uuid, number: i64) -> Result<Notice> {
        notice_numbered(&self.conn, board, number)
    }

    /// A board's notices that are up and valid at `now`, the most urgent first, then
    /// the newest, at most `limit`.
    pub fn current_notices(&self, board: Uuid, now: DateTime<Utc>, limit: usize) -> Result<Vec<Notice>> {
        // In the order of the index `notices_up` (schema step 18), so only what is
        // shown is read. The time is no parameter of the statement (a bound value the
        // planner looks at makes SQLite prepare it again each time): the notices past
        // their valid-until, few, are left out here.
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {NOTICE_COLUMNS} WHERE n.board_id = ?1 AND n.status = 'oppe'
             ORDER BY CASE n.priority WHEN 'kritisk' THEN 0 WHEN 'høy' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                      n.created_at DESC, n.number DESC"
        ))?;
        let mut rows = stmt.query(params![board.to_string()])?;
        let mut up = Vec::with_capacity(limit);
        while let Some(row) = rows.next()? {
            let n = notice_from_row(row)?;
            if n.valid_until.is_none_or(|v| v > now) {
                up.push(n);
                if up.len() == limit {
                    break;
                }
            }
        }
        Ok(up)
    }

    /// The notices put up from this log entry.
    pub fn notices_of_entry(&self, entry: Uuid) -> Result<Vec<Notice>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {NOTICE_COLUMNS} WHERE n.entry_id = ?1"))?;
        let rows = stmt.query_map([entry.to_string()], notice_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Change notice `number` of a board and log it in `incident` if given; `entry`
    /// sees it before and after.
    pub fn change_notice(
        &mut self,
        board: Uuid,
        number: i64,
        change: &NoticeChange,
        by: Stamp<'_>,
        incident: Option<&Incident>,
        entry: impl FnOnce(&Notice, &Notice) -> NewEntryRecord,
    ) -> Result<(Notice, Option<LogEntry>)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before = notice_numbered(&tx, board, number)?;
        let key = before.id.to_string();
        let fields: &[&str] = match change {
            NoticeChange::Text(n) => {
                tx.execute(
                    "UPDATE notices SET title = ?1, text = ?2, priority = ?3, valid_until = ?4, updated_at = ?5
                     WHERE id = ?6",
                    params![n.title, n.text, n.priority.name(), n.valid_until.map(to_millis), by.millis(), key],
                )?;
                &["title", "text", "priority", "valid_until"]
            }
            NoticeChange::Status(s) => {
                tx.execute(
                    "UPDATE notices SET status = ?1, updated_at = ?2 WHERE id = ?3",
                    params![s.name(), by.millis(), key],
                )?;
                &["status"]
            }
        };
        replica::changed(&tx, Kind::Notice, before.id, fields, by.who(), by.now)?;
        let after = notice_in(&tx, before.id)?;
        let logged = log_in(&tx, incident, entry(&before, &after))?;
        tx.commit()?;
        Ok((after, logged))
    }

    /// A board's key figures, in Norwegian alphabetical order.
    pub fn figures(&self, board: Uuid) -> Result<Vec<KeyFigure>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {FIGURE_COLUMNS} WHERE f.board_id = ?1 AND f.removed = 0"))?;
        let mut all: Vec<KeyFigure> =
            stmt.query_map([board.to_string()], figure_from_row)?.collect::<rusqlite::Result<_>>()?;
        all.sort_by_cached_key(|f| crate::text::sort_key(&f.name));
        Ok(all)
    }

    /// Set a board's figure `name` (made if the board has none by that name, its
    /// case and accents aside) to `value`, logged in `incident` if given; `entry` gets
    /// the value before (None for a new figure) and the figure after.
    pub fn set_figure(
        &mut self,
        board: Uuid,
        set: FigureValue<'_>,
        by: Stamp<'_>,
        incident: Option<&Incident>,
        entry: impl FnOnce(Option<i64>, &KeyFigure) -> NewEntryRecord,
    ) -> Result<(KeyFigure, Option<LogEntry>)> {
        let FigureValue { name, value, unit } = set;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        board_in(&tx, board)?;
        let existing = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {FIGURE_COLUMNS} WHERE f.board_id = ?1 AND f.removed = 0 ORDER BY f.hlc, f.id"
            ))?;
            let all: Vec<KeyFigure> =
                stmt.query_map([board.to_string()], figure_from_row)?.collect::<rusqlite::Result<_>>()?;
            let folded = crate::text::fold(name);
            all.into_iter().find(|f| crate::text::fold(&f.name) == folded)
        };
        let (id, before) = match existing {
            Some(f) => {
                let mut fields = vec!["value"];
                tx.execute(
                    "UPDATE key_figures SET value = ?1, updated_at = ?2 WHERE id = ?3",
                    params![value, by.millis(), f.id.to_string()],
                )?;
                if let Some(u) = unit.filter(|u| *u != f.unit) {
                    tx.execute(
                        "UPDATE key_figures SET unit = ?1 WHERE id = ?2",
                        params![u, f.id.to_string()],
                    )?;
                    fields.push("unit");
                }
                replica::changed(&tx, Kind::Figure, f.id, &fields, by.who(), by.now)?;
                (f.id, Some(f.value))
            }
            None => {
                let id = Uuid::now_v7();
                tx.execute(
                    "INSERT INTO key_figures (id, board_id, name, value, unit, removed, created_at, created_by,
                                              updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?6)",
                    params![id.to_string(), board.to_string(), name, value, unit.unwrap_or(""), by.millis(), by.author],
                )?;
                replica::created(&tx, Kind::Figure, id, by.who(), by.now)?;
                (id, None)
            }
        };
        let figure = tx
            .prepare_cached(&format!("SELECT {FIGURE_COLUMNS} WHERE f.id = ?1"))?
            .query_row([id.to_string()], figure_from_row)?;
        let logged = log_in(&tx, incident, entry(before, &figure))?;
        tx.commit()?;
        Ok((figure, logged))
    }

    /// Every value a figure has had, oldest first: when, who, what (from the oplog,
    /// where every change is kept).
    pub fn figure_history(&self, id: Uuid) -> Result<Vec<FigureChange>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, author, json_extract(payload, '$.f.value') FROM oplog
             WHERE entity = 'key_figure' AND entity_id = ?1 AND json_extract(payload, '$.f.value') IS NOT NULL
             ORDER BY hlc, seq",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok(FigureChange { at: from_millis(r.get(0)?), by: r.get(1)?, value: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn board_in(tx: &Transaction<'_>, id: Uuid) -> Result<Board> {
    tx.prepare_cached(&format!("SELECT {BOARD_COLUMNS} WHERE b.id = ?1"))?
        .query_row([id.to_string()], board_from_row)
        .optional()?
        .ok_or_else(|| no_board(id))
}

fn notice_in(tx: &Transaction<'_>, id: Uuid) -> Result<Notice> {
    Ok(tx
        .prepare_cached(&format!("SELECT {NOTICE_COLUMNS} WHERE n.id = ?1"))?
        .query_row([id.to_string()], notice_from_row)?)
}

impl Store {
    /// Those of `boards` that are here.
    pub fn boards_among(&self, boards: &[Uuid]) -> Result<Vec<Uuid>> {
        let ids = serde_json::to_string(&boards.iter().map(Uuid::to_string).collect::<Vec<_>>())
            .expect("ids are strings");
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM boards WHERE id IN (SELECT value FROM json_each(?1))")?;
        let rows = stmt.query_map([ids], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(Uuid::parse_str(&row?).ok());
        }
        Ok(out)
    }

    /// Forget these boards, with their notices and figures and the ops that made them:
    /// a board narrowed to roles the user does not hold stays on no screen of theirs.
    /// A board with a change made here that the server has not answered yet is kept
    /// (nothing typed is lost; it is forgotten once the server has answered), as is one
    /// that never went to the server. A board opened to the user again comes back
    /// whole: its next change waits for it, and the replica asks for it as for any
    /// board it lacks. Returns the boards kept, to try again.
    pub fn forget_boards(&mut self, boards: &[Uuid]) -> Result<Vec<Uuid>> {
        let ids = serde_json::to_string(&boards.iter().map(Uuid::to_string).collect::<Vec<_>>())
            .expect("ids are strings");
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS forgotten (id TEXT PRIMARY KEY);
             DELETE FROM temp.forgotten;",
        )?;
        // Every record of the boards gone: the boards, their notices and figures.
        tx.execute(
            "INSERT INTO temp.forgotten (id)
             SELECT b.id FROM boards b
             WHERE b.id IN (SELECT value FROM json_each(?1))
               AND EXISTS (SELECT 1 FROM oplog o WHERE o.entity_id = b.id AND o.entity = 'board' AND o.state = 1)
               AND NOT EXISTS (
                 SELECT 1 FROM oplog o WHERE o.state = 0 AND o.entity IN ('board', 'notice', 'key_figure')
                   AND (o.entity_id = b.id
                        OR o.entity_id IN (SELECT id FROM notices WHERE board_id = b.id)
                        OR o.entity_id IN (SELECT id FROM key_figures WHERE board_id = b.id)))",
            [&ids],
        )?;
        tx.execute_batch(
            "INSERT OR IGNORE INTO temp.forgotten (id)
               SELECT id FROM notices WHERE board_id IN (SELECT id FROM temp.forgotten)
               UNION ALL SELECT id FROM key_figures WHERE board_id IN (SELECT id FROM temp.forgotten);
             DELETE FROM superseded WHERE op_id IN (
               SELECT op_id FROM oplog WHERE entity_id IN (SELECT id FROM temp.forgotten));
             DELETE FROM field_heads WHERE entity_id IN (SELECT id FROM temp.forgotten);
             DELETE FROM oplog WHERE state IN (1, 4) AND entity IN ('board', 'notice', 'key_figure')
               AND entity_id IN (SELECT id FROM temp.forgotten);
             DELETE FROM notices WHERE id IN (SELECT id FROM temp.forgotten);
             DELETE FROM key_figures WHERE id IN (SELECT id FROM temp.forgotten);
             DELETE FROM boards WHERE id IN (SELECT id FROM temp.forgotten);
             DELETE FROM temp.forgotten;",
        )?;
        let kept: Vec<Uuid> = {
            let mut stmt =
                tx.prepare_cached("SELECT id FROM boards WHERE id IN (SELECT value FROM json_each(?1))")?;
            let rows = stmt.query_map([&ids], |r| r.get::<_, String>(0))?;
            rows.filter_map(|r| r.ok().and_then(|s| Uuid::parse_str(&s).ok())).collect()
        };
        tx.commit()?;
        Ok(kept)
    }
}

impl Store {
    /// A notice put up or a figure changed here says so in the log at once; when the
    /// server refuses that change (the board was closed to its writer meanwhile), the
    /// log must not go on saying it happened. Each automatic entry of a refused change
    /// gets an automatic correction, once: the log is never rewritten, and the refused
    /// change itself is kept with why. Returns how many entries were corrected.
    pub fn correct_refused_on_boards(&mut self, refused: &[(Uuid, String)]) -> Result<usize> {
        let origin = self.device_id()?;
        let mut corrected = 0;
        for (op, _) in refused {
            // Only a change made here: a change relayed from another replica (a
            // bundle) is corrected there, in its writer's name.
            let row: Option<(String, String, i64)> = self
                .conn
                .prepare_cached(
                    "SELECT author, device, at FROM oplog
                     WHERE op_id = ?1 AND entity IN ('notice', 'key_figure') AND origin = ?2",
                )?
                .query_row(params![op.to_string(), origin], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((author, device, at)) = row else { continue };
            // Its entry: written in the same transaction, so by the same author on the
            // same device at the same moment, tagged `tavle`, and not corrected yet
            // (each correction is written before the next is looked for, so two changes
            // of one moment correct two entries).
            let entry: Option<(String, String, String)> = self
                .conn
                .prepare_cached(
                    "SELECT e.id, e.incident_id, e.text FROM log_entries e
                     WHERE e.author = ?1 AND e.device = ?2 AND e.recorded_at = ?3 AND e.kind = 'auto'
                       AND (' ' || e.tags || ' ') LIKE '% tavle %'
                       AND NOT EXISTS (SELECT 1 FROM log_entries c WHERE c.corrects = e.id)
                     ORDER BY e.seq LIMIT 1",
                )?
                .query_row(params![author, device, at], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((id, incident, text)) = entry else { continue };
            let Some(incident) = self.incident_by_id(super::columns::id(&incident))? else { continue };
            let now = chrono::Utc::now();
            let correction = NewEntryRecord {
                id: Uuid::now_v7(),
                text: format!("Gjelder ikke, tjeneren avviste det: {text}"),
                author,
                device,
                reported_at: now,
                recorded_at: now,
                kind: crate::domain::EntryKind::Auto,
                tags: vec!["tavle".into()],
                mentions: vec![],
                significant: false,
                corrects: Some(super::columns::id(&id)),
            };
            self.append_entries(&incident, [correction])?;
            corrected += 1;
        }
        Ok(corrected)
    }
}

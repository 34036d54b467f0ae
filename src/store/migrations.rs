//! Versioned schema migrations, tracked in `PRAGMA user_version`. Append new steps;
//! never edit a step that has shipped.

use super::{StoreError, APPLICATION_ID};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

const STEPS: &[&str] = &[
    // 1: incidents, the log, drafts, per-user state and the oplog.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

    CREATE TABLE incidents (
        id          TEXT PRIMARY KEY,
        number      INTEGER NOT NULL UNIQUE,
        title       TEXT NOT NULL,
        type        TEXT NOT NULL,
        severity    INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 5),
        status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        exercise    INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        closed_at   INTEGER,
        created_by  TEXT NOT NULL
    ) STRICT;

    CREATE TABLE log_entries (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        seq         INTEGER NOT NULL,
        text        TEXT NOT NULL,
        folded      TEXT NOT NULL,
        author      TEXT NOT NULL,
        device      TEXT NOT NULL,
        reported_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('note', 'decision')),
        tags        TEXT NOT NULL,
        mentions    TEXT NOT NULL,
        significant INTEGER NOT NULL DEFAULT 0,
        corrects    TEXT REFERENCES log_entries(id),
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL,
        UNIQUE (incident_id, seq)
    ) STRICT;
    CREATE INDEX log_entries_corrects ON log_entries(corrects) WHERE corrects IS NOT NULL;

    -- Unsent text in the entry line, saved as it is typed so a crash loses nothing.
    CREATE TABLE drafts (
        user        TEXT NOT NULL,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        text        TEXT NOT NULL,
        started_at  INTEGER NOT NULL,
        corrects    TEXT,
        saved_at    INTEGER NOT NULL,
        PRIMARY KEY (user, incident_id)
    ) STRICT;

    CREATE TABLE user_state (
        user  TEXT NOT NULL,
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (user, key)
    ) STRICT;

    -- Every change as an op: the unit the sync layer pushes and pulls.
    CREATE TABLE oplog (
        seq       INTEGER PRIMARY KEY,
        op_id     TEXT NOT NULL UNIQUE,
        at        INTEGER NOT NULL,
        author    TEXT NOT NULL,
        device    TEXT NOT NULL,
        entity    TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        action    TEXT NOT NULL,
        payload   TEXT NOT NULL
    ) STRICT;
    "#,
];

pub fn latest() -> i64 {
    STEPS.len() as i64
}

pub fn run(conn: &mut Connection, _path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in STEPS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if i == 0 {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            let device = uuid::Uuid::now_v7().simple().to_string();
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
                [&device[device.len() - 12..]],
            )?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

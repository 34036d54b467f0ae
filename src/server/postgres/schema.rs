//! The PostgreSQL store's tables, in numbered steps (the step reached is kept in
//! `meta` as `server_schema`). Several servers may start at once: each takes the
//! steps under an advisory lock, so a step is taken once. Append new steps; never edit
//! a step that has shipped.

use super::{db, Result};
use crate::server::ServerError;

/// The advisory lock held while steps are taken.
const MIGRATING: i64 = 7_412_000;

const STEPS: &[&str] = &[
    // 1: everything the SQLite server file had at its step 6, and the ops themselves:
    // every op accepted, numbered in the order it was (`seq`, what pulls continue
    // after), with the organisation that owns its incident or record, so a pull is a
    // range scan of one organisation's ops.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE orgs (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        parent_id  TEXT REFERENCES orgs(id)
    );
    CREATE TABLE accounts (
        name       TEXT PRIMARY KEY,
        org_id     TEXT NOT NULL REFERENCES orgs(id),
        roles      TEXT NOT NULL,
        superadmin BOOLEAN NOT NULL DEFAULT false,
        password   TEXT NOT NULL,
        disabled   BOOLEAN NOT NULL DEFAULT false,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE tokens (
        hash       TEXT PRIMARY KEY,
        account    TEXT NOT NULL REFERENCES accounts(name),
        device     TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        revoked    BOOLEAN NOT NULL DEFAULT false,
        origin     TEXT NOT NULL DEFAULT '',
        expires_at BIGINT,
        epoch      BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX tokens_by_account ON tokens(account);
    CREATE TABLE incident_orgs (
        incident_id TEXT PRIMARY KEY,
        org_id      TEXT NOT NULL REFERENCES orgs(id)
    );
    CREATE TABLE record_orgs (
        entity_id TEXT PRIMARY KEY,
        org_id    TEXT NOT NULL REFERENCES orgs(id)
    );
    CREATE TABLE server_shares (
        seq         BIGSERIAL PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        from_org    TEXT NOT NULL REFERENCES orgs(id),
        to_org      TEXT NOT NULL REFERENCES orgs(id),
        shared_by   TEXT NOT NULL,
        shared_at   BIGINT NOT NULL,
        body        TEXT NOT NULL,
        received_at BIGINT,
        received_by TEXT,
        receipt_seq BIGINT UNIQUE
    );
    CREATE INDEX server_shares_to ON server_shares(to_org, seq);
    CREATE INDEX server_shares_receipts ON server_shares(from_org, receipt_seq)
        WHERE receipt_seq IS NOT NULL;
    CREATE SEQUENCE receipt_seq;
    CREATE TABLE replicas (
        origin     TEXT PRIMARY KEY,
        key        TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE replica_accounts (
        origin  TEXT NOT NULL REFERENCES replicas(origin),
        account TEXT NOT NULL REFERENCES accounts(name),
        PRIMARY KEY (origin, account)
    );
    CREATE TABLE ssh_keys (
        fingerprint TEXT PRIMARY KEY,
        account     TEXT NOT NULL REFERENCES accounts(name),
        key         TEXT NOT NULL,
        algorithm   TEXT NOT NULL,
        comment     TEXT NOT NULL,
        added_at    BIGINT NOT NULL
    );
    CREATE INDEX ssh_keys_by_account ON ssh_keys(account);
    CREATE TABLE sso_identities (
        issuer     TEXT NOT NULL,
        subject    TEXT NOT NULL,
        account    TEXT NOT NULL REFERENCES accounts(name),
        provider   TEXT NOT NULL,
        refresh    TEXT,
        cut_off    BOOLEAN NOT NULL DEFAULT false,
        checked_at BIGINT NOT NULL,
        linked_at  BIGINT NOT NULL,
        PRIMARY KEY (issuer, subject)
    );
    CREATE INDEX sso_identities_by_account ON sso_identities(account);
    CREATE TABLE sso_roles (
        org_id TEXT NOT NULL REFERENCES orgs(id),
        grp    TEXT NOT NULL,
        role   TEXT NOT NULL,
        PRIMARY KEY (org_id, grp, role)
    );
    CREATE TABLE sso_required (
        org_id TEXT PRIMARY KEY REFERENCES orgs(id)
    );
    CREATE TABLE sso_roles_by_hand (
        org_id TEXT PRIMARY KEY REFERENCES orgs(id)
    );
    CREATE TABLE sso_links (
        id         BIGSERIAL PRIMARY KEY,
        provider   TEXT NOT NULL,
        subject    TEXT,
        name       TEXT,
        account    TEXT NOT NULL REFERENCES accounts(name),
        made_at    BIGINT NOT NULL,
        expires_at BIGINT NOT NULL DEFAULT 0,
        CHECK ((subject IS NULL) != (name IS NULL))
    );
    CREATE UNIQUE INDEX sso_links_by_subject ON sso_links(provider, subject) WHERE subject IS NOT NULL;
    CREATE UNIQUE INDEX sso_links_by_name ON sso_links(provider, name) WHERE name IS NOT NULL;
    CREATE TABLE audit (
        seq      BIGSERIAL PRIMARY KEY,
        at       BIGINT NOT NULL,
        event    TEXT NOT NULL,
        account  TEXT,
        org      TEXT,
        provider TEXT,
        address  TEXT,
        detail   TEXT NOT NULL
    );
    CREATE TABLE checkpoints (
        incident_id TEXT NOT NULL,
        origin      TEXT NOT NULL,
        count       BIGINT NOT NULL,
        entry_id    TEXT NOT NULL,
        sig         TEXT NOT NULL,
        server_sig  TEXT NOT NULL,
        body        TEXT NOT NULL,
        PRIMARY KEY (incident_id, origin, count)
    );
    CREATE INDEX checkpoints_by_entry ON checkpoints(entry_id);
    CREATE TABLE ops (
        seq    BIGINT PRIMARY KEY,
        op_id  TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        origin TEXT NOT NULL,
        kind   TEXT NOT NULL,
        body   TEXT NOT NULL
    );
    CREATE INDEX ops_by_org ON ops(org_id, seq);
    "#,
    // 2: sign-ins on their way, shared by every server: single sign-ons under way, and
    // failures in a row by key (a hash of an address or an account name).
    r#"
    CREATE TABLE sso_pending (
        code    TEXT PRIMARY KEY,
        poll    TEXT NOT NULL UNIQUE,
        state   TEXT UNIQUE,
        address TEXT,
        started BIGINT NOT NULL,
        ended   BOOLEAN NOT NULL DEFAULT false,
        body    TEXT NOT NULL
    );
    CREATE INDEX sso_pending_by_address ON sso_pending(address);
    CREATE INDEX sso_pending_by_start ON sso_pending(started);
    CREATE TABLE sign_in_tries (
        key        TEXT PRIMARY KEY,
        failures   INTEGER NOT NULL,
        not_before BIGINT NOT NULL,
        last       BIGINT NOT NULL
    );
    CREATE INDEX sign_in_tries_by_last ON sign_in_tries(last);
    "#,
    // 3: information boards. The board each record on a board is on (a board is on
    // itself), each op's board, and each board's readers as its newest change set them
    // (by HLC, then replica, as every replica merges it): a pull sends what is on a
    // board only to its readers.
    r#"
    CREATE TABLE record_boards (
        entity_id TEXT PRIMARY KEY,
        board_id  TEXT NOT NULL
    );
    CREATE TABLE board_readers (
        board_id TEXT PRIMARY KEY,
        readers  TEXT[] NOT NULL,
        hlc      BIGINT NOT NULL,
        origin   TEXT NOT NULL
    );
    ALTER TABLE ops ADD COLUMN board_id TEXT;
    CREATE INDEX ops_by_board ON ops(board_id, seq) WHERE board_id IS NOT NULL;
    "#,
    // 4: the message journal's numbers, given per incident in the order the ops are
    // numbered (under the numbering lock).
    r#"
    CREATE TABLE journal (
        incident_id TEXT NOT NULL,
        record_id   TEXT PRIMARY KEY,
        number      BIGINT NOT NULL,
        UNIQUE (incident_id, number)
    );
    "#,
    // 5: messages. Whom each message reaches (its writer and organisation, the users,
    // roles and organisations it is to; a message never changes); a message and its
    // receipts are filed under it in record_boards and ops.board_id. An op about a
    // message that other organisations than its own take part in is listed for each
    // of them in op_orgs, so their pulls stay range scans.
    r#"
    CREATE TABLE message_audience (
        message_id TEXT PRIMARY KEY,
        org_id     TEXT NOT NULL,
        author     TEXT NOT NULL,
        users      TEXT[] NOT NULL,
        roles      TEXT[] NOT NULL,
        orgs       TEXT[] NOT NULL
    );
    CREATE TABLE op_orgs (
        org_id TEXT NOT NULL,
        seq    BIGINT NOT NULL,
        PRIMARY KEY (org_id, seq)
    );
    "#,
];

/// Bring the tables up to date; a database from a newer server is refused.
pub async fn run(c: &mut tokio_postgres::Client) -> Result<()> {
    let tx = c.transaction().await.map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATING]).await.map_err(db)?;
    let has_meta: bool =
        tx.query_one("SELECT to_regclass('meta') IS NOT NULL", &[]).await.map_err(db)?.get(0);
    let at: usize = if has_meta {
        tx.query_opt("SELECT value FROM meta WHERE key = 'server_schema'", &[])
            .await
            .map_err(db)?
            .and_then(|r| r.get::<_, String>(0).parse().ok())
            .unwrap_or(0)
    } else {
        0
    };
    if at > STEPS.len() {
        return Err(ServerError::Internal(format!(
            "this database has the server's schema step {at}; this sitroom knows {}: use the newer sitroom",
            STEPS.len()
        )));
    }
    for (i, sql) in STEPS.iter().enumerate().skip(at) {
        tx.batch_execute(sql).await.map_err(db)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('server_schema', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&(i + 1).to_string()],
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(())
}

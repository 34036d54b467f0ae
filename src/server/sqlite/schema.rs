//! The server's own tables, in numbered steps of their own (the step reached is kept
//! in `meta` as `server_schema`), beside the replica's schema (`store::migrations`).
//! Until schema step 13 of the replica these tables were in every file; a server file
//! from then keeps them (hence `IF NOT EXISTS`), and a client's empty ones were dropped
//! by that step. Append new steps; never edit a step that has shipped.

use crate::store::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const STEPS: &[&str] = &[
    // 1: organisations (and the one each reports to), accounts with argon2 password
    // hashes, session tokens stored hashed, which organisation owns each incident and
    // each record of no incident, reports shared upward and their receipts, and the
    // replicas that signed in, with their keys and accounts.
    r#"
    CREATE TABLE IF NOT EXISTS orgs (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        parent_id  TEXT REFERENCES orgs(id)
    ) STRICT;
    CREATE TABLE IF NOT EXISTS accounts (
        name       TEXT PRIMARY KEY,
        org_id     TEXT NOT NULL REFERENCES orgs(id),
        roles      TEXT NOT NULL,
        superadmin INTEGER NOT NULL DEFAULT 0,
        password   TEXT NOT NULL,
        disabled   INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS tokens (
        hash       TEXT PRIMARY KEY,
        account    TEXT NOT NULL REFERENCES accounts(name),
        device     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0,
        origin     TEXT NOT NULL DEFAULT '',
        expires_at INTEGER
    ) STRICT;
    CREATE TABLE IF NOT EXISTS incident_orgs (
        incident_id TEXT PRIMARY KEY,
        org_id      TEXT NOT NULL REFERENCES orgs(id)
    ) STRICT;
    CREATE TABLE IF NOT EXISTS record_orgs (
        entity_id TEXT PRIMARY KEY,
        org_id    TEXT NOT NULL REFERENCES orgs(id)
    ) STRICT;
    CREATE TABLE IF NOT EXISTS server_shares (
        seq       INTEGER PRIMARY KEY,
        id        TEXT NOT NULL UNIQUE,
        from_org  TEXT NOT NULL REFERENCES orgs(id),
        to_org    TEXT NOT NULL REFERENCES orgs(id),
        shared_by TEXT NOT NULL,
        shared_at INTEGER NOT NULL,
        body      TEXT NOT NULL,
        -- Set when the receiving organisation has stored it; receipts are numbered in
        -- the order they come, for the sender to fetch after a cursor.
        received_at INTEGER,
        received_by TEXT,
        receipt_seq INTEGER UNIQUE
    ) STRICT;
    CREATE INDEX IF NOT EXISTS server_shares_to ON server_shares(to_org, seq);
    CREATE INDEX IF NOT EXISTS server_shares_receipts ON server_shares(from_org, receipt_seq)
        WHERE receipt_seq IS NOT NULL;
    CREATE TABLE IF NOT EXISTS replicas (
        origin     TEXT PRIMARY KEY,
        key        TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS replica_accounts (
        origin  TEXT NOT NULL REFERENCES replicas(origin),
        account TEXT NOT NULL REFERENCES accounts(name),
        PRIMARY KEY (origin, account)
    ) STRICT;
    "#,
    // 2: the public keys each account may open an SSH session with, by their SHA-256
    // fingerprint (one key, one account: a key that opened two accounts would leave it
    // to chance whose session it is).
    r#"
    CREATE TABLE ssh_keys (
        fingerprint TEXT PRIMARY KEY,
        account     TEXT NOT NULL REFERENCES accounts(name),
        key         TEXT NOT NULL,
        algorithm   TEXT NOT NULL,
        comment     TEXT NOT NULL,
        added_at    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX ssh_keys_by_account ON ssh_keys(account);
    "#,
    // 3: single sign-on. The people of identity providers linked to accounts, by the
    // provider's stable subject (never the e-mail), with the provider's refresh token
    // (how the server asks again whether they may still sign in) and when it last
    // asked; which groups give which roles in each organisation; the organisations
    // whose people must sign in through their provider; and the audit of
    // sign-ins, refusals and role changes.
    r#"
    CREATE TABLE sso_identities (
        issuer     TEXT NOT NULL,
        subject    TEXT NOT NULL,
        account    TEXT NOT NULL REFERENCES accounts(name),
        provider   TEXT NOT NULL,
        refresh    TEXT,
        -- Set when the provider stopped vouching for the person: no session opens for
        -- the account (SSH keys included) until they sign in through it again.
        cut_off    INTEGER NOT NULL DEFAULT 0,
        checked_at INTEGER NOT NULL,
        linked_at  INTEGER NOT NULL,
        PRIMARY KEY (issuer, subject)
    ) STRICT;
    CREATE INDEX sso_identities_by_account ON sso_identities(account);
    CREATE TABLE sso_roles (
        org_id TEXT NOT NULL REFERENCES orgs(id),
        grp    TEXT NOT NULL,
        role   TEXT NOT NULL,
        PRIMARY KEY (org_id, grp, role)
    ) STRICT;
    CREATE TABLE sso_required (
        org_id TEXT PRIMARY KEY REFERENCES orgs(id)
    ) STRICT;
    CREATE TABLE audit (
        seq      INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        event    TEXT NOT NULL,
        account  TEXT,
        org      TEXT,
        provider TEXT,
        address  TEXT,
        detail   TEXT NOT NULL
    ) STRICT;
    "#,
    // 4: existing accounts an administrator links to a provider's person before their
    // first sign-in: by the provider's subject, or once by their sign-in name (from
    // then on by the subject, in sso_identities).
    r#"
    CREATE TABLE sso_links (
        provider TEXT NOT NULL,
        subject  TEXT,
        name     TEXT,
        account  TEXT NOT NULL REFERENCES accounts(name),
        made_at  INTEGER NOT NULL,
        CHECK ((subject IS NULL) != (name IS NULL))
    ) STRICT;
    CREATE UNIQUE INDEX sso_links_by_subject ON sso_links(provider, subject) WHERE subject IS NOT NULL;
    CREATE UNIQUE INDEX sso_links_by_name ON sso_links(provider, name) WHERE name IS NOT NULL;
    "#,
    // 5: links run out (one never used is no standing way into the account); the
    // organisations that keep roles by hand instead of taking them from groups.
    r#"
    ALTER TABLE sso_links ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sso_roles_by_hand (
        org_id TEXT PRIMARY KEY REFERENCES orgs(id)
    ) STRICT;
    "#,
    // 6: the store's epoch (meta.server_epoch), which a restore from a backup moves
    // on, and each session's: a replica whose session is of an earlier epoch may have
    // seen and sent what the restored store lacks, so it starts over.
    r#"
    ALTER TABLE tokens ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
    "#,
    // 7: sign-ins on their way, kept in the store so that every server of it sees the
    // same: single sign-ons under way (by code, poll token hash and the state the
    // provider sends the browser back with), and failures in a row by key (a hash of
    // an address or an account name).
    r#"
    CREATE TABLE sso_pending (
        code    TEXT PRIMARY KEY,
        poll    TEXT NOT NULL UNIQUE,
        state   TEXT UNIQUE,
        address TEXT,
        started INTEGER NOT NULL,
        ended   INTEGER NOT NULL DEFAULT 0,
        body    TEXT NOT NULL
    ) STRICT;
    CREATE INDEX sso_pending_by_address ON sso_pending(address);
    CREATE INDEX sso_pending_by_start ON sso_pending(started);
    CREATE TABLE sign_in_tries (
        key        TEXT PRIMARY KEY,
        failures   INTEGER NOT NULL,
        not_before INTEGER NOT NULL,
        last       INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX sign_in_tries_by_last ON sign_in_tries(last);
    "#,
    // 8: the board each record on a board is on (a board is on itself): a pull sends
    // them only to the board's readers.
    r#"
    CREATE TABLE record_boards (
        entity_id TEXT PRIMARY KEY,
        board_id  TEXT NOT NULL
    ) STRICT;
    CREATE INDEX record_boards_by_board ON record_boards(board_id);
    "#,
    // 9: the message journal's numbers, given per incident in the order the server
    // takes the items in.
    r#"
    CREATE TABLE journal (
        incident_id TEXT NOT NULL,
        record_id   TEXT PRIMARY KEY,
        number      INTEGER NOT NULL,
        UNIQUE (incident_id, number)
    ) STRICT;
    "#,
];

/// Bring the server's tables up to date; a file from a newer server is refused.
pub fn run(conn: &mut Connection) -> Result<()> {
    let reached = |conn: &Connection| -> Result<usize> {
        let v: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'server_schema'", [], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    };
    let at = reached(conn)?;
    if at > STEPS.len() {
        return Err(StoreError::refused(format!(
            "this server file has the server's schema step {at}; this sitroom knows {}: use the newer sitroom",
            STEPS.len()
        )));
    }
    for (i, sql) in STEPS.iter().enumerate().skip(at) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another server process may have taken the step while this one waited.
        if reached(&tx)? > i {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('server_schema', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(i + 1).to_string()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::server::{ServerStore, SqliteServer};
    use crate::store::Store;
    use rusqlite::Connection;

    const SERVER_ONLY: &[&str] = &["orgs", "accounts", "tokens", "incident_orgs", "record_orgs", "replicas"];

    fn tables(path: &std::path::Path) -> Vec<String> {
        let c = Connection::open(path).unwrap();
        let mut stmt =
            c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    /// A file as schema step 12 made it (when every file had the server's tables).
    fn step_12(path: &std::path::Path, setup: &str) {
        let mut c = Connection::open(path).unwrap();
        crate::store::migrate_to(&mut c, 12).unwrap();
        c.execute_batch(setup).unwrap();
    }

    #[test]
    fn a_client_file_loses_the_servers_empty_tables_and_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.db");
        step_12(
            &path,
            "INSERT INTO incidents (id, number, title, type, severity, status, created_at, created_by)
             VALUES ('i1', 1, 'Flom', 'flom', 3, 'open', 1, 'kari');",
        );
        let store = Store::open(&path).unwrap();
        assert_eq!(store.list_incidents().unwrap().len(), 1, "the client's data stays");
        let have = tables(&path);
        for t in SERVER_ONLY {
            assert!(!have.iter().any(|h| h == t), "{t} is gone from a client file: {have:?}");
        }
        assert!(have.iter().any(|h| h == "oplog") && have.iter().any(|h| h == "checkpoints"));
        // A new client file never had them.
        let fresh = dir.path().join("new.db");
        Store::open(&fresh).unwrap();
        assert!(!tables(&fresh).iter().any(|t| t == "accounts"));
    }

    #[test]
    fn a_server_file_keeps_its_organisations_and_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        step_12(
            &path,
            "INSERT INTO orgs (id, name, created_at) VALUES ('o1', 'Sandefjord kommune', 1);
             INSERT INTO accounts (name, org_id, roles, password, created_at) VALUES ('kari', 'o1', 'administrator', 'x', 1);",
        );
        let server = SqliteServer::open(&path).unwrap();
        assert_eq!(server.orgs().unwrap(), vec!["Sandefjord kommune".to_string()]);
        let users = server.users().unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].0.name, "kari");
        // An empty table the client step dropped is back, ready for use.
        server.add_org("Larvik kommune").unwrap();
        assert!(tables(&path).iter().any(|t| t == "server_shares"));
        drop(server);
        let again = SqliteServer::open(&path).unwrap();
        assert_eq!(again.orgs().unwrap().len(), 2, "opening again changes nothing");
    }

    #[test]
    fn a_file_from_a_newer_server_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        drop(SqliteServer::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute("UPDATE meta SET value = '99' WHERE key = 'server_schema'", []).unwrap();
        drop(c);
        let err = SqliteServer::open(&path).err().expect("refused").to_string();
        assert!(err.contains("server's schema step 99"), "{err}");
    }
}

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
    // 2: users and roles; tasks and the entries they came from; automatic log entries
    // (kind 'auto'), which needs the log table rebuilt to widen its CHECK.
    r#"
    CREATE TABLE log_entries_new (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        seq         INTEGER NOT NULL,
        text        TEXT NOT NULL,
        folded      TEXT NOT NULL,
        author      TEXT NOT NULL,
        device      TEXT NOT NULL,
        reported_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('note', 'decision', 'auto')),
        tags        TEXT NOT NULL,
        mentions    TEXT NOT NULL,
        significant INTEGER NOT NULL DEFAULT 0,
        corrects    TEXT REFERENCES log_entries(id),
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL,
        UNIQUE (incident_id, seq)
    ) STRICT;
    INSERT INTO log_entries_new SELECT * FROM log_entries;
    DROP TABLE log_entries;
    ALTER TABLE log_entries_new RENAME TO log_entries;
    CREATE INDEX log_entries_corrects ON log_entries(corrects) WHERE corrects IS NOT NULL;

    CREATE TABLE users (
        name       TEXT PRIMARY KEY,
        roles      TEXT NOT NULL,
        disabled   INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
    ) STRICT;

    CREATE TABLE tasks (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        number      INTEGER NOT NULL,
        title       TEXT NOT NULL,
        description TEXT NOT NULL,
        assignee    TEXT,
        priority    TEXT NOT NULL CHECK (priority IN ('lav', 'normal', 'høy', 'kritisk')),
        due         INTEGER,
        status      TEXT NOT NULL CHECK (status IN ('ny', 'pågår', 'utført', 'avbrutt')),
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (incident_id, number)
    ) STRICT;
    CREATE INDEX tasks_by_incident ON tasks(incident_id, status);

    CREATE TABLE task_links (
        task_id  TEXT NOT NULL REFERENCES tasks(id),
        entry_id TEXT NOT NULL REFERENCES log_entries(id),
        PRIMARY KEY (task_id, entry_id)
    ) STRICT;
    "#,
    // 3: the media queue.
    r#"
    CREATE TABLE media (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        number      INTEGER NOT NULL,
        outgoing    INTEGER NOT NULL DEFAULT 0,
        outlet      TEXT NOT NULL,
        journalist  TEXT NOT NULL,
        contact     TEXT NOT NULL,
        question    TEXT NOT NULL,
        deadline    INTEGER,
        responsible TEXT,
        status      TEXT NOT NULL CHECK (status IN ('ny', 'under arbeid', 'besvart', 'avsluttet')),
        answer      TEXT NOT NULL DEFAULT '',
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (incident_id, number)
    ) STRICT;
    CREATE INDEX media_by_incident ON media(incident_id, status);
    "#,
    // 4: reports, one row per version: every version is kept.
    r#"
    CREATE TABLE report_versions (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        number      INTEGER NOT NULL,
        version     INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        title       TEXT NOT NULL,
        text        TEXT NOT NULL,
        status      TEXT NOT NULL
                    CHECK (status IN ('utkast', 'til godkjenning', 'godkjent', 'returnert', 'distribuert')),
        comment     TEXT NOT NULL DEFAULT '',
        approved_by TEXT,
        approved_at INTEGER,
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (incident_id, number, version)
    ) STRICT;
    "#,
    // 5: meetings.
    r#"
    CREATE TABLE meetings (
        id             TEXT PRIMARY KEY,
        incident_id    TEXT NOT NULL REFERENCES incidents(id),
        number         INTEGER NOT NULL,
        title          TEXT NOT NULL,
        starts_at      INTEGER NOT NULL,
        participants   TEXT NOT NULL,
        agenda         TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('planlagt', 'pågår', 'avsluttet')),
        current_item   INTEGER,
        minutes_report INTEGER,
        created_at     INTEGER NOT NULL,
        created_by     TEXT NOT NULL,
        updated_at     INTEGER NOT NULL,
        UNIQUE (incident_id, number)
    ) STRICT;
    "#,
    // 6: which kinds of record changed since a pane last looked, answered by an index.
    r#"
    CREATE INDEX oplog_by_entity ON oplog(entity, seq);
    "#,
    // 7: sync. Every shared record gets the hybrid-logical-clock stamp of its creation
    // (numbers follow it), log entries the replica whose chain they are in, reports
    // their first version and the one they were written from; the oplog learns where
    // each op stands (to push, acknowledged, refused, local only, waiting); merged
    // fields keep their heads. The rows are stamped and their create ops written by
    // `replica::snapshot` right after this step, so work done before sync is shared too.
    r#"
    ALTER TABLE oplog ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE oplog ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    ALTER TABLE oplog ADD COLUMN incident_id TEXT;
    ALTER TABLE oplog ADD COLUMN state INTEGER NOT NULL DEFAULT 3;
    ALTER TABLE oplog ADD COLUMN reason TEXT;
    CREATE INDEX oplog_by_state ON oplog(state, seq) WHERE state IN (0, 2, 4);

    ALTER TABLE incidents ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE log_entries ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE log_entries ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    ALTER TABLE tasks ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE media ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE meetings ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE report_versions ADD COLUMN hlc INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE report_versions ADD COLUMN root TEXT REFERENCES report_versions(id);
    ALTER TABLE report_versions ADD COLUMN parent TEXT REFERENCES report_versions(id);
    ALTER TABLE report_versions ADD COLUMN approved_rev TEXT;
    CREATE INDEX log_entries_by_clock ON log_entries(incident_id, hlc, id);
    CREATE INDEX log_entries_by_chain ON log_entries(incident_id, origin, hlc);

    CREATE TABLE field_heads (
        entity_id TEXT NOT NULL,
        field     TEXT NOT NULL,
        op_id     TEXT NOT NULL,
        hlc       INTEGER NOT NULL,
        origin    TEXT NOT NULL,
        value     TEXT NOT NULL,
        PRIMARY KEY (entity_id, field, op_id)
    ) STRICT;
    CREATE TABLE superseded (
        op_id TEXT NOT NULL,
        field TEXT NOT NULL,
        PRIMARY KEY (op_id, field)
    ) STRICT;
    "#,
    // 8: the sync server's own tables (empty on a client): organisations, accounts with
    // hashed passwords, session tokens stored hashed, and which organisation owns each
    // incident.
    r#"
    CREATE TABLE orgs (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE accounts (
        name       TEXT PRIMARY KEY,
        org_id     TEXT NOT NULL REFERENCES orgs(id),
        roles      TEXT NOT NULL,
        superadmin INTEGER NOT NULL DEFAULT 0,
        password   TEXT NOT NULL,
        disabled   INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE tokens (
        hash       TEXT PRIMARY KEY,
        account    TEXT NOT NULL REFERENCES accounts(name),
        device     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE incident_orgs (
        incident_id TEXT PRIMARY KEY,
        org_id      TEXT NOT NULL REFERENCES orgs(id)
    ) STRICT;
    CREATE INDEX oplog_by_incident ON oplog(incident_id, seq);
    "#,
    // 9: a session knows the replica it was opened for, so that ops need not repeat it.
    r#"
    ALTER TABLE tokens ADD COLUMN origin TEXT NOT NULL DEFAULT '';
    "#,
    // 10: preparedness. The organisation's registers (contacts, resources, alert
    // lists, action cards, plans, the ROS register) and, per incident, alerts with
    // their recipients and deliveries, EPS registrations, exercise injects and
    // evaluation points. `folded` columns hold the searchable text, lower-cased and
    // without diacritics (see `text::fold`).
    r#"
    CREATE TABLE contacts (
        id           TEXT PRIMARY KEY,
        number       INTEGER NOT NULL UNIQUE,
        name         TEXT NOT NULL,
        organisation TEXT NOT NULL DEFAULT '',
        function     TEXT NOT NULL DEFAULT '',
        phones       TEXT NOT NULL DEFAULT '',
        email        TEXT NOT NULL DEFAULT '',
        notes        TEXT NOT NULL DEFAULT '',
        groups       TEXT NOT NULL DEFAULT '',
        folded       TEXT NOT NULL DEFAULT '',
        -- Taken off the register: kept (ops cannot delete), shown nowhere.
        removed      INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL,
        created_by   TEXT NOT NULL,
        updated_at   INTEGER NOT NULL,
        hlc          INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    -- An import looks for the same name before adding a contact.
    CREATE INDEX contacts_by_name ON contacts(name);

    CREATE TABLE resources (
        id           TEXT PRIMARY KEY,
        number       INTEGER NOT NULL UNIQUE,
        what         TEXT NOT NULL,
        location     TEXT NOT NULL DEFAULT '',
        quantity     INTEGER NOT NULL DEFAULT 1,
        owner        TEXT NOT NULL DEFAULT '',
        availability TEXT NOT NULL DEFAULT 'tilgjengelig',
        notes        TEXT NOT NULL DEFAULT '',
        folded       TEXT NOT NULL DEFAULT '',
        created_at   INTEGER NOT NULL,
        created_by   TEXT NOT NULL,
        updated_at   INTEGER NOT NULL,
        hlc          INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE alert_lists (
        id             TEXT PRIMARY KEY,
        number         INTEGER NOT NULL UNIQUE,
        name           TEXT NOT NULL UNIQUE,
        scenario       TEXT NOT NULL DEFAULT '',
        escalate_after INTEGER NOT NULL DEFAULT 15,
        created_at     INTEGER NOT NULL,
        created_by     TEXT NOT NULL
    ) STRICT;
    -- In order: the first member of each role is alerted; the next of that role when
    -- the one before has not answered in time, or cannot come.
    CREATE TABLE alert_list_members (
        list_id    TEXT NOT NULL REFERENCES alert_lists(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        role       TEXT NOT NULL,
        contact_id TEXT REFERENCES contacts(id),
        user_name  TEXT,
        PRIMARY KEY (list_id, position),
        CHECK ((contact_id IS NULL) <> (user_name IS NULL))
    ) STRICT;

    -- Alerts and their recipients are replicated (the recipients carry the addresses
    -- they were alerted at, so that the list itself need not be); `sender` is the
    -- replica that sent the alert: only it delivers and escalates.
    CREATE TABLE alerts (
        id             TEXT PRIMARY KEY,
        incident_id    TEXT NOT NULL REFERENCES incidents(id),
        number         INTEGER NOT NULL,
        list           TEXT NOT NULL,
        message        TEXT NOT NULL,
        escalate_after INTEGER NOT NULL,
        sent_at        INTEGER NOT NULL,
        sent_by        TEXT NOT NULL,
        sender         TEXT NOT NULL,
        hlc            INTEGER NOT NULL DEFAULT 0,
        UNIQUE (incident_id, number)
    ) STRICT;
    CREATE TABLE alert_recipients (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        alert_id    TEXT NOT NULL REFERENCES alerts(id),
        position    INTEGER NOT NULL,
        role        TEXT NOT NULL,
        name        TEXT NOT NULL,
        contact_id  TEXT,
        user_name   TEXT,
        phone       TEXT NOT NULL DEFAULT '',
        email       TEXT NOT NULL DEFAULT '',
        alerted_at  INTEGER,
        ack         TEXT CHECK (ack IN ('mottatt', 'kommer', 'kan ikke')),
        ack_at      INTEGER,
        ack_by      TEXT,
        escalated   INTEGER NOT NULL DEFAULT 0,
        -- Whether the messages reached them, as the sending replica knows it:
        -- '' on the way, 'levert' (one arrived), 'ikke levert' (none could).
        reached     TEXT NOT NULL DEFAULT '',
        hlc         INTEGER NOT NULL DEFAULT 0,
        UNIQUE (alert_id, position)
    ) STRICT;
    -- The outbox, kept by the sending replica only: one row per recipient and channel,
    -- 'venter' until delivered or given up.
    CREATE TABLE alert_deliveries (
        id           INTEGER PRIMARY KEY,
        recipient_id TEXT NOT NULL REFERENCES alert_recipients(id),
        channel      TEXT NOT NULL CHECK (channel IN ('app', 'e-post', 'sms')),
        address      TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('venter', 'levert', 'ikke levert')),
        note         TEXT NOT NULL DEFAULT '',
        attempts     INTEGER NOT NULL DEFAULT 0,
        updated_at   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX alert_deliveries_waiting ON alert_deliveries(status) WHERE status = 'venter';
    CREATE INDEX alert_deliveries_by_recipient ON alert_deliveries(recipient_id);
    CREATE INDEX alert_recipients_by_alert ON alert_recipients(alert_id, position);
    CREATE INDEX alert_recipients_by_user ON alert_recipients(user_name) WHERE user_name IS NOT NULL;

    CREATE TABLE cards (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        scenario   TEXT NOT NULL DEFAULT '',
        about      TEXT NOT NULL DEFAULT '',
        source     TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE card_items (
        card_id  TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text     TEXT NOT NULL,
        role     TEXT NOT NULL DEFAULT '',
        assignee TEXT,
        priority TEXT NOT NULL DEFAULT 'normal',
        due_in   INTEGER,
        PRIMARY KEY (card_id, position)
    ) STRICT;
    CREATE TABLE card_activations (
        card_id     TEXT NOT NULL REFERENCES cards(id),
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        at          INTEGER NOT NULL,
        by          TEXT NOT NULL,
        tasks       TEXT NOT NULL
    ) STRICT;

    CREATE TABLE plans (
        id         TEXT PRIMARY KEY,
        number     INTEGER NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        parent_id  TEXT REFERENCES plans(id),
        owner      TEXT NOT NULL DEFAULT '',
        revised_at INTEGER,
        revise_by  INTEGER,
        text       TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
    ) STRICT;
    CREATE TABLE plan_links (
        plan_id TEXT NOT NULL REFERENCES plans(id),
        kind    TEXT NOT NULL CHECK (kind IN ('alert-list', 'resource', 'card')),
        target  TEXT NOT NULL,
        PRIMARY KEY (plan_id, kind, target)
    ) STRICT;

    CREATE TABLE ros_events (
        id              TEXT PRIMARY KEY,
        number          INTEGER NOT NULL UNIQUE,
        title           TEXT NOT NULL,
        description     TEXT NOT NULL DEFAULT '',
        likelihood      INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
        consequence     INTEGER NOT NULL CHECK (consequence BETWEEN 1 AND 5),
        vulnerabilities TEXT NOT NULL DEFAULT '',
        created_at      INTEGER NOT NULL,
        created_by      TEXT NOT NULL,
        updated_at      INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE ros_measures (
        id          TEXT PRIMARY KEY,
        event_id    TEXT NOT NULL REFERENCES ros_events(id),
        number      INTEGER NOT NULL,
        text        TEXT NOT NULL,
        existing    INTEGER NOT NULL DEFAULT 0,
        owner       TEXT,
        due         INTEGER,
        task_id     TEXT REFERENCES tasks(id),
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        UNIQUE (event_id, number)
    ) STRICT;

    CREATE TABLE eps_registrations (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        number      INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('evakuert', 'berørt', 'henvendelse')),
        name        TEXT NOT NULL,
        born        TEXT NOT NULL DEFAULT '',
        phone       TEXT NOT NULL DEFAULT '',
        location    TEXT NOT NULL DEFAULT '',
        about       TEXT NOT NULL DEFAULT '',
        status      TEXT NOT NULL,
        notes       TEXT NOT NULL DEFAULT '',
        handled_by  TEXT,
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        hlc         INTEGER NOT NULL DEFAULT 0,
        UNIQUE (incident_id, number)
    ) STRICT;

    -- On the server: which organisation owns each record that belongs to no incident.
    CREATE TABLE record_orgs (
        entity_id TEXT PRIMARY KEY,
        org_id    TEXT NOT NULL REFERENCES orgs(id)
    ) STRICT;

    -- An exercise's clock starts once; injects are delivered into the log when due.
    CREATE TABLE exercise_clocks (
        incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
        started_at  INTEGER NOT NULL,
        script      TEXT NOT NULL
    ) STRICT;
    CREATE TABLE injects (
        incident_id  TEXT NOT NULL REFERENCES incidents(id),
        position     INTEGER NOT NULL,
        offset_s     INTEGER NOT NULL,
        sender       TEXT NOT NULL DEFAULT '',
        text         TEXT NOT NULL,
        delivered_at INTEGER,
        entry_id     TEXT REFERENCES log_entries(id),
        PRIMARY KEY (incident_id, position)
    ) STRICT;

    CREATE TABLE evaluation_points (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        number      INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('bra', 'forbedre')),
        text        TEXT NOT NULL,
        task_id     TEXT REFERENCES tasks(id),
        plan_id     TEXT REFERENCES plans(id),
        ros_id      TEXT REFERENCES ros_events(id),
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        UNIQUE (incident_id, number)
    ) STRICT;
    "#,
    // 11: records and degraded operation. Log entries of kind 'email' (the table is
    // rebuilt to widen its CHECK); e-mail taken in, by Message-ID per incident, with
    // attachments kept here; reports shared with this installation by others; and on
    // the server, which organisation reports to which, and the reports on their way.
    r#"
    CREATE TABLE log_entries_new (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        seq         INTEGER NOT NULL,
        text        TEXT NOT NULL,
        folded      TEXT NOT NULL,
        author      TEXT NOT NULL,
        device      TEXT NOT NULL,
        reported_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('note', 'decision', 'auto', 'email')),
        tags        TEXT NOT NULL,
        mentions    TEXT NOT NULL,
        significant INTEGER NOT NULL DEFAULT 0,
        corrects    TEXT REFERENCES log_entries(id),
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL,
        hlc         INTEGER NOT NULL DEFAULT 0,
        origin      TEXT NOT NULL DEFAULT '',
        UNIQUE (incident_id, seq)
    ) STRICT;
    INSERT INTO log_entries_new SELECT * FROM log_entries;
    DROP TABLE log_entries;
    ALTER TABLE log_entries_new RENAME TO log_entries;
    CREATE INDEX log_entries_corrects ON log_entries(corrects) WHERE corrects IS NOT NULL;
    CREATE INDEX log_entries_by_clock ON log_entries(incident_id, hlc, id);
    CREATE INDEX log_entries_by_chain ON log_entries(incident_id, origin, hlc);

    CREATE TABLE mail_messages (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        message_id  TEXT NOT NULL,
        entry_id    TEXT NOT NULL REFERENCES log_entries(id),
        imported_at INTEGER NOT NULL,
        PRIMARY KEY (incident_id, message_id)
    ) STRICT;
    CREATE TABLE mail_attachments (
        id       INTEGER PRIMARY KEY,
        entry_id TEXT NOT NULL REFERENCES log_entries(id),
        position INTEGER NOT NULL,
        name     TEXT NOT NULL,
        mime     TEXT NOT NULL,
        size     INTEGER NOT NULL,
        sha256   TEXT NOT NULL,
        data     BLOB NOT NULL,
        UNIQUE (entry_id, position)
    ) STRICT;

    CREATE TABLE shared_reports (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        from_org    TEXT NOT NULL,
        title       TEXT NOT NULL,
        approved_at INTEGER,
        shared_at   INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        body        TEXT NOT NULL
    ) STRICT;
    CREATE INDEX shared_reports_by_incident ON shared_reports(incident_id, from_org, shared_at);
    -- Reports this replica shared through the server, so that the receipt, when it
    -- comes back, is logged in the incident they came from, once.
    CREATE TABLE sent_shares (
        id          TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        number      INTEGER NOT NULL,
        version     INTEGER NOT NULL,
        title       TEXT NOT NULL,
        sent_to     TEXT NOT NULL,
        shared_at   INTEGER NOT NULL,
        received_at INTEGER,
        received_by TEXT
    ) STRICT;

    ALTER TABLE orgs ADD COLUMN parent_id TEXT REFERENCES orgs(id);
    CREATE TABLE server_shares (
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
    CREATE INDEX server_shares_to ON server_shares(to_org, seq);
    CREATE INDEX server_shares_receipts ON server_shares(from_org, receipt_seq) WHERE receipt_seq IS NOT NULL;
    "#,
    // 12: trust. On the server: each replica's id bound to its signing key at sign-in
    // (no other session may speak for it) and the accounts that signed in there;
    // sessions that end. On a client: what waits to be pushed, in clock order, so that
    // what a change builds on always goes first.
    r#"
    CREATE TABLE replicas (
        origin     TEXT PRIMARY KEY,
        key        TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE replica_accounts (
        origin  TEXT NOT NULL REFERENCES replicas(origin),
        account TEXT NOT NULL REFERENCES accounts(name),
        PRIMARY KEY (origin, account)
    ) STRICT;
    ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
    -- Sessions opened before tokens ended end 30 days from now.
    UPDATE tokens SET expires_at = (CAST(strftime('%s', 'now') AS INTEGER) + 30 * 86400) * 1000;
    CREATE INDEX oplog_to_push ON oplog(hlc, op_id) WHERE state = 0;

    -- Signed chain heads (checkpoints), on clients and the server alike: a replica's
    -- word that its first `count` entries in an incident end in `entry`, and the
    -- server's countersignature with the organisation it knows the incident by.
    CREATE TABLE checkpoints (
        incident_id TEXT NOT NULL,
        origin      TEXT NOT NULL,
        count       INTEGER NOT NULL,
        entry_id    TEXT NOT NULL,
        head        TEXT NOT NULL,
        at          INTEGER NOT NULL,
        key         TEXT NOT NULL,
        sig         TEXT NOT NULL,
        org         TEXT NOT NULL DEFAULT '',
        server_sig  TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (incident_id, origin, count)
    ) STRICT;
    CREATE INDEX checkpoints_by_entry ON checkpoints(entry_id);
    "#,
    // 13: the sync server's own tables leave the replica's schema: they live with the
    // server store now (`server::sqlite::schema`). A client's, always empty, are
    // dropped (in Rust below, since SQL cannot drop a table only when it is empty); a
    // server file keeps its own.
    r#"
    -- see drop_empty_server_tables
    "#,
    // 14: a meeting started or planned by mistake can be voided (retracted with the
    // entry that made it): the status's CHECK widened, so the table is rebuilt.
    r#"
    CREATE TABLE meetings_new (
        id             TEXT PRIMARY KEY,
        incident_id    TEXT NOT NULL REFERENCES incidents(id),
        number         INTEGER NOT NULL,
        title          TEXT NOT NULL,
        starts_at      INTEGER NOT NULL,
        participants   TEXT NOT NULL,
        agenda         TEXT NOT NULL,
        status         TEXT NOT NULL CHECK (status IN ('planlagt', 'pågår', 'avsluttet', 'feilført')),
        current_item   INTEGER,
        minutes_report INTEGER,
        created_at     INTEGER NOT NULL,
        created_by     TEXT NOT NULL,
        updated_at     INTEGER NOT NULL,
        hlc            INTEGER NOT NULL DEFAULT 0,
        UNIQUE (incident_id, number)
    ) STRICT;
    INSERT INTO meetings_new SELECT * FROM meetings;
    DROP TABLE meetings;
    ALTER TABLE meetings_new RENAME TO meetings;
    "#,
    // 15: information boards, their notices and key figures. Records of the
    // organisation (a board names its incident, if it has one); who may see and write
    // on a board are JSON lists of role codes, empty for everyone.
    r#"
    CREATE TABLE boards (
        id         TEXT PRIMARY KEY,
        incident   TEXT REFERENCES incidents(id),
        title      TEXT NOT NULL,
        readers    TEXT NOT NULL DEFAULT '[]',
        writers    TEXT NOT NULL DEFAULT '[]',
        archived   INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        hlc        INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE TABLE notices (
        id          TEXT PRIMARY KEY,
        board_id    TEXT NOT NULL REFERENCES boards(id),
        number      INTEGER NOT NULL,
        title       TEXT NOT NULL,
        text        TEXT NOT NULL DEFAULT '',
        priority    TEXT NOT NULL DEFAULT 'normal',
        valid_until INTEGER,
        entry_id    TEXT,
        status      TEXT NOT NULL DEFAULT 'oppe',
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        hlc         INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE UNIQUE INDEX notices_by_number ON notices(board_id, number);
    CREATE INDEX notices_by_entry ON notices(entry_id) WHERE entry_id IS NOT NULL;
    CREATE TABLE key_figures (
        id         TEXT PRIMARY KEY,
        board_id   TEXT NOT NULL REFERENCES boards(id),
        name       TEXT NOT NULL,
        value      INTEGER NOT NULL DEFAULT 0,
        unit       TEXT NOT NULL DEFAULT '',
        removed    INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        hlc        INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX key_figures_by_board ON key_figures(board_id);
    "#,
    // 16: the newest decisions of an incident, read by the wall display and the
    // situation at a glance without scanning the log.
    r#"
    CREATE INDEX log_entries_by_kind ON log_entries(incident_id, kind, seq);
    "#,
    // 17: the message journal: the numbers the sync server gave its items, and the
    // entries that may be items (e-mails, and entries marked `< ` or `> `), found
    // without reading the whole log.
    r#"
    CREATE TABLE journal_numbers (
        record_id TEXT PRIMARY KEY,
        number    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX log_entries_journal ON log_entries(incident_id, seq)
        WHERE kind = 'email' OR substr(text, 1, 2) IN ('< ', '> ') OR (' ' || tags || ' ') LIKE '% deling %';
    "#,
    // 18: what the situation at a glance reads on every change, without sorting every
    // task: the open tasks by deadline, and those no one has been given by urgency.
    r#"
    CREATE INDEX tasks_open_by_due ON tasks(incident_id, due) WHERE status IN ('ny', 'pågår');
    CREATE INDEX tasks_unassigned ON tasks(
        incident_id,
        (CASE priority WHEN 'kritisk' THEN 0 WHEN 'høy' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END),
        (coalesce(due, 9223372036854775807)),
        number
    ) WHERE status IN ('ny', 'pågår') AND (assignee IS NULL OR assignee = '');
    CREATE INDEX notices_up ON notices(
        board_id,
        (CASE priority WHEN 'kritisk' THEN 0 WHEN 'høy' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END),
        created_at DESC,
        number DESC
    ) WHERE status = 'oppe';
    "#,
    // 19: messages and their read receipts (records of the organisation, sent to
    // their audience only), and the organisation's roster as the sync server last
    // gave it (who holds which role: whom a message to a role reaches), with the other
    // organisations one may write to.
    r#"
    CREATE TABLE messages (
        id         TEXT PRIMARY KEY,
        incident   TEXT,
        thread_id  TEXT NOT NULL,
        reply_to   TEXT,
        from_org   TEXT NOT NULL DEFAULT '',
        to_users   TEXT NOT NULL DEFAULT '[]',
        to_roles   TEXT NOT NULL DEFAULT '[]',
        to_orgs    TEXT NOT NULL DEFAULT '[]',
        text       TEXT NOT NULL,
        urgent     INTEGER NOT NULL DEFAULT 0,
        copy       TEXT,
        entry_id   TEXT,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        hlc        INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX messages_by_time ON messages(created_at);
    CREATE INDEX messages_by_thread ON messages(thread_id);
    -- Urgent ones are asked for on every change the screen sees (unread urgent).
    CREATE INDEX messages_urgent ON messages(created_at) WHERE urgent = 1;
    CREATE TABLE message_reads (
        id         TEXT PRIMARY KEY,
        message_id TEXT NOT NULL,
        org        TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        hlc        INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX message_reads_by_message ON message_reads(message_id, created_by);
    CREATE TABLE roster (
        kind  TEXT NOT NULL CHECK (kind IN ('user', 'org')),
        name  TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (kind, name)
    ) STRICT;
    "#,
    // 20: a contact may be a sitroom user (their account name): a copy of a message to
    // that user goes to the contact's phone or e-mail. The copies wait in an outbox
    // kept by the sending replica only, as alert deliveries do.
    r#"
    ALTER TABLE contacts ADD COLUMN account TEXT NOT NULL DEFAULT '';
    CREATE INDEX contacts_by_account ON contacts(account) WHERE account <> '';
    CREATE TABLE message_deliveries (
        id         INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL REFERENCES messages(id),
        person     TEXT NOT NULL,
        channel    TEXT NOT NULL CHECK (channel IN ('e-post', 'sms')),
        address    TEXT NOT NULL DEFAULT '',
        status     TEXT NOT NULL CHECK (status IN ('venter', 'levert', 'ikke levert')),
        note       TEXT NOT NULL DEFAULT '',
        attempts   INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX message_deliveries_waiting ON message_deliveries(status) WHERE status = 'venter';
    CREATE INDEX message_deliveries_by_message ON message_deliveries(message_id);
    "#,
];

/// The server's tables, children before the tables they reference.
const SERVER_TABLES: &[&str] = &[
    "tokens",
    "replica_accounts",
    "replicas",
    "accounts",
    "incident_orgs",
    "record_orgs",
    "server_shares",
    "orgs",
];

/// Step 13: drop each of the server's tables that holds nothing.
fn drop_empty_server_tables(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    for table in SERVER_TABLES {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )?;
        if !exists {
            continue;
        }
        let empty: bool =
            tx.query_row(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"), [], |r| r.get(0))?;
        if empty {
            tx.execute_batch(&format!("DROP TABLE {table}"))?;
        }
    }
    Ok(())
}

pub fn latest() -> i64 {
    STEPS.len() as i64
}

pub fn run(conn: &mut Connection, _path: &Path) -> Result<(), StoreError> {
    run_to(conn, STEPS.len())
}

/// Bring the schema to version `target` (tests use it to make an older database).
pub(crate) fn run_to(conn: &mut Connection, target: usize) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current as usize >= target {
        return Ok(());
    }
    // A step may rebuild a table (SQLite cannot change a CHECK in place); foreign keys
    // are off meanwhile and checked before each step commits.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = run_steps(conn, current as usize, target);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    result
}

fn run_steps(conn: &mut Connection, from: usize, to: usize) -> Result<(), StoreError> {
    for (i, sql) in STEPS.iter().enumerate().take(to).skip(from) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process opening the same new file may have taken this step while
        // this one waited for the lock: look again, holding it.
        let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now as usize > i {
            continue;
        }
        tx.execute_batch(sql)?;
        if i == 0 {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            let device = uuid::Uuid::now_v7().simple().to_string();
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
                [&device[device.len() - 12..]],
            )?;
        }
        if i == 6 {
            super::replica::snapshot(&tx)?;
        }
        if i == 12 {
            drop_empty_server_tables(&tx)?;
        }
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if broken > 0 {
            return Err(StoreError::refused(format!(
                "schema step {} would leave {broken} broken references; the database was not changed",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

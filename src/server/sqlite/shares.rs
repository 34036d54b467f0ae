//! Reports shared upward: the reporting line between organisations (which reports to
//! which, never in a loop), the reports in transit and the receipts for their senders.

use super::file::ServerFile;
use crate::domain::share::{ShareReceiptRecord, SharedReport};
use crate::domain::time::to_millis;
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

impl ServerFile {
    /// `org` reports to `parent` (None: to no one).
    pub fn set_org_parent(&mut self, org: &str, parent: Option<&str>) -> Result<()> {
        let id_of = |name: &str| -> Result<String> {
            self.conn()
                .query_row("SELECT id FROM orgs WHERE name = ?1", [name], |r| r.get(0))
                .optional()?
                .ok_or_else(|| {
                    StoreError::not_found(
                        format!("det finnes ingen organisasjon som heter «{name}»"),
                        format!("there is no organisation named '{name}'"),
                    )
                })
        };
        let child = id_of(org)?;
        let parent = parent.map(id_of).transpose()?;
        if parent.as_deref() == Some(child.as_str()) {
            return Err(StoreError::conflict(
                "en organisasjon kan ikke rapportere til seg selv",
                "an organisation cannot report to itself",
            ));
        }
        // Up the line from the new parent: meeting the child would make a loop (A
        // reports to B, B to A), and a report shared upward would circle for ever.
        let mut up = parent.clone();
        let mut steps = 0;
        while let Some(p) = up {
            if p == child {
                let to: String = self.conn().query_row(
                    "SELECT name FROM orgs WHERE id = ?1",
                    [parent.as_deref().unwrap_or_default()],
                    |r| r.get(0),
                )?;
                return Err(StoreError::conflict(
                    format!(
                        "«{to}» rapporterer allerede, gjennom andre, til «{org}»: det ville gi en sløyfe"
                    ),
                    format!("'{to}' already reports, through others, to '{org}': that would make a loop"),
                ));
            }
            steps += 1;
            if steps > 1000 {
                break;
            }
            up = self.conn().query_row("SELECT parent_id FROM orgs WHERE id = ?1", [&p], |r| r.get(0))?;
        }
        self.conn().execute("UPDATE orgs SET parent_id = ?1 WHERE id = ?2", params![parent, child])?;
        Ok(())
    }

    /// Organisations with the one each reports to.
    pub fn org_parents(&self) -> Result<Vec<(String, Option<String>)>> {
        let mut stmt = self.conn().prepare(
            "SELECT o.name, p.name FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id ORDER BY o.name",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Store a report shared upward by `from_org` (an id): it goes to the organisation
    /// `from_org` reports to, whose name is returned. Sharing the same package twice
    /// stores it once.
    pub fn store_share(
        &mut self,
        from_org: &str,
        shared_by: &str,
        report: &SharedReport,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let parent: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT p.id, p.name FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.id = ?1",
                [from_org],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((to, to_name)) = parent else {
            return Err(StoreError::conflict(
                "organisasjonen deres rapporterer ikke til noen på denne tjeneren; tjenerens administrator setter det med `sitroom admin org parent`",
                "your organisation reports to no one on this server; the server's administrator sets it with `sitroom admin org parent`",
            ));
        };
        self.conn().execute(
            "INSERT INTO server_shares (id, from_org, to_org, shared_by, shared_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO NOTHING",
            params![report.id.to_string(), from_org, to, shared_by, to_millis(now), serde_json::to_string(report).expect("plain data")],
        )?;
        Ok(to_name)
    }

    /// Reports shared with `org` (an id) after `after`, oldest first: (seq, report).
    pub fn shares_for(&self, org: &str, after: i64, limit: usize) -> Result<Vec<(i64, SharedReport)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, body FROM server_shares WHERE to_org = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![org, after, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            if let Ok(r) = serde_json::from_str(&body) {
                out.push((seq, r));
            }
        }
        Ok(out)
    }
}

impl ServerFile {
    /// The receiving organisation `org` (an id) has stored these shared reports:
    /// receipts for their senders, numbered in order. Sharings already receipted, or
    /// not meant for `org`, are left alone. How many were new.
    pub fn acknowledge_shares(
        &mut self,
        org: &str,
        by: &str,
        ids: &[uuid::Uuid],
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        for id in ids {
            n += tx.execute(
                "UPDATE server_shares SET received_at = ?1, received_by = ?2,
                     receipt_seq = (SELECT coalesce(max(receipt_seq), 0) + 1 FROM server_shares)
                 WHERE id = ?3 AND to_org = ?4 AND received_at IS NULL",
                params![to_millis(now), by, id.to_string(), org],
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Receipts for what `org` (an id) shared, after `after`, oldest first.
    pub fn receipts_for(&self, org: &str, after: i64, limit: usize) -> Result<Vec<ShareReceiptRecord>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT receipt_seq, id, received_by, received_at FROM server_shares
             WHERE from_org = ?1 AND receipt_seq > ?2 ORDER BY receipt_seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![org, after, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, by, at) = row?;
            if let Ok(id) = uuid::Uuid::parse_str(&id) {
                out.push(ShareReceiptRecord { seq, id, by, at: crate::domain::time::from_millis(at) });
            }
        }
        Ok(out)
    }
}

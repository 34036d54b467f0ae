//! Drafts (the unsent entry line) and small per-user state such as the active incident.

use super::{Result, Store};
use crate::domain::time::{from_millis, to_millis};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    /// The first keystroke: when the thing was said.
    pub started_at: DateTime<Utc>,
    /// Set while the draft is a correction of that entry.
    pub corrects: Option<Uuid>,
}

impl Store {
    /// Save (or with empty text, remove) the user's draft for an incident. Not in the
    /// oplog: a draft is local until it is committed.
    pub fn save_draft(&self, user: &str, incident_id: Uuid, draft: Option<&Draft>) -> Result<()> {
        match draft.filter(|d| !d.text.is_empty()) {
            Some(d) => {
                self.conn
                    .prepare_cached(
                        "INSERT INTO drafts (user, incident_id, text, started_at, corrects, saved_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (user, incident_id) DO UPDATE SET text = ?3,
                             started_at = ?4, corrects = ?5, saved_at = ?6",
                    )?
                    .execute(params![
                        user,
                        incident_id.to_string(),
                        d.text,
                        to_millis(d.started_at),
                        d.corrects.map(|c| c.to_string()),
                        to_millis(Utc::now()),
                    ])?;
            }
            None => {
                self.conn
                    .prepare_cached("DELETE FROM drafts WHERE user = ?1 AND incident_id = ?2")?
                    .execute(params![user, incident_id.to_string()])?;
            }
        }
        Ok(())
    }

    /// The drafts of `from` become `to`'s (the same person, signed in as an account):
    /// where `to` has a draft of the incident already, both are kept.
    pub fn move_drafts(&self, from: &str, to: &str) -> Result<()> {
        self.conn.execute("UPDATE OR IGNORE drafts SET user = ?2 WHERE user = ?1", params![from, to])?;
        Ok(())
    }

    pub fn load_draft(&self, user: &str, incident_id: Uuid) -> Result<Option<Draft>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT text, started_at, corrects FROM drafts WHERE user = ?1 AND incident_id = ?2",
            )?
            .query_row(params![user, incident_id.to_string()], |r| {
                Ok(Draft {
                    text: r.get(0)?,
                    started_at: from_millis(r.get(1)?),
                    corrects: r.get::<_, Option<String>>(2)?.and_then(|s| Uuid::parse_str(&s).ok()),
                })
            })
            .optional()?)
    }

    pub fn user_state(&self, user: &str, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM user_state WHERE user = ?1 AND key = ?2")?
            .query_row(params![user, key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_user_state(&self, user: &str, key: &str, value: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO user_state (user, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user, key) DO UPDATE SET value = ?3",
            )?
            .execute(params![user, key, value])?;
        Ok(())
    }
}

//! Users and their roles in the store.

use super::oplog::{self, LocalOp};
use super::{Result, Store, StoreError};
use crate::domain::roles::Role;
use crate::domain::time::to_millis;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
}

fn roles_from(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r).ok()).collect()
}

fn roles_to(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

impl Store {
    pub fn user_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name, roles, disabled FROM users WHERE name = ?1")?
            .query_row([name], |r| {
                Ok(User { name: r.get(0)?, roles: roles_from(&r.get::<_, String>(1)?), disabled: r.get(2)? })
            })
            .optional()?)
    }

    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self.conn.prepare_cached("SELECT name, roles, disabled FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(User { name: r.get(0)?, roles: roles_from(&r.get::<_, String>(1)?), disabled: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Add a user, or with `replace` set the roles of an existing one.
    pub fn put_user(
        &mut self,
        name: &str,
        roles: &[Role],
        replace: bool,
        by: &str,
        device: &str,
        now: DateTime<Utc>,
    ) -> Result<User> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: Option<i64> =
            tx.query_row("SELECT 1 FROM users WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        match (exists.is_some(), replace) {
            (true, false) => {
                return Err(StoreError::conflict(
                    format!(
                        "brukeren «{name}» finnes allerede; endre roller med `sitroom user roles {name} …`"
                    ),
                    format!("user '{name}' exists already; change roles with `sitroom user roles {name} …`"),
                ))
            }
            (false, true) => {
                return Err(StoreError::not_found(
                    format!(
                    "det finnes ingen bruker «{name}»; legg til en med `sitroom user add {name} --role …`"
                ),
                    format!("there is no user '{name}'; add one with `sitroom user add {name} --role …`"),
                ))
            }
            _ => {}
        }
        tx.execute(
            "INSERT INTO users (name, roles, disabled, created_at, created_by) VALUES (?1, ?2, 0, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET roles = ?2",
            params![name, roles_to(roles), to_millis(now), by],
        )?;
        let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes());
        let payload = serde_json::json!({ "name": name, "roles": roles });
        let op = LocalOp {
            author: by,
            device,
            entity: "user",
            entity_id: id,
            action: if replace { "set" } else { "create" },
            payload,
        };
        oplog::append_local(&tx, op, to_millis(now))?;
        tx.commit()?;
        Ok(User { name: name.to_string(), roles: roles.to_vec(), disabled: false })
    }
}

//! Contingency plans and their links to alert lists, resources and action cards.

use super::columns::read_row;
use super::numbered;
use super::oplog::note;
use super::replica::Who;
use super::{Result, Store, StoreError};
use crate::domain::plan::{LinkKind, Plan, PlanLink};
use crate::domain::time::to_millis;
use chrono::{DateTime, Utc};
use rusqlite::{params, TransactionBehavior};
use uuid::Uuid;

/// A plan as written.
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    pub title: String,
    pub parent: Option<i64>,
    pub owner: String,
    pub revised_at: Option<DateTime<Utc>>,
    pub revise_by: Option<DateTime<Utc>>,
    pub text: String,
}

/// The error for a missing plan.
pub(super) fn no_plan(number: i64) -> StoreError {
    StoreError::not_found(format!("det finnes ingen plan {number}"), format!("there is no plan {number}"))
}

impl Store {
    fn plan_id(&self, number: i64) -> Result<String> {
        numbered::id_in_register(&self.conn, "plans", number, || no_plan(number))
    }

    pub fn create_plan(&mut self, new: &NewPlan, who: Who<'_>, now: DateTime<Utc>) -> Result<Plan> {
        let parent = new.parent.map(|p| self.plan_id(p)).transpose()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number = numbered::next_in_register(&tx, "plans")?;
        let id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO plans (id, number, title, parent_id, owner, revised_at, revise_by, text, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id.to_string(),
                number,
                new.title,
                parent,
                new.owner,
                new.revised_at.map(to_millis),
                new.revise_by.map(to_millis),
                new.text,
                to_millis(now),
                who.author
            ],
        )?;
        note(&tx, who, "plan", id, "create", now)?;
        tx.commit()?;
        self.plan(number)
    }

    /// Record a revision: when it was revised and when it must be next.
    pub fn revise_plan(
        &mut self,
        number: i64,
        revised_at: DateTime<Utc>,
        revise_by: Option<DateTime<Utc>>,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<Plan> {
        let id = self.plan_id(number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE plans SET revised_at = ?2, revise_by = coalesce(?3, revise_by) WHERE id = ?1",
            params![id, to_millis(revised_at), revise_by.map(to_millis)],
        )?;
        note(&tx, who, "plan", super::columns::id(&id), "set", now)?;
        tx.commit()?;
        self.plan(number)
    }

    /// Link a plan to an alert list, a resource or a card (the caller has checked it exists).
    pub fn link_plan(
        &mut self,
        number: i64,
        link: &PlanLink,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<Plan> {
        let id = self.plan_id(number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR IGNORE INTO plan_links (plan_id, kind, target) VALUES (?1, ?2, ?3)",
            params![id, link.kind.name(), link.target],
        )?;
        note(&tx, who, "plan", super::columns::id(&id), "link", now)?;
        tx.commit()?;
        self.plan(number)
    }

    pub fn plan(&self, number: i64) -> Result<Plan> {
        self.plans()?.into_iter().find(|p| p.number == number).ok_or_else(|| {
            StoreError::not_found(
                format!("det finnes ingen plan {number}"),
                format!("there is no plan {number}"),
            )
        })
    }

    pub fn plans(&self) -> Result<Vec<Plan>> {
        let mut links: std::collections::HashMap<String, Vec<PlanLink>> = Default::default();
        let mut stmt =
            self.conn.prepare_cached("SELECT plan_id, kind, target FROM plan_links ORDER BY kind, target")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (plan, kind, target) = row?;
            if let Ok(kind) = LinkKind::parse(&kind) {
                links.entry(plan).or_default().push(PlanLink { kind, target });
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.number, p.title, parent.number, p.owner, p.revised_at, p.revise_by, p.text
             FROM plans p LEFT JOIN plans parent ON parent.id = p.parent_id ORDER BY p.number",
        )?;
        let rows = stmt.query_map([], |r| {
            let links = links.remove(&r.get::<_, String>(0)?).unwrap_or_default();
            Ok(read_row!(r => Plan {
                id: uuid, number: get, title: get, parent: get, owner: get, revised_at: maybe_time,
                revise_by: maybe_time, text: get; links
            }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

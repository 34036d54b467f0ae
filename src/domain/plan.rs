//! Contingency plans (beredskapsplaner): an overall plan with sub-plans (kriseledelse,
//! evakuering, informasjon til befolkningen …), each with an owner and a date by which
//! it must be revised, linked to the alert lists, resources and action cards it relies
//! on.

use super::codes::codes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    /// What a plan links to.
    pub enum LinkKind: "lenke" / "link", "links" {
        AlertList = "alert-list" | "alert" | "varslingsliste" | "liste",
        Resource = "resource" | "ressurs",
        Card = "card" | "tiltakskort" | "kort",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLink {
    pub kind: LinkKind,
    /// The list's or card's name, the resource's number.
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    /// The number of the plan this is a sub-plan of.
    pub parent: Option<i64>,
    pub owner: String,
    #[serde(with = "super::time::serde_ms_opt")]
    pub revised_at: Option<DateTime<Utc>>,
    #[serde(with = "super::time::serde_ms_opt")]
    pub revise_by: Option<DateTime<Utc>>,
    pub text: String,
    pub links: Vec<PlanLink>,
}

impl Plan {
    /// Past the date it should have been revised by.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.revise_by.is_some_and(|d| d < now)
    }
}

/// Plans in tree order: each top-level plan followed by its sub-plans (depth first),
/// with the depth of each.
pub fn tree(plans: &[Plan]) -> Vec<(usize, &Plan)> {
    fn walk<'a>(plans: &'a [Plan], parent: Option<i64>, depth: usize, out: &mut Vec<(usize, &'a Plan)>) {
        for p in plans.iter().filter(|p| p.parent == parent) {
            out.push((depth, p));
            if depth < 16 {
                walk(plans, Some(p.number), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(plans, None, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(number: i64, parent: Option<i64>) -> Plan {
        Plan {
            id: Uuid::nil(),
            number,
            title: format!("p{number}"),
            parent,
            owner: String::new(),
            revised_at: None,
            revise_by: None,
            text: String::new(),
            links: vec![],
        }
    }

    #[test]
    fn plans_come_in_tree_order_and_overdue_ones_are_told() {
        let plans = [plan(1, None), plan(2, Some(1)), plan(3, None), plan(4, Some(2))];
        let order: Vec<(usize, i64)> = tree(&plans).iter().map(|(d, p)| (*d, p.number)).collect();
        assert_eq!(order, [(0, 1), (1, 2), (2, 4), (0, 3)]);
        let now = Utc::now();
        let mut p = plan(5, None);
        assert!(!p.overdue(now));
        p.revise_by = Some(now - chrono::Duration::days(1));
        assert!(p.overdue(now));
    }
}

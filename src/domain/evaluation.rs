//! Evaluation (evaluering) after an incident or exercise: what went well and what to
//! improve. Each improvement can become a task, and can point back to the plan or the
//! ROS event it concerns, so that learning reaches the preparedness work.

use super::codes::codes;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    pub enum PointKind: "type" / "kind", "kinds" {
        WentWell = "bra" | "good" | "went well" | "well",
        Improve = "forbedre" | "improve" | "forbedring",
    }
}

/// A point to add: what kind, what was learnt, and the plan and ROS event (by number)
/// it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoint {
    pub kind: PointKind,
    pub text: String,
    pub plan: Option<i64>,
    pub ros: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub id: Uuid,
    pub number: i64,
    pub kind: PointKind,
    pub text: String,
    /// The task that follows it up (its number in the incident).
    pub task: Option<i64>,
    pub plan: Option<i64>,
    pub ros: Option<i64>,
    pub created_by: String,
}

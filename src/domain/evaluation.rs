//! Evaluation (evaluering) after an incident or exercise: what went well and what to
//! improve. Each improvement can become a task, and can point back to the plan or the
//! ROS event it concerns, so that learning reaches the preparedness work.

use super::Invalid;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointKind {
    #[serde(rename = "bra")]
    WentWell,
    #[serde(rename = "forbedre")]
    Improve,
}

impl PointKind {
    pub fn name(self) -> &'static str {
        match self {
            PointKind::WentWell => "bra",
            PointKind::Improve => "forbedre",
        }
    }

    pub fn parse(s: &str) -> Result<PointKind, Invalid> {
        match crate::text::fold(s.trim()).as_str() {
            "bra" | "good" | "went-well" | "well" => Ok(PointKind::WentWell),
            "forbedre" | "improve" | "forbedring" => Ok(PointKind::Improve),
            _ => Err(Invalid(format!("unknown kind '{}'; say bra or forbedre", s.trim()))),
        }
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

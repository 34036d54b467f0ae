//! Tasks and measures (oppgaver og tiltak): who does what by when, and how far it has
//! come. The status moves through a small state machine; every move is logged.

use super::codes::codes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    #[derive(PartialOrd, Ord)]
    pub enum TaskStatus: "oppgavestatus" / "task status", "statuses" {
        New = "ny" | "new",
        InProgress = "pågår" | "in progress" | "started",
        Done = "utført" | "done",
        Cancelled = "avbrutt" | "cancelled" | "canceled",
    }
}

pub const STATUSES: [TaskStatus; 4] =
    [TaskStatus::New, TaskStatus::InProgress, TaskStatus::Done, TaskStatus::Cancelled];

impl TaskStatus {
    /// May a task go from this status to `to`? Finished tasks can be taken up again
    /// (utført → pågår, avbrutt → ny), but not turned into the other kind of finished.
    pub fn can_become(self, to: TaskStatus) -> bool {
        use TaskStatus::*;
        matches!(
            (self, to),
            (New, InProgress | Done | Cancelled)
                | (InProgress, New | Done | Cancelled)
                | (Done, InProgress)
                | (Cancelled, New)
        )
    }

    pub fn is_open(self) -> bool {
        matches!(self, TaskStatus::New | TaskStatus::InProgress)
    }
}

codes! {
    #[derive(PartialOrd, Ord, Default)]
    pub enum Priority: "prioritet" / "priority", "priorities" {
        Lav = "lav" | "low" | "1",
        #[default]
        Normal = "normal" | "2",
        Høy = "høy" | "high" | "3",
        Kritisk = "kritisk" | "critical" | "4",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: Uuid,
    /// The incident's number.
    pub incident: i64,
    /// 1, 2, 3… within the incident: "oppgave 3".
    pub number: i64,
    pub title: String,
    pub description: String,
    /// A user name or a free-text contact ("Glitre vakt 900 12 345").
    pub assignee: Option<String>,
    pub priority: Priority,
    #[serde(with = "super::time::serde_ms_opt")]
    pub due: Option<DateTime<Utc>>,
    pub status: TaskStatus,
    /// The log entries (by id) the task came from.
    pub from_entries: Vec<Uuid>,
    #[serde(with = "super::time::serde_ms")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// Open and past its due time.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && self.due.is_some_and(|d| d < now)
    }
}

/// What a user gives to create a task.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub assignee: Option<String>,
    pub priority: Priority,
    pub due: Option<DateTime<Utc>>,
    pub from_entries: Vec<Uuid>,
}

impl NewTask {
    pub fn validated(mut self) -> Result<NewTask, super::Invalid> {
        let say = |nb: &str, en: &str| super::Invalid::new(nb, en);
        self.title = crate::text::nfc(self.title.trim());
        if self.title.is_empty() {
            return Err(say("en oppgave må ha en tittel", "a task needs a title"));
        }
        if self.title.chars().count() > 300 || self.title.chars().any(char::is_control) {
            return Err(say(
                "en oppgavetittel er én linje på høyst 300 tegn",
                "a task title is one line of at most 300 characters",
            ));
        }
        self.description = crate::text::nfc(self.description.trim());
        self.assignee = self.assignee.map(|a| crate::text::nfc(a.trim())).filter(|a| !a.is_empty());
        if self.assignee.as_ref().is_some_and(|a| a.chars().any(char::is_control)) {
            return Err(say("ansvarlig må være vanlig tekst", "the assignee must be plain text"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;

    #[test]
    fn the_state_machine_allows_work_and_reopening() {
        for to in [InProgress, Done, Cancelled] {
            assert!(New.can_become(to));
        }
        assert!(InProgress.can_become(Done));
        assert!(InProgress.can_become(New), "put back");
        assert!(Done.can_become(InProgress), "reopened");
        assert!(Cancelled.can_become(New), "taken up again");
    }

    #[test]
    fn the_state_machine_refuses_nonsense() {
        for s in STATUSES {
            assert!(!s.can_become(s), "{s:?} to itself");
        }
        assert!(!Done.can_become(Cancelled));
        assert!(!Cancelled.can_become(Done));
        assert!(!Done.can_become(New));
        assert!(!Cancelled.can_become(InProgress));
    }

    #[test]
    fn names_parse_with_and_without_norwegian_letters() {
        assert_eq!(TaskStatus::parse("pågår").unwrap(), InProgress);
        assert_eq!(TaskStatus::parse("utfort").unwrap(), Done);
        assert_eq!(TaskStatus::parse("done").unwrap(), Done);
        assert!(TaskStatus::parse("ferdig").is_err());
        assert_eq!(Priority::parse("høy").unwrap(), Priority::Høy);
        assert_eq!(Priority::parse("hoy").unwrap(), Priority::Høy);
        assert_eq!(serde_json::to_string(&InProgress).unwrap(), "\"pågår\"");
        assert_eq!(serde_json::to_string(&Priority::Høy).unwrap(), "\"høy\"");
    }

    #[test]
    fn overdue_only_while_open() {
        let now = Utc::now();
        let mut t = Task {
            id: Uuid::now_v7(),
            incident: 1,
            number: 1,
            title: "Ring BST-brukere".into(),
            description: String::new(),
            assignee: None,
            priority: Priority::Høy,
            due: Some(now - chrono::Duration::minutes(5)),
            status: New,
            from_entries: vec![],
            created_at: now,
            created_by: "kari".into(),
            updated_at: now,
        };
        assert!(t.is_overdue(now));
        t.status = Done;
        assert!(!t.is_overdue(now));
    }

    #[test]
    fn a_task_needs_a_title() {
        assert!(NewTask { title: "  ".into(), ..NewTask::default() }.validated().is_err());
        let t = NewTask {
            title: " Bestille drivstoff ".into(),
            assignee: Some(" ".into()),
            ..NewTask::default()
        };
        let t = t.validated().unwrap();
        assert_eq!(t.title, "Bestille drivstoff");
        assert_eq!(t.assignee, None);
    }
}

//! Meetings (møter) in an incident: a time, who is there, an agenda. While a meeting
//! runs, the log records per agenda item (every entry is tagged with the meeting and
//! the item); when it ends, the minutes (referat) are drafted as a report.

use super::codes::codes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    pub enum MeetingStatus: "møtestatus" / "meeting status", "statuses" {
        Planned = "planlagt" | "planned",
        Ongoing = "pågår" | "ongoing",
        Ended = "avsluttet" | "ended",
        /// Planned or started by mistake, and taken back with the entry that did it.
        Void = "feilført" | "void",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: Uuid,
    pub incident: i64,
    pub number: i64,
    pub title: String,
    #[serde(with = "super::time::serde_ms")]
    pub starts_at: DateTime<Utc>,
    pub participants: Vec<String>,
    pub agenda: Vec<String>,
    pub status: MeetingStatus,
    /// The agenda item being discussed, 1-based, while the meeting runs.
    pub current_item: Option<i64>,
    /// The report number of the minutes, once drafted.
    pub minutes_report: Option<i64>,
    pub created_by: String,
}

impl Meeting {
    /// The tag every entry made during the meeting carries: `møte2`.
    pub fn tag(&self) -> String {
        format!("møte{}", self.number)
    }

    /// The tag of entries made under agenda item `k`: `møte2-sak3`.
    pub fn item_tag(&self, k: i64) -> String {
        format!("møte{}-sak{k}", self.number)
    }

    /// The tags an entry made now gets.
    pub fn entry_tags(&self) -> Vec<String> {
        let mut tags = vec![self.tag()];
        tags.extend(self.current_item.map(|k| self.item_tag(k)));
        tags
    }

    /// "sak 2/5: Evakuering av Gokstad"
    pub fn item_label(&self) -> Option<String> {
        let k = self.current_item?;
        let title = self.agenda.get(usize::try_from(k - 1).ok()?)?;
        Some(format!("sak {k}/{}: {title}", self.agenda.len()))
    }
}

/// What a user gives for a new meeting.
#[derive(Debug, Clone, Default)]
pub struct NewMeeting {
    pub title: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub participants: Vec<String>,
    pub agenda: Vec<String>,
}

impl NewMeeting {
    pub fn validated(mut self) -> Result<NewMeeting, super::Invalid> {
        let say = |nb: &str, en: &str| super::Invalid::new(nb, en);
        let one_line = |s: &str| crate::text::nfc(s.trim());
        self.title = one_line(&self.title);
        if self.title.is_empty() || self.title.chars().any(char::is_control) {
            return Err(say("et møte må ha en tittel på én linje", "a meeting needs a title on one line"));
        }
        self.participants = self.participants.iter().map(|p| one_line(p)).filter(|p| !p.is_empty()).collect();
        self.agenda = self.agenda.iter().map(|a| one_line(a)).filter(|a| !a.is_empty()).collect();
        if self.participants.iter().chain(&self.agenda).any(|s| s.chars().any(char::is_control)) {
            return Err(say(
                "deltakere og saker er én linje hver",
                "participants and agenda items are one line each",
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_labels_follow_the_agenda() {
        let mut m = Meeting {
            id: Uuid::now_v7(),
            incident: 1,
            number: 2,
            title: "Stabsmøte 2".into(),
            starts_at: Utc::now(),
            participants: vec!["ordfører".into()],
            agenda: vec!["Situasjonen".into(), "Evakuering av Gokstad".into()],
            status: MeetingStatus::Ongoing,
            current_item: Some(2),
            minutes_report: None,
            created_by: "kari".into(),
        };
        assert_eq!(m.entry_tags(), ["møte2", "møte2-sak2"]);
        assert_eq!(m.item_label().unwrap(), "sak 2/2: Evakuering av Gokstad");
        m.current_item = None;
        assert_eq!(m.entry_tags(), ["møte2"]);
        assert!(NewMeeting { title: " ".into(), ..NewMeeting::default() }.validated().is_err());
    }
}

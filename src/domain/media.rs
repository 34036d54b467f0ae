//! Media inquiries (mediehenvendelser), incoming and outgoing: who asks, what, by
//! when, who answers, and the answer. Deadlines are what matter most: the queue is
//! read by time left.

use super::codes::codes;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    #[derive(PartialOrd, Ord)]
    pub enum MediaStatus: "status for mediehenvendelser" / "media status", "statuses" {
        New = "ny" | "new",
        InProgress = "under arbeid" | "in progress" | "started",
        Answered = "besvart" | "answered",
        Closed = "avsluttet" | "closed",
    }
}

pub const MEDIA_STATUSES: [MediaStatus; 4] =
    [MediaStatus::New, MediaStatus::InProgress, MediaStatus::Answered, MediaStatus::Closed];

/// Within this long of its deadline an inquiry is "approaching" and stands out.
pub const APPROACHING: Duration = Duration::minutes(30);

impl MediaStatus {
    /// An answered inquiry can get a follow-up (back under arbeid); a closed one can
    /// be reopened; nothing goes back to "ny" once answered.
    pub fn can_become(self, to: MediaStatus) -> bool {
        use MediaStatus::*;
        matches!(
            (self, to),
            (New, InProgress | Answered | Closed)
                | (InProgress, New | Answered | Closed)
                | (Answered, InProgress | Closed)
                | (Closed, InProgress)
        )
    }

    pub fn is_open(self) -> bool {
        matches!(self, MediaStatus::New | MediaStatus::InProgress)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaInquiry {
    pub id: Uuid,
    pub incident: i64,
    pub number: i64,
    /// Outgoing: the staff contacts the press (a statement, a correction).
    pub outgoing: bool,
    pub outlet: String,
    pub journalist: String,
    /// Phone or e-mail.
    pub contact: String,
    pub question: String,
    #[serde(with = "super::time::serde_ms_opt")]
    pub deadline: Option<DateTime<Utc>>,
    pub responsible: Option<String>,
    pub status: MediaStatus,
    pub answer: String,
    #[serde(with = "super::time::serde_ms")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

/// How an inquiry stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// No deadline, or no longer open.
    Calm,
    /// Time left, more than [`APPROACHING`].
    Ahead(Duration),
    /// Within [`APPROACHING`] of the deadline.
    Approaching(Duration),
    /// Past it, by this much.
    Passed(Duration),
}

impl MediaInquiry {
    pub fn urgency(&self, now: DateTime<Utc>) -> Urgency {
        match self.deadline.filter(|_| self.status.is_open()) {
            None => Urgency::Calm,
            Some(d) if d < now => Urgency::Passed(now - d),
            Some(d) if d - now <= APPROACHING => Urgency::Approaching(d - now),
            Some(d) => Urgency::Ahead(d - now),
        }
    }
}

/// What a user gives for a new inquiry.
#[derive(Debug, Clone, Default)]
pub struct NewInquiry {
    pub outgoing: bool,
    pub outlet: String,
    pub journalist: String,
    pub contact: String,
    pub question: String,
    pub deadline: Option<DateTime<Utc>>,
    pub responsible: Option<String>,
}

impl NewInquiry {
    pub fn validated(mut self) -> Result<NewInquiry, super::Invalid> {
        let say = |nb: &str, en: &str| super::Invalid::new(nb, en);
        let clean = |s: &str| crate::text::nfc(s.trim());
        self.outlet = clean(&self.outlet);
        self.journalist = clean(&self.journalist);
        self.contact = clean(&self.contact);
        self.question = clean(&self.question);
        self.responsible = self.responsible.map(|r| clean(&r)).filter(|r| !r.is_empty());
        if self.outlet.is_empty() {
            return Err(say(
                "en mediehenvendelse må ha mediet (NRK, VG, Sandefjords Blad …)",
                "a media inquiry needs the outlet (NRK, VG, Sandefjords Blad …)",
            ));
        }
        if self.question.is_empty() {
            return Err(say(
                "en mediehenvendelse må ha spørsmålet eller saken",
                "a media inquiry needs the question or the matter",
            ));
        }
        for field in [&self.outlet, &self.journalist, &self.contact] {
            if field.chars().any(char::is_control) || field.chars().count() > 200 {
                return Err(say(
                    "medium, journalist og kontakt er én linje hver",
                    "outlet, journalist and contact are one line each",
                ));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MediaStatus::*;

    #[test]
    fn the_state_machine() {
        assert!(New.can_become(InProgress) && New.can_become(Answered));
        assert!(Answered.can_become(InProgress), "a follow-up question");
        assert!(Closed.can_become(InProgress), "reopened");
        assert!(!Answered.can_become(New));
        assert!(!Closed.can_become(Answered));
        for s in MEDIA_STATUSES {
            assert!(!s.can_become(s));
        }
        assert_eq!(MediaStatus::parse("under_arbeid").unwrap(), InProgress);
        assert_eq!(MediaStatus::parse("Under arbeid").unwrap(), InProgress);
        assert_eq!(serde_json::to_string(&InProgress).unwrap(), r#""under arbeid""#);
    }

    #[test]
    fn urgency_and_time_left() {
        let now = Utc::now();
        let mut m = MediaInquiry {
            id: Uuid::now_v7(),
            incident: 1,
            number: 1,
            outgoing: false,
            outlet: "NRK Vestfold".into(),
            journalist: String::new(),
            contact: String::new(),
            question: "Hvor mange evakueres?".into(),
            deadline: Some(now + Duration::minutes(20)),
            responsible: None,
            status: New,
            answer: String::new(),
            created_at: now,
            created_by: "liv".into(),
            updated_at: now,
        };
        assert!(matches!(m.urgency(now), Urgency::Approaching(_)));
        assert_eq!(m.urgency(now), Urgency::Approaching(Duration::minutes(20)));
        m.deadline = Some(now + Duration::minutes(130));
        assert_eq!(m.urgency(now), Urgency::Ahead(Duration::minutes(130)));
        m.deadline = Some(now - Duration::minutes(5));
        assert_eq!(m.urgency(now), Urgency::Passed(Duration::minutes(5)));
        m.status = Answered;
        assert_eq!(m.urgency(now), Urgency::Calm, "answered: no more pressure");
    }

    #[test]
    fn an_inquiry_needs_outlet_and_question() {
        assert!(NewInquiry { question: "x".into(), ..NewInquiry::default() }.validated().is_err());
        assert!(NewInquiry { outlet: "VG".into(), ..NewInquiry::default() }.validated().is_err());
        let ok = NewInquiry { outlet: " VG ".into(), question: " Hvor? ".into(), ..NewInquiry::default() };
        assert_eq!(ok.validated().unwrap().outlet, "VG");
    }
}

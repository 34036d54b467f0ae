//! Incidents (hendelser): what the staff works on, one active per session.

use super::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Incident types offered when none are configured, in the order a Norwegian
/// municipality meets them. The list is configurable; these are only the defaults.
pub const DEFAULT_TYPES: &[&str] = &[
    "flom",
    "brann",
    "strømbrudd",
    "ekom-bortfall",
    "digital sikkerhetshendelse",
    "smittevern",
    "ulykke",
    "annet",
];

/// Alvorlighetsgrad, 1 (lowest) to 5 (highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Severity(u8);

impl Severity {
    pub const DEFAULT: Severity = Severity(2);

    pub fn new(level: u8) -> Result<Self, Invalid> {
        if (1..=5).contains(&level) {
            Ok(Severity(level))
        } else {
            Err(Invalid::new(
                format!("alvorlighet er 1–5, ikke {level}"),
                format!("severity must be 1–5, not {level}"),
            ))
        }
    }

    pub fn level(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Severity {
    type Error = Invalid;
    fn try_from(v: u8) -> Result<Self, Invalid> {
        Severity::new(v)
    }
}

impl From<Severity> for u8 {
    fn from(s: Severity) -> u8 {
        s.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IncidentStatus {
    Open,
    Closed,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(IncidentStatus::Open),
            "closed" => Some(IncidentStatus::Closed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: Uuid,
    /// Short human number, 1, 2, 3… — what people say aloud in the room.
    pub number: i64,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub severity: Severity,
    pub status: IncidentStatus,
    /// Øvelse: an exercise, always visibly marked.
    pub exercise: bool,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: String,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.status == IncidentStatus::Open
    }
}

/// What a user gives to open an incident; validated before anything is stored.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: String,
    pub kind: String,
    pub severity: Severity,
    pub exercise: bool,
}

pub const MAX_TITLE_CHARS: usize = 200;

impl NewIncident {
    /// Check the title and type against the known types; returns the cleaned incident.
    pub fn validated(mut self, known_types: &[String]) -> Result<Self, super::Invalid> {
        let say = |nb: &str, en: &str| super::Invalid::new(nb, en);
        self.title = crate::text::nfc(self.title.trim());
        if self.title.is_empty() {
            return Err(say("en hendelse må ha en tittel", "an incident needs a title"));
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(say(
                &format!("tittelen er lengre enn {MAX_TITLE_CHARS} tegn"),
                &format!("the title is longer than {MAX_TITLE_CHARS} characters"),
            ));
        }
        if self.title.chars().any(char::is_control) {
            return Err(say(
                "tittelen kan ikke inneholde kontrolltegn",
                "the title cannot contain control characters",
            ));
        }
        self.kind = crate::text::nfc(self.kind.trim());
        if !known_types.iter().any(|t| t == &self.kind) {
            let (kind, known) = (crate::text::safe_line(&self.kind), known_types.join(", "));
            return Err(super::Invalid::new(
                format!("ukjent hendelsestype «{kind}»; kjente typer: {known}"),
                format!("unknown incident type '{kind}'; known types: {known}"),
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Vec<String> {
        DEFAULT_TYPES.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn severity_is_one_to_five_with_names() {
        assert!(Severity::new(0).is_err());
        assert!(Severity::new(6).is_err());
        assert_eq!(Severity::new(5).unwrap().level(), 5);
    }

    #[test]
    fn new_incident_validates_title_and_type() {
        let ok = NewIncident {
            title: "  Flom i Lågen ".into(),
            kind: "flom".into(),
            severity: Severity::DEFAULT,
            exercise: false,
        };
        assert_eq!(ok.clone().validated(&types()).unwrap().title, "Flom i Lågen");
        let empty = NewIncident { title: "  ".into(), ..ok.clone() };
        assert!(empty.validated(&types()).is_err());
        let bad_type = NewIncident { kind: "tsunami".into(), ..ok.clone() };
        let err = bad_type.validated(&types()).unwrap_err();
        let said = err.0.get(crate::lang::Lang::En);
        assert!(said.contains("strømbrudd") && said.contains("tsunami"), "{said}");
        assert!(err.0.get(crate::lang::Lang::Nb).contains("ukjent hendelsestype"), "{err:?}");
        let escape = NewIncident { title: "a\u{1b}[2Jb".into(), ..ok };
        assert!(escape.validated(&types()).is_err());
    }
}

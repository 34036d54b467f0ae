//! Evacuees and next of kin (EPS, pårørende): registrations of evacuated or affected
//! persons and of inquiries from next of kin. Sensitive personal data: only the roles
//! granted `SeeEps` see it, and automatic log entries about it carry counts, never
//! names.

use super::contact::{free_text, line};
use super::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EpsKind {
    #[serde(rename = "evakuert")]
    Evacuated,
    #[serde(rename = "berørt")]
    Affected,
    /// An inquiry from next of kin about someone.
    #[serde(rename = "henvendelse")]
    Inquiry,
}

impl EpsKind {
    pub fn name(self) -> &'static str {
        match self {
            EpsKind::Evacuated => "evakuert",
            EpsKind::Affected => "berørt",
            EpsKind::Inquiry => "henvendelse",
        }
    }

    pub fn parse(s: &str) -> Result<EpsKind, Invalid> {
        Ok(match crate::text::fold(s.trim()).as_str() {
            "evakuert" | "evacuated" | "evacuee" => EpsKind::Evacuated,
            "berort" | "affected" => EpsKind::Affected,
            "henvendelse" | "inquiry" | "parorende" | "next-of-kin" => EpsKind::Inquiry,
            _ => {
                return Err(Invalid(format!(
                    "unknown kind '{}'; kinds are evakuert, berørt, henvendelse",
                    s.trim()
                )))
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EpsStatus {
    #[serde(rename = "registrert")]
    Registered,
    #[serde(rename = "savnet")]
    Missing,
    #[serde(rename = "ivaretatt")]
    CaredFor,
    #[serde(rename = "under oppfølging")]
    FollowingUp,
    #[serde(rename = "avsluttet")]
    Closed,
}

pub const EPS_STATUSES: [EpsStatus; 5] = [
    EpsStatus::Registered,
    EpsStatus::Missing,
    EpsStatus::CaredFor,
    EpsStatus::FollowingUp,
    EpsStatus::Closed,
];

impl EpsStatus {
    pub fn name(self) -> &'static str {
        match self {
            EpsStatus::Registered => "registrert",
            EpsStatus::Missing => "savnet",
            EpsStatus::CaredFor => "ivaretatt",
            EpsStatus::FollowingUp => "under oppfølging",
            EpsStatus::Closed => "avsluttet",
        }
    }

    pub fn parse(s: &str) -> Result<EpsStatus, Invalid> {
        Ok(match crate::text::fold(s.trim()).as_str() {
            "registrert" | "registered" | "ny" | "new" => EpsStatus::Registered,
            "savnet" | "missing" => EpsStatus::Missing,
            "ivaretatt" | "cared-for" | "safe" => EpsStatus::CaredFor,
            "under oppfolging" | "under-oppfolging" | "following-up" => EpsStatus::FollowingUp,
            "avsluttet" | "closed" | "done" => EpsStatus::Closed,
            _ => {
                let names: Vec<_> = EPS_STATUSES.iter().map(|s| s.name()).collect();
                return Err(Invalid(format!(
                    "unknown status '{}'; statuses are {}",
                    s.trim(),
                    names.join(", ")
                )));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub id: Uuid,
    pub incident: i64,
    pub number: i64,
    pub kind: EpsKind,
    /// The person registered, or for an inquiry the one who asks.
    pub name: String,
    pub born: String,
    pub phone: String,
    /// Where the person is now (evacuation centre, hospital, home).
    pub location: String,
    /// For an inquiry: whom it is about.
    pub about: String,
    pub status: EpsStatus,
    pub notes: String,
    pub handled_by: Option<String>,
    #[serde(with = "super::time::serde_ms")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub kind: EpsKind,
    pub name: String,
    pub born: String,
    pub phone: String,
    pub location: String,
    pub about: String,
    pub status: EpsStatus,
    pub notes: String,
}

impl NewRegistration {
    pub fn validated(self) -> Result<NewRegistration, Invalid> {
        let name = line("the name", &self.name)?;
        if name.is_empty() {
            return Err(Invalid("a registration needs a name".into()));
        }
        let about = line("whom it is about", &self.about)?;
        if self.kind == EpsKind::Inquiry && about.is_empty() {
            return Err(Invalid("an inquiry must say whom it is about (--about)".into()));
        }
        Ok(NewRegistration {
            name,
            about,
            born: line("the date of birth", &self.born)?,
            phone: line("the phone", &self.phone)?,
            location: line("the location", &self.location)?,
            notes: free_text("the notes", &self.notes)?,
            ..self
        })
    }
}

/// Counts for the log: how many of each kind, never who.
pub fn counts(all: &[Registration]) -> String {
    let n = |k: EpsKind| all.iter().filter(|r| r.kind == k).count();
    let missing = all.iter().filter(|r| r.status == EpsStatus::Missing).count();
    format!(
        "{} evakuerte, {} berørte, {} henvendelser fra pårørende, {} savnet",
        n(EpsKind::Evacuated),
        n(EpsKind::Affected),
        n(EpsKind::Inquiry),
        missing
    )
}

//! Evacuees and next of kin (EPS, pårørende): registrations of evacuated or affected
//! persons and of inquiries from next of kin. Sensitive personal data: only the roles
//! granted `SeeEps` see it, and automatic log entries about it carry counts, never
//! names.

use super::codes::codes;
use super::contact::{free_text, line};
use super::Invalid;
use crate::lang::Text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    pub enum EpsKind: "type" / "kind", "kinds" {
        Evacuated = "evakuert" | "evacuated" | "evacuee",
        Affected = "berørt" | "affected",
        /// An inquiry from next of kin about someone.
        Inquiry = "henvendelse" | "inquiry" | "pårørende" | "next of kin",
    }
}

codes! {
    pub enum EpsStatus: "status" / "status", "statuses" {
        Registered = "registrert" | "registered" | "ny" | "new",
        Missing = "savnet" | "missing",
        CaredFor = "ivaretatt" | "cared for" | "safe",
        FollowingUp = "under oppfølging" | "following up",
        Closed = "avsluttet" | "closed" | "done",
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
        let name = line(Text::new("navnet", "the name"), &self.name)?;
        if name.is_empty() {
            return Err(Invalid::new("en registrering trenger et navn", "a registration needs a name"));
        }
        let about = line(Text::new("hvem det gjelder", "whom it is about"), &self.about)?;
        if self.kind == EpsKind::Inquiry && about.is_empty() {
            return Err(Invalid::new(
                "en henvendelse må si hvem den gjelder (--about)",
                "an inquiry must say whom it is about (--about)",
            ));
        }
        Ok(NewRegistration {
            name,
            about,
            born: line(Text::new("fødselsdatoen", "the date of birth"), &self.born)?,
            phone: line(Text::new("telefonen", "the phone"), &self.phone)?,
            location: line(Text::new("stedet", "the location"), &self.location)?,
            notes: free_text(Text::new("notatene", "the notes"), &self.notes)?,
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

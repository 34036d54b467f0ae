//! The domain: plain types and rules of crisis work. No I/O, no SQL, no terminal.

pub mod alert;
pub mod board;
pub mod card;
pub mod codes;
pub mod contact;
pub mod eps;
pub mod evaluation;
pub mod exercise;
pub mod filter;
pub mod incident;
pub mod journal;
pub mod log;
pub mod mail;
pub mod media;
pub mod meeting;
pub mod message;
pub mod message_copy;
pub mod plan;
pub mod quickmarks;
pub mod report;
pub mod roles;
pub mod ros;
pub mod share;
pub mod task;
pub mod time;
pub mod vcard;

pub use incident::{Incident, IncidentStatus, NewIncident, Severity};
pub use log::{EntryKind, LogEntry};

/// Input that breaks a rule of the domain, said in every language: the interface says
/// it in its own (`AppError::said`). Where there is no one's language (a server's
/// log), `Display` says it in English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub crate::lang::Phrase);

impl Invalid {
    pub fn new(nb: impl Into<String>, en: impl Into<String>) -> Invalid {
        Invalid(crate::lang::Phrase::new(nb, en))
    }

    /// The same problem, said of one place ("linje 3", "line 3").
    pub fn at(self, nb: &str, en: &str) -> Invalid {
        let said = |lang| self.0.get(lang).to_string();
        Invalid::new(
            format!("{nb}: {}", said(crate::lang::Lang::Nb)),
            format!("{en}: {}", said(crate::lang::Lang::En)),
        )
    }

    pub fn said(&self, lang: crate::lang::Lang) -> &str {
        self.0.get(lang)
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.get(crate::lang::Lang::En))
    }
}

impl std::error::Error for Invalid {}

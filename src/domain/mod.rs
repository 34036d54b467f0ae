//! The domain: plain types and rules of crisis work. No I/O, no SQL, no terminal.

pub mod alert;
pub mod card;
pub mod codes;
pub mod contact;
pub mod eps;
pub mod evaluation;
pub mod exercise;
pub mod filter;
pub mod incident;
pub mod log;
pub mod mail;
pub mod media;
pub mod meeting;
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

/// Input that breaks a rule, said in every language: the interface chooses which
/// (`app::Session` turns it into an error in the session's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(pub crate::lang::Phrase);

impl Problem {
    pub fn new(nb: impl Into<String>, en: impl Into<String>) -> Problem {
        Problem(crate::lang::Phrase::new(nb, en))
    }
}

/// A rule of the domain was broken by the input; the message is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

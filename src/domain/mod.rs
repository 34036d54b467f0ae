//! The domain: plain types and rules of crisis work. No I/O, no SQL, no terminal.

pub mod alert;
pub mod card;
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

/// The message in bokmål or English.
pub fn say(norwegian: bool, nb: &str, en: &str) -> String {
    if norwegian { nb } else { en }.to_string()
}

/// A rule of the domain was broken by the input; the message is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

//! The message journal (meldingsjournal): every message in or out of an incident,
//! numbered per incident once, with who it came from and went to. What is journaled:
//! log entries a logger marks as incoming (`< NRK: …`) or outgoing
//! (`> Statsforvalteren: …`), e-mails taken in, media inquiries (in, or out when the
//! staff made the contact) and alerts sent.
//!
//! Numbers are given by the sync server as it takes each record in, one after another
//! per incident, so they are unique and without gaps however many replicas wrote
//! offline at once. Until its record reaches the server an item has a provisional
//! number of its replica's (its place among that replica's items), shown as such.

use super::codes::codes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes! {
    pub enum Direction: "retning" / "direction", "directions" {
        In = "inn" | "in" | "incoming" | "<",
        Out = "ut" | "out" | "outgoing" | ">",
    }
}

codes! {
    pub enum Source: "kilde" / "source", "sources" {
        Entry = "loggføring" | "entry",
        Email = "e-post" | "email",
        Media = "mediehenvendelse" | "media",
        Alert = "varsling" | "alert",
        Share = "rapportdeling" | "shared report",
    }
}

/// The longest a party named after a direction mark may be.
const MAX_PARTY: usize = 60;

/// The direction and party a logger marked an entry's text with: `< NRK Vestfold:
/// spør om evakueringen` is incoming from NRK Vestfold, `> Statsforvalteren: sitrep
/// sendt` outgoing to Statsforvalteren. Without a colon the party is the first word.
/// None for text without a mark (a `<` that starts a word, like `<3`, is no mark: the
/// mark stands alone, followed by a space).
pub fn marked(text: &str) -> Option<(Direction, String)> {
    let direction = match text.chars().next()? {
        '<' => Direction::In,
        '>' => Direction::Out,
        _ => return None,
    };
    let rest = text[1..].strip_prefix(' ')?.trim_start();
    let first_line = rest.lines().next().unwrap_or_default();
    let party = match first_line.split_once(':') {
        Some((p, _)) if !p.trim().is_empty() && p.chars().count() <= MAX_PARTY => p.trim(),
        _ => first_line.split_whitespace().next()?,
    };
    Some((direction, party.to_string()))
}

/// The direction and party of a report shared upward or received, from the entry
/// sharing writes (tag `deling`): "Rapport 2 versjon 1 «…» delt med Statsforvalteren i
/// Vestfold (SHA-256 …)" went out, "Mottatt situasjonsrapport fra Larvik kommune (fil):
/// …" came in. Receipts are no message.
pub fn shared(text: &str) -> Option<(Direction, String)> {
    if let Some(rest) = text.strip_prefix("Rapport ") {
        let (_, to) = rest.split_once(" delt med ")?;
        let to = to.split(" (SHA-256").next()?.trim();
        return (!to.is_empty()).then(|| (Direction::Out, to.to_string()));
    }
    let rest = text.strip_prefix("Mottatt ")?;
    let (_, from) = rest.split_once(" fra ")?;
    let from = from.split(" (").next()?.trim();
    (!from.is_empty()).then(|| (Direction::In, from.to_string()))
}

/// One item of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalItem {
    /// The server's number, once the record has reached it.
    pub number: Option<i64>,
    /// Its place among the items its replica wrote in the incident: shown until the
    /// server's number comes.
    pub provisional: i64,
    /// The replica it was written on (a device as people see it, for the provisional
    /// number's sake).
    pub device: String,
    #[serde(with = "super::time::serde_ms")]
    pub at: DateTime<Utc>,
    pub direction: Direction,
    pub from: String,
    pub to: String,
    pub summary: String,
    /// Who handled it: who logged it, or is responsible for the inquiry.
    pub handled_by: String,
    /// A task made from it.
    pub task: Option<i64>,
    pub source: Source,
    /// The record it is (a log entry, an inquiry, an alert) and the log entry's number.
    pub record: Uuid,
    pub seq: Option<i64>,
}

impl JournalItem {
    /// The number as shown: the server's, or the provisional one marked as such.
    pub fn shown_number(&self) -> String {
        match self.number {
            Some(n) => n.to_string(),
            None => format!("({})", self.provisional),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_says_the_direction_and_the_party() {
        assert_eq!(
            marked("< NRK Vestfold: spør om evakueringen"),
            Some((Direction::In, "NRK Vestfold".into()))
        );
        assert_eq!(
            marked("> Statsforvalteren: sitrep 3 sendt"),
            Some((Direction::Out, "Statsforvalteren".into()))
        );
        assert_eq!(marked("< Politiet melder at vegen er stengt"), Some((Direction::In, "Politiet".into())));
        assert_eq!(marked("<3 til alle"), None, "a mark stands alone");
        assert_eq!(marked("Vannet stiger"), None);
        assert_eq!(marked("< "), None, "no party, no mark");
        let long = format!("> {}: x", "ord ".repeat(30));
        assert_eq!(marked(&long).unwrap().1, "ord", "a party is a name, not a paragraph");
    }

    #[test]
    fn a_shared_report_went_out_or_came_in() {
        let out = "Rapport 2 versjon 1 «Situasjonsrapport 2» delt med Statsforvalteren i Vestfold (SHA-256 0123456789abcdef)";
        assert_eq!(shared(out), Some((Direction::Out, "Statsforvalteren i Vestfold".into())));
        let came = "Mottatt situasjonsrapport fra Larvik kommune (fil): «Sitrep 3», rapport 3 versjon 1, godkjent 01.12.2026 10:00 av kari";
        assert_eq!(shared(came), Some((Direction::In, "Larvik kommune".into())));
        assert_eq!(
            shared("Statsforvalteren har mottatt rapport 2 versjon 1 «S» (kari, 01.12.2026 10:00)"),
            None
        );
    }
}

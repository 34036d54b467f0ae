//! The incident log (hendelseslogg): append-only entries, hash-chained per incident.

use super::time::to_millis;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The `prev_hash` of an incident's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest entry accepted, in characters: far beyond anything typed in a meeting, small
/// enough that a pasted file cannot swamp the log.
pub const MAX_TEXT_CHARS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// An ordinary entry: something said, reported or done.
    #[default]
    Note,
    /// Beslutning: a decision of the staff.
    Decision,
    /// Written by sitroom itself when something happens elsewhere: a task created,
    /// assigned or moved.
    Auto,
    /// An e-mail taken into the incident (`mail import`): from, to, subject and body
    /// as text, with its attachments listed.
    Email,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Decision => "decision",
            EntryKind::Auto => "auto",
            EntryKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "note" => Some(EntryKind::Note),
            "decision" => Some(EntryKind::Decision),
            "auto" => Some(EntryKind::Auto),
            "email" => Some(EntryKind::Email),
            _ => None,
        }
    }
}

/// One log entry as stored and as printed by `log list --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: Uuid,
    /// The incident's number (the short human one).
    pub incident: i64,
    /// Position in the incident's log, 1, 2, 3…: how people refer to an entry.
    pub seq: i64,
    pub text: String,
    pub author: String,
    pub device: String,
    /// When it was said or happened: the first keystroke, or the typed `14:32`.
    #[serde(with = "super::time::serde_ms")]
    pub reported_at: DateTime<Utc>,
    /// When it was committed to the log.
    #[serde(with = "super::time::serde_ms")]
    pub recorded_at: DateTime<Utc>,
    pub kind: EntryKind,
    pub tags: Vec<String>,
    pub mentions: Vec<String>,
    /// Vesentlig: a marking that can be toggled, so it is not part of the hash.
    pub significant: bool,
    /// The entry this one corrects.
    pub corrects: Option<Uuid>,
    /// The replica that appended it: each replica keeps its own chain through an
    /// incident, so replicas that write offline at once never fork a chain.
    #[serde(default)]
    pub origin: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields the hash covers: everything said and when, by whom, in which order —
/// all but the `significant` marking, which may be toggled later.
pub struct HashInput<'a> {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub text: &'a str,
    pub author: &'a str,
    pub device: &'a str,
    pub reported_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub kind: EntryKind,
    pub tags: &'a [String],
    pub mentions: &'a [String],
    pub corrects: Option<Uuid>,
    pub prev_hash: &'a str,
}

impl HashInput<'_> {
    /// SHA-256, hex, over a canonical JSON array of the fields (JSON arrays of strings
    /// and integers serialise one way only, so the bytes are unambiguous).
    pub fn hash(&self) -> String {
        let canonical = serde_json::json!([
            "sitroom-log-v1",
            self.id.to_string(),
            self.incident_id.to_string(),
            self.text,
            self.author,
            self.device,
            to_millis(self.reported_at),
            to_millis(self.recorded_at),
            self.kind.as_str(),
            self.tags,
            self.mentions,
            self.corrects.map(|c| c.to_string()),
            self.prev_hash,
        ]);
        let bytes = serde_json::to_vec(&canonical).expect("JSON of plain values");
        crate::text::sha256_hex(&bytes)
    }
}

/// Why a chain is not intact, naming the first entry at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's content no longer matches its own hash: it was changed.
    Altered { seq: i64, id: Uuid },
    /// The entry does not point at the previous entry's hash: one was removed,
    /// inserted or reordered before it.
    Unlinked { seq: i64, id: Uuid },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Altered { seq, id } => {
                write!(f, "entry #{seq} ({id}) was altered: its content does not match its hash")
            }
            ChainBreak::Unlinked { seq, id } => write!(
                f,
                "entry #{seq} ({id}) does not follow the entry before it: an entry was removed, inserted or reordered"
            ),
        }
    }
}

/// Walk an incident's entries in log order and find the first break. Each replica's
/// entries form a chain of their own (a replica appends in order, so its entries keep
/// their order in the merged log): the recomputed hash is compared to the stored one,
/// and each `prev_hash` to the stored hash of the same replica's previous entry.
pub fn verify_chain<'a>(
    incident_id: Uuid,
    entries: impl IntoIterator<Item = &'a LogEntry>,
) -> Result<usize, ChainBreak> {
    let mut count = 0;
    verify_chain_from(incident_id, Default::default(), entries.into_iter().inspect(|_| count += 1))?;
    Ok(count)
}

/// Go on with chains whose heads (per replica, the last hash seen) are known, as for
/// the batches of an archive journal, and return the heads at the end.
pub fn verify_chain_from<'a>(
    incident_id: Uuid,
    mut heads: std::collections::HashMap<String, String>,
    entries: impl IntoIterator<Item = &'a LogEntry>,
) -> Result<std::collections::HashMap<String, String>, ChainBreak> {
    for e in entries {
        if e.prev_hash != heads.get(e.origin.as_str()).map(String::as_str).unwrap_or(GENESIS_HASH) {
            return Err(ChainBreak::Unlinked { seq: e.seq, id: e.id });
        }
        if e.hash_input(incident_id).hash() != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq, id: e.id });
        }
        heads.insert(e.origin.clone(), e.hash.clone());
    }
    Ok(heads)
}

impl LogEntry {
    pub fn hash_input(&self, incident_id: Uuid) -> HashInput<'_> {
        HashInput {
            id: self.id,
            incident_id,
            text: &self.text,
            author: &self.author,
            device: &self.device,
            reported_at: self.reported_at,
            recorded_at: self.recorded_at,
            kind: self.kind,
            tags: &self.tags,
            mentions: &self.mentions,
            corrects: self.corrects,
            prev_hash: &self.prev_hash,
        }
    }
}

/// An entry named in the text of another entry, the way that stays true: when it was
/// said, by whom, and how it begins: `kl 22:57 av kari («Sjekk pumpestasjon innen
/// kl 12 …»)`. Not by its number: numbers are ranks by creation, and an entry from a
/// replica that was offline can take a place before it, while the text written into
/// the hash-chained log can never change.
pub fn entry_named(reported_at: DateTime<Utc>, author: &str, text: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    const QUOTED: usize = 40;
    let first = text.lines().next().unwrap_or("").trim();
    let mut quote: String = first.graphemes(true).take(QUOTED).collect();
    if quote.len() < first.len() {
        quote = format!("{} …", quote.trim_end());
    }
    let at = reported_at.with_timezone(&chrono::Local).format("%d.%m %H:%M");
    format!("{at} av {author} («{quote}»)")
}

/// The text of a retraction, the correction that takes an entry back.
pub const RETRACTED: crate::lang::Text =
    crate::lang::Text::new("Feilført – se bort fra", "Entered in error – disregard");

/// Whether a correction's text is a retraction's (in either language).
pub fn is_retraction(text: &str) -> bool {
    crate::lang::Lang::ALL.iter().any(|l| RETRACTED.get(*l) == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> (Uuid, Vec<LogEntry>) {
        let incident_id = Uuid::now_v7();
        let mut prev = GENESIS_HASH.to_string();
        let mut out = Vec::new();
        for i in 0..n {
            let mut e = LogEntry {
                id: Uuid::now_v7(),
                incident: 1,
                seq: i as i64 + 1,
                text: format!("melding {i} æøå"),
                author: "logger".into(),
                device: "pc1".into(),
                reported_at: DateTime::from_timestamp_millis(1_700_000_000_000 + i as i64).unwrap(),
                recorded_at: DateTime::from_timestamp_millis(1_700_000_001_000 + i as i64).unwrap(),
                kind: EntryKind::Note,
                tags: vec![],
                mentions: vec![],
                significant: false,
                corrects: None,
                origin: "r1".into(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = e.hash_input(incident_id).hash();
            prev = e.hash.clone();
            out.push(e);
        }
        (incident_id, out)
    }

    #[test]
    fn intact_chain_verifies() {
        let (id, entries) = chain(5);
        assert_eq!(verify_chain(id, &entries), Ok(5));
    }

    #[test]
    fn changed_text_is_found_at_that_entry() {
        let (id, mut entries) = chain(5);
        entries[2].text.push('!');
        assert_eq!(verify_chain(id, &entries), Err(ChainBreak::Altered { seq: 3, id: entries[2].id }));
    }

    #[test]
    fn removed_entry_breaks_the_link_after_it() {
        let (id, mut entries) = chain(5);
        let after = entries.remove(1);
        let _ = after;
        assert_eq!(verify_chain(id, &entries), Err(ChainBreak::Unlinked { seq: 3, id: entries[1].id }));
    }

    #[test]
    fn each_replica_keeps_its_own_chain() {
        // Two replicas wrote offline at once; merged, their entries interleave.
        let (id, a) = chain(3);
        let mut other = Vec::new();
        let mut prev = GENESIS_HASH.to_string();
        for (i, mine) in a.iter().enumerate() {
            let mut e = mine.clone();
            e.id = Uuid::now_v7();
            e.origin = "r2".into();
            e.text = format!("fra bilen {i}");
            e.prev_hash = prev.clone();
            e.hash = e.hash_input(id).hash();
            prev = e.hash.clone();
            other.push(e);
        }
        let merged: Vec<LogEntry> = a.iter().zip(&other).flat_map(|(x, y)| [x.clone(), y.clone()]).collect();
        assert_eq!(verify_chain(id, &merged), Ok(6));
        let mut gap = merged.clone();
        gap.remove(3); // r2's second entry
        assert_eq!(verify_chain(id, &gap), Err(ChainBreak::Unlinked { seq: gap[4].seq, id: gap[4].id }));
    }

    #[test]
    fn significance_is_not_hashed_but_kind_is() {
        let (id, mut entries) = chain(2);
        entries[0].significant = true;
        assert_eq!(verify_chain(id, &entries), Ok(2));
        entries[0].kind = EntryKind::Decision;
        assert!(verify_chain(id, &entries).is_err());
    }

    #[test]
    fn hash_depends_on_incident() {
        let (id, entries) = chain(1);
        assert_ne!(entries[0].hash_input(Uuid::now_v7()).hash(), entries[0].hash_input(id).hash());
    }
}

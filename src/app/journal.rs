//! The message journal (meldingsjournal) of an incident: its items with their numbers
//! (the server's, or provisional until the record reaches it), who each came from
//! and went to, and the journal as CSV or PDF for the archive.

use super::{Result, Session};
use crate::domain::journal::{marked, shared, Direction, JournalItem, Source};
use crate::domain::Incident;
use crate::store::{JournalRecord, JournalWhat};
use std::collections::HashMap;

/// At most this much of a text stands as an item's summary.
const SUMMARY: usize = 160;

fn cut(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= SUMMARY {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(SUMMARY - 1).collect::<String>())
    }
}

/// "E-post fra Ola <ola@x.no>: Emne": the sender and the subject.
fn email_parts(text: &str) -> (String, String) {
    let first = text.lines().next().unwrap_or_default();
    let rest = first.strip_prefix("E-post fra ").unwrap_or(first);
    match rest.split_once(": ") {
        Some((from, subject)) => (from.to_string(), subject.to_string()),
        None => (rest.to_string(), String::new()),
    }
}

/// The item a record is, if it is one; `us` is the staff's side of it.
fn item(r: &JournalRecord, us: &str) -> Option<JournalItem> {
    let (direction, party, summary, source, seq, handled_by) = match &r.what {
        JournalWhat::Entry { seq, text, email: true } => {
            let (from, subject) = email_parts(text);
            (Direction::In, from, subject, Source::Email, Some(*seq), r.by.clone())
        }
        JournalWhat::Entry { seq, text, email: false } => match marked(text) {
            Some((direction, party)) => {
                let said = text[1..].trim_start();
                let said = said
                    .strip_prefix(party.as_str())
                    .map(|s| s.trim_start_matches(':').trim())
                    .unwrap_or(said);
                (direction, party, cut(said), Source::Entry, Some(*seq), r.by.clone())
            }
            None => {
                let (direction, party) = shared(text)?;
                (direction, party, cut(text), Source::Share, Some(*seq), r.by.clone())
            }
        },
        JournalWhat::Media { outgoing, outlet, journalist, question, responsible, .. } => {
            let who = if journalist.is_empty() { outlet.clone() } else { format!("{outlet} ({journalist})") };
            let direction = if *outgoing { Direction::Out } else { Direction::In };
            let handled = responsible.clone().unwrap_or_else(|| r.by.clone());
            (direction, who, cut(question), Source::Media, None, handled)
        }
        JournalWhat::Alert { list, message, .. } => {
            (Direction::Out, list.clone(), cut(message), Source::Alert, None, r.by.clone())
        }
    };
    let (from, to) = match direction {
        Direction::In => (party, us.to_string()),
        Direction::Out => (us.to_string(), party),
    };
    Some(JournalItem {
        number: r.number,
        provisional: 0,
        device: r.device.clone(),
        at: r.at,
        direction,
        from,
        to,
        summary,
        handled_by,
        task: r.task,
        source,
        record: r.record,
        seq,
    })
}

impl Session {
    /// The incident's journal: numbered items by number, then those waiting for the
    /// server's number by time, each with its replica's provisional number.
    pub fn journal(&self, incident: &Incident) -> Result<Vec<JournalItem>> {
        let us = self.installation();
        let records = self.store.journal_records(incident)?;
        let mut items: Vec<(&JournalRecord, JournalItem)> =
            records.iter().filter_map(|r| item(r, &us).map(|i| (r, i))).collect();
        // Provisional numbers: each replica's items in the order they were written
        // (not the time they say: an entry dated back renumbers nothing).
        items.sort_by_key(|(r, _)| (r.made, r.record));
        let mut counted: HashMap<&str, i64> = HashMap::new();
        for (r, i) in &mut items {
            let n = counted.entry(r.origin.as_str()).or_insert(0);
            *n += 1;
            i.provisional = *n;
        }
        let mut items: Vec<JournalItem> = items.into_iter().map(|(_, i)| i).collect();
        items.sort_by_key(|i| (i.number.is_none(), i.number, i.at));
        Ok(items)
    }

    /// The journal as CSV (semicolon-separated, as Norwegian spreadsheets read it).
    pub fn journal_csv(&self, incident: &Incident) -> Result<String> {
        let items = self.journal(incident)?;
        let mut out =
            String::from("nummer;foreløpig;tid;retning;fra;til;sammendrag;behandlet av;oppgave;kilde\n");
        let field = |s: &str| {
            let s = crate::text::safe_line(s);
            if s.contains([';', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.into_owned()
            }
        };
        for i in &items {
            let row = [
                i.number.map(|n| n.to_string()).unwrap_or_default(),
                if i.number.is_none() { format!("{} ({})", i.provisional, i.device) } else { String::new() },
                i.at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string(),
                i.direction.name().to_string(),
                field(&i.from),
                field(&i.to),
                field(&i.summary),
                field(&i.handled_by),
                i.task.map(|t| t.to_string()).unwrap_or_default(),
                i.source.name().to_string(),
            ];
            out.push_str(&row.join(";"));
            out.push('\n');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_entry_names_its_sender_and_subject() {
        let (from, subject) =
            email_parts("E-post fra Ola Nordmann <ola@nve.no>: Flomvarsel oransje\nTil: post@kommune.no");
        assert_eq!(from, "Ola Nordmann <ola@nve.no>");
        assert_eq!(subject, "Flomvarsel oransje");
    }
}

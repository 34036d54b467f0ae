//! The log as the view holds it: every entry of the incident in memory, compact, with
//! search text already folded, and the list of entries the filter lets through. No
//! terminal code: the pane renders from this, the benches measure it.

use crate::domain::filter::{Filterable, LogFilter};
use crate::domain::{EntryKind, LogEntry};
use crate::store::EntrySummary;
use crate::text::fold;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::rc::Rc;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Row {
    pub id: Uuid,
    pub seq: i64,
    pub text: Box<str>,
    pub folded: Box<str>,
    pub author: Rc<str>,
    pub folded_author: Rc<str>,
    pub reported_at: DateTime<Utc>,
    pub kind: EntryKind,
    pub tags: Box<[Box<str>]>,
    pub significant: bool,
    pub corrects_seq: Option<i64>,
    /// The seq of the entry that corrects this one, if any.
    pub corrected_by: Option<i64>,
}

#[derive(Default)]
pub struct LogModel {
    rows: Vec<Row>,
    /// seq → index in `rows`.
    by_seq: HashMap<i64, usize>,
    /// Authors are few: share one string each.
    authors: HashMap<String, (Rc<str>, Rc<str>)>,
    filter: LogFilter,
    /// Indices into `rows` the filter lets through; `None` when there is no filter.
    visible: Option<Vec<usize>>,
}

impl LogModel {
    pub fn new() -> LogModel {
        LogModel::default()
    }

    /// Number of entries the filter lets through.
    pub fn len(&self) -> usize {
        self.visible.as_ref().map_or(self.rows.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The i-th entry the filter lets through.
    pub fn get(&self, i: usize) -> Option<&Row> {
        match &self.visible {
            Some(v) => v.get(i).map(|&r| &self.rows[r]),
            None => self.rows.get(i),
        }
    }

    pub fn last_seq(&self) -> i64 {
        self.rows.last().map_or(0, |r| r.seq)
    }

    pub fn filter(&self) -> &LogFilter {
        &self.filter
    }

    fn author(&mut self, name: &str) -> (Rc<str>, Rc<str>) {
        if let Some(a) = self.authors.get(name) {
            return a.clone();
        }
        let pair: (Rc<str>, Rc<str>) = (name.into(), fold(name).into());
        self.authors.insert(name.to_string(), pair.clone());
        pair
    }

    /// Add entries (in seq order) at the end, keeping the filter applied.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = EntrySummary>) {
        for e in entries {
            let (author, folded_author) = self.author(&e.author);
            if let Some(target) = e.corrects_seq.and_then(|s| self.by_seq.get(&s)) {
                self.rows[*target].corrected_by = Some(e.seq);
            }
            let row = Row {
                id: e.id,
                seq: e.seq,
                text: e.text.into(),
                folded: e.folded.into(),
                author,
                folded_author,
                reported_at: e.reported_at,
                kind: e.kind,
                tags: e.tags.iter().map(|t| fold(t).into()).collect(),
                significant: e.significant,
                corrects_seq: e.corrects_seq,
                corrected_by: None,
            };
            self.by_seq.insert(row.seq, self.rows.len());
            let index = self.rows.len();
            let passes = self.passes(&row);
            self.rows.push(row);
            if let (Some(v), true) = (&mut self.visible, passes) {
                v.push(index);
            }
        }
    }

    /// Add one entry just committed.
    pub fn push_entry(&mut self, e: &LogEntry, corrects_seq: Option<i64>) {
        self.extend([EntrySummary {
            id: e.id,
            seq: e.seq,
            text: e.text.clone(),
            folded: fold(&e.text),
            author: e.author.clone(),
            reported_at: e.reported_at,
            kind: e.kind,
            tags: e.tags.clone(),
            significant: e.significant,
            corrects_seq,
        }]);
    }

    pub fn set_significant(&mut self, seq: i64, significant: bool) {
        if let Some(&i) = self.by_seq.get(&seq) {
            self.rows[i].significant = significant;
            if self.filter.significant_only {
                self.apply();
            }
        }
    }

    fn passes(&self, r: &Row) -> bool {
        self.filter.matches(&Filterable {
            folded_text: &r.folded,
            folded_tags: &r.tags,
            folded_author: &r.folded_author,
            decision: r.kind == EntryKind::Decision,
            significant: r.significant,
        })
    }

    pub fn set_filter(&mut self, filter: LogFilter) {
        if filter != self.filter {
            self.filter = filter;
            self.apply();
        }
    }

    fn apply(&mut self) {
        self.visible = if self.filter.is_empty() {
            None
        } else {
            Some(
                (0..self.rows.len())
                    .filter(|&i| self.passes(&self.rows[i]))
                    .collect(),
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(seq: i64, text: &str, corrects: Option<i64>) -> EntrySummary {
        EntrySummary {
            id: Uuid::now_v7(),
            seq,
            text: text.into(),
            folded: fold(text),
            author: "kari".into(),
            reported_at: Utc::now(),
            kind: if text.starts_with("Vi") {
                EntryKind::Decision
            } else {
                EntryKind::Note
            },
            tags: vec![],
            significant: false,
            corrects_seq: corrects,
        }
    }

    #[test]
    fn filter_narrows_and_new_entries_respect_it() {
        let mut m = LogModel::new();
        m.extend([
            summary(1, "Strømbrudd i Andebu", None),
            summary(2, "Flom i Lågen", None),
        ]);
        m.set_filter(LogFilter::parse("strom"));
        assert_eq!(m.len(), 1);
        assert_eq!(&*m.get(0).unwrap().text, "Strømbrudd i Andebu");
        m.extend([
            summary(3, "Mer strøm borte", None),
            summary(4, "Vann", None),
        ]);
        assert_eq!(m.len(), 2);
        m.set_filter(LogFilter::default());
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn corrections_point_both_ways() {
        let mut m = LogModel::new();
        m.extend([
            summary(1, "38 beboere", None),
            summary(2, "36 beboere", Some(1)),
        ]);
        assert_eq!(m.get(0).unwrap().corrected_by, Some(2));
        assert_eq!(m.get(1).unwrap().corrects_seq, Some(1));
    }

    #[test]
    fn significant_only_follows_marking() {
        let mut m = LogModel::new();
        m.extend([summary(1, "a", None), summary(2, "b", None)]);
        m.set_filter(LogFilter::parse("*"));
        assert_eq!(m.len(), 0);
        m.set_significant(2, true);
        assert_eq!(m.len(), 1);
    }
}

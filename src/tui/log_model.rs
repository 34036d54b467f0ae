//! The log as the view holds it: every entry of the incident in memory, compact, with
//! search text already folded into one contiguous arena, and the list of entries the
//! filter lets through. No terminal code: the pane renders from this, the benches
//! measure it. A model can be built on another thread (it is `Send`) and merged in
//! front of the one on screen, so the newest entries show before the history loads.

use crate::domain::filter::{Filterable, LogFilter};
use crate::domain::{EntryKind, LogEntry};
use crate::store::EntrySummary;
use crate::text::fold_into;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Row {
    pub id: Uuid,
    pub seq: i64,
    /// Where the text lies in the model's text arena: see [`LogModel::text`].
    text: Range<u32>,
    pub author: Arc<str>,
    pub reported_at: DateTime<Utc>,
    pub kind: EntryKind,
    pub significant: bool,
    pub corrects_seq: Option<i64>,
    /// The seq of the entry that corrects this one, if any.
    pub corrected_by: Option<i64>,
    /// Where the folded text, tags and author lie in the model's search arena.
    folded: Range<u32>,
    tags: Range<u32>,
    author_folded: Range<u32>,
}

#[derive(Default)]
pub struct LogModel {
    /// In seq order (seqs are dense per incident, so binary search finds one).
    rows: Vec<Row>,
    /// The text of every row, back to back: one allocation instead of one per entry.
    texts: String,
    /// Folded text, tags and authors of every row, back to back: scanning one block
    /// of memory is what makes filtering 100,000 entries quick.
    arena: String,
    authors: HashMap<String, Arc<str>>,
    filter: LogFilter,
    /// Indices into `rows` the filter lets through, in the order shown; `None` when
    /// there is no filter and the order is the log's own.
    visible: Option<Vec<usize>>,
    /// Shown by the time things were said instead of in the order they were written.
    by_time: bool,
}

fn range(start: usize, end: usize) -> Range<u32> {
    start as u32..end as u32
}

impl LogModel {
    pub fn new() -> LogModel {
        LogModel::default()
    }

    /// Build a model from entries visited in seq order (see `Session::for_each_summary`).
    pub fn load<E>(
        visit: impl FnOnce(&mut dyn FnMut(&EntrySummary<'_>)) -> Result<(), E>,
    ) -> Result<LogModel, E> {
        let mut m = LogModel::new();
        visit(&mut |e| m.push(e))?;
        Ok(m)
    }

    /// The text of a row.
    pub fn text(&self, row: &Row) -> &str {
        &self.texts[row.text.start as usize..row.text.end as usize]
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

    pub fn first_seq(&self) -> Option<i64> {
        self.rows.first().map(|r| r.seq)
    }

    pub fn last_seq(&self) -> i64 {
        self.rows.last().map_or(0, |r| r.seq)
    }

    /// The row with this seq, wherever the filter stands.
    /// The number the entry with this id has now (numbers move when entries from a
    /// replica that was offline take their places by time). Looked for from the end:
    /// it is asked about entries just written.
    pub fn seq_of(&self, id: Uuid) -> Option<i64> {
        self.rows.iter().rev().find(|r| r.id == id).map(|r| r.seq)
    }

    pub fn by_seq(&self, seq: i64) -> Option<&Row> {
        self.index_of(seq).map(|i| &self.rows[i])
    }

    fn index_of(&self, seq: i64) -> Option<usize> {
        self.rows.binary_search_by_key(&seq, |r| r.seq).ok()
    }

    pub fn filter(&self) -> &LogFilter {
        &self.filter
    }

    /// Add an entry (the next in seq order) at the end, keeping the filter applied.
    pub fn push(&mut self, e: &EntrySummary<'_>) {
        let author = match self.authors.get(e.author) {
            Some(a) => a.clone(),
            None => {
                let a: Arc<str> = e.author.into();
                self.authors.insert(e.author.to_string(), a.clone());
                a
            }
        };
        if let Some(target) = e.corrects_seq.and_then(|s| self.index_of(s)) {
            self.rows[target].corrected_by = Some(e.seq);
        }
        let start = self.texts.len();
        self.texts.push_str(e.text);
        let text = range(start, self.texts.len());
        let start = self.arena.len();
        self.arena.push_str(e.folded);
        let folded = range(start, self.arena.len());
        fold_into(&mut self.arena, e.tags);
        let tags = range(folded.end as usize, self.arena.len());
        fold_into(&mut self.arena, e.author);
        let author_folded = range(tags.end as usize, self.arena.len());
        let row = Row {
            id: e.id,
            seq: e.seq,
            text,
            author,
            reported_at: e.reported_at,
            kind: e.kind,
            significant: e.significant,
            corrects_seq: e.corrects_seq,
            corrected_by: None,
            folded,
            tags,
            author_folded,
        };
        let passes = self.visible.is_some() && self.passes(&row);
        let at = row.reported_at;
        self.rows.push(row);
        let i = self.rows.len() - 1;
        if let (Some(v), true) = (&mut self.visible, passes) {
            // In time order an entry said earlier than the last one goes in its place.
            let place =
                if self.by_time { v.partition_point(|&j| self.rows[j].reported_at <= at) } else { v.len() };
            v.insert(place, i);
        }
    }

    /// Show the entries by the time they were said (a typed 14:32 among them in its
    /// place) or in the order they were written.
    pub fn set_time_order(&mut self, by_time: bool) {
        if by_time != self.by_time {
            self.by_time = by_time;
            self.apply(None);
        }
    }

    pub fn time_order(&self) -> bool {
        self.by_time
    }

    /// Put an older stretch of the log (built elsewhere, ending just before this one)
    /// in front. Returns how many rows came in front, so views can shift indices.
    pub fn prepend(&mut self, mut older: LogModel) -> usize {
        let shift = older.arena.len() as u32;
        let text_shift = older.texts.len() as u32;
        let n = older.rows.len();
        let mut newer = std::mem::take(&mut self.rows);
        for r in &mut newer {
            for span in [&mut r.folded, &mut r.tags, &mut r.author_folded] {
                *span = span.start + shift..span.end + shift;
            }
            r.text = r.text.start + text_shift..r.text.end + text_shift;
        }
        older.arena.push_str(&self.arena);
        self.arena = older.arena;
        older.texts.push_str(&self.texts);
        self.texts = older.texts;
        older.rows.append(&mut newer);
        self.rows = older.rows;
        for (name, a) in older.authors {
            self.authors.entry(name).or_insert(a);
        }
        // corrections on this side of the seam of entries on the other
        for i in n..self.rows.len() {
            if let Some(target) = self.rows[i].corrects_seq.and_then(|s| self.index_of(s)) {
                if target < n {
                    let seq = self.rows[i].seq;
                    self.rows[target].corrected_by = Some(seq);
                }
            }
        }
        if self.visible.is_some() {
            self.apply(None);
        }
        n
    }

    /// Add one entry just committed.
    pub fn push_entry(&mut self, e: &LogEntry, corrects_seq: Option<i64>) {
        self.push(&EntrySummary {
            id: e.id,
            seq: e.seq,
            text: &e.text,
            folded: &crate::text::fold(&e.text),
            author: &e.author,
            reported_at: e.reported_at,
            kind: e.kind,
            tags: &e.tags.join(" "),
            significant: e.significant,
            corrects_seq,
        });
    }

    pub fn set_significant(&mut self, seq: i64, significant: bool) {
        if let Some(i) = self.index_of(seq) {
            self.rows[i].significant = significant;
            if self.filter.significant_only {
                self.apply(None);
            }
        }
    }

    fn passes(&self, r: &Row) -> bool {
        let at = |s: &Range<u32>| &self.arena[s.start as usize..s.end as usize];
        self.filter.matches(&Filterable {
            folded_text: at(&r.folded),
            folded_tags: at(&r.tags),
            folded_author: at(&r.author_folded),
            decision: r.kind == EntryKind::Decision,
            significant: r.significant,
            automatic: r.kind == EntryKind::Auto,
        })
    }

    pub fn set_filter(&mut self, filter: LogFilter) {
        if filter == self.filter {
            return;
        }
        // Typing one more letter only narrows: check just the entries shown now.
        let narrowing = filter.narrows(&self.filter).then(|| self.visible.take()).flatten();
        self.filter = filter;
        self.apply(narrowing);
    }

    fn apply(&mut self, candidates: Option<Vec<usize>>) {
        self.visible = if self.filter.is_empty() && !self.by_time {
            None
        } else {
            let mut shown: Vec<usize> = match candidates {
                Some(mut c) => {
                    c.retain(|&i| self.passes(&self.rows[i]));
                    c
                }
                None => (0..self.rows.len()).filter(|&i| self.passes(&self.rows[i])).collect(),
            };
            if self.by_time {
                // Stable: entries said in the same minute keep the order they were written.
                shown.sort_by_key(|&i| self.rows[i].reported_at);
            }
            Some(shown)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model of (seq, text, corrected seq) rows, all tagged "Strøm", by kari.
    fn model(rows: &[(i64, &str, Option<i64>)]) -> LogModel {
        let mut m = LogModel::new();
        add(&mut m, rows);
        m
    }

    fn add(m: &mut LogModel, rows: &[(i64, &str, Option<i64>)]) {
        for &(seq, text, corrects_seq) in rows {
            m.push(&EntrySummary {
                id: Uuid::now_v7(),
                seq,
                text,
                folded: &crate::text::fold(text),
                author: "kari",
                reported_at: Utc::now(),
                kind: if text.starts_with("Vi") { EntryKind::Decision } else { EntryKind::Note },
                tags: "Strøm",
                significant: false,
                corrects_seq,
            });
        }
    }

    fn texts(m: &LogModel) -> Vec<String> {
        (0..m.len()).map(|i| m.text(m.get(i).unwrap()).to_string()).collect()
    }

    #[test]
    fn filter_narrows_and_new_entries_respect_it() {
        let mut m = model(&[(1, "Strømbrudd i Andebu", None), (2, "Flom i Lågen", None)]);
        m.set_filter(LogFilter::parse("strom"));
        assert_eq!(texts(&m), ["Strømbrudd i Andebu"]);
        add(&mut m, &[(3, "Mer strøm borte", None), (4, "Vann", None)]);
        assert_eq!(m.len(), 2);
        m.set_filter(LogFilter::parse("strombr"));
        assert_eq!(texts(&m), ["Strømbrudd i Andebu"]);
        m.set_filter(LogFilter::parse("#strom @kari lagen"));
        assert_eq!(texts(&m), ["Flom i Lågen"]);
        m.set_filter(LogFilter::default());
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn corrections_point_both_ways() {
        let m = model(&[(1, "38 beboere", None), (2, "36 beboere", Some(1))]);
        assert_eq!(m.get(0).unwrap().corrected_by, Some(2));
        assert_eq!(m.get(1).unwrap().corrects_seq, Some(1));
    }

    #[test]
    fn significant_only_follows_marking() {
        let mut m = model(&[(1, "a", None), (2, "b", None)]);
        m.set_filter(LogFilter::parse("*"));
        assert_eq!(m.len(), 0);
        m.set_significant(2, true);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn older_history_merges_in_front() {
        let mut newest = model(&[(3, "tre strøm", None), (4, "fire retter én", Some(1))]);
        newest.set_filter(LogFilter::parse("strom"));
        assert_eq!(newest.len(), 1);
        let older = model(&[(1, "én strøm", None), (2, "to", None)]);
        assert_eq!(newest.prepend(older), 2);
        assert_eq!(texts(&newest), ["én strøm", "tre strøm"]);
        assert_eq!(newest.by_seq(1).unwrap().corrected_by, Some(4), "correction across the seam");
        newest.set_filter(LogFilter::parse("fire"));
        assert_eq!(texts(&newest), ["fire retter én"], "arena offsets moved with the rows");
        assert_eq!(newest.first_seq(), Some(1));
    }
}

//! The log as the view holds it: every entry of the incident in memory, compact, with
//! search text already folded into contiguous arenas, and the list of entries the
//! filter lets through. No terminal code: the pane renders from this, the benches
//! measure it. A model can be built on another thread (it is `Send`) and merged in
//! front of the one on screen, so the newest entries show before the history loads.
//!
//! The entries are kept in chunks of [`CHUNK`] consecutive numbers, each with its own
//! arenas. A full chunk no longer changes (but for a correction or a mark, which copy
//! it), and is shared: every view that builds the same chunk of the same log — the
//! sessions served over SSH on one incident — ends up holding one copy (see
//! [`shared`]), so memory does not grow by a whole log per session.

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

/// Entries a chunk holds: those numbered `k * CHUNK + 1 ..= (k + 1) * CHUNK`.
pub const CHUNK: usize = 1024;

/// A stretch of the log: rows in seq order, and their text and search arenas.
#[derive(Debug, Clone, Default)]
struct Chunk {
    rows: Vec<Row>,
    /// The text of every row, back to back: one allocation instead of one per entry.
    texts: String,
    /// Folded text, tags and authors of every row, back to back: scanning one block
    /// of memory is what makes filtering 100,000 entries quick.
    arena: String,
}

/// The chunk a seq belongs in.
fn block(seq: i64) -> i64 {
    (seq - 1).div_euclid(CHUNK as i64)
}

impl Chunk {
    fn block(&self) -> Option<i64> {
        self.rows.first().map(|r| block(r.seq))
    }

    /// Every number of its block is here: it changes no more as entries come.
    fn full(&self) -> bool {
        self.rows.len() == CHUNK
    }

    fn text(&self, row: &Row) -> &str {
        &self.texts[row.text.start as usize..row.text.end as usize]
    }

    fn push(&mut self, e: &EntrySummary<'_>, author: Arc<str>) {
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
        self.rows.push(Row {
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
        });
    }

    /// Append `later`'s rows (the rest of the same block), moving their spans.
    fn append(&mut self, later: &Chunk) {
        let (t, a) = (self.texts.len() as u32, self.arena.len() as u32);
        self.texts.push_str(&later.texts);
        self.arena.push_str(&later.arena);
        self.rows.extend(later.rows.iter().cloned().map(|mut r| {
            r.text = r.text.start + t..r.text.end + t;
            for span in [&mut r.folded, &mut r.tags, &mut r.author_folded] {
                *span = span.start + a..span.end + a;
            }
            r
        }));
    }

    /// What tells this chunk from another of the same block: its rows' ids, numbers
    /// and marks (an entry's text, author and time never change).
    fn key(&self) -> (i64, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for r in &self.rows {
            (r.id, r.seq, r.significant, r.corrects_seq, r.corrected_by).hash(&mut h);
        }
        (self.block().unwrap_or(-1), h.finish())
    }
}

/// The full chunks held by any model in this process, by content: a chunk built again
/// (another session loading the same log) is exchanged for the one already held.
pub mod shared {
    use super::Chunk;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock, Weak};

    type Key = (i64, u64);

    fn held() -> &'static Mutex<HashMap<Key, Weak<Chunk>>> {
        static HELD: OnceLock<Mutex<HashMap<Key, Weak<Chunk>>>> = OnceLock::new();
        HELD.get_or_init(Default::default)
    }

    /// The copy of `chunk` everyone holds (this one, if it is the first).
    pub(super) fn intern(chunk: Arc<Chunk>) -> Arc<Chunk> {
        let key = chunk.key();
        let mut held = held().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(same) = held.get(&key).and_then(Weak::upgrade) {
            // Equal keys are equal rows; the texts follow from the ids.
            if same.rows.len() == chunk.rows.len()
                && same.rows.iter().zip(&chunk.rows).all(|(a, b)| a.id == b.id)
            {
                return same;
            }
        }
        if held.len() > 4 * 1024 {
            held.retain(|_, w| w.strong_count() > 0);
        }
        held.insert(key, Arc::downgrade(&chunk));
        chunk
    }

    /// Chunks held now (for tests and measurements).
    pub fn count() -> usize {
        let held = held().lock().unwrap_or_else(|e| e.into_inner());
        held.values().filter(|w| w.strong_count() > 0).count()
    }
}

#[derive(Default)]
pub struct LogModel {
    /// In seq order, each chunk one block's rows (seqs are dense per incident).
    chunks: Vec<Arc<Chunk>>,
    /// The index of each chunk's first row among all rows.
    starts: Vec<usize>,
    total: usize,
    authors: HashMap<String, Arc<str>>,
    filter: LogFilter,
    /// Indices into the rows the filter lets through, in the order shown; `None` when
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

    /// The chunk holding row `i` (of all rows), and the row's place in it.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.total {
            return None;
        }
        let c = self.starts.partition_point(|&s| s <= i) - 1;
        Some((c, i - self.starts[c]))
    }

    fn row(&self, i: usize) -> Option<&Row> {
        self.locate(i).map(|(c, k)| &self.chunks[c].rows[k])
    }

    /// The chunk holding `seq`: each chunk is one block and the blocks follow each
    /// other (seqs are dense), so it is found by arithmetic; a search if ever not.
    fn chunk_of(&self, seq: i64) -> Option<usize> {
        let first = self.chunks.first()?.block()?;
        let c = usize::try_from(block(seq) - first).ok()?;
        if self.chunks.get(c).and_then(|ch| ch.block()) == Some(block(seq)) {
            return Some(c);
        }
        let c = self.chunks.partition_point(|ch| ch.rows.first().is_some_and(|r| r.seq <= seq));
        c.checked_sub(1)
    }

    /// The text of a row.
    pub fn text(&self, row: &Row) -> &str {
        self.chunk_of(row.seq).map_or("", |c| self.chunks[c].text(row))
    }

    /// Number of entries the filter lets through.
    pub fn len(&self) -> usize {
        self.visible.as_ref().map_or(self.total, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// The i-th entry the filter lets through.
    pub fn get(&self, i: usize) -> Option<&Row> {
        match &self.visible {
            Some(v) => v.get(i).and_then(|&r| self.row(r)),
            None => self.row(i),
        }
    }

    pub fn first_seq(&self) -> Option<i64> {
        self.chunks.first().and_then(|c| c.rows.first()).map(|r| r.seq)
    }

    pub fn last_seq(&self) -> i64 {
        self.chunks.last().and_then(|c| c.rows.last()).map_or(0, |r| r.seq)
    }

    /// The number the entry with this id has now (numbers move when entries from a
    /// replica that was offline take their places by time). Looked for from the end:
    /// it is asked about entries just written.
    pub fn seq_of(&self, id: Uuid) -> Option<i64> {
        self.chunks.iter().rev().flat_map(|c| c.rows.iter().rev()).find(|r| r.id == id).map(|r| r.seq)
    }

    /// The row with this seq, wherever the filter stands.
    pub fn by_seq(&self, seq: i64) -> Option<&Row> {
        self.index_of(seq).and_then(|i| self.row(i))
    }

    fn index_of(&self, seq: i64) -> Option<usize> {
        let c = self.chunk_of(seq)?;
        let k = self.chunks[c].rows.binary_search_by_key(&seq, |r| r.seq).ok()?;
        Some(self.starts[c] + k)
    }

    /// Change the row with this seq (its chunk copied first if others hold it too).
    fn change(&mut self, seq: i64, f: impl FnOnce(&mut Row)) {
        let Some(c) = self.chunk_of(seq) else { return };
        let Ok(k) = self.chunks[c].rows.binary_search_by_key(&seq, |r| r.seq) else { return };
        f(&mut Arc::make_mut(&mut self.chunks[c]).rows[k]);
        if self.chunks[c].full() {
            self.chunks[c] = shared::intern(self.chunks[c].clone());
        }
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
        if let Some(target) = e.corrects_seq {
            let seq = e.seq;
            self.change(target, |r| r.corrected_by = Some(seq));
        }
        if self.chunks.last().is_none_or(|c| c.block() != Some(block(e.seq))) {
            self.starts.push(self.total);
            self.chunks.push(Arc::new(Chunk::default()));
        }
        let last = self.chunks.len() - 1;
        let chunk = Arc::make_mut(&mut self.chunks[last]);
        chunk.push(e, author);
        if chunk.full() {
            self.chunks[last] = shared::intern(self.chunks[last].clone());
        }
        self.total += 1;
        let i = self.total - 1;
        let passes = self.visible.is_some() && self.passes(i);
        if passes {
            let at = e.reported_at;
            // In time order an entry said earlier than the last one goes in its place.
            let place = if self.by_time {
                let v = self.visible.as_ref().expect("checked");
                v.partition_point(|&j| self.row(j).is_some_and(|r| r.reported_at <= at))
            } else {
                self.visible.as_ref().map_or(0, Vec::len)
            };
            if let Some(v) = &mut self.visible {
                v.insert(place, i);
            }
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
    pub fn prepend(&mut self, older: LogModel) -> usize {
        let n = older.total;
        let mut chunks = older.chunks;
        let newer = std::mem::take(&mut self.chunks);
        let mut newer = newer.into_iter();
        // The seam may cut a block in two: its halves become one chunk again.
        if let (Some(last), Some(first)) = (chunks.last_mut(), newer.as_slice().first()) {
            if last.block().is_some() && last.block() == first.block() {
                Arc::make_mut(last).append(first);
                newer.next();
                if last.full() {
                    *last = shared::intern(last.clone());
                }
            }
        }
        chunks.extend(newer);
        self.chunks = chunks;
        self.total += n;
        self.starts = self
            .chunks
            .iter()
            .scan(0, |at, c| {
                let start = *at;
                *at += c.rows.len();
                Some(start)
            })
            .collect();
        for (name, a) in older.authors {
            self.authors.entry(name).or_insert(a);
        }
        // Corrections on this side of the seam of entries on the other.
        let mut corrected = Vec::new();
        for i in n..self.total {
            let r = self.row(i).expect("in range");
            if let Some(target) = r.corrects_seq.filter(|&s| self.index_of(s).is_some_and(|t| t < n)) {
                corrected.push((target, r.seq));
            }
        }
        for (target, seq) in corrected {
            self.change(target, |r| r.corrected_by = Some(seq));
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
        if self.index_of(seq).is_some() {
            self.change(seq, |r| r.significant = significant);
            if self.filter.significant_only {
                self.apply(None);
            }
        }
    }

    /// Does row `i` (of all rows) pass the filter?
    fn passes(&self, i: usize) -> bool {
        self.locate(i).is_some_and(|(c, k)| self.passes_in(&self.chunks[c], &self.chunks[c].rows[k]))
    }

    fn passes_in(&self, chunk: &Chunk, r: &Row) -> bool {
        let at = |s: &Range<u32>| &chunk.arena[s.start as usize..s.end as usize];
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
                    c.retain(|&i| self.passes(i));
                    c
                }
                None => {
                    let mut shown = Vec::new();
                    for (c, chunk) in self.chunks.iter().enumerate() {
                        let start = self.starts[c];
                        shown.extend(
                            chunk
                                .rows
                                .iter()
                                .enumerate()
                                .filter(|(_, r)| self.passes_in(chunk, r))
                                .map(|(k, _)| start + k),
                        );
                    }
                    shown
                }
            };
            if self.by_time {
                // Stable: entries said in the same minute keep the order they were written.
                shown.sort_by_key(|&i| self.row(i).map(|r| r.reported_at));
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

    /// `n` rows numbered from `from`, every third a correction of the one before.
    fn rows(from: i64, n: i64) -> Vec<(i64, String, Option<i64>)> {
        (from..from + n)
            .map(|seq| {
                let corrects = (seq % 3 == 0 && seq > 1).then_some(seq - 1);
                (seq, format!("melding {seq} om strøm"), corrects)
            })
            .collect()
    }

    fn model_of(rows: &[(i64, String, Option<i64>)], ids: &[Uuid]) -> LogModel {
        let mut m = LogModel::new();
        for (k, (seq, text, corrects_seq)) in rows.iter().enumerate() {
            m.push(&EntrySummary {
                id: ids[k],
                seq: *seq,
                text,
                folded: &crate::text::fold(text),
                author: "kari",
                reported_at: chrono::DateTime::from_timestamp(1_800_000_000 + *seq, 0).unwrap(),
                kind: EntryKind::Note,
                tags: "",
                significant: false,
                corrects_seq: *corrects_seq,
            });
        }
        m
    }

    #[test]
    fn chunks_are_invisible_and_shared_between_views_of_one_log() {
        let n = 3 * CHUNK as i64 + 100;
        let all = rows(1, n);
        let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
        // One view loads it in one go; another loads the newest part first and the
        // history later, the seam in the middle of a chunk.
        let whole = model_of(&all, &ids);
        let cut = 2 * CHUNK + 300;
        let mut newest = model_of(&all[cut..], &ids[cut..]);
        assert_eq!(newest.prepend(model_of(&all[..cut], &ids[..cut])), cut);
        for m in [&whole, &newest] {
            assert_eq!(m.total(), n as usize);
            assert_eq!(m.first_seq(), Some(1));
            assert_eq!(m.last_seq(), n);
            for seq in [1, CHUNK as i64, CHUNK as i64 + 1, cut as i64, cut as i64 + 1, n] {
                let r = m.by_seq(seq).unwrap();
                assert_eq!(m.text(r), format!("melding {seq} om strøm"));
                assert_eq!(m.get(seq as usize - 1).unwrap().seq, seq);
            }
            // A correction across the seam and across a chunk's edge points back.
            assert_eq!(
                m.by_seq(cut as i64 + 1).unwrap().corrected_by,
                Some(cut as i64 + 2).filter(|s| s % 3 == 0)
            );
            assert_eq!(
                m.by_seq(CHUNK as i64 * 2 - 1).unwrap().corrected_by,
                Some(CHUNK as i64 * 2).filter(|s| s % 3 == 0)
            );
            assert_eq!(m.seq_of(ids[5]), Some(6));
        }
        // The full chunks are the same memory in both views.
        for c in 0..3 {
            assert!(Arc::ptr_eq(&whole.chunks[c], &newest.chunks[c]), "chunk {c} is shared");
        }
        assert!(
            !Arc::ptr_eq(&whole.chunks[3], &newest.chunks[3]),
            "the last, still filling, is each view's own"
        );
        // Marking an entry in one view copies its chunk; the other view is untouched.
        let mut marked = whole;
        marked.set_significant(10, true);
        assert!(marked.by_seq(10).unwrap().significant);
        assert!(!newest.by_seq(10).unwrap().significant);
        assert!(!Arc::ptr_eq(&marked.chunks[0], &newest.chunks[0]));
        // A filter over all chunks finds what the text says.
        newest.set_filter(LogFilter::parse("melding 2049 "));
        assert_eq!(texts(&newest), ["melding 2049 om strøm"]);
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

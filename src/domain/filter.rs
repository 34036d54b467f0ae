//! The log filter a user types after `/`: words to find (case- and
//! diacritic-insensitive), `#tag`, `@name` (written by or mentioning that person, as
//! much of the name as typed so far), `!` for decisions only and `*` for significant
//! only, combined with AND.

use crate::text::fold;
use memchr::memmem::Finder;

#[derive(Clone, Default)]
pub struct LogFilter {
    /// Folded words that must all occur in the entry's folded text.
    pub words: Vec<String>,
    /// Folded tags; the entry must carry each one.
    pub tags: Vec<String>,
    /// Folded names (or their beginnings): the entry must be written by one of them or
    /// mention one (`@name` in its text), as `@name` means in the entry line too.
    pub authors: Vec<String>,
    pub decisions_only: bool,
    pub significant_only: bool,
    /// Leave out the automatic entries (a task moved, an alert sent): people's words only.
    pub people_only: bool,
    /// One prebuilt searcher per word: building a searcher per entry would cost more
    /// than the search itself on a 100,000-entry log.
    finders: Vec<Finder<'static>>,
    /// `@name` for each of `authors`, to find the mentions.
    mentions: Vec<Finder<'static>>,
}

impl PartialEq for LogFilter {
    fn eq(&self, o: &Self) -> bool {
        (&self.words, &self.tags, &self.authors, self.decisions_only, self.significant_only, self.people_only)
            == (&o.words, &o.tags, &o.authors, o.decisions_only, o.significant_only, o.people_only)
    }
}

impl Eq for LogFilter {}

impl std::fmt::Debug for LogFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogFilter")
            .field("words", &self.words)
            .field("tags", &self.tags)
            .field("authors", &self.authors)
            .field("decisions_only", &self.decisions_only)
            .field("significant_only", &self.significant_only)
            .field("people_only", &self.people_only)
            .finish()
    }
}

/// What the filter looks at in one entry, already folded, so filtering 100,000
/// entries is a substring scan and nothing more.
pub struct Filterable<'a> {
    pub folded_text: &'a str,
    /// Folded tags separated by single spaces.
    pub folded_tags: &'a str,
    pub folded_author: &'a str,
    pub decision: bool,
    pub significant: bool,
    /// Written by sitroom itself (kind `auto`).
    pub automatic: bool,
}

impl LogFilter {
    pub fn parse(query: &str) -> LogFilter {
        let mut f = LogFilter::default();
        for token in query.split_whitespace() {
            match token {
                "!" => f.decisions_only = true,
                "*" => f.significant_only = true,
                t if t.len() > 1 && t.starts_with('#') => f.tags.push(fold(&t[1..])),
                t if t.len() > 1 && t.starts_with('@') => f.authors.push(fold(&t[1..])),
                t => f.words.push(fold(t)),
            }
        }
        f.finders = f.words.iter().map(|w| Finder::new(w.as_bytes()).into_owned()).collect();
        f.mentions = f.authors.iter().map(|a| Finder::new(format!("@{a}").as_bytes()).into_owned()).collect();
        f
    }

    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
    }

    /// Does every entry this filter lets through also pass `wider`? True when the user
    /// typed more of the same query, so only the entries shown now need checking.
    pub fn narrows(&self, wider: &LogFilter) -> bool {
        let contains_all = |mine: &[String], theirs: &[String], sub: bool| {
            theirs.iter().all(|t| mine.iter().any(|m| if sub { m.contains(t.as_str()) } else { m == t }))
        };
        (self.decisions_only || !wider.decisions_only)
            && (self.significant_only || !wider.significant_only)
            && (self.people_only || !wider.people_only)
            && contains_all(&self.words, &wider.words, true)
            && contains_all(&self.tags, &wider.tags, false)
            && wider.authors.is_empty()
            || (*self == *wider)
    }

    pub fn matches(&self, e: &Filterable<'_>) -> bool {
        (!self.decisions_only || e.decision)
            && (!self.significant_only || e.significant)
            && (!self.people_only || !e.automatic)
            && (self.authors.is_empty()
                || self.authors.iter().any(|a| e.folded_author.starts_with(a.as_str()))
                || self.mentions.iter().any(|m| m.find(e.folded_text.as_bytes()).is_some()))
            && self.tags.iter().all(|t| e.folded_tags.split(' ').any(|et| et == t))
            && self.finders.iter().all(|f| f.find(e.folded_text.as_bytes()).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(text: &'a str, tags: &'a str, author: &'a str) -> Filterable<'a> {
        Filterable {
            folded_text: text,
            folded_tags: tags,
            folded_author: author,
            decision: false,
            significant: false,
            automatic: false,
        }
    }

    #[test]
    fn words_match_without_accents_or_case() {
        let text = fold("Strømbrudd meldt i Andebu sentrum");
        let f = LogFilter::parse("STROM andebu");
        assert!(f.matches(&entry(&text, "", "kari")));
        assert!(!LogFilter::parse("strom høyjord").matches(&entry(&text, "", "kari")));
    }

    #[test]
    fn tags_authors_and_flags() {
        let f = LogFilter::parse("#Strøm @Kari");
        assert!(f.matches(&entry("x", "ekom strom", "kari")));
        assert!(!f.matches(&entry("x", "ekom strom", "ola")));
        assert!(!f.matches(&entry("x", "stromnett", "kari")), "whole tags only");
        assert!(!f.matches(&entry("x", "", "kari")));
        // @name: written by, or mentioning, as much of the name as is typed yet.
        let f = LogFilter::parse("@kommuneo");
        assert!(f.matches(&entry(&fold("Gokstad evakueres @kommuneoverlege"), "", "kari")));
        assert!(f.matches(&entry("x", "", "kommuneoverlege")));
        assert!(!f.matches(&entry("kommuneoverlegen sa", "", "kari")), "a mention is @name");
        let f = LogFilter::parse("! *");
        let mut e = entry("x", "", "kari");
        assert!(!f.matches(&e));
        e.decision = true;
        e.significant = true;
        assert!(f.matches(&e));
        assert!(LogFilter::parse("  ").is_empty());
    }

    #[test]
    fn typing_more_narrows() {
        let p = LogFilter::parse;
        assert!(p("strom").narrows(&p("str")));
        assert!(p("strom andebu").narrows(&p("strom")));
        assert!(p("strom !").narrows(&p("strom")));
        assert!(!p("str").narrows(&p("strom")));
        assert!(!p("andebu").narrows(&p("strom")));
        assert!(!p("strom").narrows(&p("strom !")));
        assert!(!p("@ola").narrows(&p("@kari")));
    }
}

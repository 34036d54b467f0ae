//! The log filter a user types after `/`: words to find (case- and
//! diacritic-insensitive), `#tag`, `@author`, `!` for decisions only and `*` for
//! significant only, combined with AND.

use crate::text::fold;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Folded words that must all occur in the entry's folded text.
    pub words: Vec<String>,
    /// Folded tags; the entry must carry each one.
    pub tags: Vec<String>,
    /// Folded author names; the entry's author must match one of them.
    pub authors: Vec<String>,
    pub decisions_only: bool,
    pub significant_only: bool,
}

/// What the filter looks at in one entry. Fields are already folded, so filtering
/// 100,000 entries is a substring scan and nothing more.
pub struct Filterable<'a> {
    pub folded_text: &'a str,
    pub folded_tags: &'a [Box<str>],
    pub folded_author: &'a str,
    pub decision: bool,
    pub significant: bool,
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
        f
    }

    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
    }

    pub fn matches(&self, e: &Filterable<'_>) -> bool {
        (!self.decisions_only || e.decision)
            && (!self.significant_only || e.significant)
            && (self.authors.is_empty() || self.authors.iter().any(|a| e.folded_author == a))
            && self
                .tags
                .iter()
                .all(|t| e.folded_tags.iter().any(|et| &**et == t))
            && self
                .words
                .iter()
                .all(|w| e.folded_text.contains(w.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(text: &'a str, tags: &'a [Box<str>], author: &'a str) -> Filterable<'a> {
        Filterable {
            folded_text: text,
            folded_tags: tags,
            folded_author: author,
            decision: false,
            significant: false,
        }
    }

    #[test]
    fn words_match_without_accents_or_case() {
        let text = fold("Strømbrudd meldt i Andebu sentrum");
        let f = LogFilter::parse("STROM andebu");
        assert!(f.matches(&entry(&text, &[], "kari")));
        assert!(!LogFilter::parse("strom høyjord").matches(&entry(&text, &[], "kari")));
    }

    #[test]
    fn tags_authors_and_flags() {
        let tags: Vec<Box<str>> = vec!["strom".into()];
        let f = LogFilter::parse("#Strøm @Kari");
        assert!(f.matches(&entry("x", &tags, "kari")));
        assert!(!f.matches(&entry("x", &tags, "ola")));
        assert!(!f.matches(&entry("x", &[], "kari")));
        let f = LogFilter::parse("! *");
        let mut e = entry("x", &[], "kari");
        assert!(!f.matches(&e));
        e.decision = true;
        e.significant = true;
        assert!(f.matches(&e));
        assert!(LogFilter::parse("  ").is_empty());
    }
}

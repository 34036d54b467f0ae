//! Quick marks a logger types inline, so that nothing slows the typing down:
//! `14:32 ` at the start sets the time it was said, a leading `!` makes the entry a
//! decision (beslutning), `#tag` tags it and `@name` mentions a person.

use super::time::ClockTime;
use super::EntryKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    /// The text as stored: the time prefix and the decision `!` removed, tags and
    /// mentions left in place where they were typed.
    pub text: String,
    pub kind: EntryKind,
    pub at: Option<ClockTime>,
    pub tags: Vec<String>,
    pub mentions: Vec<String>,
    /// A first word written like a clock time that is not one (`25:99`): the logger
    /// meant a time, and the entry must not be stored at the wrong one.
    pub not_a_time: Option<String>,
}

/// Read the quick marks of a typed entry. The text should already be NFC.
pub fn parse(input: &str) -> Marked {
    let mut rest = input.trim();
    let mut kind = EntryKind::Note;
    let mut at = None;
    let mut not_a_time = None;
    // `!14:32 text` and `14:32 !text` both work: loggers type either.
    for _ in 0..2 {
        if let Some(r) = rest.strip_prefix('!') {
            kind = EntryKind::Decision;
            rest = r.trim_start();
        } else if at.is_none() && not_a_time.is_none() {
            // (A time alone is a time with nothing said after it: an empty entry, not
            // an entry whose text is "14:32".)
            if let Some((first, r)) = rest.split_once(char::is_whitespace).or(Some((rest, ""))) {
                if let Some(clock) = ClockTime::parse(first) {
                    at = Some(clock);
                    rest = r.trim_start();
                } else if first.contains(':') && ClockTime::looks_like(first) {
                    // `25:99` was meant as a time; `3.75` (millioner) may be a number.
                    not_a_time = Some(first.to_string());
                }
            }
        }
    }
    Marked {
        text: rest.to_string(),
        kind,
        at,
        tags: words_after(rest, '#'),
        mentions: words_after(rest, '@'),
        not_a_time,
    }
}

/// `#tag` or `@name` words: the sigil at the start of a word, followed by letters,
/// digits, `-`, `_` or `.` (trailing punctuation dropped). Tags are lower-cased; both
/// are de-duplicated in the order typed.
fn words_after(text: &str, sigil: char) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')') {
        let Some(body) = word.strip_prefix(sigil) else {
            continue;
        };
        let body: String =
            body.chars().take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
        let body = body.trim_end_matches(['.', '-', '_']);
        if body.is_empty() {
            continue;
        }
        let body = if sigil == '#' { body.to_lowercase() } else { body.to_string() };
        if !found.contains(&body) {
            found.push(body);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_clock_that_is_not_a_time_is_noticed_a_decimal_is_not() {
        assert_eq!(parse("25:99 Brannvesenet melder").not_a_time.as_deref(), Some("25:99"));
        assert_eq!(parse("!24:00 Evakuer").not_a_time.as_deref(), Some("24:00"));
        assert_eq!(parse("3.75 millioner i skade").not_a_time, None, "a decimal stays text");
        assert_eq!(parse("14:32 Strømmen er tilbake").not_a_time, None);
    }

    use super::*;

    #[test]
    fn a_time_alone_is_a_time_and_no_text() {
        let m = parse("14:32 ");
        assert_eq!((m.text.as_str(), m.at.is_some()), ("", true));
        let m = parse("!14:32");
        assert_eq!((m.text.as_str(), m.at.is_some(), m.kind), ("", true, EntryKind::Decision));
    }

    #[test]
    fn plain_text_is_a_note() {
        let m = parse("Vannstanden steg 40 cm");
        assert_eq!(m.kind, EntryKind::Note);
        assert_eq!(m.text, "Vannstanden steg 40 cm");
        assert_eq!(m.at, None);
    }

    #[test]
    fn time_prefix_sets_reported_time() {
        let m = parse("08:02 Kriseledelsen satt #stab");
        assert_eq!(m.at, Some(ClockTime { hour: 8, minute: 2 }));
        assert_eq!(m.text, "Kriseledelsen satt #stab");
        assert_eq!(m.tags, vec!["stab"]);
    }

    #[test]
    fn a_time_inside_the_text_is_not_a_prefix() {
        let m = parse("Møte kl 10:00 #stab");
        assert_eq!(m.at, None);
    }

    #[test]
    fn leading_bang_is_a_decision_in_either_order() {
        let m = parse("!Sykehjemmet evakueres @kommuneoverlege #evakuering");
        assert_eq!(m.kind, EntryKind::Decision);
        assert_eq!(m.text, "Sykehjemmet evakueres @kommuneoverlege #evakuering");
        assert_eq!(m.mentions, vec!["kommuneoverlege"]);
        let m = parse("14:32 ! Bestille drivstoff");
        assert_eq!((m.kind, m.text.as_str()), (EntryKind::Decision, "Bestille drivstoff"));
        assert!(m.at.is_some());
        let m = parse("!14:32 Bestille drivstoff");
        assert_eq!((m.kind, m.text.as_str()), (EntryKind::Decision, "Bestille drivstoff"));
        assert!(m.at.is_some());
        assert_eq!(parse("Ikke ! en beslutning").kind, EntryKind::Note);
    }

    #[test]
    fn tags_and_mentions_with_norwegian_letters() {
        let m = parse("Strømbrudd i Andebu #Strøm #ekom, #strøm @leder-EPS. @teknisk-sjef: x");
        assert_eq!(m.tags, vec!["strøm", "ekom"]);
        assert_eq!(m.mentions, vec!["leder-EPS", "teknisk-sjef"]);
        assert!(parse("e-post: a@b.no og #1 #").tags == vec!["1"]);
        assert!(parse("e-post a@b.no").mentions.is_empty());
    }
}

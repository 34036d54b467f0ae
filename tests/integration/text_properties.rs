//! Properties that must hold for any text a user (or an attacker) can type or paste.

use proptest::prelude::*;
use ratatui::style::Style;
use sitroom::domain::quickmarks;
use sitroom::text::{fold, safe, safe_line};
use sitroom::tui::wrap::wrap;
use unicode_width::UnicodeWidthStr;

fn dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

proptest! {
    #[test]
    fn safe_text_never_carries_control_characters(s in any::<String>()) {
        prop_assert!(!safe(&s).chars().any(dangerous));
        prop_assert!(!safe_line(&s).chars().any(|c| dangerous(c) || c == '\n'));
    }

    #[test]
    fn safe_leaves_ordinary_text_alone(s in "[a-zA-ZæøåÆØÅ0-9 .,!?#@:\u{4e00}-\u{4e10}]*") {
        let shown = safe(&s);
        prop_assert_eq!(shown.as_ref(), s.as_str());
    }

    #[test]
    fn wrapped_lines_fit_the_width(s in any::<String>(), width in 1usize..120) {
        use unicode_segmentation::UnicodeSegmentation;
        let text = safe(&s).into_owned();
        // A single grapheme wider than the line (an emoji, a letter with a spacing
        // mark) is the only overflow allowed: it cannot be split.
        let widest = text.graphemes(true).map(|g| g.width()).max().unwrap_or(0);
        for line in wrap(&[(text.clone(), Style::default())], width) {
            let w: usize = line.spans.iter().map(|sp| sp.content.width()).sum();
            prop_assert!(w <= width.max(widest), "width {} > {}", w, width);
        }
    }

    #[test]
    fn wrapping_keeps_every_word(words in proptest::collection::vec("[a-zæøå]{1,12}", 1..30), width in 12usize..80) {
        let text = words.join(" ");
        let lines = wrap(&[(text.clone(), Style::default())], width);
        let joined: Vec<String> = lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>()).collect();
        let rejoined = joined.join(" ");
        prop_assert_eq!(rejoined.split_whitespace().collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn quick_marks_never_lose_the_text(s in any::<String>()) {
        let m = quickmarks::parse(&s);
        prop_assert!(s.contains(m.text.as_str()));
        for t in &m.tags {
            prop_assert!(!t.is_empty() && !t.contains(char::is_whitespace));
        }
    }

    #[test]
    fn folding_is_stable(s in any::<String>()) {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f);
    }

    #[test]
    fn search_ignores_case_and_norwegian_diacritics(s in "[a-zæøåéü ]{0,40}") {
        prop_assert_eq!(fold(&s.to_uppercase()), fold(&s));
        let plain: String = s.chars().map(|c| match c { 'ø' => 'o', 'å' => 'a', 'é' => 'e', 'ü' => 'u', c => c }).collect();
        prop_assert_eq!(fold(&plain), fold(&s));
    }
}

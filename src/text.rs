//! Text helpers shared by every layer: NFC normalisation of typed text, neutralising
//! control characters before text reaches a terminal, and the accent-insensitive
//! folding that search uses, and SHA-256 as hex (how hashes and checksums are written
//! everywhere). No terminal code here: these are plain string transforms.

use std::borrow::Cow;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// SHA-256 of `bytes`, as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Normalise to NFC so that `å` typed as one code point or as `a` + ring is the same text.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// True for characters that must never reach a terminal raw: C0/C1 controls (other
/// than newline), DEL, and the bidi overrides/isolates that can disguise text.
fn is_dangerous(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text made safe to print: every dangerous character is replaced by a visible stand-in
/// (`␛` for ESC, the Unicode control pictures for the rest of C0, `\x9b`-style escapes
/// for C1, `<U+202E>` for bidi controls). Tabs become a space. Newlines are kept; callers
/// that show one line use [`safe_line`].
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) || c == '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_safe(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`safe`], and newlines shown as `⏎` so the text stays on one line.
pub fn safe_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) || c == '\t' || c == '\n' || c == '\r') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push('⏎'),
            '\r' => {}
            c => push_safe(&mut out, c),
        }
    }
    Cow::Owned(out)
}

fn push_safe(out: &mut String, c: char) {
    match c {
        '\t' => out.push(' '),
        '\u{1b}' => out.push('␛'),
        '\u{7f}' => out.push('␡'),
        '\u{0}'..='\u{1f}' if c != '\n' => {
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('�'));
        }
        '\u{80}'..='\u{9f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        }
        c => out.push(c),
    }
}

/// Fold text for case- and diacritic-insensitive search: lower case, letters with
/// accents reduced to their base (`é` → `e`, `å` → `a`), and the Nordic letters that do
/// not decompose mapped as a Norwegian reader expects (`ø` → `o`, `æ` → `ae`).
/// `fold("Strømbrudd")` contains `fold("strom")`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    out
}

/// [`fold`], appending to `out` (no allocation of its own).
pub fn fold_into(out: &mut String, s: &str) {
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        // Decompose first, then map: `ǣ` is `æ` with a macron, and must fold like `æ`.
        for d in std::iter::once(c).nfd().filter(|m| !is_combining_mark(*m)) {
            match d {
                'ø' => out.push('o'),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ß' => out.push_str("ss"),
                'đ' | 'ð' => out.push('d'),
                'ł' => out.push('l'),
                'þ' => out.push_str("th"),
                d => out.push(d),
            }
        }
    }
}

/// A key that sorts names in Norwegian alphabetical order: case and accents aside
/// (`é` with `e`), and æ, ø, å last, after z, in that order.
pub fn sort_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push('{'),
            'ø' | 'ö' => out.push('|'),
            'å' => out.push('}'),
            c if c.is_ascii() => out.push(c),
            c => out.extend(std::iter::once(c).nfd().filter(|m| !is_combining_mark(*m))),
        }
    }
    out
}

/// The user-perceived characters of `s` with the columns each takes: an emoji with its
/// skin tone, a family joined with ZWJ, a flag, a letter with combining accents are one
/// each, measured whole. Cutting or wrapping by these never leaves a stray modifier on
/// screen (a lone 🏽 that stays until the screen is redrawn).
pub fn graphemes_with_width(s: &str) -> impl Iterator<Item = (&str, usize)> {
    use unicode_segmentation::UnicodeSegmentation;
    s.graphemes(true).map(|g| (g, unicode_width::UnicodeWidthStr::width(g)))
}

/// Pasted text as it was meant: line breaks as `\n` (terminals paste them as CR),
/// tabs as a space, and terminal escape sequences (colours copied from another
/// program's output, a window title) taken out whole, not left behind as `[31m` once
/// the ESC is gone. Other control characters are dropped.
pub fn pasted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            // CSI: ESC [ (or the one-byte C1 form), parameters, a final byte @ to ~.
            '\u{1b}' if chars.next_if_eq(&'[').is_some() => skip_csi(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // OSC, DCS, APC, PM, SOS: up to BEL or ST (ESC \).
            '\u{1b}' if chars.next_if(|c| matches!(c, ']' | 'P' | '_' | '^' | 'X')).is_some() => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || c == '\u{1b}' && chars.next_if_eq(&'\\').is_some() {
                        break;
                    }
                }
            }
            // Any other ESC sequence: ESC and the one character after it.
            '\u{1b}' => {
                chars.next();
            }
            c if is_dangerous(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pasted_text_loses_whole_escape_sequences_and_keeps_its_lines() {
        let raw = "Melding fra \u{1b}[31mNVE\u{1b}[0m: rødt farevarsel\r\nLinje to \u{1b}]0;hacked\u{7} slutt\rtre\tfire \u{1b}]8;;http://x\u{1b}\\lenke\u{9b}1m æøå 👍🏽";
        assert_eq!(pasted(raw), "Melding fra NVE: rødt farevarsel\nLinje to  slutt\ntre fire lenke æøå 👍🏽");
        assert_eq!(pasted("\u{202e}snudd\u{1b}"), "snudd");
    }

    use super::*;

    #[test]
    fn nfc_joins_decomposed_letters() {
        assert_eq!(nfc("a\u{30a}"), "å");
        assert_eq!(nfc("Bøkeskogen"), "Bøkeskogen");
    }

    #[test]
    fn escape_sequences_are_neutralised() {
        let evil = "ok\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt";
        let s = safe(evil);
        assert!(!s.chars().any(is_dangerous), "{s:?}");
        assert_eq!(s, "ok␛]0;pwned␇␛[2J\\x9b31m<U+202E>txt");
    }

    #[test]
    fn plain_text_is_borrowed_untouched() {
        assert!(matches!(safe("Strømbrudd i Andebu 😀 漢字"), Cow::Borrowed(_)));
    }

    #[test]
    fn safe_line_keeps_one_line() {
        assert_eq!(safe_line("a\r\nb\tc"), "a⏎b c");
    }

    #[test]
    fn norwegian_names_sort_with_aeoa_last() {
        let mut names = vec!["Åse", "Øystein", "Ærlend", "Zakarias", "Éric", "anne", "Olav"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["anne", "Éric", "Olav", "Zakarias", "Ærlend", "Øystein", "Åse"]);
    }

    #[test]
    fn folding_ignores_case_and_diacritics() {
        assert!(fold("Strømbrudd").contains(&fold("strom")));
        assert!(fold("Strømbrudd").contains(&fold("STRØM")));
        assert_eq!(fold("Ærlig Ålesund Café"), "aerlig alesund cafe");
        assert_eq!(fold("Høyjord"), "hoyjord");
        assert_eq!(fold("ǣ"), fold(&fold("ǣ")), "decomposed, then mapped");
    }
}

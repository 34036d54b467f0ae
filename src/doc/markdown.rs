//! The Markdown reports are written in (the templates' `## 1. Situasjonsbeskrivelse`,
//! `**Hendelse:**`, lists, the minutes' task table), read into blocks of styled runs,
//! so the TUI shows a sitrep as formatted text and the PDF and HTML print it so, not
//! as the marks it was typed with. Only what the templates and writers use: headings,
//! paragraphs, `-`/`*` and numbered lists, `**bold**`, `*italic*`/`_italic_`, tables
//! and rules. Anything else stays as it was written.

/// A run of text and how it is marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MdBlock {
    /// Level 1–6 and its text.
    Heading(u8, Vec<Run>),
    Para(Vec<Run>),
    /// A list item: its marker ("•", "3.") and text.
    Item(String, Vec<Run>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Rule,
    Blank,
}

/// `**bold**`, `*italic*` and `_italic_` in a line, as runs. An unclosed mark is text.
pub fn runs(line: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let (mut bold, mut italic) = (false, false);
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Run>, bold: bool, italic: bool| {
        if !text.is_empty() {
            out.push(Run { text: std::mem::take(text), bold, italic });
        }
    };
    let chars: Vec<char> = line.chars().collect();
    let closes = |from: usize, mark: &str| {
        let rest: String = chars[from..].iter().collect();
        rest.contains(mark)
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '*' && chars.get(i + 1) == Some(&'*') && (bold || closes(i + 2, "**")) {
            flush(&mut text, &mut out, bold, italic);
            bold = !bold;
            i += 2;
            continue;
        }
        // A single * or _ opens only before a letter and closes only after one, so
        // "3 * 4" and snake_case stay as they are.
        let word_before = i > 0 && chars[i - 1].is_alphanumeric();
        let word_after = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if (c == '*' || c == '_')
            && ((!italic && !word_before && word_after && closes(i + 1, &c.to_string()))
                || (italic && word_before))
        {
            flush(&mut text, &mut out, bold, italic);
            italic = !italic;
            i += 1;
            continue;
        }
        text.push(c);
        i += 1;
    }
    flush(&mut text, &mut out, bold, italic);
    out
}

/// A table row's cells: `| a | b |` → ["a", "b"].
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && (t.chars().all(|c| c == '-') || t.chars().all(|c| c == '*'))
}

/// The text's blocks, line by line (a paragraph is a line: reports are written a
/// line per thought, and the line breaks are the writer's).
pub fn blocks(text: &str) -> Vec<MdBlock> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim_start();
        let hashes = t.bytes().take_while(|b| *b == b'#').count();
        if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
            out.push(MdBlock::Heading(hashes as u8, runs(t[hashes..].trim())));
        } else if t.starts_with('|')
            && lines.get(i + 1).is_some_and(|n| {
                n.trim_start().starts_with("|-")
                    || n.trim_start().starts_with("| -")
                    || n.trim_start().starts_with("|:")
            })
        {
            let head = cells(t);
            let mut rows = Vec::new();
            i += 2;
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                rows.push(cells(lines[i]));
                i += 1;
            }
            out.push(MdBlock::Table { head, rows });
            continue;
        } else if is_rule(t) {
            out.push(MdBlock::Rule);
        } else if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            out.push(MdBlock::Item("•".into(), runs(rest)));
        } else if let Some((n, rest)) = t
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
        {
            out.push(MdBlock::Item(format!("{n}."), runs(rest)));
        } else if t.trim().is_empty() {
            out.push(MdBlock::Blank);
        } else {
            out.push(MdBlock::Para(runs(line.trim())));
        }
        i += 1;
    }
    out
}

/// The runs' text without their marks.
pub fn plain(runs: &[Run]) -> String {
    runs.iter().map(|r| r.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sitrep_reads_as_headings_bold_lists_and_tables() {
        let b = blocks(
            "# Situasjonsrapport 1\n\n**Hendelse:** Flom i Lågen\n## 1. Situasjon\n- Gokstad *evakueres*\n3. Neste\n| Oppgave | Ansvarlig |\n|---|---|\n| Ring | liv |\n---\n3 * 4 og snake_case",
        );
        assert_eq!(b[0], MdBlock::Heading(1, runs("Situasjonsrapport 1")));
        assert_eq!(b[1], MdBlock::Blank);
        let MdBlock::Para(p) = &b[2] else { panic!("{b:?}") };
        assert_eq!(p[0], Run { text: "Hendelse:".into(), bold: true, italic: false });
        assert_eq!(plain(p), "Hendelse: Flom i Lågen");
        assert!(matches!(&b[3], MdBlock::Heading(2, r) if plain(r) == "1. Situasjon"));
        let MdBlock::Item(m, r) = &b[4] else { panic!() };
        assert_eq!((m.as_str(), r[1].italic, r[1].text.as_str()), ("•", true, "evakueres"));
        assert!(matches!(&b[5], MdBlock::Item(m, _) if m == "3."));
        assert_eq!(
            b[6],
            MdBlock::Table {
                head: vec!["Oppgave".into(), "Ansvarlig".into()],
                rows: vec![vec!["Ring".into(), "liv".into()]]
            }
        );
        assert_eq!(b[7], MdBlock::Rule);
        assert!(matches!(&b[8], MdBlock::Para(r) if plain(r) == "3 * 4 og snake_case" && r.len() == 1));
    }
}

//! A printable document: headings, paragraphs, preformatted text, tables and
//! checklists, written out as HTML, as plain text, or (through `pdf`) as A4 pages. The
//! archive, the printed binder and the incident print-out are all built as one of
//! these, so each looks the same on screen, in a browser and on paper.

use chrono::{DateTime, Local};
use unicode_width::UnicodeWidthStr;

pub mod markdown;

/// A report's Markdown as blocks to print: headings as headings, lists and paragraphs
/// without their marks, tables as tables.
pub fn from_markdown(text: &str) -> Vec<Block> {
    use markdown::{plain, MdBlock};
    markdown::blocks(text)
        .into_iter()
        .filter_map(|b| match b {
            MdBlock::Heading(_, r) => Some(Block::Heading(plain(&r))),
            MdBlock::Para(r) => Some(Block::Para(plain(&r))),
            MdBlock::Item(m, r) => Some(Block::Para(format!("{m} {}", plain(&r)))),
            MdBlock::Table { head, rows } => Some(Block::Table { head, rows }),
            MdBlock::Rule | MdBlock::Blank => None,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A chapter: starts a new page on paper when `Doc::page_per_chapter` is set.
    Chapter(String),
    Heading(String),
    Para(String),
    /// Text kept as written (a report's body, a log entry's lines).
    Pre(String),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Items to tick off by hand: ☐ on screen, [ ] on paper.
    Checklist(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub title: String,
    /// Shown in every page header.
    pub installation: String,
    pub printed_at: DateTime<Local>,
    pub blocks: Vec<Block>,
    pub page_per_chapter: bool,
}

/// A line of the plain-text layout; the PDF draws bold ones in bold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub bold: bool,
    pub text: String,
    /// Begin a new page before this line (a chapter, on paper).
    pub page_break: bool,
}

/// Text safe to show: control characters (terminal escapes among them) become
/// visible replacements, line breaks and tabs stay.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' => '\n',
            '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #333;margin-top:2em}h3{margin-bottom:.3em}
.meta{color:#444}table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #999;padding:.25em .4em;vertical-align:top;text-align:left}
th{background:#eee}td{white-space:pre-wrap}pre{white-space:pre-wrap;background:#f6f6f6;border:1px solid #ddd;padding:.6em}
ul.check{list-style:none;padding-left:.5em}ul.check li:before{content:'\\2610  '}
@media print{body{margin:0;max-width:none}h2.chapter{break-before:page}tr{break-inside:avoid}pre{background:none}}
@page{size:A4;margin:18mm}";

impl Doc {
    pub fn new(title: impl Into<String>, installation: impl Into<String>) -> Doc {
        Doc {
            title: title.into(),
            installation: installation.into(),
            printed_at: Local::now(),
            blocks: Vec::new(),
            page_per_chapter: false,
        }
    }

    pub fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }

    pub fn header(&self) -> String {
        format!(
            "{} – {} – utskrevet {}",
            self.installation,
            self.title,
            self.printed_at.format("%d.%m.%Y %H:%M")
        )
    }

    /// One self-contained HTML page (styles inline, no scripts, nothing fetched).
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(64 * 1024);
        h.push_str("<!DOCTYPE html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\">");
        h.push_str(&format!("<title>{}</title><style>{CSS}</style></head><body>\n", esc(&self.title)));
        h.push_str(&format!(
            "<h1>{}</h1>\n<p class=\"meta\">{}</p>\n",
            esc(&self.title),
            esc(&self.header())
        ));
        for b in &self.blocks {
            match b {
                Block::Chapter(t) => h.push_str(&format!("<h2 class=\"chapter\">{}</h2>\n", esc(t))),
                Block::Heading(t) => h.push_str(&format!("<h3>{}</h3>\n", esc(t))),
                Block::Para(t) => h.push_str(&format!("<p>{}</p>\n", esc(t).replace('\n', "<br>"))),
                Block::Pre(t) => h.push_str(&format!("<pre>{}</pre>\n", esc(t))),
                Block::Checklist(items) => {
                    h.push_str("<ul class=\"check\">");
                    for i in items {
                        h.push_str(&format!("<li>{}</li>", esc(i)));
                    }
                    h.push_str("</ul>\n");
                }
                Block::Table { head, rows } => {
                    h.push_str("<table><thead><tr>");
                    for c in head {
                        h.push_str(&format!("<th>{}</th>", esc(c)));
                    }
                    h.push_str("</tr></thead><tbody>\n");
                    for r in rows {
                        h.push_str("<tr>");
                        for c in r {
                            h.push_str("<td>");
                            h.push_str(&esc(c));
                            h.push_str("</td>");
                        }
                        h.push_str("</tr>\n");
                    }
                    h.push_str("</tbody></table>\n");
                }
            }
        }
        h.push_str("</body></html>\n");
        h
    }

    /// The document laid out in `width` columns.
    pub fn lines(&self, width: usize) -> Vec<Line> {
        let mut out = Vec::new();
        let plain =
            |out: &mut Vec<Line>, text: String| out.push(Line { bold: false, text, page_break: false });
        let bold = |out: &mut Vec<Line>, text: String| out.push(Line { bold: true, text, page_break: false });
        bold(&mut out, clean(&self.title));
        plain(&mut out, clean(&self.header()));
        for b in &self.blocks {
            match b {
                Block::Chapter(t) => {
                    plain(&mut out, String::new());
                    let t = clean(t).to_uppercase();
                    out.push(Line { bold: true, text: t.clone(), page_break: self.page_per_chapter });
                    bold(&mut out, "=".repeat(t.width().min(width)));
                }
                Block::Heading(t) => {
                    plain(&mut out, String::new());
                    for l in wrap(&clean(t), width) {
                        bold(&mut out, l);
                    }
                }
                Block::Para(t) | Block::Pre(t) => {
                    for l in wrap(&clean(t), width) {
                        plain(&mut out, l);
                    }
                    plain(&mut out, String::new());
                }
                Block::Checklist(items) => {
                    for i in items {
                        for (k, l) in wrap(&clean(i), width.saturating_sub(4)).into_iter().enumerate() {
                            plain(&mut out, format!("{}{l}", if k == 0 { "[ ] " } else { "    " }));
                        }
                    }
                    plain(&mut out, String::new());
                }
                Block::Table { head, rows } => {
                    for l in table(head, rows, width) {
                        out.push(l);
                    }
                    plain(&mut out, String::new());
                }
            }
        }
        out
    }

    pub fn to_text(&self, width: usize) -> String {
        let mut s = String::new();
        for l in self.lines(width) {
            if l.page_break {
                s.push('\u{c}');
                s.push('\n');
            }
            s.push_str(l.text.trim_end());
            s.push('\n');
        }
        s
    }
}

/// Break text into lines of at most `width` columns, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0;
        for word in para.split(' ') {
            let ww = word.width();
            if w > 0 && w + 1 + ww > width {
                out.push(std::mem::take(&mut line));
                w = 0;
            }
            if w > 0 {
                line.push(' ');
                w += 1;
            }
            if ww > width {
                // A word longer than the line (a URL, a hash): cut it.
                for c in word.chars() {
                    let cw = c.to_string().width();
                    if w + cw > width {
                        out.push(std::mem::take(&mut line));
                        w = 0;
                    }
                    line.push(c);
                    w += cw;
                }
            } else {
                line.push_str(word);
                w += ww;
            }
        }
        out.push(line);
    }
    out
}

/// A table in columns: each as wide as its widest cell while the line allows; the
/// column with the most text takes what is left and wraps, and when even that is too
/// little the widest of the others give way first.
fn table(head: &[String], rows: &[Vec<String>], width: usize) -> Vec<Line> {
    let n = head.len().max(1);
    let mut widths: Vec<usize> = head.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            let w = clean(c).lines().map(|l| l.width()).max().unwrap_or(0);
            widths[i] = widths[i].max(w);
        }
    }
    let flexible = (0..n).max_by_key(|&i| widths[i]).unwrap_or(n - 1);
    let least_flexible = (width / 3).max(12);
    let fixed = |w: &[usize]| -> usize { (0..n).filter(|&i| i != flexible).map(|i| w[i] + 2).sum() };
    while fixed(&widths) + least_flexible > width {
        let widest = (0..n).filter(|&i| i != flexible).max_by_key(|&i| widths[i]);
        match widest {
            Some(i) if widths[i] > 6 => widths[i] -= 1,
            _ => break,
        }
    }
    widths[flexible] = width.saturating_sub(fixed(&widths)).max(8);
    let row_lines = |cells: &[String], bold: bool| -> Vec<Line> {
        let wrapped: Vec<Vec<String>> =
            (0..n).map(|i| wrap(&clean(cells.get(i).map(String::as_str).unwrap_or("")), widths[i])).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        (0..height)
            .map(|k| {
                let mut text = String::new();
                for (i, col) in wrapped.iter().enumerate() {
                    let cell = col.get(k).map(String::as_str).unwrap_or("");
                    text.push_str(cell);
                    if i + 1 < n {
                        text.push_str(&" ".repeat(widths[i].saturating_sub(cell.width()) + 2));
                    }
                }
                Line { bold, text: text.trim_end().to_string(), page_break: false }
            })
            .collect()
    };
    let mut out = row_lines(head, true);
    out.push(Line { bold: false, text: "-".repeat(width), page_break: false });
    for r in rows {
        out.extend(row_lines(r, false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_neutralises_terminal_escapes() {
        let mut d = Doc::new("Logg", "Sandefjord kommune");
        d.push(Block::Para("<script>alert(1)</script> \u{1b}[2J æøå".into()));
        let h = d.to_html();
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt; \u{FFFD}[2J æøå"));
        assert!(!h.contains('\u{1b}'));
    }

    #[test]
    fn tables_wrap_their_last_column_within_the_width() {
        let rows = vec![vec!["12".to_string(), "Bjørn".to_string(), "ord ".repeat(40)]];
        let lines = table(&["#".into(), "Hvem".into(), "Tekst".into()], &rows, 60);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| l.text.width() <= 60), "{lines:?}");
        assert!(lines[2].text.starts_with("12  Bjørn"));
    }
}

//! A document (see `doc`) as A4 pages of PDF, through pdf-writer. The text is set in
//! the PDF standard fonts Courier and Courier-Bold, which every PDF reader has (nothing
//! to embed, so the file stays small) and whose WinAnsi encoding holds æ, ø, å and the
//! rest of Norwegian; monospaced, so the plain-text layout carries over as it is.
//! Every page has a header (installation, title, when printed) and "side N av M".

use crate::doc::{Doc, Line};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN_X: f32 = 42.0;
const SIZE: f32 = 9.0;
const LEADING: f32 = 11.0;
const TOP: f32 = PAGE_H - 62.0;
const BOTTOM: f32 = 48.0;
/// Columns of Courier at 9 pt between the margins (a glyph is 0.6 em wide).
pub const COLUMNS: usize = ((PAGE_W - 2.0 * MARGIN_X) / (0.6 * SIZE)) as usize;
const LINES_PER_PAGE: usize = ((TOP - BOTTOM) / LEADING) as usize;

/// A character in WinAnsiEncoding (Windows-1252), or `?` where it has none.
fn win_ansi(c: char) -> u8 {
    match c as u32 {
        0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        },
    }
}

/// The text in WinAnsi. A letter it lacks is written as its base letter rather than
/// `?` where there is one: Sámi č, đ, ŋ, ŧ print as c, d, n, t (the plain-text and
/// HTML outputs keep every letter as it is).
fn encode(s: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
    s.chars()
        .map(|c| match win_ansi(c) {
            b'?' if c != '?' => match c {
                'đ' => b'd',
                'Đ' => b'D',
                'ŋ' => b'n',
                'Ŋ' => b'N',
                'ŧ' => b't',
                'Ŧ' => b'T',
                _ => std::iter::once(c).nfd().next().map(win_ansi).unwrap_or(b'?'),
            },
            b => b,
        })
        .collect()
}

/// Lay the lines out on pages: a chapter that asks for it starts a new page.
fn paginate(lines: Vec<Line>) -> Vec<Vec<Line>> {
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    for l in lines {
        let current = pages.last_mut().expect("one page at least");
        if (l.page_break && !current.is_empty()) || current.len() >= LINES_PER_PAGE {
            pages.push(Vec::new());
        }
        let current = pages.last_mut().expect("one page at least");
        if current.is_empty() && l.text.trim().is_empty() && !l.bold {
            continue; // no blank line at the top of a page
        }
        current.push(l);
    }
    pages
}

/// The document as a PDF file's bytes.
pub fn render(doc: &Doc) -> Vec<u8> {
    // The title and header are on every page; leave them out of the body.
    let body: Vec<Line> = doc.lines(COLUMNS).into_iter().skip(2).collect();
    let pages = paginate(body);
    let total = pages.len();

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let mut next = 6;
    let mut page_ids = Vec::new();
    let mut content_ids = Vec::new();
    for _ in 0..total {
        page_ids.push(Ref::new(next));
        content_ids.push(Ref::new(next + 1));
        next += 2;
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(total as i32);
    pdf.type1_font(regular).base_font(Name(b"Courier")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Courier-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    {
        let mut i = pdf.document_info(info);
        i.title(pdf_writer::TextStr(&doc.title));
        i.creator(pdf_writer::TextStr("sitroom"));
        i.finish();
    }

    let header = doc.header();
    let header_cols = COLUMNS;
    let header: String = header.chars().take(header_cols).collect();
    for (n, lines) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ids[n]);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_ids[n]);
        let mut res = page.resources();
        let mut fonts = res.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        res.finish();
        page.finish();

        let mut c = Content::new();
        // Header, a rule under it, and the page number at the foot.
        c.begin_text();
        c.set_font(Name(b"F2"), SIZE);
        c.next_line(MARGIN_X, PAGE_H - 36.0);
        c.show(Str(&encode(&header)));
        c.end_text();
        c.move_to(MARGIN_X, PAGE_H - 42.0);
        c.line_to(PAGE_W - MARGIN_X, PAGE_H - 42.0);
        c.stroke();
        let foot = format!("Side {} av {total}", n + 1);
        c.begin_text();
        c.set_font(Name(b"F1"), SIZE);
        c.next_line(PAGE_W - MARGIN_X - foot.chars().count() as f32 * 0.6 * SIZE, 28.0);
        c.show(Str(&encode(&foot)));
        c.end_text();

        c.begin_text();
        c.set_leading(LEADING);
        c.next_line(MARGIN_X, TOP);
        let mut font_bold = None;
        for l in lines {
            if font_bold != Some(l.bold) {
                c.set_font(Name(if l.bold { b"F2" } else { b"F1" }), SIZE);
                font_bold = Some(l.bold);
            }
            c.show(Str(&encode(&l.text)));
            c.next_line_using_leading();
        }
        c.end_text();
        pdf.stream(content_ids[n], &c.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_letters_and_dashes_have_their_win_ansi_codes() {
        assert_eq!(encode("æøåÆØÅ"), vec![0xe6, 0xf8, 0xe5, 0xc6, 0xd8, 0xc5]);
        assert_eq!(encode("– € ☐"), vec![0x96, b' ', 0x80, b' ', b'?']);
        // Sámi letters outside WinAnsi keep their base letter; those inside stay.
        assert_eq!(encode("Čáhcesuolu Đ ŋ ŧ š"), b"C\xe1hcesuolu D n t \x9a".to_vec());
    }

    #[test]
    fn long_documents_get_numbered_pages() {
        let mut d = Doc::new("Logg", "Sandefjord kommune");
        for i in 0..200 {
            d.push(crate::doc::Block::Para(format!("Linje {i}")));
        }
        let bytes = render(&d);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 7"), "200 paragraphs and blank lines fill 7 pages");
    }
}

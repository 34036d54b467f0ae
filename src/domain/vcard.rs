//! vCard (3.0 and 4.0) import: the contacts a phone or a mail program exports. Only
//! what a contact here holds is read: FN (or N), ORG, TITLE/ROLE, TEL, EMAIL, NOTE and
//! CATEGORIES. Folded lines, escaped characters and quoted-printable text (as older
//! phones write æøå) are understood.

use super::contact::{NewContact, Parsed, Rejected};

/// Lines unfolded: a line that starts with a space or tab continues the one before.
fn unfold(text: &str) -> Vec<(u64, String)> {
    let mut lines: Vec<(u64, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ => lines.push((i as u64 + 1, raw.to_string())),
        }
    }
    // Quoted-printable soft line breaks: a line ending in `=` goes on.
    let mut joined: Vec<(u64, String)> = Vec::new();
    for (n, l) in lines {
        match joined.last_mut() {
            Some((_, last))
                if last.ends_with('=') && last.to_ascii_uppercase().contains("QUOTED-PRINTABLE") =>
            {
                last.pop();
                last.push_str(&l);
            }
            _ => joined.push((n, l)),
        }
    }
    joined
}

fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(c) => out.push(c),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn quoted_printable(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out.clone()).unwrap_or_else(|_| out.iter().map(|b| *b as char).collect())
}

/// The contacts in a vCard file, and the cards that could not be read.
pub fn contacts_from_vcard(text: &str) -> Parsed<NewContact> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut card: Option<(u64, NewContact, String)> = None;
    for (line, l) in unfold(text) {
        let Some((head, value)) = l.split_once(':') else { continue };
        let mut params = head.split(';');
        let name = params.next().unwrap_or_default();
        // Apple and Google write `item1.TEL`; the group prefix does not matter here.
        let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
        let qp = params.any(|p| p.eq_ignore_ascii_case("ENCODING=QUOTED-PRINTABLE"));
        let value = if qp { quoted_printable(value) } else { value.to_string() };
        match name.as_str() {
            "BEGIN" if value.eq_ignore_ascii_case("VCARD") => {
                card = Some((line, NewContact::default(), String::new()))
            }
            "END" if value.eq_ignore_ascii_case("VCARD") => {
                if let Some((start, mut c, n)) = card.take() {
                    if c.name.trim().is_empty() {
                        c.name = n;
                    }
                    match c.validated() {
                        Ok(c) => good.push((start, c)),
                        Err(e) => bad.push(Rejected { line: start, reason: e }),
                    }
                }
            }
            _ => {
                let Some((_, c, n)) = card.as_mut() else { continue };
                match name.as_str() {
                    "FN" => c.name = unescape(&value),
                    "N" => {
                        // family;given;additional;prefix;suffix → "given additional family"
                        let parts: Vec<String> = value.split(';').map(unescape).collect();
                        let order = [1, 2, 0];
                        *n = order
                            .iter()
                            .filter_map(|i| parts.get(*i))
                            .filter(|p| !p.is_empty())
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" ");
                    }
                    "ORG" => {
                        c.organisation = value
                            .split(';')
                            .map(unescape)
                            .filter(|p| !p.is_empty())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                    "TITLE" | "ROLE" if c.function.is_empty() => c.function = unescape(&value),
                    "TEL" => c.phones.push(unescape(value.trim_start_matches("tel:"))),
                    "EMAIL" if c.email.is_empty() => c.email = unescape(&value),
                    "NOTE" => c.notes = unescape(&value),
                    "CATEGORIES" => c.groups.extend(value.split(',').map(unescape)),
                    _ => {}
                }
            }
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_phone_export_with_folding_escapes_and_quoted_printable() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ødegård;Åse;;;\r\nFN:Åse Ødegård\r\nORG:Sandefjord kommune;Helse\r\n\
                    TITLE:Kommuneoverlege\r\nitem1.TEL;TYPE=CELL:+47 912 34 567\r\nEMAIL;TYPE=INTERNET:ase@x.no\r\n\
                    NOTE:Vakttelefon hele døgnet\\, også i\r\n  helgene\r\nCATEGORIES:Kriseledelse,Helse\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Bj=C3=B8rnstad;Per;;;\r\nTEL:33 41 60 00\r\nEND:VCARD\r\n\
                    BEGIN:VCARD\r\nVERSION:4.0\r\nTEL:12\r\nEND:VCARD\r\n";
        let (good, bad) = contacts_from_vcard(text);
        assert_eq!(good.len(), 2, "{bad:?}");
        let ase = &good[0].1;
        assert_eq!(ase.name, "Åse Ødegård");
        assert_eq!(ase.organisation, "Sandefjord kommune, Helse");
        assert_eq!(ase.function, "Kommuneoverlege");
        assert_eq!(ase.phones, ["+47 912 34 567"]);
        assert_eq!(ase.notes, "Vakttelefon hele døgnet, også i helgene");
        assert_eq!(ase.groups, ["Kriseledelse", "Helse"]);
        assert_eq!(good[1].1.name, "Per Bjørnstad", "from N, quoted-printable UTF-8");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 18);
    }
}

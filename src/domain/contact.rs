//! Contacts and resources (kontakter, ressurser): the people and the things a staff
//! calls on. Plain records with checked fields, a search that answers as the user
//! types, and the CSV columns they are imported from and exported to.

use super::codes::codes;
use super::Invalid;
use crate::lang::Lang;
use crate::lang::Text;
use crate::text::{fold, fold_into, nfc};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Uuid,
    pub number: i64,
    pub name: String,
    pub organisation: String,
    pub function: String,
    pub phones: Vec<String>,
    pub email: String,
    pub notes: String,
    pub groups: Vec<String>,
    /// The sitroom user this contact is (their account name), if any: where a copy of
    /// a message to that user goes by SMS or e-mail.
    #[serde(default)]
    pub account: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

/// A contact as typed or imported, before it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewContact {
    pub name: String,
    pub organisation: String,
    pub function: String,
    pub phones: Vec<String>,
    pub email: String,
    pub notes: String,
    pub groups: Vec<String>,
    /// The sitroom user this contact is (account name), or empty.
    pub account: String,
}

/// One line of plain text: trimmed, NFC, no control characters.
pub(crate) fn line(field: Text, value: &str) -> Result<String, Invalid> {
    let v = nfc(value.trim());
    if v.chars().any(char::is_control) {
        let (nb, en) = (field.get(Lang::Nb), field.get(Lang::En));
        return Err(Invalid::new(
            format!("{nb} må være én linje ren tekst"),
            format!("{en} must be one line of plain text"),
        ));
    }
    Ok(v)
}

/// Free text: NFC, newlines kept, other control characters refused.
pub(crate) fn free_text(field: Text, value: &str) -> Result<String, Invalid> {
    let v = nfc(value.trim());
    if v.chars().any(|c| c.is_control() && c != '\n') {
        let (nb, en) = (field.get(Lang::Nb), field.get(Lang::En));
        return Err(Invalid::new(
            format!("{nb} må være ren tekst (uten kontrolltegn)"),
            format!("{en} must be plain text (no control characters)"),
        ));
    }
    Ok(v)
}

/// A phone number as people write them: digits, spaces, `+`, `-`, `(`, `)`, `.`.
fn phone(value: &str) -> Result<String, Invalid> {
    let v = value.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if digits < 3 || !v.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
        return Err(Invalid::new(
            format!("«{v}» er ikke et telefonnummer"),
            format!("'{v}' is not a phone number"),
        ));
    }
    Ok(v.to_string())
}

impl NewContact {
    /// The contact with every field checked: a name, phone numbers that are numbers,
    /// an e-mail address that looks like one, plain text everywhere.
    pub fn validated(self) -> Result<NewContact, Invalid> {
        let name = line(Text::new("navnet", "the name"), &self.name)?;
        if name.is_empty() {
            return Err(Invalid::new("en kontakt trenger et navn", "a contact needs a name"));
        }
        let email = line(Text::new("e-postadressen", "the e-mail address"), &self.email)?;
        if !email.is_empty() && !looks_like_email(&email) {
            return Err(Invalid::new(
                format!("«{email}» er ikke en e-postadresse"),
                format!("'{email}' is not an e-mail address"),
            ));
        }
        let phones = self
            .phones
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| phone(p))
            .collect::<Result<_, _>>()?;
        let groups = self
            .groups
            .iter()
            .map(|g| line(Text::new("en gruppe", "a group"), g))
            .filter(|g| !matches!(g, Ok(g) if g.is_empty()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewContact {
            name,
            organisation: line(Text::new("organisasjonen", "the organisation"), &self.organisation)?,
            function: line(Text::new("funksjonen", "the function"), &self.function)?,
            phones,
            email,
            notes: free_text(Text::new("notatene", "the notes"), &self.notes)?,
            groups,
            account: line(Text::new("brukernavnet", "the user name"), &self.account)?,
        })
    }

    /// The text a search looks in, folded.
    pub fn folded(&self) -> String {
        let mut out = String::new();
        for part in [&self.name, &self.organisation, &self.function, &self.email, &self.notes] {
            fold_into(&mut out, part);
            out.push('\u{1}');
        }
        for p in self.phones.iter().chain(&self.groups) {
            fold_into(&mut out, p);
            out.push('\u{1}');
        }
        // Phone numbers are found however they were spaced: "912 34 567" by "91234".
        for p in &self.phones {
            out.extend(p.chars().filter(char::is_ascii_digit));
            out.push('\u{1}');
        }
        out
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

impl Contact {
    pub fn as_new(&self) -> NewContact {
        NewContact {
            name: self.name.clone(),
            organisation: self.organisation.clone(),
            function: self.function.clone(),
            phones: self.phones.clone(),
            email: self.email.clone(),
            notes: self.notes.clone(),
            groups: self.groups.clone(),
            account: self.account.clone(),
        }
    }
}

codes! {
    /// How available a resource is.
    pub enum Availability: "tilgjengelighet" / "availability", "availabilities" {
        Available = "tilgjengelig" | "" | "available" | "ledig",
        InUse = "i bruk" | "in use" | "opptatt",
        Unavailable = "utilgjengelig" | "unavailable" | "ute av drift",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: Uuid,
    pub number: i64,
    pub what: String,
    pub location: String,
    pub quantity: i64,
    pub owner: String,
    pub availability: Availability,
    pub notes: String,
    #[serde(with = "super::time::serde_ms")]
    pub updated_at: DateTime<Utc>,
}

impl Resource {
    /// Its editable fields, to change and check again.
    pub fn into_new(self) -> NewResource {
        NewResource {
            what: self.what,
            location: self.location,
            quantity: self.quantity,
            owner: self.owner,
            availability: self.availability,
            notes: self.notes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResource {
    pub what: String,
    pub location: String,
    pub quantity: i64,
    pub owner: String,
    pub availability: Availability,
    pub notes: String,
}

impl NewResource {
    pub fn validated(self) -> Result<NewResource, Invalid> {
        let what = line(Text::new("hva ressursen er", "what the resource is"), &self.what)?;
        if what.is_empty() {
            return Err(Invalid::new("en ressurs må si hva den er", "a resource needs to say what it is"));
        }
        if self.quantity < 0 {
            return Err(Invalid::new("et antall kan ikke være negativt", "a quantity cannot be negative"));
        }
        Ok(NewResource {
            what,
            location: line(Text::new("stedet", "the location"), &self.location)?,
            owner: line(Text::new("eieren", "the owner"), &self.owner)?,
            notes: free_text(Text::new("notatene", "the notes"), &self.notes)?,
            ..self
        })
    }

    pub fn folded(&self) -> String {
        let mut out = String::new();
        for part in [&self.what, &self.location, &self.owner, &self.notes, self.availability.name()] {
            fold_into(&mut out, part);
            out.push('\u{1}');
        }
        out
    }
}

// ---- search -------------------------------------------------------------------------

/// An in-memory index for search as you type: each record's folded text, kept in
/// display order. Every word of the query must occur; records whose name starts with
/// the first word come first. A scan of 50,000 contacts takes about a millisecond,
/// which is why there is no cleverer structure.
#[derive(Default)]
pub struct SearchIndex {
    /// (folded text, folded name) per record, in the order the caller gave.
    rows: Vec<(String, String)>,
}

impl SearchIndex {
    pub fn new(rows: impl IntoIterator<Item = (String, String)>) -> SearchIndex {
        SearchIndex { rows: rows.into_iter().map(|(text, name)| (text, fold(&name))).collect() }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Positions of the matching records, best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<usize> {
        let words: Vec<String> = fold(query).split_whitespace().map(str::to_string).collect();
        if words.is_empty() {
            return (0..self.rows.len().min(limit)).collect();
        }
        let finders: Vec<memchr::memmem::Finder<'_>> =
            words.iter().map(|w| memchr::memmem::Finder::new(w.as_bytes())).collect();
        let (mut first, mut rest) = (Vec::new(), Vec::new());
        for (i, (text, name)) in self.rows.iter().enumerate() {
            if finders.iter().all(|f| f.find(text.as_bytes()).is_some()) {
                let starts = name.starts_with(&words[0]) || name.contains(&format!(" {}", words[0]));
                if starts {
                    first.push(i);
                    if first.len() >= limit {
                        break;
                    }
                } else if rest.len() < limit {
                    rest.push(i);
                }
            }
        }
        first.extend(rest);
        first.truncate(limit);
        first
    }
}

// ---- CSV ----------------------------------------------------------------------------

/// The CSV columns of contacts, in export order. Import accepts these names, their
/// English forms, and any order; several phones or groups are separated by `;`.
pub const CONTACT_COLUMNS: [&str; 8] =
    ["navn", "organisasjon", "funksjon", "telefon", "e-post", "grupper", "notater", "bruker"];

pub const RESOURCE_COLUMNS: [&str; 6] = ["ressurs", "sted", "antall", "eier", "tilgjengelighet", "notater"];

/// Which of our columns a header names (Norwegian or English, any case and accents).
fn column_of(header: &str, columns: &[&str]) -> Option<usize> {
    let h = fold(header.trim());
    let canonical = match h.as_str() {
        "name" | "navn" | "fullt navn" => "navn",
        "organisation" | "organization" | "org" | "organisasjon" | "virksomhet" => "organisasjon",
        "function" | "role" | "title" | "funksjon" | "rolle" | "stilling" => "funksjon",
        "phone" | "phones" | "telefon" | "tlf" | "mobil" => "telefon",
        "email" | "e-mail" | "e-post" | "epost" => "e-post",
        "groups" | "group" | "grupper" | "gruppe" => "grupper",
        "notes" | "note" | "notater" | "merknad" => "notater",
        "user" | "account" | "bruker" | "brukernavn" | "sitroom" => "bruker",
        "resource" | "what" | "ressurs" | "hva" => "ressurs",
        "location" | "where" | "sted" | "plassering" => "sted",
        "quantity" | "count" | "antall" => "antall",
        "owner" | "contact" | "eier" | "kontakt" => "eier",
        "availability" | "status" | "tilgjengelighet" => "tilgjengelighet",
        _ => return None,
    };
    columns.iter().position(|c| *c == canonical)
}

/// A CSV row that could not be taken, with its line number (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub line: u64,
    /// Why, in every language (in JSON, in English).
    #[serde(serialize_with = "in_english")]
    pub reason: Invalid,
}

fn in_english<S: serde::Serializer>(reason: &Invalid, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&reason.to_string())
}

/// A data row's values by column, or why it could not be read; with its line number.
type Row = (u64, Result<Vec<String>, Invalid>);

/// The records an import could take (with their line numbers) and the rows it could not.
pub type Parsed<T> = (Vec<(u64, T)>, Vec<Rejected>);

/// Read a CSV file's records as values for `columns`, splitting on `,` or `;` (the
/// separator Norwegian Excel writes), whichever the header uses.
/// The bytes as UTF-8 text: as they are when they are UTF-8 (Excel's "CSV UTF-8" puts
/// a BOM first, which is dropped), else read as Windows-1252, what Norwegian Excel's
/// plain "CSV" writes (æ ø å as single bytes). Detected, never asked.
pub fn csv_text(data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    if std::str::from_utf8(data).is_ok() {
        return std::borrow::Cow::Borrowed(data);
    }
    // The 32 places where Windows-1252 differs from Latin-1 (0x80–0x9F).
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
        '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    let text: String = data
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect();
    std::borrow::Cow::Owned(text.into_bytes())
}

fn read_rows(data: &[u8], columns: &[&str]) -> Result<Vec<Row>, Invalid> {
    let text = csv_text(data);
    let data: &[u8] = &text;
    let first_line = data.split(|b| *b == b'\n').next().unwrap_or_default();
    let semis = first_line.iter().filter(|b| **b == b';').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    let delimiter = if semis > commas { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(data);
    let headers = reader
        .headers()
        .map_err(|e| {
            Invalid::new(
                format!("CSV-overskriften kan ikke leses: {e}"),
                format!("cannot read the CSV header: {e}"),
            )
        })?
        .clone();
    drop(reader);
    let mut map = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match column_of(h, columns) {
            Some(c) => map.push((i, c)),
            None if h.trim().is_empty() => {}
            None => {
                let (h, known) = (h.trim(), columns.join(", "));
                return Err(Invalid::new(
                    format!("ukjent kolonne «{h}» i CSV-overskriften; kolonnene er {known}"),
                    format!("unknown column '{h}' in the CSV header; the columns are {known}"),
                ));
            }
        }
    }
    if !map.iter().any(|(_, c)| *c == 0) {
        let first = columns[0];
        return Err(Invalid::new(
            format!("CSV-overskriften må ha kolonnen «{first}»"),
            format!("the CSV header needs the column '{first}'"),
        ));
    }
    // The data after the header, read record by record. A quote that is opened and
    // never closed where it should be makes the CSV reader take every following line
    // into one field: such a record is refused, and the lines after its first are read
    // again on their own, so no row is lost without being counted and named.
    let header_end = data.iter().position(|b| *b == b'\n').map_or(data.len(), |i| i + 1);
    let (mut start, mut first_line) = (header_end, 2u64);
    let mut rows = Vec::new();
    'again: while start < data.len() {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(&data[start..]);
        for record in reader.records() {
            match record {
                Ok(r) => {
                    let at = r.position().map_or(1, |p| p.line());
                    let line = first_line + at - 1;
                    if r.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    if swallowed_rows(&r, delimiter, headers.len()) {
                        rows.push((
                            line,
                            Err(Invalid::new(
                                format!(
                                    "et anførselstegn åpnet på linje {line} lukkes ikke der det skal; \
                                     linjene etter leses på nytt hver for seg"
                                ),
                                format!(
                                    "a quote opened on line {line} is not closed where it should be; \
                                     the lines after it are read again on their own"
                                ),
                            )),
                        ));
                        let from = start + r.position().map_or(0, |p| p.byte() as usize);
                        let next = data[from..]
                            .iter()
                            .position(|b| *b == b'\n')
                            .map_or(data.len(), |i| from + i + 1);
                        start = next;
                        first_line = line + 1;
                        continue 'again;
                    }
                    if r.len() > headers.len() {
                        rows.push((
                            line,
                            Err(Invalid::new(
                                format!("{} felt der overskriften har {}", r.len(), headers.len()),
                                format!("{} fields where the header has {}", r.len(), headers.len()),
                            )),
                        ));
                        continue;
                    }
                    let mut values = vec![String::new(); columns.len()];
                    for (i, c) in &map {
                        values[*c] = r.get(*i).unwrap_or_default().to_string();
                    }
                    rows.push((line, Ok(values)));
                }
                Err(e) => {
                    let line = first_line + e.position().map_or(1, |p| p.line()) - 1;
                    let reason = match e.kind() {
                        csv::ErrorKind::Utf8 { .. } => Invalid::new(
                            "ikke UTF-8-tekst (lagre filen som UTF-8)",
                            "not UTF-8 text (save the file as UTF-8)",
                        ),
                        _ => Invalid::new(e.to_string(), e.to_string()),
                    };
                    rows.push((line, Err(reason)));
                }
            }
        }
        break;
    }
    Ok(rows)
}

/// Does a record hold, inside a field, whole lines that look like rows of the file
/// (as many separators as a row has)? Then a quote was left open and the reader took
/// the rows after it into that field. A note that merely runs over two lines does not.
fn swallowed_rows(record: &csv::StringRecord, delimiter: u8, columns: usize) -> bool {
    let separators = columns.saturating_sub(1).max(1);
    record.iter().any(|field| {
        field.contains('\n')
            && field.lines().skip(1).any(|l| l.bytes().filter(|b| *b == delimiter).count() >= separators)
    })
}

fn split_list(s: &str) -> Vec<String> {
    s.split([';', '|', ',']).map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// Contacts from a CSV file: the good rows, and the rejected ones with their reasons.
/// Each row of a CSV file made into a record by `make`, which may refuse it with a
/// reason: the records with their line numbers, and the refused rows.
fn parse_csv<T>(
    data: &[u8],
    columns: &[&str],
    make: impl Fn(Vec<String>) -> Result<T, Invalid>,
) -> Result<Parsed<T>, Invalid> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    // A header that cannot be used (an unknown column, no name column) is the first
    // line's fault: the import stops with it named, like any bad row.
    let rows = match read_rows(data, columns) {
        Ok(rows) => rows,
        Err(reason) => return Ok((good, vec![Rejected { line: 1, reason }])),
    };
    for (line, row) in rows {
        match row.and_then(&make) {
            Ok(record) => good.push((line, record)),
            Err(reason) => bad.push(Rejected { line, reason }),
        }
    }
    Ok((good, bad))
}

pub fn contacts_from_csv(data: &[u8]) -> Result<Parsed<NewContact>, Invalid> {
    parse_csv(data, &CONTACT_COLUMNS, |v| {
        NewContact {
            name: v[0].clone(),
            organisation: v[1].clone(),
            function: v[2].clone(),
            phones: split_list(&v[3]),
            email: v[4].clone(),
            groups: split_list(&v[5]),
            notes: v[6].clone(),
            account: v[7].clone(),
        }
        .validated()
    })
}

pub fn resources_from_csv(data: &[u8]) -> Result<Parsed<NewResource>, Invalid> {
    parse_csv(data, &RESOURCE_COLUMNS, |v| {
        let quantity = match v[2].trim() {
            "" => 1,
            q => q.parse::<i64>().map_err(|_| {
                Invalid::new(
                    format!("antallet «{q}» er ikke et helt tall"),
                    format!("the quantity '{q}' is not a whole number"),
                )
            })?,
        };
        NewResource {
            what: v[0].clone(),
            location: v[1].clone(),
            quantity,
            owner: v[3].clone(),
            availability: Availability::parse(&v[4])?,
            notes: v[5].clone(),
        }
        .validated()
    })
}

/// CSV as Norwegian Excel opens it by a double click: `;` between fields and UTF-8
/// with a BOM (without one Excel reads æ ø å as Windows-1252 and garbles them).
fn write_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    format!("\u{feff}{}", String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default())
}

pub fn contacts_to_csv(contacts: &[Contact]) -> String {
    write_csv(
        &CONTACT_COLUMNS,
        contacts.iter().map(|c| {
            vec![
                c.name.clone(),
                c.organisation.clone(),
                c.function.clone(),
                c.phones.join("; "),
                c.email.clone(),
                c.groups.join("; "),
                c.notes.clone(),
                c.account.clone(),
            ]
        }),
    )
}

pub fn resources_to_csv(resources: &[Resource]) -> String {
    write_csv(
        &RESOURCE_COLUMNS,
        resources.iter().map(|r| {
            vec![
                r.what.clone(),
                r.location.clone(),
                r.quantity.to_string(),
                r.owner.clone(),
                r.availability.name().to_string(),
                r.notes.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str) -> NewContact {
        NewContact { name: name.into(), ..NewContact::default() }
    }

    #[test]
    fn a_contact_needs_a_name_and_real_numbers() {
        assert!(contact("  ").validated().is_err());
        let bad_phone = NewContact { phones: vec!["ring meg".into()], ..contact("Kari") };
        assert!(bad_phone.validated().unwrap_err().to_string().contains("not a phone number"));
        let bad_mail = NewContact { email: "kari.kommune.no".into(), ..contact("Kari") };
        assert!(bad_mail.validated().is_err());
        let escape = contact("Kari\u{1b}[2J");
        assert!(escape.validated().is_err(), "escape codes are refused, not stored");
        let ok = NewContact {
            phones: vec!["+47 912 34 567".into(), "".into()],
            email: "kari@sandefjord.kommune.no".into(),
            ..contact(" Kari Nordmann ")
        }
        .validated()
        .unwrap();
        assert_eq!(ok.name, "Kari Nordmann");
        assert_eq!(ok.phones, ["+47 912 34 567"]);
    }

    #[test]
    fn search_finds_every_word_anywhere_and_names_first() {
        let people = [
            NewContact { function: "Kommuneoverlege Grønn".into(), ..contact("Per Hansen") },
            NewContact { phones: vec!["912 34 567".into()], ..contact("Grønnstad, Åse") },
            NewContact { organisation: "Sandefjord kommune".into(), ..contact("Ola Øvrebø") },
        ];
        let index = SearchIndex::new(people.iter().map(|c| (c.folded(), c.name.clone())));
        assert_eq!(index.search("grønn", 10), [1, 0], "the name match first");
        assert_eq!(index.search("GRONN", 10), [1, 0], "without case or accents");
        assert_eq!(index.search("91234567", 10), [1], "phone digits however spaced");
        assert_eq!(index.search("ovrebo sandefjord", 10), [2], "every word must match");
        assert!(index.search("brann", 10).is_empty());
        assert_eq!(index.search("", 2), [0, 1]);
    }

    #[test]
    fn csv_reads_norwegian_excel_and_reports_bad_rows_by_line() {
        let data = "\u{feff}Navn;Telefon;E-post;Grupper\n\
                    Kari Nordmann;912 34 567; kari@x.no ;Kriseledelse, Stab\n\
                    ;555;;\n\
                    Per;tlf ukjent;;\n\
                    Åse Ødegård;;ase@x.no;\n";
        let (good, bad) = contacts_from_csv(data.as_bytes()).unwrap();
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].1.groups, ["Kriseledelse", "Stab"]);
        assert_eq!(good[1].1.name, "Åse Ødegård");
        assert_eq!(bad.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4]);
        assert!(bad[0].reason.to_string().contains("needs a name"), "{bad:?}");
        assert!(bad[1].reason.to_string().contains("not a phone number"), "{bad:?}");
    }

    #[test]
    fn csv_with_an_unknown_column_or_no_name_is_refused_whole() {
        let (good, bad) = contacts_from_csv(b"navn,skostorrelse\nKari,38\n").unwrap();
        assert!(good.is_empty() && bad[0].line == 1 && bad[0].reason.to_string().contains("skostorrelse"));
        let (_, bad) = contacts_from_csv(b"telefon\n12345\n").unwrap();
        assert!(bad[0].reason.to_string().contains("navn"), "{bad:?}");
    }

    /// What Norwegian Excel saves: plain "CSV" in Windows-1252 with `;`, or "CSV UTF-8"
    /// with a BOM. Both are read, told apart by their bytes.
    #[test]
    fn csv_from_norwegian_excel_in_either_encoding() {
        let cp1252 =
            b"navn;organisasjon;telefon\nKj\xe6re \xc5se \xd8deg\xe5rd;Sandefjord kommune;913 00 000\n";
        let (good, bad) = contacts_from_csv(cp1252).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good[0].1.name, "Kjære Åse Ødegård");
        let bom = "\u{feff}navn;organisasjon\nKjære Åse;Sandefjord\n".as_bytes();
        assert_eq!(contacts_from_csv(bom).unwrap().0[0].1.name, "Kjære Åse");
        let out = contacts_to_csv(&[]);
        assert!(out.starts_with("\u{feff}navn;"), "Excel's own shape: {out:?}");
    }

    #[test]
    fn contacts_go_out_and_back_through_csv_unchanged() {
        let c = Contact {
            id: Uuid::nil(),
            number: 1,
            name: "Nordmann, Kari \"K\"".into(),
            organisation: "Sandefjord kommune".into(),
            function: "Beredskapsleder".into(),
            phones: vec!["912 34 567".into(), "+47 33 41 60 00".into()],
            email: "kari@x.no".into(),
            notes: "Nås også på\nsamband".into(),
            groups: vec!["Kriseledelse".into()],
            account: "kari".into(),
            updated_at: Utc::now(),
        };
        let (good, bad) = contacts_from_csv(contacts_to_csv(std::slice::from_ref(&c)).as_bytes()).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good[0].1, c.as_new());
    }

    #[test]
    fn resources_parse_quantity_and_availability() {
        let data = "ressurs,sted,antall,eier,tilgjengelighet\n\
                    Aggregat 40 kVA,Brannstasjonen,2,Teknisk drift,tilgjengelig\n\
                    Feltsenger,Lager,mange,,\n\
                    Satellittelefon,Rådhuset,1,,ute av drift\n";
        let (good, bad) = resources_from_csv(data.as_bytes()).unwrap();
        assert_eq!(good.len(), 2);
        assert_eq!(good[1].1.availability, Availability::Unavailable);
        assert!(bad[0].reason.to_string().contains("mange"));
    }

    #[test]
    fn an_unclosed_quote_costs_one_named_row_not_the_rows_after_it() {
        let mut data = String::from("navn,organisasjon,telefon\n");
        for i in 1..=2000 {
            if i == 1000 {
                data.push_str("\"Berg, Liv,Sandefjord kommune,912 00 000\n");
            } else {
                data.push_str(&format!("Person {i},Sandefjord kommune,9{i:07}\n"));
            }
        }
        let (good, bad) = contacts_from_csv(data.as_bytes()).unwrap();
        assert_eq!(good.len(), 1999, "every row after the broken one is read: {bad:?}");
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].line, 1001, "the broken row is named by its line");
        assert!(bad[0].reason.to_string().contains("quote"), "{bad:?}");
        assert_eq!(good.last().unwrap().0, 2001, "line numbers stay the file's");
        assert_eq!(good.last().unwrap().1.name, "Person 2000");
    }
}

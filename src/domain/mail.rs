//! E-mail taken into an incident (e-post-innboks): one message read from its raw bytes
//! into what the log records, and the messages found in a path (an .eml file, a
//! maildir, an mbox file or a folder of .eml files). Decoding (quoted-printable,
//! base64, UTF-8, ISO-8859-1 and the other charsets, HTML to text) is mail-parser's.

use chrono::{DateTime, Local, TimeZone, Utc};
use mail_parser::{Address, MessageParser, MimeHeaders};
use std::path::{Path, PathBuf};

/// Longest body kept in the log entry; the whole message is in the archive export's
/// attachments when it matters, and a log line is not a mail client.
const MAX_BODY_CHARS: usize = 16_000;

/// A file that came with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    pub data: Vec<u8>,
}

impl Attachment {
    pub fn sha256(&self) -> String {
        crate::text::sha256_hex(&self.data)
    }
}

/// One message as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The Message-ID without angle brackets, or `sha256:…` of the raw message when it
    /// has none: how a message imported twice is recognised.
    pub message_id: String,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// Why a message was not taken in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|addr| match (addr.name(), addr.address()) {
            (Some(n), Some(e)) if !n.trim().is_empty() => Some(format!("{} <{e}>", n.trim())),
            (_, Some(e)) => Some(e.to_string()),
            (Some(n), None) => Some(n.trim().to_string()),
            (None, None) => None,
        })
        .collect()
}

/// Text as it may enter the log: line breaks as `\n`, no NULs or other C0 controls
/// but tab and newline (the views neutralise the rest, but a log is not the place for
/// them), Unicode in NFC.
fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let kept: String = s.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect();
    crate::text::nfc(&kept)
}

/// Collapse the runs of blank lines HTML conversion and signatures leave.
fn tidy_body(s: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim();
    if trimmed.chars().count() > MAX_BODY_CHARS {
        let cut: String = trimmed.chars().take(MAX_BODY_CHARS).collect();
        format!("{cut}\n[… forkortet]")
    } else {
        trimmed.to_string()
    }
}

impl Mail {
    /// Read one raw message. A message with no header section, or no sender, is
    /// malformed: it is reported and skipped, never taken in half.
    pub fn parse(raw: &[u8]) -> Result<Mail, Malformed> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err(Malformed("the file is empty".into()));
        }
        let msg = MessageParser::default()
            .parse(raw)
            .ok_or_else(|| Malformed("no message headers could be read".into()))?;
        let from = addresses(msg.from());
        if from.is_empty() {
            return Err(Malformed("the message has no From header (not an e-mail, or cut off)".into()));
        }
        let message_id = match msg.message_id().map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => id.trim_matches(['<', '>']).to_string(),
            None => format!("sha256:{}", crate::text::sha256_hex(raw)),
        };
        let date =
            msg.date().filter(|d| d.is_valid()).and_then(|d| Utc.timestamp_opt(d.to_timestamp(), 0).single());
        let body = msg.body_text(0).map(|b| tidy_body(&clean(&b))).unwrap_or_default();
        let attachments = msg
            .attachments()
            .enumerate()
            .map(|(i, part)| {
                let mime = part
                    .content_type()
                    .map(|ct| match ct.subtype() {
                        Some(sub) => format!("{}/{sub}", ct.ctype()),
                        None => ct.ctype().to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into());
                let name = part
                    .attachment_name()
                    .map(clean)
                    .map(|n| safe_file_name(&n))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("vedlegg-{}", i + 1));
                Attachment { name, mime: mime.to_ascii_lowercase(), data: part.contents().to_vec() }
            })
            .collect();
        Ok(Mail {
            message_id: clean(&message_id),
            from: clean(&from.join(", ")),
            to: addresses(msg.to()).iter().map(|s| clean(s)).collect(),
            cc: addresses(msg.cc()).iter().map(|s| clean(s)).collect(),
            subject: clean(msg.subject().unwrap_or("")).replace('\n', " ").trim().to_string(),
            date,
            body,
            attachments,
        })
    }

    /// The log entry's text: who, what, when, the body, and the attachments listed.
    pub fn entry_text(&self) -> String {
        let subject = if self.subject.is_empty() { "(uten emne)" } else { &self.subject };
        let mut text = format!("E-post fra {}: {subject}", self.from);
        if !self.to.is_empty() {
            text.push_str(&format!("\nTil: {}", self.to.join(", ")));
        }
        if !self.cc.is_empty() {
            text.push_str(&format!("\nKopi: {}", self.cc.join(", ")));
        }
        if let Some(d) = self.date {
            text.push_str(&format!("\nSendt: {}", d.with_timezone(&Local).format("%d.%m.%Y %H:%M")));
        }
        if !self.body.is_empty() {
            text.push_str("\n\n");
            text.push_str(&self.body);
        }
        if !self.attachments.is_empty() {
            let list: Vec<String> =
                self.attachments.iter().map(|a| format!("{} ({})", a.name, size(a.data.len()))).collect();
            text.push_str(&format!("\n\nVedlegg: {}", list.join(", ")));
        }
        // A log entry has a ceiling, whatever came in the mail (every attachment is
        // still stored and listed by `mail attachments`).
        let max = super::log::MAX_TEXT_CHARS - 20;
        if text.chars().count() > max {
            text = text.chars().take(max).collect();
            text.push_str("\n[… forkortet]");
        }
        text
    }
}

/// A size as people read it: 830 B, 12 kB, 3.4 MB.
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} kB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// An attachment's name as a file name: no folders, no controls, nothing a shell or
/// another system would trip on.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') { '_' } else { c })
        .collect();
    cleaned.trim_matches(['.', ' ']).chars().take(120).collect()
}

/// One message found in a path, with where it came from (for error messages).
pub struct Found {
    pub label: String,
    pub raw: Vec<u8>,
}

/// The messages in `path`: a maildir (its `new/` and `cur/`), an mbox file, an .eml
/// file, or a folder of .eml files. Files in a folder are taken in name order, so an
/// import is repeatable.
pub fn messages_in(path: &Path) -> std::io::Result<Vec<Found>> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let mut files = Vec::new();
        if is_maildir(path) {
            for sub in ["cur", "new"] {
                files.extend(files_in(&path.join(sub))?);
            }
        } else {
            files = files_in(path)?;
        }
        files.sort();
        let mut out = Vec::new();
        for f in files {
            out.extend(from_file(&f)?);
        }
        return Ok(out);
    }
    from_file(path)
}

/// An mbox file holds many messages, any other file one.
fn from_file(path: &Path) -> std::io::Result<Vec<Found>> {
    let raw = std::fs::read(path)?;
    if raw.starts_with(b"From ") {
        Ok(mbox(&raw, path))
    } else {
        Ok(vec![Found { label: path.display().to_string(), raw }])
    }
}

pub fn is_maildir(path: &Path) -> bool {
    path.join("cur").is_dir() || path.join("new").is_dir()
}

/// Regular files directly in `dir` (not hidden: maildir and editors keep their own).
pub fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let hidden = e.file_name().to_string_lossy().starts_with('.');
        if !hidden && e.file_type()?.is_file() {
            out.push(e.path());
        }
    }
    Ok(out)
}

/// Split an mbox (mboxrd or mboxo): messages begin at lines starting `From `; a
/// `>From ` inside a body was escaped by the writer and is unescaped here.
fn mbox(raw: &[u8], path: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    let reader = std::io::BufReader::new(raw);
    for (i, m) in mail_parser::mailbox::mbox::MessageIterator::new(reader).enumerate() {
        let label = format!("{} (message {})", path.display(), i + 1);
        match m {
            Ok(m) => out.push(Found { label, raw: m.unwrap_contents() }),
            Err(e) => out.push(Found { label: format!("{label}: {e}"), raw: Vec::new() }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_latin1_body_comes_out_as_norwegian_text() {
        let raw = b"From: =?ISO-8859-1?Q?P=E5l_R=F8nning?= <pal@example.no>\r\n\
To: stab@kommune.no\r\nSubject: =?ISO-8859-1?Q?Vannstand_i_L=E5gen?=\r\n\
Message-ID: <abc@x>\r\nDate: Tue, 24 Nov 2026 10:15:00 +0100\r\n\
Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Vannet st=E5r h=F8yt ved br=E6kka.\r\n";
        let m = Mail::parse(raw).unwrap();
        assert_eq!(m.from, "Pål Rønning <pal@example.no>");
        assert_eq!(m.body, "Vannet står høyt ved brækka.");
        assert_eq!(m.message_id, "abc@x");
        assert_eq!(m.date.unwrap().to_rfc3339(), "2026-11-24T09:15:00+00:00");
    }

    #[test]
    fn a_message_without_a_sender_is_malformed_and_one_without_id_gets_a_content_key() {
        assert!(Mail::parse(b"Subject: hei\r\n\r\nkropp\r\n").is_err());
        assert!(Mail::parse(b"   \n").is_err());
        let m = Mail::parse(b"From: a@b.no\r\nSubject: x\r\n\r\nhei\r\n").unwrap();
        assert!(m.message_id.starts_with("sha256:"));
    }

    #[test]
    fn an_entry_stays_within_the_log_s_ceiling_however_many_attachments() {
        let mut raw = String::from(
            "From: a@b.no\r\nSubject: mange\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n",
        );
        for k in 0..3000 {
            raw.push_str(&format!("--B\r\nContent-Disposition: attachment; filename=\"vedlegg-med-langt-navn-{k}.txt\"\r\n\r\nx\r\n"));
        }
        raw.push_str("--B--\r\n");
        let m = Mail::parse(raw.as_bytes()).unwrap();
        assert_eq!(m.attachments.len(), 3000, "every attachment is kept");
        let text = m.entry_text();
        assert!(text.chars().count() <= crate::domain::log::MAX_TEXT_CHARS);
        assert!(text.ends_with("[… forkortet]"));
    }

    #[test]
    fn attachment_names_cannot_leave_the_folder() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\x\\rapport.pdf"), "rapport.pdf");
        assert_eq!(safe_file_name("a\u{1b}[2Jb.txt"), "a_[2Jb.txt");
    }
}

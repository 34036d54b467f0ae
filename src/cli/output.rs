//! What the CLI prints: plain text for people (in the UI language, control characters
//! neutralised, local times) and stable JSON for scripts (documented in
//! docs/user-guide.md; JSON keys and values never depend on the language).

use super::error::{CliError, Out};
use crate::app::ImportReport;
use crate::domain::log::ChainBreak;
use crate::domain::media::MediaInquiry;
use crate::domain::meeting::Meeting;
use crate::domain::report::Report;
use crate::domain::task::Task;
use crate::domain::time::rfc3339;
use crate::domain::{EntryKind, Incident, LogEntry};
use crate::i18n::Label;
use crate::i18n::Lang;
use crate::lang::Text;
use crate::replication::checkpoint::ChainSigned;
use crate::store::User;
use crate::text::{safe, safe_line};
use chrono::Local;
use serde_json::json;
use std::collections::HashMap;
use std::io;
use std::io::Write;

pub struct Printer {
    pub json: bool,
    pub lang: Lang,
}

fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn incident_json(i: &Incident) -> serde_json::Value {
    json!({
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "type": i.kind,
        "severity": i.severity.level(),
        "status": i.status.as_str(),
        "exercise": i.exercise,
        "created_at": rfc3339(i.created_at),
        "closed_at": i.closed_at.map(rfc3339),
        "created_by": i.created_by,
    })
}

impl Printer {
    /// `incident new`: the number alone, for `N=$(sitroom incident new …)`.
    pub fn incident_created(&self, out: &mut (impl Write + ?Sized), i: &Incident) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", incident_json(i))
        } else {
            writeln!(out, "{}", i.number)
        }
    }

    pub fn incident(&self, out: &mut (impl Write + ?Sized), i: &Incident) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", incident_json(i));
        }
        let s = self.lang.strings();
        let status = if i.is_open() { s.open } else { s.closed };
        writeln!(
            out,
            "{:>3}  {:<9}  {}  {}{}  [{}, {} {}]",
            i.number,
            status,
            local(i.created_at),
            safe_line(&i.title),
            if i.exercise { format!("  ({})", s.exercise) } else { String::new() },
            safe_line(&i.kind),
            i.severity.level(),
            i.severity.label().get(self.lang),
        )
    }

    pub fn incidents(&self, out: &mut (impl Write + ?Sized), list: &[Incident]) -> io::Result<()> {
        if self.json {
            let all: Vec<_> = list.iter().map(incident_json).collect();
            return writeln!(out, "{}", serde_json::Value::Array(all));
        }
        list.iter().try_for_each(|i| self.incident(out, i))
    }

    /// One entry just written; `corrects_seq` is the seq of the entry it corrects.
    pub fn entry(
        &self,
        out: &mut (impl Write + ?Sized),
        e: &LogEntry,
        corrects_seq: Option<i64>,
    ) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", serde_json::to_string(e).expect("plain data"))
        } else {
            self.entry_text(out, e, corrects_seq, None)
        }
    }

    fn entry_text(
        &self,
        out: &mut (impl Write + ?Sized),
        e: &LogEntry,
        corrects_seq: Option<i64>,
        corrected_in: Option<i64>,
    ) -> io::Result<()> {
        let s = self.lang.strings();
        let mut marks = String::new();
        if e.kind == EntryKind::Decision {
            marks.push_str(&format!("{}: ", s.decision));
        }
        if e.significant {
            marks.push_str(&format!("[{}] ", s.significant));
        }
        let text = safe(&e.text).replace('\n', "\n                         ");
        write!(out, "#{:<4} {}  {:<10} {marks}{text}", e.seq, local(e.reported_at), safe_line(&e.author))?;
        if let Some(c) = corrects_seq {
            write!(out, "  ({} #{c})", s.corrects)?;
        }
        if let Some(n) = corrected_in {
            write!(out, "  [{} #{n}]", s.corrected_in)?;
        }
        writeln!(out)
    }

    /// The log: JSON lines (one entry each, the shape `log import` reads back) or text.
    pub fn entries(&self, out: &mut (impl Write + ?Sized), list: &[LogEntry]) -> io::Result<()> {
        let mut out = io::BufWriter::new(out);
        if self.json {
            for e in list {
                serde_json::to_writer(&mut out, e).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            return out.flush();
        }
        self.entries_text(&mut out, list)?;
        out.flush()
    }

    /// Entries as text, each with its marks (decision, significant, corrections): the
    /// one way the log reads on a terminal, now or as it stood (`history --at`).
    pub fn entries_text(&self, out: &mut (impl Write + ?Sized), list: &[LogEntry]) -> io::Result<()> {
        let seq_of: HashMap<_, _> = list.iter().map(|e| (e.id, e.seq)).collect();
        let corrected: HashMap<_, _> = list.iter().filter_map(|e| e.corrects.map(|c| (c, e.seq))).collect();
        for e in list {
            let corrects_seq = e.corrects.and_then(|c| seq_of.get(&c).copied());
            self.entry_text(out, e, corrects_seq, corrected.get(&e.id).copied())?;
        }
        Ok(())
    }

    pub fn import_report(&self, out: &mut (impl Write + ?Sized), r: &ImportReport) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", json!({ "added": r.added, "already_there": r.already_there }))
        } else {
            let (added, there) = (r.added, r.already_there);
            let said = crate::say!(
                self.lang,
                "importerte {added} loggføringer ({there} fantes fra før)",
                "imported {added} entries ({there} already in the log)"
            );
            writeln!(out, "{said}")
        }
    }

    /// Print the verdict; true when the chain is intact and every signature holds.
    pub fn verify(
        &self,
        out: &mut (impl Write + ?Sized),
        incident: &Incident,
        result: &Result<usize, ChainBreak>,
        signed: &Result<Vec<ChainSigned>, String>,
    ) -> io::Result<bool> {
        let n = incident.number;
        if self.json {
            let (signatures, broken) = match signed {
                Ok(chains) => (serde_json::to_value(chains).unwrap_or_default(), None),
                Err(why) => (serde_json::Value::Null, Some(why.as_str())),
            };
            let mut v = match result {
                Ok(count) => json!({ "incident": n, "intact": broken.is_none(), "entries": count }),
                Err(b) => {
                    let (ChainBreak::Altered { seq, id } | ChainBreak::Unlinked { seq, id }) = b;
                    let first = json!({ "seq": seq, "id": id });
                    json!({ "incident": n, "intact": false, "first_broken": first, "reason": b.to_string() })
                }
            };
            v["signed"] = signatures;
            if let Some(why) = broken {
                v["signatures_broken"] = why.into();
            }
            writeln!(out, "{v}")?;
            return Ok(result.is_ok() && signed.is_ok());
        }
        self.verify_chain(out, incident, result)?;
        let lang = self.lang;
        match signed {
            Err(why) => writeln!(
                out,
                "{}",
                crate::say!(
                    lang,
                    "hendelse {n}: SIGNATURENE HOLDER IKKE: {why}",
                    "incident {n}: SIGNATURES DO NOT HOLD: {why}"
                )
            )?,
            Ok(chains) => {
                for c in chains {
                    let replica = crate::text::safe(&c.origin);
                    match (c.signed_through, c.signed_at) {
                        (Some(seq), Some(at)) => {
                            let at = crate::domain::time::from_millis(at)
                                .with_timezone(&chrono::Local)
                                .format("%d.%m %H:%M");
                            let by = if c.countersigned {
                                Text::new(", kontrasignert av serveren", ", countersigned by the server")
                            } else {
                                Text::new(", signert av replikaen alene", ", signed by the replica alone")
                            }
                            .get(lang);
                            let after = c.after;
                            writeln!(
                                out,
                                "{}",
                                crate::say!(
                                    lang,
                                    "  replika {replica}: signert til og med #{seq} ({at}{by}); {after} nyere ennå ikke signert",
                                    "  replica {replica}: signed through #{seq} ({at}{by}); {after} newer not yet signed"
                                )
                            )?;
                        }
                        _ => {
                            let entries = c.entries;
                            writeln!(
                                out,
                                "{}",
                                crate::say!(
                                    lang,
                                    "  replika {replica}: ingen signatur ennå ({entries} loggføringer)",
                                    "  replica {replica}: not signed yet ({entries} entries)"
                                )
                            )?
                        }
                    }
                }
            }
        }
        Ok(result.is_ok() && signed.is_ok())
    }

    fn verify_chain(
        &self,
        out: &mut (impl Write + ?Sized),
        incident: &Incident,
        result: &Result<usize, ChainBreak>,
    ) -> io::Result<()> {
        let n = incident.number;
        let said = match result {
            Ok(count) => crate::say!(
                self.lang,
                "hendelse {n}: loggens hash-kjede er hel ({count} loggføringer)",
                "incident {n}: the log's hash chain is intact ({count} entries)"
            ),
            Err(b @ ChainBreak::Altered { seq, id }) => crate::say!(
                self.lang,
                "hendelse {n}: BRUTT ved loggføring #{seq} ({id}): innholdet stemmer ikke med hashen, den er endret",
                "incident {n}: BROKEN at {b}"
            ),
            Err(b @ ChainBreak::Unlinked { seq, id }) => crate::say!(
                self.lang,
                "hendelse {n}: BRUTT ved loggføring #{seq} ({id}): den følger ikke loggføringen før, en loggføring er fjernet, satt inn eller flyttet",
                "incident {n}: BROKEN at {b}"
            ),
        };
        writeln!(out, "{said}")
    }

    /// `task add`: the number alone (or the task as JSON).
    pub fn task_created(&self, out: &mut (impl Write + ?Sized), t: &Task) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", serde_json::to_string(t).expect("plain data"))
        } else {
            writeln!(out, "{}", t.number)
        }
    }

    pub fn task(&self, out: &mut (impl Write + ?Sized), t: &Task) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(t).expect("plain data"));
        }
        let lang = self.lang;
        let due = match t.due {
            Some(d) => {
                let late = if t.is_overdue(chrono::Utc::now()) {
                    Text::new(" FORSINKET", " OVERDUE").get(lang)
                } else {
                    ""
                };
                format!(
                    "{} {}{late}",
                    Text::new("frist", "due").get(lang),
                    d.with_timezone(&Local).format("%d.%m %H:%M")
                )
            }
            None => String::new(),
        };
        let who = t.assignee.as_deref().map(|a| format!("  → {}", safe_line(a))).unwrap_or_default();
        writeln!(
            out,
            "{:>3}  {:<11}  {:<7}  {}{}{}",
            t.number,
            t.status.label().get(lang),
            t.priority.label().get(lang),
            safe_line(&t.title),
            who,
            if due.is_empty() { String::new() } else { format!("  ({due})") },
        )
    }

    /// JSON: one array.
    pub fn tasks(&self, out: &mut (impl Write + ?Sized), list: &[Task]) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(list).expect("plain data"));
        }
        list.iter().try_for_each(|t| self.task(out, t))
    }

    pub fn user(&self, out: &mut (impl Write + ?Sized), u: &User) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(u).expect("plain data"));
        }
        let roles: Vec<&str> = u.roles.iter().map(|r| r.name()).collect();
        writeln!(
            out,
            "{:<20} {}{}",
            safe_line(&u.name),
            roles.join(", "),
            if u.disabled { " (disabled)" } else { "" }
        )
    }

    /// JSON: one array.
    pub fn users(&self, out: &mut (impl Write + ?Sized), list: &[User]) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(list).expect("plain data"));
        }
        list.iter().try_for_each(|u| self.user(out, u))
    }

    /// `media add`: the number alone (or the inquiry as JSON).
    pub fn inquiry_created(&self, out: &mut (impl Write + ?Sized), m: &MediaInquiry) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", serde_json::to_string(m).expect("plain data"))
        } else {
            writeln!(out, "{}", m.number)
        }
    }

    pub fn inquiry(&self, out: &mut (impl Write + ?Sized), m: &MediaInquiry) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(m).expect("plain data"));
        }
        let lang = self.lang;
        let urgency = m.urgency(chrono::Utc::now());
        let deadline = match m.deadline {
            Some(d) => {
                let left = crate::i18n::time_left(urgency, lang);
                let late = matches!(urgency, crate::domain::media::Urgency::Passed(_));
                let word = Text::new("frist", "deadline").get(lang);
                let mark = if late { "!! " } else { "" };
                format!(
                    "  ({mark}{word} {}{})",
                    d.with_timezone(&Local).format("%d.%m %H:%M"),
                    if left.is_empty() { String::new() } else { format!(", {left}") }
                )
            }
            None => String::new(),
        };
        let who = m.responsible.as_deref().map(|r| format!("  → {}", safe_line(r))).unwrap_or_default();
        let journalist =
            if m.journalist.is_empty() { String::new() } else { format!(" ({})", safe_line(&m.journalist)) };
        writeln!(
            out,
            "{:>3}  {:<13} {}{}{}: «{}»{}{}",
            m.number,
            m.status.label().get(lang),
            if m.outgoing { "→ " } else { "" },
            safe_line(&m.outlet),
            journalist,
            safe_line(&m.question),
            who,
            deadline
        )?;
        if !m.answer.is_empty() {
            writeln!(out, "     {}: «{}»", Text::new("svar", "answer").get(lang), safe_line(&m.answer))?;
        }
        Ok(())
    }

    /// JSON: one array.
    pub fn inquiries(&self, out: &mut (impl Write + ?Sized), list: &[MediaInquiry]) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(list).expect("plain data"));
        }
        list.iter().try_for_each(|m| self.inquiry(out, m))
    }

    /// `report new`: the number alone (or the report as JSON).
    pub fn report_created(&self, out: &mut (impl Write + ?Sized), r: &Report) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", serde_json::to_string(r).expect("plain data"))
        } else {
            writeln!(out, "{}", r.number)
        }
    }

    /// One line: number, version, status, kind, title, and who approved it.
    pub fn report(&self, out: &mut (impl Write + ?Sized), r: &Report) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(r).expect("plain data"));
        }
        let lang = self.lang;
        let approved = match (&r.approved_by, r.approved_at) {
            (Some(by), Some(at)) => format!(
                "  ({} {by} {})",
                Text::new("godkjent av", "approved by").get(lang),
                at.with_timezone(&Local).format("%d.%m %H:%M")
            ),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:>3}  {:<3} {:<16} {:<18} {}{approved}",
            r.number,
            r.version_label(),
            r.status.label().get(lang),
            safe_line(&r.kind),
            safe_line(&r.title)
        )?;
        if !r.comment.is_empty() && r.status == crate::domain::report::ReportStatus::Returned {
            writeln!(
                out,
                "     {}: «{}»",
                Text::new("kommentar", "comment").get(lang),
                safe_line(&r.comment)
            )?;
        }
        Ok(())
    }

    /// The line, then the text.
    pub fn report_full(&self, out: &mut (impl Write + ?Sized), r: &Report) -> io::Result<()> {
        if self.json {
            return self.report(out, r);
        }
        self.report(out, r)?;
        writeln!(out)?;
        writeln!(out, "{}", safe(&r.text))
    }

    /// JSON: one array.
    pub fn reports(&self, out: &mut (impl Write + ?Sized), list: &[Report]) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(list).expect("plain data"));
        }
        list.iter().try_for_each(|r| self.report(out, r))
    }

    /// A number alone, for scripts (`N=$(sitroom meeting new …)`), or the record as JSON.
    pub fn number_or_json(
        &self,
        out: &mut (impl Write + ?Sized),
        number: i64,
        record: &impl serde::Serialize,
    ) -> io::Result<()> {
        if self.json {
            writeln!(out, "{}", serde_json::to_string(record).expect("plain data"))
        } else {
            writeln!(out, "{number}")
        }
    }

    /// JSON: one array.
    pub fn meetings(&self, out: &mut (impl Write + ?Sized), list: &[Meeting]) -> io::Result<()> {
        if self.json {
            return writeln!(out, "{}", serde_json::to_string(list).expect("plain data"));
        }
        for m in list {
            let at = m.starts_at.with_timezone(&Local).format("%d.%m %H:%M");
            let item = m.item_label().map(|l| format!("  ({l})")).unwrap_or_default();
            let minutes = m
                .minutes_report
                .map(|r| crate::say!(self.lang, "  [referat: rapport {r}]", "  [minutes: report {r}]"))
                .unwrap_or_default();
            writeln!(
                out,
                "{:>3}  {:<10} {at}  {}{item}{minutes}",
                m.number,
                m.status.label().get(self.lang),
                safe_line(&m.title)
            )?;
        }
        Ok(())
    }
}

/// `value` as one line of JSON.
pub fn json(out: Out<'_>, value: &impl serde::Serialize) -> Result<(), CliError> {
    writeln!(out, "{}", serde_json::to_string(value).expect("plain data")).map_err(super::error::io)
}

/// `value` as JSON with `--json`, else as `plain` prints it for people.
pub fn either<T: serde::Serialize>(
    out: Out<'_>,
    p: &Printer,
    value: &T,
    plain: impl FnOnce(Out<'_>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    if p.json {
        json(out, value)
    } else {
        plain(out)
    }
}

//! What the CLI prints: plain text for people (control characters neutralised, local
//! times) and stable JSON for scripts (documented in docs/user-guide.md).

use crate::app::ImportReport;
use crate::domain::log::ChainBreak;
use crate::domain::{EntryKind, Incident, LogEntry};
use crate::text::{safe, safe_line};
use chrono::Local;
use serde_json::json;
use std::io::{self, Write};

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
        "created_at": crate::domain::time::rfc3339(i.created_at),
        "closed_at": i.closed_at.map(crate::domain::time::rfc3339),
        "created_by": i.created_by,
    })
}

pub fn incident_created(out: &mut impl Write, i: &Incident, json: bool) -> io::Result<()> {
    if json {
        writeln!(out, "{}", incident_json(i))
    } else {
        writeln!(out, "{}", i.number)
    }
}

pub fn incident_line(out: &mut impl Write, i: &Incident, json: bool) -> io::Result<()> {
    if json {
        return writeln!(out, "{}", incident_json(i));
    }
    writeln!(
        out,
        "{:>3}  {:<6}  {}  {}{}  [{}, {} {}]",
        i.number,
        i.status.as_str(),
        local(i.created_at),
        safe_line(&i.title),
        if i.exercise { "  (ØVELSE)" } else { "" },
        safe_line(&i.kind),
        i.severity.level(),
        i.severity.name(true),
    )
}

pub fn incidents(out: &mut impl Write, list: &[Incident], json: bool) -> io::Result<()> {
    if json {
        let all: Vec<_> = list.iter().map(incident_json).collect();
        return writeln!(out, "{}", serde_json::Value::Array(all));
    }
    for i in list {
        incident_line(out, i, false)?;
    }
    Ok(())
}

pub fn entry_added(
    out: &mut impl Write,
    e: &LogEntry,
    corrects_seq: Option<i64>,
    json: bool,
) -> io::Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string(e).expect("plain data"))
    } else {
        entry_text(out, e, corrects_seq, None)
    }
}

fn entry_text(
    out: &mut impl Write,
    e: &LogEntry,
    corrects_seq: Option<i64>,
    corrected_in: Option<i64>,
) -> io::Result<()> {
    let mut marks = String::new();
    if e.kind == EntryKind::Decision {
        marks.push_str("BESLUTNING: ");
    }
    if e.significant {
        marks.push_str("[VESENTLIG] ");
    }
    let mut text = safe(&e.text).into_owned();
    text = text.replace('\n', "\n                         ");
    write!(
        out,
        "#{:<4} {}  {:<10} {marks}{text}",
        e.seq,
        local(e.reported_at),
        safe_line(&e.author)
    )?;
    if let Some(c) = corrects_seq {
        write!(out, "  (retter #{c})")?;
    }
    if let Some(n) = corrected_in {
        write!(out, "  [rettet i #{n}]")?;
    }
    writeln!(out)
}

/// JSON lines, one entry each: the shape `log import` reads back.
pub fn entries(out: &mut impl Write, list: &[LogEntry], json: bool) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    if json {
        for e in list {
            serde_json::to_writer(&mut out, e).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        return out.flush();
    }
    let seq_of: std::collections::HashMap<_, _> = list.iter().map(|e| (e.id, e.seq)).collect();
    let corrected: std::collections::HashMap<_, _> = list
        .iter()
        .filter_map(|e| e.corrects.map(|c| (c, e.seq)))
        .collect();
    for e in list {
        let corrects_seq = e.corrects.and_then(|c| seq_of.get(&c).copied());
        entry_text(&mut out, e, corrects_seq, corrected.get(&e.id).copied())?;
    }
    out.flush()
}

pub fn import_report(out: &mut impl Write, r: &ImportReport, json: bool) -> io::Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            json!({ "added": r.added, "already_there": r.already_there })
        )
    } else {
        writeln!(
            out,
            "imported {} entries ({} already in the log)",
            r.added, r.already_there
        )
    }
}

/// Print the verdict; true when the chain is intact.
pub fn verify(
    out: &mut impl Write,
    incident: &Incident,
    result: &Result<usize, ChainBreak>,
    json: bool,
) -> io::Result<bool> {
    match result {
        Ok(n) => {
            if json {
                writeln!(
                    out,
                    "{}",
                    json!({ "incident": incident.number, "intact": true, "entries": n })
                )?;
            } else {
                writeln!(
                    out,
                    "incident {}: the log's hash chain is intact ({n} entries)",
                    incident.number
                )?;
            }
            Ok(true)
        }
        Err(b) => {
            let (seq, id) = match b {
                ChainBreak::Altered { seq, id } | ChainBreak::Unlinked { seq, id } => (seq, id),
            };
            if json {
                writeln!(
                    out,
                    "{}",
                    json!({ "incident": incident.number, "intact": false, "first_broken": { "seq": seq, "id": id }, "reason": b.to_string() })
                )?;
            } else {
                writeln!(out, "incident {}: BROKEN at {b}", incident.number)?;
            }
            Ok(false)
        }
    }
}

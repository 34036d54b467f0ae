//! A situation report drafted from the log: what happened since the last approved one
//! (decisions, key figures and their changes, tasks done and open, media inquiries,
//! alerts, messages in and out), each line with the log entry it comes from, for the
//! writer to edit. Nothing is invented: every line is an entry's text or a record as
//! it stands, with its reference.

use super::{Result, Session};
use crate::domain::log::is_retraction;
use crate::domain::{EntryKind, Incident, LogEntry};
use chrono::{DateTime, Local, Utc};
use std::collections::HashSet;

fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%H:%M").to_string()
}

/// "- 10:05 Evakuere Gokstad sykehjem [#12]"
fn line(e: &LogEntry) -> String {
    let text = e.text.lines().next().unwrap_or_default().trim();
    format!("- {} {text} [#{}]", clock(e.reported_at), e.seq)
}

impl Session {
    /// The draft's text: a section per kind of happening since the latest approved
    /// situation report (or since the incident began).
    pub fn log_digest(&self, incident: &Incident) -> Result<String> {
        let since = self.latest_sitrep(incident)?.and_then(|r| r.approved_at);
        let entries = self.entries(incident)?;
        // What was taken back is no happening (the correction of an entry stands as an
        // entry of its own).
        let retracted: HashSet<uuid::Uuid> =
            entries.iter().filter(|e| is_retraction(&e.text)).filter_map(|e| e.corrects).collect();
        let new: Vec<&LogEntry> = entries
            .iter()
            .filter(|e| since.is_none_or(|s| e.recorded_at > s))
            .filter(|e| !retracted.contains(&e.id) && !is_retraction(&e.text))
            .collect();
        let tagged = |tag: &str| -> Vec<String> {
            new.iter()
                .filter(|e| e.kind == EntryKind::Auto && e.tags.iter().any(|t| t == tag))
                .map(|e| line(e))
                .collect()
        };
        let mut out = String::new();
        let heading = match since {
            Some(s) => format!(
                "## Fra loggen siden forrige godkjente situasjonsrapport ({})",
                s.with_timezone(&Local).format("%d.%m %H:%M")
            ),
            None => "## Fra loggen siden hendelsen startet".to_string(),
        };
        out.push_str(&heading);
        out.push_str("\n(Utkast: hver linje viser til loggføringen den kommer fra. Flytt det som skal med inn i rapporten over, og slett resten.)\n");
        let mut section = |title: &str, lines: Vec<String>| {
            out.push_str(&format!("\n### {title}\n"));
            if lines.is_empty() {
                out.push_str("- (ingen)\n");
            }
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
        };
        section(
            "Beslutninger",
            new.iter().filter(|e| e.kind == EntryKind::Decision).map(|e| line(e)).collect(),
        );
        let mut figures = Vec::new();
        // A report is read by everyone of the incident: only the figures of boards
        // everyone may see.
        for board in self.boards_of(incident)?.into_iter().filter(|b| !b.audience.restricted()) {
            for f in self.figures(&board)? {
                let unit = if f.unit.is_empty() { String::new() } else { format!(" {}", f.unit) };
                figures.push(format!("- {}: {}{unit} (tavla «{}»)", f.name, f.value, board.title));
            }
        }
        figures.extend(
            tagged("tavle").into_iter().filter(|l| l.contains("Nøkkeltall")).map(|l| format!("  {l}")),
        );
        section("Nøkkeltall og endringer", figures);
        let tasks = tagged("oppgave");
        section("Oppgaver utført", tasks.iter().filter(|l| l.contains("→ utført")).cloned().collect());
        let open: Vec<String> = self
            .tasks(incident)?
            .into_iter()
            .filter(|t| t.status.is_open())
            .map(|t| {
                let who = t.assignee.map(|a| format!(" – {a}")).unwrap_or_default();
                let due = t
                    .due
                    .map(|d| format!(" – frist {}", d.with_timezone(&Local).format("%d.%m %H:%M")))
                    .unwrap_or_default();
                format!("- Oppgave {}: {}{who}{due} [oppgave {}]", t.number, t.title, t.number)
            })
            .collect();
        section("Oppgaver åpne", open);
        section("Mediehenvendelser", tagged("media"));
        section("Varsling", tagged("varsling"));
        section(
            "Meldinger inn og ut",
            new.iter()
                .filter(|e| e.kind == EntryKind::Email || crate::domain::journal::marked(&e.text).is_some())
                .map(|e| line(e))
                .collect(),
        );
        Ok(out)
    }
}

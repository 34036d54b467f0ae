//! Meeting operations: plan, start, move through the agenda, end. While a meeting
//! runs every log entry of the incident is tagged with it and its current item
//! (`add_entry` does that), so the minutes can be drafted from the log itself when it
//! ends: per agenda item, the decisions, and the tasks made from its entries.

use super::{Result, Session};
use crate::domain::meeting::{Meeting, MeetingStatus, NewMeeting};
use crate::domain::roles::Permission;
use crate::domain::{EntryKind, Incident, LogEntry};
use crate::store::MeetingChange;
use chrono::{Local, Utc};

fn name(m: &Meeting) -> String {
    format!("Møte {} «{}»", m.number, m.title)
}

/// How the automatic entry of a meeting's start begins.
pub(crate) fn started_text(m: &Meeting) -> String {
    format!("{} startet", name(m))
}

impl Session {
    pub fn new_meeting(&mut self, incident: &Incident, new: NewMeeting) -> Result<(Meeting, LogEntry)> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let new = new.validated()?;
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.create_meeting(incident, &new, w.stamp(), |m| {
            let mut text =
                format!("{} planlagt {}", name(m), m.starts_at.with_timezone(&Local).format("%d.%m %H:%M"));
            if !m.agenda.is_empty() {
                let items: Vec<String> =
                    m.agenda.iter().enumerate().map(|(i, a)| format!("{}. {a}", i + 1)).collect();
                text.push_str(&format!(" – saker: {}", items.join("; ")));
            }
            w.entry("møte", text)
        })?)
    }

    pub fn meetings(&self, incident: &Incident) -> Result<Vec<Meeting>> {
        Ok(self.store.meetings(incident)?)
    }

    pub fn meeting(&self, incident: &Incident, number: i64) -> Result<Meeting> {
        Ok(self.store.meeting(incident, number)?)
    }

    pub fn ongoing_meeting(&self, incident: &Incident) -> Result<Option<Meeting>> {
        Ok(self.store.ongoing_meeting(incident)?)
    }

    /// Start a planned meeting, at its first agenda item. One meeting runs at a time.
    pub fn start_meeting(&mut self, incident: &Incident, number: i64) -> Result<(Meeting, LogEntry)> {
        let running = self.store.ongoing_meeting(incident)?.filter(|m| m.number != number);
        let lang = self.lang;
        let check = move |m: &Meeting| match (m.status, &running) {
            (_, Some(other)) => Err(lang.pick(
                format!("møte {} pågår fortsatt; avslutt det først", other.number),
                format!("meeting {} is still running; end it first", other.number),
            )),
            (MeetingStatus::Planned, None) => Ok(()),
            (s, None) => Err(lang.pick(
                format!("møte {number} er {} og kan ikke startes", s.name()),
                format!("meeting {number} is {} and cannot be started", s.name()),
            )),
        };
        let first = Some(1)
            .filter(|_| self.store.meeting(incident, number).map(|m| !m.agenda.is_empty()).unwrap_or(false));
        self.change_meeting(incident, number, MeetingChange::Ongoing(first), check, |m| {
            let mut text = started_text(m);
            if !m.participants.is_empty() {
                text.push_str(&format!(" – til stede: {}", m.participants.join(", ")));
            }
            if let Some(item) = m.item_label() {
                text.push_str(&format!(" – {item}"));
            }
            text
        })
    }

    /// Go to agenda item `k` (1-based) of the running meeting.
    pub fn meeting_item(&mut self, incident: &Incident, number: i64, k: i64) -> Result<(Meeting, LogEntry)> {
        let lang = self.lang;
        let check = move |m: &Meeting| {
            if m.status != MeetingStatus::Ongoing {
                Err(lang
                    .pick(format!("møte {number} pågår ikke"), format!("meeting {number} is not running")))
            } else if k < 1 || k > m.agenda.len() as i64 {
                let n = m.agenda.len();
                Err(lang.pick(
                    format!("møte {number} har sakene 1 til {n}"),
                    format!("meeting {number} has agenda items 1 to {n}"),
                ))
            } else {
                Ok(())
            }
        };
        self.change_meeting(incident, number, MeetingChange::Ongoing(Some(k)), check, |m| {
            format!("{}: {}", name(m), m.item_label().unwrap_or_default())
        })
    }

    /// End the running meeting and draft its minutes (a møtereferat report, ready for
    /// approval). Returns the meeting, now with the report's number.
    /// Void a meeting planned or started by mistake (see `retract`): it is no longer
    /// running or waiting, the entry line stops recording under it, and no minutes are
    /// drafted. Its automatic entry says so.
    pub fn void_meeting(&mut self, incident: &Incident, number: i64) -> Result<(Meeting, LogEntry)> {
        let lang = self.lang;
        let check = move |m: &Meeting| match m.status {
            MeetingStatus::Planned | MeetingStatus::Ongoing => Ok(()),
            s => Err(lang.pick(
                format!("møte {number} er {} og kan ikke tas tilbake", s.name()),
                format!("meeting {number} is {} and cannot be taken back", s.name()),
            )),
        };
        self.change_meeting(incident, number, MeetingChange::Void, check, |m| {
            format!("{} feilført – se bort fra", name(m))
        })
    }

    pub fn end_meeting(&mut self, incident: &Incident, number: i64) -> Result<(Meeting, LogEntry)> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let meeting = self.store.meeting(incident, number)?;
        if meeting.status != MeetingStatus::Ongoing {
            return Err(crate::domain::Invalid::new(
                format!("møte {number} pågår ikke"),
                format!("meeting {number} is not running"),
            )
            .into());
        }
        let minutes = self.minutes(incident, &meeting)?;
        let now = Utc::now();
        let w = self.writer(now);
        // The minutes belong to the meeting: whoever may run it may draft them.
        let (report, _) = self.store.create_report(
            incident,
            ("møtereferat", &format!("Referat: {}", meeting.title), &minutes),
            w.stamp(),
            |r| w.entry("rapport", format!("Rapport {} «{}» v1 opprettet (møtereferat)", r.number, r.title)),
        )?;
        let lang = self.lang;
        let check = |m: &Meeting| {
            if m.status == MeetingStatus::Ongoing {
                Ok(())
            } else {
                Err(lang
                    .pick(format!("møte {number} pågår ikke"), format!("meeting {number} is not running")))
            }
        };
        self.change_meeting(incident, number, MeetingChange::Ended(Some(report.number)), check, |m| {
            format!("{} avsluttet – referat i rapport {}", name(m), report.number)
        })
    }

    fn change_meeting(
        &mut self,
        incident: &Incident,
        number: i64,
        change: MeetingChange,
        check: impl FnOnce(&Meeting) -> std::result::Result<(), String>,
        text: impl FnOnce(&Meeting) -> String,
    ) -> Result<(Meeting, LogEntry)> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self
            .store
            .change_meeting(incident, number, &change, w.stamp(), check, |_, m| w.entry("møte", text(m)))?)
    }

    /// The minutes in Markdown, from the log: what was said per item, the decisions,
    /// and the tasks made from the meeting's entries.
    fn minutes(&self, incident: &Incident, m: &Meeting) -> Result<String> {
        let tag = m.tag();
        let all = self.store.entries(incident)?;
        // When it really began: the moment it was started (its automatic entry), not
        // the time it was planned for, which is said beside it when they differ.
        let started_text = started_text(m);
        let started = all
            .iter()
            .filter(|e| e.kind == EntryKind::Auto && e.text.starts_with(&started_text))
            .map(|e| e.reported_at)
            .next_back();
        let entries: Vec<LogEntry> =
            all.into_iter().filter(|e| e.tags.contains(&tag) && e.kind != EntryKind::Auto).collect();
        let local = |t: chrono::DateTime<Utc>| t.with_timezone(&Local);
        let held = match started {
            Some(at)
                if local(at).format("%H:%M").to_string()
                    != local(m.starts_at).format("%H:%M").to_string() =>
            {
                format!(
                    "{}–{} (planlagt {})",
                    local(at).format("%d.%m.%Y %H:%M"),
                    local(Utc::now()).format("%H:%M"),
                    local(m.starts_at).format("%H:%M")
                )
            }
            Some(at) => {
                format!("{}–{}", local(at).format("%d.%m.%Y %H:%M"), local(Utc::now()).format("%H:%M"))
            }
            None => local(m.starts_at).format("%d.%m.%Y %H:%M").to_string(),
        };
        let time = |e: &LogEntry| e.reported_at.with_timezone(&Local).format("%H:%M").to_string();
        let line = |e: &LogEntry| match e.kind {
            EntryKind::Decision => format!("- {} **Beslutning:** {}", time(e), e.text.replace('\n', " ")),
            _ => format!("- {} {}", time(e), e.text.replace('\n', " ")),
        };
        let mut out = format!(
            "# Referat: {}\n\n**Hendelse:** {}\n**Møtetidspunkt:** {}\n**Referent:** {}\n**Til stede:** {}\n\n## Saker\n",
            m.title,
            incident.title,
            held,
            self.user,
            m.participants.join(", ")
        );
        for (i, item) in m.agenda.iter().enumerate() {
            let item_tag = m.item_tag(i as i64 + 1);
            out.push_str(&format!("\n### {}. {item}\n", i + 1));
            for e in entries.iter().filter(|e| e.tags.contains(&item_tag)) {
                out.push_str(&line(e));
                out.push('\n');
            }
        }
        let outside: Vec<&LogEntry> =
            entries.iter().filter(|e| !e.tags.iter().any(|t| t.starts_with(&format!("{tag}-sak")))).collect();
        if !outside.is_empty() {
            out.push_str("\n### Utenom sakene\n");
            for e in outside {
                out.push_str(&line(e));
                out.push('\n');
            }
        }
        out.push_str("\n## Beslutninger\n");
        for e in entries.iter().filter(|e| e.kind == EntryKind::Decision) {
            out.push_str(&format!("- {}\n", e.text.replace('\n', " ")));
        }
        out.push_str("\n## Oppgaver\n| Oppgave | Ansvarlig | Frist |\n|---|---|---|\n");
        let ids: Vec<_> = entries.iter().map(|e| e.id).collect();
        for t in self
            .store
            .tasks(incident)?
            .into_iter()
            .filter(|t| t.from_entries.iter().any(|id| ids.contains(id)))
        {
            let due =
                t.due.map(|d| d.with_timezone(&Local).format("%d.%m %H:%M").to_string()).unwrap_or_default();
            out.push_str(&format!(
                "| {}: {} | {} | {due} |\n",
                t.number,
                t.title,
                t.assignee.unwrap_or_default()
            ));
        }
        out.push_str("\n## Neste møte\n");
        Ok(out)
    }
}

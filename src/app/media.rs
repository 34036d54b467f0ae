//! Media queue operations (mediehåndtering). Every state change writes its automatic
//! log entry (tag `#media`) in the same transaction.

use super::{Result, Session};
use crate::domain::media::{MediaInquiry, MediaStatus, NewInquiry};
use crate::domain::roles::Permission;
use crate::domain::{Incident, LogEntry};
use crate::i18n::Label;
use crate::store::MediaChange;
use chrono::{DateTime, Local, Utc};

fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d.%m %H:%M").to_string()
}

/// "Mediehenvendelse 2 (NRK Vestfold)" or "Utgående mediekontakt 3 (VG)".
fn name(m: &MediaInquiry) -> String {
    let kind = if m.outgoing { "Utgående mediekontakt" } else { "Mediehenvendelse" };
    format!("{kind} {} ({})", m.number, m.outlet)
}

/// At most `n` characters of `s`, with … where cut.
fn short(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', " ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    }
}

impl Session {
    pub fn add_inquiry(&mut self, incident: &Incident, new: NewInquiry) -> Result<(MediaInquiry, LogEntry)> {
        self.permit(Permission::WorkMedia)?;
        self.ensure_open(incident)?;
        let new = new.validated()?;
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.create_inquiry(incident, &new, w.stamp(), |m| {
            let mut text = format!("{} registrert", name(m));
            if !m.journalist.is_empty() {
                text.push_str(&format!(" – {}", m.journalist));
            }
            text.push_str(&format!(": «{}»", short(&m.question, 200)));
            if let Some(d) = m.deadline {
                text.push_str(&format!(" – frist: {}", when(d)));
            }
            if let Some(r) = &m.responsible {
                text.push_str(&format!(" – ansvarlig: {r}"));
            }
            w.entry("media", text)
        })?)
    }

    pub fn inquiries(&self, incident: &Incident) -> Result<Vec<MediaInquiry>> {
        Ok(self.store.inquiries(incident)?)
    }

    pub fn inquiry(&self, incident: &Incident, number: i64) -> Result<MediaInquiry> {
        Ok(self.store.inquiry(incident, number)?)
    }

    pub fn set_inquiry_status(
        &mut self,
        incident: &Incident,
        number: i64,
        to: MediaStatus,
    ) -> Result<(MediaInquiry, LogEntry)> {
        let lang = self.lang;
        let check = move |m: &MediaInquiry| {
            if m.status.can_become(to) {
                return Ok(());
            }
            let (from, to) = (m.status.label().get(lang), to.label().get(lang));
            Err(crate::say!(
                lang,
                "mediehenvendelse {number} kan ikke gå fra {from} til {to}",
                "media inquiry {number} cannot go from {from} to {to}"
            ))
        };
        self.change_inquiry(incident, number, MediaChange::Status(to), check, |b, a| {
            format!("{}: {} → {}", name(a), b.status.name(), a.status.name())
        })
    }

    pub fn assign_inquiry(
        &mut self,
        incident: &Incident,
        number: i64,
        who: Option<String>,
    ) -> Result<(MediaInquiry, LogEntry)> {
        let who = who.map(|w| crate::text::nfc(w.trim())).filter(|w| !w.is_empty());
        if who.as_ref().is_some_and(|w| w.chars().any(char::is_control)) {
            return Err(
                self.invalid("den ansvarlige må være ren tekst", "the responsible must be plain text")
            );
        }
        let (same, lang) = (who.clone(), self.lang);
        let check = move |m: &MediaInquiry| {
            if m.responsible == same {
                Err(lang.pick("ingen endring", "no change"))
            } else {
                Ok(())
            }
        };
        self.change_inquiry(incident, number, MediaChange::Responsible(who), check, |b, a| {
            match (&a.responsible, &b.responsible) {
                (Some(r), _) => format!("{}: ansvarlig {r}", name(a)),
                (None, Some(old)) => format!("{}: {old} er ikke lenger ansvarlig", name(a)),
                (None, None) => format!("{}: uten ansvarlig", name(a)),
            }
        })
    }

    /// Record the answer given; the inquiry becomes besvart.
    pub fn answer_inquiry(
        &mut self,
        incident: &Incident,
        number: i64,
        answer: &str,
    ) -> Result<(MediaInquiry, LogEntry)> {
        let answer = crate::text::nfc(answer.trim());
        if answer.is_empty() {
            return Err(self.invalid("svaret er tomt", "the answer is empty"));
        }
        let lang = self.lang;
        let check = move |m: &MediaInquiry| {
            if m.status == MediaStatus::Answered || m.status.can_become(MediaStatus::Answered) {
                return Ok(());
            }
            Err(crate::say!(
                lang,
                "mediehenvendelse {number} er avsluttet; gjenåpne den først",
                "media inquiry {number} is closed; reopen it first"
            ))
        };
        self.change_inquiry(incident, number, MediaChange::Answer(answer), check, |_, a| {
            format!("{} besvart: «{}»", name(a), short(&a.answer, 300))
        })
    }

    fn change_inquiry(
        &mut self,
        incident: &Incident,
        number: i64,
        change: MediaChange,
        check: impl FnOnce(&MediaInquiry) -> std::result::Result<(), String>,
        text: impl FnOnce(&MediaInquiry, &MediaInquiry) -> String,
    ) -> Result<(MediaInquiry, LogEntry)> {
        self.permit(Permission::WorkMedia)?;
        self.ensure_open(incident)?;
        let now = Utc::now();
        let w = self.writer(now);
        Ok(self.store.change_inquiry(incident, number, &change, w.stamp(), check, |b, a| {
            w.entry("media", text(b, a))
        })?)
    }
}

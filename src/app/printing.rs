//! Paper for when the screens are gone: the beredskapsperm (contacts, alert lists,
//! resources, action cards with their checklists, the plans and routines kept here)
//! and an incident's print-out (latest approved sitrep, open tasks, the log). Both
//! are documents (`crate::doc`), written as PDF, text or HTML by the caller.

use super::{Result, Session};
use crate::doc::{Block, Doc};
use crate::domain::report::ReportStatus;
use crate::domain::task::TaskStatus;
use crate::domain::{EntryKind, Incident};
use chrono::{DateTime, Local, Utc};
use std::collections::HashMap;

fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string()
}

impl Session {
    /// The beredskapsperm as a document.
    pub fn binder(&mut self) -> Result<Doc> {
        let mut d = Doc::new("Beredskapsperm", self.installation());
        d.page_per_chapter = true;
        let contacts = self.contacts()?;
        let by_id: HashMap<_, _> = contacts.iter().map(|c| (c.id, c)).collect();

        d.push(Block::Chapter("Innhold".into()));
        d.push(Block::Pre(
            "1. Varslingslister\n2. Kontakter\n3. Ressurser\n4. Tiltakskort\n5. Planer og rutiner".into(),
        ));
        d.push(Block::Para(
            "Skriv ut på nytt når registrene endres. Utskriftstidspunktet står øverst på hver side.".into(),
        ));

        d.push(Block::Chapter("1. Varslingslister".into()));
        for list in self.alert_lists()? {
            d.push(Block::Heading(format!(
                "{} – {} (neste i rollen varsles etter {} min uten svar)",
                list.name, list.scenario, list.escalate_after
            )));
            let rows = list
                .members
                .iter()
                .map(|m| {
                    let c = m.contact.and_then(|id| by_id.get(&id));
                    vec![
                        m.position.to_string(),
                        m.role.clone(),
                        m.name.clone(),
                        c.map(|c| c.phones.join(", ")).unwrap_or_default(),
                        c.map(|c| c.email.clone())
                            .or_else(|| m.user.as_ref().map(|u| format!("bruker {u}")))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            d.push(Block::Table {
                head: vec!["#".into(), "Rolle".into(), "Navn".into(), "Telefon".into(), "E-post".into()],
                rows,
            });
        }

        d.push(Block::Chapter(format!("2. Kontakter ({})", contacts.len())));
        d.push(Block::Table {
            head: vec![
                "Navn".into(),
                "Funksjon".into(),
                "Organisasjon".into(),
                "Telefon".into(),
                "E-post".into(),
            ],
            rows: contacts
                .iter()
                .map(|c| {
                    vec![
                        c.name.clone(),
                        c.function.clone(),
                        c.organisation.clone(),
                        c.phones.join("\n"),
                        c.email.clone(),
                    ]
                })
                .collect(),
        });

        let resources = self.resources()?;
        d.push(Block::Chapter(format!("3. Ressurser ({})", resources.len())));
        d.push(Block::Table {
            head: vec![
                "#".into(),
                "Hva".into(),
                "Antall".into(),
                "Hvor".into(),
                "Eier".into(),
                "Status".into(),
            ],
            rows: resources
                .iter()
                .map(|r| {
                    vec![
                        r.number.to_string(),
                        r.what.clone(),
                        r.quantity.to_string(),
                        r.location.clone(),
                        r.owner.clone(),
                        r.availability.name().into(),
                    ]
                })
                .collect(),
        });

        d.push(Block::Chapter("4. Tiltakskort".into()));
        for stored in self.cards()? {
            let c = &stored.card;
            d.push(Block::Heading(format!("{} ({})", c.title, c.name)));
            if !c.scenario.is_empty() {
                d.push(Block::Para(format!("Når: {}", c.scenario)));
            }
            if !c.about.is_empty() {
                d.push(Block::Para(c.about.clone()));
            }
            d.push(Block::Checklist(
                c.items
                    .iter()
                    .map(|i| {
                        let mut t = i.text.clone();
                        let who = i.assignee.clone().unwrap_or_else(|| i.role.clone());
                        if !who.is_empty() {
                            t.push_str(&format!(" – {who}"));
                        }
                        if let Some(m) = i.due_in {
                            t.push_str(&format!(" – innen {m} min"));
                        }
                        t
                    })
                    .collect(),
            ));
        }

        d.push(Block::Chapter("5. Planer og rutiner".into()));
        for p in self.plans()? {
            let under = p.parent.map(|n| format!(", delplan av plan {n}")).unwrap_or_default();
            d.push(Block::Heading(format!("Plan {}: {}{under}", p.number, p.title)));
            let mut meta = format!("Eier: {}.", if p.owner.is_empty() { "ikke satt" } else { &p.owner });
            if let Some(r) = p.revised_at {
                meta.push_str(&format!(" Revidert {}.", when(r)));
            }
            if p.overdue(Utc::now()) {
                meta.push_str(" REVISJON FORFALT.");
            }
            d.push(Block::Para(meta));
            if !p.text.trim().is_empty() {
                d.push(Block::Pre(p.text.clone()));
            }
        }
        Ok(d)
    }

    /// An incident on paper: the latest approved sitrep, the open tasks and the log.
    pub fn incident_print(&self, incident: &Incident) -> Result<Doc> {
        let mut d =
            Doc::new(format!("Hendelse {}: {}", incident.number, incident.title), self.installation());
        d.push(Block::Chapter("Siste godkjente situasjonsrapport".into()));
        let sitrep = self
            .latest_sitrep(incident)?
            .filter(|r| matches!(r.status, ReportStatus::Approved | ReportStatus::Distributed));
        match sitrep {
            Some(r) => {
                let by = r.approved_by.clone().unwrap_or_default();
                let at = r.approved_at.map(when).unwrap_or_default();
                d.push(Block::Heading(format!(
                    "{} (rapport {} versjon {}, godkjent {at} av {by})",
                    r.title, r.number, r.version
                )));
                // The report as formatted text: headings, lists, tables, no marks.
                d.blocks.extend(crate::doc::from_markdown(&r.text));
            }
            None => d.push(Block::Para("Ingen godkjent situasjonsrapport ennå.".into())),
        }
        let open: Vec<_> = self
            .tasks(incident)?
            .into_iter()
            .filter(|t| matches!(t.status, TaskStatus::New | TaskStatus::InProgress))
            .collect();
        d.push(Block::Chapter(format!("Åpne oppgaver ({})", open.len())));
        d.push(crate::archive::tasks_table(&open));
        let log = self.entries(incident)?;
        d.push(Block::Chapter(format!("Logg ({} føringer)", log.len())));
        d.push(Block::Table {
            head: vec!["#".into(), "Tid".into(), "Av".into(), "Tekst".into()],
            rows: log
                .iter()
                .map(|e| {
                    let mark = match e.kind {
                        EntryKind::Decision => "BESLUTNING: ",
                        _ => "",
                    };
                    vec![
                        format!("#{}", e.seq),
                        when(e.reported_at),
                        e.author.clone(),
                        format!("{mark}{}", e.text),
                    ]
                })
                .collect(),
        });
        Ok(d)
    }
}

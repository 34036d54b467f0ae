//! An archived record as a document (see `crate::doc`): the same sections in HTML and
//! in plain text.

use super::record::{Record, Scope};
use crate::doc::{Block, Doc};
use crate::domain::task::Task;
use crate::domain::EntryKind;
use chrono::{DateTime, Local, Utc};

fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d.%m.%Y %H:%M:%S").to_string()
}

fn opt(t: Option<DateTime<Utc>>) -> String {
    t.map(when).unwrap_or_default()
}

/// Tasks as a table: number, status, who, due, and what (with its description).
pub fn tasks_table<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Block {
    Block::Table {
        head: vec!["#".into(), "Status".into(), "Ansvarlig".into(), "Frist".into(), "Oppgave".into()],
        rows: tasks
            .into_iter()
            .map(|t| {
                vec![
                    t.number.to_string(),
                    t.status.name().into(),
                    t.assignee.clone().unwrap_or_default(),
                    opt(t.due),
                    format!("{}\n{}", t.title, t.description).trim().to_string(),
                ]
            })
            .collect(),
    }
}

pub fn document(r: &Record) -> Doc {
    let i = &r.incident;
    let scope = match &r.scope {
        Scope::Full => "fullstendig".to_string(),
        Scope::Increment { batch, .. } => format!("journalføring, parti {batch} (nytt siden forrige parti)"),
    };
    let mut d = Doc::new(format!("Hendelse {}: {}", i.number, i.title), &r.installation);
    d.printed_at = r.generated_at.with_timezone(&Local);
    d.push(Block::Table {
        head: vec!["Felt".into(), "Verdi".into()],
        rows: vec![
            vec!["Hendelse".into(), format!("{} – {}", i.number, i.title)],
            vec!["Type".into(), i.kind.clone()],
            vec!["Alvorlighet".into(), i.severity.level().to_string()],
            vec!["Status".into(), if i.is_open() { "åpen" } else { "avsluttet" }.into()],
            vec!["Øvelse".into(), if i.exercise { "ja" } else { "nei" }.into()],
            vec!["Opprettet".into(), format!("{} av {}", when(i.created_at), i.created_by)],
            vec!["Avsluttet".into(), opt(i.closed_at)],
            vec!["Arkivert".into(), format!("{} av {} ({scope})", when(r.generated_at), r.generated_by)],
            vec!["Id".into(), i.id.to_string()],
        ],
    });

    d.push(Block::Chapter(format!("Logg ({} føringer)", r.log.len())));
    let seq_of: std::collections::HashMap<_, _> = r.log.iter().map(|e| (e.id, e.seq)).collect();
    let rows = r
        .log
        .iter()
        .map(|e| {
            let mut text = String::new();
            match e.kind {
                EntryKind::Decision => text.push_str("BESLUTNING: "),
                EntryKind::Email => text.push_str("[e-post] "),
                EntryKind::Auto => text.push_str("[auto] "),
                EntryKind::Note => {}
            }
            if let Some(c) = e.corrects {
                match seq_of.get(&c) {
                    Some(s) => text.push_str(&format!("(retter #{s}) ")),
                    None => text.push_str(&format!("(retter {c}) ")),
                }
            }
            if e.significant {
                text.push_str("[vesentlig] ");
            }
            text.push_str(&e.text);
            if !e.tags.is_empty() {
                text.push_str(&format!("\n#{}", e.tags.join(" #")));
            }
            vec![
                format!("#{}", e.seq),
                when(e.reported_at),
                format!("{}\n{}", e.author, e.device),
                text,
                e.hash[..12.min(e.hash.len())].to_string(),
            ]
        })
        .collect();
    d.push(Block::Table {
        head: vec!["#".into(), "Tid".into(), "Av".into(), "Tekst".into(), "Hash".into()],
        rows,
    });

    let decisions: Vec<_> = r.log.iter().filter(|e| e.kind == EntryKind::Decision).collect();
    d.push(Block::Chapter(format!("Beslutninger ({})", decisions.len())));
    d.push(Block::Table {
        head: vec!["#".into(), "Tid".into(), "Av".into(), "Beslutning".into()],
        rows: decisions
            .iter()
            .map(|e| vec![format!("#{}", e.seq), when(e.reported_at), e.author.clone(), e.text.clone()])
            .collect(),
    });

    d.push(Block::Chapter(format!("Møter ({})", r.meetings.len())));
    for m in &r.meetings {
        d.push(Block::Heading(format!("Møte {}: {} – {}", m.number, m.title, when(m.starts_at))));
        let mut p = format!("Status: {}. Deltakere: {}.", m.status.name(), m.participants.join(", "));
        if let Some(n) = m.minutes_report {
            p.push_str(&format!(" Referat: rapport {n}."));
        }
        d.push(Block::Para(p));
        let items: Vec<String> =
            m.agenda.iter().enumerate().map(|(k, a)| format!("Sak {}: {a}", k + 1)).collect();
        if !items.is_empty() {
            d.push(Block::Pre(items.join("\n")));
        }
    }

    d.push(Block::Chapter(format!("Rapporter og situasjonsrapporter ({} versjoner)", r.reports.len())));
    for rep in &r.reports {
        d.push(Block::Heading(format!(
            "Rapport {} versjon {}: {} ({}, {})",
            rep.number,
            rep.version,
            rep.title,
            rep.kind,
            rep.status.name()
        )));
        let mut p = format!("Skrevet av {} {}.", rep.created_by, when(rep.created_at));
        if let (Some(by), Some(at)) = (&rep.approved_by, rep.approved_at) {
            p.push_str(&format!(" Godkjent av {by} {}.", when(at)));
        }
        if !rep.comment.is_empty() {
            p.push_str(&format!(" Kommentar: {}", rep.comment));
        }
        d.push(Block::Para(p));
        d.push(Block::Pre(rep.text.clone()));
    }

    d.push(Block::Chapter(format!("Mediehenvendelser ({})", r.media.len())));
    d.push(Block::Table {
        head: vec!["#".into(), "Mottatt".into(), "Fra".into(), "Spørsmål".into(), "Svar".into()],
        rows: r
            .media
            .iter()
            .map(|m| {
                vec![
                    m.number.to_string(),
                    when(m.created_at),
                    format!("{} {}\n{}", m.outlet, m.journalist, m.contact).trim().to_string(),
                    m.question.clone(),
                    format!("[{}] {}", m.status.name(), m.answer),
                ]
            })
            .collect(),
    });

    d.push(Block::Chapter(format!("Oppgaver ({})", r.tasks.len())));
    d.push(tasks_table(&r.tasks));

    d.push(Block::Chapter(format!("Varsling ({})", r.alerts.len())));
    for a in &r.alerts {
        d.push(Block::Heading(format!("Varsling {}: {} – {}", a.number, a.list, when(a.sent_at))));
        d.push(Block::Para(format!("Sendt av {}: {}", a.sent_by, a.message)));
        d.push(Block::Table {
            head: vec!["Rolle".into(), "Navn".into(), "Varslet".into(), "Svar".into(), "Nådd".into()],
            rows: a
                .recipients
                .iter()
                .map(|p| {
                    let ack = match (p.ack, p.ack_at) {
                        (Some(k), Some(at)) => format!("{} {}", k.name(), when(at)),
                        (Some(k), None) => k.name().into(),
                        _ => String::new(),
                    };
                    vec![p.role.clone(), p.name.clone(), opt(p.alerted_at), ack, p.reached.clone()]
                })
                .collect(),
        });
    }

    if !r.attachments.is_empty() {
        d.push(Block::Chapter(format!("Vedlegg til e-post ({})", r.attachments.len())));
        d.push(Block::Table {
            head: vec!["Logg".into(), "Fil".into(), "SHA-256".into()],
            rows: r
                .attachments
                .iter()
                .map(|a| vec![format!("#{}", a.entry_seq), a.path.clone(), a.sha256.clone()])
                .collect(),
        });
    }

    d.push(Block::Chapter("Integritet".into()));
    d.push(Block::Para(
        "Hver loggføring er lenket til den forrige fra samme maskin med SHA-256 (hash-kjede). \
         Siste ledd i hver kjede da arkivet ble laget:"
            .into(),
    ));
    d.push(Block::Table {
        head: vec!["Maskin".into(), "Siste #".into(), "Hash".into()],
        rows: r
            .chain_heads
            .iter()
            .map(|h| vec![h.origin.clone(), format!("#{}", h.seq), h.hash.clone()])
            .collect(),
    });
    d
}

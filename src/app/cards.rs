//! Action cards: the shipped ones, the user's own files, and activation, which turns a
//! card's items into tasks of the incident in one step.

use super::{AppError, Result, Session};
use crate::domain::card::{Card, DEFAULT_CARDS};
use crate::domain::roles::Permission;
use crate::domain::task::{NewTask, Task};
use crate::domain::{Incident, LogEntry};
use crate::store::StoredCard;
use chrono::{Duration, Utc};
use std::path::Path;

/// Where a shipped card comes from, as the store records it.
pub const BUILT_IN: &str = "innebygd";

impl Session {
    /// The shipped cards are stored the first time cards are asked for, so they can be
    /// listed, activated and replaced like any other.
    fn seed_cards(&mut self) -> Result<()> {
        if self.store.card_count()? > 0 {
            return Ok(());
        }
        let w = self.writer(Utc::now());
        for (name, text) in DEFAULT_CARDS {
            let card = Card::parse(name, text)?;
            self.store.save_card(&card, BUILT_IN, w.who(), w.now)?;
        }
        Ok(())
    }

    pub fn cards(&mut self) -> Result<Vec<StoredCard>> {
        self.seed_cards()?;
        Ok(self.store.cards()?)
    }

    pub fn card(&mut self, name: &str) -> Result<StoredCard> {
        self.seed_cards()?;
        Ok(self.store.card(name.trim())?)
    }

    /// Read cards from a file or from every `.md` and `.toml` file in a folder, each
    /// replacing a stored card of the same name. All are checked before any is stored.
    pub fn import_cards(&mut self, path: &Path) -> Result<Vec<(String, bool)>> {
        self.permit(Permission::ManagePreparedness)?;
        self.seed_cards()?;
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", p.display())))
        };
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(path)
                .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", path.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "toml")))
                .collect();
            v.sort();
            v
        } else {
            vec![path.to_path_buf()]
        };
        let mut cards = Vec::new();
        for f in &files {
            let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            cards.push((Card::parse(name, &read(f)?)?, f.display().to_string()));
        }
        if cards.is_empty() {
            return Err(AppError::Usage(format!("no card files (.md, .toml) in {}", path.display())));
        }
        let w = self.writer(Utc::now());
        let mut out = Vec::new();
        for (card, source) in cards {
            let new = self.store.save_card(&card, &source, w.who(), w.now)?;
            out.push((card.name, new));
        }
        Ok(out)
    }

    /// Activate a card in an incident: each item becomes a task (the item's assignee,
    /// or its role, as the assignee; its due time from now), and the log says so. A
    /// card already activated in the incident is refused unless `again`, so a double
    /// key press does not double the tasks.
    pub fn activate_card(
        &mut self,
        incident: &Incident,
        name: &str,
        again: bool,
    ) -> Result<(Vec<Task>, LogEntry)> {
        self.permit(Permission::ManageTasks)?;
        self.ensure_open(incident)?;
        let stored = self.card(name)?;
        let card = stored.card;
        if let (Some(at), false) = (self.store.card_activated(&card.name, incident)?, again) {
            let when = at.with_timezone(&chrono::Local).format("%H:%M");
            let (title, n) = (&card.title, incident.number);
            return Err(AppError::Usage(crate::say!(
                self.lang,
                "tiltakskortet «{title}» ble aktivert i hendelse {n} kl. {when}; aktiver igjen med --again",
                "the card «{title}» was activated in incident {n} at {when}; activate it again with --again"
            )));
        }
        let now = Utc::now();
        let tasks: Vec<NewTask> = card
            .items
            .iter()
            .map(|item| {
                let mut description = format!("Fra tiltakskort «{}».", card.title);
                if !item.role.is_empty() {
                    description.push_str(&format!(" Rolle: {}.", item.role));
                }
                NewTask {
                    title: item.text.chars().take(200).collect(),
                    description,
                    assignee: item
                        .assignee
                        .clone()
                        .or_else(|| (!item.role.is_empty()).then(|| item.role.clone())),
                    priority: item.priority,
                    due: item.due_in.map(|m| now + Duration::minutes(m)),
                    from_entries: vec![],
                }
            })
            .collect();
        let w = self.writer(now);
        let title = card.title.clone();
        Ok(self.store.activate_card(incident, &card.name, &tasks, w.who(), now, |made| {
            let range = match (made.first(), made.last()) {
                (Some(a), Some(b)) if a.number != b.number => {
                    format!("oppgave {}–{}", a.number, b.number)
                }
                (Some(a), _) => format!("oppgave {}", a.number),
                _ => String::new(),
            };
            let text = format!("Tiltakskort «{title}» aktivert: {} oppgaver opprettet ({range})", made.len());
            w.entry("tiltakskort", text)
        })?)
    }
}

//! Task operations. Each change writes its automatic log entry (kind `auto`, tagged
//! `#oppgave`) in the same transaction, so the log is the full record of the work.

use super::{Result, Session};
use crate::domain::roles::Permission;
use crate::domain::task::{NewTask, Task, TaskStatus};
use crate::domain::{Incident, LogEntry};
use crate::i18n::Label;
use crate::store::TaskChange;
use chrono::{DateTime, Local, TimeZone, Utc};

fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%d.%m %H:%M").to_string()
}

impl Session {
    /// Create a task (and log it).
    pub fn add_task(&mut self, incident: &Incident, new: NewTask) -> Result<(Task, LogEntry)> {
        self.permit(Permission::ManageTasks)?;
        self.ensure_open(incident)?;
        let new = new.validated()?;
        let now = Utc::now();
        let mut linked = Vec::new();
        for id in &new.from_entries {
            linked.extend(self.store.entry_named(*id)?);
        }
        let w = self.writer(now);
        Ok(self.store.create_task(incident, &new, w.stamp(), |t| {
            let mut text = format!("Oppgave {} opprettet: {}", t.number, t.title);
            if let Some(a) = &t.assignee {
                text.push_str(&format!(" – ansvarlig: {a}"));
            }
            if let Some(d) = t.due {
                text.push_str(&format!(" – frist: {}", when(d)));
            }
            if t.priority != crate::domain::task::Priority::Normal {
                text.push_str(&format!(" – prioritet: {}", t.priority.name()));
            }
            if !linked.is_empty() {
                text.push_str(&format!(" (fra loggføringen {})", linked.join("; ")));
            }
            w.entry("oppgave", text)
        })?)
    }

    /// A task proposed from a log entry: its text as the title, its first `@name` as
    /// the assignee, linked back to it. The caller may change it before `add_task`.
    pub fn task_from_entry(&self, incident: &Incident, seq: i64) -> Result<NewTask> {
        let e = self.entry(incident, seq)?;
        let first_line = e.text.lines().next().unwrap_or("");
        // The title is what is to be done: the tags and the @name (who gets it) stand
        // beside it on the board, not in it.
        let words: Vec<&str> =
            first_line.split_whitespace().filter(|w| !w.starts_with('#') && !w.starts_with('@')).collect();
        let title = words.join(" ");
        let title = title.trim_end_matches([',', ';']).chars().take(200).collect::<String>();
        // "før 11:45", "innen kl 12", "frist 14:00", "i morgen 08:00": the next such time
        // after the entry was said.
        let said = e.reported_at.with_timezone(&chrono::Local);
        let due = crate::domain::time::deadline_in(first_line).map(|(clock, tomorrow)| {
            let from = if tomorrow { said + chrono::Duration::days(1) } else { said };
            let at = chrono::Local
                .from_local_datetime(
                    &from.date_naive().and_hms_opt(clock.hour, clock.minute, 0).expect("a valid time"),
                )
                .earliest()
                .unwrap_or(from);
            // Today's time already past when it was said means tomorrow's.
            let at = if !tomorrow && at < said { at + chrono::Duration::days(1) } else { at };
            at.with_timezone(&chrono::Utc)
        });
        Ok(NewTask {
            title,
            assignee: e.mentions.first().cloned(),
            due,
            from_entries: vec![e.id],
            ..NewTask::default()
        })
    }

    pub fn tasks(&self, incident: &Incident) -> Result<Vec<Task>> {
        Ok(self.store.tasks(incident)?)
    }

    /// A task's history (its automatic entries) and the entries it came from.
    pub fn task_story(&self, incident: &Incident, number: i64) -> Result<(Vec<LogEntry>, Vec<LogEntry>)> {
        let task = self.task(incident, number)?;
        let history = self.store.task_history(incident, number)?;
        let mut from = Vec::new();
        for id in &task.from_entries {
            if let Some(seq) = self.store.entry_seq(*id)? {
                from.push(self.entry(incident, seq)?);
            }
        }
        Ok((from, history))
    }

    pub fn task(&self, incident: &Incident, number: i64) -> Result<Task> {
        Ok(self.store.task(incident, number)?)
    }

    /// Move a task to another status, as the state machine allows (and log it).
    pub fn set_task_status(
        &mut self,
        incident: &Incident,
        number: i64,
        to: TaskStatus,
    ) -> Result<(Task, LogEntry)> {
        self.permit(Permission::ManageTasks)?;
        self.ensure_open(incident)?;
        let now = Utc::now();
        let lang = self.lang;
        let w = self.writer(now);
        let check = |t: &Task| {
            if t.status.can_become(to) {
                return Ok(());
            }
            let (from, to) = (t.status.label().get(lang), to.label().get(lang));
            Err(crate::say!(
                lang,
                "oppgave {number} kan ikke gå fra {from} til {to}",
                "task {number} cannot go from {from} to {to}"
            ))
        };
        Ok(self.store.change_task(
            incident,
            number,
            &TaskChange::Status(to),
            w.stamp(),
            check,
            |before, t| {
                let text = format!(
                    "Oppgave {} «{}»: {} → {}",
                    t.number,
                    t.title,
                    before.status.name(),
                    t.status.name()
                );
                w.entry("oppgave", text)
            },
        )?)
    }

    /// Change a task's deadline, priority or description (its status and assignee have
    /// their own, with their own rules), and log what it is now.
    pub fn change_task_detail(
        &mut self,
        incident: &Incident,
        number: i64,
        change: TaskChange,
    ) -> Result<(Task, LogEntry)> {
        self.permit(Permission::ManageTasks)?;
        self.ensure_open(incident)?;
        let change = match change {
            TaskChange::Description(d) => {
                let d = crate::text::nfc(d.trim());
                if d.chars().count() > 4000 || d.chars().any(|c| c.is_control() && c != '\n') {
                    return Err(self.invalid(
                        "en beskrivelse er tekst på høyst 4000 tegn",
                        "a description is text of at most 4000 characters",
                    ));
                }
                TaskChange::Description(d)
            }
            other @ (TaskChange::Due(_) | TaskChange::Priority(_)) => other,
            TaskChange::Status(_) | TaskChange::Assignee(_) => {
                return Err(self.invalid(
                    "status og ansvarlig endres hver for seg",
                    "status and assignee have their own changes",
                ))
            }
        };
        let now = Utc::now();
        let w = self.writer(now);
        let lang = self.lang;
        let same = |t: &Task| match &change {
            TaskChange::Due(d) => t.due == *d,
            TaskChange::Priority(p) => t.priority == *p,
            TaskChange::Description(d) => t.description == *d,
            _ => false,
        };
        let check = |t: &Task| {
            if same(t) {
                Err(crate::say!(lang, "oppgave {number} er allerede slik", "task {number} is already so"))
            } else {
                Ok(())
            }
        };
        let change_ref = &change;
        Ok(self.store.change_task(incident, number, change_ref, w.stamp(), check, |_, t| {
            let what = match change_ref {
                TaskChange::Due(Some(d)) => format!("frist {}", when(*d)),
                TaskChange::Due(None) => "uten frist".to_string(),
                TaskChange::Priority(p) => format!("prioritet {}", p.name()),
                _ => "beskrivelse endret".to_string(),
            };
            w.entry("oppgave", format!("Oppgave {} «{}»: {what}", t.number, t.title))
        })?)
    }

    /// Give a task to someone (a user name or a free-text contact), or to no one.
    pub fn assign_task(
        &mut self,
        incident: &Incident,
        number: i64,
        assignee: Option<String>,
    ) -> Result<(Task, LogEntry)> {
        self.permit(Permission::ManageTasks)?;
        self.ensure_open(incident)?;
        let assignee = assignee.map(|a| crate::text::nfc(a.trim())).filter(|a| !a.is_empty());
        if assignee.as_ref().is_some_and(|a| a.chars().any(char::is_control)) {
            return Err(self.invalid("den ansvarlige må være ren tekst", "the assignee must be plain text"));
        }
        let now = Utc::now();
        let w = self.writer(now);
        let (wanted, lang) = (assignee.clone(), self.lang);
        let check = move |t: &Task| {
            if t.assignee == wanted {
                Err(crate::say!(
                    lang,
                    "oppgave {number} er allerede tildelt slik",
                    "task {number} is already assigned so"
                ))
            } else {
                Ok(())
            }
        };
        Ok(self.store.change_task(
            incident,
            number,
            &TaskChange::Assignee(assignee),
            w.stamp(),
            check,
            |before, t| {
                let text = match (&t.assignee, &before.assignee) {
                    (Some(a), _) => format!("Oppgave {} «{}» tildelt {a}", t.number, t.title),
                    (None, Some(old)) => {
                        format!("Oppgave {} «{}» er ikke lenger tildelt {old}", t.number, t.title)
                    }
                    (None, None) => format!("Oppgave {} «{}» uten ansvarlig", t.number, t.title),
                };
                w.entry("oppgave", text)
            },
        )?)
    }
}

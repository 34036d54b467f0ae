//! Notices for the person at the keyboard: a task given to them, a task or media
//! deadline passed. Each is said once, in the status line, and as a desktop
//! notification where there is a desktop to show it on — never over SSH (it would pop
//! up on the server), and on a thread of its own, so a missing or stuck notification
//! service can never hold up the UI.

use crate::domain::media::{MediaInquiry, Urgency};
use crate::domain::task::Task;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Why {
    Assigned,
    TaskLate,
    MediaLate,
}

pub struct Notices {
    said: HashSet<(Uuid, Why)>,
    /// Alerts already told, by (incident, alert).
    alerts_said: HashSet<(i64, i64)>,
    /// Urgent messages already told.
    messages_said: HashSet<Uuid>,
    desktop: bool,
}

/// A desktop notification can reach this person: a session bus, and not over SSH (and
/// this sitroom was built with the `notifications` feature).
pub fn desktop_available() -> bool {
    cfg!(feature = "notifications") && desktop_available_in(|k| std::env::var(k).ok())
}

fn desktop_available_in(env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    set("DBUS_SESSION_BUS_ADDRESS") && !set("SSH_CONNECTION") && !set("SSH_TTY")
}

impl Notices {
    /// What is newly said, on the desktop too where there is one.
    fn told(&self, new: Vec<String>) -> Vec<String> {
        if self.desktop {
            for text in &new {
                show_on_desktop(text.clone());
            }
        }
        new
    }

    pub fn new(desktop: bool) -> Notices {
        Notices { said: HashSet::new(), alerts_said: HashSet::new(), messages_said: HashSet::new(), desktop }
    }

    /// What has become true since the last call, in words; each thing once.
    pub fn check(
        &mut self,
        user: &str,
        tasks: &[Task],
        media: &[MediaInquiry],
        now: DateTime<Utc>,
        lang: Lang,
    ) -> Vec<String> {
        let mut new = Vec::new();
        for t in tasks.iter().filter(|t| t.status.is_open()) {
            if t.assignee.as_deref() == Some(user) && self.said.insert((t.id, Why::Assigned)) {
                new.push(crate::say!(
                    lang,
                    "Oppgave {} er tildelt deg: {}",
                    "Task {} is assigned to you: {}",
                    t.number,
                    t.title
                ));
            }
            if t.is_overdue(now) && self.said.insert((t.id, Why::TaskLate)) {
                new.push(crate::say!(
                    lang,
                    "Oppgave {} har passert fristen: {}",
                    "Task {} is past its deadline: {}",
                    t.number,
                    t.title
                ));
            }
        }
        for m in media {
            if matches!(m.urgency(now), Urgency::Passed(_)) && self.said.insert((m.id, Why::MediaLate)) {
                new.push(crate::say!(
                    lang,
                    "Mediehenvendelse {} ({}) har passert fristen",
                    "Media inquiry {} ({}) is past its deadline",
                    m.number,
                    m.outlet
                ));
            }
        }
        self.told(new)
    }
}

impl Notices {
    /// Alerts that have reached this user and wait for their answer: each told once,
    /// and on the desktop too where there is one.
    pub fn check_alerts(&mut self, waiting: &[crate::store::Waiting], lang: Lang) -> Vec<String> {
        let mut new = Vec::new();
        for w in waiting {
            if self.alerts_said.insert((w.incident, w.alert)) {
                new.push(crate::say!(lang, "VARSLING fra {} (hendelse {}): {} – svar 1 mottatt, 2 kommer, 3 kan ikke i Varsling-ruten", "ALERT from {} (incident {}): {} – answer 1 received, 2 coming, 3 cannot in the Alerts pane", w.sent_by, w.incident, w.message));
            }
        }
        self.told(new)
    }
}

impl Notices {
    /// Urgent messages to this user not read yet: each told once, and on the desktop
    /// too where there is one.
    pub fn check_messages(&mut self, urgent: &[crate::domain::message::Message], lang: Lang) -> Vec<String> {
        let mut new = Vec::new();
        for m in urgent {
            if self.messages_said.insert(m.id) {
                let from = if m.from_org.is_empty() {
                    m.author.clone()
                } else {
                    format!("{} ({})", m.author, m.from_org)
                };
                new.push(crate::say!(
                    lang,
                    "HASTEMELDING fra {}: {} – les den i Meldinger (Ctrl-R: lest)",
                    "URGENT MESSAGE from {}: {} – read it in Messages (Ctrl-R: read)",
                    from,
                    m.summary(80)
                ));
            }
        }
        self.told(new)
    }
}

#[cfg(feature = "notifications")]
fn show_on_desktop(body: String) {
    std::thread::spawn(move || {
        // Whatever goes wrong here (no daemon, a bus that does not answer) stays here.
        let _ = notify_rust::Notification::new().appname("sitroom").summary("sitroom").body(&body).show();
    });
}

/// Built without desktop notifications: the status line says it all.
#[cfg(not(feature = "notifications"))]
fn show_on_desktop(_body: String) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::task::{Priority, TaskStatus};

    fn task(n: i64, assignee: Option<&str>, due_in_min: Option<i64>) -> Task {
        let now = Utc::now();
        Task {
            id: Uuid::now_v7(),
            incident: 1,
            number: n,
            title: format!("Oppgave {n}"),
            description: String::new(),
            assignee: assignee.map(Into::into),
            priority: Priority::Normal,
            due: due_in_min.map(|m| now + chrono::Duration::minutes(m)),
            status: TaskStatus::New,
            from_entries: vec![],
            created_at: now,
            created_by: "kari".into(),
            updated_at: now,
        }
    }

    #[test]
    fn each_notice_is_said_once() {
        let mut n = Notices::new(false);
        let now = Utc::now();
        let tasks =
            vec![task(1, Some("lars"), None), task(2, Some("ola"), Some(-5)), task(3, None, Some(30))];
        let said = n.check("lars", &tasks, &[], now, Lang::Nb);
        assert_eq!(said, ["Oppgave 1 er tildelt deg: Oppgave 1", "Oppgave 2 har passert fristen: Oppgave 2"]);
        assert!(n.check("lars", &tasks, &[], now, Lang::Nb).is_empty(), "not again");
        // later, task 3's deadline passes
        let later = now + chrono::Duration::minutes(31);
        assert_eq!(n.check("lars", &tasks, &[], later, Lang::En), ["Task 3 is past its deadline: Oppgave 3"]);
    }

    #[test]
    fn desktop_only_with_a_session_bus_and_never_over_ssh() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert!(desktop_available_in(env(&[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")])));
        assert!(!desktop_available_in(env(&[])), "no bus");
        assert!(!desktop_available_in(env(&[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:x"),
            ("SSH_CONNECTION", "10.0.0.2 5 10.0.0.1 22")
        ])));
        assert!(!desktop_available_in(env(&[
            ("DBUS_SESSION_BUS_ADDRESS", "unix:x"),
            ("SSH_TTY", "/dev/pts/3")
        ])));
    }
}

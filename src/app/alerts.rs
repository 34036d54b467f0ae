//! Alert lists and alerting. Sending records at once who is alerted, on standby, and
//! every message to send, with the log entry; delivery then runs from the outbox
//! (`deliver_alerts`, in the background in the TUI), so the user gets control back
//! before the first SMS has left. Answers and escalations are logged as they come.

use super::{AppError, Result, Session};
use crate::delivery::{deliver_outbox, Delivered};
use crate::domain::alert::{check_sms, first_of_each_role, Ack, Alert, AlertList, Channel, Delivery, Sent};
use crate::domain::contact::line;
use crate::domain::roles::Permission;
use crate::domain::{Incident, LogEntry};
use crate::lang::Text;
use crate::store::{NewMember, Planned, Waiting};
use chrono::{DateTime, Utc};

/// Who goes on a list.
#[derive(Debug, Clone)]
pub enum MemberRef {
    /// A contact, by number.
    Contact(i64),
    /// A user of this installation, by name.
    User(String),
}

impl Session {
    pub fn alert_lists(&self) -> Result<Vec<AlertList>> {
        Ok(self.store.alert_lists()?)
    }

    pub fn alert_list(&self, name: &str) -> Result<AlertList> {
        Ok(self.store.alert_list(name)?)
    }

    pub fn create_alert_list(
        &mut self,
        name: &str,
        scenario: &str,
        escalate_after: i64,
    ) -> Result<AlertList> {
        self.permit(Permission::ManagePreparedness)?;
        let name = line(Text::new("listens navn", "the list's name"), name)?;
        if name.is_empty() || name.parse::<i64>().is_ok() {
            return Err(self.invalid(
                "en varslingsliste trenger et navn (ikke bare et tall)",
                "an alert list needs a name (not just a number)",
            ));
        }
        if !(0..=24 * 60).contains(&escalate_after) {
            return Err(self.invalid(
                "ventetiden på svar er 0 til 1440 minutter",
                "the time to wait for an answer is 0 to 1440 minutes",
            ));
        }
        let w = self.writer(Utc::now());
        Ok(self.store.create_alert_list(
            &name,
            &line(Text::new("scenarioet", "the scenario"), scenario)?,
            escalate_after,
            &[],
            w.who(),
            w.now,
        )?)
    }

    fn members_of(list: &AlertList) -> Vec<NewMember> {
        list.members
            .iter()
            .map(|m| NewMember { role: m.role.clone(), contact: m.contact, user: m.user.clone() })
            .collect()
    }

    /// Put someone last on a list, in a role (a deputy is the next with the same role).
    pub fn add_to_alert_list(&mut self, name: &str, role: &str, who: MemberRef) -> Result<AlertList> {
        self.permit(Permission::ManagePreparedness)?;
        let role = line(Text::new("rollen", "the role"), role)?;
        if role.is_empty() {
            return Err(self.invalid(
                "si hvilken rolle medlemmet fyller (--role)",
                "say which role the member fills (--role)",
            ));
        }
        let list = self.store.alert_list(name)?;
        let mut members = Self::members_of(&list);
        let member = match who {
            MemberRef::Contact(n) => NewMember { role, contact: Some(self.store.contact(n)?.id), user: None },
            MemberRef::User(u) => {
                let u = crate::text::nfc(u.trim());
                // Signed in to a server, the users are the server's accounts, which this
                // replica does not list; otherwise a name must be one of ours.
                let synced = self.store.meta("sync_server")?.is_some();
                if !synced && self.store.user_count()? > 0 && self.store.user(&u)?.is_none() {
                    return Err(AppError::Usage(format!(
                        "{u} is not a user here; add a contact instead, or the user first"
                    )));
                }
                if u.is_empty() || u.chars().any(char::is_control) {
                    return Err(
                        self.invalid("et brukernavn må være ren tekst", "a user's name must be plain text")
                    );
                }
                NewMember { role, contact: None, user: Some(u) }
            }
        };
        members.push(member);
        let w = self.writer(Utc::now());
        Ok(self.store.set_alert_list(&list.name, Some(&members), None, w.who(), w.now)?)
    }

    pub fn remove_from_alert_list(&mut self, name: &str, position: i64) -> Result<AlertList> {
        self.permit(Permission::ManagePreparedness)?;
        let list = self.store.alert_list(name)?;
        if !list.members.iter().any(|m| m.position == position) {
            return Err(AppError::Usage(format!("list {} has no member at place {position}", list.name)));
        }
        let members: Vec<NewMember> = Self::members_of(&list)
            .into_iter()
            .zip(&list.members)
            .filter(|(_, m)| m.position != position)
            .map(|(n, _)| n)
            .collect();
        let w = self.writer(Utc::now());
        Ok(self.store.set_alert_list(&list.name, Some(&members), None, w.who(), w.now)?)
    }

    /// The messages to someone: in sitroom for a user; SMS to the phone and e-mail for
    /// a contact. A channel that is not set up is recorded as not delivered.
    fn messages_for(&self, user: Option<&str>, phone: &str, email: &str) -> Vec<Sent> {
        let sent = |channel: Channel, address: String| {
            let (status, note) = if channel == Channel::App {
                (Delivery::Delivered, String::new())
            } else if self.channels.has(channel) {
                (Delivery::Waiting, String::new())
            } else {
                (Delivery::NotDelivered, format!("ingen {}-kanal er satt opp", channel.name()))
            };
            Sent { channel, address, status, note }
        };
        let mut out = Vec::new();
        if let Some(u) = user {
            out.push(sent(Channel::App, u.to_string()));
        }
        if !phone.is_empty() {
            out.push(sent(Channel::Sms, phone.to_string()));
        }
        if !email.is_empty() {
            out.push(sent(Channel::Email, email.to_string()));
        }
        out
    }

    /// Send an alert from an incident to a list: the first of each role now, the rest
    /// on standby for escalation. Returns once everything is recorded; messages wait in
    /// the outbox for [`Session::deliver_alerts`].
    pub fn send_alert(
        &mut self,
        incident: &Incident,
        list: &str,
        message: &str,
    ) -> Result<(Alert, LogEntry)> {
        self.permit(Permission::SendAlerts)?;
        self.ensure_open(incident)?;
        let message = crate::domain::contact::free_text(Text::new("meldingen", "the message"), message)?;
        if message.is_empty() {
            return Err(self.invalid("en varsling trenger en melding", "an alert needs a message"));
        }
        let list = self.store.alert_list(list)?;
        if list.members.is_empty() {
            return Err(AppError::Usage(format!(
                "alert list {} has no members; add them with `sitroom alert member-add`",
                list.name
            )));
        }
        let first = first_of_each_role(&list.members);
        let mut planned = Vec::with_capacity(list.members.len());
        for m in &list.members {
            let alert_now = first.contains(&m.position);
            // A contact is reached at the first phone and the e-mail address.
            let (phone, email) = match m.contact {
                Some(id) => {
                    let c = self.store.contact_by_id(id)?;
                    (c.phones.first().cloned().unwrap_or_default(), c.email)
                }
                None => (String::new(), String::new()),
            };
            let sends =
                if alert_now { self.messages_for(m.user.as_deref(), &phone, &email) } else { Vec::new() };
            planned.push(Planned {
                position: m.position,
                role: m.role.clone(),
                name: m.name.clone(),
                contact: m.contact,
                user: m.user.clone(),
                phone,
                email,
                alert_now,
                sends,
            });
        }
        let sms_goes = list.members.iter().any(|m| m.contact.is_some()) && self.channels.has(Channel::Sms);
        if sms_goes {
            check_sms(&message)?;
        }
        let now = Utc::now();
        let w = self.writer(now);
        let alerted = planned.iter().filter(|p| p.alert_now).count();
        let standby = planned.len() - alerted;
        let undelivered = planned
            .iter()
            .filter(|p| p.alert_now && p.sends.iter().all(|s| s.status == Delivery::NotDelivered))
            .count();
        let (number, logged) =
            self.store.send_alert(incident, &list, &message, &planned, w.stamp(), |number| {
                let mut text =
                    format!("Varsling {number} sendt etter listen «{}»: {alerted} varslet", list.name);
                if standby > 0 {
                    text.push_str(&format!(", {standby} i reserve"));
                }
                if undelivered > 0 {
                    text.push_str(&format!(", {undelivered} kan ikke nås (ikke levert)"));
                }
                text.push_str(&format!(". Melding: «{message}»"));
                w.entry("varsling", text)
            })?;
        Ok((self.store.alert(incident, number)?, logged))
    }

    /// Send what waits in the outbox through the channels set up.
    pub fn deliver_alerts(&mut self) -> Result<Delivered> {
        let channels = self.channels.clone();
        Ok(deliver_outbox(&mut self.store, &channels)?)
    }

    pub fn alerts(&self, incident: &Incident) -> Result<Vec<Alert>> {
        Ok(self.store.alerts(incident)?)
    }

    pub fn alert(&self, incident: &Incident, number: i64) -> Result<Alert> {
        Ok(self.store.alert(incident, number)?)
    }

    /// Record an answer from `who` (a place on the list, or a name; the acting user when
    /// None). Anyone may record their own answer; recording another's is writing the log.
    pub fn answer_alert(
        &mut self,
        incident: &Incident,
        number: i64,
        who: Option<&str>,
        ack: Ack,
    ) -> Result<(Alert, LogEntry)> {
        let alert = self.store.alert(incident, number)?;
        let alerted = alert.recipients.iter().filter(|r| r.alerted_at.is_some());
        let target = match who {
            None => alerted.clone().find(|r| r.user.as_deref() == Some(self.user.as_str())),
            Some(w) => match w.trim().parse::<i64>() {
                Ok(p) => alerted.clone().find(|r| r.position == p),
                Err(_) => {
                    let f = crate::text::fold(w.trim());
                    let found: Vec<_> = alerted
                        .clone()
                        .filter(|r| {
                            // "Kari" finds Kari Nordmann; a user by their user name.
                            let name = crate::text::fold(&r.name);
                            name == f
                                || name.split_whitespace().any(|w| w == f)
                                || r.user.as_deref().map(crate::text::fold) == Some(f.clone())
                        })
                        .collect();
                    if found.len() > 1 {
                        return Err(AppError::Usage(crate::say!(
                            self.lang,
                            "mer enn én {w} i varsling {number}; gi plassen på listen",
                            "more than one {w} in alert {number}; give the place on the list"
                        )));
                    }
                    found.into_iter().next()
                }
            },
        }
        .cloned()
        .ok_or_else(|| {
            let w = who.unwrap_or(&self.user);
            AppError::Usage(crate::say!(
                self.lang,
                "{w} er ikke varslet i varsling {number}",
                "{w} has not been alerted in alert {number}"
            ))
        })?;
        if target.user.as_deref() != Some(self.user.as_str()) {
            self.permit(Permission::WriteLog)?;
        }
        let now = Utc::now();
        let w = self.writer(now);
        let mut text =
            format!("Varsling {number}: {} ({}) svarte «{}»", target.name, target.role, ack.name());
        if target.user.as_deref() != Some(w.user.as_str()) {
            text.push_str(&format!(" (registrert av {})", w.user));
        }
        let entry = w.entry("varsling", text);
        let logged = self.store.record_ack(incident, number, target.position, ack, w.stamp(), entry)?;
        Ok((self.store.alert(incident, number)?, logged))
    }

    /// Alert the next of each role where the one before has not answered in time or
    /// cannot come, in every open incident. Returns the log entries written.
    pub fn escalate_due(&mut self, now: DateTime<Utc>) -> Result<Vec<LogEntry>> {
        self.permit(Permission::WriteLog)?;
        let mut logged = Vec::new();
        for (incident_number, number) in self.store.alerts_due(now)? {
            let incident = self.store.incident_by_number(incident_number)?;
            let alert = self.store.alert(&incident, number)?;
            for (from, to) in alert.escalations(now) {
                let (Some(before), Some(next)) = (
                    alert.recipients.iter().find(|r| r.position == from),
                    alert.recipients.iter().find(|r| r.position == to),
                ) else {
                    continue;
                };
                let sends = self.messages_for(next.user.as_deref(), &next.phone, &next.email);
                let why = match before.ack {
                    Some(Ack::CannotCome) => "kan ikke".to_string(),
                    _ if before.not_delivered() => "kunne ikke nås".to_string(),
                    _ => format!("svarte ikke innen {} min", alert.escalate_after),
                };
                let w = self.writer(now);
                let text = format!(
                    "Varsling {number}: {} ({}) {why} – varsler {} i stedet",
                    before.name, before.role, next.name
                );
                let entry = w.entry("varsling", text);
                match self.store.escalate_alert(&incident, number, (from, to), &sends, w.stamp(), entry) {
                    Ok(e) => logged.push(e),
                    // Escalated by another sitroom a moment ago.
                    Err(crate::store::StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(logged)
    }

    /// Alerts sent to the acting user that they have not answered.
    pub fn waiting_alerts(&self) -> Result<Vec<Waiting>> {
        Ok(self.store.waiting_alerts(&self.user)?)
    }
}

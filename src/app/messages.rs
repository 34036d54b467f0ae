//! Messages: writing to people, roles and other organisations, answering in threads,
//! saying one has read a message, and who has read one and who not yet. A message
//! written while an incident is active is logged there by its writer, marked as
//! outgoing (`> kriseledelse, per: …`, tag `melding`), so the message journal numbers
//! it; within the organisation that one entry is the message in and out. A message from
//! another organisation is logged as incoming by the first of this organisation to
//! read it. A copy by SMS or e-mail goes to the contacts linked to those it reaches
//! here, from this replica's outbox (see `domain::message_copy`).

use super::{AppError, Result, Session};
use crate::domain::alert::{Channel, Delivery};
use crate::domain::message::{log_text, read_state, Addressees, Message, NewMessage, ReadState, Receipt};
use crate::domain::message_copy::CopySent;
use crate::domain::roles::{Permission, Role};
use chrono::Utc;
use uuid::Uuid;

/// A message as the inbox lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub message: Message,
    pub reference: String,
    /// Written by the user.
    pub sent: bool,
    /// To the user and not read by them yet.
    pub unread: bool,
}

/// One message with its thread and who has read it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Opened {
    pub message: Message,
    pub reference: String,
    pub thread: Vec<Message>,
    pub read: ReadState,
    /// This opening said the user has read it (a receipt was written now).
    pub marked: bool,
    /// Its copies by SMS or e-mail and where they stand, on the replica that sent it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies: Vec<CopySent>,
}

impl Session {
    /// The organisation the server certified this replica for ("" without one).
    pub fn org_name(&self) -> Result<String> {
        Ok(self.store.meta("certified_org")?.unwrap_or_default())
    }

    /// Who is in the organisation, with their roles: the server's roster, or without
    /// one the users of this database.
    pub fn roster(&self) -> Result<Vec<(String, Vec<Role>)>> {
        let (people, _) = self.store.roster()?;
        if !people.is_empty() {
            return Ok(people);
        }
        let mut users: Vec<(String, Vec<Role>)> =
            self.store.users()?.into_iter().filter(|u| !u.disabled).map(|u| (u.name, u.roles)).collect();
        users.sort_by_cached_key(|(n, _)| crate::text::sort_key(n));
        Ok(users)
    }

    /// Whom a message may go to, for completion and the compose prompt: people, roles
    /// and other organisations.
    pub fn addressable(&self) -> Result<(Vec<String>, Vec<String>)> {
        let people = self.roster()?.into_iter().map(|(n, _)| n).collect();
        Ok((people, self.store.roster()?.1))
    }

    /// Addressees from what someone typed: names, roles and organisations apart by
    /// commas ("kriseledelse, per, Larvik kommune"). A person of the roster, an
    /// organisation the server knows, or a role; `@name` is always a person.
    pub fn addressees(&self, typed: &str) -> Result<Addressees> {
        let roster = self.roster()?;
        // One's own organisation is one to write to as well: everyone of it.
        let mut orgs = self.store.roster()?.1;
        orgs.extend(Some(self.org_name()?).filter(|o| !o.is_empty()));
        let people: Vec<String> = roster.iter().map(|(n, _)| n.clone()).collect();
        let mut to = Addressees::default();
        for item in typed.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
            let (person_only, item) = match item.strip_prefix('@') {
                Some(name) => (true, name.trim()),
                None => (false, item),
            };
            let folded = crate::text::fold(item);
            if let Some((name, roles)) = roster.iter().find(|(p, _)| crate::text::fold(p) == folded) {
                // A guest may not read messages: one sent to them would wait forever.
                if !crate::domain::roles::allowed(roles, Permission::SendMessages) {
                    return Err(AppError::Usage(crate::say!(
                        self.lang,
                        "{} kan ikke lese meldinger (rollen deres gir ikke lov); ring eller skriv til en annen",
                        "{} cannot read messages (their role does not allow it); call, or write to someone else",
                        name
                    )));
                }
                to.users.push(name.clone());
            } else if person_only && !people.is_empty() {
                return Err(AppError::Usage(crate::say!(
                    self.lang,
                    "«@{}» er ingen bruker her",
                    "'@{}' is no user here",
                    item
                )));
            } else if person_only {
                to.users.push(item.to_string());
            } else if let Some(o) = orgs.iter().find(|o| crate::text::fold(o) == folded) {
                to.orgs.push(o.clone());
            } else if let Ok(role) = Role::parse(item) {
                to.roles.push(role);
            } else if people.is_empty() {
                // Without a roster (no server, no users here) a name is taken as said.
                to.users.push(item.to_string());
            } else {
                let known = people.iter().chain(orgs.iter()).take(12).cloned().collect::<Vec<_>>().join(", ");
                return Err(AppError::Usage(self.lang.pick(
                    format!(
                        "«{item}» er ingen bruker, rolle eller organisasjon her (for eksempel {known}; en rolle som kriseledelse)"
                    ),
                    format!(
                        "'{item}' is no user, role or organisation here (for example {known}; a role like kriseledelse)"
                    ),
                )));
            }
        }
        Ok(to)
    }

    /// Addressees and the copy asked for, from the compose prompt: a word with `+`
    /// first among the names asks for a copy ("kriseledelse, per +sms").
    pub fn addressees_with_copy(&self, typed: &str) -> Result<(Addressees, Option<String>)> {
        let (mut names, mut copies) = (Vec::new(), Vec::new());
        for item in typed.split([',', ';']) {
            let (copy, name): (Vec<&str>, Vec<&str>) =
                item.split_whitespace().partition(|w| w.starts_with('+'));
            copies.extend(copy.into_iter().map(|c| c.trim_start_matches('+')));
            names.push(name.join(" "));
        }
        let copy = match copies.is_empty() {
            true => None,
            false => Some(crate::domain::message_copy::parse(&copies.join(","))?),
        };
        Ok((self.addressees(&names.join(","))?, copy))
    }

    /// Does a message reach the user (written by them, or to them)?
    fn reaches_me(&self, m: &Message, org: &str, roles: Option<&[Role]>) -> bool {
        match roles {
            None => true,
            Some(roles) => m.to.reach(&m.author, &m.from_org, &self.user, org, roles),
        }
    }

    /// Send a message (a reply when `new.reply_to` names one), logged in incident
    /// number `incident`, or else in the active incident if one is open.
    pub fn send_message(&mut self, new: NewMessage, incident: Option<i64>) -> Result<Message> {
        self.permit(Permission::SendMessages)?;
        let new = new.validated()?;
        let thread = match new.reply_to {
            Some(r) => Some(self.store.message(r)?.thread),
            None => None,
        };
        // A copy goes through the alert channels: it is for those who may send alerts.
        let copies = match &new.copy {
            Some(copy) => {
                self.permit(Permission::SendAlerts)?;
                self.plan_copies(&new.to, copy)?
            }
            None => Vec::new(),
        };
        let incident = match incident {
            Some(n) => Some(self.incident(n)?),
            None => self.default_incident()?,
        };
        let org = self.org_name()?;
        let w = self.writer(Utc::now());
        let party = new.to.shown_within(60);
        let (text, urgent) = (new.text.clone(), new.urgent);
        let m = self.store.send_message(&new, thread, &org, incident.as_ref(), &copies, w.stamp(), |_| {
            Some(w.entry("melding", log_text(true, &party, &text, urgent)))
        })?;
        Ok(m)
    }

    /// The copies of a message to `to` by the channels of `copy`: one per person it
    /// reaches here (named, or holding a role it names) and channel, to the phone or
    /// e-mail of the contact linked to that person. Who cannot get one is recorded as
    /// not delivered, with why, so the writer sees it; so is each organisation named,
    /// whose people's contacts are theirs.
    fn plan_copies(&self, to: &Addressees, copy: &str) -> Result<Vec<CopySent>> {
        let channels = crate::domain::message_copy::channels(copy);
        let own = self.org_name()?;
        let everyone = !own.is_empty() && to.orgs.contains(&own);
        let mut people = to.people(&self.roster()?, everyone);
        people.retain(|p| *p != self.user);
        let mut copies = Vec::new();
        for person in people {
            // Someone may have several contacts (work, private): the first with an
            // address for the channel is used.
            let contacts = self.store.contacts_of_account(&person)?;
            for &channel in &channels {
                let address = contacts
                    .iter()
                    .map(|c| match channel {
                        Channel::Sms => c.phones.first().cloned().unwrap_or_default(),
                        _ => c.email.clone(),
                    })
                    .find(|a| !a.is_empty())
                    .unwrap_or_default();
                let names = contacts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
                let section = if channel == Channel::Sms { "[alerts.sms]" } else { "[alerts.smtp]" };
                let note = match () {
                    _ if contacts.is_empty() => format!("ingen kontakt er knyttet til brukeren {person}"),
                    _ if address.is_empty() && channel == Channel::Sms => {
                        format!("kontakten ({names}) har ikke noe telefonnummer")
                    }
                    _ if address.is_empty() => format!("kontakten ({names}) har ingen e-postadresse"),
                    _ if !self.channels.has(channel) => {
                        format!("ingen {}-kanal er satt opp ({section} i config.toml)", channel.name())
                    }
                    _ => String::new(),
                };
                let status = if note.is_empty() { Delivery::Waiting } else { Delivery::NotDelivered };
                copies.push(CopySent { person: person.clone(), channel, address, status, note });
            }
        }
        for org in to.orgs.iter().filter(|o| **o != own) {
            for &channel in &channels {
                copies.push(CopySent {
                    person: org.clone(),
                    channel,
                    address: String::new(),
                    status: Delivery::NotDelivered,
                    note: "kopi går bare til egen organisasjon; de får meldingen i sitroom".into(),
                });
            }
        }
        Ok(copies)
    }

    /// The copies of a message sent from here and where they stand (none elsewhere).
    pub fn copies_of(&self, m: &Message) -> Result<Vec<CopySent>> {
        Ok(self.store.copies_of(m.id)?)
    }

    /// Answer a message: to its writer, or with `all` to its writer and everyone it
    /// went to (the user left out), with a copy by SMS or e-mail when `copy` says so.
    /// Answering says one has read it (a receipt first, if not said yet): "not read
    /// yet" beside someone who answered would mislead.
    #[allow(clippy::too_many_arguments)]
    pub fn reply_message(
        &mut self,
        to: &Message,
        text: &str,
        urgent: bool,
        all: bool,
        copy: Option<String>,
        incident: Option<i64>,
    ) -> Result<Message> {
        let new = NewMessage {
            to: self.reply_addressees(to, all),
            text: text.to_string(),
            urgent,
            copy,
            reply_to: Some(to.id),
        }
        .validated()?;
        self.permit(Permission::SendMessages)?;
        self.mark_message_read(to)?;
        self.send_message(new, incident)
    }

    /// Whom an answer goes to: the writer, or with `all` the writer and everyone the
    /// message went to; never the one answering (an answer to one's own message goes
    /// to those it went to).
    pub fn reply_addressees(&self, to: &Message, all: bool) -> Addressees {
        let mut addressees = Addressees { users: vec![to.author.clone()], ..Default::default() };
        if all {
            addressees.users.extend(to.to.users.iter().cloned());
            addressees.roles.extend(to.to.roles.iter().copied());
            addressees.orgs.extend(to.to.orgs.iter().cloned());
        }
        addressees.users.retain(|u| *u != self.user);
        if to.author == self.user && addressees.is_empty() {
            addressees = to.to.clone();
        }
        addressees
    }

    /// The messages to or from the user, newest first; only unread ones with
    /// `unread_only`.
    pub fn inbox(&self, unread_only: bool) -> Result<Vec<Listed>> {
        let roles = self.roles()?;
        let org = self.org_name()?;
        let read = self.store.read_by(&self.user)?;
        Ok(self
            .store
            .messages()?
            .into_iter()
            .filter(|m| self.reaches_me(m, &org, roles.as_deref()))
            .map(|m| {
                let sent = m.author == self.user;
                let unread = !sent && !read.contains(&m.id);
                Listed { reference: m.reference(), sent, unread, message: m }
            })
            .filter(|l| !unread_only || l.unread)
            .collect())
    }

    /// Urgent messages to the user they have not read yet, newest first.
    pub fn unread_urgent(&self) -> Result<Vec<Message>> {
        let (roles, org) = (self.roles()?, self.org_name()?);
        let mut urgent = self.store.urgent_unread_by(&self.user)?;
        urgent.retain(|m| self.reaches_me(m, &org, roles.as_deref()));
        Ok(urgent)
    }

    /// A message by its reference, if it reaches the user.
    pub fn find_message(&self, reference: &str) -> Result<Message> {
        let m = self.store.message_by_reference(reference)?;
        let (roles, org) = (self.roles()?, self.org_name()?);
        if !self.reaches_me(&m, &org, roles.as_deref()) {
            return Err(AppError::Forbidden(self.lang.pick(
                format!("meldingen {reference} er ikke til {}", self.user),
                format!("message {reference} is not to {}", self.user),
            )));
        }
        Ok(m)
    }

    /// Who has read a message and who not yet.
    pub fn read_state(&self, m: &Message) -> Result<ReadState> {
        let receipts = self.store.receipts_of(m.id)?;
        // A message from another organisation: its roles are theirs, not in our roster.
        let roster =
            if m.from_org.is_empty() || m.from_org == self.org_name()? { self.roster()? } else { vec![] };
        Ok(read_state(m, &receipts, &roster))
    }

    /// Open a message: its thread and receipts, and say the user has read it (unless
    /// they wrote it, or `mark` is false).
    pub fn open_message(&mut self, m: &Message, mark: bool) -> Result<Opened> {
        let marked = if mark { self.mark_message_read(m)?.is_some() } else { false };
        Ok(Opened { marked, ..self.view_message(m)? })
    }

    /// A message with its thread and receipts, read without saying one has read it.
    pub fn view_message(&self, m: &Message) -> Result<Opened> {
        Ok(Opened {
            message: m.clone(),
            reference: m.reference(),
            thread: self.store.thread(m.thread)?,
            read: self.read_state(m)?,
            marked: false,
            copies: self.store.copies_of(m.id)?,
        })
    }

    /// Say the user has read a message: a receipt its writer and audience see. None
    /// when there was nothing to say (their own message, or read already). The first
    /// of this organisation to read a message from another logs it as incoming.
    pub fn mark_message_read(&mut self, m: &Message) -> Result<Option<Receipt>> {
        if m.author == self.user || self.store.has_read(m.id, &self.user)? {
            return Ok(None);
        }
        self.permit(Permission::SendMessages)?;
        let org = self.org_name()?;
        let foreign = !m.from_org.is_empty() && m.from_org != org;
        let first_here = foreign && !self.store.receipts_of(m.id)?.iter().any(|r| r.org == org);
        let w = self.writer(Utc::now());
        let (receipt, new) = self.store.mark_read(m.id, &org, w.stamp())?;
        if first_here {
            if let Some(incident) = self.default_incident()? {
                let party = format!("{} ({})", m.author, m.from_org);
                let entry = w.entry("melding", log_text(false, &party, &m.text, m.urgent));
                self.store.append_entries(&incident, vec![entry])?;
            }
        }
        Ok(new.then_some(receipt))
    }

    /// A message by id (for panes that hold one).
    pub fn message(&self, id: Uuid) -> Result<Message> {
        Ok(self.store.message(id)?)
    }
}

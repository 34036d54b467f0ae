//! Contacts and resources: adding, changing, searching, and importing and exporting
//! them. An import is all or nothing: one bad row and nothing is stored (unless the
//! user asks for the good rows with `skip_bad`); the report names every bad row.

use super::progress::{Ended, Work};
use super::{AppError, Result, Session};
use crate::domain::contact::{
    contacts_from_csv, contacts_to_csv, resources_from_csv, resources_to_csv, Contact, NewContact,
    NewResource, Rejected, Resource, SearchIndex,
};
use crate::domain::roles::Permission;
use crate::store::{Duplicate, Who};
use chrono::Utc;
use serde::Serialize;

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RegisterImport {
    /// Rows stored.
    pub added: usize,
    /// Rows left out as already there.
    pub skipped: usize,
    /// Rows that could not be taken, with line and reason.
    pub rejected: Vec<Rejected>,
    /// False when bad rows stopped the whole import.
    pub imported: bool,
}

/// The formats contacts come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactFormat {
    Csv,
    VCard,
}

impl ContactFormat {
    /// By the file's content: a vCard starts with BEGIN:VCARD.
    pub fn guess(data: &[u8]) -> ContactFormat {
        let start = String::from_utf8_lossy(&data[..data.len().min(64)])
            .trim_start_matches('\u{feff}')
            .trim_start()
            .to_ascii_uppercase();
        if start.starts_with("BEGIN:VCARD") {
            ContactFormat::VCard
        } else {
            ContactFormat::Csv
        }
    }
}

impl Session {
    fn who(&self) -> (String, String) {
        (self.user.clone(), self.device.clone())
    }

    pub fn add_contact(&mut self, c: NewContact) -> Result<Contact> {
        self.permit(Permission::ManagePreparedness)?;
        let mut c = c.validated()?;
        c.account = self.account_named(&c.account)?;
        self.may_direct_copies(None, &c)?;
        let (user, device) = self.who();
        let (mut stored, _) = self.store.add_contacts(
            &[c],
            Duplicate::Keep,
            Who { author: &user, device: &device },
            Utc::now(),
        )?;
        Ok(stored.pop().expect("one contact added"))
    }

    /// A contact linked to a user is where copies of their messages go: linking one to
    /// someone else, or changing where copies to someone else go, is for those who
    /// manage users (the server judges it the same way).
    fn may_direct_copies(&self, before: Option<&NewContact>, after: &NewContact) -> Result<()> {
        if self.may(Permission::ManageUsers)? {
            return Ok(());
        }
        let someone_else = |a: &str| (!a.is_empty() && a != self.user).then(|| a.to_string());
        let other = match before {
            None => someone_else(&after.account),
            Some(b) if b.account != after.account => {
                someone_else(&after.account).or(someone_else(&b.account))
            }
            Some(b) if b.phones != after.phones || b.email != after.email => someone_else(&b.account),
            Some(_) => None,
        };
        match other {
            Some(other) => Err(AppError::Forbidden(crate::say!(
                self.lang,
                "bare en administrator eller {} selv kan knytte en kontakt til {} eller endre hvor kopier av meldinger til {} går",
                "only an administrator or {} may link a contact to {} or change where copies of messages to {} go",
                other,
                other,
                other
            ))),
            None => Ok(()),
        }
    }

    /// The user a contact is linked to, as the roster spells them: a name typed in
    /// any case must be someone here (when it is known who is), or copies of messages
    /// to them would never find the contact.
    fn account_named(&self, typed: &str) -> Result<String> {
        let people: Vec<String> = self.roster()?.into_iter().map(|(n, _)| n).collect();
        account_among(typed, &people).map_err(|e| AppError::Usage(e.said(self.lang).to_string()))
    }

    pub fn contacts(&self) -> Result<Vec<Contact>> {
        Ok(self.store.contacts()?)
    }

    pub fn contact(&self, number: i64) -> Result<Contact> {
        Ok(self.store.contact(number)?)
    }

    /// Contacts matching every word of `query` (name, organisation, function, phone,
    /// e-mail, notes, groups), best first.
    pub fn search_contacts(&self, query: &str, limit: usize) -> Result<Vec<Contact>> {
        let all = self.store.contacts()?;
        let index = SearchIndex::new(all.iter().map(|c| (c.as_new().folded(), c.name.clone())));
        Ok(index.search(query, limit).into_iter().map(|i| all[i].clone()).collect())
    }

    /// Change a contact: `change` edits a copy of it, which is checked and stored.
    pub fn update_contact(&mut self, number: i64, change: impl FnOnce(&mut NewContact)) -> Result<Contact> {
        self.permit(Permission::ManagePreparedness)?;
        let before = self.store.contact(number)?.as_new();
        let mut c = before.clone();
        change(&mut c);
        let mut c = c.validated()?;
        c.account = self.account_named(&c.account)?;
        self.may_direct_copies(Some(&before), &c)?;
        let (user, device) = self.who();
        Ok(self.store.update_contact(number, &c, Who { author: &user, device: &device }, Utc::now())?)
    }

    pub fn remove_contact(&mut self, number: i64) -> Result<Contact> {
        self.permit(Permission::ManagePreparedness)?;
        // Removing someone's linked contact stops the copies of their messages.
        let linked = self.store.contact(number)?.as_new();
        self.may_direct_copies(Some(&linked), &NewContact { account: String::new(), ..linked.clone() })?;
        let (user, device) = self.who();
        Ok(self.store.remove_contact(number, Who { author: &user, device: &device }, Utc::now())?)
    }

    /// Import contacts from CSV or vCard. Contacts already here (same name and the same
    /// e-mail or phone) are left out, so importing a file twice adds nothing.
    pub fn import_contacts(&mut self, data: &[u8], skip_bad: bool) -> Result<RegisterImport> {
        let progress = self.progress.clone();
        progress.begin(Work::ImportRegister, None);
        let _ended = Ended(&*progress);
        self.permit(Permission::ManagePreparedness)?;
        let (good, rejected) = match ContactFormat::guess(data) {
            ContactFormat::Csv => contacts_from_csv(data)?,
            ContactFormat::VCard => {
                let text = std::str::from_utf8(data)
                    .map_err(|_| AppError::Usage("the vCard file is not UTF-8 text".into()))?;
                crate::domain::vcard::contacts_from_vcard(text)
            }
        };
        // A row linked to no user here is refused like any bad row: copies of messages
        // to whoever got that name later would go to the wrong phone.
        let (mut rejected, mut rows) = (rejected, Vec::with_capacity(good.len()));
        let people: Vec<String> = self.roster()?.into_iter().map(|(n, _)| n).collect();
        for (line, mut c) in good {
            match account_among(&c.account, &people) {
                Ok(account) => {
                    c.account = account;
                    self.may_direct_copies(None, &c)?;
                    rows.push(c);
                }
                Err(reason) => rejected.push(crate::domain::contact::Rejected { line, reason }),
            }
        }
        rejected.sort_by_key(|r| r.line);
        if !rejected.is_empty() && !skip_bad {
            return Ok(RegisterImport { rejected, ..RegisterImport::default() });
        }
        let (user, device) = self.who();
        let (added, skipped) = self.store.add_contacts(
            &rows,
            Duplicate::Skip,
            Who { author: &user, device: &device },
            Utc::now(),
        )?;
        Ok(RegisterImport { added: added.len(), skipped, rejected, imported: true })
    }

    pub fn export_contacts(&self) -> Result<String> {
        Ok(contacts_to_csv(&self.store.contacts()?))
    }

    pub fn add_resource(&mut self, r: NewResource) -> Result<Resource> {
        self.permit(Permission::ManagePreparedness)?;
        let r = r.validated()?;
        let (user, device) = self.who();
        let mut stored =
            self.store.add_resources(&[r], Who { author: &user, device: &device }, Utc::now())?;
        Ok(stored.pop().expect("one resource added"))
    }

    pub fn resources(&self) -> Result<Vec<Resource>> {
        Ok(self.store.resources()?)
    }

    pub fn update_resource(
        &mut self,
        number: i64,
        change: impl FnOnce(&mut NewResource),
    ) -> Result<Resource> {
        self.permit(Permission::ManagePreparedness)?;
        let r = self.store.resource(number)?;
        let mut new = r.into_new();
        change(&mut new);
        let new = new.validated()?;
        let (user, device) = self.who();
        Ok(self.store.update_resource(number, &new, Who { author: &user, device: &device }, Utc::now())?)
    }

    pub fn import_resources(&mut self, data: &[u8], skip_bad: bool) -> Result<RegisterImport> {
        let progress = self.progress.clone();
        progress.begin(Work::ImportRegister, None);
        let _ended = Ended(&*progress);
        self.permit(Permission::ManagePreparedness)?;
        let (good, rejected) = resources_from_csv(data)?;
        if !rejected.is_empty() && !skip_bad {
            return Ok(RegisterImport { rejected, ..RegisterImport::default() });
        }
        let rows: Vec<NewResource> = good.into_iter().map(|(_, r)| r).collect();
        let (user, device) = self.who();
        let added = self.store.add_resources(&rows, Who { author: &user, device: &device }, Utc::now())?;
        Ok(RegisterImport { added: added.len(), skipped: 0, rejected, imported: true })
    }

    pub fn export_resources(&self) -> Result<String> {
        Ok(resources_to_csv(&self.store.resources()?))
    }
}

/// The user a contact is linked to, as `people` (those known here) spell the name typed
/// in any case; a name none of them has is refused (unless no one is known).
fn account_among(typed: &str, people: &[String]) -> std::result::Result<String, crate::domain::Invalid> {
    if typed.is_empty() || people.is_empty() {
        return Ok(typed.to_string());
    }
    let folded = crate::text::fold(typed);
    match people.iter().find(|p| crate::text::fold(p) == folded) {
        Some(p) => Ok(p.clone()),
        None => {
            let known = people.iter().take(12).cloned().collect::<Vec<_>>().join(", ");
            Err(crate::domain::Invalid::new(
                format!("«{typed}» er ingen bruker her (for eksempel {known})"),
                format!("'{typed}' is no user here (for example {known})"),
            ))
        }
    }
}

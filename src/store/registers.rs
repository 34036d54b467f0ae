//! The organisation's registers of contacts and resources. They belong to no incident:
//! their ops carry the nil incident and sync to every replica of the organisation
//! (`Kind::org_scoped`).

use super::numbered;
use super::register_rows::{contact_from_row, resource_from_row, split, CONTACT_COLUMNS, RESOURCE_COLUMNS};
use super::replica::{self, Who};
use super::{Result, Store, StoreError};
use crate::domain::contact::{Contact, NewContact, NewResource, Resource};
use crate::domain::time::to_millis;
use crate::replication::Kind;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

/// How an import treats a row that is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicate {
    /// Store it anyway.
    Keep,
    /// Leave it out: the same name with the same e-mail or a phone in common.
    Skip,
}

fn same_contact(tx: &Transaction<'_>, c: &NewContact) -> Result<bool> {
    let mut stmt = tx.prepare_cached("SELECT email, phones FROM contacts WHERE name = ?1 AND removed = 0")?;
    let rows = stmt.query_map([&c.name], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let digits = |p: &str| p.chars().filter(char::is_ascii_digit).collect::<String>();
    for row in rows {
        let (email, phones) = row?;
        let email_match = !c.email.is_empty() && email.eq_ignore_ascii_case(&c.email);
        let phone_match = split(phones).iter().any(|p| c.phones.iter().any(|q| digits(p) == digits(q)));
        let both_bare = c.email.is_empty() && c.phones.is_empty() && email.is_empty();
        if email_match || phone_match || both_bare {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Store {
    /// Add contacts in one transaction: all of them or, on any error, none. Returns the
    /// stored ones and how many were left out as already there.
    pub fn add_contacts(
        &mut self,
        contacts: &[NewContact],
        duplicates: Duplicate,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Contact>, usize)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut number = numbered::next_in_register(&tx, "contacts")?;
        let mut ids = Vec::new();
        let mut skipped = 0;
        for c in contacts {
            if duplicates == Duplicate::Skip && same_contact(&tx, c)? {
                skipped += 1;
                continue;
            }
            let id = Uuid::now_v7();
            tx.prepare_cached(
                "INSERT INTO contacts (id, number, name, organisation, function, phones, email, notes, groups,
                                       folded, created_at, created_by, updated_at, account)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11, ?13)",
            )?
            .execute(params![
                id.to_string(),
                number,
                c.name,
                c.organisation,
                c.function,
                c.phones.join("\n"),
                c.email,
                c.notes,
                c.groups.join("\n"),
                c.folded(),
                to_millis(now),
                who.author,
                c.account
            ])?;
            replica::created(&tx, Kind::Contact, id, who, now)?;
            ids.push(id);
            number += 1;
        }
        let mut stored = Vec::with_capacity(ids.len());
        {
            let mut stmt =
                tx.prepare_cached(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?1"))?;
            for id in ids {
                stored.push(stmt.query_row([id.to_string()], contact_from_row)?);
            }
        }
        tx.commit()?;
        Ok((stored, skipped))
    }

    /// Every contact, in Norwegian alphabetical order by name.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE removed = 0"))?;
        let mut all: Vec<Contact> = stmt.query_map([], contact_from_row)?.collect::<rusqlite::Result<_>>()?;
        all.sort_by_cached_key(|c| (crate::text::sort_key(&c.name), c.number));
        Ok(all)
    }

    pub fn contact(&self, number: i64) -> Result<Contact> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE number = ?1 AND removed = 0"
            ))?
            .query_row([number], contact_from_row)
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("det finnes ingen kontakt {number}"),
                    format!("there is no contact {number}"),
                )
            })
    }

    pub fn contact_by_id(&self, id: Uuid) -> Result<Contact> {
        self.conn
            .prepare_cached(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?1"))?
            .query_row([id.to_string()], contact_from_row)
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("det finnes ingen kontakt {id}"),
                    format!("there is no contact {id}"),
                )
            })
    }

    /// Replace a contact's fields.
    pub fn update_contact(
        &mut self,
        number: i64,
        c: &NewContact,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<Contact> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: Option<String> = tx
            .query_row("SELECT id FROM contacts WHERE number = ?1 AND removed = 0", [number], |r| r.get(0))
            .optional()?;
        let id = id.ok_or_else(|| {
            StoreError::not_found(
                format!("det finnes ingen kontakt {number}"),
                format!("there is no contact {number}"),
            )
        })?;
        tx.execute(
            "UPDATE contacts SET name = ?2, organisation = ?3, function = ?4, phones = ?5, email = ?6, notes = ?7,
                    groups = ?8, folded = ?9, updated_at = ?10, account = ?11 WHERE id = ?1",
            params![
                id,
                c.name,
                c.organisation,
                c.function,
                c.phones.join("\n"),
                c.email,
                c.notes,
                c.groups.join("\n"),
                c.folded(),
                to_millis(now),
                c.account
            ],
        )?;
        let fields = ["name", "organisation", "function", "phones", "email", "notes", "groups", "account"];
        replica::changed(&tx, Kind::Contact, super::columns::id(&id), &fields, who, now)?;
        tx.commit()?;
        self.contact(number)
    }

    /// Take a contact off the register (one that no alert list names). Alerts already
    /// sent keep the name and addresses they were sent to.
    pub fn remove_contact(&mut self, number: i64, who: Who<'_>, now: DateTime<Utc>) -> Result<Contact> {
        let c = self.contact(number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let lists: Vec<String> = tx
            .prepare("SELECT DISTINCT l.name FROM alert_list_members m JOIN alert_lists l ON l.id = m.list_id WHERE m.contact_id = ?1")?
            .query_map([c.id.to_string()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !lists.is_empty() {
            let (name, lists) = (&c.name, lists.join(", "));
            return Err(StoreError::conflict(
                format!("{name} står på varslingslisten(e) {lists}; ta vedkommende av listen først"),
                format!("{name} is on the alert list(s) {lists}; take them off the list first"),
            ));
        }
        // Ops cannot delete: the contact is marked removed, everywhere.
        tx.execute(
            "UPDATE contacts SET removed = 1, updated_at = ?2 WHERE id = ?1",
            params![c.id.to_string(), to_millis(now)],
        )?;
        replica::changed(&tx, Kind::Contact, c.id, &["removed"], who, now)?;
        tx.commit()?;
        Ok(c)
    }

    // ---- resources ----

    pub fn add_resources(
        &mut self,
        resources: &[NewResource],
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Resource>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut number = numbered::next_in_register(&tx, "resources")?;
        let first = number;
        for r in resources {
            let id = Uuid::now_v7();
            tx.prepare_cached(
                "INSERT INTO resources (id, number, what, location, quantity, owner, availability, notes, folded,
                                        created_at, created_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10)",
            )?
            .execute(params![
                id.to_string(),
                number,
                r.what,
                r.location,
                r.quantity,
                r.owner,
                r.availability.name(),
                r.notes,
                r.folded(),
                to_millis(now),
                who.author
            ])?;
            replica::created(&tx, Kind::Resource, id, who, now)?;
            number += 1;
        }
        tx.commit()?;
        let all = self.resources()?;
        Ok(all.into_iter().filter(|r| r.number >= first && r.number < number).collect())
    }

    /// Every resource, by what it is (Norwegian order).
    pub fn resources(&self) -> Result<Vec<Resource>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {RESOURCE_COLUMNS} FROM resources"))?;
        let mut all: Vec<Resource> =
            stmt.query_map([], resource_from_row)?.collect::<rusqlite::Result<_>>()?;
        all.sort_by_cached_key(|r| (crate::text::sort_key(&r.what), r.number));
        Ok(all)
    }

    pub fn resource(&self, number: i64) -> Result<Resource> {
        self.conn
            .prepare_cached(&format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE number = ?1"))?
            .query_row([number], resource_from_row)
            .optional()?
            .ok_or_else(|| {
                StoreError::not_found(
                    format!("det finnes ingen ressurs {number}"),
                    format!("there is no resource {number}"),
                )
            })
    }

    pub fn resource_by_id(&self, id: Uuid) -> Result<Option<Resource>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = ?1"))?
            .query_row([id.to_string()], resource_from_row)
            .optional()?)
    }

    /// Replace a resource's fields (availability and quantity change most often).
    pub fn update_resource(
        &mut self,
        number: i64,
        r: &NewResource,
        who: Who<'_>,
        now: DateTime<Utc>,
    ) -> Result<Resource> {
        let before = self.resource(number)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE resources SET what = ?2, location = ?3, quantity = ?4, owner = ?5, availability = ?6, notes = ?7,
                    folded = ?8, updated_at = ?9 WHERE id = ?1",
            params![
                before.id.to_string(),
                r.what,
                r.location,
                r.quantity,
                r.owner,
                r.availability.name(),
                r.notes,
                r.folded(),
                to_millis(now)
            ],
        )?;
        let fields = ["what", "location", "quantity", "owner", "availability", "notes"];
        replica::changed(&tx, Kind::Resource, before.id, &fields, who, now)?;
        tx.commit()?;
        self.resource(number)
    }
}

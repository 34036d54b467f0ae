//! Contacts and resources as their rows hold them, and their search text made again
//! from the row. Below both the registers (which write the rows) and the replica
//! (which applies changes made elsewhere and must refold what it changed), so neither
//! has to call the other.

use super::columns::read_row;
use super::Result;
use crate::domain::contact::{Availability, Contact, Resource};
use rusqlite::{params, Row, Transaction};
use uuid::Uuid;

pub(super) const CONTACT_COLUMNS: &str =
    "id, number, name, organisation, function, phones, email, notes, groups, account, updated_at";

pub(super) fn split(s: String) -> Vec<String> {
    s.split('\n').filter(|p| !p.is_empty()).map(str::to_string).collect()
}

pub(super) fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(read_row!(r => Contact {
        id: uuid, number: get, name: get, organisation: get, function: get, phones: list('\n'), email: get,
        notes: get, groups: list('\n'), account: get, updated_at: time,
    }))
}

pub(super) const RESOURCE_COLUMNS: &str =
    "id, number, what, location, quantity, owner, availability, notes, updated_at";

pub(super) fn resource_from_row(r: &Row<'_>) -> rusqlite::Result<Resource> {
    Ok(read_row!(r => Resource {
        id: uuid, number: get, what: get, location: get, quantity: get, owner: get,
        availability: code_or(Availability::Available), notes: get, updated_at: time,
    }))
}

/// Make a contact's search text again from its row (after a change from elsewhere).
pub(super) fn refold_contact(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    let c = tx
        .prepare_cached(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?1"))?
        .query_row([id.to_string()], contact_from_row)?;
    tx.prepare_cached("UPDATE contacts SET folded = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), c.as_new().folded()])?;
    Ok(())
}

/// The same for a resource.
pub(super) fn refold_resource(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    let r = tx
        .prepare_cached(&format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = ?1"))?
        .query_row([id.to_string()], resource_from_row)?;
    let new = r.into_new();
    tx.prepare_cached("UPDATE resources SET folded = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), new.folded()])?;
    Ok(())
}

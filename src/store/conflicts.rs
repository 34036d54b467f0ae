//! Settling a conflict as a user does it: the value kept, its op, and the automatic
//! log entry that says so, in one transaction (the replica settles; this module adds
//! the record of it to the incident's log).

use super::incidents::incident_by_id_in;
use super::log::{append_in, NewEntryRecord};
use super::replica::{Conflict, Who};
use super::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::Value;

impl Store {
    pub fn settle_conflict_logged(
        &mut self,
        conflict: &Conflict,
        value: Value,
        who: Who<'_>,
        now: DateTime<Utc>,
        entry: NewEntryRecord,
    ) -> Result<()> {
        self.settle_then(conflict, value, who, now, |tx| {
            let incident = incident_by_id_in(tx, conflict.incident)?.ok_or_else(|| {
                StoreError::not_found("hendelsen finnes ikke lenger", "the incident is gone")
            })?;
            append_in(tx, &incident, [entry])?;
            Ok(())
        })
    }
}

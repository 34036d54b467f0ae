//! Bringing a database from before sync into it (schema step 7).

use super::*;

/// Stamp every record made before sync, in the order its numbers give, and write its
/// create op, so that a replica's earlier work is shared when it first syncs.
pub(in crate::store) fn snapshot(tx: &Transaction<'_>) -> Result<()> {
    let me = origin(tx)?;
    tx.execute("UPDATE log_entries SET origin = ?1", [&me])?;
    // Reports: each version points at its first version and the one before it.
    tx.execute_batch(
        "UPDATE report_versions SET
             root = (SELECT v.id FROM report_versions v WHERE v.incident_id = report_versions.incident_id
                     AND v.number = report_versions.number AND v.version = 1),
             parent = (SELECT v.id FROM report_versions v WHERE v.incident_id = report_versions.incident_id
                     AND v.number = report_versions.number AND v.version = report_versions.version - 1)
         WHERE version > 1;",
    )?;
    let order: [(Kind, &str); 6] = [
        (Kind::Incident, "SELECT id, created_by, '', created_at FROM incidents ORDER BY number"),
        (Kind::LogEntry, "SELECT id, author, device, recorded_at FROM log_entries ORDER BY incident_id, seq"),
        (Kind::Report, "SELECT id, created_by, '', created_at FROM report_versions ORDER BY incident_id, number, version"),
        (Kind::Task, "SELECT id, created_by, '', created_at FROM tasks ORDER BY incident_id, number"),
        (Kind::Media, "SELECT id, created_by, '', created_at FROM media ORDER BY incident_id, number"),
        (Kind::Meeting, "SELECT id, created_by, '', created_at FROM meetings ORDER BY incident_id, number"),
    ];
    for (kind, sql) in order {
        let rows: Vec<(String, String, String, i64)> = tx
            .prepare(sql)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, author, device, at) in rows {
            let Ok(id) = Uuid::parse_str(&id) else { continue };
            let device = if device.is_empty() { me.clone() } else { device };
            let who = Who { author: &author, device: &device };
            created(tx, kind, id, who, crate::domain::time::from_millis(at))?;
        }
    }
    Ok(())
}

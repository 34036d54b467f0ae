//! Archiving an incident: the whole record on demand (`archive export`), and
//! continuous journalføring, where each run exports into a journal folder only what
//! was created or changed since the run before.

use super::progress::{Ended, Work};
use super::{AppError, Result, Session};
use crate::archive::{self, ChainHead, Manifest, Record, RecordAttachment, Scope};
use crate::domain::mail::safe_file_name;
use crate::domain::roles::Permission;
use crate::domain::Incident;
use crate::store::{Changes, Store};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the journal folder remembers, in `journal.json` beside the batches.
#[derive(Debug, Default, Serialize, Deserialize)]
struct JournalState {
    /// The database the marks belong to: marks of one database mean nothing in
    /// another, so a folder is kept by one database only.
    device: String,
    /// Per incident id: the last batch written and the oplog mark it went through.
    incidents: BTreeMap<String, Kept>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Kept {
    number: i64,
    batch: u32,
    through: i64,
}

/// One batch written by a journal run.
#[derive(Debug, Clone, Serialize)]
pub struct JournalBatch {
    pub incident: i64,
    pub batch: u32,
    pub dir: PathBuf,
    pub log_entries: usize,
    pub records: usize,
}

fn io(what: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::Usage(format!("{}: {e}", what.display()))
}

/// The heads of each replica's chain through `log` (in log order).
fn heads(log: &[crate::domain::LogEntry]) -> Vec<ChainHead> {
    let mut by_origin: BTreeMap<&str, ChainHead> = BTreeMap::new();
    for e in log {
        by_origin.insert(&e.origin, ChainHead { origin: e.origin.clone(), seq: e.seq, hash: e.hash.clone() });
    }
    by_origin.into_values().collect()
}

/// Gather an incident's record from one snapshot; with `only`, just what changed.
fn gather(
    store: &Store,
    incident: &Incident,
    only: Option<&Changes>,
    scope: Scope,
    who: (&str, &str),
) -> crate::store::Result<Record> {
    let keep = |id: &uuid::Uuid| only.is_none_or(|c| c.records.contains(id));
    let mut log = store.entries(incident)?;
    if let Some(c) = only {
        log.retain(|e| c.entries.contains(&e.id));
    }
    let reports = store.all_report_versions(incident)?.into_iter().filter(|v| keep(&v.id)).collect();
    let alerts = store
        .alerts(incident)?
        .into_iter()
        .filter(|a| keep(&a.id) || a.recipients.iter().any(|p| keep(&p.id)))
        .collect();
    let seqs: std::collections::HashSet<i64> = log.iter().map(|e| e.seq).collect();
    let attachments = store
        .attachments(incident, true)?
        .into_iter()
        .filter(|a| seqs.contains(&a.entry_seq))
        .map(|a| RecordAttachment {
            path: format!("vedlegg/{:06}-{}-{}", a.entry_seq, a.position, safe_file_name(&a.name)),
            entry_seq: a.entry_seq,
            position: a.position,
            name: a.name,
            mime: a.mime,
            sha256: a.sha256,
            data: a.data,
        })
        .collect();
    Ok(Record {
        installation: who.1.to_string(),
        generated_at: Utc::now(),
        generated_by: who.0.to_string(),
        scope,
        incident: incident.clone(),
        chain_heads: heads(&log),
        checkpoints: {
            let here: std::collections::HashSet<uuid::Uuid> = log.iter().map(|e| e.id).collect();
            store.checkpoints(incident.id)?.into_iter().filter(|c| here.contains(&c.entry)).collect()
        },
        log,
        meetings: store.meetings(incident)?.into_iter().filter(|m| keep(&m.id)).collect(),
        reports,
        media: store.inquiries(incident)?.into_iter().filter(|m| keep(&m.id)).collect(),
        tasks: store.tasks(incident)?.into_iter().filter(|t| keep(&t.id)).collect(),
        alerts,
        attachments,
    })
}

impl Session {
    /// Write the incident's whole record into `dir` (new or empty). While the incident
    /// is open, the log records the export and the manifest's SHA-256, which anchors
    /// the manifest in the hash chain.
    pub fn archive_export(&mut self, incident: &Incident, dir: &Path) -> Result<Manifest> {
        self.permit(Permission::ManageIncidents)?;
        let progress = self.progress.clone();
        progress.begin(Work::Archive, None);
        let _ended = Ended(&*progress);
        let installation = self.installation();
        // This replica signs the heads of its chains now: the archive's newest entries
        // are covered too.
        let sealer = self.store.sealer()?;
        self.sign_own_chains(&sealer)?;
        let record = self
            .store
            .reading(|store| gather(store, incident, None, Scope::Full, (&self.user, &installation)))?;
        let manifest = archive::write(dir, &record, Some(&sealer)).map_err(io(dir))?;
        let open = self.store.incident_by_id(incident.id)?.is_some_and(|i| i.is_open());
        if open && self.permit(Permission::WriteLog).is_ok() {
            let bytes = std::fs::read(dir.join("manifest.json")).map_err(io(dir))?;
            let sha = crate::text::sha256_hex(&bytes);
            let text = format!(
                "Hendelsen arkivert: {} loggføringer til {} (manifest SHA-256 {sha})",
                manifest.log_entries,
                dir.display()
            );
            let entry = self.writer(Utc::now()).entry("arkiv", text);
            self.store.append_entries(incident, [entry])?;
        }
        Ok(manifest)
    }

    /// One run of continuous journalføring into `dir`: for every incident with new
    /// material since the last run, a batch folder with just that. Returns the batches
    /// written (none when nothing is new).
    pub fn archive_journal(&mut self, dir: &Path) -> Result<Vec<JournalBatch>> {
        self.permit(Permission::ManageIncidents)?;
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let state_path = dir.join(archive::JOURNAL_STATE);
        let device = self.store.device_id()?;
        let sealer = self.store.sealer()?;
        self.sign_own_chains(&sealer)?;
        let mut state: JournalState = match std::fs::read(&state_path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                let path = state_path.display();
                AppError::Usage(self.lang.pick(
                    format!("{path} kan ikke leses ({e}); den er journalens hukommelse (hva hver hendelse er journalført til)"),
                    format!("{path} cannot be read ({e}); it is the journal's memory (what each incident is journaled to)"),
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // A new journal goes into a new or empty folder, never over an archive.
                if std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
                    let (dir, state) = (dir.display(), archive::JOURNAL_STATE);
                    return Err(AppError::Usage(self.lang.pick(
                        format!("{dir} er ikke tom og ingen journalmappe (den har ingen {state}); gi en ny eller tom mappe"),
                        format!("{dir} is not empty and not a journal folder (it has no {state}); give a new or empty folder"),
                    )));
                }
                // The organisation's records: its owner (and group, an archive's
                // reader) alone may read them.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750)).map_err(io(dir))?;
                }
                JournalState { device: device.clone(), ..Default::default() }
            }
            Err(e) => return Err(io(&state_path)(e)),
        };
        if state.device != device {
            let (dir, other) = (dir.display(), &state.device);
            return Err(AppError::Usage(self.lang.pick(
                format!("{dir} er journalen til en annen database ({other}); gi hver database sin egen journalmappe"),
                format!("{dir} is the journal of another database ({other}); give each database its own journal folder"),
            )));
        }
        let installation = self.installation();
        let user = self.user.clone();
        // One snapshot for the mark and everything read with it.
        let (through, records) = self.store.reading(|store| {
            let through = store.oplog_mark()?;
            let mut records = Vec::new();
            for incident in store.list_incidents()? {
                let kept = state.incidents.get(&incident.id.to_string()).cloned().unwrap_or_default();
                let changes = store.changes_between(&incident, kept.through, through)?;
                if changes.entries.is_empty() && changes.records.is_empty() {
                    continue;
                }
                let scope = Scope::Increment { batch: kept.batch + 1, after: kept.through, through };
                let record = gather(store, &incident, Some(&changes), scope, (&user, &installation))?;
                records.push(record);
            }
            Ok((through, records))
        })?;
        let mut written = Vec::new();
        for record in records {
            let i = &record.incident;
            let Scope::Increment { batch, .. } = record.scope else { unreachable!("increments only") };
            let folder = dir
                .join(format!("hendelse-{}-{}", i.number, &i.id.simple().to_string()[..8]))
                .join(format!("{batch:05}-{}", record.generated_at.format("%Y%m%dT%H%M%SZ")));
            archive::write(&folder, &record, Some(&sealer)).map_err(io(&folder))?;
            written.push(JournalBatch {
                incident: i.number,
                batch,
                dir: folder,
                log_entries: record.log.len(),
                records: record.meetings.len()
                    + record.reports.len()
                    + record.media.len()
                    + record.tasks.len()
                    + record.alerts.len(),
            });
            state.incidents.insert(i.id.to_string(), Kept { number: i.number, batch, through });
            // Saved after each batch: a run cut short repeats nothing it finished.
            save_state(&state_path, &state)?;
        }
        Ok(written)
    }
}

fn save_state(path: &Path, state: &JournalState) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(state).expect("plain data");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}

//! Log operations: add (with quick marks), correct, mark significant, list, import,
//! verify. The TUI and the CLI both come through here.

use super::progress::{Ended, Work};
use super::{AppError, Result, Session};
use crate::domain::log::{verify_chain, ChainBreak, MAX_TEXT_CHARS};
use crate::domain::meeting::MeetingStatus;
use crate::domain::roles::Permission;
use crate::domain::time::ClockTime;
use crate::domain::{quickmarks, EntryKind, Incident, Invalid, LogEntry};
use crate::store::{Draft, EntrySummary, NewEntryRecord};
use crate::text::nfc;

pub use crate::domain::log::RETRACTED;
use chrono::{DateTime, Local, Utc};
use serde::Deserialize;
use std::io::BufRead;
use uuid::Uuid;

/// An entry as the user typed it.
#[derive(Debug, Clone)]
pub struct EntryInput {
    pub text: String,
    /// When typing began (the TUI's first keystroke; the CLI's start).
    pub started_at: DateTime<Utc>,
    /// An explicit time (`--at`), overriding both the first keystroke and a typed prefix.
    pub at: Option<DateTime<Utc>>,
    pub corrects: Option<Uuid>,
    pub significant: bool,
}

impl EntryInput {
    pub fn now(text: impl Into<String>) -> EntryInput {
        EntryInput { text: text.into(), started_at: Utc::now(), at: None, corrects: None, significant: false }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    /// Lines whose entry id was already in the log (imported before).
    pub already_there: usize,
}

/// What a retraction takes back with the entry.
#[derive(Debug, Default)]
pub struct Voids {
    /// Open tasks made from the entry or announced by it: cancelled.
    pub tasks: Vec<crate::domain::task::Task>,
    /// A meeting the entry announced the planning or start of, not ended yet: void.
    pub meeting: Option<crate::domain::meeting::Meeting>,
}

impl Session {
    /// Writing needs an open incident; say how to reopen it. Asks the database, not
    /// the copy the caller holds: another terminal may have closed it meanwhile.
    pub(super) fn ensure_open(&self, incident: &Incident) -> Result<()> {
        let current = self.store.incident_by_id(incident.id)?;
        if current.as_ref().is_some_and(Incident::is_open) {
            return Ok(());
        }
        let n = incident.number;
        Err(AppError::Usage(self.lang.pick(format!("hendelse {n} er avsluttet; gjenåpne den med `sitroom incident reopen {n}` (eller Ctrl-R i hendelsesvelgeren) for å loggføre i den"),
            format!("incident {n} is closed; reopen it with `sitroom incident reopen {n}` to log in it"),
        )))
    }

    fn check_text(&self, text: &str) -> Result<()> {
        if text.trim().is_empty() {
            return Err(self.invalid("en tom loggføring lagres ikke", "an empty entry is not logged"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(Invalid::new(
                format!("loggføringen er lengre enn {MAX_TEXT_CHARS} tegn"),
                format!("the entry is longer than {MAX_TEXT_CHARS} characters"),
            )
            .into());
        }
        Ok(())
    }

    fn record(&self, input: &EntryInput, now: DateTime<Utc>) -> Result<NewEntryRecord> {
        let text = nfc(&input.text.replace("\r\n", "\n"));
        self.check_text(&text)?;
        let marked = quickmarks::parse(&text);
        if let Some(typed) = &marked.not_a_time {
            return Err(Invalid::new(
                format!("«{typed}» er ikke et klokkeslett: skriv for eksempel 14:32 foran teksten (loggføringen er ikke lagret)"),
                format!("'{typed}' is not a time of day: write e.g. 14:32 before the text (the entry is not saved)"),
            )
            .into());
        }
        self.check_text(&marked.text)?;
        let local_start = input.started_at.with_timezone(&Local);
        let reported_at = input
            .at
            .or_else(|| marked.at.map(|c: ClockTime| c.resolve(&local_start)))
            .unwrap_or(input.started_at);
        Ok(NewEntryRecord {
            id: Uuid::now_v7(),
            text: marked.text,
            author: self.user.clone(),
            device: self.device.clone(),
            reported_at,
            recorded_at: now,
            kind: marked.kind,
            tags: marked.tags,
            mentions: marked.mentions,
            significant: input.significant,
            corrects: input.corrects,
        })
    }

    /// Commit one entry durably (on disk when this returns) and clear the user's draft.
    pub fn add_entry(&mut self, incident: &Incident, input: EntryInput) -> Result<LogEntry> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let mut record = self.record(&input, Utc::now())?;
        if record.kind == crate::domain::EntryKind::Decision || record.significant {
            self.permit(Permission::Decide)?;
        }
        // During a meeting every entry is tagged with it and its agenda item.
        if let Some(m) = self.store.ongoing_meeting(incident)? {
            for t in m.entry_tags() {
                if !record.tags.contains(&t) {
                    record.tags.push(t);
                }
            }
        }
        let mut added = self.store.append_entries(incident, [record])?;
        self.store.save_draft(&self.user, incident.id, None)?;
        Ok(added.pop().expect("a new id is never a duplicate"))
    }

    /// What taking back an entry would void: the open tasks made from it or announced
    /// by it (a stray `t` made "Oppgave 4 opprettet …"), and the meeting it announced
    /// the planning or start of (a stray `m`), while that meeting has not ended.
    pub fn retraction_voids(&self, incident: &Incident, seq: i64) -> Result<Voids> {
        let entry = self.entry(incident, seq)?;
        let announced = self.store.announced_by(entry.id)?;
        let made_task = announced.as_ref().filter(|a| a.made && a.kind == "task").map(|a| a.id);
        let tasks = self.store.tasks(incident)?;
        let tasks = tasks
            .into_iter()
            .filter(|t| t.status.is_open() && (t.from_entries.contains(&entry.id) || Some(t.id) == made_task))
            .collect();
        // Only the entry that planned the meeting (made with it) or started it: one
        // that moved its agenda on ("sak 2") takes back that entry, not the meeting.
        let meeting = match announced {
            Some(a) if a.kind == "meeting" => self.store.meetings(incident)?.into_iter().find(|m| {
                let planned_or_started =
                    a.made || entry.text.starts_with(&crate::app::meetings::started_text(m));
                m.id == a.id
                    && planned_or_started
                    && matches!(m.status, MeetingStatus::Planned | MeetingStatus::Ongoing)
            }),
            _ => None,
        };
        Ok(Voids { tasks, meeting })
    }

    /// Take back an entry written by mistake, keeping the log append-only: a retraction
    /// ("Feilført – se bort fra") is written as its correction, so it is shown struck
    /// through like any corrected entry, and the open tasks it made or announced are
    /// cancelled, each with its own automatic entry. The draft in the entry line is
    /// left alone.
    pub fn retract(&mut self, incident: &Incident, seq: i64) -> Result<(LogEntry, Vec<i64>)> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let entry = self.entry(incident, seq)?;
        let voids = self.retraction_voids(incident, seq)?;
        if !voids.tasks.is_empty() {
            self.permit(Permission::ManageTasks)?;
        }
        let text = RETRACTED.get(self.lang);
        let input = EntryInput { corrects: Some(entry.id), ..EntryInput::now(text) };
        let record = self.record(&input, Utc::now())?;
        let written =
            self.store.append_entries(incident, [record])?.pop().expect("a new id is never a duplicate");
        let mut cancelled = Vec::new();
        for t in voids.tasks {
            self.set_task_status(incident, t.number, crate::domain::task::TaskStatus::Cancelled)?;
            cancelled.push(t.number);
        }
        if let Some(m) = voids.meeting {
            self.void_meeting(incident, m.number)?;
        }
        Ok((written, cancelled))
    }

    /// Mark an entry significant or not; the marking is logged.
    pub fn set_significant(&mut self, entry_id: Uuid, significant: bool) -> Result<()> {
        self.permit(Permission::Decide)?;
        Ok(self.store.set_significant(entry_id, significant, &self.user, &self.device, Utc::now())?)
    }

    pub fn entries(&self, incident: &Incident) -> Result<Vec<LogEntry>> {
        Ok(self.store.entries(incident)?)
    }

    pub fn entry(&self, incident: &Incident, seq: i64) -> Result<LogEntry> {
        Ok(self.store.entry_by_seq(incident, seq)?)
    }

    /// Visit entries `after < seq <= until`, in order, for the log view.
    pub fn for_each_summary(
        &self,
        incident: &Incident,
        after: i64,
        until: i64,
        f: impl FnMut(&EntrySummary<'_>),
    ) -> Result<()> {
        Ok(self.store.for_each_summary(incident.id, after, until, f)?)
    }

    pub fn last_seq(&self, incident: &Incident) -> Result<i64> {
        Ok(self.store.last_seq(incident.id)?)
    }

    /// The log, task board and latest approved sitrep as they stood at `at`.
    pub fn as_of(&self, incident: &Incident, at: DateTime<Utc>) -> Result<crate::store::AsOf> {
        Ok(self.store.as_of(incident, at)?)
    }

    /// Prove the incident's hash chain intact: the number of entries checked, or the
    /// first entry at fault.
    pub fn verify(&self, incident: &Incident) -> Result<std::result::Result<usize, ChainBreak>> {
        let entries = self.store.entries(incident)?;
        Ok(verify_chain(incident.id, &entries))
    }

    /// How far each replica's chain in the incident is signed, checked against the
    /// signatures (the server's with the key it gave at sign-in): Err names what was
    /// removed or altered after it was signed, the newest entries included.
    pub fn signatures(
        &self,
        incident: &Incident,
    ) -> Result<std::result::Result<Vec<crate::replication::checkpoint::ChainSigned>, String>> {
        let entries = self.store.entries(incident)?;
        let checkpoints = self.store.checkpoints(incident.id)?;
        let server_key = self.store.meta("server_key")?;
        Ok(crate::replication::checkpoint::check(incident.id, &entries, &checkpoints, server_key.as_deref()))
    }

    pub fn save_draft(&self, incident: &Incident, draft: Option<&Draft>) -> Result<()> {
        Ok(self.store.save_draft(&self.user, incident.id, draft)?)
    }

    pub fn load_draft(&self, incident: &Incident) -> Result<Option<Draft>> {
        Ok(self.store.load_draft(&self.user, incident.id)?)
    }

    /// Import entries in bulk, all or nothing. Each line is either a JSON object of the
    /// shape `log list --json` prints (only `text` is required; an `id` already in the
    /// log is skipped, so importing twice is harmless), or a line as a logger types it,
    /// quick marks and all. Blank lines and lines starting with `# ` are comments.
    pub fn import(&mut self, incident: &Incident, reader: impl BufRead) -> Result<ImportReport> {
        self.permit(Permission::WriteLog)?;
        self.ensure_open(incident)?;
        let now = Utc::now();
        let mut records = Vec::new();
        // A typed line without a time prefix was said after the line before it: it
        // inherits that line's time, as it would have in the entry line.
        let mut last_at = now;
        // Each entry's id follows from the incident, the whole file and the line's
        // place in it, so importing the same file again (after a crash that hid
        // whether the first import committed, say) finds every entry already there
        // and adds nothing, while another file is always new.
        let mut text = String::new();
        let mut reader = reader;
        reader.read_to_string(&mut text).map_err(|e| AppError::Usage(format!("cannot read: {e}")))?;
        let mut seed = incident.id.as_bytes().to_vec();
        seed.extend(crate::text::sha256_hex(text.as_bytes()).as_bytes());
        let file_id = Uuid::new_v5(&IMPORT_IDS, &seed);
        let progress = self.progress.clone();
        progress.begin(Work::ImportEntries, Some(text.lines().count() as u64));
        let ended = Ended(&*progress);
        for (i, line) in text.lines().enumerate() {
            let lineno = i + 1;
            progress.advance(1);
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with("# ") || trimmed == "#" {
                continue;
            }
            let chain = Uuid::new_v5(&file_id, lineno.to_string().as_bytes());
            let record = if trimmed.starts_with('{') {
                let parsed: ImportLine = serde_json::from_str(trimmed)
                    .map_err(|e| AppError::Usage(format!("line {lineno}: not a valid entry: {e}")))?;
                let given = parsed.id.is_some();
                self.import_record(parsed, now).map(|mut r| {
                    if !given {
                        r.id = chain;
                    }
                    r
                })
            } else {
                self.record(&EntryInput { started_at: last_at, ..EntryInput::now(trimmed) }, now).map(
                    |mut r| {
                        r.id = chain;
                        r
                    },
                )
            }
            .map_err(|e| AppError::Usage(format!("line {lineno}: {e}")))?;
            last_at = record.reported_at;
            records.push(record);
        }
        let total = records.len();
        progress.begin(Work::WriteEntries, None);
        let added = self.store.append_entries(incident, records)?.len();
        drop(ended);
        Ok(ImportReport { added, already_there: total - added })
    }

    fn import_record(&self, line: ImportLine, now: DateTime<Utc>) -> Result<NewEntryRecord> {
        let text = nfc(&line.text);
        let mut rec = match line.kind {
            // A kind given means the text is final: no quick marks to strip.
            Some(kind) => {
                self.check_text(&text)?;
                let marked = quickmarks::parse(&text);
                NewEntryRecord {
                    id: Uuid::now_v7(),
                    kind,
                    tags: marked.tags,
                    mentions: marked.mentions,
                    text,
                    author: self.user.clone(),
                    device: self.device.clone(),
                    reported_at: now,
                    recorded_at: now,
                    significant: false,
                    corrects: None,
                }
            }
            None => {
                let start = line.reported_at.unwrap_or(now);
                self.record(&EntryInput { started_at: start, ..EntryInput::now(text) }, now)?
            }
        };
        if let Some(id) = line.id {
            rec.id = id;
        }
        if let Some(a) = line.author.filter(|a| !a.trim().is_empty()) {
            rec.author = nfc(&a);
        }
        if let Some(d) = line.device.filter(|d| !d.trim().is_empty()) {
            rec.device = d;
        }
        if let Some(t) = line.reported_at {
            rec.reported_at = t;
        }
        if let Some(t) = line.recorded_at {
            rec.recorded_at = t;
        }
        if let Some(tags) = line.tags {
            rec.tags = tags;
        }
        if let Some(m) = line.mentions {
            rec.mentions = m;
        }
        rec.significant = line.significant.unwrap_or(false);
        rec.corrects = line.corrects;
        Ok(rec)
    }
}

/// Where the ids of imported entries are made from (UUIDv5).
const IMPORT_IDS: Uuid = Uuid::from_u128(0x5f1d_2c0e_8a4b_4e6f_9b1d_0c3a_7e2f_4d11);

/// The same as [`Session::for_each_summary`] on a connection of its own to the
/// database at `db`, for a background thread that loads history while the UI runs.
pub fn for_each_summary_at(
    db: &std::path::Path,
    incident_id: Uuid,
    after: i64,
    until: i64,
    f: impl FnMut(&EntrySummary<'_>),
) -> Result<()> {
    Ok(crate::store::Store::open(db)?.for_each_summary(incident_id, after, until, f)?)
}

/// One JSON line of `log import`: the `log list --json` shape, all but `text` optional.
/// Chain fields (`seq`, `prev_hash`, `hash`, `incident`) are recomputed for the target.
#[derive(Deserialize)]
struct ImportLine {
    id: Option<Uuid>,
    text: String,
    author: Option<String>,
    device: Option<String>,
    #[serde(default, with = "opt_rfc3339")]
    reported_at: Option<DateTime<Utc>>,
    #[serde(default, with = "opt_rfc3339")]
    recorded_at: Option<DateTime<Utc>>,
    kind: Option<EntryKind>,
    tags: Option<Vec<String>>,
    mentions: Option<Vec<String>>,
    significant: Option<bool>,
    corrects: Option<Uuid>,
}

mod opt_rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| serde::de::Error::custom(format!("'{s}' is not an RFC 3339 time: {e}")))
            })
            .transpose()
    }
}

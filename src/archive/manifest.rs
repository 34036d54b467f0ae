//! Writing an archive folder and checking it later. The manifest lists every file
//! with its SHA-256; the log in `record.json` carries its hash chain, checked again on
//! verify, so an edit that also rewrote the manifest is still found in the log.

use super::record::{ChainHead, Record, Scope};
use crate::domain::log::verify_chain_from;
use crate::keys::{Seal, Sealed, Sealer};
use crate::text::sha256_hex;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "sitroom-archive/1";
/// Columns of the plain-text record: prints on A4 in a monospaced font.
const TEXT_WIDTH: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub installation: String,
    pub incident_id: uuid::Uuid,
    pub incident_number: i64,
    pub incident_title: String,
    pub scope: Scope,
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
    pub log_entries: usize,
    pub chain_heads: Vec<ChainHead>,
    pub files: Vec<ManifestFile>,
    /// The writer's seal over the manifest, so over every file's SHA-256: a changed
    /// file with a recomputed manifest is found.
    #[serde(flatten)]
    pub seal: Seal,
}

impl Sealed for Manifest {
    fn seal(&self) -> &Seal {
        &self.seal
    }
    fn seal_mut(&mut self) -> &mut Seal {
        &mut self.seal
    }
}

fn write_file(dir: &Path, rel: &str, bytes: &[u8], files: &mut Vec<ManifestFile>) -> std::io::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut f = std::fs::File::create(&path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    files.push(ManifestFile { path: rel.to_string(), sha256: sha256_hex(bytes), bytes: bytes.len() as u64 });
    Ok(())
}

/// Write `record` into `dir`, which must not exist or be empty: an archive is written
/// once, never over another.
pub fn write(dir: &Path, record: &Record, sealer: Option<&Sealer>) -> std::io::Result<Manifest> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} is not empty; an archive is written to a new folder", dir.display()),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    let doc = super::render::document(record);
    write_file(dir, "record.json", &serde_json::to_vec(record).map_err(std::io::Error::other)?, &mut files)?;
    write_file(
        dir,
        "documents.json",
        &serde_json::to_vec(&record.documents()).map_err(std::io::Error::other)?,
        &mut files,
    )?;
    write_file(dir, "record.html", doc.to_html().as_bytes(), &mut files)?;
    write_file(dir, "record.txt", doc.to_text(TEXT_WIDTH).as_bytes(), &mut files)?;
    for a in &record.attachments {
        write_file(dir, &a.path, &a.data, &mut files)?;
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        format: FORMAT.into(),
        installation: record.installation.clone(),
        incident_id: record.incident.id,
        incident_number: record.incident.number,
        incident_title: record.incident.title.clone(),
        scope: record.scope.clone(),
        generated_at: record.generated_at,
        generated_by: record.generated_by.clone(),
        log_entries: record.log.len(),
        chain_heads: record.chain_heads.clone(),
        files,
        seal: Seal::default(),
    };
    let mut manifest = manifest;
    if let Some(by) = sealer {
        manifest.sign(by);
    }
    let mut f = std::fs::File::create(dir.join(MANIFEST))?;
    f.write_all(&serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    Ok(manifest)
}

/// Something wrong with an archive folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Changed(String),
    Missing(String),
    Added(String),
    /// The log's hash chain does not hold.
    Chain(String),
    Manifest(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Changed(p) => write!(f, "changed: {p} (its SHA-256 differs from the manifest)"),
            Problem::Missing(p) => write!(f, "missing: {p}"),
            Problem::Added(p) => write!(f, "added: {p} (not in the manifest)"),
            Problem::Chain(why) => write!(f, "log: {why}"),
            Problem::Manifest(why) => write!(f, "manifest: {why}"),
        }
    }
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// Archives (folders with a manifest) checked.
    pub archives: usize,
    pub files: usize,
    pub entries: usize,
    /// Replicas' chains found signed (checkpoints that hold).
    pub signed_chains: usize,
    pub problems: Vec<Problem>,
}

/// Every file below `dir`, relative to it, with `/` separators.
fn files_below(dir: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(dir.join(&rel))? {
            let e = e?;
            let r = rel.join(e.file_name());
            if e.file_type()?.is_dir() {
                stack.push(r);
            } else {
                out.insert(r.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(out)
}

/// Check an archive folder, or a journal folder of many (each folder with a manifest),
/// whose log chains are followed from one batch to the next.
/// `server_key`: the sync server this replica knows, whose certificates and
/// countersignatures vouch for who wrote what.
pub fn verify(dir: &Path, server_key: Option<&str>) -> std::io::Result<Verified> {
    let mut v = Verified::default();
    let all = files_below(dir)?;
    let mut archives: Vec<String> = all
        .iter()
        .filter_map(|f| f.strip_suffix(MANIFEST))
        .filter(|prefix| prefix.is_empty() || prefix.ends_with('/'))
        .map(str::to_string)
        .collect();
    archives.sort();
    if archives.is_empty() {
        v.problems.push(Problem::Manifest(format!("no {MANIFEST} in {}", dir.display())));
        return Ok(v);
    }
    let mut covered: BTreeSet<String> = BTreeSet::new();
    // Per incident, per replica: the hash the next batch's entries must follow.
    // Per journal (the folder holding an incident's batches): the heads of the log's
    // chains after the last batch, and how far into the oplog it went.
    let mut journals: HashMap<String, (HashMap<String, String>, i64)> = HashMap::new();
    for prefix in &archives {
        covered.insert(format!("{prefix}{MANIFEST}"));
        let sub = dir.join(prefix);
        let manifest: Manifest = match std::fs::read(sub.join(MANIFEST))
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(m) => m,
            Err(e) => {
                v.problems.push(Problem::Manifest(format!("{prefix}{MANIFEST} cannot be read: {e}")));
                continue;
            }
        };
        v.archives += 1;
        if !manifest.seal.signature.is_empty() {
            match manifest.check_seal(server_key) {
                Err(_) => v.problems.push(Problem::Manifest(format!(
                    "{prefix}{MANIFEST} does not match its writer's signature: it was changed"
                ))),
                Ok(Some(false)) => v.problems.push(Problem::Manifest(format!(
                    "{prefix}{MANIFEST} was signed by a replica your sync server has not vouched for"
                ))),
                Ok(_) => {}
            }
        }
        let mut intact_record = false;
        for f in &manifest.files {
            let rel = format!("{prefix}{}", f.path);
            covered.insert(rel.clone());
            v.files += 1;
            match std::fs::read(dir.join(&rel)) {
                Ok(bytes) if sha256_hex(&bytes) == f.sha256 => {
                    intact_record |= f.path == "record.json";
                }
                Ok(_) => v.problems.push(Problem::Changed(rel)),
                Err(_) => v.problems.push(Problem::Missing(rel)),
            }
        }
        if !intact_record {
            continue;
        }
        let bytes = std::fs::read(sub.join("record.json"))?;
        let record: Record = match serde_json::from_slice(&bytes) {
            Ok(r) => r,
            Err(e) => {
                v.problems.push(Problem::Manifest(format!("{prefix}record.json cannot be read: {e}")));
                continue;
            }
        };
        v.entries += record.log.len();
        // A batch's folder sits in its incident's journal folder, in batch order.
        let journal = prefix.trim_end_matches('/').rsplit_once('/').map(|(j, _)| j).unwrap_or("").to_string();
        let start = match manifest.scope {
            Scope::Full => HashMap::new(),
            Scope::Increment { batch, after, .. } => {
                let (heads, through) = journals.get(&journal).cloned().unwrap_or_default();
                if batch > 1 && after != through {
                    v.problems.push(Problem::Missing(format!(
                        "{prefix}: the batch before batch {batch} (the journal does not run on from it)"
                    )));
                }
                heads
            }
        };
        // The signed heads: in a whole archive every checkpoint's entry must be there,
        // unchanged, at its place; in a journal batch, those whose entry is in it.
        let signed = match manifest.scope {
            Scope::Full => crate::replication::checkpoint::check(
                record.incident.id,
                &record.log,
                &record.checkpoints,
                server_key,
            ),
            Scope::Increment { .. } => {
                crate::replication::checkpoint::check_heads(&record.log, &record.checkpoints)
                    .map(|()| Vec::new())
            }
        };
        match signed {
            Ok(chains) => v.signed_chains += chains.iter().filter(|c| c.signed_through.is_some()).count(),
            Err(why) => v.problems.push(Problem::Chain(format!("{prefix}record.json: {why}"))),
        }
        match verify_chain_from(record.incident.id, start, &record.log) {
            Ok(ends) => {
                let expected: BTreeMap<_, _> =
                    manifest.chain_heads.iter().map(|h| (h.origin.clone(), h.hash.clone())).collect();
                let found: BTreeMap<_, _> = ends.clone().into_iter().collect();
                if expected != found {
                    v.problems.push(Problem::Chain(format!(
                        "{prefix}: the heads of the log's chains are not those in the manifest"
                    )));
                }
                if let Scope::Increment { through, .. } = manifest.scope {
                    journals.insert(journal, (ends, through));
                }
            }
            Err(b) => v.problems.push(Problem::Chain(format!("{prefix}record.json: {b}"))),
        }
    }
    for f in all.difference(&covered) {
        // The journal's own state file sits beside the batches.
        if f != super::JOURNAL_STATE {
            v.problems.push(Problem::Added(f.clone()));
        }
    }
    Ok(v)
}

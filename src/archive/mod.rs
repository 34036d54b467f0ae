//! The archive (arkivering, journalføring): an incident's record written to a folder
//! as HTML (opens in any browser, prints well), plain text and JSON, with a manifest
//! holding the SHA-256 of every file and the heads of the log's hash chains, and a
//! check that finds any file changed, missing or added. No terminal and no database
//! here: the record is gathered by `app::archive` and written by this module.

mod manifest;
mod record;
mod render;

pub use manifest::{verify, write, Manifest, ManifestFile, Problem, Verified};
pub use record::{ChainHead, Document, Record, RecordAttachment, Scope};
pub use render::tasks_table;

/// The journal folder's state file: what each incident's last batch covered.
pub const JOURNAL_STATE: &str = "journal.json";

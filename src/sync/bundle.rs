//! Bundles: the same ops as the wire carries, in a file, for a USB stick or an e-mail
//! attachment between installations or to a machine with no link. Importing a bundle
//! twice changes nothing: ops are applied once, by id.

use crate::replication::Op;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// First bytes of the (uncompressed) JSON, to tell a bundle from any other file.
const MAGIC: &str = "sitroom-bundle";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub version: u32,
    /// The replica that wrote it.
    pub origin: String,
    /// Its oplog position after the last op: `--since` for the next export.
    pub through: i64,
    pub ops: Vec<Op>,
    /// The public keys of the replicas whose signed ops it carries.
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, String>,
    /// Signed heads of the chains whose entries it carries: the writer's, made as it
    /// was written, and those it had from others (countersigned by the server).
    #[serde(default)]
    pub checkpoints: Vec<crate::replication::checkpoint::Checkpoint>,
    /// The writer's seal over the whole bundle, every op in it, its own or received
    /// (its organisation and certificate empty if it never signed in).
    #[serde(flatten)]
    pub seal: crate::keys::Seal,
}

impl crate::keys::Sealed for Bundle {
    fn seal(&self) -> &crate::keys::Seal {
        &self.seal
    }
    fn seal_mut(&mut self) -> &mut crate::keys::Seal {
        &mut self.seal
    }
}

impl Bundle {
    /// The incidents whose log the bundle's ops write in: whose chain heads travel
    /// with it and are checked when it is applied.
    pub fn log_incidents(&self) -> std::collections::BTreeSet<uuid::Uuid> {
        self.ops.iter().filter(|o| o.kind == crate::replication::Kind::LogEntry).map(|o| o.incident).collect()
    }

    /// A bundle of `ops` written by replica `origin` with `key`: its own ops are
    /// signed, so that whoever carries them on can be checked.
    pub fn new(origin: String, through: i64, mut ops: Vec<Op>, key: &crate::keys::SigningKey) -> Bundle {
        for op in ops.iter_mut().filter(|op| op.origin == origin) {
            op.sig = key.sign(&op.signed_bytes());
        }
        let mut keys = std::collections::BTreeMap::new();
        keys.insert(origin.clone(), key.public());
        Bundle {
            format: MAGIC.into(),
            version: VERSION,
            origin,
            through,
            ops,
            keys,
            checkpoints: Vec::new(),
            seal: Default::default(),
        }
    }

    /// The writer's seal holds and is the writer's (the key the bundle gives for it);
    /// given the sync server's key, whether the writer is vouched for (see
    /// [`crate::keys::Sealed::check_seal`]).
    pub fn check_writer(&self, server_key: Option<&str>) -> Result<Option<bool>, String> {
        use crate::keys::Sealed;
        let altered = |why: &str| format!("the bundle was altered: {why}");
        if self.seal.replica != self.origin || self.keys.get(&self.origin) != Some(&self.seal.key) {
            return Err(altered("its seal is not its writer's"));
        }
        self.check_seal(server_key).map_err(|why| altered(&why))
    }

    /// Within each replica's chain, every entry the bundle carries after another of
    /// the same chain must follow it: an entry changed on the way breaks the link to
    /// the next. (The first of each chain links to what the receiver has, if it has.)
    pub fn check_links(&self, known: impl Fn(&Op) -> Option<String>) -> Result<(), String> {
        let mut entries: Vec<&Op> = self
            .ops
            .iter()
            .filter(|o| {
                o.kind == crate::replication::Kind::LogEntry && o.action == crate::replication::Action::Create
            })
            .collect();
        entries.sort_by_key(|o| (o.incident, o.origin.clone(), o.hlc));
        let mut last: Option<(&Op, String)> = None;
        for op in entries {
            let prev = op.field_str("prev_hash").unwrap_or_default();
            let before = match &last {
                Some((p, hash)) if p.incident == op.incident && p.origin == op.origin => Some(hash.clone()),
                _ => None,
            };
            let prev_full = match &before {
                Some(hash) => {
                    if prev.is_empty() || !hash.starts_with(prev) {
                        return Err(format!(
                            "the bundle was altered: entry {} of replica {} does not follow the entry before it",
                            op.entity, op.origin
                        ));
                    }
                    hash.clone()
                }
                // The chain's first entry here: its own hash can still be computed
                // once its predecessor is known; what follows is checked against it.
                None if crate::domain::log::GENESIS_HASH.starts_with(prev) && !prev.is_empty() => {
                    crate::domain::log::GENESIS_HASH.to_string()
                }
                None => match known(op) {
                    Some(hash) => hash,
                    None => {
                        last = None;
                        continue;
                    }
                },
            };
            let hash = crate::store::entry_hash_of(op, &prev_full)
                .map_err(|e| format!("the bundle was altered: {e}"))?;
            last = Some((op, hash));
        }
        Ok(())
    }

    /// Every signed op checks against the key the bundle gives for its replica;
    /// the first that does not is named.
    pub fn check_signatures(&self) -> Result<(), String> {
        for op in self.ops.iter().filter(|op| !op.sig.is_empty()) {
            let key = self.keys.get(&op.origin).ok_or_else(|| {
                format!("the bundle carries a signed change of replica '{}' but not its key", op.origin)
            })?;
            if !crate::keys::verify(key, &op.signed_bytes(), &op.sig) {
                return Err(format!(
                    "the bundle was altered: change {} ({} {}) does not match its signature",
                    op.id,
                    op.kind.name(),
                    op.entity
                ));
            }
        }
        Ok(())
    }

    pub fn write(&self, to: impl Write) -> std::io::Result<()> {
        let mut z = zstd::stream::write::Encoder::new(to, 9)?;
        serde_json::to_writer(&mut z, self)?;
        z.finish()?.flush()
    }

    pub fn read(from: impl Read) -> Result<Bundle, String> {
        let z = zstd::stream::read::Decoder::new(from).map_err(|e| e.to_string())?;
        let bundle: Bundle = serde_json::from_reader(std::io::BufReader::new(z))
            .map_err(|e| format!("not a sitroom bundle, or a damaged one: {e}"))?;
        if bundle.format != MAGIC {
            return Err("not a sitroom bundle".into());
        }
        if bundle.version != VERSION {
            return Err(format!(
                "bundle format version {} is not supported (this program reads version {VERSION})",
                bundle.version
            ));
        }
        Ok(bundle)
    }
}

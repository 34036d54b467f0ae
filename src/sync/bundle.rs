//! Bundles: the same ops as the wire carries, in a file, for a USB stick or an e-mail
//! attachment between installations or to a machine with no link. Importing a bundle
//! twice changes nothing: ops are applied once, by id.

use super::Op;
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
}

impl Bundle {
    /// A bundle of `ops` written by replica `origin` with `key`: its own ops are
    /// signed, so that whoever carries them on can be checked.
    pub fn new(origin: String, through: i64, mut ops: Vec<Op>, key: &super::keys::SigningKey) -> Bundle {
        for op in ops.iter_mut().filter(|op| op.origin == origin) {
            op.sig = key.sign(&op.signed_bytes());
        }
        let mut keys = std::collections::BTreeMap::new();
        keys.insert(origin.clone(), key.public());
        Bundle { format: MAGIC.into(), version: VERSION, origin, through, ops, keys }
    }

    /// Every signed op checks against the key the bundle gives for its replica;
    /// the first that does not is named.
    pub fn check_signatures(&self) -> Result<(), String> {
        for op in self.ops.iter().filter(|op| !op.sig.is_empty()) {
            let key = self.keys.get(&op.origin).ok_or_else(|| {
                format!("the bundle carries a signed change of replica '{}' but not its key", op.origin)
            })?;
            if !super::keys::verify(key, &op.signed_bytes(), &op.sig) {
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

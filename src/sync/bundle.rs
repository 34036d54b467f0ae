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
}

impl Bundle {
    pub fn new(origin: String, through: i64, ops: Vec<Op>) -> Bundle {
        Bundle { format: MAGIC.into(), version: VERSION, origin, through, ops }
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

//! Signed history. The hash chain shows that nothing inside a replica's chain was
//! changed, but not that its newest entries are the ones written: the last entry can be
//! removed, or rewritten with its hash recomputed. So each replica now and then signs
//! the head of its chain in an incident (a *checkpoint*: "my first N entries here end
//! in entry E, whose hash is H"), with the key it registered at sign-in. The server
//! checks it against its own copy, countersigns it with the organisation it knows the
//! replica by, and hands it on with the entries. Anyone with the public keys can then
//! check a log, a bundle or an archive up to its last signed entry.

use crate::domain::log::LogEntry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A replica signs its chain's head at most this often (or after this many entries):
/// one signature for many entries keeps the wire small.
pub const SIGN_EVERY_MS: i64 = 120_000;
pub const SIGN_EVERY_ENTRIES: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(rename = "n")]
    pub incident: Uuid,
    /// The replica whose chain it is.
    #[serde(rename = "o", default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    /// How many entries the chain has in the incident, up to and with the head.
    #[serde(rename = "c")]
    pub count: i64,
    /// The head entry and its hash.
    #[serde(rename = "e", default, skip_serializing_if = "Uuid::is_nil")]
    pub entry: Uuid,
    #[serde(rename = "h", default, skip_serializing_if = "String::is_empty")]
    pub head: String,
    /// When it was signed (ms).
    #[serde(rename = "t", default, skip_serializing_if = "is_zero")]
    pub at: i64,
    /// The replica's public key, and its signature over [`Checkpoint::message`].
    #[serde(rename = "k", default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(rename = "g", default, skip_serializing_if = "String::is_empty")]
    pub sig: String,
    /// The organisation the server knows the replica's incident by, and the server's
    /// signature over the message and it.
    #[serde(rename = "r", default, skip_serializing_if = "String::is_empty")]
    pub org: String,
    #[serde(rename = "s", default, skip_serializing_if = "String::is_empty")]
    pub server_sig: String,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Checkpoint {
    /// What the replica that made it needs back once the server countersigned it:
    /// which one, and the countersignature (it has the rest).
    pub fn countersignature_only(&self) -> Checkpoint {
        Checkpoint {
            incident: self.incident,
            origin: String::new(),
            count: self.count,
            entry: Uuid::nil(),
            head: String::new(),
            at: 0,
            key: String::new(),
            sig: String::new(),
            org: self.org.clone(),
            server_sig: self.server_sig.clone(),
        }
    }

    /// What the replica signs.
    pub fn message(&self) -> Vec<u8> {
        format!(
            "sitroom-checkpoint/1\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.incident, self.origin, self.count, self.entry, self.head, self.at, self.key
        )
        .into_bytes()
    }

    /// What the server signs: the replica's word and the organisation it vouches for.
    pub fn countersigned_message(&self) -> Vec<u8> {
        let mut m = self.message();
        m.extend(format!("\n{}\n{}", self.sig, self.org).as_bytes());
        m
    }

    pub fn signed(mut self, key: &crate::keys::SigningKey) -> Checkpoint {
        self.key = key.public();
        self.sig = key.sign(&self.message());
        self
    }

    pub fn replica_signature_holds(&self) -> bool {
        crate::keys::verify(&self.key, &self.message(), &self.sig)
    }

    pub fn server_signature_holds(&self, server_key: &str) -> bool {
        !self.server_sig.is_empty()
            && crate::keys::verify(server_key, &self.countersigned_message(), &self.server_sig)
    }
}

/// How far one replica's chain in an incident is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainSigned {
    pub origin: String,
    pub entries: usize,
    /// The last signed entry's number in the log (seq), if any is signed.
    pub signed_through: Option<i64>,
    /// When that checkpoint was signed (ms), and whether the server countersigned it.
    pub signed_at: Option<i64>,
    pub countersigned: bool,
    /// Entries written after the last checkpoint: not yet signed.
    pub after: usize,
}

/// For part of a log (a journal batch): every checkpoint whose entry is among
/// `entries` must hold, and name that entry's hash.
pub fn check_heads(entries: &[LogEntry], checkpoints: &[Checkpoint]) -> Result<(), String> {
    for cp in checkpoints {
        let Some(e) = entries.iter().find(|e| e.id == cp.entry) else { continue };
        if !cp.replica_signature_holds() {
            return Err(format!(
                "the checkpoint of replica {} carries a signature that does not hold",
                cp.origin
            ));
        }
        if e.hash != cp.head {
            return Err(format!(
                "entry #{} is not the entry replica {} signed: it was altered",
                e.seq, cp.origin
            ));
        }
    }
    Ok(())
}

/// Check `entries` (one incident's log, in log order) against the checkpoints for it:
/// every signature must hold (the server's with `server_key`, when known), and every
/// signed head must be the entry that is there now, at its place in its chain. Err
/// names what was removed or altered.
pub fn check(
    incident: Uuid,
    entries: &[LogEntry],
    checkpoints: &[Checkpoint],
    server_key: Option<&str>,
) -> Result<Vec<ChainSigned>, String> {
    let mut chains: BTreeMap<&str, Vec<&LogEntry>> = BTreeMap::new();
    for e in entries {
        chains.entry(e.origin.as_str()).or_default().push(e);
    }
    let mut out: BTreeMap<String, ChainSigned> = chains
        .iter()
        .map(|(o, c)| {
            let signed = ChainSigned {
                origin: o.to_string(),
                entries: c.len(),
                signed_through: None,
                signed_at: None,
                countersigned: false,
                after: c.len(),
            };
            (o.to_string(), signed)
        })
        .collect();
    for cp in checkpoints.iter().filter(|c| c.incident == incident) {
        if !cp.replica_signature_holds() {
            return Err(format!(
                "the checkpoint of replica {} at its entry {} carries a signature that does not hold",
                cp.origin, cp.count
            ));
        }
        // Countersigned by the server this replica knows; a countersignature under
        // another key (another server's) vouches for nothing here.
        let countersigned = server_key.is_some_and(|k| cp.server_signature_holds(k));
        let chain = chains.get(cp.origin.as_str()).map(Vec::as_slice).unwrap_or_default();
        let Some(at) =
            usize::try_from(cp.count).ok().and_then(|c| c.checked_sub(1)).and_then(|i| chain.get(i))
        else {
            return Err(format!(
                "replica {} signed {} entries in this log, but {} are here: signed entries were removed",
                cp.origin,
                cp.count,
                chain.len()
            ));
        };
        if at.id != cp.entry || at.hash != cp.head {
            return Err(format!(
                "entry #{} is not the entry replica {} signed at that place: it was altered or replaced",
                at.seq, cp.origin
            ));
        }
        let signed = out.get_mut(&cp.origin).expect("a chain with entries");
        if signed.signed_through.is_none_or(|_| chain.len() - (cp.count as usize) < signed.after) {
            signed.signed_through = Some(at.seq);
            signed.signed_at = Some(cp.at);
            signed.countersigned = countersigned;
            signed.after = chain.len() - cp.count as usize;
        }
    }
    Ok(out.into_values().collect())
}

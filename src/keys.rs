//! Signing keys. Each replica has an Ed25519 key of its own, made once and kept in its
//! database; the public half is registered with the server at sign-in, which binds the
//! replica's id to it, so that no other session can speak for that replica. The same
//! key signs what a replica vouches for when its ops travel without it (bundles).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use sha2::{Digest, Sha256};

/// A replica's signing key.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl SigningKey {
    pub fn generate() -> SigningKey {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).expect("the OS random source");
        SigningKey::from_pkcs8(doc.as_ref()).expect("a key ring just made")
    }

    pub fn from_pkcs8(bytes: &[u8]) -> Option<SigningKey> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes).ok()?;
        Some(SigningKey { pair, pkcs8: bytes.to_vec() })
    }

    /// The key as kept (base64 of its PKCS#8 document).
    pub fn to_text(&self) -> String {
        B64.encode(&self.pkcs8)
    }

    pub fn from_text(text: &str) -> Option<SigningKey> {
        SigningKey::from_pkcs8(&B64.decode(text.trim()).ok()?)
    }

    /// The public key, as it travels and is registered: base64, 43 characters.
    pub fn public(&self) -> String {
        B64.encode(self.pair.public_key().as_ref())
    }

    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.pair.sign(message).as_ref())
    }
}

/// Who vouches for a document that travels without its writer's session (a bundle, a
/// shared report, an archive's manifest): the replica that wrote it, its public key,
/// its organisation and the sync server's certificate that the key is one of that
/// organisation's replicas, and the writer's signature over the rest of the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seal {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub replica: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub org: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub certificate: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
}

/// Who seals what this database writes: on a sync server's own file the server's key
/// (every signed-in replica knows it), elsewhere the replica's, with the organisation
/// and certificate it was given at sign-in.
pub struct Sealer {
    pub key: SigningKey,
    pub replica: String,
    pub org: String,
    pub certificate: String,
}

/// A document with a [`Seal`] in it.
pub trait Sealed: serde::Serialize + Clone {
    fn seal(&self) -> &Seal;
    fn seal_mut(&mut self) -> &mut Seal;

    /// What the writer signs: the document as JSON without the signature.
    fn signed_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.seal_mut().signature.clear();
        serde_json::to_vec(&unsigned).expect("plain data")
    }

    fn sign(&mut self, by: &Sealer) {
        *self.seal_mut() = Seal {
            replica: by.replica.clone(),
            key: by.key.public(),
            org: by.org.clone(),
            certificate: by.certificate.clone(),
            signature: String::new(),
        };
        let signature = by.key.sign(&self.signed_bytes());
        self.seal_mut().signature = signature;
    }

    /// Does the writer's signature cover the document as it is (Err if not, or if it
    /// is unsigned)? And, given the sync server's key: is the writer that server, or
    /// one of its certified replicas (Some(true)), or not vouched for (Some(false))?
    fn check_seal(&self, server_key: Option<&str>) -> Result<Option<bool>, String> {
        let seal = self.seal();
        if seal.signature.is_empty() || !verify(&seal.key, &self.signed_bytes(), &seal.signature) {
            return Err("it does not match its writer's signature".into());
        }
        Ok(server_key.map(|server| {
            server == seal.key
                || verify(
                    server,
                    &certificate_message(&seal.replica, &seal.key, &seal.org),
                    &seal.certificate,
                )
        }))
    }
}

/// Whether `signature` (base64) is `public`'s (base64) over `message`.
pub fn verify(public: &str, message: &[u8], signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (B64.decode(public.trim()), B64.decode(signature.trim())) else {
        return false;
    };
    key.len() == 32 && UnparsedPublicKey::new(&ED25519, key).verify(message, &sig).is_ok()
}

/// A key's fingerprint as people compare it: SHA-256, base64, as OpenSSH shows keys.
pub fn fingerprint(public: &str) -> String {
    let raw = B64.decode(public.trim()).unwrap_or_default();
    format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(raw)))
}

/// What a replica signs to prove at sign-in that it holds the key it registers: the
/// account and the replica, so a proof cannot be reused for another of either.
pub fn login_message(user: &str, origin: &str, public: &str) -> Vec<u8> {
    format!("sitroom-login/1\n{user}\n{origin}\n{public}").into_bytes()
}

/// What the server signs when it certifies, at sign-in, that a replica's key belongs
/// to a replica of an organisation (as the server knows it).
pub fn certificate_message(origin: &str, public: &str, org: &str) -> Vec<u8> {
    format!("sitroom-replica/1\n{origin}\n{public}\n{org}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_key_and_message() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let sig = a.sign(b"hei");
        assert!(verify(&a.public(), b"hei", &sig));
        assert!(!verify(&a.public(), b"hei!", &sig));
        assert!(!verify(&b.public(), b"hei", &sig));
        assert!(!verify("not base64 !", b"hei", &sig));
        assert!(!verify(&a.public(), b"hei", "AAAA"));
        let again = SigningKey::from_text(&a.to_text()).unwrap();
        assert_eq!(again.public(), a.public());
        assert_eq!(a.public().len(), 43);
        assert!(fingerprint(&a.public()).starts_with("SHA256:"));
    }
}

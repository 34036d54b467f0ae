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

/// This replica's signing key, made the first time it is needed and kept in its
/// database (readable by its user alone).
pub fn of_replica(store: &crate::store::Store) -> Result<SigningKey, crate::store::StoreError> {
    let fresh = SigningKey::generate();
    // Two processes asking at once keep the same key: the first one written wins.
    let kept = store.meta_or_insert("signing_key", &fresh.to_text())?;
    SigningKey::from_text(&kept)
        .ok_or_else(|| crate::store::StoreError::Conflict("this database's signing key is damaged".into()))
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

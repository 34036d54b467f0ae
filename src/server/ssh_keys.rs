//! Who may open a sitroom session over SSH, and how the server is known: the public
//! keys registered per account (kept with their SHA-256 fingerprint, as `ssh-keygen
//! -lf` prints it, which is what a user compares), and the server's own host key,
//! made on first start and kept in its store (a file only its owner may read), so a
//! restart never changes the fingerprint users have checked.

use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PublicKey};

/// A registered key, as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SshKey {
    pub fingerprint: String,
    pub algorithm: String,
    pub comment: String,
    /// When it was registered (ms).
    pub added_at: i64,
}

/// A key about to be registered: what the store keeps of it.
pub struct Registered<'a> {
    pub fingerprint: &'a str,
    pub openssh: &'a str,
    pub algorithm: &'a str,
    pub comment: &'a str,
}

/// A public key as people hand it over: one line of an `id_ed25519.pub` or an
/// `authorized_keys` file (a line whose options limit the key is refused: those
/// limits are not enforced here). The key in OpenSSH's own form and its SHA-256 fingerprint. A private key
/// given by mistake is refused with a word about which file to give instead.
pub fn parse_public(line: &str) -> Result<(PublicKey, String), String> {
    let line = line.trim();
    if line.contains("PRIVATE KEY") {
        return Err("this is a private key: give the public one (the file ending in .pub)".into());
    }
    // The key starts at its type: ssh-ed25519, ssh-rsa, ecdsa-sha2-…, sk-….
    let words: Vec<&str> = line.split_whitespace().collect();
    let is_type = |w: &&str| w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-");
    match words.iter().position(is_type) {
        None => return Err("not an OpenSSH public key (it starts with ssh-ed25519, ssh-rsa or ecdsa-…)".into()),
        Some(0) => {}
        // from="…", restrict, command="…": limits sitroom's SSH server does not
        // enforce. Registering the key without them would give it more than the file
        // says, so it is refused, and the administrator decides.
        Some(i) => {
            return Err(format!(
                "this line limits its key ({}), which sitroom does not enforce: register the key without the options if it may be used without those limits",
                words[..i].join(" ")
            ))
        }
    }
    let key = PublicKey::from_openssh(line).map_err(|e| format!("not a readable public key: {e}"))?;
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    Ok((key, fingerprint))
}

/// A new host key (Ed25519) in OpenSSH's private-key form, for the store to keep.
pub fn new_host_key() -> String {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).expect("the system's random source");
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    key.to_openssh(russh::keys::ssh_key::LineEnding::LF).expect("an Ed25519 key encodes").to_string()
}

/// The host key kept in the store.
pub fn host_key(text: &str) -> Option<PrivateKey> {
    PrivateKey::from_openssh(text).ok()
}

/// The host key's fingerprint, as users see it when they first connect.
pub fn host_fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real key, made by `ssh-keygen -t ed25519 -C kari@stab-pc`.
    const KARI: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMYXkO7itW7uRLnqaAYOoJRRInRY0hUsu1nL53BNpVyW kari@stab-pc";

    #[test]
    fn a_public_key_is_read_and_a_limited_or_private_one_refused() {
        let (key, fp) = parse_public(KARI).unwrap();
        // What `ssh-keygen -lf` printed for it.
        assert_eq!(fp, "SHA256:xo08Ot1lLD3I462pWmzRVC6PBmYgr1t1ZNe1VvzoFJQ");
        assert_eq!(key.comment().as_str_lossy(), "kari@stab-pc");
        let limited = parse_public(&format!("from=\"10.0.0.0/8\",no-pty {KARI}")).unwrap_err();
        assert!(limited.contains("does not enforce") && limited.contains("from="), "{limited}");
        assert!(parse_public("-----BEGIN OPENSSH PRIVATE KEY-----").unwrap_err().contains("private key"));
        assert!(parse_public("hei på deg").unwrap_err().contains("not an OpenSSH public key"));
        assert!(parse_public("ssh-ed25519 AAAAbroken").is_err());
    }

    #[test]
    fn a_host_key_is_made_once_and_read_back_the_same() {
        let text = new_host_key();
        let key = host_key(&text).unwrap();
        assert_eq!(host_fingerprint(&key), host_fingerprint(&host_key(&text).unwrap()));
        assert_ne!(host_fingerprint(&key), host_fingerprint(&host_key(&new_host_key()).unwrap()));
    }
}

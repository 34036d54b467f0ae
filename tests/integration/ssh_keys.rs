//! Who may open a sitroom session over SSH: public keys registered per account by the
//! server's administrator, with the fingerprints OpenSSH's own `ssh-keygen -lf`
//! prints; one key opens one account; a private key, a line that is no key or a key
//! twice is refused with a clear word; and the server's host key, made on first start,
//! keeps its fingerprint across restarts.

use crate::common::server::Server;
use std::path::Path;
use std::process::{Command, Output};

fn keygen(dir: &Path, name: &str, kind: &str, comment: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", comment, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen (openssh-client) is installed by .ci/run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

/// What OpenSSH says the key's fingerprint is.
fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen").arg("-lf").arg(public).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().nth(1).unwrap().to_string()
}

fn text(o: &Output) -> (bool, String, String) {
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn keys_are_registered_per_account_with_openssh_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let kari_key = keygen(dir.path(), "kari", "ed25519", "kari@stab-pc");
    let ola_key = keygen(dir.path(), "ola", "rsa", "ola@heime");
    let kari_pub = kari_key.with_extension("pub");
    let ola_pub = ola_key.with_extension("pub");
    let s = Server::start();
    s.add_org("Sandefjord kommune");
    s.add_user("kari", "Sandefjord kommune", &["loggfører"]);
    s.add_user("ola", "Sandefjord kommune", &["gjest"]);

    let (ok, out, err) =
        text(&s.admin(&["user", "key", "add", "kari", "--file", kari_pub.to_str().unwrap()]));
    assert!(ok, "{err}");
    let fp = fingerprint(&kari_pub);
    assert!(out.contains(&fp), "the fingerprint OpenSSH prints: {out}");
    let (_, listed, _) = text(&s.admin(&["--json", "user", "key", "list", "kari"]));
    let keys: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(keys[0]["fingerprint"], fp.as_str());
    assert_eq!(keys[0]["algorithm"], "ssh-ed25519");
    assert_eq!(keys[0]["comment"], "kari@stab-pc");

    // Twice, or for another account: refused, saying whose it is.
    let (ok, _, err) = text(&s.admin(&["user", "key", "add", "kari", "--file", kari_pub.to_str().unwrap()]));
    assert!(!ok && err.contains("already registered for 'kari'"), "{err}");
    let (ok, _, err) = text(&s.admin(&["user", "key", "add", "ola", "--file", kari_pub.to_str().unwrap()]));
    assert!(!ok && err.contains("already belongs to account 'kari'"), "{err}");
    // The private key by mistake, and an account that is not there.
    let (ok, _, err) = text(&s.admin(&["user", "key", "add", "kari", "--file", kari_key.to_str().unwrap()]));
    assert!(!ok && err.contains("private key"), "{err}");
    let (ok, _, err) = text(&s.admin(&["user", "key", "add", "nils", "--file", ola_pub.to_str().unwrap()]));
    assert!(!ok && err.contains("no account 'nils'"), "{err}");

    // An authorized_keys file: comments passed over; a key limited by options refused
    // (sitroom does not enforce them); a line that is no key said by its number; the
    // good one is in.
    let ola_line = std::fs::read_to_string(&ola_pub).unwrap().trim().to_string();
    let kari_line = std::fs::read_to_string(&kari_pub).unwrap().trim().to_string();
    let authorized = dir.path().join("authorized_keys");
    std::fs::write(
        &authorized,
        format!("# ola sine\n{ola_line}\nikke en nøkkel\nfrom=\"10.0.0.0/8\",no-pty {kari_line}\n"),
    )
    .unwrap();
    let (ok, out, err) =
        text(&s.admin(&["user", "key", "import", "ola", "--file", authorized.to_str().unwrap()]));
    assert!(!ok, "a refused line makes the import exit non-zero");
    assert!(out.contains(&fingerprint(&ola_pub)) && out.contains("1 added, 2 refused"), "{out}");
    assert!(err.contains("line 3") && err.contains("not an OpenSSH public key"), "{err}");
    assert!(err.contains("line 4") && err.contains("does not enforce"), "{err}");
    let (_, listed, _) = text(&s.admin(&["--json", "user", "key", "list", "ola"]));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&listed).unwrap()[0]["algorithm"], "ssh-rsa");

    // Removed by its fingerprint.
    let (ok, _, err) = text(&s.admin(&["user", "key", "remove", "kari", &fp]));
    assert!(ok, "{err}");
    let (_, listed, _) = text(&s.admin(&["--json", "user", "key", "list", "kari"]));
    assert_eq!(listed.trim(), "[]");
    let (ok, _, err) = text(&s.admin(&["user", "key", "remove", "kari", &fp]));
    assert!(!ok && err.contains("has no key"), "{err}");
}

#[test]
fn the_host_key_is_made_once_and_keeps_its_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let mut s = Server::start_at(&db, "127.0.0.1:0");
    let (ok, first, err) = text(&s.admin(&["ssh", "fingerprint"]));
    assert!(ok && first.starts_with("SHA256:") && first.contains("ED25519"), "{first}{err}");
    s.kill();
    let s = Server::start_at(&db, "127.0.0.1:0");
    let (_, again, _) = text(&s.admin(&["ssh", "fingerprint"]));
    assert_eq!(again, first, "a restart never changes it");
    let other = Server::start();
    let (_, theirs, _) = text(&other.admin(&["ssh", "fingerprint"]));
    assert_ne!(theirs, first, "each server its own");
}

//! sitroom over SSH, with the real OpenSSH client in tmux: `ssh kari@server` opens
//! kari's own TUI on the server's data, live beside the synced clients; strangers are
//! refused; a session without a terminal is told why; a dropped connection keeps the
//! draft; and two people at once see each other's entries and only their own
//! organisation's.

use crate::common::server::{Server, PASSWORD};
use crate::common::tmux::Tmux;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A server with its SSH door open, and a folder for keys and known hosts.
struct Door {
    server: Server,
    dir: tempfile::TempDir,
}

impl Door {
    fn open() -> Door {
        let server = Server::start_flags(&["--ssh", "127.0.0.1:0"]);
        Door { server, dir: tempfile::tempdir().unwrap() }
    }

    fn port(&self) -> u16 {
        self.server.ssh_port.expect("started with --ssh")
    }

    fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// A new key pair; the private key's path.
    fn keygen(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        let out = crate::common::tool("ssh-keygen", "openssh-client")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        path
    }

    /// A key made and registered for `account`.
    fn key_for(&self, account: &str) -> PathBuf {
        let key = self.keygen(account);
        let public = key.with_extension("pub");
        let out = self.server.admin(&["user", "key", "add", account, "--file", public.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        key
    }

    /// `ssh` to `user` with `key` (or, without one, by password).
    fn args(&self, user: &str, key: Option<&Path>) -> Vec<String> {
        crate::common::ssh_args(self.port(), &self.known_hosts(), user, key)
    }

    /// The command line for tmux: the pane is the `ssh` process itself.
    fn line(&self, user: &str, key: Option<&Path>) -> String {
        format!("exec ssh {}", self.args(user, key).join(" "))
    }

    /// `ssh` without a terminal, as a script would run it.
    fn batch(&self, user: &str, key: &Path, command: &[&str]) -> Output {
        crate::common::tool("ssh", "openssh-client")
            .args(["-o", "BatchMode=yes", "-T"])
            .args(self.args(user, Some(key)))
            .args(command)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// A laptop of `user`'s, signed in over HTTP and synced.
    fn laptop(&self, user: &str) -> Laptop {
        let db = self.dir.path().join(format!("{user}-laptop.db"));
        let laptop = Laptop { db };
        let mut child = laptop
            .cmd(&["--create", "login", "--server", &self.server.url, "--user", user, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        laptop
    }
}

struct Laptop {
    db: PathBuf,
}

impl Laptop {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sitroom"));
        c.env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            .env_remove("SITROOM_DB")
            .arg("--db")
            .arg(&self.db)
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// An incident made in the session (Ctrl-N, a title, Enter), ready for entries.
fn new_incident(t: &Tmux, title: &str) {
    t.keys(&["C-n"]);
    t.wait_for("Ny hendelse");
    t.text(title);
    t.keys(&["Enter"]);
    t.wait_for("Ny loggføring");
}

fn enter(t: &Tmux, line: &str, saved: &str) {
    t.text(line);
    t.keys(&["Enter"]);
    t.wait_for(saved);
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_registered_key_opens_the_accounts_own_tui_live_beside_synced_clients() {
    let door = Door::open();
    door.server.add_org("Sandefjord kommune");
    door.server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let key = door.key_for("kari");

    let t = Tmux::new();
    t.run(&door.line("kari", Some(&key)));
    let first = t.wait_for("Venter på organisasjonens hendelser");
    assert!(first.contains("kari"), "her own session: {first}");
    // The host key ssh was shown is the one the server printed at start.
    let out = Command::new("ssh-keygen").arg("-lf").arg(door.known_hosts()).output().unwrap();
    let known = String::from_utf8_lossy(&out.stdout);
    assert!(known.contains(door.server.ssh_fingerprint.as_deref().unwrap()), "{known}");

    new_incident(&t, "Flom i sentrum – Bjørnsgate");
    enter(&t, "Brannvesenet: vannet står 30 cm over kaikanten ved Bjørnsgate", "Lagret #1");
    enter(&t, "Ordføreren ønsker pressemelding før kl. 14 – «hold dere unna kaia» 🚧", "Lagret #2");

    // On a synced client after its next round (once the session's replica has sent
    // them, in the background a moment after Enter), written by kari.
    let laptop = door.laptop("kari");
    let mut log = String::new();
    wait_until("the entries typed over SSH reaching the laptop", || {
        laptop.run(&["sync"]);
        log = laptop.run(&["log", "list"]);
        log.contains("🚧")
    });
    assert!(log.contains("vannet står 30 cm over kaikanten ved Bjørnsgate"), "{log}");
    assert!(log.contains("«hold dere unna kaia» 🚧"), "{log}");
    assert!(log.lines().filter(|l| l.contains("kari")).count() >= 2, "{log}");

    // What the laptop writes shows in the open session.
    laptop.run(&["log", "add", "Politiet har sperret Storgata mellom torget og brua"]);
    laptop.run(&["sync"]);
    t.wait_for("Politiet har sperret Storgata");

    // The window's new size is used: wider, then too small, then back.
    t.resize(130, 40);
    wait_until("the screen drawn 130 wide", || {
        let s = t.screen();
        s.lines().count() == 40 && s.lines().next().is_some_and(|l| l.trim_end().chars().count() > 110)
    });
    t.resize(60, 15);
    t.wait_for("for lite");
    t.resize(100, 30);
    t.wait_for("Politiet har sperret Storgata");

    // Ctrl-Q ends the session and the connection.
    t.keys(&["C-q"]);
    t.wait_exit();
}

#[test]
fn strangers_are_refused_and_a_session_without_a_terminal_is_told_why() {
    let door = Door::open();
    door.server.add_org("Sandefjord kommune");
    door.server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    door.server.add_user("ola", "Sandefjord kommune", &["loggfører"]);
    let kari = door.key_for("kari");
    let stranger = door.keygen("stranger");

    // Without a terminal: one clear line, and ssh ends with an error status.
    let out = door.batch("kari", &kari, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("sitroom trenger en terminal"), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "one line: {said}");
    // A command is not run.
    let out = door.batch("kari", &kari, &["cat", "/etc/passwd"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bare terminalvisningen"));

    // A key no account has, and kari's key offered for ola: refused.
    for (user, key) in [("kari", &stranger), ("ola", &kari)] {
        let out = door.batch(user, key, &[]);
        assert_eq!(out.status.code(), Some(255), "{user}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("Permission denied"), "{out:?}");
    }

    // A wrong password, and a name with no account: refused.
    for (user, password) in [("ola", "feil passord"), ("ingen", PASSWORD)] {
        let t = Tmux::new();
        // Not exec'd: the pane stays to show what ssh said.
        t.run(&format!("ssh {}; sleep 20", door.args(user, None).join(" ")));
        t.wait_for("Passord / password");
        t.text(password);
        t.keys(&["Enter"]);
        t.wait_for("Permission denied");
    }
    // The right password on a borrowed machine: in.
    let t = Tmux::new();
    t.run(&door.line("ola", None));
    t.wait_for("Passord / password");
    t.text(PASSWORD);
    t.keys(&["Enter"]);
    let s = t.wait_for("Venter på organisasjonens hendelser");
    assert!(s.contains("ola"), "{s}");
}

#[test]
fn a_dropped_connection_keeps_the_draft_for_the_next_session() {
    let door = Door::open();
    door.server.add_org("Sandefjord kommune");
    door.server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    let key = door.key_for("kari");

    let t = Tmux::new();
    t.run(&door.line("kari", Some(&key)));
    t.wait_for("Venter på organisasjonens hendelser");
    new_incident(&t, "Strømbrudd Kodal");
    let draft = "Utkast: evakuering av Bjørnsgate 12–18 pågår, æøå";
    t.text(draft);
    t.wait_for("evakuering av Bjørnsgate 12–18 pågår");
    // The link dies: ssh is killed outright, nothing is said to the server.
    let killed = Command::new("kill").args(["-9", &t.pane_pid()]).status().unwrap();
    assert!(killed.success());
    t.wait_exit();

    let again = Tmux::new();
    again.run(&door.line("kari", Some(&key)));
    let s = again.wait_for("Utkast gjenopprettet");
    assert!(s.contains(draft), "the draft comes back:\n{s}");
    // It is a draft, not an entry: nothing was logged.
    let laptop = door.laptop("kari");
    laptop.run(&["sync"]);
    assert!(!laptop.run(&["log", "list"]).contains("evakuering"));
}

#[test]
fn two_staff_at_once_see_each_others_entries_and_only_their_own_organisation() {
    let door = Door::open();
    door.server.add_org("Sandefjord kommune");
    door.server.add_org("Larvik kommune");
    door.server.add_user("kari", "Sandefjord kommune", &["kriseledelse"]);
    door.server.add_user("per", "Sandefjord kommune", &["loggfører"]);
    door.server.add_user("ola", "Larvik kommune", &["kriseledelse"]);
    let (kari_key, per_key, ola_key) = (door.key_for("kari"), door.key_for("per"), door.key_for("ola"));

    let kari = Tmux::new();
    kari.run(&door.line("kari", Some(&kari_key)));
    kari.wait_for("Venter på organisasjonens hendelser");
    new_incident(&kari, "Flom i sentrum");
    enter(&kari, "Kari: stabsmøte kl. 10 på rådhuset", "Lagret #1");

    // Per, in the same organisation, finds the incident open with kari's entry.
    let per = Tmux::new();
    per.run(&door.line("per", Some(&per_key)));
    per.wait_for("Kari: stabsmøte kl. 10 på rådhuset");
    enter(&per, "Per: Sivilforsvaret er varslet, 20 mann på vei", "Lagret #2");
    kari.wait_for("Sivilforsvaret er varslet");

    // Ola, in Larvik, sees none of it and works on his own.
    let ola = Tmux::new();
    ola.run(&door.line("ola", Some(&ola_key)));
    let s = ola.wait_for("Venter på organisasjonens hendelser");
    assert!(!s.contains("Flom"), "{s}");
    new_incident(&ola, "Skred ved Farris");
    enter(&ola, "Ola: E18 stengt ved Farris", "Lagret #1");
    std::thread::sleep(Duration::from_secs(1));
    for (t, who) in [(&kari, "kari"), (&per, "per")] {
        let s = t.screen();
        assert!(!s.contains("Skred") && !s.contains("E18 stengt"), "{who} sees Larvik's incident:\n{s}");
    }
    let laptop = door.laptop("per");
    laptop.run(&["sync"]);
    let incidents = laptop.run(&["incident", "list"]);
    assert!(incidents.contains("Flom i sentrum") && !incidents.contains("Skred"), "{incidents}");
    let log = laptop.run(&["log", "list"]);
    assert!(log.contains("Sivilforsvaret er varslet") && !log.contains("E18"), "{log}");
}

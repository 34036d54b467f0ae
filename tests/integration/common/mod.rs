//! Helpers shared by the integration tests: a temp home for each test (database and
//! config dir) and a way to run the real binary in it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("sitroom.db")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The real binary with this home's database and config, as user `kari`.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sitroom"));
        c.env("SITROOM_DB", self.db())
            // A new home's database is made on first use (the refusal is tested on its own).
            .env("SITROOM_CREATE", "1")
            .env("SITROOM_CONFIG_DIR", self.config_dir())
            .env("USER", "kari")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("NO_COLOR");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Run and expect success; the standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "sitroom {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run and expect failure; (exit code, standard error).
    pub fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(!out.status.success(), "sitroom {args:?} should fail");
        (out.status.code().unwrap_or(-1), String::from_utf8(out.stderr).unwrap())
    }

    /// A new incident with report 1 written (`body`), submitted and approved.
    pub fn approved_sitrep(&self, body: &str) {
        self.ok(&["incident", "new", "--title", "Flom i Vestfold", "--type", "flom"]);
        self.ok(&["report", "new", "--title", "Situasjonsrapport 1"]);
        let f = self.path().join("s.md");
        std::fs::write(&f, body).unwrap();
        self.ok(&["report", "edit", "1", "--file", f.to_str().unwrap()]);
        self.ok(&["report", "submit", "1"]);
        self.ok(&["report", "approve", "1"]);
    }

    pub fn entries(&self) -> Vec<serde_json::Value> {
        self.ok(&["log", "list", "--json"]).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

/// A rendered buffer as text, one line per row, wide characters counted once.
pub fn buffer_text(b: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut skip = 0;
        for x in 0..b.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = b[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            out.push_str(sym);
        }
        out.push('\n');
    }
    out
}

pub mod by_hand;
pub mod inproc;
pub mod link;
pub mod oidc;
pub mod postgres;
pub mod server;
pub mod smtp;
pub mod ssh_client;

/// Write a shell script and make it executable (a fake SMS command, say).
pub fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

impl Home {
    /// Replace this home's config.toml.
    pub fn configure(&self, toml: &str) {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        std::fs::write(self.config_dir().join("config.toml"), toml).unwrap();
    }

    /// A fake SMS command in this home: it appends "to=NUMBER", the message from
    /// standard input and a line break to a log. Returns (the command, its log).
    pub fn fake_sms(&self) -> (PathBuf, PathBuf) {
        let log = self.path().join("sms.log");
        let command = self.path().join("send-sms");
        script(
            &command,
            &format!("#!/bin/sh\necho \"to=$1\" >> '{0}'\ncat >> '{0}'\necho >> '{0}'\n", log.display()),
        );
        (command, log)
    }
}
pub mod tmux;

impl Home {
    /// Sign this home's database in to `server` as `user` (password [`server::PASSWORD`]).
    pub fn login(&self, url: &str, user: &str) {
        let out = self.try_login(url, user, server::PASSWORD, &[]);
        assert!(out.status.success(), "login failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `login --password-stdin` with this password and these extra environment variables.
    pub fn try_login(&self, url: &str, user: &str, password: &str, env: &[(&str, &Path)]) -> Output {
        use std::io::Write;
        let mut cmd = self.cmd();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .args(["login", "--server", url, "--user", user, "--password-stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    }

    /// `sync status --json`.
    pub fn sync_status(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["sync", "status", "--json"])).unwrap()
    }

    pub fn state_hash(&self) -> String {
        self.sync_status()["state_hash"].as_str().unwrap().to_string()
    }
}

/// A command-line tool a test needs (tmux, pdftotext, …). A missing one fails the test
/// with the package that holds it and the command that installs it, never silently.
pub fn tool(name: &str, package: &str) -> Command {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    assert!(
        found,
        "this test needs `{name}`, from the Debian/Ubuntu package {package}: \
         run `bash .ci/run` (it installs what the tests need) or `sudo apt-get install {package}`"
    );
    Command::new(name)
}

/// Parse JSON printed by `--json`, naming the text when it is not JSON.
pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// A file of the tests' fixtures (`tests/fixtures/…`).
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path)
}

/// The lines a logger typed in a staff meeting about a flood (from `shared/data`,
/// kept with the tests so a clean checkout runs them): comments and blank lines left out.
pub fn staff_meeting_lines() -> Vec<String> {
    std::fs::read_to_string(fixture("stabsmote-flom.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
pub mod staff;

impl Home {
    /// The staff room through the CLI: the flood incident, open and in use, and
    /// [`staff::PEOPLE`] with their roles (kari, the administrator, first).
    pub fn staff_room(&self) {
        self.ok(&["incident", "new", "--title", "Flom i Lågen", "--type", "flom"]);
        self.staff();
        self.ok(&["incident", "use", "1"]);
    }

    /// [`staff::PEOPLE`] as the users of this database.
    pub fn staff(&self) {
        for (name, role) in staff::PEOPLE {
            self.ok(&["user", "add", name, "--role", role]);
        }
    }
}

/// The mail fixtures: .eml files in many encodings, a maildir, an mbox.
pub fn mail_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

/// An incident to take mail into.
pub fn incident(h: &Home) {
    h.ok(&["incident", "new", "--title", "Flom i Sandefjord", "--type", "flom"]);
}

/// The texts of the log, oldest first.
pub fn texts(h: &Home) -> Vec<String> {
    h.entries().iter().map(|e| e["text"].as_str().unwrap().to_string()).collect()
}

/// A copy of a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// An incident with something of every kind in it: an entry with markup and escape
/// codes, a decision, a task, an answered media inquiry, an approved sitrep, an e-mail.
pub fn busy_incident(h: &Home) {
    incident(h);
    h.ok(&["log", "add", "Vannet stiger ved Bøen, <script>alert(1)</script> \u{1b}[2J"]);
    h.ok(&["log", "add", "!Vi evakuerer Åsgårdstrand skole"]);
    h.ok(&["task", "add", "--title", "Sjekk pumpestasjon Bøen", "--assignee", "Øystein"]);
    h.ok(&["media", "add", "--outlet", "Sandefjords Blad", "--question", "Hvor mange er evakuert?"]);
    h.ok(&["media", "answer", "1", "212 elever er på Ødegården."]);
    h.ok(&["report", "new", "--title", "Situasjonsrapport 1"]);
    let text = h.path().join("sitrep.md");
    std::fs::write(&text, "## Situasjon\nVannet står 40 cm over flomvollen.\n").unwrap();
    h.ok(&["report", "edit", "1", "--file", text.to_str().unwrap()]);
    h.ok(&["report", "submit", "1"]);
    h.ok(&["report", "approve", "1"]);
    h.ok(&["mail", "import", mail_fixtures().join("utf8-base64-attachment.eml").to_str().unwrap()]);
}

/// `ssh` to `user` with `key` (or, without one, by password), told nothing by the
/// machine's own config, agent or known hosts; in Norwegian.
pub fn ssh_args(port: u16, known_hosts: &Path, user: &str, key: Option<&Path>) -> Vec<String> {
    let mut a: Vec<String> = [
        "-F",
        "/dev/null",
        "-o",
        "IdentityAgent=none",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=accept-new",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "SetEnv=SITROOM_LANG=nb",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(["-o".into(), format!("UserKnownHostsFile={}", known_hosts.display())]);
    a.extend(["-p".into(), port.to_string()]);
    match key {
        Some(k) => a.extend(
            [
                "-i",
                k.to_str().unwrap(),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "PreferredAuthentications=publickey",
            ]
            .map(String::from),
        ),
        None => {
            a.extend(["-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1"].map(String::from))
        }
    }
    a.push(format!("{user}@127.0.0.1"));
    a
}

/// Read back a QR code drawn by `sitroom::qr::lines` (each character two modules,
/// light where a block is): what it says, if a reader can make it out.
pub fn read_qr(lines: &[String]) -> Option<String> {
    let rows: Vec<Vec<char>> = lines.iter().map(|l| l.trim().chars().collect()).collect();
    let (w, h) = (rows.first()?.len(), rows.len() * 2);
    // Four pixels a module, so the reader has room.
    let scale = 4;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
        let (c, half) = (rows[y / scale / 2].get(x / scale).copied().unwrap_or(' '), (y / scale) % 2);
        let light = match c {
            '█' => true,
            '▀' => half == 0,
            '▄' => half == 1,
            _ => false,
        };
        if light {
            255
        } else {
            0
        }
    });
    let grids = img.detect_grids();
    grids.first()?.decode().ok().map(|(_, content)| content)
}

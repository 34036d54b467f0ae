//! A real PostgreSQL for the tests: a throwaway cluster in a temporary folder (initdb
//! and pg_ctl from Debian's `postgresql` package), listening on a free loopback port,
//! stopped and removed when dropped. Never a shared service. A machine without
//! PostgreSQL fails the test with how to install it: never a silent skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    /// Run the server's programs as this user (initdb refuses to run as root).
    runner: Option<&'static str>,
    next: std::sync::atomic::AtomicUsize,
}

/// Where Debian puts the newest PostgreSQL's programs.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed, and the store tests need a real one: \
             apt-get install postgresql (`bash .ci/run` installs it)"
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// A new cluster, started.
    pub fn start() -> Cluster {
        let bin = bin_dir();
        let dir = tempfile::Builder::new().prefix("sitroom-pg").tempdir().unwrap();
        let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let runner = root.then_some("postgres");
        if runner.is_some() {
            let ok = Command::new("chown").args(["-R", "postgres:"]).arg(dir.path()).status().unwrap();
            assert!(ok.success(), "cannot give the cluster's folder to the postgres user");
        }
        let cluster = Cluster { dir, bin, port: free_port(), runner, next: Default::default() };
        let data = cluster.data();
        cluster.tool(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "sitroom",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        // Loopback only; the socket in the cluster's own folder; no flushing to disk
        // (the tests stop it cleanly, and speed matters more here than a power cut).
        std::fs::write(
            data.join("postgresql.auto.conf"),
            format!(
                "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\n\
                 synchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n",
                cluster.port,
                cluster.dir.path().display()
            ),
        )
        .unwrap();
        cluster.ctl(&["start", "-w", "-t", "30"]);
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn tool(&self, name: &str, args: &[&str]) {
        let out = self.run_tool(name, args);
        assert!(
            out.status.success(),
            "{name} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn run_tool(&self, name: &str, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(name);
        let mut cmd = match self.runner {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        cmd.args(args).current_dir(self.dir.path()).stdin(Stdio::null()).output().unwrap()
    }

    fn ctl(&self, args: &[&str]) {
        self.tool("pg_ctl", &self.ctl_args(args).iter().map(String::as_str).collect::<Vec<_>>());
    }

    fn ctl_args(&self, args: &[&str]) -> Vec<String> {
        let (data, log) = (self.data(), self.dir.path().join("server.log"));
        let mut all: Vec<String> =
            ["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap()].map(String::from).into();
        all.extend(args.iter().map(|a| a.to_string()));
        all
    }

    pub fn stop(&self) {
        self.ctl(&["stop", "-m", "fast", "-w", "-t", "30"]);
    }

    pub fn start_again(&self) {
        self.ctl(&["start", "-w", "-t", "30"]);
    }

    /// A new, empty database in the cluster: its URL.
    pub fn database(&self) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("sitroom{n}");
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://sitroom@127.0.0.1:{}/{db}?sslmode=disable", self.port)
    }

    /// psql on database `db`, unaligned, tuples only.
    fn psql_cmd(&self, db: &str) -> Command {
        let mut c = Command::new(self.bin.join("psql"));
        c.args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "sitroom", "-d", db, "-At"]);
        c
    }

    /// Run SQL in database `db` with psql: its output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.psql_cmd(db).args(["-c", sql]).output().unwrap();
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// `pg_dump` of database `db` into `file` (custom format), as an operator takes a
    /// backup while the servers serve.
    pub fn dump(&self, db: &str, file: &Path) {
        let out = Command::new(self.bin.join("pg_dump"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "sitroom", "--format=custom"])
            .arg(format!("--file={}", file.display()))
            .arg(db)
            .output()
            .unwrap();
        assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `pg_restore` of `file` into the (new, empty) database `db`.
    pub fn restore(&self, file: &Path, db: &str) {
        let out = Command::new(self.bin.join("pg_restore"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "sitroom", "--no-owner", "-d", db])
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Hold advisory lock `key` in database `db` from a session of its own (psql), until
    /// the returned child's input is closed. Returns once the lock is held.
    pub fn hold_lock(&self, db: &str, key: i64) -> std::process::Child {
        use std::io::{BufRead, Write};
        let mut child = self.psql_cmd(db).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        writeln!(child.stdin.as_mut().unwrap(), "SELECT 'held' FROM pg_advisory_lock({key});").unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "held");
        child
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Immediate: nothing in a throwaway cluster needs a clean shutdown.
        let args = self.ctl_args(&["stop", "-m", "immediate", "-w"]);
        let _ = self.run_tool("pg_ctl", &args.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
